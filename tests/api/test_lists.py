"""Filters, ordering, pages in a stable order, and throttling per token."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reporting.models import MonthlyCertification, SubmissionStatus
from tests.api.conftest import token_client
from tests.factories import accounts as users
from units.models import Enterprise, EnterpriseStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    return token_client(users.ministry())


def rows(api, basename: str, **params) -> list[dict]:
    response = api.get(reverse(f"api:{basename}-list"), params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids(api, basename: str, **params) -> list[str]:
    return [row["id"] for row in rows(api, basename, **params)]


def public_ids(records) -> set[str]:
    return {str(record.public_id) for record in records}


class TestFilters:
    def test_province_city_industry_and_sector(self, world, api):
        shandong = world.records["370000"].enterprises
        assert set(ids(api, "enterprise", province="370000")) == public_ids(shandong)
        jinan = [unit for unit in shandong if unit.city == world.jinan]
        assert set(ids(api, "enterprise", city="370100")) == public_ids(jinan)
        assert len(ids(api, "enterprise", industry="4411")) == 2 * world.size
        assert ids(api, "enterprise", industry="3011") == []
        assert len(ids(api, "enterprise", sector="power")) == 2 * world.size
        assert ids(api, "enterprise", sector="cement") == []

    def test_status_and_code(self, world, api):
        closed = world.records["440000"].enterprises[0]
        Enterprise.objects.filter(pk=closed.pk).update(status=EnterpriseStatus.CLOSED)
        assert ids(api, "enterprise", status="closed") == [str(closed.public_id)]
        assert ids(api, "enterprise", uscc=closed.uscc) == [str(closed.public_id)]

    def test_updated_since(self, world, api):
        Enterprise.objects.update(updated_at=timezone.now() - timedelta(days=30))
        changed = world.records["370000"].enterprises[1]
        Enterprise.objects.filter(pk=changed.pk).update(updated_at=timezone.now())
        since = (timezone.now() - timedelta(days=1)).isoformat()
        assert ids(api, "enterprise", updated_since=since) == [str(changed.public_id)]

    def test_year_month_status_and_unit_of_certifications(self, world, api):
        certification = world.first("440000", "certifications")
        found = ids(api, "monthly-certification", year=2026, month=9, province="440000")
        assert found == [str(c.public_id) for c in world.records["440000"].certifications]
        assert ids(api, "monthly-certification", month=10) == []  # drafts only
        assert ids(api, "monthly-certification", status="accepted") == []
        mine = ids(api, "monthly-certification", enterprise=str(certification.enterprise.public_id))
        assert mine == [str(certification.public_id)]
        MonthlyCertification.objects.filter(pk=certification.pk).update(
            status=SubmissionStatus.SUPERSEDED
        )
        assert str(certification.public_id) in ids(api, "monthly-certification", standing=False)
        assert str(certification.public_id) not in ids(api, "monthly-certification", standing=True)

    def test_obligations_by_kind_period_and_due_date(self, world, api):
        monthly = ids(api, "obligation", kind="monthly_certification", year=2026, month=9)
        assert len(monthly) == 2 * world.size
        assert ids(api, "obligation", kind="monthly_certification", month=8) == []
        reports = rows(api, "obligation", kind="annual_report")
        due = reports[0]["due_on"]
        assert {row["due_on"] for row in rows(api, "obligation", due_before=due)} <= {due}
        assert ids(api, "obligation", status="met_late") == []

    def test_entries_of_one_list(self, world, api):
        unit_list = world.records["370000"].lists[0]
        entries = ids(api, "list-entry", list=str(unit_list.public_id))
        assert set(entries) == public_ids(world.records["370000"].entries)
        assert ids(api, "list-entry", decision="removed") == []
        listed = api.get(reverse("api:unit-list-detail", kwargs={"public_id": unit_list.public_id}))
        assert listed.json()["listed"] == world.size
        assert api.get(listed.json()["entries"]).json()["count"] == world.size

    def test_updated_since_takes_any_offset_python_parses(self, world, api):
        # PostgreSQL refuses offsets beyond ±15:59: the time goes to it in UTC.
        assert len(ids(api, "enterprise", updated_since="1139-10-11T09:53:27-18:34")) == 4
        response = api.get(
            reverse("api:enterprise-list"), {"updated_since": "0001-01-01T00:00+05:00"}
        )
        assert response.status_code == 400

    @pytest.mark.parametrize(
        ("basename", "params", "field"),
        [
            ("monthly-certification", {"month": 13}, "month"),
            ("monthly-certification", {"year": "20x6"}, "year"),
            ("enterprise", {"status": "bankrupt"}, "status"),
            ("enterprise", {"updated_since": "yesterday"}, "updated_since"),
            ("obligation", {"enterprise": "not-a-uuid"}, "enterprise"),
        ],
    )
    def test_a_bad_value_is_400_naming_the_filter(self, world, api, basename, params, field):
        response = api.get(reverse(f"api:{basename}-list"), params)
        assert response.status_code == 400
        assert set(response.json()) == {field}


class TestOrdering:
    def test_by_name_both_ways(self, world, api):
        names = [row["name_zh"] for row in rows(api, "enterprise", ordering="name")]
        assert names == sorted(names)
        backwards = [row["name_zh"] for row in rows(api, "enterprise", ordering="-name")]
        assert backwards == names[::-1]

    def test_default_is_province_then_name(self, world, api):
        shown = [(row["province"], row["name_zh"]) for row in rows(api, "enterprise")]
        assert shown == sorted(shown)

    def test_an_unknown_key_falls_back_to_the_default(self, world, api):
        assert ids(api, "enterprise", ordering="contact_phone") == ids(api, "enterprise")

    def test_several_keys(self, world, api):
        shown = rows(api, "obligation", ordering="kind,-due_on")
        keys = [(row["kind"], row["due_on"]) for row in shown]
        assert keys == sorted(keys, key=lambda k: (k[0], -int(k[1].replace("-", ""))))


class TestPages:
    def test_pages_neither_repeat_nor_skip_rows_that_tie(self, world, api):
        # Every certification has the same year and month: the order rests on the unique key.
        everything = ids(api, "monthly-certification", page_size=500)
        paged = []
        for page in range(1, len(everything) + 1):
            paged += ids(api, "monthly-certification", page_size=1, page=page, ordering="year")
        assert sorted(paged) == sorted(everything)
        assert len(set(paged)) == len(paged)
        again = [
            ids(api, "monthly-certification", page_size=1, page=page, ordering="year")[0]
            for page in range(1, len(everything) + 1)
        ]
        assert again == paged

    def test_page_size_is_capped_and_links_follow(self, world, api):
        response = api.get(reverse("api:enterprise-list"), {"page_size": 1}).json()
        assert response["count"] == 2 * world.size
        assert len(response["results"]) == 1
        assert "page=2" in response["next"]
        assert response["previous"] is None
        assert len(rows(api, "enterprise", page_size=10_000)) == 2 * world.size

    def test_a_page_past_the_end_is_404(self, world, api):
        assert api.get(reverse("api:enterprise-list"), {"page": 99}).status_code == 404


class TestThrottling:
    def test_beyond_the_rate_a_token_gets_429_and_another_token_does_not(self, world, settings):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"api": "3/minute"},
        }
        first = token_client(users.ministry(username="reviewer-1"))
        second = token_client(users.ministry(username="reviewer-2"))
        url = reverse("api:province-list")
        assert [first.get(url).status_code for _ in range(3)] == [200, 200, 200]
        refused = first.get(url)
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) > 0
        assert second.get(url).status_code == 200
