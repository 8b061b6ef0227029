"""The allocation pages: batches (list, draft, detail, the four-eyes workflow, issuance, the
registry table downloads), one allocation (line by line, the pre-allocation notice, review
requests and decisions): happy paths, bad input (400, nothing saved), other provinces (404,
nothing changed), enterprise users seeing only their own, the ministry read-only, and pinned
query counts."""

import io
import shutil
import subprocess
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.urls import reverse

from accounts.scoping import actor_for
from quotas.batch_workflow import approve_batch, submit_batch
from quotas.determination import draft_determination
from quotas.issuance import draft_allocation
from quotas.models import Allocation, AllocationBatch, AllocationReview, BatchStatus, ReviewStatus
from quotas.pre_allocation import draft_pre_allocation
from tests.factories import accounts as users
from tests.factories.quotas_allocation import coal_unit, power_activity, unit, verified

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
PRE_ALLOCATION_DAY = datetime(2026, 6, 20, 10, 0, tzinfo=SHANGHAI)
DETERMINATION_DAY = datetime(2026, 9, 10, 10, 0, tzinfo=SHANGHAI)
IN_THE_WINDOW = datetime(2026, 9, 14, 10, 0, tzinfo=SHANGHAI)
AFTER_THE_WINDOW = datetime(2026, 9, 22, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def client_as(client):
    """Log a persona in, reading the pages in English (messages are asserted in their source)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def approver(shandong):
    return users.staff(shandong, username="shandong-approver")


def power_plant(province, name, *, generated=3_000_000, heat=1_200_000, city=None):
    enterprise = unit(province, name_zh=name, city=city)
    facility = coal_unit(enterprise)
    for year in (2024, 2025):
        verified(
            enterprise,
            year,
            emissions=2_600_000,
            activity=power_activity(facility, generated=generated, heat=heat),
        )
    return enterprise


@pytest.fixture
def plant(shandong, jinan):
    """The worked example: pre-allocated 1,778,593 t, determined 2,540,847 t."""
    return power_plant(shandong, "山东华能测试电厂", city=jinan)


@pytest.fixture
def plant_user(plant):
    return users.enterprise_user(plant, username="plant-user")


@pytest.fixture
def other_unit_user(shandong):
    """A user of another Shandong unit (of a sector not allocated here)."""
    return users.enterprise_user(unit(shandong, sector="steel"), username="other-unit-user")


@pytest.fixture
def guangdong_plant(guangdong):
    return power_plant(guangdong, "广东测试电厂")


def draft(staff, province, step="pre_allocation", year=2025, sector="power"):
    drafts = {
        "pre_allocation": draft_pre_allocation,
        "determination": draft_determination,
        "allocation": draft_allocation,
    }
    return drafts[step](actor=actor_for(staff), province=province, year=year, sector=sector)


def approve(batch, staff, approver):
    submit_batch(actor=actor_for(staff), batch=batch)
    return approve_batch(actor=actor_for(approver), batch=batch)


@pytest.fixture
def pre_batch(plant, shandong, shandong_staff, time_machine):
    time_machine.move_to(PRE_ALLOCATION_DAY, tick=False)
    return draft(shandong_staff, shandong)


@pytest.fixture
def determination(pre_batch, shandong, shandong_staff, approver, time_machine):
    """Pre-allocation approved on Jun 20, determination approved on Sep 10, 2026."""
    approve(pre_batch, shandong_staff, approver)
    time_machine.move_to(DETERMINATION_DAY, tick=False)
    return approve(draft(shandong_staff, shandong, "determination"), shandong_staff, approver)


def url(name, obj) -> str:
    return reverse(f"quotas:{name}", kwargs={"public_id": obj.public_id})


def state(batch) -> tuple:
    batch.refresh_from_db()
    return batch.status, batch.prepared_by_id, batch.approved_by_id, batch.submitted_at


def pdf_text(content: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: apt-get install poppler-utils")
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    # Without whitespace: lines wrap wherever the layout puts them.
    return "".join(done.stdout.decode().split())


# --- the batches --------------------------------------------------------------------------------


class TestBatchList:
    def test_staff_see_their_provinces_batches_and_a_draft_form(
        self, client_as, shandong_staff, pre_batch, guangdong_plant, guangdong_staff
    ):
        draft(guangdong_staff, guangdong_plant.province)
        response = client_as(shandong_staff).get(reverse("quotas:batches"))
        assert response.status_code == 200
        assert [batch.pk for batch in response.context["batches"]] == [pre_batch.pk]
        assert response.context["batches"][0].units == 1
        assert response.context["draft_form"] is not None

    def test_filtered_by_year(self, client_as, shandong_staff, pre_batch):
        client = client_as(shandong_staff)
        assert len(client.get(reverse("quotas:batches"), {"year": 2024}).context["batches"]) == 0
        assert len(client.get(reverse("quotas:batches"), {"year": 2025}).context["batches"]) == 1

    def test_the_ministry_reads_every_province_without_a_draft_form(
        self, client_as, ministry_user, pre_batch, guangdong_plant, guangdong_staff
    ):
        draft(guangdong_staff, guangdong_plant.province)
        response = client_as(ministry_user).get(reverse("quotas:batches"))
        assert len(response.context["batches"]) == 2
        assert response.context["draft_form"] is None

    def test_enterprise_users_and_anonymous_are_kept_out(self, client, client_as, plant_user):
        response = client.get(reverse("quotas:batches"))
        assert response.status_code == 302
        assert client_as(plant_user).get(reverse("quotas:batches")).status_code == 403

    def test_query_count_does_not_grow_with_batches(
        self, client_as, shandong_staff, approver, shandong, plant, time_machine,
        django_assert_num_queries,
    ):  # fmt: skip
        time_machine.move_to(PRE_ALLOCATION_DAY, tick=False)
        client = client_as(shandong_staff)
        draft(shandong_staff, shandong)
        client.get(reverse("quotas:batches"))
        with django_assert_num_queries(LIST_QUERIES):
            client.get(reverse("quotas:batches"))
        for number in range(5):
            power_plant(shandong, f"新增电厂{number}")
        approve(draft(shandong_staff, shandong), shandong_staff, approver)
        time_machine.move_to(DETERMINATION_DAY, tick=False)
        draft(approver, shandong, "determination")
        client = client_as(shandong_staff)  # the session has expired meanwhile
        client.get(reverse("quotas:batches"))
        with django_assert_num_queries(LIST_QUERIES):
            response = client.get(reverse("quotas:batches"))
        assert [batch.units for batch in response.context["batches"]] == [6, 6]


LIST_QUERIES = 11


class TestDraft:
    def test_drafting_redirects_to_the_batch(self, client_as, shandong_staff, plant, time_machine):
        time_machine.move_to(PRE_ALLOCATION_DAY, tick=False)
        data = {"province": "370000", "year": 2025, "sector": "power", "step": "pre_allocation"}
        response = client_as(shandong_staff).post(reverse("quotas:batch-draft"), data)
        batch = AllocationBatch.objects.get()
        assert response.status_code == 302
        assert response["Location"] == batch.get_absolute_url()
        assert Allocation.objects.get(enterprise=plant).pre_allocated == 1_778_593

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"year": ""}, "year"),
            ({"sector": "oil"}, "sector"),
            ({"step": "x"}, "step"),
            ({"year": 2031}, "sector"),  # no plan for that year
            ({"year": 2024, "sector": "cement"}, "step"),  # no pre-allocation that year
        ],
    )
    def test_bad_input_is_400_and_nothing_is_saved(
        self, client_as, shandong_staff, plant, changes, field
    ):
        data = {"province": "370000", "year": 2025, "sector": "power", "step": "pre_allocation"}
        response = client_as(shandong_staff).post(
            reverse("quotas:batch-draft"), {**data, **changes}
        )
        assert response.status_code == 400
        assert response.context["draft_form"].errors[field]
        assert not AllocationBatch.objects.exists()
        assert not Allocation.objects.exists()

    def test_another_province_is_404(self, client_as, guangdong_staff, plant):
        data = {"province": "370000", "year": 2025, "sector": "power", "step": "pre_allocation"}
        response = client_as(guangdong_staff).post(reverse("quotas:batch-draft"), data)
        assert response.status_code == 404
        assert not AllocationBatch.objects.exists()

    def test_the_ministry_cannot_draft(self, client_as, ministry_user, plant):
        data = {"province": "370000", "year": 2025, "sector": "power", "step": "pre_allocation"}
        assert client_as(ministry_user).post(reverse("quotas:batch-draft"), data).status_code == 403


class TestBatchDetail:
    def test_staff_see_the_units_and_the_workflow(self, client_as, shandong_staff, pre_batch):
        response = client_as(shandong_staff).get(url("batch-detail", pre_batch))
        assert response.status_code == 200
        assert response.context["may_act"]
        assert "1778593" in response.content.decode()
        assert url("batch-submit", pre_batch) in response.content.decode()

    def test_missing_data_are_shown(self, client_as, shandong_staff, shandong, plant, time_machine):
        unit(shandong, name_zh="无核查数据电厂")
        time_machine.move_to(PRE_ALLOCATION_DAY, tick=False)
        batch = draft(shandong_staff, shandong)
        response = client_as(shandong_staff).get(url("batch-detail", batch))
        assert [a.enterprise.name_zh for a in response.context["missing"]] == ["无核查数据电厂"]
        assert "2024 verified figures" in response.content.decode()

    def test_another_province_is_404_and_enterprise_users_403(
        self, client_as, guangdong_staff, plant_user, pre_batch
    ):
        assert client_as(guangdong_staff).get(url("batch-detail", pre_batch)).status_code == 404
        assert client_as(plant_user).get(url("batch-detail", pre_batch)).status_code == 403

    def test_the_ministry_reads_without_actions(self, client_as, ministry_user, pre_batch):
        response = client_as(ministry_user).get(url("batch-detail", pre_batch))
        assert response.status_code == 200
        assert not response.context["may_act"]
        assert url("batch-submit", pre_batch) not in response.content.decode()

    def test_query_count_does_not_grow_with_units(
        self, client_as, shandong_staff, shandong, plant, time_machine, django_assert_num_queries
    ):
        time_machine.move_to(PRE_ALLOCATION_DAY, tick=False)
        client = client_as(shandong_staff)
        batch = draft(shandong_staff, shandong)
        client.get(url("batch-detail", batch))
        with django_assert_num_queries(DETAIL_QUERIES):
            client.get(url("batch-detail", batch))
        for number in range(6):
            power_plant(shandong, f"新增电厂{number}")
        draft(shandong_staff, shandong)
        with django_assert_num_queries(DETAIL_QUERIES):
            response = client.get(url("batch-detail", batch))
        assert len(response.context["allocations"]) == 7


DETAIL_QUERIES = 11


class TestWorkflow:
    def test_submit_then_approve_by_another(self, client_as, shandong_staff, approver, pre_batch):
        response = client_as(shandong_staff).post(url("batch-submit", pre_batch))
        assert response.status_code == 302
        response = client_as(approver).post(url("batch-approve", pre_batch))
        assert response.status_code == 302
        pre_batch.refresh_from_db()
        assert (pre_batch.status, pre_batch.approved_by) == (BatchStatus.APPROVED, approver)

    def test_the_preparer_is_refused_with_the_reason(self, client_as, shandong_staff, pre_batch):
        client = client_as(shandong_staff)
        client.post(url("batch-submit", pre_batch))
        before = state(pre_batch)
        response = client.post(url("batch-approve", pre_batch))
        assert response.status_code == 400
        assert "other than the one who prepared" in response.context["action_error"]
        assert not response.context["may_approve"]
        assert state(pre_batch) == before

    def test_another_province_is_404_and_nothing_changes(
        self, client_as, guangdong_staff, shandong_staff, pre_batch
    ):
        client_as(shandong_staff).post(url("batch-submit", pre_batch))
        before = state(pre_batch)
        client = client_as(guangdong_staff)
        for name in ("batch-approve", "batch-return", "batch-submit", "batch-issue"):
            assert client.post(url(name, pre_batch), {"comment": "x"}).status_code == 404
        assert state(pre_batch) == before

    def test_the_ministry_is_403(self, client_as, ministry_user, pre_batch):
        assert client_as(ministry_user).post(url("batch-submit", pre_batch)).status_code == 403
        assert state(pre_batch)[0] == BatchStatus.DRAFT

    def test_return_without_a_comment_is_400(self, client_as, shandong_staff, approver, pre_batch):
        client_as(shandong_staff).post(url("batch-submit", pre_batch))
        client = client_as(approver)
        response = client.post(url("batch-return", pre_batch), {"comment": ""})
        assert response.status_code == 400
        assert state(pre_batch)[0] == BatchStatus.SUBMITTED
        response = client.post(url("batch-return", pre_batch), {"comment": "核对"})
        assert response.status_code == 302
        assert state(pre_batch)[0] == BatchStatus.DRAFT

    def test_issuance_is_recorded_and_approved(
        self, client_as, shandong, shandong_staff, approver, determination, time_machine
    ):
        time_machine.move_to(AFTER_THE_WINDOW, tick=False)
        batch = draft(shandong_staff, shandong, "allocation")
        client = client_as(shandong_staff)
        response = client.post(url("batch-issue", batch), {"issued_on": "not a date"})
        assert response.status_code == 400
        response = client.post(url("batch-issue", batch), {"issued_on": "2026-09-11"})
        assert response.status_code == 400
        assert "until 2026-09-20" in response.content.decode()
        assert Allocation.objects.get().issued is None
        response = client.post(url("batch-issue", batch), {"issued_on": "2026-09-22"})
        assert response.status_code == 302
        client.post(url("batch-submit", batch))
        assert client_as(approver).post(url("batch-approve", batch)).status_code == 302
        allocation = Allocation.objects.get()
        assert (allocation.issued, allocation.issued_on) == (762_254, date(2026, 9, 22))


# --- the registry table -------------------------------------------------------------------------


class TestRegistryTable:
    def test_xlsx_has_the_official_columns_figures_and_totals(
        self, client_as, approver, determination, shandong, guangdong_plant
    ):
        response = client_as(approver).get(url("batch-xlsx", determination))
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0] == "山东省2025年度发电行业重点排放单位配额核定结果"
        assert rows[2] == (
            "序号", "单位名称", "统一社会信用代码", "预分配配额量", "核定配额量", "调整量",
            "应补发/应收回配额量",
        )  # fmt: skip
        plant_row = rows[3]
        assert plant_row[1:] == ("山东华能测试电厂", plant_row[2], 1_778_593, 2_540_847, 0, 762_254)
        assert rows[4] == ("合计", None, None, 1_778_593, 2_540_847, 0, 762_254)
        text = " ".join(str(cell) for row in rows for cell in row if cell)
        assert "经办人" in text and "审核人" in text and "（盖章）" in text
        assert "filename" in response["Content-Disposition"]

    def test_pdf_has_the_figures_signature_and_seal(self, client_as, approver, determination):
        response = client_as(approver).get(url("batch-pdf", determination))
        assert response["Content-Type"] == "application/pdf"
        text = pdf_text(response.content)
        assert "山东省2025年度发电行业重点排放单位配额核定结果" in text
        expected = ("1,778,593", "2,540,847", "762,254", "合计", "经办人", "审核人")
        for figure in (*expected, "山东省生态环境厅（盖章）", "2026年9月10日"):
            assert figure in text
        assert "草稿" not in text

    def test_a_draft_table_says_so(
        self, client_as, shandong, shandong_staff, approver, pre_batch, time_machine
    ):
        approve(pre_batch, shandong_staff, approver)
        time_machine.move_to(DETERMINATION_DAY, tick=False)
        batch = draft(shandong_staff, shandong, "determination")
        text = pdf_text(client_as(shandong_staff).get(url("batch-pdf", batch)).content)
        assert "草稿" in text

    def test_only_for_a_determination_and_only_the_province(
        self, client_as, shandong_staff, guangdong_staff, plant_user, pre_batch, determination
    ):
        assert client_as(shandong_staff).get(url("batch-xlsx", pre_batch)).status_code == 404
        assert client_as(guangdong_staff).get(url("batch-xlsx", determination)).status_code == 404
        assert client_as(guangdong_staff).get(url("batch-pdf", determination)).status_code == 404
        assert client_as(plant_user).get(url("batch-pdf", determination)).status_code == 403


# --- one allocation -----------------------------------------------------------------------------


@pytest.fixture
def allocation(plant) -> Allocation:
    return Allocation.objects.get(enterprise=plant)


class TestAllocationDetail:
    def test_the_enterprise_sees_its_own_line_by_line(
        self, client_as, plant_user, determination, allocation
    ):
        response = client_as(plant_user).get(url("allocation-detail", allocation))
        assert response.status_code == 200
        page = response.content.decode()
        for text in ("1号机组: generation", "1号机组: heat", "2540847", "1778593", "762254"):
            assert text in page
        assert response.context["review_form"] is not None
        assert not response.context["history"]

    def test_the_enterprise_does_not_see_a_draft(
        self, client_as, plant_user, shandong_staff, pre_batch, allocation
    ):
        response = client_as(plant_user).get(url("allocation-detail", allocation))
        assert response.status_code == 200
        assert not response.context["shown"]["pre_allocation"]
        assert "1778593" not in response.content.decode()
        response = client_as(shandong_staff).get(url("allocation-detail", allocation))
        assert "1778593" in response.content.decode()

    def test_other_units_users_and_other_provinces_are_404(
        self, client_as, other_unit_user, guangdong_staff, determination, allocation
    ):
        for user in (other_unit_user, guangdong_staff):
            assert client_as(user).get(url("allocation-detail", allocation)).status_code == 404

    def test_staff_see_the_history_and_the_ministry_reads_only(
        self, client_as, shandong_staff, ministry_user, determination, allocation
    ):
        response = client_as(shandong_staff).get(url("allocation-detail", allocation))
        assert response.context["history"]
        response = client_as(ministry_user).get(url("allocation-detail", allocation))
        assert response.status_code == 200
        assert response.context["review_form"] is None


class TestNotice:
    def test_the_enterprise_gets_its_notice_once_approved(
        self, client_as, plant_user, shandong_staff, approver, pre_batch, allocation
    ):
        client = client_as(plant_user)
        assert client.get(url("allocation-notice-pdf", allocation)).status_code == 404
        approve(pre_batch, shandong_staff, approver)
        response = client.get(url("allocation-notice-pdf", allocation))
        assert response.status_code == 200
        text = pdf_text(response.content)
        for expected in (
            "预分配告知书", "山东华能测试电厂", allocation.enterprise.uscc, "2025年度",
            "1号机组发电量部分", "冷却方式修正系数", "1号机组供热量部分", "预分配比例",
            "1,778,593", "7个工作日内", "申请复核", "10个工作日内", "2026年6月20日",
        ):  # fmt: skip
            assert expected in text, expected

    def test_staff_preview_a_draft_and_other_provinces_get_404(
        self, client_as, shandong_staff, guangdong_staff, pre_batch, allocation
    ):
        response = client_as(shandong_staff).get(url("allocation-notice-pdf", allocation))
        assert "草稿" in pdf_text(response.content)
        response = client_as(guangdong_staff).get(url("allocation-notice-pdf", allocation))
        assert response.status_code == 404


class TestReviewPages:
    def test_the_enterprise_files_within_the_window(
        self, client_as, plant_user, determination, allocation, time_machine
    ):
        time_machine.move_to(IN_THE_WINDOW, tick=False)
        response = client_as(plant_user).post(
            url("review-request", allocation), {"grounds": "供热量应为1,250,000 GJ"}
        )
        assert response.status_code == 302
        review = AllocationReview.objects.get()
        assert (review.filed_on, review.status) == (date(2026, 9, 14), ReviewStatus.FILED)

    def test_empty_grounds_or_too_late_are_400_and_nothing_saved(
        self, client_as, plant_user, determination, allocation, time_machine
    ):
        time_machine.move_to(IN_THE_WINDOW, tick=False)
        client = client_as(plant_user)
        assert client.post(url("review-request", allocation), {"grounds": ""}).status_code == 400
        time_machine.move_to(AFTER_THE_WINDOW, tick=False)
        client = client_as(plant_user)  # the session has expired meanwhile
        response = client.post(url("review-request", allocation), {"grounds": "复核"})
        assert response.status_code == 400
        assert "closed on 2026-09-20" in response.content.decode()
        assert not AllocationReview.objects.exists()

    def test_others_cannot_file(
        self, client_as, other_unit_user, shandong_staff, guangdong_staff,
        determination, allocation, time_machine,
    ):  # fmt: skip
        time_machine.move_to(IN_THE_WINDOW, tick=False)
        data = {"grounds": "复核"}
        for user, status in ((other_unit_user, 404), (guangdong_staff, 404), (shandong_staff, 403)):
            assert (
                client_as(user).post(url("review-request", allocation), data).status_code == status
            )
        assert not AllocationReview.objects.exists()

    def test_staff_decide_and_others_cannot(
        self, client_as, plant_user, approver, guangdong_staff, determination, allocation,
        time_machine,
    ):  # fmt: skip
        time_machine.move_to(IN_THE_WINDOW, tick=False)
        client_as(plant_user).post(url("review-request", allocation), {"grounds": "复核"})
        review = AllocationReview.objects.get()
        data = {"review": review.public_id, "outcome": "upheld", "decision": "重新核定"}
        for user, status in ((guangdong_staff, 404), (plant_user, 403)):
            assert (
                client_as(user).post(url("review-decide", allocation), data).status_code == status
            )
        client = client_as(approver)
        response = client.post(url("review-decide", allocation), {**data, "decision": ""})
        assert response.status_code == 400
        review.refresh_from_db()
        assert review.status == ReviewStatus.FILED
        assert client.post(url("review-decide", allocation), data).status_code == 302
        review.refresh_from_db()
        assert review.status == ReviewStatus.UPHELD
        determination.refresh_from_db()
        assert determination.status == BatchStatus.DRAFT
