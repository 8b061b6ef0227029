"""The monthly certification pages: the enterprise's months, the web form with its findings,
emissions and evidence, submission, the review queue and review actions, the enterprise home.
Happy paths, bad input, other provinces' and enterprises' users, query counts. The clock is
fixed at 2026-11-15 10:00 in Asia/Shanghai, so January to October 2026 have ended."""

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve, reverse

from accounts.scoping import actor_for
from core.models import AuditEvent
from deadlines.generation import generate_obligations
from deadlines.models import Obligation, ObligationStatus
from reporting import services
from reporting.models import (
    EvidenceFile,
    MonthlyCertification,
    SubmissionStatus,
    ValidationFinding,
)
from tests.factories import accounts as users
from tests.factories.units import EnterpriseFactory, industry
from tests.reporting.test_home import HOME_QUERIES

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

# A power unit's month. Emissions of the coal:
#   100000 t x 20.9 GJ/t x 0.0263 tC/GJ x 98 % x 44/12
#   = 2,090,000 GJ x 0.0263 = 54,967 tC; x 0.98 = 53,867.66 tC; x 44/12 = 197,514.75 tCO2
POWER = {
    "coal_consumption": "100000",
    "coal_ncv": "20.9",
    "coal_carbon_content": "0.0263",
    "coal_oxidation_rate": "98",
    "power_generated": "250000",
    "power_supplied": "235000",
    "operating_hours": "700",
    "load_factor": "85",
}
EMISSIONS = "197514.75"
MISSING_SEPTEMBER = "missing_previous_month:"


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def draft(user, enterprise, *, month=10, values=None, explanations=None):
    actor = actor_for(user)
    certification = services.start(actor=actor, enterprise=enterprise, year=2026, month=month)
    if values is not None:
        services.save_values(
            actor=actor, certification=certification, values=values, explanations=explanations
        )
    certification.refresh_from_db()
    return certification


def submitted(user, enterprise, *, month=10, values=POWER):
    """A submitted version; the warning about the month before is explained."""
    certification = draft(
        user,
        enterprise,
        month=month,
        values=values,
        explanations={MISSING_SEPTEMBER: "九月数据另行报送。"},
    )
    services.submit(actor=actor_for(user), certification=certification)
    certification.refresh_from_db()
    return certification


def returned(user, enterprise, staff, *, month=10, comment="燃煤低位发热量与化验报告不符。"):
    certification = submitted(user, enterprise, month=month)
    services.return_for_correction(
        actor=actor_for(staff), certification=certification, comment=comment
    )
    certification.refresh_from_db()
    return certification


def url(name, certification=None, **kwargs):
    if certification is not None:
        kwargs["public_id"] = certification.public_id
    return reverse(f"reporting:{name}", kwargs=kwargs or None)


def state(certification):
    """What an action could change: the certification's row, findings, evidence and audit."""
    certification.refresh_from_db()
    return (
        certification.status,
        certification.values,
        certification.explanations,
        certification.review_comment,
        certification.emissions,
        sorted(
            ValidationFinding.objects.filter(certification=certification).values_list(
                "rule", "item_code", "waived_at"
            )
        ),
        EvidenceFile.objects.count(),
        MonthlyCertification.objects.count(),
        AuditEvent.objects.count(),
    )


