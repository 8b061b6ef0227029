"""Assigning accepted annual reports to verification institutions, singly or in bulk, and
withdrawing an assignment; the list of reports waiting for one, and each institution's workload
against the sector deadlines.

An assignment is refused, with every reason said, when the institution declared a relationship
with the enterprise covering the year, when it already verified the enterprise for as many
consecutive years as the year's VerificationPolicy allows, when the report is not accepted or is
already assigned, when the institution does not serve the province, or when a team member is not
one of its verifiers. A bulk assignment saves all or nothing. Every write is one transaction,
audited; every read is scoped through accounts.scoping, in a fixed number of queries."""

import copy
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import scoping
from accounts.models import Membership, Role
from core import audit
from core.errors import DomainError, NotFound, PermissionDenied
from core.models import AuditAction
from deadlines import services as deadlines
from deadlines.models import (
    DeadlineRule,
    DueKind,
    Notification,
    NotificationKind,
    Obligation,
    ObligationKind,
)
from reporting.models import AnnualReport, SubmissionStatus
from units.models import City, Sector
from verification.models import (
    OPEN_ASSIGNMENT,
    Assignment,
    AssignmentStatus,
    Institution,
    Relationship,
    VerificationPolicy,
)

AUDITED = ("report", "enterprise", "year", "institution", "status", "due_date")
WITHDRAWABLE = (AssignmentStatus.ASSIGNED, AssignmentStatus.CONCLUDED, AssignmentStatus.RETURNED)


@dataclass(frozen=True)
class Refused:
    report: AnnualReport
    reasons: list[str]


class AssignmentRefused(DomainError):
    """Nothing was assigned: each refused report with every reason."""

    def __init__(self, refused: list[Refused]) -> None:
        self.refused = refused
        lines = [
            f"{item.report.enterprise} {item.report.year}: {'; '.join(item.reasons)}"
            for item in refused
        ]
        heading = ngettext(
            "Nothing was assigned: %(count)d report cannot be assigned.",
            "Nothing was assigned: %(count)d reports cannot be assigned.",
            len(refused),
        ) % {"count": len(refused)}
        super().__init__(" ".join([heading, *lines]))


# The rules


def policy_for(year: int, policies: Sequence[VerificationPolicy]) -> VerificationPolicy | None:
    """The year's policy: the latest one from that year or before, else the earliest."""
    ordered = sorted(policies, key=lambda policy: policy.year)
    earlier = [policy for policy in ordered if policy.year <= year]
    if earlier:
        return earlier[-1]
    return ordered[0] if ordered else None


def consecutive_years(year: int, verified: set[int]) -> list[int]:
    """The unbroken run of verified years just before `year`, oldest first."""
    run = []
    previous = year - 1
    while previous in verified:
        run.append(previous)
        previous -= 1
    return sorted(run)


def _listed(years: list[int]) -> str:
    words = [str(year) for year in years]
    if len(words) == 1:
        return words[0]
    return _("%(first)s and %(last)s") % {"first": _(", ").join(words[:-1]), "last": words[-1]}


def _period(relationship: Relationship) -> str:
    if relationship.to_year is None:
        return _("from %(year)d") % {"year": relationship.from_year}
    return f"{relationship.from_year}–{relationship.to_year}"


@dataclass
class _Known:
    """What the checks need to know, loaded once for a batch of reports."""

    served: set[int]
    relationships: dict[int, list[Relationship]]
    verified: dict[int, set[int]]
    open_elsewhere: dict[tuple[int, int], Assignment]
    policies: list[VerificationPolicy]
    verifier_ids: set[int]
    team: list = field(default_factory=list)


def _known(reports: Sequence[AnnualReport], institution: Institution, team: Sequence) -> _Known:
    enterprise_ids = {report.enterprise_id for report in reports}
    years = {report.year for report in reports}
    relationships = defaultdict(list)
    for relationship in Relationship.objects.filter(
        institution=institution, enterprise__in=enterprise_ids
    ).order_by("from_year", "pk"):
        relationships[relationship.enterprise_id].append(relationship)
    verified = defaultdict(set)
    for enterprise_id, year in Assignment.objects.filter(
        institution=institution,
        enterprise__in=enterprise_ids,
        status=AssignmentStatus.CONFIRMED,
        year__lt=max(years),
    ).values_list("enterprise_id", "year"):
        verified[enterprise_id].add(year)
    open_elsewhere = {
        (assignment.enterprise_id, assignment.year): assignment
        for assignment in Assignment.objects.filter(
            enterprise__in=enterprise_ids, year__in=years, status__in=OPEN_ASSIGNMENT
        ).select_related("institution")
    }
    verifier_ids = set()
    if team:
        verifier_ids = set(
            Membership.objects.filter(
                role=Role.VERIFIER,
                institution=institution,
                user__in=[member.pk for member in team],
                user__is_active=True,
            ).values_list("user_id", flat=True)
        )
    return _Known(
        served=set(institution.provinces.values_list("pk", flat=True)),
        relationships=relationships,
        verified=verified,
        open_elsewhere=open_elsewhere,
        policies=list(VerificationPolicy.objects.all()),
        verifier_ids=verifier_ids,
        team=list(team),
    )


