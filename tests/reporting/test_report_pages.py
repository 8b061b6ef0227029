"""Annual emission report pages: the enterprise's reporting years, the report with its form,
emissions by source, reconciliation, supplementary data, attachments, versions and review, and
the staff's list. Happy paths, bad input, other provinces' and enterprises' users, the ministry,
query counts. The clock is fixed at 2026-03-20 10:00 in Asia/Shanghai: the 2025 report is due
2026-03-31."""

import hashlib
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Membership, Role
from accounts.scoping import actor_for
from core.models import AuditEvent
from deadlines.generation import generate_obligations
from deadlines.models import Obligation, ObligationStatus
from reporting import reports, services, validation
from reporting.calculation import compute
from reporting.models import (
    AnnualReport,
    MonthlyCertification,
    ReportAttachment,
    SubmissionStatus,
)
from tests.factories import accounts as users
from tests.factories.units import EnterpriseFactory, industry
from units.models import AnnualEmissions, EmissionsSource

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
PDF = b"%PDF-1.4 annual emission report"
# The months total 12,000 t of coal; 12,700 t is 5.83% more, above the tolerance.
OVER = "12700"
RECONCILIATION_KEYS = ("reconciliation:coal_consumption", "reconciliation:emissions")


def month_values(consumption="1000", ncv="21"):
    return {
        "coal_consumption": consumption,
        "coal_ncv": ncv,
        "coal_carbon_content": "0.02694",
        "coal_oxidation_rate": "98",
        "power_generated": "400000",
        "power_supplied": "376000",
        "operating_hours": "700",
        "load_factor": "70",
    }


def certify_year(enterprise, months=range(1, 13), year=2025):
    """Submitted monthly certifications, with their emissions computed by the real formula."""
    schema = services.schema_for(enterprise, year)
    items = list(schema.items.all())
    values = month_values()
    parsed, _errors = validation.parse(items, values)
    for month in months:
        MonthlyCertification.objects.create(
            enterprise=enterprise,
            year=year,
            month=month,
            schema=schema,
            values=values,
            status=SubmissionStatus.SUBMITTED,
            emissions=compute(formula_version="", items=items, values=parsed).total,
        )


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def unit(shandong_enterprise):
    """山东测试电厂: a power unit in Jinan, its twelve months of 2025 certified."""
    certify_year(shandong_enterprise)
    return shandong_enterprise


@pytest.fixture
def qingdao_staff(shandong, qingdao):
    return users.staff(shandong, city=qingdao, username="qingdao-staff")


def chemical_unit(province, city=None, **fields):
    """A unit of another key industry: annual report and supplementary data, no months."""
    return EnterpriseFactory(
        province=province, city=city, industry=industry("2614", "chemical"), **fields
    )


CHEMICAL = {"total_emissions": "52000", "main_output": "130000"}


def draft(user, enterprise, *, year=2025, values=None, explanations=None):
    actor = actor_for(user)
    report = reports.start(actor=actor, enterprise=enterprise, year=year)
    if values is not None:
        reports.save_values(actor=actor, report=report, values=values, explanations=explanations)
    report.refresh_from_db()
    return report


def submitted(user, enterprise, **kwargs):
    report = draft(user, enterprise, **kwargs)
    reports.submit(actor=actor_for(user), report=report)
    report.refresh_from_db()
    return report


def returned(user, enterprise, staff, *, comment="燃煤消耗量与月度核算不符，请核实。"):
    report = submitted(user, enterprise)
    reports.return_for_correction(actor=actor_for(staff), report=report, comment=comment)
    report.refresh_from_db()
    return report


def over_tolerance(report) -> dict[str, str]:
    return dict(report.values, coal_consumption=OVER)


def url(name, obj=None):
    if obj is None:
        return reverse(f"reporting:{name}")
    return reverse(f"reporting:{name}", kwargs={"public_id": obj.public_id})


def body(response) -> str:
    return response.content.decode()


def main(response) -> str:
    return body(response).split("<main>")[1]


def state(report):
    """What an action could change: the report's row, its attachments, versions and audit."""
    report.refresh_from_db()
    return (
        report.status,
        report.values,
        report.explanations,
        report.findings,
        report.emissions,
        report.review_comment,
        ReportAttachment.objects.count(),
        AnnualReport.objects.count(),
        AnnualEmissions.objects.count(),
        AuditEvent.objects.count(),
    )