def pdf(name="化验报告.pdf", content=b"%PDF-1.4 lab report"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def body(response) -> str:
    return response.content.decode()


class TestCertificationsPage:
    def test_each_ended_month_with_its_latest_version_due_date_and_action(
        self, client_as, owner, unit, shandong_staff
    ):
        generate_obligations(today=TODAY)
        september = submitted(owner, unit, month=9)
        august = draft(owner, unit, month=8, values={})
        july = returned(owner, unit, shandong_staff, month=7)
        response = client_as(owner).get(url("certifications"), **EN)
        assert response.status_code == 200
        (section,) = response.context["sections"]
        rows = {row["month"]: row for row in section["rows"]}
        assert list(rows) == list(range(10, 0, -1))  # January to October have ended
        assert (rows[10]["latest"], rows[10]["action"]) == (None, "start")
        assert (rows[9]["latest"], rows[9]["action"]) == (september, "view")
        assert (rows[8]["latest"], rows[8]["action"]) == (august, "continue")
        assert (rows[7]["latest"], rows[7]["action"]) == (july, "correct")
        assert str(rows[10]["obligation"].due_on) == "2026-12-10"  # October 31 + 40 days
        page = body(response)
        assert "2026-12-10" in page
        assert august.get_absolute_url() in page
        assert "Correct (new version)" in page
        assert "Continue the draft" in page

    def test_an_earlier_year_has_twelve_months(self, client_as, owner, unit):
        response = client_as(owner).get(url("certifications"), {"year": 2025})
        assert [row["month"] for row in response.context["sections"][0]["rows"]] == list(
            range(12, 0, -1)
        )

    def test_a_future_or_bad_year_falls_back_to_this_year(self, client_as, owner, unit):
        client = client_as(owner)
        assert client.get(url("certifications"), {"year": "2030"}).context["year"] == 2026
        assert client.get(url("certifications"), {"year": "x"}).context["year"] == 2026

    def test_shows_only_the_users_own_units(self, client_as, owner, unit, neighbour_user):
        other = neighbour_user.memberships.get().enterprise
        draft(neighbour_user, other, values={})
        response = client_as(owner).get(url("certifications"))
        assert [s["enterprise"] for s in response.context["sections"]] == [unit]
        assert other.name_zh not in body(response)

    def test_staff_have_no_units_here(self, client_as, shandong_staff, unit):
        response = client_as(shandong_staff).get(url("certifications"))
        assert response.status_code == 200
        assert response.context["sections"] == []


class TestStart:
    def test_starts_the_month_draft_and_opens_it(self, client_as, owner, unit):
        response = client_as(owner).post(
            url("certification-start"), {"enterprise": unit.public_id, "year": 2026, "month": 10}
        )
        certification = MonthlyCertification.objects.get()
        assert response.status_code == 302
        assert response["Location"] == certification.get_absolute_url()
        assert (certification.enterprise, certification.year, certification.month) == (
            unit,
            2026,
            10,
        )
        assert (certification.version, certification.status) == (1, SubmissionStatus.DRAFT)
        assert certification.schema.sector == "power"

    def test_the_unit_may_be_left_out_by_the_user_of_one_unit(self, client_as, owner, unit):
        client = client_as(owner)
        first = client.post(url("certification-start"), {"year": 2026, "month": 10})
        again = client.post(url("certification-start"), {"year": 2026, "month": 10})
        assert first["Location"] == again["Location"]  # the existing draft, not a second one
        assert MonthlyCertification.objects.count() == 1

    def test_a_returned_month_gets_a_new_version_with_its_values(
        self, client_as, owner, unit, shandong_staff
    ):
        old = returned(owner, unit, shandong_staff)
        response = client_as(owner).post(
            url("certification-start"), {"enterprise": unit.public_id, "year": 2026, "month": 10}
        )
        new = MonthlyCertification.objects.get(status=SubmissionStatus.DRAFT)
        assert response["Location"] == new.get_absolute_url()
        assert (new.version, new.supersedes, new.values) == (2, old, old.values)

    @pytest.mark.parametrize(
        "payload",
        [
            {"year": 2026, "month": 11},  # this month has not ended
            {"year": 2026, "month": 12},
            {"year": 2026, "month": 13},
            {"year": 2026, "month": ""},
            {"year": "last", "month": 3},
        ],
    )
    def test_bad_months_are_refused_and_nothing_is_created(self, client_as, owner, unit, payload):
        response = client_as(owner).post(
            url("certification-start"), {"enterprise": unit.public_id, **payload}, **EN
        )
        assert response.status_code == 400
        assert not MonthlyCertification.objects.exists()
        assert not AuditEvent.objects.exists()

    def test_an_unended_month_says_why(self, client_as, owner, unit):
        response = client_as(owner).post(
            url("certification-start"), {"year": 2026, "month": 11}, **EN
        )
        assert "A month can be certified once it has ended." in body(response)

    def test_another_units_id_is_404(self, client_as, owner, unit, guangdong_enterprise):
        response = client_as(owner).post(
            url("certification-start"),
            {"enterprise": guangdong_enterprise.public_id, "year": 2026, "month": 10},
        )
        assert response.status_code == 404
        assert not MonthlyCertification.objects.exists()

    @pytest.mark.parametrize("persona", ["shandong_staff", "ministry_user"])
    def test_users_of_no_unit_get_403(self, request, client_as, persona, unit):
        response = client_as(request.getfixturevalue(persona)).post(
            url("certification-start"), {"enterprise": unit.public_id, "year": 2026, "month": 10}
        )
        assert response.status_code == 403
        assert not MonthlyCertification.objects.exists()


class TestDraftForm:
    def test_one_input_per_item_grouped_with_unit_range_and_required_mark(
        self, client_as, owner, unit
    ):
        certification = draft(owner, unit)
        response = client_as(owner).get(certification.get_absolute_url(), **EN)
        assert response.status_code == 200
        form = response.context["values_form"]
        headings = [heading for heading, _members in form.groups()]
        assert headings == ["Coal", "Natural gas", "Production and operating data"]
        page = body(response)
        assert 'name="coal_ncv"' in page and 'name="natural_gas_consumption"' in page
        assert "Coal net calorific value" in page
        assert "plausible: 10–32 GJ/t" in page
        assert "plausible: up to 744 h" in page
        required = {item.code: item.is_required for item, _f in form.groups()[0][1]}
        assert required["coal_consumption"] is True
        natural_gas = form.groups()[1][1]
        assert not any(item.is_required for item, _field in natural_gas)
        assert "No findings yet: save the values to check them." in page

    def test_names_are_chinese_by_default(self, client_as, owner, unit):
        certification = draft(owner, unit)
        response = client_as(owner).get(certification.get_absolute_url())
        assert [h for h, _m in response.context["values_form"].groups()][:2] == ["燃煤", "天然气"]
        assert "燃煤低位发热量" in body(response)


class TestSave:
    def save(self, client, certification, values, **extra):
        return client.post(url("certification-save", certification), {**values, **extra}, **EN)

    def test_saves_and_shows_findings_emissions_and_a_box_per_warning(self, client_as, owner, unit):
        certification = draft(owner, unit)
        client = client_as(owner)
        response = self.save(client, certification, {**POWER, "coal_ncv": "40"})
        assert response.status_code == 302
        certification.refresh_from_db()
        assert certification.values == {**POWER, "coal_ncv": "40"}
        page = body(client.get(certification.get_absolute_url(), **EN))
        assert "Saved. The check found 0 error(s) and 2 warning(s)." in page
        assert (
            "Coal net calorific value is 40 GJ/t, outside the plausible range of 10–32 GJ/t."
            in page
        )
        assert "Month 9 has no submitted certification yet." in page
        assert 'name="explain:out_of_range:coal_ncv"' in page
        assert 'name="explain:missing_previous_month:"' in page

    def test_emissions_line_by_line_with_formula_total_and_version(self, client_as, owner, unit):
        certification = draft(owner, unit)
        client = client_as(owner)
        self.save(client, certification, POWER)
        response = client.get(certification.get_absolute_url(), **EN)
        (line,) = response.context["calculation"]
        assert (line["label"], line["tonnes"]) == ("Coal", EMISSIONS)
        page = body(response)
        assert "100000 × 20.9 × 0.0263 × 98% × 44/12" in page
        assert f'<tfoot><tr><th colspan="3">Total</th><th class="num">{EMISSIONS}' in page
        assert "Formula version: power-2022-v1." in page

    def test_errors_are_described_in_both_languages(self, client_as, owner, unit):
        certification = draft(owner, unit)
        client = client_as(owner)
        values = {**POWER, "power_generated": "", "coal_oxidation_rate": ""}
        self.save(client, certification, values)
        english = body(client.get(certification.get_absolute_url(), **EN))
        assert "Power generated is required." in english
        assert "The emissions of Coal cannot be computed: Coal oxidation rate missing." in english
        assert "Emissions are computed once the values are saved without errors." in english
        chinese = body(client.get(certification.get_absolute_url()))
        assert "发电量" in chinese

    def test_explanations_are_kept_by_the_findings_key(self, client_as, owner, unit):
        certification = draft(owner, unit, values=POWER)
        client = client_as(owner)
        response = self.save(
            client, certification, POWER, **{"explain:missing_previous_month:": "九月停机检修。"}
        )
        assert response.status_code == 302
        certification.refresh_from_db()
        assert certification.explanations == {MISSING_SEPTEMBER: "九月停机检修。"}
        assert "九月停机检修。" in body(client.get(certification.get_absolute_url()))

    @pytest.mark.parametrize("bad", ["lots", "1e400x", "-5", "NaN", "Infinity", "9" * 41])
    def test_bad_values_are_refused_and_nothing_is_saved(self, client_as, owner, unit, bad):
        certification = draft(owner, unit, values=POWER)
        before = state(certification)
        response = self.save(client_as(owner), certification, {**POWER, "coal_ncv": bad})
        assert response.status_code == 400
        assert response.context["values_form"].errors["coal_ncv"]
        assert "Nothing was saved." in body(response)
        assert state(certification) == before

    def test_a_submitted_version_is_never_saved(self, client_as, owner, unit):
        certification = submitted(owner, unit)
        before = state(certification)
        response = self.save(client_as(owner), certification, {**POWER, "coal_ncv": "21"})
        assert response.status_code == 400
        assert "A submitted certification is never changed; start a new version." in body(response)
        assert state(certification) == before

    def test_another_units_user_gets_404_and_nothing_changes(
        self, client_as, owner, unit, neighbour_user
    ):
        certification = draft(owner, unit, values=POWER)
        before = state(certification)
        response = self.save(client_as(neighbour_user), certification, {"coal_ncv": "11"})
        assert response.status_code == 404
        assert state(certification) == before

    @pytest.mark.parametrize("persona", ["shandong_staff", "ministry_user"])
    def test_staff_and_ministry_get_403(self, request, client_as, persona, owner, unit):
        certification = draft(owner, unit, values=POWER)
        before = state(certification)
        response = self.save(
            client_as(request.getfixturevalue(persona)), certification, {"coal_ncv": "11"}
        )
        assert response.status_code == 403
        assert state(certification) == before


class TestSubmit:
    def test_submits_and_meets_the_months_obligation_on_time(self, client_as, owner, unit):
        generate_obligations(today=TODAY)
        certification = draft(
            owner, unit, values=POWER, explanations={MISSING_SEPTEMBER: "九月另报。"}
        )
        client = client_as(owner)
        response = client.post(url("certification-submit", certification))
        assert response.status_code == 302
        certification.refresh_from_db()
        assert certification.status == SubmissionStatus.SUBMITTED
        assert certification.submitted_by == owner
        obligation = Obligation.objects.get(
            enterprise=unit, kind="monthly_certification", period_start__month=10
        )
        assert obligation.status == ObligationStatus.MET_ON_TIME
        page = body(client.get(certification.get_absolute_url(), **EN))
        assert 'name="coal_ncv"' not in page  # read-only now
        assert "九月另报。" in page

    def test_errors_block_submission(self, client_as, owner, unit):
        certification = draft(owner, unit, values={**POWER, "power_generated": ""})
        before = state(certification)
        response = client_as(owner).post(url("certification-submit", certification), **EN)
        assert response.status_code == 400
        assert "Correct the errors before submitting." in body(response)
        assert state(certification) == before

    def test_unexplained_warnings_block_submission(self, client_as, owner, unit):
        certification = draft(owner, unit, values=POWER)
        before = state(certification)
        response = client_as(owner).post(url("certification-submit", certification), **EN)
        assert response.status_code == 400
        assert "Explain every warning before submitting." in body(response)
        assert state(certification) == before

    def test_submitting_twice_is_refused(self, client_as, owner, unit):
        certification = submitted(owner, unit)
        before = state(certification)
        response = client_as(owner).post(url("certification-submit", certification), **EN)
        assert response.status_code == 400
        assert "Only a draft can be submitted." in body(response)
        assert state(certification) == before

    def test_another_units_user_gets_404_staff_and_ministry_403(
        self, client_as, owner, unit, neighbour_user, shandong_staff, ministry_user
    ):
        certification = draft(owner, unit, values=POWER, explanations={MISSING_SEPTEMBER: "x"})
        before = state(certification)
        submit = url("certification-submit", certification)
        assert client_as(neighbour_user).post(submit).status_code == 404
        assert client_as(shandong_staff).post(submit).status_code == 403
        assert client_as(ministry_user).post(submit).status_code == 403
        assert state(certification) == before


class TestEvidence:
    def add(self, client, certification, **fields):
        payload = {"file": pdf(), "kind": "lab_report", "item_code": "coal_ncv"}
        payload.update(fields)
        payload.setdefault("lab_report_number", "SD-2026-1107")
        payload.setdefault("lab_report_date", "2026-11-03")
        return client.post(url("evidence-add", certification), payload, **EN)

    def test_uploads_and_lists_hash_size_time_and_lab_report(self, client_as, owner, unit):
        certification = draft(owner, unit)
        client = client_as(owner)
        response = self.add(client, certification)
        assert response.status_code == 302
        evidence = EvidenceFile.objects.get()
        assert evidence.sha256 == hashlib.sha256(b"%PDF-1.4 lab report").hexdigest()
        assert evidence.file.read() == b"%PDF-1.4 lab report"
        page = body(client.get(certification.get_absolute_url(), **EN))
        assert "化验报告.pdf" in page
        assert evidence.sha256 in page
        assert "Laboratory test report" in page
        assert "Coal net calorific value" in page
        assert "SD-2026-1107 · 2026-11-03" in page
        assert "2026-11-15 10:00:00" in page  # the server's time of receipt
        assert url("evidence-download", evidence) in page

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"file": pdf("setup.exe")}, "Only PDF, PNG, JPEG and xlsx files are accepted."),
            ({"file": pdf(content=b"")}, "The submitted file is empty."),
            ({"file": ""}, "This field is required."),
            ({"kind": "rumour"}, "Select a valid choice."),
            ({"lab_report_number": ""}, "Give the lab report"),
            ({"lab_report_date": "3 Nov"}, "Enter a valid date."),
        ],
    )
    def test_bad_files_and_fields_are_refused_and_nothing_is_stored(
        self, client_as, owner, unit, fields, message, tmp_path
    ):
        certification = draft(owner, unit)
        before = state(certification)
        response = self.add(client_as(owner), certification, **fields)
        assert response.status_code == 400
        assert message in body(response)
        assert state(certification) == before
        assert not any(tmp_path.rglob("*.exe"))

    def test_an_oversized_file_is_refused(self, client_as, owner, unit, settings):
        settings.EVIDENCE_MAX_UPLOAD_BYTES = 10
        certification = draft(owner, unit)
        response = self.add(client_as(owner), certification)
        assert response.status_code == 400
        assert "The file is larger than 10\xa0bytes." in body(response)
        assert not EvidenceFile.objects.exists()

    def test_a_submitted_version_takes_no_more_evidence(self, client_as, owner, unit):
        certification = submitted(owner, unit)
        response = self.add(client_as(owner), certification)
        assert response.status_code == 400
        assert "Evidence is added to a draft" in body(response)
        assert not EvidenceFile.objects.exists()

    def test_another_units_user_gets_404_staff_and_ministry_403(
        self, client_as, owner, unit, neighbour_user, shandong_staff, ministry_user
    ):
        certification = draft(owner, unit)
        assert self.add(client_as(neighbour_user), certification).status_code == 404
        assert self.add(client_as(shandong_staff), certification).status_code == 403
        assert self.add(client_as(ministry_user), certification).status_code == 403
        assert not EvidenceFile.objects.exists()


