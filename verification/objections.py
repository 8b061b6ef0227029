"""Objections to confirmed verification results: filing, the province's re-review, the reads.

An enterprise may object within the year's window of working days after confirmation; the
province re-reviews within its own window and decides once, finally. Both windows are numbers
of the VerificationPolicy (data). Working days come from verification.workdays: the holiday
library, or the rows of verification.holidays for a year the library does not cover yet."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import BooleanField, Case, F, QuerySet, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import recipients, scoping
from accounts.models import Membership, Role
from core import audit
from core.errors import DomainError, PermissionDenied
from core.models import AuditAction
from deadlines.models import NotificationKind
from deadlines.services import notify
from units.models import AnnualEmissions, EmissionsSource
from verification import workdays
from verification.models import (
    Assignment,
    AssignmentStatus,
    Objection,
    ObjectionStatus,
    VerificationPolicy,
    VerifiedFigures,
)

DECISION_FIELDS = ("status", "decision", "revised_emissions", "decided_at")
LARGEST_EMISSIONS = Decimal("1e12")  # 14 digits, 2 of them decimals


def _local_date(moment) -> date:
    return timezone.localdate(moment, timezone.get_default_timezone())


def today() -> date:
    return _local_date(timezone.now())


def policy_for(year: int) -> VerificationPolicy:
    """The policy in force for a reporting year's verification (done in the year after it):
    the latest policy up to that year, else the earliest there is."""
    policies = VerificationPolicy.objects.order_by("-year")
    policy = policies.filter(year__lte=year + 1).first() or policies.last()
    if policy is None:
        raise DomainError(_("No verification policy is entered: an administrator must add one."))
    return policy


@dataclass(frozen=True)
class Window:
    """The enterprise's objection window: `days` working days after `confirmed_on`, through
    `closes`. `provisional` lists years whose holidays are neither known to the library nor
    entered: there only weekends are skipped, so the end may still move."""

    confirmed_on: date
    days: int
    closes: date
    provisional: tuple[int, ...]

    def is_open(self, on: date) -> bool:
        return self.confirmed_on <= on <= self.closes


def objection_window(assignment: Assignment) -> Window | None:
    """None until the result is confirmed."""
    if assignment.confirmed_at is None:
        return None
    confirmed_on = _local_date(assignment.confirmed_at)
    days = policy_for(assignment.year).objection_window_days
    closes = workdays.add_working_days(confirmed_on, days)
    provisional = tuple(workdays.provisional_years(confirmed_on, closes))
    return Window(confirmed_on=confirmed_on, days=days, closes=closes, provisional=provisional)


def decided_late(objection: Objection) -> bool:
    return objection.decided_at is not None and _local_date(objection.decided_at) > (
        objection.decide_by
    )


def is_overdue(objection: Objection, on: date) -> bool:
    return objection.status == ObjectionStatus.FILED and on > objection.decide_by


def is_decider(actor: scoping.Actor, assignment: Assignment) -> bool:
    enterprise = assignment.enterprise
    return scoping.staff_covers(actor, enterprise.province_id, enterprise.city_id)


def _tenant(assignment: Assignment) -> str:
    return assignment.enterprise.province.code


def _facts(assignment: Assignment) -> dict:
    return {
        "enterprise": assignment.enterprise.name_zh,
        "year": assignment.year,
        "assignment": str(assignment.public_id),
    }


@transaction.atomic
def file_objection(*, actor: scoping.Actor, assignment: Assignment, grounds: str) -> Objection:
    """The enterprise asks for a re-review of its confirmed result, on or before the window's
    last working day; the province's staff are told the date their decision is due."""
    assignment = _lock_assignment(actor, assignment)
    if assignment.enterprise_id not in actor.enterprise_ids:
        raise PermissionDenied(_("Only the enterprise's own users can object to its result."))
    window = objection_window(assignment)
    if assignment.status != AssignmentStatus.CONFIRMED or window is None:
        raise DomainError(_("Only a confirmed verification result can be objected to."))
    grounds = grounds.strip()
    if not grounds:
        raise DomainError(_("Give the grounds of the objection."), field="grounds")
    existing = Objection.objects.filter(assignment=assignment).first()
    if existing is not None:
        raise DomainError(
            _("An objection to this result was already filed on %(date)s; only one is allowed.")
            % {"date": existing.filed_on.isoformat()}
        )
    filed_on = today()
    if not window.is_open(filed_on):
        raise DomainError(
            _(
                "The objection window closed on %(date)s (%(days)s working days after the "
                "confirmation on %(confirmed)s)."
            )
            % {
                "date": window.closes.isoformat(),
                "days": window.days,
                "confirmed": window.confirmed_on.isoformat(),
            }
        )
    decide_by = workdays.add_working_days(filed_on, policy_for(assignment.year).review_window_days)
    objection = Objection.objects.create(
        assignment=assignment,
        grounds=grounds,
        filed_by=actor.user,
        filed_on=filed_on,
        decide_by=decide_by,
    )
    audit.record(
        actor=actor.user,
        action=AuditAction.CREATE,
        target=objection,
        tenant_code=_tenant(assignment),
        changes=audit.diff(
            {}, audit.snapshot(objection, ("grounds", "filed_on", "decide_by", "status"))
        ),
    )
    notify(
        user_ids=_staff_ids(assignment),
        kind=NotificationKind.OBJECTION_FILED,
        context={**_facts(assignment), "decide_by": decide_by.isoformat()},
        dedupe_key=f"objection-filed:{objection.pk}",
    )
    return objection


