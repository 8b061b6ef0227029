"""seed_demo's annual emission reports (2025) and data quality control plans (2027): in step with
the demo calendar, what the services would have made of the same figures, and deterministic.

The demo is seeded up to this step (units.demo.annual) rather than through the whole command: the
steps after it (verification) submit or correct some market units' reports in turn."""

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation

from accounts.models import Membership, Role, User
from accounts.scoping import actor_for
from deadlines.models import Obligation, ObligationStatus
from reporting import plans, reports
from reporting.home import yearly_work
from reporting.models import AnnualReport, QualityControlPlan, SubmissionStatus
from units import demo
from units.models import AnnualEmissions, EmissionsSource, Enterprise

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 27)
MET = (ObligationStatus.MET_ON_TIME, ObligationStatus.MET_LATE)
SUBMITTED = (SubmissionStatus.SUBMITTED, SubmissionStatus.RETURNED, SubmissionStatus.ACCEPTED)
KINDS = ("annual_report", "supplementary_report", "quality_control_plan")


def seed(today: date = TODAY) -> demo.AnnualResult:
    """seed_demo's steps up to and including the annual reports and plans."""
    demo.seed("small")
    staff = demo.ensure_list_staff("small")
    demo.seed_deadlines("small", today=today)
    demo.seed_lists("small", today=today, staff=staff)
    demo.seed_reporting("small", today=today)
    return demo.seed_annual("small", today=today)


def annual_reports():
    return AnnualReport.objects.select_related("enterprise__industry", "enterprise__province")


def quality_plans():
    return QualityControlPlan.objects.select_related("enterprise__province")


def obligations(kind: str, year: int) -> dict[int, Obligation]:
    rows = Obligation.objects.filter(kind=kind, period_start=date(year, 1, 1))
    return {row.enterprise_id: row for row in rows}


def snapshot() -> dict[tuple, tuple]:
    """Every report, plan, their obligations and the reported emissions, keyed by what they are
    rather than by database ids (a fulfilment names its record's id: only its kind is kept)."""
    rows = {}
    for r in annual_reports():
        rows["report", r.enterprise.uscc, r.year, r.version] = (
            r.status, r.values, r.explanations, str(r.emissions), r.calculation, r.findings,
            r.reconciliation, r.supplementary, r.submitted_at, r.reviewed_at, r.review_comment,
            r.created_at, r.updated_at,
        )  # fmt: skip
    for p in quality_plans():
        rows["plan", p.enterprise.uscc, p.year, p.version] = (
            p.status, p.content, p.submitted_at, p.reviewed_at, p.review_comment, p.created_at,
            p.updated_at,
        )  # fmt: skip
    for o in Obligation.objects.filter(kind__in=KINDS).select_related("enterprise"):
        rows["obligation", o.enterprise.uscc, o.kind, o.period_start] = (
            o.status, o.met_at, o.fulfilment.split(":")[0], o.met_by_id,
        )  # fmt: skip
    for e in AnnualEmissions.objects.filter(source=EmissionsSource.REPORTED, year=2025):
        rows["emissions", e.enterprise_id] = (str(e.direct_emissions),)
    return rows


def test_the_command_prints_the_line():
    out = StringIO()
    call_command("seed_demo", "--scale", "small", "--today", TODAY.isoformat(), stdout=out)

    assert "annual reports of 2025: " in out.getvalue()
    assert "quality control plans for 2027: " in out.getvalue()


