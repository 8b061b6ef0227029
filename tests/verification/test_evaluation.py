"""The yearly evaluation of verification institutions: the services (what is in scope, the
stored figures, the checklist, four eyes, publication meeting the obligation, a published round
never changing, spot checks), the staff pages, and the public pages with their downloads."""

import io
import re
import subprocess
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from accounts.scoping import actor_for
from core.errors import DomainError, NotFound, PermissionDenied
from core.models import AuditAction, AuditEvent
from deadlines.models import Obligation, ObligationStatus
from tests.factories import accounts as users
from tests.factories.verification import InstitutionFactory
from tests.factories.verification_evaluation import (
    TWO_OF_THREE,
    evaluation_row,
    hand_example,
    scheme,
    verified_report,
)
from verification import evaluation as services
from verification import evaluation_figures, spot_checks
from verification.models import (
    AssignmentStatus,
    EvaluationRound,
    EvaluationScheme,
    EvaluationStatus,
    InstitutionEvaluation,
    SpotCheck,
)
from verification.policy_2026 import SCHEME_2026

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_as(client_as):
    """Pages in English unless a test asks for another language."""

    def login(user):
        client = client_as(user)
        client.defaults.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
        return client

    return login


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English (the site's default language is Chinese); pages follow
    the request's language."""
    with translation.override("en"):
        yield


SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = 2026
NOW = datetime(2026, 11, 10, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def approver(shandong):
    return users.staff(shandong, username="shandong-approver")


@pytest.fixture
def small_institution(shandong):
    return InstitutionFactory(provinces=[shandong], name_zh="山东小型核查机构")


@pytest.fixture
def records(shandong, guangdong, institution, small_institution):
    """Shandong: the hand example by `institution`, four reports by a small institution, and
    what is out of scope; Guangdong: a report by the same institution."""
    example = hand_example(institution, shandong)
    small = [verified_report(small_institution, shandong) for _ in range(4)]
    out_of_scope = [
        verified_report(institution, shandong, year=2024),
        verified_report(institution, shandong, status=AssignmentStatus.WITHDRAWN),
        verified_report(institution, shandong, status=AssignmentStatus.ASSIGNED),
        verified_report(institution, shandong, status=AssignmentStatus.RETURNED),
        verified_report(institution, guangdong),
    ]
    return {"example": example, "small": small, "out_of_scope": out_of_scope}


def prepared(staff, shandong) -> EvaluationRound:
    return services.prepare(actor=actor_for(staff), province=shandong, year=YEAR)


def answered(round_, staff, answers=None) -> EvaluationRound:
    for evaluation in round_.evaluations.all():
        services.answer_checklist(
            actor=actor_for(staff), evaluation=evaluation, answers=answers or TWO_OF_THREE
        )
    return round_


def submitted(staff, shandong) -> EvaluationRound:
    round_ = answered(prepared(staff, shandong), staff)
    return services.submit(actor=actor_for(staff), round=round_)


def published(staff, approver, shandong) -> EvaluationRound:
    round_ = submitted(staff, shandong)
    return services.approve_and_publish(actor=actor_for(approver), round=round_)


def of(round_, institution) -> InstitutionEvaluation:
    return round_.evaluations.get(institution=institution)


def events(target, action=None):
    found = AuditEvent.objects.for_target(target)
    return found.filter(action=action) if action else found


# --- preparing ------------------------------------------------------------------------------------


def test_prepare_scores_the_hand_computed_example_from_the_records(
    records, shandong, shandong_staff, institution
):
    round_ = prepared(shandong_staff, shandong)

    evaluation = of(round_, institution)
    assert round_.status == EvaluationStatus.DRAFT
    assert round_.scheme.year == 2026
    assert evaluation.reports == 6
    assert evaluation.timeliness == Decimal("25.00")
    assert evaluation.quality == Decimal("43.33")
    assert evaluation.compliance == Decimal("0.00"), "no checklist item answered yet"

    services.answer_checklist(
        actor=actor_for(shandong_staff), evaluation=evaluation, answers=TWO_OF_THREE
    )
    evaluation.refresh_from_db()
    assert (evaluation.compliance, evaluation.total, evaluation.grade) == (
        Decimal("13.33"),
        Decimal("81.66"),
        "good",
    )


def test_prepare_covers_last_years_concluded_reports_of_the_province_only(
    records, shandong, shandong_staff, institution, small_institution
):
    round_ = prepared(shandong_staff, shandong)

    evaluation = of(round_, institution)
    covered = {row["assignment"] for row in evaluation.inputs["reports"]}
    assert covered == {str(a.public_id) for a in records["example"]}
    assert of(round_, small_institution).reports == 4
    assert round_.evaluations.count() == 2


def test_the_stored_figures_reproduce_the_result(records, shandong, shandong_staff, institution):
    round_ = answered(prepared(shandong_staff, shandong), shandong_staff)
    evaluation = of(round_, institution)
    upheld = next(row for row in evaluation.inputs["reports"] if row["objection_upheld"])

    again = evaluation_figures.recompute(evaluation)

    assert (again.timeliness, again.quality, again.compliance, again.total, again.grade) == (
        evaluation.timeliness,
        evaluation.quality,
        evaluation.compliance,
        evaluation.total,
        evaluation.grade,
    )
    assert upheld["score"] == "80.00"
    assert upheld["due_date"] == "2026-06-30"
    assert evaluation.inputs["rubric"]["weights"] == SCHEME_2026["weights"]


def test_too_few_reports_are_shown_but_not_graded(
    records, shandong, shandong_staff, small_institution
):
    round_ = answered(prepared(shandong_staff, shandong), shandong_staff)

    small = of(round_, small_institution)
    assert small.reports == 4
    assert small.total == Decimal("93.33")  # 30 + 50 + 13.33
    assert small.grade == ""


def test_a_veto_item_not_met_fails_the_institution(records, shandong, shandong_staff, institution):
    round_ = prepared(shandong_staff, shandong)

    services.answer_checklist(
        actor=actor_for(shandong_staff),
        evaluation=of(round_, institution),
        answers={**TWO_OF_THREE, "independence": False},
    )

    evaluation = of(round_, institution)
    assert evaluation.vetoed
    assert evaluation.grade == "fail"
    assert evaluation.total == Decimal("81.66")


def test_recalculating_a_draft_keeps_the_answers_and_takes_in_new_findings(
    records, shandong, shandong_staff, approver, institution
):
    round_ = answered(prepared(shandong_staff, shandong), shandong_staff)
    clean = records["example"][3]
    spot_checks.record_spot_check(
        actor=actor_for(shandong_staff),
        assignment=clean,
        checked_on=date(2026, 11, 9),
        deviation_found=True,
        deviation_tonnes=Decimal("30000"),
        note="燃煤低位发热量取值错误",
    )

    again = services.prepare(actor=actor_for(approver), province=shandong, year=YEAR)

    assert again.pk == round_.pk
    assert again.prepared_by == approver
    evaluation = of(again, institution)
    assert evaluation.checklist == TWO_OF_THREE
    # One more report at 60: (80 + 80 + 60 + 60 + 100 + 100) / 6 = 80 -> 50 x 0.8 = 40.
    assert evaluation.quality == Decimal("40.00")
    assert events(again, AuditAction.CALCULATE).count() == 2


def test_prepare_refuses_a_year_with_nothing_to_evaluate(shandong, shandong_staff):
    with pytest.raises(DomainError, match="nothing to evaluate"):
        prepared(shandong_staff, shandong)
    assert not EvaluationRound.objects.exists()


def test_the_scheme_is_the_latest_of_the_year_or_before_else_the_earliest():
    later = EvaluationScheme.objects.create(
        year=2028, **{k: v for k, v in SCHEME_2026.items() if k not in ("year", "source")}
    )
    assert evaluation_figures.scheme_for(2027) == scheme(2026)
    assert evaluation_figures.scheme_for(2029) == later
    assert evaluation_figures.scheme_for(2020) == scheme(2026)


# --- the checklist --------------------------------------------------------------------------------


def test_unknown_checklist_items_are_refused_and_nothing_changes(
    records, shandong, shandong_staff, institution
):
    round_ = prepared(shandong_staff, shandong)
    evaluation = of(round_, institution)

    with pytest.raises(DomainError, match="no item made_up"):
        services.answer_checklist(
            actor=actor_for(shandong_staff),
            evaluation=evaluation,
            answers={"staffing": True, "made_up": True},
        )
    evaluation.refresh_from_db()
    assert evaluation.checklist == {}


def test_answers_are_audited(records, shandong, shandong_staff, institution):
    round_ = prepared(shandong_staff, shandong)
    evaluation = of(round_, institution)

    services.answer_checklist(
        actor=actor_for(shandong_staff), evaluation=evaluation, answers={"staffing": True}
    )

    event = events(evaluation, AuditAction.UPDATE).get()
    assert event.changes["checklist.staffing"] == {"before": None, "after": True}
    assert event.changes["compliance"] == {"before": "0.00", "after": "6.67"}
    assert event.actor == shandong_staff


# --- the workflow ---------------------------------------------------------------------------------


def test_submit_needs_every_checklist_item_answered(
    records, shandong, shandong_staff, small_institution
):
    round_ = prepared(shandong_staff, shandong)
    services.answer_checklist(
        actor=actor_for(shandong_staff),
        evaluation=of(round_, small_institution),
        answers=TWO_OF_THREE,
    )

    with pytest.raises(DomainError, match="测试核查技术服务机构"):
        services.submit(actor=actor_for(shandong_staff), round=round_)
    round_.refresh_from_db()
    assert round_.status == EvaluationStatus.DRAFT


def test_the_preparer_cannot_approve(records, shandong, shandong_staff):
    round_ = submitted(shandong_staff, shandong)

    with pytest.raises(DomainError, match="other than the one who prepared or submitted"):
        services.approve_and_publish(actor=actor_for(shandong_staff), round=round_)
    round_.refresh_from_db()
    assert round_.status == EvaluationStatus.SUBMITTED
    assert round_.published_at is None


def test_whoever_submitted_cannot_approve_either(records, shandong, shandong_staff, approver):
    round_ = answered(prepared(shandong_staff, shandong), shandong_staff)
    services.submit(actor=actor_for(approver), round=round_)

    with pytest.raises(DomainError, match="other than the one who prepared or submitted"):
        services.approve_and_publish(actor=actor_for(approver), round=round_)

    third = users.staff(shandong, username="shandong-third")
    services.approve_and_publish(actor=actor_for(third), round=round_)
    round_.refresh_from_db()
    assert round_.status == EvaluationStatus.PUBLISHED
    assert round_.approved_by == third


def test_publication_meets_the_provinces_evaluation_obligation(
    records, shandong, shandong_staff, approver
):
    round_ = published(shandong_staff, approver, shandong)

    assert round_.status == EvaluationStatus.PUBLISHED
    assert round_.approved_by == approver
    assert round_.published_at == NOW
    obligation = Obligation.objects.get(
        kind="institution_evaluation", province=shandong, enterprise__isnull=True
    )
    assert obligation.period_start == date(2025, 1, 1)
    assert obligation.due_on == date(2026, 11, 30)
    assert obligation.status == ObligationStatus.MET_ON_TIME
    assert obligation.met_at == NOW
    assert obligation.fulfilment == f"verification.evaluationround:{round_.pk}"
    assert [e.changes["status"]["after"] for e in events(round_, AuditAction.STATUS)] == [
        "published",
        "submitted",
    ]


def test_a_published_round_is_never_changed(
    records, shandong, shandong_staff, approver, institution
):
    round_ = published(shandong_staff, approver, shandong)
    evaluation = of(round_, institution)
    before = (evaluation.total, evaluation.grade, dict(evaluation.checklist), evaluation.inputs)
    verified_report(institution, shandong, deviations=2)
    staff = actor_for(shandong_staff)

    for attempt in (
        lambda: services.prepare(actor=staff, province=shandong, year=YEAR),
        lambda: services.answer_checklist(
            actor=staff, evaluation=evaluation, answers={"staffing": False}
        ),
        lambda: services.submit(actor=staff, round=round_),
        lambda: services.return_to_draft(actor=staff, round=round_, comment="重新评估"),
        lambda: services.approve_and_publish(actor=actor_for(approver), round=round_),
    ):
        with pytest.raises(DomainError, match="published"):
            attempt()

    evaluation.refresh_from_db()
    assert (evaluation.total, evaluation.grade, evaluation.checklist, evaluation.inputs) == before
    round_.refresh_from_db()
    assert round_.status == EvaluationStatus.PUBLISHED


def test_return_to_draft_needs_a_comment_and_reopens_the_draft(
    records, shandong, shandong_staff, approver, institution
):
    round_ = submitted(shandong_staff, shandong)

    with pytest.raises(DomainError) as refused:
        services.return_to_draft(actor=actor_for(approver), round=round_, comment="  ")
    assert refused.value.field == "comment"

    services.return_to_draft(actor=actor_for(approver), round=round_, comment="请补充抽查记录")
    round_.refresh_from_db()
    assert round_.status == EvaluationStatus.DRAFT
    assert round_.submitted_at is None
    assert events(round_, AuditAction.STATUS).first().note == "请补充抽查记录"
    services.answer_checklist(
        actor=actor_for(shandong_staff),
        evaluation=of(round_, institution),
        answers={"archiving": True},
    )
    assert of(round_, institution).compliance == Decimal("20.00")


def test_another_provinces_staff_reaches_nothing(
    records, shandong, shandong_staff, guangdong_staff, jinan_staff, institution
):
    round_ = answered(prepared(shandong_staff, shandong), shandong_staff)
    other = actor_for(guangdong_staff)

    with pytest.raises(PermissionDenied):
        services.prepare(actor=other, province=shandong, year=YEAR)
    with pytest.raises(PermissionDenied):
        services.prepare(actor=actor_for(jinan_staff), province=shandong, year=YEAR)
    with pytest.raises(NotFound):
        services.answer_checklist(
            actor=other, evaluation=of(round_, institution), answers={"staffing": False}
        )
    with pytest.raises(NotFound):
        services.submit(actor=other, round=round_)

    round_.refresh_from_db()
    assert round_.status == EvaluationStatus.DRAFT
    assert of(round_, institution).checklist == TWO_OF_THREE


# --- spot checks ----------------------------------------------------------------------------------


def spot_check(actor, assignment, **changes):
    fields = {
        "checked_on": date(2026, 11, 9),
        "deviation_found": True,
        "deviation_tonnes": Decimal("12000.50"),
        "note": "抽查发现排放量偏差超过10%",
        **changes,
    }
    return spot_checks.record_spot_check(actor=actor, assignment=assignment, **fields)


def test_staff_record_a_spot_check_of_a_confirmed_verification(
    shandong, jinan_staff, shandong_staff, institution
):
    assignment = verified_report(institution, shandong)

    check = spot_check(actor_for(shandong_staff), assignment)

    assert check.recorded_by == shandong_staff
    assert check.deviation_tonnes == Decimal("12000.50")
    event = events(check, AuditAction.CREATE).get()
    assert event.changes["deviation_found"] == {"before": None, "after": True}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"checked_on": None}, "checked_on"),
        ({"checked_on": date(2026, 11, 11)}, "checked_on"),  # tomorrow
        ({"checked_on": date(2026, 7, 1)}, "checked_on"),  # before the confirmation
        ({"deviation_tonnes": Decimal("-1")}, "deviation_tonnes"),
        ({"note": " "}, "note"),
    ],
)
def test_a_spot_check_with_bad_input_is_refused_naming_the_field(
    shandong, shandong_staff, institution, changes, field
):
    assignment = verified_report(institution, shandong)

    with pytest.raises(DomainError) as refused:
        spot_check(actor_for(shandong_staff), assignment, **changes)

    assert refused.value.field == field
    assert not SpotCheck.objects.exists()


