"""The verifier portal: the assignments list, the work package, recording the work and
submitting the conclusion; refusals with their reasons; bad input; who may see and act (another
institution's verifier and another province's staff get 404, nothing changes). The clock is
fixed at 2026-05-20 10:00 in Asia/Shanghai, while power verification (due Jun 30) is under way.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from core.errors import DomainError, NotFound, PermissionDenied
from core.models import AuditEvent
from deadlines.messages import describe
from deadlines.models import Notification
from tests.factories import accounts as users
from tests.factories.reporting import AnnualReportFactory
from tests.factories.units import EnterpriseFactory, FacilityFactory
from tests.factories.verification import AssignmentFactory, InstitutionFactory
from tests.factories.verification_work import (
    attachment,
    certification,
    complete_work,
    evidence,
    plan,
    power_assignment,
)
from verification import work
from verification.models import (
    AssignmentStatus,
    NonConformity,
    NonConformityStatus,
    VerifiedActivity,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Refusals are checked in English (the site's default language is Chinese)."""
    with translation.override("en"):
        yield


NOW = datetime(2026, 5, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def assignment(shandong_enterprise, institution):
    return power_assignment(shandong_enterprise, institution)


@pytest.fixture
def other_verifier(shandong):
    """A verifier of another institution serving the same province."""
    return users.verifier(InstitutionFactory(provinces=[shandong]), username="other-verifier")


def url(name, assignment, **extra):
    return reverse(f"verification:{name}", kwargs={"public_id": assignment.public_id, **extra})


def body(response) -> str:
    return response.content.decode()


def activity_post(assignment, values) -> dict:
    """The activity form's data: `values` per (facility name, item code)."""
    return {
        f"{facility.public_id}:{code}": value
        for facility in assignment.enterprise.facilities.all()
        for (name, code), value in values.items()
        if name == facility.name
    }


FULL_ACTIVITY = {
    ("1号机组", "power_generated"): "1500000",
    ("1号机组", "heat_supplied"): "0",
    ("2号机组", "power_generated"): "1480000.5",
    ("2号机组", "heat_supplied"): "12000",
}


def state(assignment):
    assignment.refresh_from_db()
    return (
        assignment.status,
        assignment.document_review,
        assignment.site_visit,
        assignment.verified_emissions,
        assignment.conclusion,
        NonConformity.objects.count(),
        VerifiedActivity.objects.count(),
        AuditEvent.objects.count(),
    )


class TestHappyPath:
    def test_verifier_records_the_work_and_submits_the_conclusion(
        self, client_as, verifier_user, assignment, shandong_enterprise_user, shandong_staff,
        guangdong_staff,
    ):  # fmt: skip
        certification(assignment.enterprise, 1)
        plan(assignment.enterprise)
        client = client_as(verifier_user)
        listing = body(client.get(reverse("verification:my-assignments"), **EN))
        assert assignment.enterprise.name_zh in listing

        page = body(client.get(assignment.get_absolute_url(), **EN))
        assert "What is verified" in page
        assert "3000000" in page  # the report's power generated
        assert "2025-01" in page  # the monthly certification
        assert "厂界内全部燃煤机组。" in page  # the plan
        assert "The document review is not recorded." in page  # what is still missing

        steps = [
            ("assignment-document-review", {"text": "核对排放报告与台账。", "date": "2026-04-20"}),
            ("assignment-site-visit", {"text": "查看皮带秤与化验室。", "date": "2026-05-10"}),
            ("assignment-nc-raise", {"item_code": "coal_ncv", "description": "缺3月化验单。"}),
            ("assignment-emissions", {"emissions": "2431234.56"}),
            ("assignment-activity", activity_post(assignment, FULL_ACTIVITY)),
        ]  # fmt: skip
        for name, data in steps:
            response = client.post(url(name, assignment), data)
            assert response.status_code == 302, (name, body(response))
        non_conformity = NonConformity.objects.get()
        response = client.post(
            url("assignment-nc-close", assignment, nc_id=non_conformity.public_id),
            {"status": "rectified", "rectification": "已补交化验单。", "closed_on": "2026-05-15"},
        )
        assert response.status_code == 302
        response = client.post(
            url("assignment-conclude", assignment), {"conclusion": "数据真实准确，符合指南要求。"}
        )
        assert response.status_code == 302

        assignment.refresh_from_db()
        assert assignment.status == AssignmentStatus.CONCLUDED
        assert assignment.concluded_by == verifier_user
        assert assignment.verified_emissions == Decimal("2431234.56")
        assert assignment.document_reviewed_on.isoformat() == "2026-04-20"
        assert sorted(
            (row.facility.name, row.item_code, row.value, row.unit)
            for row in assignment.activity.all()
        ) == [
            ("1号机组", "heat_supplied", Decimal("0"), "GJ"),
            ("1号机组", "power_generated", Decimal("1500000"), "MWh"),
            ("2号机组", "heat_supplied", Decimal("12000"), "GJ"),
            ("2号机组", "power_generated", Decimal("1480000.5"), "MWh"),
        ]
        non_conformity.refresh_from_db()
        assert non_conformity.status == NonConformityStatus.RECTIFIED
        # The province's staff are asked to confirm or return it; no one else is.
        notice = Notification.objects.get(kind="conclusion_submitted")
        assert notice.recipient == shandong_staff
        with translation.override("en"):
            message = describe(notice, today=date(2026, 5, 20))
        assert message.title.startswith("Action required: confirm or return the verification")
        assert "2,431,234.56" in message.body
        assert message.url == assignment.get_absolute_url()
        history = AuditEvent.objects.filter(actor=verifier_user)
        assert history.count() == 7  # every step, each audited
        assert history.filter(changes__has_key="verified_activity").exists()

        page = body(client.get(assignment.get_absolute_url(), **EN))
        assert "Conclusion submitted" in page and "Save" not in page  # read-only now

        # The enterprise sees only that the verification is in progress.
        page = body(client_as(shandong_enterprise_user).get(assignment.get_absolute_url(), **EN))
        assert "in progress" in page
        assert "数据真实准确" not in page and "2431234.56" not in page and "缺3月化验单" not in page

    @pytest.mark.parametrize("headers", [EN, ZH])
    def test_pages_render_in_both_languages(self, client_as, verifier_user, assignment, headers):
        client = client_as(verifier_user)
        page = body(client.get(assignment.get_absolute_url(), **headers))
        listing = body(client.get(reverse("verification:my-assignments"), **headers))
        assert assignment.enterprise.name_zh in page and assignment.enterprise.name_zh in listing
        assert ('lang="zh-hans"' in page) == (headers is ZH)


class TestConclusionRefusals:
    def test_every_missing_part_is_named_at_once_and_nothing_changes(
        self, client_as, verifier_user, assignment
    ):
        before = state(assignment)
        response = client_as(verifier_user).post(
            url("assignment-conclude", assignment), {"conclusion": ""}, **EN
        )
        assert response.status_code == 400
        reasons = response.context["reasons"]
        assert "The document review is not recorded." in reasons
        assert "The on-site check is not recorded." in reasons
        assert "The verified emissions are not entered." in reasons
        assert "Verified activity data missing: 2号机组, Heat supplied." in reasons
        assert "Write the conclusion." in reasons
        assert len(reasons) == 3 + 4 + 1
        assert state(assignment) == before

    def test_an_open_non_conformity_blocks_the_conclusion(self, actor, verifier_user, assignment):
        complete_work(assignment)
        verifier = actor(verifier_user)
        work.raise_non_conformity(
            actor=verifier, assignment=assignment, item_code="", description="缺少校准证书。"
        )
        with pytest.raises(work.ConclusionRefused) as refused:
            work.submit_conclusion(actor=verifier, assignment=assignment, conclusion="结论。")
        assert refused.value.reasons == ["Non-conformity still open: 缺少校准证书。."]
        assignment.refresh_from_db()
        assert assignment.status == AssignmentStatus.ASSIGNED

    def test_not_rectified_needs_the_conservative_basis(
        self, client_as, actor, verifier_user, assignment
    ):
        complete_work(assignment)
        verifier = actor(verifier_user)
        non_conformity = work.raise_non_conformity(
            actor=verifier, assignment=assignment, item_code="coal_ncv", description="缺化验单。"
        )
        work.close_non_conformity(
            actor=verifier,
            non_conformity=non_conformity,
            status=NonConformityStatus.NOT_RECTIFIED,
            rectification="企业未能补交。",
            closed_on=NOW.date(),
        )
        client = client_as(verifier_user)
        response = client.post(
            url("assignment-conclude", assignment),
            {"conclusion": "结论。"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 400
        assert any("conservative" in reason for reason in response.context["reasons"])
        assert state(assignment)[0] == AssignmentStatus.ASSIGNED

        basis = "3月低位发热量取缺省值的保守值。"
        response = client.post(
            url("assignment-conclude", assignment),
            {"conclusion": "结论。", "conservative_basis": basis},
        )
        assert response.status_code == 302
        assignment.refresh_from_db()
        assert assignment.status == AssignmentStatus.CONCLUDED
        assert assignment.conservative_basis == basis

    def test_a_unit_without_generating_units_cannot_be_concluded(
        self, actor, verifier_user, institution, shandong
    ):
        bare = power_assignment(EnterpriseFactory(province=shandong), institution, units=())
        complete_work(bare)
        with pytest.raises(work.ConclusionRefused) as refused:
            work.submit_conclusion(actor=actor(verifier_user), assignment=bare, conclusion="结论。")
        assert "register its facilities" in refused.value.reasons[0]


class TestBadInput:
    @pytest.mark.parametrize(
        ("name", "data", "form", "field"),
        [
            ("assignment-document-review", {"text": "", "date": "2026-04-20"}, "document", "text"),
            ("assignment-document-review", {"text": "评审。", "date": "2026-13-40"}, "document",
             "date"),
            ("assignment-site-visit", {"text": "现场。", "date": ""}, "visit", "date"),
            ("assignment-nc-raise", {"item_code": "x", "description": " "}, "raise", "description"),
            ("assignment-emissions", {"emissions": "-1"}, "emissions", "emissions"),
            ("assignment-emissions", {"emissions": "很多"}, "emissions", "emissions"),
            ("assignment-emissions", {"emissions": "12.345"}, "emissions", "emissions"),
        ],
    )  # fmt: skip
    def test_refused_with_the_field_named_and_nothing_saved(
        self, client_as, verifier_user, assignment, name, data, form, field
    ):
        before = state(assignment)
        response = client_as(verifier_user).post(url(name, assignment), data, **EN)
        assert response.status_code == 400
        assert field in response.context[f"{form}_form"].errors
        assert "Nothing was saved." in body(response)
        assert state(assignment) == before

    def test_a_future_date_is_refused(self, client_as, verifier_user, assignment):
        before = state(assignment)
        response = client_as(verifier_user).post(
            url("assignment-site-visit", assignment), {"text": "现场。", "date": "2026-05-21"}, **EN
        )
        assert response.status_code == 400
        assert "The date cannot be in the future." in body(response)
        assert state(assignment) == before

    def test_a_negative_activity_value_is_refused(self, client_as, verifier_user, assignment):
        complete_work(assignment)
        before = state(assignment)
        data = activity_post(assignment, {**FULL_ACTIVITY, ("2号机组", "heat_supplied"): "-5"})
        response = client_as(verifier_user).post(url("assignment-activity", assignment), data)
        assert response.status_code == 400
        assert state(assignment) == before

    def test_closing_with_an_unknown_outcome_is_refused(
        self, client_as, actor, verifier_user, assignment
    ):
        non_conformity = work.raise_non_conformity(
            actor=actor(verifier_user), assignment=assignment, item_code="", description="问题。"
        )
        before = state(assignment)
        response = client_as(verifier_user).post(
            url("assignment-nc-close", assignment, nc_id=non_conformity.public_id),
            {"status": "open", "rectification": "已整改。", "closed_on": "2026-05-15"},
        )
        assert response.status_code == 400
        non_conformity.refresh_from_db()
        assert non_conformity.status == NonConformityStatus.OPEN
        assert state(assignment) == before

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"item_code": "coal_consumption"}, "Row 1: coal_consumption is not an activity item"),
            ({"unit": "kWh"}, "Row 1: Power generated is recorded in MWh."),
            ({"value": Decimal("-1")}, "Row 1: enter a number of zero or more."),
            ({"value": Decimal("1.00001")}, "Row 1: at most four decimal places."),
        ],
    )
    def test_activity_rows_are_checked_and_the_bad_row_named(
        self, actor, verifier_user, assignment, change, message
    ):
        facility = assignment.enterprise.facilities.first()
        row = {
            "facility": facility,
            "item_code": "power_generated",
            "value": Decimal(1),
            "unit": "MWh",
        }
        before = state(assignment)
        with pytest.raises(DomainError, match=message):
            work.record_activity(
                actor=actor(verifier_user),
                assignment=assignment,
                rows=[work.ActivityRow(**{**row, **change})],
            )
        assert state(assignment) == before

    def test_another_units_facility_or_a_repeated_row_is_refused(
        self, actor, verifier_user, assignment, shandong
    ):
        own = assignment.enterprise.facilities.first()
        foreign = FacilityFactory(enterprise=EnterpriseFactory(province=shandong))
        verifier = actor(verifier_user)
        row = work.ActivityRow(own, "power_generated", Decimal(1), "MWh")
        with pytest.raises(DomainError, match=r"Row 2: the facility is not this unit's\."):
            work.record_activity(
                actor=verifier,
                assignment=assignment,
                rows=[row, work.ActivityRow(foreign, "power_generated", Decimal(1), "MWh")],
            )
        with pytest.raises(DomainError, match=r"Row 2 repeats a facility and item\."):
            work.record_activity(actor=verifier, assignment=assignment, rows=[row, row])
        assert not VerifiedActivity.objects.exists()

    def test_recording_activity_again_replaces_the_rows(self, actor, verifier_user, assignment):
        complete_work(assignment)
        facility = assignment.enterprise.facilities.get(name="1号机组")
        work.record_activity(
            actor=actor(verifier_user),
            assignment=assignment,
            rows=[work.ActivityRow(facility, "power_generated", Decimal(7), "MWh")],
        )
        assert list(assignment.activity.values_list("item_code", "value")) == [
            ("power_generated", Decimal(7))
        ]