def _reasons(report: AnnualReport, institution: Institution, known: _Known) -> list[str]:
    enterprise = report.enterprise
    facts = {"institution": institution, "enterprise": enterprise, "year": report.year}
    reasons = []
    if report.status != SubmissionStatus.ACCEPTED:
        reasons.append(
            _(
                "The %(year)d report of %(enterprise)s is not accepted (it is %(status)s); only "
                "an accepted report is verified."
            )
            % {**facts, "status": report.get_status_display()}
        )
    current = known.open_elsewhere.get((report.enterprise_id, report.year))
    if current is not None:
        reasons.append(
            _("It is already assigned to %(assigned)s (%(status)s).")
            % {"assigned": current.institution, "status": current.get_status_display()}
        )
    if enterprise.province_id not in known.served:
        reasons.append(
            _("%(institution)s does not serve %(province)s.")
            % {**facts, "province": enterprise.province}
        )
    for relationship in known.relationships.get(report.enterprise_id, []):
        if relationship.covers(report.year):
            reasons.append(
                _(
                    "Conflict of interest: %(institution)s declared a relationship with "
                    "%(enterprise)s covering %(year)d: %(kind)s (%(period)s)."
                )
                % {
                    **facts,
                    "kind": relationship.get_kind_display(),
                    "period": _period(relationship),
                }
            )
    reasons.extend(_rotation(report, institution, known))
    for member in known.team:
        if member.pk not in known.verifier_ids:
            reasons.append(
                _("%(user)s is not a verifier of %(institution)s.")
                % {**facts, "user": member.get_username()}
            )
    return reasons


def _rotation(report: AnnualReport, institution: Institution, known: _Known) -> list[str]:
    policy = policy_for(report.year, known.policies)
    if policy is None:
        return []
    run = consecutive_years(report.year, known.verified.get(report.enterprise_id, set()))
    if len(run) < policy.max_consecutive_years:
        return []
    limit = ngettext(
        "the limit is %(limit)d consecutive year",
        "the limit is %(limit)d consecutive years",
        policy.max_consecutive_years,
    ) % {"limit": policy.max_consecutive_years}
    return [
        _("Rotation: %(institution)s verified %(years)s for %(enterprise)s; %(limit)s.")
        % {
            "institution": institution,
            "years": _listed(run),
            "enterprise": report.enterprise,
            "limit": limit,
        }
    ]


def refusal_map(
    reports: Sequence[AnnualReport], institution: Institution, team: Sequence = ()
) -> dict[int, list[str]]:
    """Every reason each report may not be assigned to the institution with the team (an empty
    list: it may), in a fixed number of queries. Reports need `enterprise__province`."""
    if not reports:
        return {}
    known = _known(reports, institution, team)
    return {report.pk: _reasons(report, institution, known) for report in reports}


def refusals(report: AnnualReport, institution: Institution, team: Sequence = ()) -> list[str]:
    """Every reason the report may not be assigned to the institution (empty: it may)."""
    return refusal_map([report], institution, team)[report.pk]


# Due dates


def _shifted_due(rule: DeadlineRule, year: int) -> date:
    """The rule's due date for the reports of `year`, also when the rule is an earlier or a
    later year's (the calendar carried forward)."""
    moved = copy.copy(rule)
    moved.year = year - rule.period_year_offset
    period_end = date(year, 12, 31)
    if rule.due_kind == DueKind.DAYS_AFTER_PERIOD:
        return period_end + timedelta(days=rule.offset_days)
    return moved.due_on(period_end)


def _national_due(rules: list[DeadlineRule], enterprise, year: int) -> date | None:
    industry = enterprise.industry
    by_year = defaultdict(list)
    for rule in rules:
        by_year[rule.period_year].append(rule)
    if not by_year:
        return None
    earlier = [period for period in by_year if period <= year]
    chosen = max(earlier) if earlier else min(by_year)
    for rule in by_year[chosen]:
        if rule.applies_to(sector=industry.sector, in_market=industry.is_market_sector):
            return _shifted_due(rule, year)
    return None