class TestEvidenceDownload:
    @pytest.fixture
    def evidence(self, owner, unit):
        certification = draft(owner, unit)
        return services.add_evidence(
            actor=actor_for(owner),
            certification=certification,
            uploaded_file=pdf(),
            kind="lab_report",
        )

    @pytest.mark.parametrize("persona", ["owner", "shandong_staff", "jinan_staff", "ministry_user"])
    def test_served_to_whoever_may_see_the_certification(
        self, request, client_as, persona, evidence
    ):
        response = client_as(request.getfixturevalue(persona)).get(
            url("evidence-download", evidence)
        )
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"%PDF-1.4 lab report"
        assert response["Content-Disposition"].startswith("attachment;")

    @pytest.mark.parametrize("persona", ["guangdong_staff", "neighbour_user", "verifier_user"])
    def test_anyone_else_gets_404(self, request, client_as, persona, evidence, qingdao):
        response = client_as(request.getfixturevalue(persona)).get(
            url("evidence-download", evidence)
        )
        assert response.status_code == 404

    def test_staff_of_another_city_get_404(self, client_as, shandong, qingdao, evidence):
        response = client_as(users.staff(shandong, city=qingdao)).get(
            url("evidence-download", evidence)
        )
        assert response.status_code == 404

    def test_anonymous_is_sent_to_login(self, client, evidence):
        response = client.get(url("evidence-download", evidence))
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


