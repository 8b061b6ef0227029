"""Every list endpoint answers a page in a fixed number of SQL queries, however many rows
(house rule 7): token, its last use, the memberships, the count, the page, one per prefetch."""

import pytest
from django.urls import reverse

from tests.api.conftest import AREAS, World, routes, token_client
from tests.factories import accounts as users

pytestmark = pytest.mark.django_db

# token + last used + memberships + count + the page's keys + its rows
BASE = 6
QUERIES = {
    "province": BASE,
    "industry": BASE,
    "enterprise": BASE + 1,  # facilities
    "annual-emissions": BASE,
    "unit-list": BASE,
    "list-entry": BASE,
    "monthly-certification": BASE + 1,  # evidence files
    "evidence-file": BASE,
    "annual-report": BASE + 1,  # attachments
    "report-attachment": BASE,
    "quality-control-plan": BASE,
    "obligation": BASE,
}
for _area in AREAS:
    QUERIES.update(_area.QUERIES)


def test_every_list_endpoint_has_a_pinned_count():
    assert {basename for _prefix, _viewset, basename in routes()} == set(QUERIES)


@pytest.mark.parametrize("basename", sorted(QUERIES))
def test_queries_do_not_grow_with_rows(django_assert_num_queries, basename):
    world = World().grow(1)
    api = token_client(users.ministry())
    url = reverse(f"api:{basename}-list")
    counts = []
    for grow_by in (0, 3):
        world.grow(grow_by)
        with django_assert_num_queries(QUERIES[basename]):
            response = api.get(url)
        assert response.status_code == 200
        counts.append(response.json()["count"])
    # One row per province, list or table, however many units.
    if basename not in ("province", "industry", "unit-list", "statistic"):
        assert counts[1] > counts[0]