def due_dates(reports: Sequence[AnnualReport]) -> dict[int, date | None]:
    """Each report's verification deadline: the calendar's obligation for the unit and year
    (extended if it was), else the national rule for the unit's sector. Two queries.
    Reports need `enterprise__industry`."""
    if not reports:
        return {}
    obligations = {}
    for enterprise_id, period_start, due_on in (
        Obligation.objects.filter(
            kind=ObligationKind.VERIFICATION,
            enterprise__in={report.enterprise_id for report in reports},
            period_start__in={date(report.year, 1, 1) for report in reports},
        )
        .order_by("-due_on")
        .values_list("enterprise_id", "period_start", "due_on")
    ):
        obligations[(enterprise_id, period_start.year)] = due_on  # the earliest wins
    rules = list(
        DeadlineRule.objects.filter(kind=ObligationKind.VERIFICATION, province__isnull=True)
    )
    return {
        report.pk: obligations.get((report.enterprise_id, report.year))
        or _national_due(rules, report.enterprise, report.year)
        for report in reports
    }


# Writes


def _locked_reports(actor: scoping.Actor, reports: Iterable[AnnualReport]) -> list[AnnualReport]:
    ids = {report.pk for report in reports}
    locked = list(
        scoping.visible(
            actor,
            AnnualReport.objects.select_for_update(of=("self",)).select_related(
                "enterprise__province", "enterprise__industry"
            ),
        )
        .filter(pk__in=ids)
        .order_by("enterprise__name_zh", "year", "pk")
    )
    if len(locked) != len(ids):
        raise NotFound("not found")
    for report in locked:
        enterprise = report.enterprise
        if not scoping.can_create(
            actor, Assignment, province_id=enterprise.province_id, city_id=enterprise.city_id
        ):
            raise PermissionDenied(
                _("Only provincial staff covering the unit can assign its verification.")
            )
    return locked


def _notice(assignment: Assignment, verifier_ids: list[int]) -> list[Notification]:
    context = {
        "enterprise": str(assignment.enterprise),
        "year": assignment.year,
        "assignment": str(assignment.public_id),
        "due_on": assignment.due_date.isoformat() if assignment.due_date else "",
    }
    return [
        Notification(
            recipient_id=user_id,
            kind=NotificationKind.VERIFICATION_ASSIGNED,
            context=context,
            dedupe_key=f"verification-assigned:{assignment.public_id}:{user_id}",
        )
        for user_id in verifier_ids
    ]