def pdf(name="2025年度排放报告.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class TestEnterpriseList:
    def test_each_reporting_year_with_its_latest_version_due_date_and_action(
        self, client_as, owner, unit
    ):
        generate_obligations(today=TODAY)
        report = draft(owner, unit)
        response = client_as(owner).get(url("reports"), **EN)
        assert response.status_code == 200
        (section,) = response.context["sections"]
        rows = {row["year"]: row for row in section["rows"]}
        assert list(rows) == [2025, 2024]
        assert (rows[2025]["latest"], rows[2025]["action"]) == (report, "continue")
        assert (rows[2024]["latest"], rows[2024]["action"]) == (None, "start")
        assert rows[2025]["obligation"].due_on == date(2026, 3, 31)
        page = body(response)
        assert "2026-03-31" in page
        assert report.get_absolute_url() in page
        assert "Continue the draft" in page and "Start" in page
        assert f'href="{url("reports")}">Annual reports</a>' in page  # in the navigation

    def test_returned_is_corrected_then_continued_and_submitted_is_viewed(
        self, client_as, owner, unit, shandong_staff
    ):
        client = client_as(owner)

        def latest():
            row = client.get(url("reports")).context["sections"][0]["rows"][0]
            return row["latest"], row["action"]

        report = returned(owner, unit, shandong_staff)
        assert latest() == (report, "correct")
        correction = reports.start(actor=actor_for(owner), enterprise=unit, year=2025)
        assert latest() == (correction, "continue")
        reports.submit(actor=actor_for(owner), report=correction)
        assert latest() == (correction, "view")

    def test_shows_only_the_users_own_units(self, client_as, owner, unit, neighbour_user):
        other = neighbour_user.memberships.get().enterprise
        draft(neighbour_user, other)
        response = client_as(owner).get(url("reports"))
        assert [s["enterprise"] for s in response.context["sections"]] == [unit]
        assert other.name_zh not in body(response)

    @pytest.mark.parametrize("persona", ["verifier_user", "no_role_user"])
    def test_users_without_reports_get_403(self, request, client_as, persona):
        response = client_as(request.getfixturevalue(persona)).get(url("reports"))
        assert response.status_code == 403

    def test_query_count_does_not_grow_with_units_and_versions(
        self, client_as, shandong, jinan, django_assert_num_queries
    ):
        first = chemical_unit(shandong, jinan)
        user = users.enterprise_user(first, username="group-user")
        client = client_as(user)
        client.get(url("reports"))  # warm the session
        with django_assert_num_queries(10):
            client.get(url("reports"))
        others = [chemical_unit(shandong, jinan) for _ in range(3)]
        for enterprise in others:
            Membership.objects.create(user=user, role=Role.ENTERPRISE_USER, enterprise=enterprise)
        user = type(user).objects.get(pk=user.pk)  # the actor is resolved once per user object
        staff = actor_for(users.staff(shandong))
        for enterprise in [first, *others]:
            report = submitted(user, enterprise, values=CHEMICAL)
            reports.return_for_correction(actor=staff, report=report, comment="请补充。")
            draft(user, enterprise)  # version 2 of 2025
            draft(user, enterprise, year=2024)
        generate_obligations(today=TODAY)
        with django_assert_num_queries(10):
            response = client.get(url("reports"))
        assert len(response.context["sections"]) == 4
        assert all(s["rows"][0]["latest"].version == 2 for s in response.context["sections"])
        assert all(s["rows"][0]["obligation"] for s in response.context["sections"])


class TestStart:
    def test_starts_the_years_draft_prefilled_from_the_months(self, client_as, owner, unit):
        response = client_as(owner).post(
            url("report-start"), {"enterprise": unit.public_id, "year": 2025}
        )
        report = AnnualReport.objects.get()
        assert response.status_code == 302
        assert response["Location"] == report.get_absolute_url()
        assert (report.enterprise, report.year, report.version) == (unit, 2025, 1)
        assert report.status == SubmissionStatus.DRAFT
        assert report.values["coal_consumption"] == "12000"

    def test_the_unit_may_be_left_out_and_the_draft_is_reopened(self, client_as, owner, unit):
        client = client_as(owner)
        first = client.post(url("report-start"), {"year": 2025})
        again = client.post(url("report-start"), {"year": 2025})
        assert first["Location"] == again["Location"]
        assert AnnualReport.objects.count() == 1

    def test_a_returned_report_gets_a_new_version_with_its_values(
        self, client_as, owner, unit, shandong_staff
    ):
        old = returned(owner, unit, shandong_staff)
        response = client_as(owner).post(
            url("report-start"), {"enterprise": unit.public_id, "year": 2025}
        )
        new = AnnualReport.objects.get(status=SubmissionStatus.DRAFT)
        assert response["Location"] == new.get_absolute_url()
        assert (new.version, new.supersedes, new.values) == (2, old, old.values)

    @pytest.mark.parametrize(
        ("year", "message"),
        [
            (2026, "A year can be reported once it has ended."),
            (2027, "A year can be reported once it has ended."),
            ("last", "Enter a whole number."),
            ("", "This field is required."),
        ],
    )
    def test_bad_years_are_refused_and_nothing_is_created(
        self, client_as, owner, unit, year, message
    ):
        response = client_as(owner).post(
            url("report-start"), {"enterprise": unit.public_id, "year": year}, **EN
        )
        assert response.status_code == 400
        assert message in body(response)
        assert not AnnualReport.objects.exists()
        assert not AuditEvent.objects.exists()

    def test_another_units_id_is_404(self, client_as, owner, unit, guangdong_enterprise):
        response = client_as(owner).post(
            url("report-start"), {"enterprise": guangdong_enterprise.public_id, "year": 2025}
        )
        assert response.status_code == 404
        assert not AnnualReport.objects.exists()

    @pytest.mark.parametrize("persona", ["shandong_staff", "guangdong_staff", "ministry_user"])
    def test_users_of_no_unit_get_403(self, request, client_as, persona, unit):
        response = client_as(request.getfixturevalue(persona)).post(
            url("report-start"), {"enterprise": unit.public_id, "year": 2025}
        )
        assert response.status_code == 403
        assert not AnnualReport.objects.exists()


class TestDetail:
    def test_a_draft_has_the_form_emissions_and_reconciliation(self, client_as, owner, unit):
        generate_obligations(today=TODAY)
        report = draft(owner, unit)
        response = client_as(owner).get(report.get_absolute_url(), **EN)
        assert response.status_code == 200
        form = response.context["values_form"]
        assert form is not None and response.context["attachment_form"] is not None
        assert form["coal_consumption"].value() == "12000"
        # Monthly ranges of quantities do not apply to a year; parameters keep theirs.
        assert form.fields["operating_hours"].help_text == ""
        assert str(form.fields["coal_ncv"].help_text) == "plausible: 10–32 GJ/t"
        page = main(response)
        assert 'name="coal_consumption"' in page
        assert url("report-save", report) in page and url("report-submit", report) in page
        assert "2026-03-31" in page  # the due date
        assert "Months certified: 12/12" in page
        # 12,000 t x 21 GJ/t x 0.02694 tC/GJ x 98% x 44/12 = 24,394.71 tCO2
        assert "<code>12000 × 21 × 0.02694 × 98% × 44/12</code> = 24394.71" in page
        assert "Formula version: power-2022-v1." in page
        lines = {line["item_code"]: line for line in response.context["reconciliation"]}
        assert (lines["emissions"]["label"], lines["emissions"]["monthly"]) == (
            "Computed emissions",
            "24394.68",
        )
        assert lines["coal_consumption"]["label"] == "Coal consumption"
        assert "over-tolerance" not in page
        assert "The check found nothing to report." in page  # checked when started

    def test_a_difference_over_the_tolerance_is_highlighted_and_explained(
        self, client_as, owner, unit
    ):
        report = draft(owner, unit)
        report = draft(owner, unit, values=over_tolerance(report))
        response = client_as(owner).get(report.get_absolute_url(), **EN)
        page = main(response)
        assert page.count('class="over-tolerance"') == 2  # the coal and the total
        assert "5.83" in page and "over tolerance" in page
        assert (
            "Coal consumption is 12700 t; the year&#x27;s monthly certifications give 12000 t "
            "(difference 5.83%, tolerance 2%)." in page
        )
        fields = [row["explanation_field"] for row in response.context["findings"]]
        assert [field.name for field in fields] == [f"explain:{k}" for k in RECONCILIATION_KEYS]

    def test_months_not_certified_are_named(self, client_as, owner, shandong_enterprise):
        certify_year(shandong_enterprise, months=range(1, 11))
        report = draft(owner, shandong_enterprise)
        page = main(client_as(owner).get(report.get_absolute_url(), **EN))
        assert "Months certified: 10/12" in page
        assert "No submitted monthly certification for month(s) 11, 12 of the year." in page

    def test_a_submitted_version_is_read_only(self, client_as, owner, unit):
        report = submitted(owner, unit)
        response = client_as(owner).get(report.get_absolute_url(), **EN)
        context = response.context
        assert context["values_form"] is None and context["attachment_form"] is None
        assert context["accept_form"] is None and context["return_form"] is None
        page = main(response)
        assert '<td class="num">12000</td><td>t</td>' in page
        assert url("report-save", report) not in page
        assert "Correct (new version)" in page

    def test_supplementary_data_of_another_key_industry(self, client_as, shandong, jinan):
        unit = chemical_unit(shandong, jinan)
        user = users.enterprise_user(unit, username="chem")
        report = draft(user, unit, values=CHEMICAL)
        response = client_as(user).get(report.get_absolute_url(), **EN)
        page = main(response)
        assert "Supplementary data report" in page
        assert "Main product output" in page and "130000" in page
        # 52,000 tCO2e / 130,000 t = 0.4 tCO2e/t
        assert "0.4" in page and "tCO2e/t" in page
        assert response.context["reconciles"] is False
        assert "nothing to reconcile" in page

    def test_a_power_unit_has_no_supplementary_section(self, client_as, owner, unit):
        report = draft(owner, unit)
        response = client_as(owner).get(report.get_absolute_url(), **EN)
        assert response.context["supplementary"] is None
        assert "Supplementary data report" not in main(response)

    def test_rendered_in_english_and_chinese(self, client_as, owner, unit):
        report = draft(owner, unit)
        report = draft(owner, unit, values=over_tolerance(report))
        client = client_as(owner)
        english = client.get(report.get_absolute_url(), **EN)
        chinese = client.get(report.get_absolute_url(), **ZH)
        assert english.status_code == chinese.status_code == 200
        assert '<html lang="en">' in body(english) and '<html lang="zh-hans">' in body(chinese)
        assert "Coal consumption is 12700 t" in body(english)
        assert "燃煤消耗量" not in main(english)
        assert "燃煤消耗量" in main(chinese) and "Coal consumption" not in main(chinese)
        lines = {line["item_code"]: line["label"] for line in chinese.context["reconciliation"]}
        assert lines["coal_consumption"] == "燃煤消耗量"
        headings = [heading for heading, _members in chinese.context["values_form"].groups()]
        assert headings[:2] == ["燃煤", "天然气"]

    def test_staff_of_the_province_and_city_see_the_review_forms(
        self, client_as, owner, unit, shandong_staff, jinan_staff
    ):
        report = submitted(owner, unit)
        for staff in (shandong_staff, jinan_staff):
            response = client_as(staff).get(report.get_absolute_url(), **EN)
            assert response.status_code == 200
            assert response.context["accept_form"] is not None
            assert response.context["return_form"] is not None
            page = main(response)
            assert url("report-accept", report) in page and url("report-return", report) in page
            assert "Correct (new version)" not in page

    def test_staff_see_a_draft_without_review_forms(self, client_as, owner, unit, shandong_staff):
        report = draft(owner, unit)
        response = client_as(shandong_staff).get(report.get_absolute_url())
        assert response.status_code == 200
        assert response.context["accept_form"] is None and response.context["values_form"] is None

    def test_ministry_reads_without_any_form(self, client_as, owner, unit, ministry_user):
        report = submitted(owner, unit)
        response = client_as(ministry_user).get(report.get_absolute_url(), **EN)
        assert response.status_code == 200
        for name in ("values_form", "attachment_form", "accept_form", "return_form"):
            assert response.context[name] is None
        assert "<form" not in main(response)
        assert "12000" in main(response)

    @pytest.mark.parametrize(
        "persona",
        ["guangdong_staff", "neighbour_user", "qingdao_staff", "verifier_user", "no_role_user"],
    )
    def test_others_get_404(self, request, client_as, persona, owner, unit):
        report = submitted(owner, unit)
        response = client_as(request.getfixturevalue(persona)).get(report.get_absolute_url())
        assert response.status_code == 404

    def test_unknown_id_is_404(self, client_as, owner):
        response = client_as(owner).get(
            reverse("reporting:report-detail", args=["5f0c9a51-0000-4000-8000-000000000000"])
        )
        assert response.status_code == 404


class TestSave:
    def save(self, client, report, values, **extra):
        return client.post(url("report-save", report), {**values, **extra}, **EN)

    def test_saves_checks_and_keeps_explanations_by_the_findings_key(self, client_as, owner, unit):
        report = draft(owner, unit)
        client = client_as(owner)
        response = self.save(client, report, over_tolerance(report))
        assert response.status_code == 302
        report.refresh_from_db()
        assert report.values["coal_consumption"] == OVER
        assert {f"{f['rule']}:{f['item_code']}" for f in report.findings} == set(
            RECONCILIATION_KEYS
        )
        messages = [str(m) for m in client.get(report.get_absolute_url(), **EN).context["messages"]]
        assert messages == ["Saved. The check found 0 error(s) and 2 warning(s)."]
        explanations = {f"explain:{key}": "12月末盘库调整。" for key in RECONCILIATION_KEYS}
        self.save(client, report, over_tolerance(report), **explanations)
        report.refresh_from_db()
        assert report.explanations == dict.fromkeys(RECONCILIATION_KEYS, "12月末盘库调整。")
        page = main(client.get(report.get_absolute_url(), **EN))
        assert page.count("12月末盘库调整。") >= 2

    @pytest.mark.parametrize(
        ("bad", "message"),
        [
            ({"coal_consumption": "lots"}, "Enter a number."),
            ({"coal_ncv": "-21"}, "Enter a number of zero or more."),
            ({"load_factor": "NaN"}, "Enter a number."),
        ],
    )
    def test_bad_values_are_refused_and_nothing_is_saved(
        self, client_as, owner, unit, bad, message
    ):
        report = draft(owner, unit)
        before = state(report)
        response = self.save(client_as(owner), report, {**report.values, **bad})
        assert response.status_code == 400
        page = body(response)
        assert "Some values are not numbers: correct the marked fields. Nothing was saved." in page
        assert message in page
        assert state(report) == before

    def test_a_submitted_version_is_never_saved(self, client_as, owner, unit):
        report = submitted(owner, unit)
        before = state(report)
        response = self.save(client_as(owner), report, over_tolerance(report))
        assert response.status_code == 400
        assert "A submitted report is never changed; start a new version." in body(response)
        assert state(report) == before

    def test_another_units_user_gets_404_staff_and_ministry_403(
        self, client_as, owner, unit, neighbour_user, guangdong_staff, shandong_staff, ministry_user
    ):
        report = draft(owner, unit)
        before = state(report)
        values = over_tolerance(report)
        assert self.save(client_as(neighbour_user), report, values).status_code == 404
        assert self.save(client_as(guangdong_staff), report, values).status_code == 404
        assert self.save(client_as(shandong_staff), report, values).status_code == 403
        assert self.save(client_as(ministry_user), report, values).status_code == 403
        assert state(report) == before


class TestSubmit:
    def test_submits_and_meets_the_years_obligation_on_time(self, client_as, owner, unit):
        generate_obligations(today=TODAY)
        report = draft(owner, unit)
        client = client_as(owner)
        response = client.post(url("report-submit", report), **EN)
        assert response.status_code == 302
        report.refresh_from_db()
        assert report.status == SubmissionStatus.SUBMITTED
        assert report.submitted_by == owner
        obligation = Obligation.objects.get(
            enterprise=unit, kind="annual_report", period_start=date(2025, 1, 1)
        )
        assert obligation.status == ObligationStatus.MET_ON_TIME
        page = main(client.get(report.get_absolute_url(), **EN))
        assert "The report was submitted to the provincial department." in page
        assert "2026-03-20 10:00" in page

    def test_unexplained_warnings_block_submission(self, client_as, owner, unit):
        report = draft(owner, unit)
        report = draft(owner, unit, values=over_tolerance(report))
        before = state(report)
        response = client_as(owner).post(url("report-submit", report), **EN)
        assert response.status_code == 400
        assert "Explain every warning before submitting." in body(response)
        assert state(report) == before

    def test_errors_block_submission(self, client_as, owner, unit):
        report = draft(owner, unit)
        report = draft(owner, unit, values={**report.values, "power_generated": ""})
        before = state(report)
        response = client_as(owner).post(url("report-submit", report), **EN)
        assert response.status_code == 400
        assert "Correct the errors before submitting." in body(response)
        assert "Power generated is required." in body(response)
        assert state(report) == before

    def test_submitting_twice_is_refused(self, client_as, owner, unit):
        report = submitted(owner, unit)
        before = state(report)
        response = client_as(owner).post(url("report-submit", report), **EN)
        assert response.status_code == 400
        assert "Only a draft can be submitted." in body(response)
        assert state(report) == before

    def test_another_units_user_gets_404_staff_and_ministry_403(
        self, client_as, owner, unit, neighbour_user, guangdong_staff, shandong_staff, ministry_user
    ):
        report = draft(owner, unit)
        before = state(report)
        submit = url("report-submit", report)
        assert client_as(neighbour_user).post(submit).status_code == 404
        assert client_as(guangdong_staff).post(submit).status_code == 404
        assert client_as(shandong_staff).post(submit).status_code == 403
        assert client_as(ministry_user).post(submit).status_code == 403
        assert state(report) == before


class TestAttachments:
    def add(self, client, report, **fields):
        payload = {"file": pdf(), "kind": "lab_report"}
        payload.update(fields)
        payload.setdefault("lab_report_number", "SD-2026-0311")
        payload.setdefault("lab_report_date", "2026-03-11")
        return client.post(url("report-attachment-add", report), payload, **EN)

    def test_uploads_and_lists_hash_size_time_and_lab_report(self, client_as, owner, unit):
        report = draft(owner, unit)
        client = client_as(owner)
        response = self.add(client, report)
        assert response.status_code == 302
        attachment = ReportAttachment.objects.get()
        assert attachment.report == report
        assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
        page = main(client.get(report.get_absolute_url(), **EN))
        assert "2025年度排放报告.pdf" in page
        assert attachment.sha256 in page
        assert "Laboratory test report" in page
        assert "SD-2026-0311 · 2026-03-11" in page
        assert "2026-03-20 10:00:00" in page  # the server's time of receipt
        assert f"{len(PDF)}\xa0bytes" in page
        assert url("report-attachment-download", attachment) in page

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"file": pdf("setup.exe")}, "Only PDF, PNG, JPEG and xlsx files are accepted."),
            ({"file": pdf(content=b"")}, "The submitted file is empty."),
            ({"file": pdf(content=b"MZ not a pdf")}, "The file&#x27;s content is not PDF"),
            ({"file": ""}, "This field is required."),
            ({"kind": "rumour"}, "Select a valid choice."),
            ({"lab_report_number": ""}, "Give the lab report"),
            ({"lab_report_date": "11 March"}, "Enter a valid date."),
        ],
    )
    def test_bad_files_and_fields_are_refused_and_nothing_is_stored(
        self, client_as, owner, unit, fields, message, tmp_path
    ):
        report = draft(owner, unit)
        before = state(report)
        response = self.add(client_as(owner), report, **fields)
        assert response.status_code == 400
        assert message in body(response)
        assert state(report) == before
        assert not any(tmp_path.rglob("*.*"))

    def test_a_submitted_version_takes_no_more_documents(self, client_as, owner, unit):
        report = submitted(owner, unit)
        response = self.add(client_as(owner), report)
        assert response.status_code == 400
        assert "Documents are added to a draft" in body(response)
        assert not ReportAttachment.objects.exists()

    def test_another_units_user_gets_404_staff_and_ministry_403(
        self, client_as, owner, unit, neighbour_user, guangdong_staff, shandong_staff, ministry_user
    ):
        report = draft(owner, unit)
        assert self.add(client_as(neighbour_user), report).status_code == 404
        assert self.add(client_as(guangdong_staff), report).status_code == 404
        assert self.add(client_as(shandong_staff), report).status_code == 403
        assert self.add(client_as(ministry_user), report).status_code == 403
        assert not ReportAttachment.objects.exists()


