"""The quotas app's bulk snapshot dataset (core.datasets): the year's allocations (each figure
only once the batch that sets it is approved), settlements and surrenders."""

from django.db.models import Case, F, Q, When
from django.utils.translation import gettext_lazy as _

from core.datasets import CsvFile, Dataset, columns
from quotas.models import Allocation, BatchStatus, Settlement, Surrender

APPROVED = BatchStatus.APPROVED
BATCHES = ("pre_allocation_batch", "determination_batch", "allocation_batch")


def _approved(batch: str, figure: str) -> Case:
    """The figure once its batch is approved; empty while it is a draft or awaits approval."""
    return Case(When(**{f"{batch}__status": APPROVED}, then=F(figure)), default=None)


def _allocations(year: int):
    any_approved = Q()
    for batch in BATCHES:
        any_approved |= Q(**{f"{batch}__status": APPROVED})
    return Allocation.objects.filter(any_approved, year=year)


def _settlements(year: int):
    return Settlement.objects.filter(year=year)


def _surrenders(year: int):
    return Surrender.objects.filter(settlement__year=year)


ENTERPRISE = (
    ("enterprise", "enterprise__public_id"),
    ("uscc", "enterprise__uscc"),
    ("enterprise_name", "enterprise__name_zh"),
    ("province", "enterprise__province__code"),
)

datasets = [
    Dataset(
        name="allowances",
        title=_("Allocations and settlements"),
        files=(
            CsvFile(
                name="allocations.csv",
                columns=columns(
                    ("id", "public_id"),
                    *ENTERPRISE,
                    "year",
                    ("sector", "plan__sector"),
                    ("method", "plan__method"),
                    ("pre_allocated", _approved("pre_allocation_batch", "pre_allocated")),
                    ("determined", _approved("determination_batch", "determined")),
                    ("adjustments", _approved("determination_batch", "adjustments")),
                    ("to_issue", _approved("determination_batch", "to_issue")),
                    ("issued", _approved("allocation_batch", "issued")),
                    ("issued_on", _approved("allocation_batch", "issued_on")),
                ),
                rows=_allocations,
                province="enterprise__province",
                order=("enterprise__uscc",),
            ),
            CsvFile(
                name="settlements.csv",
                columns=columns(
                    ("id", "public_id"),
                    *ENTERPRISE,
                    "year",
                    "verified_emissions",
                    "allocated",
                    "obligation",
                    "cap_rule",
                    "due_on",
                    "status",
                    "settled_on",
                ),
                rows=_settlements,
                province="enterprise__province",
                order=("enterprise__uscc",),
            ),
            CsvFile(
                name="surrenders.csv",
                columns=columns(
                    ("settlement", "settlement__public_id"),
                    ("uscc", "settlement__enterprise__uscc"),
                    "kind",
                    "vintage",
                    "quantity",
                    "surrendered_on",
                    "registry_reference",
                ),
                rows=_surrenders,
                province="settlement__enterprise__province",
                order=("settlement__enterprise__uscc", "surrendered_on"),
            ),
        ),
    )
]
