"""Annual emission reports through their services: the prefill from the year's monthly
certifications, the reconciliation and its tolerance (as data), the state machine, the calendar's
obligations (annual and supplementary), the reported emissions written on acceptance, attachments
and scoping."""

import hashlib
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from core.errors import DomainError, NotFound, PermissionDenied
from core.models import AuditEvent, target_label
from deadlines.generation import generate_obligations
from deadlines.models import Obligation, ObligationStatus
from reporting import reports, services, validation
from reporting.calculation import compute
from reporting.models import (
    AnnualReport,
    MonthlyCertification,
    ReportAttachment,
    SubmissionStatus,
    ValidationThreshold,
)
from tests.factories import accounts as users
from tests.factories.units import EnterpriseFactory
from units.models import AnnualEmissions, EmissionsSource, Industry

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 20, 10, 0, tzinfo=SHANGHAI)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def month_values(consumption, ncv, carbon="0.02694", oxidation="98", generated="400000"):
    return {
        "coal_consumption": consumption,
        "coal_ncv": ncv,
        "coal_carbon_content": carbon,
        "coal_oxidation_rate": oxidation,
        "power_generated": generated,
        "power_supplied": str(int(generated) * 94 // 100),
        "operating_hours": "700",
        "load_factor": "70",
    }


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def owner(shandong_enterprise_user, actor):
    return actor(shandong_enterprise_user)


@pytest.fixture
def staff(shandong_staff, actor):
    return actor(shandong_staff)


def certify_year(enterprise, months: dict[int, dict[str, str]], year=2025):
    """Submitted monthly certifications, with their emissions computed by the real formula."""
    schema = services.schema_for(enterprise, year)
    items = list(schema.items.all())
    for month, values in months.items():
        parsed, _errors = validation.parse(items, values)
        MonthlyCertification.objects.create(
            enterprise=enterprise,
            year=year,
            month=month,
            schema=schema,
            values=values,
            status=SubmissionStatus.SUBMITTED,
            emissions=compute(formula_version="", items=items, values=parsed).total,
        )


def test_prefill_reproduces_the_months_exactly(owner, shandong_enterprise):
    # Two months, different coal: the annual figures are weighted so the year's emissions equal
    # the months' sum.
    #   January  100 t x 20 GJ/t x 0.025 tC/GJ x 98% x 44/12 = 179.67 tCO2
    #   February 300 t x 24 GJ/t x 0.028 tC/GJ x 98% x 44/12 = 724.42 tCO2   (sum 904.09)
    # Annual: consumption 400 t; NCV weighted by tonnes (100x20 + 300x24)/400 = 23 GJ/t;
    # carbon weighted by heat (2000x0.025 + 7200x0.028)/9200 = 0.027348 tC/GJ (rounded to 6
    # places); oxidation 98%.  400 x 23 x 0.027348 x 98% x 44/12 = 904.09 tCO2.
    certify_year(
        shandong_enterprise,
        {
            1: month_values("100", "20", carbon="0.025"),
            2: month_values("300", "24", carbon="0.028"),
        },
    )
    report = reports.start(actor=owner, enterprise=shandong_enterprise, year=2025)
    assert report.values["coal_consumption"] == "400"
    assert report.values["coal_ncv"] == "23"
    assert report.values["coal_carbon_content"] == "0.027348"
    assert report.values["power_generated"] == "800000"
    assert report.emissions == Decimal("904.09")
    emissions_line = next(r for r in report.reconciliation if r["item_code"] == "emissions")
    assert emissions_line["monthly"] == "904.09"
    assert emissions_line["difference"] == "0.00"
    assert report.months_certified == 2
    # Ten months have no certification: a warning naming them.
    missing = [f for f in report.findings if f["rule"] == "months_not_certified"]
    assert missing[0]["params"]["months"] == list(range(3, 13))


def test_a_difference_above_the_tolerance_warns_and_needs_an_explanation(
    owner, shandong_enterprise
):
    certify_year(shandong_enterprise, {m: month_values("1000", "21") for m in range(1, 13)})
    report = reports.start(actor=owner, enterprise=shandong_enterprise, year=2025)
    assert [f for f in report.findings if f["severity"] == "warning"] == []
    values = dict(report.values, coal_consumption="12700")  # months total 12,000: +5.83%
    reports.save_values(actor=owner, report=report, values=values)
    report.refresh_from_db()
    warned = {(f["rule"], f["item_code"]) for f in report.findings}
    assert ("reconciliation", "coal_consumption") in warned
    assert ("reconciliation", "emissions") in warned
    line = next(r for r in report.reconciliation if r["item_code"] == "coal_consumption")
    assert (line["annual"], line["monthly"], line["difference_pct"]) == ("12700", "12000", "5.83")
    with pytest.raises(DomainError, match="Explain every warning"):
        reports.submit(actor=owner, report=report)
    assert AnnualReport.objects.get(pk=report.pk).status == SubmissionStatus.DRAFT

    # The tolerance is data: at 10% the same difference passes.
    ValidationThreshold.objects.filter(code=reports.TOLERANCE_CODE).update(value=Decimal(10))
    reports.save_values(actor=owner, report=report, values=values)
    report.refresh_from_db()
    assert not [f for f in report.findings if f["rule"] == "reconciliation"]


def test_submit_meets_the_obligation_and_accept_writes_reported_emissions(
    owner, staff, shandong_enterprise
):
    generate_obligations(today=date(2026, 3, 20))
    certify_year(shandong_enterprise, {m: month_values("1000", "21") for m in range(1, 13)})
    report = reports.start(actor=owner, enterprise=shandong_enterprise, year=2025)
    reports.submit(actor=owner, report=report)
    obligation = Obligation.objects.get(
        kind="annual_report", enterprise=shandong_enterprise, period_start=date(2025, 1, 1)
    )
    assert obligation.status == ObligationStatus.MET_ON_TIME
    assert obligation.fulfilment == f"reporting.annualreport:{report.pk}"

    reports.accept(actor=staff, report=report)
    row = AnnualEmissions.objects.get(
        enterprise=shandong_enterprise, year=2025, source=EmissionsSource.REPORTED
    )
    # Annual: 12,000 t x 21 GJ/t x 0.02694 tC/GJ x 98% x 44/12 = 24,394.7088 -> 24,394.71 tCO2.
    # Each month 1,000 t ... = 2,032.8924 -> 2,032.89; twelve of them 24,394.68 (rounded monthly).
    assert report.emissions == row.direct_emissions == Decimal("24394.71")
    line = next(r for r in report.reconciliation if r["item_code"] == "emissions")
    assert (line["monthly"], line["difference"]) == ("24394.68", "0.03")
    assert AuditEvent.objects.filter(
        target_type=target_label(AnnualEmissions), target_id=str(row.pk)
    ).exists()


def test_a_correction_is_a_new_version_and_accepting_it_updates_the_figure_once(
    owner, staff, shandong_enterprise
):
    certify_year(shandong_enterprise, {m: month_values("1000", "21") for m in range(1, 13)})
    first = reports.start(actor=owner, enterprise=shandong_enterprise, year=2025)
    reports.submit(actor=owner, report=first)
    reports.accept(actor=staff, report=first)
    with pytest.raises(DomainError):
        reports.save_values(actor=owner, report=first, values={"coal_consumption": "1"})

    second = reports.start(actor=owner, enterprise=shandong_enterprise, year=2025)
    assert (second.version, second.supersedes_id) == (2, first.pk)
    values = dict(second.values, coal_consumption="12100")
    reports.save_values(
        actor=owner,
        report=second,
        values=values,
        explanations={"reconciliation:coal_consumption": "12月盘库差异"},
    )
    second.refresh_from_db()
    reports.submit(actor=owner, report=second)
    first.refresh_from_db()
    assert first.status == SubmissionStatus.SUPERSEDED
    reports.accept(actor=staff, report=second)
    rows = AnnualEmissions.objects.filter(
        enterprise=shandong_enterprise, year=2025, source=EmissionsSource.REPORTED
    )
    assert [r.direct_emissions for r in rows] == [second.emissions]


def test_other_key_industry_reports_supplementary_data_and_meets_both_obligations(
    shandong, jinan, actor
):
    chemical = Industry.objects.filter(sector="chemical").first()
    unit = EnterpriseFactory(province=shandong, city=jinan, industry=chemical)
    owner = actor(users.enterprise_user(unit, username="chem-user"))
    generate_obligations(today=date(2026, 3, 20))
    report = reports.start(actor=owner, enterprise=unit, year=2025)
    assert report.reconciliation == []  # no monthly certifications asked of this sector
    # Intensity = 52,000 tCO2e / 130,000 t = 0.4 tCO2e/t
    reports.save_values(
        actor=owner,
        report=report,
        values={"total_emissions": "52000", "main_output": "130000"},
    )
    report.refresh_from_db()
    assert report.emissions == Decimal("52000.00")
    assert report.supplementary["intensity"] == "0.4"
    reports.submit(actor=owner, report=report)
    met = Obligation.objects.filter(enterprise=unit, period_start=date(2025, 1, 1)).values_list(
        "kind", "status"
    )
    assert set(met) >= {
        ("annual_report", ObligationStatus.MET_ON_TIME),
        ("supplementary_report", ObligationStatus.MET_ON_TIME),
    }


def test_bad_values_are_errors_and_block_submission(owner, shandong_enterprise):
    report = reports.start(actor=owner, enterprise=shandong_enterprise, year=2025)
    reports.save_values(actor=owner, report=report, values={"coal_consumption": "lots"})
    report.refresh_from_db()
    rules = {(f["rule"], f["item_code"]) for f in report.findings}
    assert ("not_a_number", "coal_consumption") in rules
    assert ("required", "power_generated") in rules
    assert report.emissions is None
    with pytest.raises(DomainError, match="Correct the errors"):
        reports.submit(actor=owner, report=report)
    assert AnnualReport.objects.get(pk=report.pk).status == SubmissionStatus.DRAFT


def test_a_year_not_ended_cannot_be_reported(owner, shandong_enterprise):
    with pytest.raises(DomainError):
        reports.start(actor=owner, enterprise=shandong_enterprise, year=2026)
    assert not AnnualReport.objects.exists()


def test_attachments_are_hashed_and_checked(owner, shandong_enterprise, media):
    report = reports.start(actor=owner, enterprise=shandong_enterprise, year=2025)
    stored = reports.add_attachment(
        actor=owner,
        report=report,
        uploaded_file=SimpleUploadedFile("report.pdf", PDF),
        kind="emission_report",
    )
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    with pytest.raises(DomainError, match="Only PDF"):
        reports.add_attachment(
            actor=owner,
            report=report,
            uploaded_file=SimpleUploadedFile("run.exe", b"MZ"),
            kind="other",
        )
    assert ReportAttachment.objects.count() == 1


def test_other_provinces_and_enterprises_cannot_act(
    owner, shandong_enterprise, guangdong_staff, shandong_staff, actor, shandong, jinan
):
    report = reports.start(actor=owner, enterprise=shandong_enterprise, year=2025)
    with pytest.raises(NotFound):
        reports.save_values(actor=actor(guangdong_staff), report=report, values={})
    neighbour = EnterpriseFactory(province=shandong, city=jinan)
    with pytest.raises(NotFound):
        reports.save_values(
            actor=actor(users.enterprise_user(neighbour, username="n")), report=report, values={}
        )
    with pytest.raises(PermissionDenied):
        reports.save_values(actor=actor(shandong_staff), report=report, values={})
    with pytest.raises(NotFound):
        reports.report_detail(actor=actor(guangdong_staff), public_id=report.public_id)
