"""seed_demo's verification and allowances: last year's reports verified as the services would
have recorded them, objections, the institutions' evaluation in draft, the allocation
pre-allocated, determined and issued in four-eyes batches, settlement in progress; and the
acceptance test of issue 7: every seeded determination recomputes from its stored inputs to its
stored figures exactly.

The demo is seeded once for the module (about a minute) inside a transaction rolled back at the
end; each test runs in a savepoint of it."""

from collections import Counter
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.scoping import actor_for, visible
from core.models import Snapshot, SnapshotStatus
from deadlines.models import Obligation, ObligationStatus
from quotas import allocation_selectors, recompute, settlement_selectors
from quotas.models import (
    Allocation,
    AllocationBatch,
    BatchStatus,
    Settlement,
    SettlementStatus,
    Step,
    Surrender,
    SurrenderKind,
)
from reporting.models import AnnualReport, SubmissionStatus
from units import demo
from units.demo import quotas as demo_quotas
from units.models import AnnualEmissions, EmissionsSource, Enterprise, EnterpriseStatus, Province
from verification import (
    confirmation,
    evaluation_figures,
    evaluation_selectors,
    objections,
    selectors,
    work,
    workdays,
)
from verification.due_dates import due_dates
from verification.models import (
    Assignment,
    AssignmentStatus,
    EvaluationRound,
    EvaluationStatus,
    Institution,
    Objection,
    ObjectionStatus,
    VerifiedFigures,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 27)
MARKET = ("power", "steel", "cement", "aluminium")
IN_PROGRESS = (AssignmentStatus.ASSIGNED, AssignmentStatus.RETURNED)
MET = (ObligationStatus.MET_ON_TIME, ObligationStatus.MET_LATE)


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--scale", "small", "--today", TODAY.isoformat(), stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The small demo as of TODAY, seeded once; rolled back after the module's tests."""
    with django_db_blocker.unblock(), transaction.atomic():
        output = seed()
        yield output
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _demo(seeded):
    return seeded


def local(moment) -> date:
    return timezone.localtime(moment).date()


def covered() -> list[Enterprise]:
    return list(
        Enterprise.objects.filter(
            status=EnterpriseStatus.ACTIVE, industry__is_market_sector=True
        ).select_related("province", "industry")
    )


def user(username: str) -> User:
    return User.objects.get(username=username)


# --- verification ---------------------------------------------------------------------------------


def test_last_years_reports_are_verified_in_every_state(seeded):
    assert "verification of 2025: " in seeded
    for code in demo.SMALL_PROVINCES:
        mine = Assignment.objects.filter(enterprise__province__code=code, year=2025)
        statuses = Counter(mine.values_list("status", flat=True))
        assert statuses[AssignmentStatus.CONFIRMED] >= 15
        assert statuses[AssignmentStatus.CONCLUDED] >= 1  # awaiting the province
        assert (
            mine.filter(status__in=IN_PROGRESS).count() + statuses[AssignmentStatus.CONCLUDED]
            <= mine.count() // 3
        )
        in_progress = mine.filter(status__in=IN_PROGRESS)
        # Only the other key industries (due December 31) may still be in progress.
        assert set(in_progress.values_list("due_date", flat=True)) <= {date(2026, 12, 31)}
    # Every accepted report is assigned; every market unit was verified, both years.
    accepted = AnnualReport.objects.filter(status=SubmissionStatus.ACCEPTED)
    assert set(accepted.values_list("pk", flat=True)) == set(
        Assignment.objects.values_list("report_id", flat=True)
    )
    for year in (2024, 2025):
        verified = set(VerifiedFigures.objects.filter(year=year).values_list("enterprise_id"))
        assert {(e.pk,) for e in covered()} <= verified


