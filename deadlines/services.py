"""Every write to the calendar: the fulfilment interface other apps call, manual marking,
extensions, internal deadlines, confirming inherited rules, calendar feeds and the inbox."""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import scoping
from accounts.models import Membership, Role
from core import audit
from core.errors import DomainError, NotFound, PermissionDenied
from core.models import AuditAction
from deadlines.generation import generate_obligations
from deadlines.models import (
    CalendarFeed,
    DeadlineRule,
    ExtensionRequest,
    ExtensionStatus,
    Notification,
    NotificationKind,
    Obligation,
    ObligationStatus,
)
from deadlines.tasks import send_pending_emails
from units.models import Enterprise, Province

OBLIGATION_FIELDS = ("status", "due_on", "met_at", "fulfilment", "met_note")


def _met_status(obligation: Obligation, met_at: datetime) -> str:
    on_time = timezone.localtime(met_at).date() <= obligation.due_on
    return ObligationStatus.MET_ON_TIME if on_time else ObligationStatus.MET_LATE


def _audit_obligation(actor_user, obligation, before, *, note=""):
    audit.record(
        actor=actor_user,
        action=AuditAction.STATUS,
        target=obligation,
        tenant_code=obligation.province.code,
        changes=audit.diff(before, audit.snapshot(obligation, OBLIGATION_FIELDS)),
        note=note,
    )


@transaction.atomic
def fulfil(
    *,
    actor: scoping.Actor,
    kind: str,
    period_start: date,
    enterprise: Enterprise | None = None,
    province: Province | None = None,
    met_at: datetime | None = None,
    fulfilment: str = "",
) -> Obligation | None:
    """Mark the obligation of `kind` for that enterprise (or province) and period as met.

    The interface for other apps: call it in the transaction that submits or accepts the
    fulfilling record, with `fulfilment` naming that record. On time if met on or before the
    (possibly extended) due date, in Asia/Shanghai. Returns None when the calendar has no such
    obligation (the unit is not covered by that rule). Calling it again changes nothing.
    """
    met_at = met_at or timezone.now()
    lookup = {"kind": kind, "period_start__lte": period_start, "period_end__gte": period_start}
    today = timezone.localdate(met_at)
    if enterprise is not None:
        lookup["enterprise"] = enterprise
        generate_obligations(today=today, enterprise_ids=[enterprise.pk], province_ids=[])
    else:
        lookup.update(province=province, enterprise__isnull=True)
        generate_obligations(today=today, enterprise_ids=[], province_ids=[province.pk])
    obligation = (
        Obligation.objects.select_for_update().select_related("province").filter(**lookup).first()
    )
    if obligation is None or obligation.is_met:
        return obligation
    event = _mark_met(actor, obligation, met_at, fulfilment)
    obligation.save(update_fields=["status", "met_at", "met_by", "fulfilment", "updated_at"])
    event.save()
    return obligation


def fulfil_many(
    *,
    actor: scoping.Actor,
    kind: str,
    period_start: date,
    enterprise_ids: Iterable[int],
    met_at: datetime | None = None,
    fulfilment: str = "",
) -> list[Obligation]:
    """fulfil() for many enterprises by one record (a batch approval), in a fixed number of
    queries: their obligations of `kind` and period that are not met yet are marked met and
    audited; returns those it marked."""
    met_at = met_at or timezone.now()
    ids = sorted(set(enterprise_ids))
    if not ids:
        return []
    with transaction.atomic():
        return _fulfil_many(actor, kind, period_start, ids, met_at, fulfilment)


def _fulfil_many(actor, kind, period_start, ids, met_at, fulfilment) -> list[Obligation]:
    generate_obligations(today=timezone.localdate(met_at), enterprise_ids=ids, province_ids=[])
    obligations = [
        obligation
        for obligation in Obligation.objects.select_for_update(of=("self",))
        .select_related("province", "enterprise")
        .filter(
            kind=kind,
            period_start__lte=period_start,
            period_end__gte=period_start,
            enterprise_id__in=ids,
        )
        .order_by("pk")
        if not obligation.is_met
    ]
    events = [_mark_met(actor, obligation, met_at, fulfilment) for obligation in obligations]
    now = timezone.now()
    for obligation in obligations:
        obligation.updated_at = now
    Obligation.objects.bulk_update(
        obligations, ["status", "met_at", "met_by", "fulfilment", "updated_at"], batch_size=1000
    )
    audit.record_many(events)
    return obligations


def _mark_met(actor: scoping.Actor, obligation: Obligation, met_at: datetime, fulfilment: str):
    """Set the obligation met (unsaved) and return its audit event (unsaved)."""
    before = audit.snapshot(obligation, OBLIGATION_FIELDS)
    obligation.status = _met_status(obligation, met_at)
    obligation.met_at = met_at
    obligation.met_by = actor.user if getattr(actor.user, "pk", None) else None
    obligation.fulfilment = fulfilment[:120]
    return audit.build(
        actor=obligation.met_by,
        action=AuditAction.STATUS,
        target=obligation,
        tenant_code=obligation.province.code,
        changes=audit.diff(before, audit.snapshot(obligation, OBLIGATION_FIELDS)),
    )


