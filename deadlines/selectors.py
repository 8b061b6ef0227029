"""Every read of the calendar, scoped to the acting user through accounts.scoping."""

import calendar as month_calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet

from accounts import scoping
from core.errors import NotFound
from core.models import AuditEvent, target_label
from deadlines.models import (
    CalendarFeed,
    DeadlineRule,
    ExtensionRequest,
    Notification,
    Obligation,
    ObligationKind,
    ObligationStatus,
    Party,
)
from units.models import City

UNMET = "unmet"


@dataclass(frozen=True)
class ObligationFilters:
    kind: str = ""
    status: str = ""
    city: City | None = None
    sector: str = ""
    year: int | None = None
    due_on: date | None = None
    q: str = ""


def _obligations(actor: scoping.Actor) -> QuerySet[Obligation]:
    return scoping.visible(actor, Obligation).select_related(
        "province", "enterprise__city", "enterprise__industry", "rule"
    )


def _is_enterprise_only(actor: scoping.Actor) -> bool:
    return bool(actor.enterprise_ids) and not actor.staff_scopes and not actor.sees_all_provinces


def _to_do(actor: scoping.Actor) -> QuerySet[Obligation]:
    """What the actor is expected to act on: for an enterprise user, the obligations their
    enterprise must fulfil (not the province's duties about it, which they can still open)."""
    obligations = _obligations(actor)
    if _is_enterprise_only(actor):
        obligations = obligations.filter(rule__party=Party.ENTERPRISE)
    return obligations


def obligation_list(*, actor: scoping.Actor, filters: ObligationFilters) -> QuerySet[Obligation]:
    obligations = _obligations(actor).order_by("due_on", "kind", "enterprise__name_zh", "pk")
    if filters.kind:
        obligations = obligations.filter(kind=filters.kind)
    if filters.status == UNMET:
        obligations = obligations.unmet()
    elif filters.status:
        obligations = obligations.filter(status=filters.status)
    if filters.city:
        obligations = obligations.filter(enterprise__city=filters.city)
    if filters.sector:
        obligations = obligations.filter(enterprise__industry__sector=filters.sector)
    if filters.year:
        obligations = obligations.filter(due_on__year=filters.year)
    if filters.due_on:
        obligations = obligations.filter(due_on=filters.due_on)
    if filters.q:
        term = filters.q.strip()
        obligations = obligations.filter(
            Q(enterprise__name_zh__icontains=term) | Q(enterprise__uscc__icontains=term.upper())
        )
    return obligations


def status_summary(*, actor: scoping.Actor, filters: ObligationFilters) -> list[dict]:
    """Per obligation kind and due date: how many are open, met on time, met late, overdue."""
    base = obligation_list(
        actor=actor, filters=ObligationFilters(**{**filters.__dict__, "status": ""})
    )
    rows = (
        base.order_by()
        .values("kind", "due_on")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(status=ObligationStatus.OPEN)),
            met_on_time=Count("pk", filter=Q(status=ObligationStatus.MET_ON_TIME)),
            met_late=Count("pk", filter=Q(status=ObligationStatus.MET_LATE)),
            missed=Count("pk", filter=Q(status=ObligationStatus.MISSED)),
        )
        .order_by("due_on", "kind")
    )
    return [{**row, "kind_label": ObligationKind(row["kind"]).label} for row in rows]


def overdue(*, actor: scoping.Actor, today: date) -> QuerySet[Obligation]:
    return _obligations(actor).overdue(today).order_by("due_on", "enterprise__name_zh", "pk")


def upcoming_and_overdue(
    *, actor: scoping.Actor, today: date, limit: int = 200
) -> QuerySet[Obligation]:
    """Unmet obligations, overdue first, then by due date."""
    return _to_do(actor).unmet().order_by("due_on", "pk")[:limit]


def recently_met(*, actor: scoping.Actor, limit: int = 20) -> QuerySet[Obligation]:
    return (
        _to_do(actor)
        .filter(status__in=[ObligationStatus.MET_ON_TIME, ObligationStatus.MET_LATE])
        .order_by("-met_at", "-pk")[:limit]
    )


def obligation_detail(*, actor: scoping.Actor, public_id) -> Obligation:
    return scoping.get_visible(
        actor, _obligations(actor).select_related("met_by"), public_id=public_id
    )


def internal_deadlines_for(obligation: Obligation) -> list[tuple[DeadlineRule, date]]:
    """The obligation's province's earlier internal deadlines, with the date each gives."""
    rules = DeadlineRule.objects.filter(parent=obligation.rule, province=obligation.province)
    return [(rule, rule.due_on(obligation.period_end)) for rule in rules]