def _lock_assignment(actor: scoping.Actor, assignment: Assignment) -> Assignment:
    """Visible to the actor, then locked: two users of the unit filing at once queue here."""
    scoping.get_visible(actor, Assignment, pk=assignment.pk)
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("enterprise__province")
        .get(pk=assignment.pk)
    )


def _staff_ids(assignment: Assignment) -> list[int]:
    enterprise = assignment.enterprise
    return recipients.staff_users(province_id=enterprise.province_id, city_id=enterprise.city_id)


@transaction.atomic
def decide(
    *,
    actor: scoping.Actor,
    objection: Objection,
    upheld: bool,
    decision: str,
    revised_emissions: Decimal | None = None,
) -> Objection:
    """The province's final decision. Upheld with a revised figure, the verified emissions
    (VerifiedFigures and the year's VERIFIED emissions) become that figure. A decision after
    the due date is still taken, and recorded as late."""
    scoping.get_visible(actor, Objection, pk=objection.pk)
    objection = (
        Objection.objects.select_for_update(of=("self",))
        .select_related("assignment__enterprise__province")
        .get(pk=objection.pk)
    )
    assignment = objection.assignment
    if not is_decider(actor, assignment):
        raise PermissionDenied(_("Only the province's staff decide on an objection."))
    if objection.status != ObjectionStatus.FILED:
        raise DomainError(_("This objection has already been decided; the decision is final."))
    decision = decision.strip()
    if not decision:
        raise DomainError(_("Write the decision and its reasons."), field="decision")
    _check_revised(upheld, revised_emissions)
    before = audit.snapshot(objection, DECISION_FIELDS)
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.REJECTED
    objection.decision = decision
    objection.revised_emissions = revised_emissions
    objection.decided_by = actor.user
    objection.decided_at = timezone.now()
    objection.save()
    audit.record(
        actor=actor.user,
        action=AuditAction.STATUS,
        target=objection,
        tenant_code=_tenant(assignment),
        changes=audit.diff(before, audit.snapshot(objection, DECISION_FIELDS)),
        note=f"late: due by {objection.decide_by.isoformat()}" if decided_late(objection) else "",
    )
    if revised_emissions is not None:
        _revise(actor, objection, revised_emissions)
    _notify_decision(objection)
    return objection


def _check_revised(upheld: bool, revised: Decimal | None) -> None:
    if revised is None:
        return
    if not upheld:
        raise DomainError(
            _("A revised figure goes only with an upheld objection."), field="revised_emissions"
        )
    if not revised.is_finite() or revised < 0 or revised >= LARGEST_EMISSIONS:
        raise DomainError(
            _("Enter the revised emissions as tonnes, zero or more."), field="revised_emissions"
        )
    if revised != revised.quantize(Decimal("0.01")):
        raise DomainError(
            _("Enter the revised emissions with at most two decimal places."),
            field="revised_emissions",
        )