def _lock(actor: scoping.Actor, obligation: Obligation) -> Obligation:
    try:
        return scoping.visible(
            actor, Obligation.objects.select_for_update(of=("self",)).select_related("province")
        ).get(pk=obligation.pk)
    except Obligation.DoesNotExist:
        raise NotFound("not found") from None


@transaction.atomic
def mark_met_manually(*, actor: scoping.Actor, obligation: Obligation, note: str) -> Obligation:
    """Staff record that an obligation was met outside the system; a note is required."""
    obligation = _lock(actor, obligation)
    if not scoping.can_change(actor, obligation):
        raise PermissionDenied(_("Only provincial staff can mark an obligation as met."))
    if not note.strip():
        raise DomainError(_("Say how the obligation was met."), field="note")
    if obligation.is_met:
        raise DomainError(_("This obligation is already met."))
    before = audit.snapshot(obligation, OBLIGATION_FIELDS)
    now = timezone.now()
    obligation.status = _met_status(obligation, now)
    obligation.met_at = now
    obligation.met_by = actor.user
    obligation.met_note = note.strip()
    obligation.save(update_fields=["status", "met_at", "met_by", "met_note", "updated_at"])
    _audit_obligation(actor.user, obligation, before, note=obligation.met_note)
    return obligation


def _context(obligation: Obligation, **extra) -> dict:
    return {
        "obligation": str(obligation.public_id),
        "kind": obligation.kind,
        "period_start": obligation.period_start.isoformat(),
        "period_end": obligation.period_end.isoformat(),
        "due_on": obligation.due_on.isoformat(),
        **extra,
    }


def notify(*, user_ids, kind: str, context: dict, dedupe_key: str, obligation=None) -> None:
    """Put a message in each user's inbox (once per user and key) and e-mail it after commit.

    The interface for other apps' notices; the message text comes from deadlines.messages.
    """
    notify_many(
        [
            Notification(
                recipient_id=user_id,
                kind=kind,
                obligation=obligation,
                context=context,
                dedupe_key=f"{dedupe_key}:{user_id}"[:120],
            )
            for user_id in user_ids
        ]
    )


def notify_many(notifications: list[Notification]) -> None:
    """Many messages in one INSERT (a repeated deduplication key is skipped), e-mailed after
    commit."""
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    transaction.on_commit(send_pending_emails.delay)


@transaction.atomic
def request_extension(
    *, actor: scoping.Actor, obligation: Obligation, requested_due_on: date, reason: str
) -> ExtensionRequest:
    obligation = _lock(actor, obligation)
    if obligation.enterprise_id is None or obligation.enterprise_id not in actor.enterprise_ids:
        raise PermissionDenied(_("Only the enterprise's own users can ask for an extension."))
    if obligation.is_met:
        raise DomainError(_("This obligation is already met."))
    if requested_due_on <= obligation.due_on:
        raise DomainError(
            _("The requested date must be after the current due date."), field="requested_due_on"
        )
    if not reason.strip():
        raise DomainError(_("Give a reason for the request."), field="reason")
    if obligation.extension_requests.filter(status=ExtensionStatus.PENDING).exists():
        raise DomainError(_("A request for this obligation is already waiting for a decision."))
    request = ExtensionRequest.objects.create(
        obligation=obligation,
        requested_by=actor.user,
        requested_due_on=requested_due_on,
        reason=reason.strip(),
    )
    audit.record(
        actor=actor.user,
        action=AuditAction.CREATE,
        target=request,
        tenant_code=obligation.province.code,
        changes=audit.diff({}, audit.snapshot(request, ("requested_due_on", "reason"))),
    )
    # The province-wide staff and the unit's own city's staff (city-bound staff of another city
    # may not see the unit).
    staff = Membership.objects.filter(
        Q(city__isnull=True) | Q(city=obligation.enterprise.city_id),
        role=Role.PROVINCIAL_STAFF,
        province=obligation.province_id,
        user__is_active=True,
    ).values_list("user_id", flat=True)
    context = _context(obligation, enterprise=str(obligation.enterprise), reason=request.reason)
    notify(
        user_ids=staff,
        kind=NotificationKind.EXTENSION_REQUESTED,
        context=context,
        dedupe_key=f"ext-req:{request.pk}",
        obligation=obligation,
    )
    return request