@transaction.atomic
def assign_many(
    *,
    actor: scoping.Actor,
    reports: Sequence[AnnualReport],
    institution: Institution,
    team: Sequence,
) -> list[Assignment]:
    """Assign the reports to the institution and its team, all or nothing: if any report is
    refused, nothing is saved and AssignmentRefused names every refused report with its
    reasons. The institution's verifiers are notified after commit."""
    if not reports:
        raise DomainError(_("Choose at least one report to assign."), field="reports")
    if not team:
        raise DomainError(
            _("Choose the team: at least one verifier of the institution."), field="team"
        )
    institution = scoping.get_visible(actor, Institution, pk=institution.pk)
    locked = _locked_reports(actor, reports)
    reasons = refusal_map(locked, institution, team)
    refused = [Refused(report, reasons[report.pk]) for report in locked if reasons[report.pk]]
    if refused:
        raise AssignmentRefused(refused)
    due = due_dates(locked)
    try:
        with transaction.atomic():
            assignments = Assignment.objects.bulk_create(
                [
                    Assignment(
                        report=report,
                        enterprise=report.enterprise,
                        year=report.year,
                        institution=institution,
                        due_date=due[report.pk],
                        assigned_by=actor.user,
                    )
                    for report in locked
                ]
            )
    except IntegrityError:
        # Another assignment of the same unit and year was saved meanwhile.
        raise DomainError(
            _("Some of these reports were assigned meanwhile: reload the page.")
        ) from None
    Assignment.team.through.objects.bulk_create(
        [
            Assignment.team.through(assignment_id=assignment.pk, user_id=member.pk)
            for assignment in assignments
            for member in team
        ]
    )
    team_names = sorted(member.get_username() for member in team)
    audit.record_many(
        [
            audit.build(
                actor=actor.user,
                action=AuditAction.CREATE,
                target=assignment,
                tenant_code=assignment.enterprise.province.code,
                changes=audit.diff({}, {**audit.snapshot(assignment, AUDITED), "team": team_names}),
            )
            for assignment in assignments
        ]
    )
    verifier_ids = list(
        Membership.objects.filter(
            role=Role.VERIFIER, institution=institution, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    deadlines.notify_many(
        [notice for assignment in assignments for notice in _notice(assignment, verifier_ids)]
    )
    return assignments


def assign(
    *, actor: scoping.Actor, report: AnnualReport, institution: Institution, team: Sequence
) -> Assignment:
    """Assign one report (see assign_many)."""
    return assign_many(actor=actor, reports=[report], institution=institution, team=team)[0]


@transaction.atomic
def withdraw(*, actor: scoping.Actor, assignment: Assignment, reason: str) -> Assignment:
    """Take an assignment back from the institution, with the reason, until its conclusion is
    confirmed; the unit's report can then be assigned again."""
    try:
        locked = scoping.visible(
            actor,
            Assignment.objects.select_for_update(of=("self",)).select_related(
                "enterprise__province", "institution"
            ),
        ).get(pk=assignment.pk)
    except Assignment.DoesNotExist:
        raise NotFound("not found") from None
    if not scoping.can_change(actor, locked):
        raise PermissionDenied(_("Only provincial staff covering the unit can withdraw it."))
    if not reason.strip():
        raise DomainError(_("Say why the assignment is withdrawn."), field="reason")
    if locked.status == AssignmentStatus.CONFIRMED:
        raise DomainError(_("The conclusion is confirmed: the assignment cannot be withdrawn."))
    if locked.status not in WITHDRAWABLE:
        raise DomainError(_("This assignment is already withdrawn."))
    before = audit.snapshot(locked, AUDITED)
    locked.status = AssignmentStatus.WITHDRAWN
    locked.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor.user,
        action=AuditAction.STATUS,
        target=locked,
        tenant_code=locked.enterprise.province.code,
        changes=audit.diff(before, audit.snapshot(locked, AUDITED)),
        note=reason.strip(),
    )
    return locked


# Reads


@dataclass(frozen=True)
class AssignableFilters:
    year: int | None = None
    sector: str = ""
    city: City | None = None


def assignable_reports(
    *, actor: scoping.Actor, filters: AssignableFilters
) -> QuerySet[AnnualReport]:
    """Accepted reports the actor may see that no institution holds."""
    held = Assignment.objects.filter(
        enterprise=OuterRef("enterprise"), year=OuterRef("year"), status__in=OPEN_ASSIGNMENT
    )
    reports = (
        scoping.visible(actor, AnnualReport)
        .filter(status=SubmissionStatus.ACCEPTED)
        .exclude(Exists(held))
        .select_related("enterprise__province", "enterprise__city", "enterprise__industry")
        .order_by("-year", "enterprise__city__name_zh", "enterprise__name_zh", "pk")
    )
    if filters.year:
        reports = reports.filter(year=filters.year)
    if filters.sector:
        reports = reports.filter(enterprise__industry__sector=filters.sector)
    if filters.city:
        reports = reports.filter(enterprise__city=filters.city)
    return reports


def assignable_by_public_id(*, actor: scoping.Actor, public_ids: Iterable) -> list[AnnualReport]:
    """The chosen reports (any the actor may not see: NotFound)."""
    ids = set(public_ids)
    reports = list(
        scoping.visible(actor, AnnualReport)
        .filter(public_id__in=ids)
        .select_related("enterprise__province", "enterprise__industry")
    )
    if len(reports) != len(ids):
        raise NotFound("not found")
    return reports


def institutions_for(*, actor: scoping.Actor) -> QuerySet[Institution]:
    return scoping.visible(actor, Institution).order_by("name_zh", "pk")


def team_choices(*, actor: scoping.Actor, institution: Institution):
    """The users who may be on the institution's team: its active verifiers. The caller
    resolved `institution` through a scoped selector, which is the grant."""
    scoping.get_visible(actor, Institution, pk=institution.pk)
    return (
        get_user_model()
        .objects.filter(
            memberships__role=Role.VERIFIER,
            memberships__institution=institution,
            is_active=True,
        )
        .order_by("username")
        .distinct()
    )


def assignment_detail(*, actor: scoping.Actor, public_id) -> Assignment:
    return scoping.get_visible(
        actor,
        Assignment.objects.select_related("enterprise__province", "institution"),
        public_id=public_id,
    )


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