class TestAttachmentDownload:
    @pytest.fixture
    def attachment(self, owner, unit):
        report = draft(owner, unit)
        return reports.add_attachment(
            actor=actor_for(owner), report=report, uploaded_file=pdf(), kind="emission_report"
        )

    @pytest.mark.parametrize("persona", ["owner", "shandong_staff", "jinan_staff", "ministry_user"])
    def test_served_to_whoever_may_see_the_report(self, request, client_as, persona, attachment):
        response = client_as(request.getfixturevalue(persona)).get(
            url("report-attachment-download", attachment)
        )
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Disposition"].startswith("attachment;")

    @pytest.mark.parametrize(
        "persona", ["guangdong_staff", "neighbour_user", "qingdao_staff", "verifier_user"]
    )
    def test_anyone_else_gets_404(self, request, client_as, persona, attachment):
        response = client_as(request.getfixturevalue(persona)).get(
            url("report-attachment-download", attachment)
        )
        assert response.status_code == 404

    def test_a_monthly_evidence_id_is_not_a_report_attachment(self, client_as, owner, attachment):
        response = client_as(owner).get(url("evidence-download", attachment))
        assert response.status_code == 404

    def test_anonymous_is_sent_to_login(self, client, attachment):
        response = client.get(url("report-attachment-download", attachment))
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