class TestDetail:
    def test_a_submitted_version_is_read_only_with_values_findings_and_explanations(
        self, client_as, owner, unit
    ):
        certification = submitted(owner, unit)
        response = client_as(owner).get(certification.get_absolute_url(), **EN)
        assert response.status_code == 200
        context = response.context
        assert context["values_form"] is None and context["evidence_form"] is None
        assert context["accept_form"] is None
        page = body(response)
        assert '<td class="num">20.9</td><td>GJ/t</td>' in page
        assert "Month 9 has no submitted certification yet." in page
        assert "九月数据另行报送。" in page
        assert "Correct (new version)" in page

    def test_staff_of_the_province_and_city_see_the_review_forms(
        self, client_as, owner, unit, shandong_staff, jinan_staff
    ):
        certification = submitted(owner, unit)
        for staff in (shandong_staff, jinan_staff):
            response = client_as(staff).get(certification.get_absolute_url(), **EN)
            assert response.status_code == 200
            assert response.context["accept_form"] is not None
            assert response.context["return_form"] is not None
            (row,) = response.context["findings"]
            assert row["waiver_form"] is not None
            assert "Correct (new version)" not in body(response)

    def test_ministry_reads_without_any_form(self, client_as, owner, unit, ministry_user):
        certification = submitted(owner, unit)
        response = client_as(ministry_user).get(certification.get_absolute_url(), **EN)
        assert response.status_code == 200
        for name in ("values_form", "evidence_form", "accept_form", "return_form"):
            assert response.context[name] is None
        assert all(row["waiver_form"] is None for row in response.context["findings"])
        assert "<form" not in body(response).split("<main>")[1]

    @pytest.mark.parametrize(
        "persona", ["guangdong_staff", "neighbour_user", "verifier_user", "no_role_user"]
    )
    def test_others_get_404(self, request, client_as, persona, owner, unit):
        certification = submitted(owner, unit)
        response = client_as(request.getfixturevalue(persona)).get(certification.get_absolute_url())
        assert response.status_code == 404

    def test_staff_of_another_city_get_404(self, client_as, owner, unit, shandong, qingdao):
        certification = submitted(owner, unit)
        staff = users.staff(shandong, city=qingdao)
        assert client_as(staff).get(certification.get_absolute_url()).status_code == 404

    def test_unknown_id_is_404(self, client_as, owner):
        response = client_as(owner).get(
            reverse("reporting:certification-detail", args=["5f0c9a51-0000-4000-8000-000000000000"])
        )
        assert response.status_code == 404