def extension_requests(
    *, actor: scoping.Actor, obligation: Obligation
) -> QuerySet[ExtensionRequest]:
    return (
        scoping.visible(actor, ExtensionRequest)
        .filter(obligation=obligation)
        .select_related("requested_by", "decided_by")
    )


def extension_request(*, actor: scoping.Actor, public_id) -> ExtensionRequest:
    return scoping.get_visible(
        actor, ExtensionRequest.objects.select_related("obligation__province"), public_id=public_id
    )


def obligation_history(*, actor: scoping.Actor, obligation: Obligation) -> QuerySet[AuditEvent]:
    scoping.get_visible(actor, Obligation, pk=obligation.pk)
    request_ids = [str(pk) for pk in obligation.extension_requests.values_list("pk", flat=True)]
    return AuditEvent.objects.filter(
        Q(target_type=target_label(Obligation), target_id=str(obligation.pk))
        | Q(target_type=target_label(ExtensionRequest), target_id__in=request_ids)
    )


def month_grid(*, actor: scoping.Actor, year: int, month: int) -> list[list[dict]]:
    """Weeks (Monday first) of a month, each day with the obligations due on it.

    Provincial staff see one entry per kind with a count, enterprise users their own items.
    """
    first, last = date(year, month, 1), date(year, month, month_calendar.monthrange(year, month)[1])
    due = _to_do(actor).filter(due_on__range=(first, last))
    per_day: dict[date, list] = defaultdict(list)
    if _is_enterprise_only(actor):
        for obligation in due.order_by("due_on", "kind"):
            per_day[obligation.due_on].append({"obligation": obligation})
    else:
        for row in (
            due.order_by().values("due_on", "kind").annotate(count=Count("pk")).order_by("kind")
        ):
            per_day[row["due_on"]].append({**row, "kind_label": ObligationKind(row["kind"]).label})
    weeks = month_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return [
        [
            {"date": day, "in_month": day.month == month, "items": per_day.get(day, [])}
            for day in week
        ]
        for week in weeks
    ]


def rules_for_year(
    *, actor: scoping.Actor, year: int
) -> list[tuple[DeadlineRule, list[DeadlineRule]]]:
    """National rules of the year, each with the actor's provinces' internal deadlines."""
    rules = list(scoping.visible(actor, DeadlineRule).filter(year=year).order_by("kind", "id"))
    provinces = actor.province_ids if not actor.sees_all_provinces else None
    internal = defaultdict(list)
    for rule in rules:
        if rule.parent_id and (provinces is None or rule.province_id in provinces):
            internal[rule.parent_id].append(rule)
    return [(rule, internal[rule.pk]) for rule in rules if rule.province_id is None]


def inbox(*, actor: scoping.Actor) -> QuerySet[Notification]:
    return scoping.visible(actor, Notification).order_by("-created_at", "-id")


def unread_count(*, actor: scoping.Actor) -> int:
    return scoping.visible(actor, Notification).filter(read_at__isnull=True).count()


def notification(*, actor: scoping.Actor, public_id) -> Notification:
    return scoping.get_visible(actor, Notification, public_id=public_id)


def active_feed(*, actor: scoping.Actor) -> CalendarFeed | None:
    return scoping.visible(actor, CalendarFeed).filter(revoked_at__isnull=True).first()


def feed_for_token(*, user_public_id, token_hash: str) -> CalendarFeed:
    """An active feed of that user by its token's hash; NotFound for unknown, revoked and other
    users' tokens alike."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(
            user__public_id=user_public_id,
            token_hash=token_hash,
            revoked_at__isnull=True,
            user__is_active=True,
        )
        .first()
    )
    if feed is None:
        raise NotFound("not found")
    return feed


def feed_entries(*, feed: CalendarFeed, today: date) -> tuple[bool, list]:
    """What a calendar feed shows, from last year on: an enterprise user's own obligations one by
    one; for staff and reviewers, one entry per due date and kind with a count (a province has
    thousands of obligations, which no calendar client wants as separate events)."""
    actor = scoping.actor_for(feed.user)
    due = _to_do(actor).filter(due_on__year__gte=today.year - 1)
    if _is_enterprise_only(actor):
        return True, list(due.order_by("due_on", "pk"))
    rows = (
        due.order_by()
        .values("due_on", "kind")
        .annotate(
            total=Count("pk"),
            unmet=Count(
                "pk", filter=Q(status__in=[ObligationStatus.OPEN, ObligationStatus.MISSED])
            ),
        )
    )
    return False, list(rows.order_by("due_on", "kind"))