class TestReview:
    def test_accept_writes_the_years_reported_emissions(
        self, client_as, owner, unit, shandong_staff
    ):
        report = submitted(owner, unit)
        response = client_as(shandong_staff).post(
            url("report-accept", report), {"comment": "数据完整。"}
        )
        assert response.status_code == 302
        assert response["Location"] == url("reports")
        report.refresh_from_db()
        assert (report.status, report.review_comment) == (SubmissionStatus.ACCEPTED, "数据完整。")
        assert report.reviewed_by == shandong_staff
        reported = AnnualEmissions.objects.get(
            enterprise=unit, year=2025, source=EmissionsSource.REPORTED
        )
        assert reported.direct_emissions == Decimal("24394.71")

    def test_city_staff_accept_without_a_comment(self, client_as, owner, unit, jinan_staff):
        report = submitted(owner, unit)
        response = client_as(jinan_staff).post(url("report-accept", report), {"comment": ""})
        assert response.status_code == 302
        report.refresh_from_db()
        assert report.status == SubmissionStatus.ACCEPTED

    def test_return_needs_a_comment_the_enterprise_then_sees(
        self, client_as, owner, unit, shandong_staff
    ):
        report = submitted(owner, unit)
        before = state(report)
        staff = client_as(shandong_staff)
        response = staff.post(url("report-return", report), {"comment": "  "}, **EN)
        assert response.status_code == 400
        assert "This field is required." in body(response)
        assert state(report) == before
        response = staff.post(url("report-return", report), {"comment": "请附化验报告。"})
        assert response.status_code == 302
        report.refresh_from_db()
        assert report.status == SubmissionStatus.RETURNED
        page = main(client_as(owner).get(report.get_absolute_url(), **EN))
        assert "请附化验报告。" in page and "Correct (new version)" in page

    def test_only_a_submitted_version_is_reviewed(self, client_as, owner, unit, shandong_staff):
        report = draft(owner, unit)
        before = state(report)
        response = client_as(shandong_staff).post(url("report-accept", report), **EN)
        assert response.status_code == 400
        assert "Only a submitted report can be reviewed." in body(response)
        assert state(report) == before

    def test_another_province_gets_404_and_nothing_changes(
        self, client_as, owner, unit, guangdong_staff, qingdao_staff
    ):
        report = submitted(owner, unit)
        before = state(report)
        for outsider in (guangdong_staff, qingdao_staff):
            client = client_as(outsider)
            assert client.post(url("report-accept", report)).status_code == 404
            assert client.post(url("report-return", report), {"comment": "x"}).status_code == 404
        assert state(report) == before

    def test_the_enterprise_and_the_ministry_get_403(self, client_as, owner, unit, ministry_user):
        report = submitted(owner, unit)
        before = state(report)
        for user in (owner, ministry_user):
            client = client_as(user)
            assert client.post(url("report-accept", report)).status_code == 403
            assert client.post(url("report-return", report), {"comment": "x"}).status_code == 403
        assert state(report) == before