def make_submitted(enterprise, *, month=10, values=POWER):
    user = users.enterprise_user(enterprise, username=f"user-{enterprise.pk}")
    return submitted(user, enterprise, month=month, values=values)


class TestReviewQueue:
    @pytest.fixture
    def queue(self, shandong, jinan, qingdao, guangdong_enterprise, unit, owner, shandong_staff):
        steel = EnterpriseFactory(
            province=shandong, city=qingdao, industry=industry("3120", "steel"), name_zh="青岛钢铁"
        )
        waiting = submitted(owner, unit, month=10)
        steel_values = {
            "coke_consumption": "5000",
            "coke_ncv": "28.4",
            "coke_carbon_content": "0.0295",
            "coke_oxidation_rate": "93",
            "injection_coal_consumption": "2000",
            "injection_coal_ncv": "26",
            "injection_coal_carbon_content": "0.0262",
            "injection_coal_oxidation_rate": "93",
            "limestone_quantity": "100",
            "limestone_factor": "0.44",
            "dolomite_quantity": "50",
            "dolomite_factor": "0.47",
            "hot_metal_output": "90000",
            "crude_steel_output": "95000",
        }
        steel_september = make_submitted(steel, month=9, values=steel_values)
        back = returned(owner, unit, shandong_staff, month=8)
        guangdong = make_submitted(guangdong_enterprise)
        draft(owner, unit, month=7, values=POWER)
        return {
            "waiting": waiting,
            "steel": steel_september,
            "returned": back,
            "guangdong": guangdong,
            "steel_unit": steel,
        }

    def listed(self, client, **params):
        response = client.get(url("review-queue"), params)
        assert response.status_code == 200
        return list(response.context["page"])

    def test_staff_see_what_waits_for_review_in_their_province_oldest_first(
        self, client_as, shandong_staff, queue
    ):
        response = client_as(shandong_staff).get(url("review-queue"), **EN)
        assert list(response.context["page"]) == [queue["waiting"], queue["steel"]]
        page = body(response)
        assert queue["waiting"].get_absolute_url() in page
        assert "广东测试电厂" not in page

    def test_filters(self, client_as, shandong_staff, queue, qingdao):
        client = client_as(shandong_staff)
        waiting, steel, back = queue["waiting"], queue["steel"], queue["returned"]
        assert self.listed(client, status="returned") == [back]
        assert set(self.listed(client, status="")) == {waiting, steel, back}
        assert self.listed(client, sector="steel") == [steel]
        assert self.listed(client, city=qingdao.pk) == [steel]
        assert self.listed(client, year=2026, month=9) == [steel]
        assert self.listed(client, year=2025) == []
        assert self.listed(client, q="青岛钢") == [steel]
        assert self.listed(client, q=queue["steel_unit"].uscc.lower()) == [steel]
        # Every version here warns about its month before; explain nothing away.
        assert set(self.listed(client, has_warnings="on")) == {waiting, steel}
        ValidationFinding.objects.filter(certification=steel).delete()
        assert self.listed(client, has_warnings="on") == [waiting]

    def test_bad_filter_input_is_reported_and_not_applied(self, client_as, shandong_staff, queue):
        response = client_as(shandong_staff).get(url("review-queue"), {"month": "13", "year": "x"})
        assert response.status_code == 200
        assert set(response.context["form"].errors) == {"month", "year"}
        assert list(response.context["page"]) == [queue["waiting"], queue["steel"]]

    def test_city_staff_see_their_city_only(self, client_as, jinan_staff, queue):
        assert self.listed(client_as(jinan_staff)) == [queue["waiting"]]

    def test_another_province_sees_none_of_it(self, client_as, guangdong_staff, queue):
        client = client_as(guangdong_staff)
        assert self.listed(client) == [queue["guangdong"]]
        assert self.listed(client, q="山东测试电厂") == []

    def test_ministry_sees_every_province(self, client_as, ministry_user, queue):
        assert set(self.listed(client_as(ministry_user))) == {
            queue["waiting"],
            queue["steel"],
            queue["guangdong"],
        }

    @pytest.mark.parametrize("persona", ["owner", "verifier_user", "no_role_user"])
    def test_users_who_do_not_review_get_403(self, request, client_as, persona):
        response = client_as(request.getfixturevalue(persona)).get(url("review-queue"))
        assert response.status_code == 403

    def test_paginates_by_50_and_query_count_does_not_grow(
        self, client_as, shandong_staff, shandong, jinan, django_assert_num_queries
    ):
        client = client_as(shandong_staff)
        client.get(url("review-queue"))  # warm the session
        for _ in range(3):
            make_submitted(EnterpriseFactory(province=shandong, city=jinan))
        with django_assert_num_queries(10):
            client.get(url("review-queue"))
        for _ in range(52):
            make_submitted(EnterpriseFactory(province=shandong, city=jinan))
        with django_assert_num_queries(10):
            response = client.get(url("review-queue"))
        assert len(response.context["page"]) == 50
        assert len(client.get(url("review-queue"), {"page": 2}).context["page"]) == 5


