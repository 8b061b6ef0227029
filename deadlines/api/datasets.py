"""The deadlines app's bulk snapshot dataset (core.datasets): the obligations of the year's
periods, with their due dates and whether each was met on time, late, or is overdue."""

from django.utils.translation import gettext_lazy as _

from core.datasets import CsvFile, Dataset, columns
from deadlines.models import Obligation


def _obligations(year: int):
    return Obligation.objects.filter(period_start__year=year)


datasets = [
    Dataset(
        name="obligations",
        title=_("Obligations and deadlines"),
        files=(
            CsvFile(
                name="obligations.csv",
                columns=columns(
                    ("id", "public_id"),
                    "kind",
                    ("party", "rule__party"),
                    ("province", "province__code"),
                    ("enterprise", "enterprise__public_id"),
                    ("uscc", "enterprise__uscc"),
                    ("enterprise_name", "enterprise__name_zh"),
                    "period_start",
                    "period_end",
                    "original_due_on",
                    "due_on",
                    "status",
                    "met_at",
                ),
                rows=_obligations,
                province="province",
                order=("due_on", "kind", "enterprise__uscc"),
            ),
        ),
    )
]