class TestStaffList:
    @pytest.fixture
    def listed(self, owner, unit, shandong, qingdao, guangdong_enterprise, time_machine):
        """Submitted in this order: a Qingdao chemical unit (2024), the Jinan power unit (2025),
        a Guangdong unit; an accepted one and a draft."""
        chemical = chemical_unit(shandong, qingdao, name_zh="青岛化工有限公司")
        chemical_user = users.enterprise_user(chemical, username="chem")
        time_machine.move_to(datetime(2026, 3, 18, 9, 0, tzinfo=NOW.tzinfo), tick=False)
        first = submitted(chemical_user, chemical, year=2024, values=CHEMICAL)
        time_machine.move_to(datetime(2026, 3, 19, 9, 0, tzinfo=NOW.tzinfo), tick=False)
        second = submitted(owner, unit)
        gd_user = users.enterprise_user(guangdong_enterprise, username="gd")
        certify_year(guangdong_enterprise)
        submitted(gd_user, guangdong_enterprise)
        accepted = submitted(chemical_user, chemical, values=CHEMICAL)
        reports.accept(actor=actor_for(users.staff(shandong)), report=accepted)
        draft(chemical_user, chemical, year=2023)
        time_machine.move_to(NOW, tick=False)
        return {"first": first, "second": second, "accepted": accepted}

    def test_staff_see_submitted_reports_of_their_province_oldest_first(
        self, client_as, shandong_staff, listed
    ):
        response = client_as(shandong_staff).get(url("reports"), **EN)
        assert response.status_code == 200
        assert list(response.context["page"]) == [listed["first"], listed["second"]]
        page = main(response)
        assert "青岛化工有限公司" in page and "广东测试电厂" not in page
        assert "Chemical" in page and "24394.71" in page
        assert f'href="{url("reports")}">Annual reports</a>' in body(response)

    def test_filters(self, client_as, shandong_staff, listed):
        client = client_as(shandong_staff)

        def rows(**query):
            return list(client.get(url("reports"), query).context["page"])

        assert rows(year=2025) == [listed["second"]]
        assert rows(sector="chemical") == [listed["first"]]
        assert rows(q="青岛化工") == [listed["first"]]
        assert rows(status="accepted") == [listed["accepted"]]
        assert rows(status="") == [listed["first"], listed["second"], listed["accepted"]]

    def test_bad_filter_input_is_reported_and_not_applied(self, client_as, shandong_staff, listed):
        response = client_as(shandong_staff).get(url("reports"), {"year": "last"}, **EN)
        assert response.status_code == 200
        assert "Enter a whole number." in body(response)
        assert list(response.context["page"]) == [listed["first"], listed["second"]]

    def test_city_staff_see_their_city_only(self, client_as, jinan_staff, listed):
        page = client_as(jinan_staff).get(url("reports")).context["page"]
        assert list(page) == [listed["second"]]

    def test_another_province_sees_none_of_shandongs(self, client_as, guangdong_staff, listed):
        page = client_as(guangdong_staff).get(url("reports")).context["page"]
        assert [r.enterprise.province.code for r in page] == ["440000"]

    def test_ministry_sees_every_province(self, client_as, ministry_user, listed):
        response = client_as(ministry_user).get(url("reports"), **EN)
        assert len(response.context["page"]) == 3
        assert response.context["show_province"] is True

    def test_paginates_by_50_and_query_count_does_not_grow(
        self, client_as, shandong_staff, shandong, jinan, django_assert_num_queries
    ):
        client = client_as(shandong_staff)
        client.get(url("reports"))  # warm the session

        def make():
            enterprise = chemical_unit(shandong, jinan)
            user = users.enterprise_user(enterprise, username=f"u{enterprise.pk}")
            submitted(user, enterprise, values=CHEMICAL)

        for _ in range(3):
            make()
        with django_assert_num_queries(9):
            client.get(url("reports"))
        for _ in range(52):
            make()
        with django_assert_num_queries(9):
            response = client.get(url("reports"))
        assert len(response.context["page"]) == 50
        assert len(client.get(url("reports"), {"page": 2}).context["page"]) == 5


