"""Who may open which dashboard: staff their province (another province's is 404), reviewers
and administrators every province read-only and the national roll-up, enterprise users and
verifiers none. And the query counts, which do not grow with the number of enterprises."""

import pytest
from django.urls import reverse

from accounts.models import Membership, Role
from tests.dashboards import records
from tests.factories import accounts as users

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(records.NOW, tick=False)


@pytest.fixture
def scenario(shandong, guangdong, jinan, qingdao, guangzhou):
    return records.build(
        shandong=shandong, guangdong=guangdong, jinan=jinan, qingdao=qingdao, guangzhou=guangzhou
    )


def urls(code: str = "370000") -> dict[str, str]:
    return {
        "province": reverse("dashboards:province"),
        "detail": reverse("dashboards:province-detail", args=[code]),
        "xlsx": reverse("dashboards:province-xlsx", args=[code]) + "?table=obligations",
        "national": reverse("dashboards:national"),
        "national-xlsx": reverse("dashboards:national-xlsx"),
    }


class TestStaff:
    def test_their_province(self, client_as, shandong_staff, scenario):
        client = client_as(shandong_staff)
        for name in ("province", "detail", "xlsx"):
            assert client.get(urls()[name]).status_code == 200, name
        response = client.get(urls()["province"], **EN)
        assert response.context["province"] == scenario.shandong
        assert not response.context["read_only"]

    def test_another_province_is_404(self, client_as, guangdong_staff, scenario):
        client = client_as(guangdong_staff)
        assert client.get(urls()["detail"]).status_code == 404
        assert client.get(urls()["xlsx"]).status_code == 404
        assert client.get(reverse("dashboards:province-detail", args=["999999"])).status_code == 404

    def test_no_national_roll_up(self, client_as, shandong_staff, scenario):
        client = client_as(shandong_staff)
        assert client.get(urls()["national"]).status_code == 403
        assert client.get(urls()["national-xlsx"]).status_code == 403

    def test_multi_province_staff_pick_one(self, client_as, shandong_staff, scenario):
        Membership.objects.create(
            user=shandong_staff, role=Role.PROVINCIAL_STAFF, province=scenario.guangdong
        )
        client = client_as(shandong_staff)
        response = client.get(urls()["province"], **EN)
        assert response.templates[0].name == "dashboards/pick.html"
        assert [p.code for p in response.context["provinces"]] == ["370000", "440000"]
        assert client.get(urls("440000")["detail"]).status_code == 200
        assert client.get(urls("110000")["detail"]).status_code == 404


class TestReviewers:
    @pytest.mark.parametrize("persona", ["ministry_user", "admin_user"])
    def test_every_province_read_only_and_the_roll_up(self, client_as, request, persona, scenario):
        client = client_as(request.getfixturevalue(persona))
        picker = client.get(urls()["province"], **EN)
        assert picker.templates[0].name == "dashboards/pick.html"
        assert len(picker.context["provinces"]) == 32
        assert reverse("dashboards:province-detail", args=["440000"]) in picker.content.decode()
        detail = client.get(urls("440000")["detail"], **EN)
        assert detail.status_code == 200
        assert detail.context["read_only"]
        assert "Read-only view" in detail.content.decode()
        assert client.get(urls("440000")["xlsx"]).status_code == 200
        assert client.get(urls()["national"]).status_code == 200
        assert client.get(urls()["national-xlsx"]).status_code == 200


class TestRefused:
    @pytest.mark.parametrize(
        "persona", ["shandong_enterprise_user", "verifier_user", "no_role_user"]
    )
    def test_enterprise_users_verifiers_and_no_role(self, client_as, request, persona, scenario):
        client = client_as(request.getfixturevalue(persona))
        for name, url in urls().items():
            assert client.get(url).status_code == 403, name

    def test_anonymous_is_sent_to_log_in(self, client, scenario):
        for url in urls().values():
            response = client.get(url)
            assert response.status_code == 302
            assert reverse("accounts:login") in response["Location"]

    def test_unknown_table(self, client_as, shandong_staff, scenario):
        url = reverse("dashboards:province-xlsx", args=["370000"]) + "?table=secrets"
        assert client_as(shandong_staff).get(url).status_code == 404


class TestQueryCounts:
    """The dashboard's queries are aggregates: 3 or 30 more units, the same count."""

    def test_province_dashboard(
        self, client_as, shandong, guangdong, jinan, qingdao, guangzhou, django_assert_num_queries
    ):
        scenario = records.build(
            shandong=shandong, guangdong=guangdong, jinan=jinan, qingdao=qingdao,
            guangzhou=guangzhou, extra_units=3,
        )  # fmt: skip
        staff = users.staff(shandong, username="counting-staff")
        client = client_as(staff)
        client.get(urls()["province"])
        with django_assert_num_queries(QUERIES_PROVINCE):
            small = client.get(urls()["province"])
        records.more_units(scenario, 30)
        with django_assert_num_queries(QUERIES_PROVINCE):
            large = client.get(urls()["province"])
        assert large.context["data"].obligations != small.context["data"].obligations
        # One more: the form looks the city up.
        with django_assert_num_queries(QUERIES_PROVINCE + 1):
            client.get(urls()["province"], {"city": jinan.pk, "sector": "power"})
        with django_assert_num_queries(QUERIES_XLSX):
            client.get(urls()["xlsx"].replace("obligations", "late"))

    def test_national_roll_up(
        self,
        client_as,
        ministry_user,
        shandong,
        guangdong,
        jinan,
        qingdao,
        guangzhou,
        django_assert_num_queries,
    ):
        scenario = records.build(
            shandong=shandong, guangdong=guangdong, jinan=jinan, qingdao=qingdao,
            guangzhou=guangzhou, extra_units=3,
        )  # fmt: skip
        client = client_as(ministry_user)
        client.get(urls()["national"])
        with django_assert_num_queries(QUERIES_NATIONAL):
            client.get(urls()["national"])
        records.more_units(scenario, 30)
        with django_assert_num_queries(QUERIES_NATIONAL):
            client.get(urls()["national"], {"sort": "-missing", "sector": "power"})


QUERIES_PROVINCE = 24
QUERIES_XLSX = 11
QUERIES_NATIONAL = 17
