"""What the reporting tests share: stored files in a temporary folder, the unit whose submissions
they follow, its user and the user of another unit of the province."""

import pytest

from tests.factories import accounts as users
from tests.factories.units import EnterpriseFactory


@pytest.fixture
def unit(shandong_enterprise):
    """山东测试电厂: a power unit in Jinan, so the calendar asks it for every submission."""
    return shandong_enterprise


@pytest.fixture
def owner(shandong_enterprise_user):
    """The unit's own user."""
    return shandong_enterprise_user


@pytest.fixture
def neighbour_user(shandong):
    """The user of another Shandong unit."""
    return users.enterprise_user(EnterpriseFactory(province=shandong), username="neighbour")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded files go to the test's own folder (returned)."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path
