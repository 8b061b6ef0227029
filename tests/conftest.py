"""Personas: two provinces (Shandong and Guangdong) and a user for every role."""

import pytest

from accounts.scoping import actor_for
from tests.factories import accounts as users
from tests.factories.units import CityFactory, EnterpriseFactory, province
from tests.factories.verification import InstitutionFactory


@pytest.fixture
def shandong(db):
    return province("370000")


@pytest.fixture
def guangdong(db):
    return province("440000")


@pytest.fixture
def jinan(shandong):
    return CityFactory(province=shandong, name_zh="济南市", name_en="Jinan")


@pytest.fixture
def qingdao(shandong):
    return CityFactory(province=shandong, name_zh="青岛市", name_en="Qingdao")


@pytest.fixture
def guangzhou(guangdong):
    return CityFactory(province=guangdong, name_zh="广州市", name_en="Guangzhou")


@pytest.fixture
def shandong_enterprise(shandong, jinan):
    return EnterpriseFactory(province=shandong, city=jinan, name_zh="山东测试电厂")


@pytest.fixture
def guangdong_enterprise(guangdong, guangzhou):
    return EnterpriseFactory(province=guangdong, city=guangzhou, name_zh="广东测试电厂")


@pytest.fixture
def shandong_staff(shandong):
    return users.staff(shandong, username="shandong-staff")


@pytest.fixture
def guangdong_staff(guangdong):
    return users.staff(guangdong, username="guangdong-staff")


@pytest.fixture
def jinan_staff(shandong, jinan):
    return users.staff(shandong, city=jinan, username="jinan-staff")


@pytest.fixture
def shandong_enterprise_user(shandong_enterprise):
    return users.enterprise_user(shandong_enterprise, username="ent-shandong-test")


@pytest.fixture
def institution(shandong):
    return InstitutionFactory(provinces=[shandong])


@pytest.fixture
def verifier_user(institution):
    return users.verifier(institution, username="verifier-test")


@pytest.fixture
def ministry_user(db):
    return users.ministry()


@pytest.fixture
def admin_user(db):
    return users.administrator()


@pytest.fixture
def no_role_user(db):
    return users.UserFactory(username="nobody")


@pytest.fixture
def actor():
    return actor_for


@pytest.fixture
def client_as(client):
    """Log a persona in (without the login form, so throttling does not interfere)."""

    def login(user):
        client.force_login(user)
        return client

    return login