class TestStateMachineThroughThePages:
    def test_start_save_submit_return_correct_diff_submit_accept(
        self, client_as, owner, unit, shandong_staff
    ):
        generate_obligations(today=TODAY)
        client = client_as(owner)
        client.post(url("report-start"), {"year": 2025})
        report = AnnualReport.objects.get()
        assert client.post(url("report-submit", report)).status_code == 302

        staff = client_as(shandong_staff)
        staff.post(url("report-return", report), {"comment": "燃煤消耗量与盘库不符。"})
        report.refresh_from_db()
        assert report.status == SubmissionStatus.RETURNED

        client = client_as(owner)
        client.post(url("report-start"), {"year": 2025})
        correction = AnnualReport.objects.get(version=2)
        explanations = {f"explain:{key}": "年末盘库调整。" for key in RECONCILIATION_KEYS}
        client.post(url("report-save", correction), over_tolerance(correction))
        client.post(url("report-save", correction), {**over_tolerance(correction), **explanations})
        page = main(client.get(correction.get_absolute_url(), **EN))
        assert "Changes against version 1" in page
        assert "Version 1 was returned with this comment" in page
        assert "<del>12000</del>" in page and f"<ins>{OVER}</ins>" in page
        assert client.post(url("report-submit", correction)).status_code == 302
        report.refresh_from_db()
        assert report.status == SubmissionStatus.SUPERSEDED

        response = client_as(shandong_staff).post(url("report-accept", correction))
        assert response.status_code == 302
        correction.refresh_from_db()
        assert correction.status == SubmissionStatus.ACCEPTED
        versions = client.get(correction.get_absolute_url(), **EN).context["versions"]
        assert [(v.version, v.status) for v in versions] == [
            (2, SubmissionStatus.ACCEPTED),
            (1, SubmissionStatus.SUPERSEDED),
        ]
        reported = AnnualEmissions.objects.get(
            enterprise=unit, year=2025, source=EmissionsSource.REPORTED
        )
        assert reported.direct_emissions == correction.emissions