class TestReview:
    def test_accept_with_a_comment(self, client_as, owner, unit, shandong_staff):
        certification = submitted(owner, unit)
        response = client_as(shandong_staff).post(
            url("certification-accept", certification), {"comment": "数据完整。"}
        )
        assert response.status_code == 302
        assert response["Location"] == url("review-queue")
        certification.refresh_from_db()
        assert (certification.status, certification.review_comment) == ("accepted", "数据完整。")
        assert certification.reviewed_by == shandong_staff

    def test_accept_without_a_comment(self, client_as, owner, unit, jinan_staff):
        certification = submitted(owner, unit)
        response = client_as(jinan_staff).post(url("certification-accept", certification))
        assert response.status_code == 302
        certification.refresh_from_db()
        assert certification.status == SubmissionStatus.ACCEPTED

    def test_return_needs_a_comment_the_enterprise_then_sees(
        self, client_as, owner, unit, shandong_staff
    ):
        certification = submitted(owner, unit)
        before = state(certification)
        client = client_as(shandong_staff)
        refused = client.post(url("certification-return", certification), {"comment": "  "}, **EN)
        assert refused.status_code == 400
        assert refused.context["return_form"].errors["comment"]
        assert state(certification) == before
        response = client.post(
            url("certification-return", certification), {"comment": "请附化验报告。"}
        )
        assert response.status_code == 302
        certification.refresh_from_db()
        assert certification.status == SubmissionStatus.RETURNED
        page = body(client_as(owner).get(certification.get_absolute_url(), **EN))
        assert "Comment from the provincial department" in page
        assert "请附化验报告。" in page

    @pytest.mark.parametrize("action", ["certification-accept", "certification-return"])
    def test_only_a_submitted_version_is_reviewed(
        self, client_as, owner, unit, shandong_staff, action
    ):
        certification = draft(owner, unit, values=POWER)
        before = state(certification)
        response = client_as(shandong_staff).post(
            url(action, certification), {"comment": "x"}, **EN
        )
        assert response.status_code == 400
        assert "Only a submitted certification can be reviewed." in body(response)
        assert state(certification) == before

    @pytest.mark.parametrize("action", ["certification-accept", "certification-return"])
    def test_another_province_gets_404_and_nothing_changes(
        self, client_as, owner, unit, guangdong_staff, action
    ):
        certification = submitted(owner, unit)
        before = state(certification)
        response = client_as(guangdong_staff).post(url(action, certification), {"comment": "x"})
        assert response.status_code == 404
        assert state(certification) == before

    @pytest.mark.parametrize("persona", ["owner", "ministry_user"])
    @pytest.mark.parametrize("action", ["certification-accept", "certification-return"])
    def test_the_enterprise_and_the_ministry_get_403(
        self, request, client_as, unit, owner, persona, action
    ):
        certification = submitted(owner, unit)
        before = state(certification)
        response = client_as(request.getfixturevalue(persona)).post(
            url(action, certification), {"comment": "x"}
        )
        assert response.status_code == 403
        assert state(certification) == before