def test_reports_and_plans_with_every_outcome_in_both_provinces():
    result = seed()

    assert sum(result.reports.values()) == annual_reports().count()
    assert sum(result.plans.values()) == quality_plans().count()
    for code in demo.SMALL_PROVINCES:
        mine = annual_reports().filter(enterprise__province__code=code)
        statuses = Counter(mine.values_list("status", flat=True))
        assert statuses[SubmissionStatus.ACCEPTED] >= 15
        assert statuses[SubmissionStatus.DRAFT] >= 1
        assert quality_plans().filter(enterprise__province__code=code).exists()
    reported = Counter(annual_reports().values_list("status", flat=True))
    assert 1 <= reported[SubmissionStatus.RETURNED] <= 5  # a couple, with a comment
    assert reported[SubmissionStatus.SUBMITTED] == 0  # all reviewed by November
    # Every sector: the market's and the other key industries'.
    sectors = set(annual_reports().values_list("enterprise__industry__sector", flat=True))
    assert {"power", "steel", "cement", "aluminium", "chemical", "paper"} <= sectors
    planned = Counter(quality_plans().values_list("status", flat=True))
    asked = len(obligations("quality_control_plan", 2027))
    submitted = sum(planned[status] for status in SUBMITTED)
    assert 0.35 <= submitted / asked <= 0.65  # about half, five weeks before the due date
    assert planned[SubmissionStatus.ACCEPTED] >= 3
    assert planned[SubmissionStatus.SUBMITTED] >= 3  # waiting for review
    assert planned[SubmissionStatus.RETURNED] >= 1
    assert planned[SubmissionStatus.DRAFT] >= 1


def test_reports_were_submitted_when_the_calendar_says():
    seed()

    due = obligations("annual_report", 2025)
    supplementary = obligations("supplementary_report", 2025)
    submitted = {r.enterprise_id: r for r in annual_reports().exclude(submitted_at=None)}
    late = 0
    for enterprise_id, obligation in due.items():
        report = submitted.get(enterprise_id)
        if obligation.status not in MET:
            assert report is None, obligation
            continue
        # Met by the report, which meets the supplementary data report's obligation as well.
        assert report is not None, obligation
        assert report.submitted_at == obligation.met_at
        if enterprise_id in supplementary:
            assert supplementary[enterprise_id].status == obligation.status
            assert supplementary[enterprise_id].met_at == report.submitted_at
        submitted_on = timezone.localtime(report.submitted_at).date()
        is_late = submitted_on > obligation.due_on
        assert is_late == (obligation.status == ObligationStatus.MET_LATE)
        late += is_late
    assert late >= 1
    assert len(submitted) > 5 * late  # most on time
    assert set(submitted) <= set(due)


def test_each_report_holds_what_the_services_find_in_it():
    seed()

    for report in annual_reports():
        again = AnnualReport(
            enterprise=report.enterprise, year=report.year, schema=report.schema,
            values=report.values,
        )  # fmt: skip
        reports._evaluate(again)
        assert (again.findings, again.emissions, again.calculation, again.formula_version) == (
            report.findings, report.emissions, report.calculation, report.formula_version,
        ), report  # fmt: skip
        assert (again.reconciliation, again.months_certified, again.supplementary) == (
            report.reconciliation, report.months_certified, report.supplementary,
        )  # fmt: skip
        if report.status == SubmissionStatus.DRAFT:
            continue
        assert not [f for f in report.findings if f["severity"] == "error"], report
        assert reports.unexplained(report) == [], report
    market = annual_reports().filter(enterprise__industry__is_market_sector=True)
    # No 2025 months in the demo: the reconciliation's warning, explained.
    assert all(
        r.explanations.get("months_not_certified:") for r in market.exclude(submitted_at=None)
    )
    others = annual_reports().filter(enterprise__industry__is_market_sector=False)
    assert all(r.supplementary["intensity"] for r in others.exclude(submitted_at=None))


def test_the_figures_are_plausible_for_the_units_size():
    seed()

    for report in annual_reports().exclude(emissions=None).exclude(review_comment__gt=""):
        verified = report.enterprise.annual_emissions.get(year=2025, source="verified")
        assert 0.8 < report.emissions / verified.direct_emissions < 1.2, report


def test_accepted_reports_are_the_years_reported_emissions():
    seed()

    accepted = annual_reports().filter(status=SubmissionStatus.ACCEPTED)
    assert accepted.exists()
    for report in accepted:
        row = AnnualEmissions.objects.get(
            enterprise=report.enterprise, year=2025, source=EmissionsSource.REPORTED
        )
        assert row.direct_emissions == report.emissions