def test_only_a_confirmed_verification_is_spot_checked(shandong, shandong_staff, institution):
    assignment = verified_report(institution, shandong, status=AssignmentStatus.CONCLUDED)

    with pytest.raises(DomainError, match="confirmed"):
        spot_check(actor_for(shandong_staff), assignment)
    assert not SpotCheck.objects.exists()


def test_spot_checks_are_the_provinces_staffs(
    shandong, guangdong_staff, verifier_user, institution
):
    assignment = verified_report(institution, shandong)

    with pytest.raises(NotFound):
        spot_check(actor_for(guangdong_staff), assignment)
    with pytest.raises(PermissionDenied):
        spot_check(actor_for(verifier_user), assignment)
    assert not SpotCheck.objects.exists()


# --- staff pages ----------------------------------------------------------------------------------


def url(name, **kwargs):
    return reverse(f"verification:{name}", kwargs=kwargs)


@pytest.mark.parametrize(("language", "words"), [("en", "Prepare"), ("zh-hans", "山东省")])
def test_the_rounds_page_lists_the_provinces_rounds_and_offers_to_prepare(
    client_as, records, shandong, shandong_staff, guangdong, guangdong_staff, language, words
):
    prepared(shandong_staff, shandong)
    EvaluationRound.objects.create(
        province=guangdong, year=YEAR, scheme=scheme(), prepared_by=guangdong_staff
    )

    response = client_as(shandong_staff).get(url("evaluations"), HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    text = response.content.decode()
    assert words in text
    assert url("evaluation-prepare") in text
    assert str(EvaluationRound.objects.get(province=shandong).public_id) in text
    assert str(EvaluationRound.objects.get(province=guangdong).public_id) not in text


def test_the_rounds_page_is_for_staff(client_as, verifier_user, shandong_enterprise_user):
    for user in (verifier_user, shandong_enterprise_user):
        assert client_as(user).get(url("evaluations")).status_code == 403


def test_the_rounds_page_query_count_does_not_grow_with_rounds(
    client_as, shandong, shandong_staff, django_assert_num_queries
):
    client = client_as(shandong_staff)
    for years in ((2024,), (2021, 2022, 2023, 2025)):
        for year in years:
            EvaluationRound.objects.create(
                province=shandong, year=year, scheme=scheme(), prepared_by=shandong_staff
            )
        with django_assert_num_queries(9):
            assert client.get(url("evaluations")).status_code == 200


def test_prepare_page_creates_the_draft(client_as, records, shandong, shandong_staff):
    response = client_as(shandong_staff).post(
        url("evaluation-prepare"), {"province": "370000", "year": YEAR}
    )

    round_ = EvaluationRound.objects.get(province=shandong, year=YEAR)
    assert response.status_code == 302
    assert response.url == round_.get_absolute_url()


@pytest.mark.parametrize(
    "data", [{"province": "370000", "year": ""}, {"province": "370000", "year": 2024}]
)
def test_prepare_page_with_bad_input_says_why(client_as, records, shandong_staff, data):
    response = client_as(shandong_staff).post(url("evaluation-prepare"), data)

    assert response.status_code == 400
    assert not EvaluationRound.objects.exists()
    if data["year"] == 2024:
        assert "nothing to evaluate" in response.content.decode()


def test_prepare_page_for_another_province_is_404(client_as, records, guangdong_staff):
    response = client_as(guangdong_staff).post(
        url("evaluation-prepare"), {"province": "370000", "year": YEAR}
    )

    assert response.status_code == 404
    assert not EvaluationRound.objects.exists()


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", ["Compliance checklist", "Good", "Not graded"]), ("zh-hans", ["良好"])],
)
def test_the_round_page_shows_every_institution_in_both_languages(
    client_as, records, shandong, shandong_staff, institution, small_institution, language, words
):
    round_ = answered(prepared(shandong_staff, shandong), shandong_staff)

    response = client_as(shandong_staff).get(
        round_.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 200
    text = response.content.decode()
    for expected in [institution.name_zh, small_institution.name_zh, "81.66", "43.33", *words]:
        assert expected in text
    assert url("evaluation-submit", public_id=round_.public_id) in text


def test_the_round_page_is_404_for_another_province_and_verifiers(
    client_as, records, shandong, shandong_staff, guangdong_staff, verifier_user
):
    round_ = prepared(shandong_staff, shandong)

    for user in (guangdong_staff, verifier_user):
        assert client_as(user).get(round_.get_absolute_url()).status_code == 404


def test_the_round_page_query_count_does_not_grow_with_institutions(
    client_as, shandong, shandong_staff, django_assert_num_queries
):
    round_ = EvaluationRound.objects.create(
        province=shandong, year=YEAR, scheme=scheme(), prepared_by=shandong_staff
    )
    client = client_as(shandong_staff)
    for size in (1, 5):
        while round_.evaluations.count() < size:
            evaluation_row(round_, InstitutionFactory(provinces=[shandong]))
        with django_assert_num_queries(11):
            assert client.get(round_.get_absolute_url()).status_code == 200


def test_checklist_page_saves_the_answers(
    client_as, records, shandong, shandong_staff, institution
):
    round_ = prepared(shandong_staff, shandong)
    data = {
        "institution": institution.public_id,
        "independence": "met",
        "no_falsification": "met",
        "staffing": "met",
        "procedure": "met",
        "archiving": "not_met",
    }

    response = client_as(shandong_staff).post(
        url("evaluation-checklist", public_id=round_.public_id), data
    )

    assert response.status_code == 302
    assert of(round_, institution).checklist == TWO_OF_THREE
    assert of(round_, institution).total == Decimal("81.66")


def test_checklist_page_with_bad_input_saves_nothing(
    client_as, records, shandong, shandong_staff, institution
):
    round_ = prepared(shandong_staff, shandong)

    response = client_as(shandong_staff).post(
        url("evaluation-checklist", public_id=round_.public_id),
        {"institution": institution.public_id, "staffing": "perhaps", "independence": "met"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert of(round_, institution).checklist == {}


def test_checklist_page_for_another_province_or_institution_is_404(
    client_as, records, shandong, shandong_staff, guangdong_staff, institution
):
    round_ = prepared(shandong_staff, shandong)
    target = url("evaluation-checklist", public_id=round_.public_id)

    other = client_as(guangdong_staff).post(
        target, {"institution": institution.public_id, "staffing": "not_met"}
    )
    assert other.status_code == 404
    stranger = InstitutionFactory()
    missing = client_as(shandong_staff).post(
        target, {"institution": stranger.public_id, "staffing": "not_met"}
    )
    assert missing.status_code == 404
    assert of(round_, institution).checklist == {}


def test_submit_page(client_as, records, shandong, shandong_staff, guangdong_staff):
    round_ = prepared(shandong_staff, shandong)
    client = client_as(shandong_staff)
    target = url("evaluation-submit", public_id=round_.public_id)

    unanswered = client.post(target)
    assert unanswered.status_code == 400
    assert "Answer every compliance checklist item" in unanswered.content.decode()

    answered(round_, shandong_staff)
    assert client_as(guangdong_staff).post(target).status_code == 404
    round_.refresh_from_db()
    assert round_.status == EvaluationStatus.DRAFT

    assert client_as(shandong_staff).post(target).status_code == 302
    round_.refresh_from_db()
    assert round_.status == EvaluationStatus.SUBMITTED


def test_publish_page_four_eyes(
    client_as, records, shandong, shandong_staff, approver, guangdong_staff
):
    round_ = submitted(shandong_staff, shandong)
    target = url("evaluation-publish", public_id=round_.public_id)

    own = client_as(shandong_staff).post(target)
    assert own.status_code == 400
    assert "other than the one who prepared or submitted" in own.content.decode()
    assert client_as(guangdong_staff).post(target).status_code == 404
    round_.refresh_from_db()
    assert round_.status == EvaluationStatus.SUBMITTED

    page = client_as(approver).get(round_.get_absolute_url())
    assert target in page.content.decode()
    assert client_as(approver).post(target).status_code == 302
    round_.refresh_from_db()
    assert round_.status == EvaluationStatus.PUBLISHED


def test_return_page(client_as, records, shandong, shandong_staff, approver, guangdong_staff):
    round_ = submitted(shandong_staff, shandong)
    target = url("evaluation-return", public_id=round_.public_id)

    assert client_as(approver).post(target, {"comment": ""}).status_code == 400
    assert client_as(guangdong_staff).post(target, {"comment": "退回"}).status_code == 404
    round_.refresh_from_db()
    assert round_.status == EvaluationStatus.SUBMITTED

    assert client_as(approver).post(target, {"comment": "请核对"}).status_code == 302
    round_.refresh_from_db()
    assert round_.status == EvaluationStatus.DRAFT


def test_spot_check_page_records_and_goes_back_to_the_assignment(
    client_as, shandong, shandong_staff, institution
):
    assignment = verified_report(institution, shandong)
    target = url("spot-check-add", public_id=assignment.public_id)
    client = client_as(shandong_staff)

    form = client.get(target, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert form.status_code == 200
    response = client.post(
        target,
        {
            "checked_on": "2026-11-09",
            "deviation_found": "on",
            "deviation_tonnes": "15000",
            "note": "偏差超过1000吨",
        },
    )

    assert response.status_code == 302
    assert response.url == assignment.get_absolute_url()
    check = SpotCheck.objects.get()
    assert (check.assignment, check.deviation_found) == (assignment, True)


@pytest.mark.parametrize(
    "data",
    [
        {"checked_on": "", "note": "x"},
        {"checked_on": "2026-11-09", "deviation_found": "on", "note": ""},
    ],
)
def test_spot_check_page_with_bad_input_shows_the_form_again(
    client_as, shandong, shandong_staff, institution, data
):
    assignment = verified_report(institution, shandong)

    response = client_as(shandong_staff).post(
        url("spot-check-add", public_id=assignment.public_id), data
    )

    assert response.status_code == 400
    assert 'name="checked_on"' in response.content.decode()
    assert not SpotCheck.objects.exists()


def test_spot_check_page_for_others(
    client_as, shandong, guangdong_staff, verifier_user, institution
):
    assignment = verified_report(institution, shandong)
    target = url("spot-check-add", public_id=assignment.public_id)
    data = {"checked_on": "2026-11-09", "note": "x"}
    other_verifier = users.verifier(InstitutionFactory(), username="other-verifier")

    assert client_as(guangdong_staff).post(target, data).status_code == 404
    assert client_as(other_verifier).post(target, data).status_code == 404
    assert client_as(verifier_user).post(target, data).status_code == 403
    assert not SpotCheck.objects.exists()


# --- public pages ---------------------------------------------------------------------------------


def public(name, **kwargs):
    return reverse(f"evaluations:{name}", kwargs=kwargs)


@pytest.fixture
def published_round(records, shandong, shandong_staff, approver):
    return published(shandong_staff, approver, shandong)


@pytest.fixture
def draft_round(guangdong, guangdong_staff):
    institution = InstitutionFactory(provinces=[guangdong], name_zh="广东草稿核查机构")
    for _ in range(5):
        verified_report(institution, guangdong)
    return services.prepare(actor=actor_for(guangdong_staff), province=guangdong, year=YEAR)


def test_the_public_index_shows_published_rounds_only(client, published_round, draft_round):
    response = client.get(public("index"))

    assert response.status_code == 200
    text = response.content.decode()
    assert public("province", year=YEAR, code="370000") in text
    assert "440000" not in text


@pytest.mark.parametrize(("language", "grade"), [("en", "Good"), ("zh-hans", "良好")])
def test_the_public_province_page(client, published_round, institution, language, grade):
    response = client.get(
        public("province", year=YEAR, code="370000"), HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 200
    text = response.content.decode()
    for expected in (institution.name_zh, "25.00", "43.33", "13.33", "81.66", grade):
        assert expected in text


def test_drafts_and_submitted_rounds_are_not_public(
    client, draft_round, records, shandong, shandong_staff
):
    submitted(shandong_staff, shandong)
    for code in ("440000", "370000"):
        for name in ("province", "province-xlsx", "province-pdf"):
            assert client.get(public(name, year=YEAR, code=code)).status_code == 404
    assert client.get(public("province", year=YEAR, code="999999")).status_code == 404


def test_the_xlsx_has_chinese_headers_and_the_figures(client, published_round, institution):
    response = client.get(public("province-xlsx", year=YEAR, code="370000"))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "山东省2026年度核查技术服务机构评估结果" in rows[0][0]
    assert rows[2][:5] == (
        "序号",
        "核查技术服务机构",
        "统一社会信用代码",
        "核查报告数（份）",
        "及时性（30分）",
    )
    first = rows[3]
    assert first[1] == institution.name_zh
    assert first[3:9] == (6, 25, 43.33, 13.33, 81.66, "良好")
    small = rows[4]
    assert small[8] == "不予评级"
    assert "报告数少于5份" in small[9]


def test_the_pdf_is_an_official_chinese_document_with_the_figures(
    client, published_round, institution
):
    response = client.get(public("province-pdf", year=YEAR, code="370000"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    done = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    )
    text = re.sub(r"\s+", "", done.stdout.decode())
    for expected in (
        "山东省2026年度核查技术服务机构评估结果",
        institution.name_zh,
        "81.66",
        "43.33",
        "良好",
        "不予评级",
    ):
        assert expected in text


def test_public_pages_query_counts_do_not_grow_with_rows(
    client, shandong, shandong_staff, approver, django_assert_num_queries
):
    for year, size in ((2025, 1), (2026, 5)):
        round_ = EvaluationRound.objects.create(
            province=shandong,
            year=year,
            scheme=scheme(),
            prepared_by=shandong_staff,
            status=EvaluationStatus.PUBLISHED,
            approved_by=approver,
            published_at=NOW,
        )
        for _ in range(size):
            evaluation_row(round_, InstitutionFactory(provinces=[shandong]))
        with django_assert_num_queries(1):
            assert client.get(public("index")).status_code == 200
        with django_assert_num_queries(2):
            assert client.get(public("province", year=year, code="370000")).status_code == 200
        with django_assert_num_queries(2):
            assert client.get(public("province-xlsx", year=year, code="370000")).status_code == 200