def test_the_work_is_what_the_services_record(seeded):
    reports = list(
        AnnualReport.objects.filter(assignments__isnull=False).select_related(
            "enterprise__industry"
        )
    )
    due = due_dates(reports)
    for assignment in Assignment.objects.select_related(
        "enterprise__industry", "enterprise__province", "report", "institution"
    ):
        assert assignment.report.status == SubmissionStatus.ACCEPTED
        assert assignment.due_date == due[assignment.report_id]
        assert assignment.enterprise.province in assignment.institution.provinces.all()
        team = list(assignment.team.all())
        assert len(team) == 1 and team[0].memberships.get().institution == assignment.institution
        assert (
            assignment.created_at <= assignment.updated_at and local(assignment.updated_at) < TODAY
        )
        if assignment.status in (AssignmentStatus.CONCLUDED, AssignmentStatus.CONFIRMED):
            # Everything verification.work asks for before a conclusion.
            missing = work.missing_for_conclusion(
                assignment, conservative_basis=assignment.conservative_basis
            )
            assert missing == [], assignment
            assert assignment.document_reviewed_on <= assignment.site_visited_on
            assert assignment.site_visited_on <= local(assignment.concluded_at)
            assert assignment.report.reviewed_at < assignment.created_at
        if assignment.status == AssignmentStatus.CONFIRMED:
            assert assignment.concluded_at < assignment.confirmed_at
            assert local(assignment.confirmed_at) < TODAY


def test_confirmed_figures_are_what_confirmation_writes(seeded):
    figures = VerifiedFigures.objects.select_related(
        "assignment__enterprise__industry", "assignment__enterprise__province"
    )
    assert figures.count() == Assignment.objects.filter(status=AssignmentStatus.CONFIRMED).count()
    for row in figures:
        assignment = row.assignment
        assert row.activity == confirmation._activity(assignment)
        assert row.activity, assignment
        assert row.emissions == assignment.verified_emissions
        assert row.confirmed_on == local(assignment.confirmed_at)
        history = AnnualEmissions.objects.get(
            enterprise=row.enterprise, year=row.year, source=EmissionsSource.VERIFIED
        )
        assert history.direct_emissions == row.emissions
    # The verification obligation: met by the confirmation, as fulfil marks it, unless the
    # calendar had met it then already.
    for obligation in Obligation.objects.filter(kind="verification", status__in=MET):
        figures_of = (
            VerifiedFigures.objects.filter(
                enterprise=obligation.enterprise, year=obligation.period_start.year
            )
            .select_related("assignment")
            .first()
        )
        assert figures_of is not None, obligation
        assert obligation.met_at == figures_of.assignment.confirmed_at
        on_time = local(obligation.met_at) <= obligation.due_on
        assert obligation.status == ("met_on_time" if on_time else "met_late")


def test_the_reports_allocation_needed_were_written_as_the_services_would(seeded):
    for report in AnnualReport.objects.filter(
        enterprise__industry__is_market_sector=True, enterprise__status=EnterpriseStatus.ACTIVE
    ).select_related("enterprise"):
        if report.status == SubmissionStatus.SUPERSEDED:
            continue
        assert report.status == SubmissionStatus.ACCEPTED, report
        reported = AnnualEmissions.objects.get(
            enterprise=report.enterprise, year=report.year, source=EmissionsSource.REPORTED
        )
        assert reported.direct_emissions == report.emissions
        assert report.submitted_at < report.reviewed_at
    for obligation in Obligation.objects.filter(
        kind="annual_report",
        enterprise__industry__is_market_sector=True,
        enterprise__status=EnterpriseStatus.ACTIVE,
    ):
        assert obligation.status in ("met_on_time", "met_late"), obligation


def test_objections_one_decided_and_one_awaiting_in_each_demo_province(seeded):
    policy = objections.policy_for(2025)
    for code in demo.SMALL_PROVINCES:
        mine = Objection.objects.filter(assignment__enterprise__province__code=code)
        assert Counter(mine.values_list("status", flat=True)) == {
            ObjectionStatus.REJECTED: 1,
            ObjectionStatus.FILED: 1,
        }
        for objection in mine.select_related("assignment__enterprise"):
            window = objections.objection_window(objection.assignment)
            assert window.is_open(objection.filed_on)
            assert objection.decide_by == workdays.add_working_days(
                objection.filed_on, policy.review_window_days
            )
            assert (
                objection.filed_by.memberships.get().enterprise == objection.assignment.enterprise
            )
            if objection.status == ObjectionStatus.FILED:
                assert objection.decide_by >= TODAY and objection.filed_on < TODAY
            else:
                assert not objections.decided_late(objection)
                assert objection.decided_by.memberships.get().province.code == code


