"""Monthly certifications through their services: the state machine, validation's hold on
submission, waivers, review, the calendar's obligation, evidence, scoping and the audit trail."""

import hashlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from core.errors import DomainError, NotFound, PermissionDenied
from core.models import AuditAction, AuditEvent, target_label
from deadlines.models import Obligation, ObligationStatus
from reporting import selectors, services
from reporting.models import (
    EvidenceFile,
    MonthlyCertification,
    Severity,
    SubmissionStatus,
    ValidationFinding,
)
from tests.factories import accounts as users
from tests.factories.units import EnterpriseFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 27)
JANUARY = 1  # no month before it to miss, so a plain month raises no warning
OCTOBER = 10
POWER = {
    "coal_consumption": "152384.6",
    "coal_ncv": "21.352",
    "coal_carbon_content": "0.02694",
    "coal_oxidation_rate": "98.6",
    "power_generated": "480000",
    "power_supplied": "451200",
    "operating_hours": "698",
    "load_factor": "71.6",
}
KJ_PER_KG = {**POWER, "coal_ncv": "20934"}  # a warning: out of the plausible range
SEPTEMBER_LATER = {"missing_previous_month:": "9月数据正在核对，将另行补报。"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English (the site's default language is Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def owner(shandong_enterprise_user, actor):
    return actor(shandong_enterprise_user)


@pytest.fixture
def staff(shandong_staff, actor):
    return actor(shandong_staff)


@pytest.fixture
def other_owner(shandong, jinan, actor):
    """The user of another enterprise in the same province and city."""
    neighbour = EnterpriseFactory(province=shandong, city=jinan, name_zh="山东邻厂")
    return actor(users.enterprise_user(neighbour, username="ent-neighbour"))


def draft(owner, enterprise, values=POWER, *, month=JANUARY, explanations=None):
    certification = services.start(
        actor=owner, enterprise=enterprise, year=2026, month=month, today=TODAY
    )
    services.save_values(
        actor=owner, certification=certification, values=values, explanations=explanations
    )
    certification.refresh_from_db()
    return certification


def submitted(owner, enterprise, values=POWER, **kwargs):
    certification = draft(owner, enterprise, values, **kwargs)
    return services.submit(actor=owner, certification=certification)


def reload(certification):
    return MonthlyCertification.objects.get(pk=certification.pk)


def pdf(name="lab.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def events(target) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            target_type=target_label(target), target_id=str(target.pk)
        ).order_by("id")
    )


def state(certification) -> tuple:
    """Everything a refused action must leave as it was."""
    row = reload(certification)
    return (
        row.status,
        row.values,
        row.explanations,
        row.emissions,
        row.review_comment,
        row.updated_at,
        sorted(
            ValidationFinding.objects.filter(certification=row).values_list("rule", "item_code")
        ),
        EvidenceFile.objects.filter(certification=row).count(),
        AuditEvent.objects.count(),
        MonthlyCertification.objects.count(),
    )


# --- Starting a month ------------------------------------------------------------------------


def test_start_makes_a_first_version_draft_and_returns_it_again(owner, shandong_enterprise):
    certification = services.start(
        actor=owner, enterprise=shandong_enterprise, year=2026, month=JANUARY, today=TODAY
    )
    again = services.start(
        actor=owner, enterprise=shandong_enterprise, year=2026, month=JANUARY, today=TODAY
    )

    assert again.pk == certification.pk
    assert (certification.version, certification.status) == (1, SubmissionStatus.DRAFT)
    assert certification.schema.sector == "power"
    assert certification.supersedes is None


@pytest.mark.parametrize(
    ("year", "month"), [(2026, 11), (2026, 12), (2027, 1), (2026, 0), (2026, 13)]
)
def test_start_refuses_a_month_that_has_not_ended(owner, shandong_enterprise, year, month):
    with pytest.raises(DomainError) as refused:
        services.start(
            actor=owner, enterprise=shandong_enterprise, year=year, month=month, today=TODAY
        )

    assert refused.value.field == "month"
    assert not MonthlyCertification.objects.exists()


def test_a_month_ends_at_midnight_in_beijing(owner, shandong_enterprise):
    def start():
        return services.start(actor=owner, enterprise=shandong_enterprise, year=2026, month=10)

    with time_machine.travel(at(2026, 10, 31, 23, 59), tick=False), pytest.raises(DomainError):
        start()
    # 00:01 on November 1 in Beijing is still October 31 in UTC.
    with time_machine.travel(at(2026, 11, 1, 0, 1), tick=False):
        assert start().month == 10


# --- No path edits a submitted version ---------------------------------------------------


@pytest.fixture
def in_state(owner, staff, shandong_enterprise):
    """A certification in the given status, reached through the services."""

    def make(status: str) -> MonthlyCertification:
        first = submitted(owner, shandong_enterprise)
        if status == SubmissionStatus.RETURNED:
            services.return_for_correction(actor=staff, certification=first, comment="核对煤量")
        elif status == SubmissionStatus.ACCEPTED:
            services.accept(actor=staff, certification=first)
        elif status == SubmissionStatus.SUPERSEDED:
            services.accept(actor=staff, certification=first)
            second = services.start(
                actor=owner, enterprise=shandong_enterprise, year=2026, month=JANUARY, today=TODAY
            )
            services.submit(actor=owner, certification=second)
        certification = reload(first)
        assert certification.status == status
        return certification

    return make


NOT_DRAFTS = [
    SubmissionStatus.SUBMITTED,
    SubmissionStatus.RETURNED,
    SubmissionStatus.ACCEPTED,
    SubmissionStatus.SUPERSEDED,
]


@pytest.mark.parametrize("status", NOT_DRAFTS)
def test_save_values_never_changes_a_submitted_version(in_state, owner, status):
    certification = in_state(status)
    before = state(certification)

    with pytest.raises(DomainError):
        services.save_values(
            actor=owner,
            certification=certification,
            values={**POWER, "coal_consumption": "1"},
            explanations={"x": "y"},
        )

    assert state(certification) == before


@pytest.mark.parametrize("status", NOT_DRAFTS)
def test_add_evidence_never_changes_a_submitted_version(in_state, owner, media, status):
    certification = in_state(status)
    before = state(certification)

    with pytest.raises(DomainError):
        services.add_evidence(
            actor=owner, certification=certification, uploaded_file=pdf(), kind="lab_report"
        )

    assert state(certification) == before
    assert not [path for path in media.rglob("*") if path.is_file()]


@pytest.mark.parametrize("status", NOT_DRAFTS)
def test_submit_never_submits_a_version_twice(in_state, owner, status):
    certification = in_state(status)
    before = state(certification)

    with pytest.raises(DomainError):
        services.submit(actor=owner, certification=certification)

    assert state(certification) == before


# --- Versions ----------------------------------------------------------------------------


def test_a_resubmission_is_a_new_version_with_a_field_level_diff(owner, staff, shandong_enterprise):
    first = submitted(owner, shandong_enterprise)
    services.return_for_correction(
        actor=staff, certification=first, comment="燃煤消耗量与入炉煤计量记录不符，请核对。"
    )

    second = services.start(
        actor=owner, enterprise=shandong_enterprise, year=2026, month=JANUARY, today=TODAY
    )
    assert (second.version, second.supersedes_id) == (2, first.pk)
    assert second.values == first.values  # a correction starts from the standing values
    corrected = {**POWER, "coal_consumption": "140210.0", "heat_supplied": "35000"}
    services.save_values(actor=owner, certification=second, values=corrected)
    services.submit(actor=owner, certification=second)

    changes = selectors.diff(reload(second))
    assert [(c.code, c.before, c.after) for c in changes] == [
        ("coal_consumption", "152384.6", "140210.0"),
        ("heat_supplied", "", "35000"),
    ]
    assert changes[0].item.unit == "t"
    assert selectors.diff(reload(first)) == []
    assert reload(first).status == SubmissionStatus.SUPERSEDED
    assert reload(first).values == POWER  # the returned version is kept as it was
    assert reload(second).status == SubmissionStatus.SUBMITTED


def test_a_removed_value_shows_in_the_diff(owner, staff, shandong_enterprise):
    first = submitted(owner, shandong_enterprise, {**POWER, "heat_supplied": "100"})
    services.accept(actor=staff, certification=first)
    second = services.start(
        actor=owner, enterprise=shandong_enterprise, year=2026, month=JANUARY, today=TODAY
    )
    services.save_values(actor=owner, certification=second, values=POWER)

    assert [(c.code, c.before, c.after) for c in selectors.diff(reload(second))] == [
        ("heat_supplied", "100", "")
    ]


@pytest.mark.parametrize("review", [None, "accept", "return"])
def test_submitting_a_correction_supersedes_the_standing_version(
    owner, staff, shandong_enterprise, review
):
    first = submitted(owner, shandong_enterprise)
    if review == "accept":
        services.accept(actor=staff, certification=first)
    elif review == "return":
        services.return_for_correction(actor=staff, certification=first, comment="请核对")
    second = services.start(
        actor=owner, enterprise=shandong_enterprise, year=2026, month=JANUARY, today=TODAY
    )
    assert reload(first).status != SubmissionStatus.SUPERSEDED  # not until the new one is in

    services.submit(actor=owner, certification=second)

    statuses = dict(
        MonthlyCertification.objects.filter(enterprise=shandong_enterprise).values_list(
            "version", "status"
        )
    )
    assert statuses == {1: SubmissionStatus.SUPERSEDED, 2: SubmissionStatus.SUBMITTED}


# --- Validation holds submission ---------------------------------------------------------


def test_errors_block_submission(owner, shandong_enterprise):
    certification = draft(owner, shandong_enterprise, {**POWER, "power_supplied": "-5"})

    with pytest.raises(DomainError, match="errors"):
        services.submit(actor=owner, certification=certification)

    row = reload(certification)
    assert row.status == SubmissionStatus.DRAFT
    assert row.emissions is None
    assert row.findings.filter(severity=Severity.ERROR, rule="negative").exists()
    assert not Obligation.objects.filter(status__in=MET).exists()


def test_a_complete_draft_carries_its_computed_emissions(owner, shandong_enterprise):
    certification = draft(owner, shandong_enterprise)

    # 152,384.6 t x 21.352 GJ/t x 0.02694 tC/GJ x 98.6 % x 44/12
    #   = 3,253,715.98 GJ x 0.02694 = 87,655.108 tC; x 0.986 = 86,427.937 tC;
    #   x 44/12 = 316,902.44 t
    assert str(certification.emissions) == "316902.44"
    assert certification.formula_version == "power-2022-v1"
    assert [line["group"] for line in certification.calculation] == ["coal"]


def test_an_unexplained_warning_blocks_submission(owner, shandong_enterprise):
    certification = draft(
        owner, shandong_enterprise, KJ_PER_KG, explanations={"out_of_range:coal_ncv": "   "}
    )

    with pytest.raises(DomainError, match="Explain"):
        services.submit(actor=owner, certification=certification)

    assert reload(certification).status == SubmissionStatus.DRAFT


def test_an_explanation_unblocks_the_warning(owner, shandong_enterprise):
    certification = draft(
        owner,
        shandong_enterprise,
        KJ_PER_KG,
        explanations={"out_of_range:coal_ncv": "化验报告以 kJ/kg 出具，已核对。"},
    )

    services.submit(actor=owner, certification=certification)

    row = reload(certification)
    assert row.status == SubmissionStatus.SUBMITTED
    assert row.explanations == {"out_of_range:coal_ncv": "化验报告以 kJ/kg 出具，已核对。"}
    assert row.findings.get().key == "out_of_range:coal_ncv"  # the warning stays on record


def test_a_staff_waiver_unblocks_the_warning_and_survives_revalidation(
    owner, staff, shandong_enterprise
):
    certification = draft(owner, shandong_enterprise, KJ_PER_KG)
    finding = certification.findings.get(rule="out_of_range")

    services.waive(actor=staff, finding=finding, justification="电厂化验室按 kJ/kg 出具，已核实。")
    # Saving again re-validates: the same warning comes back, and its waiver with it.
    services.save_values(actor=owner, certification=certification, values=KJ_PER_KG)
    services.submit(actor=owner, certification=certification)

    row = reload(certification)
    assert row.status == SubmissionStatus.SUBMITTED
    waived = row.findings.get(rule="out_of_range")
    assert waived.waived_by == staff.user
    assert waived.waiver_justification == "电厂化验室按 kJ/kg 出具，已核实。"


def test_a_waiver_does_not_cover_a_different_warning(owner, staff, shandong_enterprise):
    certification = draft(owner, shandong_enterprise, KJ_PER_KG)
    services.waive(
        actor=staff,
        finding=certification.findings.get(rule="out_of_range"),
        justification="已核实",
    )
    services.save_values(
        actor=owner, certification=certification, values={**KJ_PER_KG, "load_factor": "101"}
    )

    with pytest.raises(DomainError, match="Explain"):
        services.submit(actor=owner, certification=certification)


# --- Waivers -----------------------------------------------------------------------------


@pytest.fixture
def warning(owner, shandong_enterprise):
    return draft(owner, shandong_enterprise, KJ_PER_KG).findings.get(rule="out_of_range")


def waiver_state(finding) -> tuple:
    row = ValidationFinding.objects.get(pk=finding.pk)
    return row.waived_by_id, row.waived_at, row.waiver_justification, AuditEvent.objects.count()


@pytest.mark.parametrize("justification", ["", "   "])
def test_a_waiver_needs_a_justification(staff, warning, justification):
    before = waiver_state(warning)

    with pytest.raises(DomainError) as refused:
        services.waive(actor=staff, finding=warning, justification=justification)

    assert refused.value.field == "justification"
    assert waiver_state(warning) == before


def test_another_provinces_staff_cannot_waive(guangdong_staff, actor, warning):
    before = waiver_state(warning)

    with pytest.raises(NotFound):
        services.waive(actor=actor(guangdong_staff), finding=warning, justification="同意")

    assert waiver_state(warning) == before


def test_staff_of_another_city_cannot_waive(shandong, qingdao, actor, warning):
    qingdao_staff = users.staff(shandong, city=qingdao, username="qingdao-staff")
    before = waiver_state(warning)

    with pytest.raises(NotFound):
        services.waive(actor=actor(qingdao_staff), finding=warning, justification="同意")

    assert waiver_state(warning) == before


def test_the_units_city_staff_may_waive(jinan_staff, actor, warning):
    services.waive(actor=actor(jinan_staff), finding=warning, justification="已核实")

    assert ValidationFinding.objects.get(pk=warning.pk).waived_by == jinan_staff


def test_the_enterprise_cannot_waive_its_own_warning(owner, warning):
    before = waiver_state(warning)

    with pytest.raises(PermissionDenied):
        services.waive(actor=owner, finding=warning, justification="我们说没问题")

    assert waiver_state(warning) == before


def test_an_error_cannot_be_waived(owner, staff, shandong_enterprise):
    certification = draft(owner, shandong_enterprise, {**POWER, "load_factor": ""})
    error = certification.findings.get(rule="required")

    with pytest.raises(DomainError, match="error"):
        services.waive(actor=staff, finding=error, justification="同意")

    assert ValidationFinding.objects.get(pk=error.pk).waived_at is None


def test_a_waiver_is_audited_with_its_justification(staff, warning):
    with time_machine.travel(at(2026, 11, 27, 10, 0), tick=False):
        services.waive(actor=staff, finding=warning, justification="已核实")

    event = events(warning.certification)[-1]
    assert event.actor == staff.user
    assert event.tenant_code == "370000"
    assert event.changes == {"waiver:out_of_range:coal_ncv": {"before": None, "after": "已核实"}}
    row = ValidationFinding.objects.get(pk=warning.pk)
    assert row.waived_at == at(2026, 11, 27, 10, 0)


# --- Review ------------------------------------------------------------------------------


def test_staff_accept_a_submitted_certification(owner, staff, shandong_enterprise):
    certification = submitted(owner, shandong_enterprise)

    with time_machine.travel(at(2026, 11, 28, 9, 30), tick=False):
        services.accept(actor=staff, certification=certification, comment=" 数据完整 ")

    row = reload(certification)
    assert row.status == SubmissionStatus.ACCEPTED
    assert (row.reviewed_by, row.reviewed_at) == (staff.user, at(2026, 11, 28, 9, 30))
    assert row.review_comment == "数据完整"


def test_a_return_needs_a_comment_and_shows_it(owner, staff, shandong_enterprise):
    certification = submitted(owner, shandong_enterprise)
    before = state(certification)

    for blank in ("", "  \n "):
        with pytest.raises(DomainError) as refused:
            services.return_for_correction(actor=staff, certification=certification, comment=blank)
        assert refused.value.field == "comment"
    assert state(certification) == before

    services.return_for_correction(
        actor=staff, certification=certification, comment="供电量大于发电量，请核对关口表。"
    )
    row = selectors.certification_detail(actor=owner, public_id=certification.public_id)
    assert row.status == SubmissionStatus.RETURNED
    assert row.review_comment == "供电量大于发电量，请核对关口表。"


@pytest.mark.parametrize("status", [SubmissionStatus.DRAFT, *NOT_DRAFTS[1:]])
@pytest.mark.parametrize("action", ["accept", "return"])
def test_only_a_submitted_certification_is_reviewed(
    owner, staff, shandong_enterprise, in_state, status, action
):
    if status == SubmissionStatus.DRAFT:
        certification = draft(owner, shandong_enterprise)
    else:
        certification = in_state(status)
    before = state(certification)

    with pytest.raises(DomainError, match="submitted"):
        review(action, staff, certification)

    assert state(certification) == before


def review(action, actor, certification):
    if action == "accept":
        return services.accept(actor=actor, certification=certification)
    return services.return_for_correction(actor=actor, certification=certification, comment="x")


@pytest.mark.parametrize("action", ["accept", "return"])
def test_only_staff_of_the_province_review(
    owner, shandong_enterprise, guangdong_staff, actor, action
):
    certification = submitted(owner, shandong_enterprise)
    before = state(certification)

    with pytest.raises(PermissionDenied):
        review(action, owner, certification)
    with pytest.raises(NotFound):
        review(action, actor(guangdong_staff), certification)

    assert state(certification) == before


def test_city_staff_review_their_own_citys_units(owner, shandong_enterprise, jinan_staff, actor):
    certification = submitted(owner, shandong_enterprise)

    services.accept(actor=actor(jinan_staff), certification=certification)

    assert reload(certification).status == SubmissionStatus.ACCEPTED


# --- The calendar's obligation -----------------------------------------------------------

MET = (ObligationStatus.MET_ON_TIME, ObligationStatus.MET_LATE)


def october_obligation(enterprise) -> Obligation:
    return Obligation.objects.get(
        enterprise=enterprise, kind="monthly_certification", period_start=date(2026, 10, 1)
    )


@pytest.mark.parametrize(
    ("submitted_at", "status"),
    [
        (at(2026, 11, 20, 10, 0), ObligationStatus.MET_ON_TIME),
        (at(2026, 12, 10, 23, 59), ObligationStatus.MET_ON_TIME),  # the due date, in Beijing
        (at(2026, 12, 11, 0, 0, 30), ObligationStatus.MET_LATE),  # still December 10 in UTC
        (at(2027, 1, 5, 9, 0), ObligationStatus.MET_LATE),
    ],
)
def test_submitting_meets_the_months_obligation_late_after_its_due_date(
    owner, shandong_enterprise, submitted_at, status
):
    certification = draft(owner, shandong_enterprise, month=OCTOBER, explanations=SEPTEMBER_LATER)

    with time_machine.travel(submitted_at, tick=False):
        services.submit(actor=owner, certification=certification)

    obligation = october_obligation(shandong_enterprise)
    assert obligation.due_on == date(2026, 12, 10)
    assert obligation.status == status
    assert obligation.met_at == submitted_at == reload(certification).submitted_at
    assert obligation.met_by == owner.user
    assert obligation.fulfilment == f"reporting.monthlycertification:{certification.pk}"
    # Only October's obligation: September's (if the calendar made it) is untouched.
    others = Obligation.objects.filter(enterprise=shandong_enterprise).exclude(pk=obligation.pk)
    assert not others.filter(status__in=MET).exists()


def test_a_correction_leaves_the_obligation_met_at_the_first_submission(
    owner, staff, shandong_enterprise
):
    first = draft(owner, shandong_enterprise, month=OCTOBER, explanations=SEPTEMBER_LATER)
    with time_machine.travel(at(2026, 12, 1, 10, 0), tick=False):
        services.submit(actor=owner, certification=first)
        services.return_for_correction(actor=staff, certification=first, comment="请核对")
    second = services.start(
        actor=owner, enterprise=shandong_enterprise, year=2026, month=OCTOBER, today=TODAY
    )

    with time_machine.travel(at(2026, 12, 20, 10, 0), tick=False):
        services.submit(actor=owner, certification=second)

    obligation = october_obligation(shandong_enterprise)
    assert (obligation.status, obligation.met_at) == (
        ObligationStatus.MET_ON_TIME,
        at(2026, 12, 1, 10, 0),
    )
    assert obligation.fulfilment == f"reporting.monthlycertification:{first.pk}"


def test_a_refused_submission_meets_nothing(owner, shandong_enterprise):
    certification = draft(owner, shandong_enterprise, month=OCTOBER)  # September not explained

    with pytest.raises(DomainError):
        services.submit(actor=owner, certification=certification)

    assert not Obligation.objects.filter(status__in=MET).exists()


# --- Evidence ----------------------------------------------------------------------------


def test_evidence_stores_the_sha256_of_its_bytes_its_size_and_the_server_time(
    owner, shandong_enterprise, media
):
    certification = draft(owner, shandong_enterprise)
    content = PDF + bytes(range(256)) * 40  # more than one read chunk is not needed: any bytes

    with time_machine.travel(at(2026, 11, 27, 15, 45, 10), tick=False):
        evidence = services.add_evidence(
            actor=owner,
            certification=certification,
            uploaded_file=pdf("煤质化验报告.PDF", content),
            kind=" lab_report ",
            item_code="coal_ncv",
            lab_report_number="  SD-2026-1031 ",
            lab_report_date=date(2026, 11, 3),
        )

    row = EvidenceFile.objects.get(pk=evidence.pk)
    assert row.sha256 == hashlib.sha256(content).hexdigest()
    assert row.size == len(content)
    assert row.created_at == at(2026, 11, 27, 15, 45, 10)
    assert (row.kind, row.item_code, row.original_name) == (
        "lab_report",
        "coal_ncv",
        "煤质化验报告.PDF",
    )
    assert (row.lab_report_number, row.lab_report_date) == ("SD-2026-1031", date(2026, 11, 3))
    assert row.uploaded_by == owner.user
    with row.file.open("rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == row.sha256
    assert row.sha256 in row.file.name
    event = events(row)[-1]
    assert event.action == AuditAction.CREATE
    assert event.changes["sha256"] == {"before": None, "after": row.sha256}


@pytest.mark.parametrize(
    ("name", "head"),
    [
        ("scan.png", b"\x89PNG\r\n\x1a\n"),
        ("photo.JPG", b"\xff\xd8\xff\xe0"),
        ("photo.jpeg", b"\xff\xd8\xff\xe1"),
        ("台账.xlsx", b"PK\x03\x04"),
    ],
)
def test_pdf_images_and_xlsx_are_accepted(owner, shandong_enterprise, media, name, head):
    certification = draft(owner, shandong_enterprise)

    services.add_evidence(
        actor=owner,
        certification=certification,
        uploaded_file=SimpleUploadedFile(name, head + b"-and-the-rest"),
        kind="metering_record",
    )

    assert certification.evidence.count() == 1


def refused_upload(owner, certification, uploaded_file, kind="lab_report") -> DomainError:
    with pytest.raises(DomainError) as refused:
        services.add_evidence(
            actor=owner, certification=certification, uploaded_file=uploaded_file, kind=kind
        )
    return refused.value


def nothing_saved(media, certification) -> bool:
    return (
        not EvidenceFile.objects.filter(certification=certification).exists()
        and not [path for path in media.rglob("*") if path.is_file()]
        and not AuditEvent.objects.filter(target_type=target_label(EvidenceFile)).exists()
    )


@pytest.mark.parametrize("name", ["setup.exe", "report.docx", "report", "report.pdf.exe"])
def test_a_disallowed_type_is_refused_with_a_clear_message(owner, shandong_enterprise, media, name):
    certification = draft(owner, shandong_enterprise)

    error = refused_upload(owner, certification, SimpleUploadedFile(name, PDF))

    assert error.field == "file"
    assert "PDF" in error.message and "xlsx" in error.message
    assert nothing_saved(media, certification)


def test_an_oversized_file_is_refused_with_the_limit(owner, shandong_enterprise, media, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    certification = draft(owner, shandong_enterprise)

    error = refused_upload(
        owner, certification, pdf(content=b"%PDF-" + b"%" * (2 * 1024 * 1024 - 4))
    )

    assert error.field == "file"
    assert "2.0 MB" in error.message.replace("\xa0", " ")
    assert nothing_saved(media, certification)


def test_a_limit_below_a_megabyte_is_stated_as_it_is(owner, shandong_enterprise, media, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 500 * 1024
    certification = draft(owner, shandong_enterprise)

    error = refused_upload(owner, certification, pdf(content=b"%PDF-" + b"%" * (500 * 1024 - 4)))

    assert "500.0 KB" in error.message.replace("\xa0", " ")  # not "0 MB"
    assert nothing_saved(media, certification)


def test_a_file_exactly_at_the_limit_is_accepted(owner, shandong_enterprise, media, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 64
    certification = draft(owner, shandong_enterprise)

    services.add_evidence(
        actor=owner,
        certification=certification,
        uploaded_file=pdf(content=b"%PDF-" + b"%" * 59),
        kind="lab_report",
    )

    assert certification.evidence.get().size == 64


def test_an_empty_file_is_refused(owner, shandong_enterprise, media):
    certification = draft(owner, shandong_enterprise)

    error = refused_upload(owner, certification, pdf(content=b""))

    assert error.field == "file"
    assert "empty" in error.message
    assert nothing_saved(media, certification)


def test_evidence_says_what_kind_it_is(owner, shandong_enterprise, media):
    certification = draft(owner, shandong_enterprise)

    error = refused_upload(owner, certification, pdf(), kind="  ")

    assert error.field == "kind"
    assert nothing_saved(media, certification)


def test_staff_do_not_upload_the_enterprises_evidence(owner, staff, shandong_enterprise, media):
    certification = draft(owner, shandong_enterprise)

    with pytest.raises(PermissionDenied):
        services.add_evidence(
            actor=staff, certification=certification, uploaded_file=pdf(), kind="lab_report"
        )

    assert nothing_saved(media, certification)


# --- Another enterprise, another province ------------------------------------------------


def every_action(actor, certification, finding):
    """Each service called by `actor` on someone else's certification."""
    enterprise = certification.enterprise
    return {
        "start": lambda: services.start(
            actor=actor, enterprise=enterprise, year=2026, month=9, today=TODAY
        ),
        "save_values": lambda: services.save_values(
            actor=actor, certification=certification, values=POWER
        ),
        "submit": lambda: services.submit(actor=actor, certification=certification),
        "add_evidence": lambda: services.add_evidence(
            actor=actor, certification=certification, uploaded_file=pdf(), kind="lab_report"
        ),
        "accept": lambda: services.accept(actor=actor, certification=certification),
        "return": lambda: services.return_for_correction(
            actor=actor, certification=certification, comment="x"
        ),
        "waive": lambda: services.waive(actor=actor, finding=finding, justification="x"),
    }


ACTIONS = ["start", "save_values", "submit", "add_evidence", "accept", "return", "waive"]


@pytest.fixture
def theirs(owner, shandong_enterprise):
    """January submitted (for the review), and its correction drafted with a warning (for the
    waiver and the enterprise's own actions)."""
    sent = submitted(owner, shandong_enterprise)
    drafted = draft(owner, shandong_enterprise, KJ_PER_KG)
    assert (sent.version, drafted.version) == (1, 2)
    return drafted, sent


@pytest.mark.parametrize("action", ACTIONS)
def test_another_enterprises_user_can_do_nothing(other_owner, theirs, media, action):
    drafted, sent = theirs
    target = sent if action in ("accept", "return") else drafted
    finding = drafted.findings.get(rule="out_of_range")
    before = (state(drafted), state(sent), waiver_state(finding))

    with pytest.raises((NotFound, PermissionDenied)):
        every_action(other_owner, target, finding)[action]()

    assert (state(drafted), state(sent), waiver_state(finding)) == before
    assert not [path for path in media.rglob("*") if path.is_file()]


@pytest.mark.parametrize("action", ACTIONS)
def test_another_provinces_staff_can_do_nothing(guangdong_staff, actor, theirs, media, action):
    drafted, sent = theirs
    target = sent if action in ("accept", "return") else drafted
    finding = drafted.findings.get(rule="out_of_range")
    before = (state(drafted), state(sent), waiver_state(finding))

    with pytest.raises(NotFound):
        every_action(actor(guangdong_staff), target, finding)[action]()

    assert (state(drafted), state(sent), waiver_state(finding)) == before


@pytest.mark.parametrize("action", ["start", "save_values", "submit", "add_evidence"])
def test_the_provinces_staff_do_not_act_for_the_enterprise(staff, theirs, media, action):
    drafted, sent = theirs
    finding = drafted.findings.get(rule="out_of_range")
    before = (state(drafted), state(sent))

    with pytest.raises(PermissionDenied):
        every_action(staff, drafted, finding)[action]()

    assert (state(drafted), state(sent)) == before


def test_another_enterprises_certifications_are_not_visible(other_owner, owner, theirs):
    drafted, _sent = theirs

    with pytest.raises(NotFound):
        selectors.certification_detail(actor=other_owner, public_id=drafted.public_id)
    assert selectors.certification_detail(actor=owner, public_id=drafted.public_id) == drafted


# --- The audit trail ---------------------------------------------------------------------


def test_every_step_is_audited_with_before_and_after(owner, staff, shandong_enterprise):
    first = services.start(
        actor=owner, enterprise=shandong_enterprise, year=2026, month=JANUARY, today=TODAY
    )
    services.save_values(actor=owner, certification=first, values=POWER)
    services.submit(actor=owner, certification=first)
    services.return_for_correction(actor=staff, certification=first, comment="请核对煤量")
    second = services.start(
        actor=owner, enterprise=shandong_enterprise, year=2026, month=JANUARY, today=TODAY
    )
    services.save_values(
        actor=owner, certification=second, values={**POWER, "coal_consumption": "150000"}
    )
    services.submit(actor=owner, certification=second)
    services.accept(actor=staff, certification=second)

    first_events = [(e.action, e.actor, e.changes, e.note) for e in events(first)]
    created, saved, sent, returned, superseded = first_events
    assert created[0] == AuditAction.CREATE
    assert created[2]["status"] == {"before": None, "after": "draft"}
    assert saved[0] == AuditAction.UPDATE
    assert set(saved[2]) == {"values", "emissions"}
    assert saved[2]["emissions"] == {"before": None, "after": "316902.44"}
    assert sent[:3] == (
        AuditAction.STATUS,
        owner.user,
        {"status": {"before": "draft", "after": "submitted"}},
    )
    assert returned[:3] == (
        AuditAction.STATUS,
        staff.user,
        {
            "status": {"before": "submitted", "after": "returned"},
            "review_comment": {"before": "", "after": "请核对煤量"},
        },
    )
    assert superseded[2] == {"status": {"before": "returned", "after": "superseded"}}
    assert superseded[3] == "v2"

    second_events = [(e.action, e.changes) for e in events(second)]
    assert [action for action, _changes in second_events] == [
        AuditAction.CREATE,
        AuditAction.UPDATE,
        AuditAction.STATUS,
        AuditAction.STATUS,
    ]
    assert set(second_events[1][1]) == {"values", "emissions"}
    assert second_events[-1][1] == {"status": {"before": "submitted", "after": "accepted"}}
    assert {e.tenant_code for e in events(first) + events(second)} == {"370000"}


def test_a_refused_step_records_nothing(owner, shandong_enterprise):
    certification = draft(owner, shandong_enterprise, {**POWER, "coal_ncv": ""})
    count = AuditEvent.objects.count()

    with pytest.raises(DomainError):
        services.submit(actor=owner, certification=certification)

    assert AuditEvent.objects.count() == count


def test_the_timestamps_are_the_servers(owner, shandong_enterprise):
    certification = draft(owner, shandong_enterprise)

    with time_machine.travel(at(2026, 11, 27, 16, 0), tick=False):
        services.submit(actor=owner, certification=certification)

    assert reload(certification).submitted_at == at(2026, 11, 27, 16, 0)
    assert timezone.localtime(reload(certification).submitted_at).hour == 16


def test_a_file_renamed_to_an_allowed_type_is_refused(owner, shandong_enterprise, media):
    certification = draft(owner, shandong_enterprise)

    error = refused_upload(owner, certification, SimpleUploadedFile("report.pdf", b"MZ\x90\x00exe"))

    assert error.field == "file"
    assert "PDF" in error.message
    assert nothing_saved(media, certification)
