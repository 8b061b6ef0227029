"""seed_demo's monthly certifications: a realistic year, in step with the demo calendar, and what
the services would have made of the same figures."""

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Membership, Role, User
from accounts.scoping import actor_for
from deadlines.models import Obligation, ObligationStatus
from reporting import selectors, services, validation
from reporting.calculation import compute
from reporting.models import MonthlyCertification, Severity, SubmissionStatus, ValidationFinding
from units import demo

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 27)
MET = (ObligationStatus.MET_ON_TIME, ObligationStatus.MET_LATE)
STANDING = (SubmissionStatus.SUBMITTED, SubmissionStatus.RETURNED, SubmissionStatus.ACCEPTED)


def seed(today: date = TODAY) -> str:
    out = StringIO()
    call_command("seed_demo", "--scale", "small", "--today", today.isoformat(), stdout=out)
    return out.getvalue()


def certifications():
    return MonthlyCertification.objects.select_related("enterprise__province", "schema")


def obligations() -> dict[tuple[int, int], Obligation]:
    rows = Obligation.objects.filter(kind="monthly_certification", period_start__year=2026)
    return {(row.enterprise_id, row.period_start.month): row for row in rows}


def snapshot() -> dict[tuple, tuple]:
    """Every version and its findings, keyed by what it is rather than by database ids."""
    findings: dict[int, list] = {}
    for row in ValidationFinding.objects.values_list(
        "certification_id", "rule", "item_code", "severity", "params", "waived_at"
    ):
        findings.setdefault(row[0], []).append(row[1:])
    return {
        (c.enterprise.uscc, c.year, c.month, c.version): (
            c.status, c.values, c.explanations, str(c.emissions), c.calculation,
            c.submitted_at, c.reviewed_at, c.review_comment, c.created_at, c.updated_at,
            c.supersedes.version if c.supersedes else None,
            sorted(findings.get(c.pk, []), key=repr),
        )
        for c in certifications().select_related("supersedes")
    }  # fmt: skip


def test_both_provinces_have_a_year_of_certifications_with_every_outcome():
    output = seed()

    assert "monthly certifications:" in output
    for code in demo.SMALL_PROVINCES:
        rows = certifications().filter(enterprise__province__code=code)
        statuses = Counter(rows.values_list("status", flat=True))
        assert statuses[SubmissionStatus.ACCEPTED] > 100
        assert statuses[SubmissionStatus.RETURNED] >= 1
        assert statuses[SubmissionStatus.SUPERSEDED] >= 1  # returned, then corrected
        assert statuses[SubmissionStatus.DRAFT] >= 1
        assert set(rows.values_list("enterprise__industry__sector", flat=True)) == {
            "power",
            "steel",
            "cement",
            "aluminium",
        }
        assert set(rows.values_list("month", flat=True)) == set(range(1, 11))
    everything = Counter(certifications().values_list("status", flat=True))
    assert everything[SubmissionStatus.SUBMITTED] >= 1  # waiting in the review queue
    submitted = certifications().exclude(status=SubmissionStatus.DRAFT)
    # Mostly accepted; about one in ten returned; a few with warnings explained.
    assert (
        0.05
        <= submitted.filter(version=1).exclude(review_comment="").count()
        / (submitted.filter(version=1).count())
        <= 0.2
    )
    warned = submitted.filter(findings__severity=Severity.WARNING).distinct()
    assert 0.02 <= warned.count() / submitted.count() <= 0.2
    rules = set(warned.values_list("findings__rule", flat=True))
    assert {"month_over_month", "missing_previous_month"} <= rules
    assert ValidationFinding.objects.exclude(waived_at=None).exists()


def test_months_submitted_late_are_the_calendars_late_ones():
    seed()

    due = obligations()
    late = on_time = 0
    for certification in certifications().filter(version=1).exclude(submitted_at=None):
        obligation = due[certification.enterprise_id, certification.month]
        assert obligation.status in MET
        assert obligation.met_at == certification.submitted_at
        submitted_on = timezone.localtime(certification.submitted_at).date()
        if obligation.status == ObligationStatus.MET_LATE:
            assert submitted_on > obligation.due_on
            late += 1
        else:
            assert submitted_on <= obligation.due_on
            on_time += 1
    assert late >= 10
    assert on_time > 5 * late


def test_every_met_monthly_obligation_has_its_submission_and_no_other_month_does():
    seed()

    submitted = {
        (c.enterprise_id, c.month)
        for c in certifications().filter(version=1).exclude(submitted_at=None)
    }
    for key, obligation in obligations().items():
        if obligation.due_on < TODAY and obligation.status in MET:
            assert key in submitted, obligation
        else:
            assert key not in submitted, obligation
    # The month just ended (due December 10) has drafts, and nothing submitted yet.
    october = certifications().filter(month=10)
    assert set(october.values_list("status", flat=True)) == {SubmissionStatus.DRAFT}


