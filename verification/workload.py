"""Each verification institution's workload against the sector deadlines: per institution and
deadline, the year's assignments by status, the overdue ones and the days left."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from accounts import scoping
from units.models import Sector
from verification.models import OPEN_ASSIGNMENT, Assignment, AssignmentStatus


@dataclass
class DeadlineLoad:
    """One institution's assignments that share a deadline."""

    due_date: date | None
    sectors: list[str]
    assigned: int = 0
    in_progress: int = 0
    concluded: int = 0
    confirmed: int = 0
    overdue: int = 0
    days_left: int | None = None


@dataclass
class InstitutionLoad:
    public_id: str
    name_zh: str
    name_en: str
    deadlines: list[DeadlineLoad]

    def total(self, name: str) -> int:
        return sum(getattr(row, name) for row in self.deadlines)

    @property
    def assigned(self) -> int:
        return self.total("assigned")

    @property
    def in_progress(self) -> int:
        return self.total("in_progress")

    @property
    def concluded(self) -> int:
        return self.total("concluded")

    @property
    def confirmed(self) -> int:
        return self.total("confirmed")

    @property
    def overdue(self) -> int:
        return self.total("overdue")


def workload(
    *, actor: scoping.Actor, year: int, today: date | None = None
) -> list[InstitutionLoad]:
    """Per institution and sector deadline, the year's assignments the actor may see: how many
    are assigned, in progress, with a conclusion submitted, confirmed, and overdue (not
    confirmed by the deadline), with the days left. One query."""
    today = today or timezone.localdate()
    in_progress = [AssignmentStatus.ASSIGNED, AssignmentStatus.RETURNED]
    rows = (
        scoping.visible(actor, Assignment)
        .filter(year=year, status__in=OPEN_ASSIGNMENT)
        .values(
            "institution__public_id",
            "institution__name_zh",
            "institution__name_en",
            "due_date",
            "enterprise__industry__sector",
        )
        .annotate(
            assigned=Count("pk"),
            in_progress=Count("pk", filter=Q(status__in=in_progress)),
            concluded=Count("pk", filter=Q(status=AssignmentStatus.CONCLUDED)),
            confirmed=Count("pk", filter=Q(status=AssignmentStatus.CONFIRMED)),
            overdue=Count(
                "pk", filter=~Q(status=AssignmentStatus.CONFIRMED) & Q(due_date__lt=today)
            ),
        )
        .order_by("institution__name_zh", "institution__public_id", "due_date")
    )
    sector_names = dict(Sector.choices)
    loads: dict = {}
    for row in rows:
        key = row["institution__public_id"]
        load = loads.setdefault(
            key,
            InstitutionLoad(str(key), row["institution__name_zh"], row["institution__name_en"], []),
        )
        due = row["due_date"]
        group = next((item for item in load.deadlines if item.due_date == due), None)
        if group is None:
            group = DeadlineLoad(
                due_date=due, sectors=[], days_left=(due - today).days if due else None
            )
            load.deadlines.append(group)
        sector = str(sector_names.get(row["enterprise__industry__sector"], ""))
        if sector not in group.sectors:
            group.sectors.append(sector)
        for name in ("assigned", "in_progress", "concluded", "confirmed", "overdue"):
            setattr(group, name, getattr(group, name) + row[name])
    return list(loads.values())