class TestWaive:
    @pytest.fixture
    def warning(self, owner, unit):
        certification = submitted(owner, unit)
        return ValidationFinding.objects.get(certification=certification)

    def waive(self, client, finding, justification="九月停产，已电话核实。"):
        return client.post(
            url("finding-waive", finding.certification, finding_id=finding.pk),
            {f"waive-{finding.pk}-justification": justification},
            **EN,
        )

    def test_staff_waive_a_warning_shown_to_reviewers(
        self, client_as, warning, shandong_staff, ministry_user, owner
    ):
        response = self.waive(client_as(shandong_staff), warning)
        assert response.status_code == 302
        warning.refresh_from_db()
        assert (warning.waived_by, warning.waiver_justification) == (
            shandong_staff,
            "九月停产，已电话核实。",
        )
        assert AuditEvent.objects.filter(changes__has_key="waiver:missing_previous_month:")
        certification_url = warning.certification.get_absolute_url()
        for reviewer in (shandong_staff, ministry_user):
            page = body(client_as(reviewer).get(certification_url, **EN))
            assert "Waived" in page and "九月停产，已电话核实。" in page
        page = body(client_as(owner).get(certification_url, **EN))
        assert "Waived" in page

    def test_a_justification_is_required(self, client_as, warning, shandong_staff):
        response = self.waive(client_as(shandong_staff), warning, justification="")
        assert response.status_code == 400
        warning.refresh_from_db()
        assert warning.waived_at is None

    def test_an_error_cannot_be_waived(self, client_as, owner, unit, shandong_staff):
        certification = draft(owner, unit, values={**POWER, "power_generated": ""})
        error = ValidationFinding.objects.get(certification=certification, rule="required")
        response = self.waive(client_as(shandong_staff), error)
        assert response.status_code == 400
        assert "Only a warning can be waived; an error must be corrected." in body(response)
        error.refresh_from_db()
        assert error.waived_at is None

    def test_a_finding_of_another_certification_is_404(
        self, client_as, warning, shandong_staff, guangdong_enterprise
    ):
        other = make_submitted(guangdong_enterprise)
        response = client_as(shandong_staff).post(
            url("finding-waive", warning.certification, finding_id=other.findings.get().pk),
            {"justification": "x"},
        )
        assert response.status_code == 404
        assert not ValidationFinding.objects.exclude(waived_at=None).exists()

    def test_another_province_gets_404_the_enterprise_and_ministry_403(
        self, client_as, warning, guangdong_staff, owner, ministry_user
    ):
        assert self.waive(client_as(guangdong_staff), warning).status_code == 404
        assert self.waive(client_as(owner), warning).status_code == 403
        assert self.waive(client_as(ministry_user), warning).status_code == 403
        warning.refresh_from_db()
        assert warning.waived_at is None


class TestStateMachineThroughThePages:
    def test_submit_return_correct_diff_submit_accept(self, client_as, owner, unit, shandong_staff):
        generate_obligations(today=TODAY)
        enterprise = client_as(owner)
        start = enterprise.post(url("certification-start"), {"year": 2026, "month": 10})
        first = MonthlyCertification.objects.get()
        assert start["Location"] == first.get_absolute_url()
        enterprise.post(url("certification-save", first), POWER)
        # The first save found the warning and shows its box; the second explains it.
        assert 'name="explain:missing_previous_month:"' in body(
            enterprise.get(first.get_absolute_url())
        )
        enterprise.post(
            url("certification-save", first),
            {**POWER, "explain:missing_previous_month:": "九月另报。"},
        )
        assert enterprise.post(url("certification-submit", first)).status_code == 302
        obligation = Obligation.objects.get(
            enterprise=unit, kind="monthly_certification", period_start__month=10
        )
        assert obligation.status == ObligationStatus.MET_ON_TIME

        staff = client_as(shandong_staff)
        staff.post(url("certification-return", first), {"comment": "燃煤消耗量有误。"})

        enterprise = client_as(owner)
        assert "燃煤消耗量有误。" in body(enterprise.get("/"))
        enterprise.post(url("certification-start"), {"year": 2026, "month": 10})
        second = MonthlyCertification.objects.get(version=2)
        assert second.values == POWER
        enterprise.post(
            url("certification-save", second),
            {**POWER, "coal_consumption": "98000", "explain:missing_previous_month:": "九月另报。"},
        )
        page = body(enterprise.get(second.get_absolute_url(), **EN))
        assert "Changes against version 1" in page
        assert '<td class="num"><del>100000</del></td><td class="num"><ins>98000</ins></td>' in page
        assert enterprise.post(url("certification-submit", second)).status_code == 302
        first.refresh_from_db()
        assert first.status == SubmissionStatus.SUPERSEDED

        staff = client_as(shandong_staff)
        review_page = staff.get(second.get_absolute_url(), **EN)
        assert [c.code for c in review_page.context["diff"]] == ["coal_consumption"]
        assert "<del>100000</del>" in body(review_page)
        assert list(staff.get(url("review-queue")).context["page"]) == [second]
        assert staff.post(url("certification-accept", second)).status_code == 302
        second.refresh_from_db()
        assert second.status == SubmissionStatus.ACCEPTED
        obligation.refresh_from_db()
        assert obligation.status == ObligationStatus.MET_ON_TIME
        assert obligation.fulfilment == f"reporting.monthlycertification:{first.pk}"
        # The old version stays readable.
        assert staff.get(first.get_absolute_url()).status_code == 200