class TestWhoMayAct:
    ACTIONS = [
        ("assignment-document-review", {"text": "评审。", "date": "2026-04-20"}),
        ("assignment-site-visit", {"text": "现场。", "date": "2026-05-10"}),
        ("assignment-nc-raise", {"item_code": "", "description": "问题。"}),
        ("assignment-emissions", {"emissions": "100"}),
        ("assignment-conclude", {"conclusion": "结论。"}),
    ]

    @pytest.mark.parametrize("persona", ["other_verifier", "guangdong_staff"])
    def test_another_institution_or_province_gets_404_and_nothing_changes(
        self, client_as, request, assignment, persona
    ):
        client = client_as(request.getfixturevalue(persona))
        complete_work(assignment)
        non_conformity = NonConformity.objects.create(assignment=assignment, description="问题。")
        before = state(assignment)
        assert client.get(assignment.get_absolute_url()).status_code == 404
        # Nor the report itself, which is this institution's only through an assignment.
        assert client.get(assignment.report.get_absolute_url()).status_code == 404
        for name, data in [
            *self.ACTIONS,
            ("assignment-activity", activity_post(assignment, FULL_ACTIVITY)),
        ]:
            assert client.post(url(name, assignment), data).status_code == 404, name
        close = url("assignment-nc-close", assignment, nc_id=non_conformity.public_id)
        data = {"status": "rectified", "rectification": "已整改。", "closed_on": "2026-05-15"}
        assert client.post(close, data).status_code == 404
        assert state(assignment) == before

    def test_another_institution_is_refused_by_the_services_too(
        self, actor, other_verifier, assignment
    ):
        with pytest.raises(NotFound):
            work.record_document_review(
                actor=actor(other_verifier),
                assignment=assignment,
                text="评审。",
                reviewed_on=NOW.date(),
            )

    @pytest.mark.parametrize("persona", ["shandong_staff", "shandong_enterprise_user"])
    def test_staff_and_the_enterprise_see_but_may_not_record(
        self, client_as, actor, request, assignment, persona
    ):
        user = request.getfixturevalue(persona)
        client = client_as(user)
        before = state(assignment)
        assert client.get(assignment.get_absolute_url()).status_code == 200
        for name, data in self.ACTIONS:
            assert client.post(url(name, assignment), data).status_code == 403, name
        with pytest.raises(PermissionDenied):
            work.set_verified_emissions(
                actor=actor(user), assignment=assignment, emissions=Decimal(1)
            )
        assert state(assignment) == before

    def test_any_verifier_of_the_institution_may_record_not_only_the_team(
        self, client_as, institution, shandong_enterprise, verifier_user
    ):
        assignment = power_assignment(shandong_enterprise, institution, team=[verifier_user])
        colleague = users.verifier(institution, username="colleague")
        response = client_as(colleague).post(
            url("assignment-emissions", assignment), {"emissions": "100"}
        )
        assert response.status_code == 302

    def test_a_concluded_assignment_cannot_be_changed(self, client_as, verifier_user, assignment):
        complete_work(assignment)
        assignment.status = AssignmentStatus.CONCLUDED
        assignment.save()
        before = state(assignment)
        response = client_as(verifier_user).post(
            url("assignment-emissions", assignment), {"emissions": "100"}, **EN
        )
        assert response.status_code == 400
        assert "only if the provincial department returns it" in body(response)
        assert state(assignment) == before

    def test_a_withdrawn_assignment_is_gone_for_the_verifier_not_for_staff(
        self, client_as, verifier_user, shandong_staff, assignment
    ):
        assignment.status = AssignmentStatus.WITHDRAWN
        assignment.save()
        client = client_as(verifier_user)
        assert client.get(assignment.get_absolute_url()).status_code == 404
        assert (
            client.post(url("assignment-emissions", assignment), {"emissions": "1"}).status_code
            == 404
        )
        listing = client.get(reverse("verification:my-assignments"))
        assert len(listing.context["page"]) == 0
        assert client_as(shandong_staff).get(assignment.get_absolute_url()).status_code == 200

    def test_the_list_is_for_verifiers(self, client_as, shandong_staff):
        assert (
            client_as(shandong_staff).get(reverse("verification:my-assignments")).status_code == 403
        )