def test_the_evaluation_is_a_draft_with_graded_and_ungraded_institutions(seeded):
    for code in demo.SMALL_PROVINCES:
        round_ = EvaluationRound.objects.get(province__code=code, year=2026)
        assert round_.status == EvaluationStatus.DRAFT
        assert round_.prepared_by.username in ("shandong", "guangdong")
        rows = list(round_.evaluations.all())
        assert 4 <= len(rows) <= 6
        assert any(row.grade for row in rows) and any(not row.grade for row in rows)
        assert any(row.checklist for row in rows) and any(not row.checklist for row in rows)
        for row in rows:
            result = evaluation_figures.recompute(row)
            assert (result.total, result.grade) == (row.total, row.grade)
        institutions = Institution.objects.filter(provinces__code=code)
        assert 4 <= institutions.count() <= 6  # 3-5 of its own and the verifier login's


# --- allowances -----------------------------------------------------------------------------------


def test_every_step_is_approved_by_a_second_pair_of_eyes(seeded):
    for code in demo.SMALL_PROVINCES:
        staff, approver = demo.lists.TEAMS[code][:2]
        batches = AllocationBatch.objects.filter(province__code=code, year=2025)
        assert Counter(batches.values_list("step", flat=True)) == {
            Step.PRE_ALLOCATION: 4,
            Step.DETERMINATION: 4,
            Step.ALLOCATION: 4,
        }
        for batch in batches.select_related("prepared_by", "approved_by"):
            assert batch.status == BatchStatus.APPROVED
            assert batch.prepared_by.username == staff
            assert batch.approved_by.username == approver
            assert batch.submitted_by_id == batch.prepared_by_id
            assert batch.submitted_at < batch.approved_at
            due = {"pre_allocation": date(2026, 6, 30), "determination": date(2026, 9, 20)}
            assert local(batch.approved_at) <= due.get(batch.step, date(2026, 9, 30))


def test_the_allocations_are_pre_allocated_determined_and_issued(seeded):
    units = covered()
    rows = Allocation.objects.filter(year=2025)
    assert {row.enterprise_id for row in rows} == {unit.pk for unit in units}
    for row in rows:
        assert row.pre_allocated is not None and row.pre_allocated > 0
        assert row.determined is not None and row.determined > 0
        assert row.issued == row.to_issue == row.determined - row.pre_allocated - row.adjustments
        assert row.issued_on == date(2026, 9, 28)
        assert not row.pre_allocation_inputs["missing"]
        assert not row.determination_inputs["missing"]
    for kind in ("pre_allocation", "determination", "allocation"):
        met = Obligation.objects.filter(
            kind=kind, enterprise__in=units, period_start=date(2025, 1, 1)
        )
        assert set(met.values_list("status", flat=True)) <= {"met_on_time", "met_late"}


def test_recomputing_every_determination_from_its_stored_inputs_gives_the_stored_figures():
    """Issue 7's acceptance test, over the whole demo data set."""
    rows = list(Allocation.objects.all())
    assert len(rows) >= 40
    for row in rows:
        assert recompute.recompute(row) == {
            "pre_allocated": row.pre_allocated,
            "determined": row.determined,
            "adjustments": row.adjustments,
            "to_issue": row.to_issue,
        }, row


def test_outside_the_demo_provinces_the_steps_are_written_as_the_services_write_them():
    """At the national scale the other provinces' approved steps are written in bulk: for
    Guangdong, seeded through the services, the bulk path gives the same allocations, batches
    and met obligations."""
    province = Province.objects.get(code="440000")
    kinds = ("pre_allocation", "determination", "allocation")

    def state():
        allocations_ = {
            a.enterprise.uscc: (
                a.pre_allocated,
                a.pre_allocation_lines,
                a.pre_allocation_inputs,
                a.determined,
                a.determination_lines,
                {**a.determination_inputs, "pre_allocation_batch": None},
                a.adjustments,
                a.to_issue,
                a.issued,
                a.issued_on,
                a.created_at,
                a.updated_at,
            )
            for a in Allocation.objects.filter(enterprise__province=province).select_related(
                "enterprise"
            )
        }
        batches = {
            (b.sector, b.step): (
                b.status,
                b.prepared_by_id,
                b.submitted_by_id,
                b.approved_by_id,
                b.submitted_at,
                b.approved_at,
                b.created_at,
                b.updated_at,
            )
            for b in AllocationBatch.objects.filter(province=province)
        }
        obligations = {
            (o.enterprise_id, o.kind): (o.status, o.met_at, o.met_by_id, o.fulfilment[:22])
            for o in Obligation.objects.filter(province=province, kind__in=kinds)
        }
        return allocations_, batches, obligations

    through_services = state()
    Surrender.objects.filter(settlement__enterprise__province=province).delete()
    Settlement.objects.filter(enterprise__province=province).delete()
    Allocation.objects.filter(enterprise__province=province).delete()
    AllocationBatch.objects.filter(province=province).delete()
    Obligation.objects.filter(
        province=province, kind__in=kinds, fulfilment__startswith="quotas."
    ).update(status=ObligationStatus.MISSED, met_at=None, met_by=None, fulfilment="")
    run = demo_quotas.Run(year=2025, limit=TODAY, started=timezone.now())
    team = demo.ensure_list_staff("small").teams["440000"]

    for sector in MARKET:
        demo_quotas._allocate(run, province, sector, team, bulk=True)

    assert state() == through_services
    assert run.approved == dict.fromkeys(kinds, 4)