def test_each_version_holds_what_the_services_validation_finds_in_it():
    seed()

    for certification in certifications():
        items = list(certification.schema.items.all())
        # The services' own context: the month before's standing version and the threshold.
        values, found = validation.validate(
            formula_version=certification.schema.formula_version,
            items=items,
            raw=certification.values,
            context=services._context(certification),
        )
        stored = certification.findings.all()
        assert sorted((f.rule, f.item_code, f.severity, f.params) for f in stored) == sorted(
            (f.rule, f.item_code, f.severity, f.params) for f in found
        ), certification
        errors = [f for f in found if f.severity == Severity.ERROR]
        if certification.status == SubmissionStatus.DRAFT:
            continue
        assert not errors, certification
        for finding in stored.filter(severity=Severity.WARNING):
            assert certification.explanations.get(finding.key) or finding.waived_at, finding
        calculation = compute(
            formula_version=certification.schema.formula_version, items=items, values=values
        )
        assert certification.emissions == calculation.total
        assert certification.formula_version == calculation.formula_version
        assert [line["tonnes"] for line in certification.calculation] == [
            str(line.tonnes) for line in calculation.lines
        ]


def test_the_figures_are_plausible_for_the_units_size():
    seed()

    for certification in certifications().exclude(status=SubmissionStatus.DRAFT):
        annual = certification.enterprise.annual_emissions.order_by("-year", "-source").first()
        monthly = float(annual.direct_emissions) / 12
        if certification.review_comment or certification.status == SubmissionStatus.SUBMITTED:
            continue  # a figure off, found by the review (or not reviewed yet)
        assert monthly * 0.2 < float(certification.emissions) < monthly * 1.6, certification
        if certification.enterprise.industry.sector == "power" and certification.reviewed_at:
            values = certification.values
            assert float(values["operating_hours"]) <= 744
            assert 0 < float(values["load_factor"]) <= 100
            assert float(values["power_supplied"]) < float(values["power_generated"])


def test_returned_versions_say_what_to_correct_and_the_correction_changes_just_that():
    seed()

    corrections = certifications().filter(version=2)
    assert corrections.exists()
    for correction in corrections:
        returned = correction.supersedes
        assert returned.status == SubmissionStatus.SUPERSEDED
        assert returned.review_comment
        assert returned.reviewed_at < correction.submitted_at
        changes = selectors.diff(correction)
        assert len(changes) == 1
        assert changes[0].after in returned.review_comment  # the figure the reviewer quoted
    for returned in certifications().filter(status=SubmissionStatus.RETURNED):
        assert returned.review_comment and returned.reviewed_by is not None


def test_versions_follow_the_state_machine_and_the_clock():
    seed()

    months = Counter()
    for certification in certifications().select_related("reviewed_by"):
        if certification.status in STANDING:
            months[certification.enterprise_id, certification.month] += 1
        assert certification.created_at <= certification.updated_at
        assert timezone.localtime(certification.updated_at).date() < TODAY
        period_end = date(2026, certification.month + 1, 1)
        assert timezone.localtime(certification.created_at).date() >= period_end
        if certification.submitted_at:
            assert certification.created_at <= certification.submitted_at
        if certification.reviewed_at:
            assert certification.submitted_at < certification.reviewed_at
            assert Membership.objects.filter(
                user=certification.reviewed_by,
                role=Role.PROVINCIAL_STAFF,
                province=certification.enterprise.province_id,
            ).exists()
        if certification.status in (SubmissionStatus.ACCEPTED, SubmissionStatus.RETURNED):
            assert certification.reviewed_at is not None
        if certification.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.DRAFT):
            assert certification.reviewed_at is None
    assert set(months.values()) == {1}


@pytest.mark.parametrize("username", ["ent-shandong", "ent-guangdong"])
def test_the_demo_logins_have_a_returned_month_and_a_month_to_do(username):
    seed()

    user = User.objects.get(username=username)
    actor = actor_for(user)
    mine = selectors.enterprise_certifications(actor=actor, year=2026)
    returned = mine.filter(status=SubmissionStatus.RETURNED)
    assert returned.exists()
    assert all(version.review_comment for version in returned)
    done = set(mine.exclude(status=SubmissionStatus.DRAFT).values_list("month", flat=True))
    to_do = [month for _year, month in selectors.months_to_certify(actor=actor, today=TODAY)]
    assert set(to_do) - done
    assert mine.exclude(submitted_by=None).exists()
    assert set(mine.exclude(submitted_by=None).values_list("submitted_by", flat=True)) == {user.pk}


def test_running_it_again_changes_nothing_and_e_mails_nothing():
    seed()
    before = snapshot()

    output = seed()

    assert snapshot() == before
    assert "monthly certifications: 0 versions created" in output
    assert mail.outbox == []


def test_the_choices_do_not_depend_on_database_ids():
    seed()
    first = snapshot()
    ValidationFinding.objects.all().delete()
    MonthlyCertification.objects.exclude(supersedes=None).delete()
    MonthlyCertification.objects.all().delete()

    seed()

    # The same story (created_at/updated_at included: they are the story's, not the clock's).
    assert snapshot() == first


def test_a_later_day_submits_what_the_calendar_has_met_since_and_keeps_the_rest():
    seed()
    before = snapshot()

    seed(date(2026, 12, 20))

    after = snapshot()
    october = obligations()
    met = [key for key, o in october.items() if key[1] == 10 and o.status in MET]
    assert met
    for enterprise_id, month in met:
        version = certifications().get(
            enterprise=enterprise_id, month=month, version=1, submitted_at__isnull=False
        )
        assert version.submitted_at == october[enterprise_id, month].met_at
    # Every version of the first day stays, but the drafts the calendar has since met.
    replaced = {key for key in before if after.get(key) != before[key]}
    assert replaced
    assert {before[key][0] for key in replaced} == {SubmissionStatus.DRAFT}
    assert {after[key][0] for key in replaced} <= {*STANDING}