class TestCrossTenant:
    """Every page and action on a Shandong unit's report, tried by outsiders."""

    def attempts(self, client, report, attachment):
        yield "detail", client.get(report.get_absolute_url())
        yield "save", client.post(url("report-save", report), over_tolerance(report))
        yield "submit", client.post(url("report-submit", report))
        yield (
            "attachment",
            client.post(url("report-attachment-add", report), {"file": pdf(), "kind": "other"}),
        )
        yield "download", client.get(url("report-attachment-download", attachment))
        yield "accept", client.post(url("report-accept", report))
        yield "return", client.post(url("report-return", report), {"comment": "x"})

    @pytest.mark.parametrize("persona", ["guangdong_staff", "neighbour_user", "qingdao_staff"])
    def test_every_page_and_action_is_404_and_changes_nothing(
        self, request, client_as, persona, owner, unit
    ):
        report = draft(owner, unit)
        attachment = reports.add_attachment(
            actor=actor_for(owner), report=report, uploaded_file=pdf(), kind="other"
        )
        before = state(report)
        client = client_as(request.getfixturevalue(persona))
        for name, response in self.attempts(client, report, attachment):
            assert response.status_code == 404, name
        assert state(report) == before
        start = client.post(url("report-start"), {"enterprise": unit.public_id, "year": 2025})
        assert start.status_code in (403, 404)
        assert AnnualReport.objects.count() == 1