class TestEvidence:
    def test_the_verifier_downloads_the_work_packages_files_through_the_assignment(
        self, client_as, verifier_user, shandong_enterprise_user, assignment
    ):
        owner = shandong_enterprise_user
        month = certification(assignment.enterprise, 3)
        metering = evidence(month, uploaded_by=owner)
        report_file = attachment(assignment.report, uploaded_by=owner)
        client = client_as(verifier_user)
        page = body(client.get(assignment.get_absolute_url(), **EN))
        assert metering.original_name in page and report_file.original_name in page
        for stored, content in ((metering, b"metering record"), (report_file, b"annual report")):
            response = client.get(url("assignment-evidence", assignment, file_id=stored.public_id))
            assert response.status_code == 200
            assert b"".join(response.streaming_content) == content
        # The reporting app's own download stays closed to the verifier.
        reporting_url = reverse(
            "reporting:evidence-download", kwargs={"public_id": metering.public_id}
        )
        assert client.get(reporting_url).status_code == 404

    def test_files_outside_the_package_are_not_found(
        self,
        client_as,
        verifier_user,
        other_verifier,
        shandong_enterprise_user,
        assignment,
        shandong,
    ):
        owner = shandong_enterprise_user
        other_unit = EnterpriseFactory(province=shandong)
        outside = [
            evidence(certification(other_unit, 1), uploaded_by=owner),  # another unit's
            evidence(certification(assignment.enterprise, 1, year=2024), uploaded_by=owner),
            evidence(
                certification(assignment.enterprise, 2, status="draft"), uploaded_by=owner
            ),  # not what the unit stands by
        ]
        client = client_as(verifier_user)
        for stored in outside:
            response = client.get(url("assignment-evidence", assignment, file_id=stored.public_id))
            assert response.status_code == 404
        inside = attachment(assignment.report, uploaded_by=owner)
        response = client_as(other_verifier).get(
            url("assignment-evidence", assignment, file_id=inside.public_id)
        )
        assert response.status_code == 404


class TestMyAssignmentsQueries:
    def test_query_count_does_not_grow_with_rows(
        self, client_as, verifier_user, institution, shandong, django_assert_num_queries
    ):
        def make(count):
            for _ in range(count):
                unit = EnterpriseFactory(province=shandong)
                made = AssignmentFactory(
                    report=AnnualReportFactory(enterprise=unit), institution=institution
                )
                NonConformity.objects.create(assignment=made, description="问题。")

        client = client_as(verifier_user)
        other = AssignmentFactory(institution=InstitutionFactory(provinces=[shandong]))
        make(2)
        client.get(reverse("verification:my-assignments"))  # warm the session
        with django_assert_num_queries(9):
            response = client.get(reverse("verification:my-assignments"))
        assert len(response.context["page"]) == 2
        make(55)
        with django_assert_num_queries(9):
            response = client.get(reverse("verification:my-assignments"))
        rows = list(response.context["page"])
        assert len(rows) == 50 and all(row.open_non_conformities == 1 for row in rows)
        assert other not in rows
