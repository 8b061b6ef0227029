"""Reads of the annual lists: staff views scoped through accounts.scoping, and the public
disclosure, which shows published lists only."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import CharField, Count, F, Q, QuerySet, Sum
from django.db.models.functions import Cast

from accounts import scoping
from core.errors import NotFound
from core.models import AuditEvent, target_label
from units.models import (
    Decision,
    Enterprise,
    ListEntry,
    ListScope,
    ListStatus,
    Province,
    UnitList,
)

INCLUDED = (Decision.NEW, Decision.CONTINUING)
DISCLOSED = (Decision.NEW, Decision.CONTINUING, Decision.REMOVED)


@dataclass(frozen=True)
class EntryFilters:
    decision: str = ""
    scope: str = ""
    sector: str = ""
    overridden: bool = False
    q: str = ""


def lists_for(*, actor: scoping.Actor) -> QuerySet[UnitList]:
    return (
        scoping.visible(actor, UnitList)
        .select_related("province", "submitted_by", "approved_by")
        .annotate(
            included=Count("entries", filter=Q(entries__decision__in=INCLUDED)),
            removed=Count("entries", filter=Q(entries__decision=Decision.REMOVED)),
        )
        .order_by("province__code", "-year", "-revision")
    )


def list_detail(*, actor: scoping.Actor, public_id) -> UnitList:
    return scoping.get_visible(
        actor,
        UnitList.objects.select_related(
            "province", "submitted_by", "approved_by", "published_by", "supersedes"
        ),
        public_id=public_id,
    )


def entry_detail(*, actor: scoping.Actor, public_id) -> ListEntry:
    return scoping.get_visible(
        actor,
        ListEntry.objects.select_related("unit_list__province", "enterprise"),
        public_id=public_id,
    )


def entries(
    *, actor: scoping.Actor, unit_list: UnitList, filters: EntryFilters
) -> QuerySet[ListEntry]:
    rows = (
        scoping.visible(actor, ListEntry)
        .filter(unit_list=unit_list)
        .select_related("enterprise__city", "enterprise__industry", "overridden_by")
        .order_by("scope", "enterprise__city__code", "enterprise__name_zh", "pk")
    )
    if filters.decision:
        rows = rows.filter(decision=filters.decision)
    if filters.scope:
        rows = rows.filter(scope=filters.scope)
    if filters.sector:
        rows = rows.filter(enterprise__industry__sector=filters.sector)
    if filters.overridden:
        rows = rows.exclude(decision=F("proposed"))
    if filters.q:
        term = filters.q.strip()
        rows = rows.filter(
            Q(enterprise__name_zh__icontains=term) | Q(enterprise__uscc__icontains=term.upper())
        )
    return rows


def summary(unit_list: UnitList) -> list[dict]:
    """Per scope and decision: how many units, and the emissions they were judged on."""
    return list(
        unit_list.entries.order_by()
        .values("scope", "decision")
        .annotate(units=Count("pk"), emissions=Sum("basis_emissions"))
        .order_by("scope", "decision")
    )


def history(*, actor: scoping.Actor, unit_list: UnitList) -> QuerySet[AuditEvent]:
    scoping.get_visible(actor, UnitList, pk=unit_list.pk)
    # Every entry's events, not only those overridden now: an override taken back stays in the
    # history. A subquery, so a list of thousands of entries is not sent as thousands of ids.
    entry_ids = unit_list.entries.order_by().values(key=Cast("pk", CharField()))
    return AuditEvent.objects.filter(
        Q(target_type=target_label(UnitList), target_id=str(unit_list.pk))
        | Q(target_type=target_label(ListEntry), target_id__in=entry_ids)
    )


@dataclass(frozen=True)
class Change:
    enterprise_name: str
    uscc: str
    before: str
    after: str


def revision_changes(unit_list: UnitList) -> list[Change]:
    """What a revision changes against the list it corrects (empty for a first publication)."""
    if unit_list.supersedes_id is None:
        return []
    before = {
        e.enterprise_id: e.decision
        for e in unit_list.supersedes.entries.only("enterprise_id", "decision")
    }
    changes = []
    for entry in unit_list.entries.select_related("enterprise").order_by("enterprise__name_zh"):
        old = before.pop(entry.enterprise_id, "")
        if old != entry.decision:
            changes.append(
                Change(entry.enterprise.name_zh, entry.enterprise.uscc, old, entry.decision)
            )
    # Units the revision no longer has at all (recalculated away) changed too.
    if before:
        for enterprise in Enterprise.objects.filter(pk__in=before).order_by("name_zh"):
            changes.append(Change(enterprise.name_zh, enterprise.uscc, before[enterprise.pk], ""))
    return changes


@dataclass(frozen=True)
class YearOverYear:
    previous: UnitList | None
    added: list[ListEntry]
    removed: list[ListEntry]
    count_now: int
    count_before: int
    emissions_now: Decimal
    emissions_before: Decimal


def year_over_year(*, actor: scoping.Actor, unit_list: UnitList) -> YearOverYear:
    """Additions and removals against the province's published list of the year before, with
    the number of units and the emissions they cover (market scope)."""
    previous = (
        scoping.visible(actor, UnitList)
        .filter(
            province=unit_list.province_id, year=unit_list.year - 1, status=ListStatus.PUBLISHED
        )
        .first()
    )
    now = unit_list.entries.filter(scope=ListScope.MARKET).select_related(
        "enterprise__city", "enterprise__industry"
    )
    before_ids = set()
    count_before, emissions_before = 0, Decimal(0)
    if previous is not None:
        included_before = previous.entries.filter(scope=ListScope.MARKET, decision__in=INCLUDED)
        before_ids = set(included_before.values_list("enterprise_id", flat=True))
        totals = included_before.aggregate(n=Count("pk"), t=Sum("basis_emissions"))
        count_before, emissions_before = totals["n"], totals["t"] or Decimal(0)
    included_now = [e for e in now if e.decision in INCLUDED]
    return YearOverYear(
        previous=previous,
        added=[e for e in included_now if e.enterprise_id not in before_ids],
        removed=[e for e in now if e.decision == Decision.REMOVED],
        count_now=len(included_now),
        count_before=count_before,
        emissions_now=sum((e.basis_emissions or Decimal(0) for e in included_now), Decimal(0)),
        emissions_before=emissions_before,
    )


def published_lists(*, year: int | None = None) -> QuerySet[UnitList]:
    """The public index: every province's current published list (no login, no drafts)."""
    lists = UnitList.objects.filter(status=ListStatus.PUBLISHED).select_related("province")
    if year is not None:
        lists = lists.filter(year=year)
    return lists.annotate(
        listed=Count(
            "entries", filter=Q(entries__decision__in=DISCLOSED, entries__scope=ListScope.MARKET)
        )
    ).order_by("-year", "province__code")


def published_list(*, year: int, province_code: str) -> UnitList:
    found = published_lists(year=year).filter(province__code=province_code).first()
    if found is None:
        raise NotFound("not found")
    return found


def disclosed_entries(
    *, year: int, province: Province | None = None, q: str = ""
) -> QuerySet[ListEntry]:
    """Entries as published (market scope: the list; the reporting-only scope apart), newest
    revision only; searchable by unit name or unified social credit code."""
    rows = (
        ListEntry.objects.filter(
            unit_list__status=ListStatus.PUBLISHED, unit_list__year=year, decision__in=DISCLOSED
        )
        .select_related("unit_list__province", "enterprise__city", "enterprise__industry")
        .order_by(
            "unit_list__province__code",
            "scope",
            "enterprise__city__code",
            "enterprise__name_zh",
            "pk",
        )
    )
    if province is not None:
        rows = rows.filter(unit_list__province=province)
    if q.strip():
        term = q.strip()
        # Published entries are searched by the name and code they were published under.
        rows = rows.filter(
            Q(published_name__icontains=term) | Q(published_uscc__icontains=term.upper())
        )
    return rows
