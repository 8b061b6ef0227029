"""Which rules apply in a year: the national notice's, or, before it is out, the latest year's
carried forward and marked provisional."""

from django.db import transaction
from django.db.models import Max

from deadlines.models import DeadlineRule

COPIED_FIELDS = (
    "kind",
    "party",
    "per_enterprise",
    "sectors",
    "market_scope",
    "period_kind",
    "period_year_offset",
    "due_kind",
    "due_month",
    "due_day",
    "due_year_offset",
    "offset_days",
    "province_id",
    "note",
)


def ensure_rules(*, year: int) -> list[DeadlineRule]:
    """The national rules of `year`, inheriting the latest earlier year's if it has none."""
    rules = list(DeadlineRule.objects.filter(year=year, province__isnull=True))
    if rules:
        return rules
    latest = DeadlineRule.objects.filter(province__isnull=True, year__lt=year).aggregate(
        year=Max("year")
    )["year"]
    if latest is None:
        return []
    _inherit(source_year=latest, year=year)
    return list(DeadlineRule.objects.filter(year=year, province__isnull=True))


@transaction.atomic
def _inherit(*, source_year: int, year: int) -> None:
    sources = list(DeadlineRule.objects.filter(year=source_year).order_by("province", "id"))
    national = [rule for rule in sources if rule.province_id is None]
    DeadlineRule.objects.bulk_create(
        [_copy(rule, year=year) for rule in national], ignore_conflicts=True
    )
    copies = dict(
        DeadlineRule.objects.filter(year=year, inherited_from__in=national).values_list(
            "inherited_from_id", "pk"
        )
    )
    internal = [
        _copy(rule, year=year, parent_id=copies[rule.parent_id])
        for rule in sources
        if rule.province_id is not None and rule.parent_id in copies
    ]
    DeadlineRule.objects.bulk_create(internal, ignore_conflicts=True)


def _copy(rule: DeadlineRule, *, year: int, parent_id: int | None = None) -> DeadlineRule:
    return DeadlineRule(
        year=year,
        parent_id=parent_id,
        inherited_from=rule,
        is_provisional=True,
        source=f"{rule.year}: {rule.source}"[:200],
        **{name: getattr(rule, name) for name in COPIED_FIELDS},
    )


def internal_rules(*, year: int) -> list[DeadlineRule]:
    return list(
        DeadlineRule.objects.filter(year=year, province__isnull=False).select_related("province")
    )