def _revise(actor: scoping.Actor, objection: Objection, revised: Decimal) -> None:
    assignment = objection.assignment
    figures = VerifiedFigures.objects.select_for_update().filter(assignment=assignment).first()
    if figures is None:
        raise DomainError(_("This result has no confirmed figures to revise."))
    note = f"verification.objection:{objection.pk}"
    before = {"emissions": str(figures.emissions)}
    figures.emissions = revised
    figures.save(update_fields=["emissions"])
    audit.record(
        actor=actor.user,
        action=AuditAction.UPDATE,
        target=figures,
        tenant_code=_tenant(assignment),
        changes=audit.diff(before, {"emissions": str(figures.emissions)}),
        note=note,
    )
    row, created = AnnualEmissions.objects.select_for_update().get_or_create(
        enterprise=assignment.enterprise,
        year=assignment.year,
        source=EmissionsSource.VERIFIED,
        defaults={"direct_emissions": revised},
    )
    before = {"direct_emissions": None if created else str(row.direct_emissions)}
    row.direct_emissions = revised
    row.save(update_fields=["direct_emissions"])
    audit.record(
        actor=actor.user,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        target=row,
        tenant_code=_tenant(assignment),
        changes=audit.diff(before, {"direct_emissions": str(row.direct_emissions)}),
        note=note,
    )


def _notify_decision(objection: Objection) -> None:
    """To the enterprise's users, the outcome named in each reader's own language (the
    notification keeps the text it was given)."""
    assignment = objection.assignment
    by_language = defaultdict(list)
    for user_id, language in Membership.objects.filter(
        role=Role.ENTERPRISE_USER, enterprise=assignment.enterprise_id, user__is_active=True
    ).values_list("user_id", "user__language"):
        by_language[language].append(user_id)
    emissions = objection.revised_emissions
    for language, user_ids in sorted(by_language.items()):
        with translation.override(language):
            outcome = str(ObjectionStatus(objection.status).label)
        notify(
            user_ids=user_ids,
            kind=NotificationKind.OBJECTION_DECIDED,
            context={
                **_facts(assignment),
                "outcome": outcome,
                "decision": objection.decision,
                "emissions": "" if emissions is None else format(emissions, "f"),
            },
            dedupe_key=f"objection-decided:{objection.pk}",
        )


def staff_objections(*, actor: scoping.Actor, status: str = "") -> QuerySet[Objection]:
    """The objections in the actor's provinces, those awaiting a decision first, soonest due
    first; each row knows whether it was (or is being) decided late."""
    rows = scoping.visible(actor, Objection).select_related(
        "assignment__enterprise__province",
        "assignment__enterprise__city",
        "assignment__institution",
        "filed_by",
        "decided_by",
    )
    if status:
        rows = rows.filter(status=status)
    return rows.annotate(
        awaiting=Case(
            When(status=ObjectionStatus.FILED, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        late=Case(
            When(decided_at__date__gt=F("decide_by"), then=Value(True)),
            When(decided_at__isnull=True, decide_by__lt=today(), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    ).order_by("-awaiting", "decide_by", "pk")


def objection_detail(*, actor: scoping.Actor, public_id) -> Objection:
    return scoping.get_visible(
        actor,
        Objection.objects.select_related(
            "assignment__enterprise__province", "filed_by", "decided_by"
        ),
        public_id=public_id,
    )


def assignment_detail(*, actor: scoping.Actor, public_id) -> Assignment:
    return scoping.get_visible(
        actor, Assignment.objects.select_related("enterprise__province"), public_id=public_id
    )


def objection_for(*, actor: scoping.Actor, assignment: Assignment) -> Objection | None:
    return (
        scoping.visible(actor, Objection)
        .select_related("filed_by", "decided_by")
        .filter(assignment=assignment)
        .first()
    )
