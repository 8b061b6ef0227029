"""The verification app's bulk snapshot dataset (core.datasets): the year's verification
results as confirmed (the verified emissions, revised by a decision on an objection) and the
verified activity data per facility as the confirmation froze it. A result appears once
confirmed, never before: no verifier's draft figures."""

from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from core.datasets import CsvFile, Dataset, columns
from verification.models import VerifiedFigures

ACTIVITY_KEYS = ("facility_name", "item", "value", "unit")


def _results(year: int):
    return VerifiedFigures.objects.filter(year=year)


def _activity_lines(row: tuple) -> Iterator[tuple]:
    """The activity data the confirmation made final, one line per facility and item (the
    facility by its name, unique in its unit: the figures keep no public id of it)."""
    assignment, uscc, activity = row
    for figure in activity:
        yield (assignment, uscc, *(figure.get(key) for key in ACTIVITY_KEYS))


datasets = [
    Dataset(
        name="verification",
        title=_("Verification results"),
        files=(
            CsvFile(
                name="results.csv",
                columns=columns(
                    ("assignment", "assignment__public_id"),
                    ("enterprise", "enterprise__public_id"),
                    ("uscc", "enterprise__uscc"),
                    ("enterprise_name", "enterprise__name_zh"),
                    ("province", "enterprise__province__code"),
                    ("sector", "enterprise__industry__sector"),
                    "year",
                    ("reported_emissions", "assignment__report__emissions"),
                    ("verified_emissions", "emissions"),
                    ("institution", "assignment__institution__public_id"),
                    ("institution_name", "assignment__institution__name_zh"),
                    "confirmed_on",
                    ("objection", "assignment__objection__status"),
                ),
                rows=_results,
                province="enterprise__province",
                order=("enterprise__uscc",),
            ),
            CsvFile(
                name="verified_activity.csv",
                columns=columns(
                    ("assignment", "assignment__public_id"),
                    ("uscc", "enterprise__uscc"),
                    "activity",
                ),
                rows=_results,
                province="enterprise__province",
                order=("enterprise__uscc",),
                expand=_activity_lines,
                headers=("assignment", "uscc", "facility_name", "item", "value", "unit"),
            ),
        ),
    )
]