class TestEnterpriseHome:
    def test_what_is_required_now_as_actions_with_links(
        self, client_as, owner, unit, shandong_staff
    ):
        generate_obligations(today=TODAY)
        back = returned(owner, unit, shandong_staff, month=8, comment="请更正供电量。")
        in_progress = draft(owner, unit, month=7, values={})
        response = client_as(owner).get("/", **EN)
        assert response.status_code == 200
        required = response.context["required"]
        (month,) = required.to_certify
        assert (month.year, month.month, month.draft, month.earlier_missing) == (2026, 10, None, 8)
        assert required.returned == [back]
        assert required.drafts == [in_progress]
        page = body(response)
        assert "Action required: certify the accounting data of 2026-10 for 山东测试电厂" in page
        assert "due 2026-12-10" in page
        assert "8 earlier months have no submitted certification either." in page
        assert "Action required: correct the monthly certification of 2026-08" in page
        assert "请更正供电量。" in page
        assert "Action required: finish and submit the draft of 2026-07 (version 1)" in page
        assert in_progress.get_absolute_url() in page
        assert url("certification-start") in page

    def test_the_draft_of_the_month_is_continued_not_started(self, client_as, owner, unit):
        october = draft(owner, unit, values={})
        response = client_as(owner).get("/", **EN)
        (month,) = response.context["required"].to_certify
        assert month.draft == october
        assert response.context["required"].drafts == []
        assert "Action required: finish and submit the monthly certification of 2026-10" in body(
            response
        )

    def test_a_submitted_month_leaves_the_latest_missing_one(self, client_as, owner, unit):
        submitted(owner, unit, month=10)
        (month,) = client_as(owner).get("/").context["required"].to_certify
        assert (month.month, month.earlier_missing) == (9, 8)

    def test_nothing_required_when_every_month_is_submitted(self, client_as, owner, unit):
        for month in range(1, 11):
            submitted(owner, unit, month=month)
        response = client_as(owner).get("/", **EN)
        assert response.context["required"].to_certify == []
        assert "No monthly certification waits for you." in body(response)

    def test_a_unit_outside_the_monthly_rule_is_not_asked(self, client_as, shandong):
        paper = EnterpriseFactory(province=shandong, industry=industry("2221", "paper"))
        user = users.enterprise_user(paper, username="paper-user")
        assert client_as(user).get("/").context["required"].to_certify == []

    def test_in_january_last_december_is_required(self, client_as, owner, unit, time_machine):
        time_machine.move_to(datetime(2027, 1, 20, 9, tzinfo=ZoneInfo("Asia/Shanghai")))
        (month,) = client_as(owner).get("/").context["required"].to_certify
        assert (month.year, month.month, month.earlier_missing) == (2026, 12, 0)

    def test_query_count_does_not_grow_with_units_and_versions(
        self, client_as, shandong, unit, owner, shandong_staff, django_assert_num_queries
    ):
        client = client_as(owner)
        client.get("/")  # warm the session
        draft(owner, unit, month=3, values={})
        with django_assert_num_queries(HOME_QUERIES):
            client.get("/")
        more = EnterpriseFactory.create_batch(4, province=shandong)
        for enterprise in more:
            users.Membership.objects.create(
                user=owner, role="enterprise_user", enterprise=enterprise
            )
        owner = type(owner).objects.get(pk=owner.pk)  # its memberships changed
        for month in (4, 5, 6):
            returned(owner, unit, shandong_staff, month=month)
        for enterprise in more:
            draft(owner, enterprise, month=9, values={})
        with django_assert_num_queries(HOME_QUERIES):
            response = client.get("/")
        assert len(response.context["required"].to_certify) == 5
        assert len(response.context["required"].returned) == 3


class TestCrossTenant:
    """Every page and action on a Shandong unit's certification, tried by outsiders."""

    def attempts(self, client, certification, evidence, finding):
        yield "detail", client.get(certification.get_absolute_url())
        yield "save", client.post(url("certification-save", certification), POWER)
        yield "submit", client.post(url("certification-submit", certification))
        yield (
            "evidence",
            client.post(url("evidence-add", certification), {"file": pdf(), "kind": "other"}),
        )
        yield "download", client.get(url("evidence-download", evidence))
        yield "accept", client.post(url("certification-accept", certification))
        yield "return", client.post(url("certification-return", certification), {"comment": "x"})
        yield (
            "waive",
            client.post(
                url("finding-waive", certification, finding_id=finding.pk), {"justification": "x"}
            ),
        )

    @pytest.mark.parametrize("persona", ["guangdong_staff", "neighbour_user", "qingdao_staff"])
    def test_every_page_and_action_is_404_and_changes_nothing(
        self, request, client_as, persona, owner, unit, shandong, qingdao
    ):
        certification = draft(owner, unit, values=POWER)
        evidence = services.add_evidence(
            actor=actor_for(owner), certification=certification, uploaded_file=pdf(), kind="other"
        )
        finding = certification.findings.get()
        outsider = (
            users.staff(shandong, city=qingdao)
            if persona == "qingdao_staff"
            else request.getfixturevalue(persona)
        )
        before = state(certification)
        client = client_as(outsider)
        for name, response in self.attempts(client, certification, evidence, finding):
            assert response.status_code == 404, name
        assert state(certification) == before
        start = client.post(
            url("certification-start"), {"enterprise": unit.public_id, "year": 2026, "month": 9}
        )
        assert start.status_code in (403, 404)
        assert MonthlyCertification.objects.count() == 1


def test_uploaded_evidence_is_not_served_from_the_media_url(client):
    """Evidence is only served through the scoped download view, never as a static file."""
    with pytest.raises(Resolver404):
        resolve("/media/evidence/x/y/report.pdf")
