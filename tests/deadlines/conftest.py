"""Fixtures for the calendar tests. The 2026 notice's rules and the reminder ladder come from
the data migration, so they exist in the test database."""

import importlib

import pytest
from django.apps import apps

from tests.deadlines.support import industry_for
from tests.factories import accounts as users
from tests.factories.units import EnterpriseFactory


@pytest.fixture
def make_unit(shandong):
    """An enterprise of `sector` (in the market as its sector is, unless `market` is given), in
    Shandong unless `province` is given."""

    def make(sector: str, *, market: bool | None = None, province=None, city=None, **fields):
        return EnterpriseFactory(
            province=province or shandong,
            city=city,
            industry=industry_for(sector, market=market),
            **fields,
        )

    return make


@pytest.fixture
def qingdao_staff(shandong, qingdao):
    return users.staff(shandong, city=qingdao, username="qingdao-staff")


REFERENCE_DATA = (
    "units.migrations.0002_load_provinces_and_industries",
    "deadlines.migrations.0002_load_2026_notice",
)


@pytest.fixture(autouse=True)
def _reference_data_in_transactional_tests(request):
    """Reload the data migrations' rows (provinces, industries, the 2026 rules, the reminder
    ladder) for tests run outside a transaction: another transactional test (e.g. the heartbeat's)
    may have flushed them. Both loaders are idempotent."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    for module in REFERENCE_DATA:
        importlib.import_module(module).load(apps, None)