@transaction.atomic
def decide_extension(
    *,
    actor: scoping.Actor,
    request: ExtensionRequest,
    grant: bool,
    granted_due_on: date | None,
    note: str,
) -> ExtensionRequest:
    """Grant a new due date (the reminder ladder follows it) or refuse; audited, and notified."""
    obligation = _lock(actor, request.obligation)
    request = ExtensionRequest.objects.select_for_update().get(pk=request.pk)
    if not scoping.can_change(actor, obligation):
        raise PermissionDenied(_("Only provincial staff can decide on an extension."))
    if request.status != ExtensionStatus.PENDING:
        raise DomainError(_("This request has already been decided."))
    if grant and (granted_due_on is None or granted_due_on <= obligation.original_due_on):
        raise DomainError(
            _("A granted date must be after the statutory due date."), field="granted_due_on"
        )
    if not grant and not note.strip():
        raise DomainError(_("Give the reason for the refusal."), field="note")
    before = audit.snapshot(request, ("status", "granted_due_on", "decision_note"))
    request.status = ExtensionStatus.GRANTED if grant else ExtensionStatus.REFUSED
    request.granted_due_on = granted_due_on if grant else None
    request.decision_note = note.strip()
    request.decided_by = actor.user
    request.decided_at = timezone.now()
    request.save()
    audit.record(
        actor=actor.user,
        action=AuditAction.STATUS,
        target=request,
        tenant_code=obligation.province.code,
        changes=audit.diff(
            before, audit.snapshot(request, ("status", "granted_due_on", "decision_note"))
        ),
    )
    if grant:
        _move_due_date(actor, obligation, granted_due_on)
    context = _context(
        obligation,
        granted_due_on=granted_due_on.isoformat() if grant else "",
        note=request.decision_note,
    )
    notify(
        user_ids=[request.requested_by_id],
        kind=NotificationKind.EXTENSION_DECIDED,
        context=context,
        dedupe_key=f"ext-dec:{request.pk}",
        obligation=obligation,
    )
    return request


def _move_due_date(actor, obligation, new_due_on):
    before = audit.snapshot(obligation, OBLIGATION_FIELDS)
    obligation.due_on = new_due_on
    if obligation.status == ObligationStatus.MISSED and new_due_on >= timezone.localdate():
        obligation.status = ObligationStatus.OPEN
    obligation.save(update_fields=["due_on", "status", "updated_at"])
    _audit_obligation(actor.user, obligation, before)


@transaction.atomic
def add_internal_deadline(
    *,
    actor: scoping.Actor,
    parent: DeadlineRule,
    province: Province,
    offset_days: int | None = None,
    due_month: int | None = None,
    due_day: int | None = None,
    note: str = "",
) -> DeadlineRule:
    """A province's earlier deadline in front of a national rule (e.g. monthly data to the city
    by day 20), shown alongside it; the statutory due date is unchanged."""
    if not scoping.staff_covers(actor, province.pk, None) and not actor.is_administrator:
        raise PermissionDenied(_("Only the province's staff can add its internal deadlines."))
    if parent.province_id is not None:
        raise DomainError(_("An internal deadline goes in front of a national rule."))
    rule = DeadlineRule(
        year=parent.year,
        kind=parent.kind,
        party=parent.party,
        per_enterprise=parent.per_enterprise,
        sectors=parent.sectors,
        market_scope=parent.market_scope,
        period_kind=parent.period_kind,
        period_year_offset=parent.period_year_offset,
        due_kind="offset" if offset_days is not None else "fixed",
        offset_days=offset_days,
        due_month=due_month,
        due_day=due_day,
        due_year_offset=parent.due_year_offset,
        province=province,
        parent=parent,
        note=note,
    )
    rule.full_clean()
    _check_earlier(rule, parent)
    rule.save()
    audit.record(
        actor=actor.user,
        action=AuditAction.CREATE,
        target=rule,
        tenant_code=province.code,
        changes=audit.diff(
            {},
            audit.snapshot(
                rule, ("kind", "due_kind", "offset_days", "due_month", "due_day", "note")
            ),
        ),
    )
    return rule


def _check_earlier(rule: DeadlineRule, parent: DeadlineRule) -> None:
    for _start, end in parent.periods():
        if rule.due_on(end) >= parent.due_on(end):
            raise DomainError(_("An internal deadline must fall before the national due date."))


@transaction.atomic
def confirm_rules(*, actor: scoping.Actor, year: int) -> int:
    """Confirm a year's provisional (inherited) rules once its notice is out."""
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can confirm the national calendar."))
    rules = list(DeadlineRule.objects.select_for_update().filter(year=year, is_provisional=True))
    now = timezone.now()
    for rule in rules:
        rule.is_provisional = False
        rule.confirmed_at = now
        audit.record(
            actor=actor.user,
            action=AuditAction.STATUS,
            target=rule,
            changes={"is_provisional": {"before": True, "after": False}},
        )
    DeadlineRule.objects.bulk_update(rules, ["is_provisional", "confirmed_at"])
    return len(rules)


def hash_feed_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_calendar_feed(*, actor: scoping.Actor) -> str:
    """Replace the user's calendar feed with a new secret URL token (returned once)."""
    revoke_calendar_feeds(actor=actor)
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.create(user=actor.user, token_hash=hash_feed_token(token))
    return token


@transaction.atomic
def revoke_calendar_feeds(*, actor: scoping.Actor) -> int:
    return CalendarFeed.objects.filter(user=actor.user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def mark_read(*, actor: scoping.Actor, notification_ids=None) -> int:
    """Mark the actor's own notifications read (all unread ones when no ids are given)."""
    notifications = scoping.visible(actor, Notification).filter(read_at__isnull=True)
    if notification_ids is not None:
        notifications = notifications.filter(pk__in=notification_ids)
    return notifications.update(read_at=timezone.now())