def test_settlement_is_in_progress_with_a_realistic_share_settled(seeded):
    rows = list(Settlement.objects.filter(year=2025).select_related("enterprise"))
    assert len(rows) == len(covered())
    statuses = Counter(row.status for row in rows)
    assert set(statuses) == {SettlementStatus.OPEN, SettlementStatus.ON_TIME}  # none late yet
    assert 0.5 <= statuses[SettlementStatus.ON_TIME] / len(rows) <= 0.9
    partly = 0
    for row in rows:
        tally = settlement_selectors.tally_of(row)
        ccer = sum(
            (s.quantity for s in row.surrenders.all() if s.kind == SurrenderKind.CCER), Decimal(0)
        )
        assert ccer <= tally.ccer_allowed
        assert row.due_on == date(2026, 12, 31)
        if row.status == SettlementStatus.ON_TIME:
            assert tally.total == row.obligation
            assert row.settled_on == max(s.surrendered_on for s in row.surrenders.all()) < TODAY
            obligation = Obligation.objects.get(
                kind="settlement", enterprise=row.enterprise, period_start=date(2025, 1, 1)
            )
            assert obligation.status == ObligationStatus.MET_ON_TIME
            assert obligation.fulfilment == f"quotas.settlement:{row.pk}"
        else:
            partly += 0 < tally.total < row.obligation
    assert partly >= 2
    assert Surrender.objects.filter(kind=SurrenderKind.ALLOWANCE, vintage=2024).exists()


# --- what each demo login sees --------------------------------------------------------------------


