"""The registry pages: happy path, bad input, other province's users, query counts."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from tests.factories.units import (
    AnnualEmissionsFactory,
    EnterpriseFactory,
    FacilityFactory,
    industry,
    uscc_for,
)
from units.models import AnnualEmissions, Enterprise, Facility

pytestmark = pytest.mark.django_db


def enterprise_payload(**overrides):
    payload = {
        "uscc": uscc_for(424242),
        "name_zh": "济南新建热电有限公司",
        "name_en": "Jinan New CHP Co., Ltd.",
        "province": "",
        "city": "",
        "industry": industry("4412").pk,
        "status": "active",
        "address": "",
        "contact_name": "",
        "contact_phone": "",
        "contact_email": "",
    }
    payload.update(overrides)
    return payload


class TestList:
    def test_staff_sees_their_province_with_latest_emissions(
        self, client_as, shandong_staff, shandong_enterprise, guangdong_enterprise
    ):
        AnnualEmissionsFactory(enterprise=shandong_enterprise, year=2024, direct_emissions=500_000)
        AnnualEmissionsFactory(enterprise=shandong_enterprise, year=2025, direct_emissions=612_345)
        response = client_as(shandong_staff).get(reverse("units:enterprise-list"))
        assert response.status_code == 200
        assert list(response.context["page"]) == [shandong_enterprise]
        assert response.context["page"][0].latest_direct_emissions == 612_345
        assert "612,345" in response.content.decode()
        assert guangdong_enterprise.name_zh not in response.content.decode()

    def test_filters_by_name_code_industry_status_city_and_emissions(
        self, client_as, shandong_staff, shandong, jinan, qingdao
    ):
        steel = EnterpriseFactory(
            province=shandong, city=qingdao, industry=industry("3120", "steel")
        )
        closed = EnterpriseFactory(
            province=shandong, city=jinan, status="closed", name_zh="关停电厂"
        )
        small = EnterpriseFactory(province=shandong, city=jinan, name_zh="小电厂")
        AnnualEmissionsFactory(enterprise=small, direct_emissions=20_000)
        AnnualEmissionsFactory(enterprise=steel, direct_emissions=3_000_000)
        client = client_as(shandong_staff)

        def listed(**params):
            return list(client.get(reverse("units:enterprise-list"), params).context["page"])

        assert listed(q="关停") == [closed]
        assert listed(q=small.uscc.lower()) == [small]
        assert listed(industry=steel.industry.pk) == [steel]
        assert listed(sector="steel") == [steel]
        assert listed(status="closed") == [closed]
        assert set(listed(city=qingdao.pk)) == {steel}
        assert listed(emissions_min=1_000_000) == [steel]
        assert listed(emissions_max=26_000) == [small]

    def test_bad_filter_input_is_reported_not_crashed(self, client_as, shandong_staff):
        response = client_as(shandong_staff).get(
            reverse("units:enterprise-list"), {"emissions_min": "lots", "emissions_max": "5"}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["emissions_min"]

    def test_query_count_does_not_grow_with_rows(
        self, client_as, shandong_staff, shandong, jinan, django_assert_num_queries
    ):
        client = client_as(shandong_staff)
        url = reverse("units:enterprise-list")
        client.get(url)  # warm the session and the actor
        EnterpriseFactory.create_batch(3, province=shandong, city=jinan)
        with django_assert_num_queries(12) as few:
            client.get(url)
        for enterprise in EnterpriseFactory.create_batch(60, province=shandong, city=jinan):
            FacilityFactory(enterprise=enterprise)
            AnnualEmissionsFactory(enterprise=enterprise)
        with django_assert_num_queries(len(few.captured_queries)):
            response = client.get(url)
        assert len(response.context["page"]) == 50

    def test_paginates(self, client_as, shandong_staff, shandong):
        EnterpriseFactory.create_batch(55, province=shandong)
        response = client_as(shandong_staff).get(reverse("units:enterprise-list"), {"page": 2})
        assert len(response.context["page"]) == 5

    def test_ministry_sees_every_province(
        self, client_as, ministry_user, shandong_enterprise, guangdong_enterprise
    ):
        response = client_as(ministry_user).get(reverse("units:enterprise-list"))
        assert set(response.context["page"]) == {shandong_enterprise, guangdong_enterprise}

    def test_user_with_no_role_sees_an_empty_list(
        self, client_as, no_role_user, shandong_enterprise
    ):
        response = client_as(no_role_user).get(reverse("units:enterprise-list"))
        assert list(response.context["page"]) == []

    def test_anonymous_is_sent_to_login(self, client):
        response = client.get(reverse("units:enterprise-list"))
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


class TestDetail:
    def test_shows_facilities_emissions_and_history(
        self, client_as, shandong_staff, shandong_enterprise
    ):
        FacilityFactory(enterprise=shandong_enterprise, name="1号机组")
        AnnualEmissionsFactory(enterprise=shandong_enterprise, year=2024, direct_emissions=123_456)
        response = client_as(shandong_staff).get(shandong_enterprise.get_absolute_url())
        body = response.content.decode()
        assert response.status_code == 200
        assert "1号机组" in body and "123,456.00" in body
        assert response.context["may_change"] is True

    def test_enterprise_user_sees_own_but_may_not_change(
        self, client_as, shandong_enterprise_user, shandong_enterprise
    ):
        client = client_as(shandong_enterprise_user)
        assert client.get(shandong_enterprise.get_absolute_url()).context["may_change"] is False
        edit = reverse("units:enterprise-edit", args=[shandong_enterprise.public_id])
        assert client.get(edit).status_code == 403

    def test_enterprise_user_gets_404_for_another_enterprise(
        self, client_as, shandong_enterprise_user, shandong
    ):
        neighbour = EnterpriseFactory(province=shandong)
        assert (
            client_as(shandong_enterprise_user).get(neighbour.get_absolute_url()).status_code == 404
        )

    def test_unknown_id_is_404(self, client_as, shandong_staff):
        url = reverse("units:enterprise-detail", args=["00000000-0000-0000-0000-000000000000"])
        assert client_as(shandong_staff).get(url).status_code == 404


class TestCreate:
    def test_creates_with_an_audit_event(self, client_as, shandong_staff, shandong, jinan):
        payload = enterprise_payload(
            province=shandong.pk, city=jinan.pk, uscc=uscc_for(424242).lower()
        )
        response = client_as(shandong_staff).post(reverse("units:enterprise-create"), payload)
        enterprise = Enterprise.objects.get(uscc=uscc_for(424242))
        assert response.status_code == 302
        assert response["Location"] == enterprise.get_absolute_url()
        event = AuditEvent.objects.for_target(enterprise).get()
        assert event.action == "create"
        assert event.actor == shandong_staff
        assert event.changes["name_zh"] == {"before": None, "after": "济南新建热电有限公司"}

    def test_invalid_code_is_refused_with_the_expected_check_character(
        self, client_as, shandong_staff, shandong
    ):
        good = uscc_for(424242)
        bad = good[:-1] + ("0" if good[-1] != "0" else "1")
        response = client_as(shandong_staff).post(
            reverse("units:enterprise-create"), enterprise_payload(province=shandong.pk, uscc=bad)
        )
        assert response.status_code == 400
        assert good[-1] in str(response.context["form"].errors["uscc"])
        assert not Enterprise.objects.exists()
        assert not AuditEvent.objects.exists()

    def test_duplicate_code_and_missing_name_are_refused(
        self, client_as, shandong_staff, shandong_enterprise, shandong
    ):
        response = client_as(shandong_staff).post(
            reverse("units:enterprise-create"),
            enterprise_payload(province=shandong.pk, uscc=shandong_enterprise.uscc, name_zh=""),
        )
        assert response.status_code == 400
        assert set(response.context["form"].errors) == {"uscc", "name_zh"}
        assert Enterprise.objects.count() == 1

    def test_staff_cannot_create_in_another_province(self, client_as, guangdong_staff, shandong):
        response = client_as(guangdong_staff).post(
            reverse("units:enterprise-create"), enterprise_payload(province=shandong.pk)
        )
        assert response.status_code == 400
        assert "province" in response.context["form"].errors
        assert not Enterprise.objects.exists()

    def test_city_staff_cannot_create_in_another_city(
        self, client_as, jinan_staff, shandong, qingdao
    ):
        response = client_as(jinan_staff).post(
            reverse("units:enterprise-create"),
            enterprise_payload(province=shandong.pk, city=qingdao.pk),
        )
        assert response.status_code == 400
        assert not Enterprise.objects.exists()

    @pytest.mark.parametrize(
        "persona", ["ministry_user", "shandong_enterprise_user", "verifier_user", "no_role_user"]
    )
    def test_other_roles_may_not_create(self, request, client_as, persona, shandong):
        client = client_as(request.getfixturevalue(persona))
        assert client.get(reverse("units:enterprise-create")).status_code == 403
        response = client.post(
            reverse("units:enterprise-create"), enterprise_payload(province=shandong.pk)
        )
        assert response.status_code == 403
        assert not Enterprise.objects.filter(uscc=uscc_for(424242)).exists()


class TestEdit:
    def test_edit_records_before_and_after(self, client_as, shandong_staff, shandong_enterprise):
        url = reverse("units:enterprise-edit", args=[shandong_enterprise.public_id])
        payload = enterprise_payload(
            uscc=shandong_enterprise.uscc,
            province=shandong_enterprise.province_id,
            city=shandong_enterprise.city_id,
            industry=shandong_enterprise.industry_id,
            name_zh="山东测试电厂（更名）",
            status="closed",
        )
        response = client_as(shandong_staff).post(url, payload)
        assert response.status_code == 302
        shandong_enterprise.refresh_from_db()
        assert shandong_enterprise.status == "closed"
        event = AuditEvent.objects.for_target(shandong_enterprise).get()
        assert event.changes["status"] == {"before": "active", "after": "closed"}
        assert event.changes["name_zh"]["before"] == "山东测试电厂"
        url = shandong_enterprise.get_absolute_url()
        page = client_as(shandong_staff).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "山东测试电厂（更名）" in page
        assert "<strong>Status</strong>: Active → Closed" in page

    def test_bad_input_saves_nothing(self, client_as, shandong_staff, shandong_enterprise):
        url = reverse("units:enterprise-edit", args=[shandong_enterprise.public_id])
        payload = enterprise_payload(
            uscc="not a code", province=shandong_enterprise.province_id, contact_email="nope"
        )
        response = client_as(shandong_staff).post(url, payload)
        assert response.status_code == 400
        assert {"uscc", "contact_email"} <= set(response.context["form"].errors)
        shandong_enterprise.refresh_from_db()
        assert shandong_enterprise.name_zh == "山东测试电厂"
        assert not AuditEvent.objects.exists()

    def test_ministry_may_view_but_not_edit(self, client_as, ministry_user, shandong_enterprise):
        client = client_as(ministry_user)
        assert client.get(shandong_enterprise.get_absolute_url()).status_code == 200
        url = reverse("units:enterprise-edit", args=[shandong_enterprise.public_id])
        assert client.post(url, enterprise_payload(name_zh="改")).status_code == 403


class TestFacilitiesAndEmissions:
    def test_add_and_edit_a_facility(self, client_as, shandong_staff, shandong_enterprise):
        client = client_as(shandong_staff)
        url = reverse("units:facility-add", args=[shandong_enterprise.public_id])
        payload = {
            "name": "3号机组",
            "category": "generating_unit",
            "capacity": "660",
            "capacity_unit": "MW",
            "fuel": "coal",
            "cooling": "air",
        }
        assert client.post(url, payload).status_code == 302
        facility = Facility.objects.get(enterprise=shandong_enterprise)
        edit = reverse("units:facility-edit", args=[facility.public_id])
        assert client.post(edit, {**payload, "capacity": "1000"}).status_code == 302
        facility.refresh_from_db()
        assert facility.capacity == 1000
        actions = list(AuditEvent.objects.for_target(facility).values_list("action", flat=True))
        assert sorted(actions) == ["create", "update"]

    def test_facility_bad_input_saves_nothing(self, client_as, shandong_staff, shandong_enterprise):
        url = reverse("units:facility-add", args=[shandong_enterprise.public_id])
        response = client_as(shandong_staff).post(
            url, {"name": "", "capacity": "-5", "fuel": "plutonium"}
        )
        assert response.status_code == 400
        assert {"name", "capacity", "fuel", "category"} <= set(response.context["form"].errors)
        assert not Facility.objects.exists()

    def test_record_and_correct_annual_emissions(
        self, client_as, shandong_staff, shandong_enterprise
    ):
        client = client_as(shandong_staff)
        url = reverse("units:emissions-record", args=[shandong_enterprise.public_id])
        payload = {"year": 2025, "source": "reported", "direct_emissions": "800000.5"}
        assert client.post(url, payload).status_code == 302
        assert client.post(url, {**payload, "direct_emissions": "810000"}).status_code == 302
        row = AnnualEmissions.objects.get(enterprise=shandong_enterprise)
        assert row.direct_emissions == 810000
        correction = (
            AuditEvent.objects.for_target(shandong_enterprise).filter(action="update").get()
        )
        assert correction.changes["direct_emissions"] == {"before": "800000.50", "after": "810000"}

    def test_emissions_bad_input_saves_nothing(
        self, client_as, shandong_staff, shandong_enterprise
    ):
        url = reverse("units:emissions-record", args=[shandong_enterprise.public_id])
        response = client_as(shandong_staff).post(
            url, {"year": 1900, "source": "guessed", "direct_emissions": "-1"}
        )
        assert response.status_code == 400
        assert {"year", "source", "direct_emissions"} <= set(response.context["form"].errors)
        assert not AnnualEmissions.objects.exists()


def shandong_urls(enterprise, facility):
    return [
        reverse("units:enterprise-detail", args=[enterprise.public_id]),
        reverse("units:enterprise-edit", args=[enterprise.public_id]),
        reverse("units:facility-add", args=[enterprise.public_id]),
        reverse("units:emissions-record", args=[enterprise.public_id]),
        reverse("units:facility-edit", args=[facility.public_id]),
    ]


class TestOtherProvince:
    def test_every_page_and_action_is_404_and_changes_nothing(
        self, client_as, guangdong_staff, shandong_enterprise
    ):
        facility = FacilityFactory(enterprise=shandong_enterprise)
        client = client_as(guangdong_staff)
        payloads = {
            "edit": enterprise_payload(uscc=shandong_enterprise.uscc, name_zh="篡改"),
            "facility": {
                "name": "x",
                "category": "boiler",
                "capacity": "1",
                "capacity_unit": "t/h",
                "fuel": "coal",
            },
            "emissions": {"year": 2025, "source": "reported", "direct_emissions": "1"},
        }
        for url in shandong_urls(shandong_enterprise, facility):
            assert client.get(url).status_code == 404, url
            for payload in payloads.values():
                assert client.post(url, payload).status_code == 404, url
        shandong_enterprise.refresh_from_db()
        facility.refresh_from_db()
        assert shandong_enterprise.name_zh == "山东测试电厂"
        assert facility.name != "x"
        assert Facility.objects.count() == 1
        assert not AnnualEmissions.objects.exists()
        assert not AuditEvent.objects.exists()

    def test_other_province_is_absent_from_the_list_search(
        self, client_as, guangdong_staff, shandong_enterprise
    ):
        response = client_as(guangdong_staff).get(
            reverse("units:enterprise-list"), {"q": shandong_enterprise.uscc}
        )
        assert list(response.context["page"]) == []