def test_submitted_plans_meet_their_obligation_as_fulfil_would():
    seed()

    due = obligations("quality_control_plan", 2027)
    submitted = {p.enterprise_id: p for p in quality_plans().exclude(submitted_at=None)}
    for enterprise_id, obligation in due.items():
        plan = submitted.get(enterprise_id)
        if plan is None:
            assert obligation.status == ObligationStatus.OPEN
            assert obligation.met_at is None
            continue
        assert obligation.status == ObligationStatus.MET_ON_TIME
        assert obligation.met_at == plan.submitted_at
        assert obligation.met_by_id == plan.submitted_by_id
        assert obligation.fulfilment == f"reporting.qualitycontrolplan:{plan.pk}"
        assert timezone.localtime(plan.submitted_at).date() < TODAY
        assert plans.missing_sections(plan) == []
    with translation.override("zh-hans"):
        for plan in quality_plans():
            facilities = plans.facilities_text(plan.enterprise)
            assert plan.content["facilities"] == facilities  # as plans.start prefills it


def test_versions_follow_the_state_machine_and_the_clock():
    seed()

    for record in [*annual_reports(), *quality_plans()]:
        assert record.version == 1 and record.supersedes is None
        assert record.created_at <= record.updated_at
        assert timezone.localtime(record.updated_at).date() < TODAY
        if record.submitted_at:
            assert record.created_at <= record.submitted_at
        if record.reviewed_at:
            assert record.submitted_at < record.reviewed_at
            assert Membership.objects.filter(
                user=record.reviewed_by_id,
                role=Role.PROVINCIAL_STAFF,
                province=record.enterprise.province_id,
            ).exists()
        assert bool(record.reviewed_at) == (
            record.status in (SubmissionStatus.ACCEPTED, SubmissionStatus.RETURNED)
        )
        assert bool(record.review_comment) == (record.status == SubmissionStatus.RETURNED)
        assert bool(record.submitted_at) == (record.status != SubmissionStatus.DRAFT)


@pytest.mark.parametrize("username", ["ent-shandong", "ent-guangdong"])
def test_the_demo_logins_have_a_plan_and_a_report_to_act_on(username):
    seed()

    user = User.objects.get(username=username)
    actor = actor_for(user)
    enterprises = list(Enterprise.objects.filter(pk__in=actor.enterprise_ids))
    work = yearly_work(actor=actor, enterprises=enterprises, today=TODAY)
    assert work.plans.due or work.plans.drafts
    assert work.reports.due or work.reports.returned


def test_running_it_again_changes_nothing_and_e_mails_nothing():
    seed()
    before = snapshot()

    again = seed()

    assert snapshot() == before
    assert (again.reports, again.plans, again.obligations_met) == ({}, {}, 0)
    assert mail.outbox == []


def test_the_choices_do_not_depend_on_database_ids():
    seed()
    first = snapshot()
    AnnualReport.objects.all().delete()
    QualityControlPlan.objects.all().delete()
    Obligation.objects.filter(kind__in=KINDS).delete()

    seed()

    assert snapshot() == first


def test_a_later_day_submits_more_plans_and_keeps_the_rest():
    seed()
    before = snapshot()

    seed(date(2026, 12, 20))

    after = snapshot()
    plans_before = {key: state for key, state in before.items() if key[0] == "plan"}
    changed = {key for key, state in plans_before.items() if after.get(key) != state}
    # Only drafts were replaced, by submissions; more plans are in now.
    assert {plans_before[key][0] for key in changed} <= {SubmissionStatus.DRAFT}
    assert {after[key][0] for key in changed if key in after} <= set(SUBMITTED)
    submitted = [s for key, s in after.items() if key[0] == "plan" and s[0] in SUBMITTED]
    assert len(submitted) > len([s for s in plans_before.values() if s[0] in SUBMITTED])
    for key, state in before.items():
        if key[0] == "report":
            assert after[key] == state