def test_the_verifier_has_one_assignment_in_progress_and_confirmed_ones(client):
    actor = actor_for(user("verifier"))
    mine = list(selectors.my_assignments(actor=actor).filter(year=2025))
    in_progress = [a for a in mine if a.status in IN_PROGRESS]
    assert len(in_progress) == 1
    assert not in_progress[0].enterprise.industry.is_market_sector
    assert in_progress[0].due_date == date(2026, 12, 31)
    assert in_progress[0].open_non_conformities == 1
    assert sum(a.status == AssignmentStatus.CONFIRMED for a in mine) >= 5
    client.force_login(user("verifier"))
    page = client.get("/verification/my-assignments/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert in_progress[0].enterprise.name_zh in page.content.decode()


@pytest.mark.parametrize("username", ["ent-shandong", "ent-guangdong"])
def test_the_demo_enterprises_see_their_result_allowances_and_open_settlement(client, username):
    actor = actor_for(user(username))
    assignment = visible(actor, Assignment).get(year=2025)
    assert assignment.status == AssignmentStatus.CONFIRMED
    assert selectors.confirmed_result(actor=actor, public_id=assignment.public_id)
    assert visible(actor, Objection).get().status == ObjectionStatus.REJECTED
    allocation = visible(actor, Allocation).get(year=2025)
    assert None not in (allocation.pre_allocated, allocation.determined, allocation.issued)
    settlement = visible(actor, Settlement).get(year=2025)
    assert settlement.status == SettlementStatus.OPEN
    assert 0 < settlement_selectors.tally_of(settlement).total < settlement.obligation
    client.force_login(user(username))
    for url in (
        assignment.get_absolute_url(),
        allocation.get_absolute_url(),
        settlement.get_absolute_url(),
        "/quotas/position/",
    ):
        assert client.get(url, HTTP_ACCEPT_LANGUAGE="en").status_code == 200, url


@pytest.mark.parametrize("code", demo.SMALL_PROVINCES)
def test_the_province_staff_and_approver_see_the_work(client, code):
    staff, approver = demo.lists.TEAMS[code][:2]
    actor = actor_for(user(staff))
    found = objections.staff_objections(actor=actor)
    assert {o.status for o in found} == {ObjectionStatus.FILED, ObjectionStatus.REJECTED}
    assert evaluation_selectors.rounds_for(actor=actor).get().status == EvaluationStatus.DRAFT
    batches = allocation_selectors.batches_for(actor=actor, year=2025)
    assert all(batch.approved_by.username == approver for batch in batches)
    assert all(batch.units > 0 for batch in batches)
    client.force_login(user(staff))
    for url in ("/verification/objections/", "/verification/evaluations/", "/quotas/batches/",
                "/quotas/settlements/", "/verification/workload/"):  # fmt: skip
        assert client.get(url, HTTP_ACCEPT_LANGUAGE="en").status_code == 200, url


def test_the_ministry_sees_both_provinces():
    actor = actor_for(user("ministry"))
    provinces = set(visible(actor, Allocation).values_list("enterprise__province__code", flat=True))
    assert provinces == set(demo.SMALL_PROVINCES)


# --- reruns ---------------------------------------------------------------------------------------


def snapshot() -> dict:
    """What this step seeds, keyed by what it is rather than by database ids."""
    rows = {}
    for a in Assignment.objects.select_related("enterprise", "institution"):
        rows["assignment", a.enterprise.uscc, a.year] = (
            a.institution.uscc, a.status, a.due_date, a.verified_emissions, a.concluded_at,
            a.confirmed_at, a.times_returned, a.created_at, a.updated_at,
            a.non_conformities.count(), a.activity.count(),
        )  # fmt: skip
    for f in VerifiedFigures.objects.select_related("enterprise"):
        rows["figures", f.enterprise.uscc, f.year] = (f.emissions, len(f.activity), f.confirmed_on)
    for o in Objection.objects.select_related("assignment__enterprise"):
        rows["objection", o.assignment.enterprise.uscc] = (o.status, o.filed_on, o.decided_at)
    for b in AllocationBatch.objects.select_related("province"):
        rows["batch", b.province.code, b.sector, b.step] = (b.status, b.submitted_at, b.approved_at)
    for a in Allocation.objects.select_related("enterprise"):
        rows["allocation", a.enterprise.uscc] = (
            a.pre_allocated, a.determined, a.to_issue, a.issued, a.updated_at,
        )  # fmt: skip
    for s in Settlement.objects.select_related("enterprise"):
        rows["settlement", s.enterprise.uscc] = (s.status, s.settled_on, s.surrenders.count())
    for r in EvaluationRound.objects.select_related("province"):
        rows["evaluation", r.province.code] = (r.status, r.evaluations.count(), r.updated_at)
    rows["counts"] = tuple(
        model.objects.count()
        for model in (AnnualReport, Institution, User, Surrender, AnnualEmissions, Obligation)
    )
    rows["met"] = tuple(
        Obligation.objects.filter(status__in=("met_on_time", "met_late"))
        .values_list("pk", "met_at", "fulfilment")
        .order_by("pk")
    )
    return rows


def test_running_it_again_changes_nothing(seeded):
    before = snapshot()

    output = seed()

    assert snapshot() == before
    assert "verification of 2025: 0 assignments created" in output
    assert "batches approved: 0 pre-allocations, 0 determinations, 0 issuances" in output
    assert "0 settlements opened, 0 settled, 0 partly surrendered" in output


def test_the_api_bulk_snapshots_are_built_for_this_year_and_last(seeded):
    assert "API bulk snapshots: 30 built" in seeded
    built = Snapshot.objects.all()
    datasets = {row.dataset for row in built}
    assert len(datasets) == 5
    assert {(row.year, row.province.code if row.province else None) for row in built} == {
        (year, code) for year in (2026, 2025) for code in (None, *demo.SMALL_PROVINCES)
    }
    assert {row.status for row in built} == {SnapshotStatus.READY}
    national = built.get(dataset="allowances", year=2025, province=None)
    allocations = next(f for f in national.manifest["files"] if f["name"] == "allocations.csv")
    assert allocations["rows"] == Allocation.objects.filter(year=2025).count() > 0
    shandong = built.get(dataset="units", year=2026, province__code="370000")
    enterprises = next(f for f in shandong.manifest["files"] if f["name"] == "enterprises.csv")
    assert enterprises["rows"] == Enterprise.objects.filter(province__code="370000").count()


def test_snapshots_built_once_are_kept(seeded):
    result = demo.seed_snapshots("small", today=TODAY)
    assert (result.built, result.kept, result.failed) == (0, 30, [])
