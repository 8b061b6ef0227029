"""Whether accepted annual reports may be assigned to a verification institution and its team,
and every reason each may not: the refusal rules that `verification.assignments` applies before it
saves anything, and that the assignment page shows beside each report.

An assignment is refused, with every reason said, when the institution declared a relationship
with the enterprise covering the year (conflict of interest), when it already verified the
enterprise for as many consecutive years as the year's VerificationPolicy allows (rotation), when
the report is not accepted or is already assigned, when the institution does not serve the
province, or when a team member is not one of its verifiers. A batch of reports is checked in a
fixed number of queries."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Membership, Role
from reporting.models import AnnualReport, SubmissionStatus
from verification.models import (
    OPEN_ASSIGNMENT,
    Assignment,
    AssignmentStatus,
    Institution,
    Relationship,
    VerificationPolicy,
)


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
