"""The scoping module, role by role: what each user sees and may change."""

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session

from accounts import scoping
from core.errors import NotFound
from tests.factories.accounts import enterprise_user
from tests.factories.units import AnnualEmissionsFactory, EnterpriseFactory, FacilityFactory
from units.models import AnnualEmissions, City, Enterprise, Facility, Industry, Province
from verification.models import Institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(shandong, guangdong, jinan, qingdao, shandong_enterprise, guangdong_enterprise):
    qingdao_enterprise = EnterpriseFactory(province=shandong, city=qingdao, name_zh="青岛测试电厂")
    for enterprise in (shandong_enterprise, guangdong_enterprise, qingdao_enterprise):
        FacilityFactory(enterprise=enterprise)
        AnnualEmissionsFactory(enterprise=enterprise)
    return {
        "shandong": shandong_enterprise,
        "guangdong": guangdong_enterprise,
        "qingdao": qingdao_enterprise,
    }


def names(queryset):
    return sorted(str(row) for row in queryset)


def test_provincial_staff_sees_only_their_province(world, shandong_staff):
    actor = scoping.actor_for(shandong_staff)
    assert set(scoping.visible(actor, Enterprise)) == {world["shandong"], world["qingdao"]}
    assert {f.enterprise for f in scoping.visible(actor, Facility)} == {
        world["shandong"],
        world["qingdao"],
    }
    assert {e.enterprise for e in scoping.visible(actor, AnnualEmissions)} == {
        world["shandong"],
        world["qingdao"],
    }
    assert scoping.can_change(actor, world["shandong"])
    assert not scoping.can_change(actor, world["guangdong"])


def test_city_bound_staff_sees_only_their_city(world, jinan_staff, jinan):
    actor = scoping.actor_for(jinan_staff)
    assert list(scoping.visible(actor, Enterprise)) == [world["shandong"]]
    assert scoping.can_change(actor, world["shandong"])
    assert not scoping.can_change(actor, world["qingdao"])
    assert scoping.can_create(actor, Enterprise, province_id=jinan.province_id, city_id=jinan.pk)
    assert not scoping.can_create(actor, Enterprise, province_id=jinan.province_id, city_id=None)


def test_enterprise_user_sees_only_their_enterprise_and_cannot_change_it(
    world, shandong_enterprise_user
):
    actor = scoping.actor_for(shandong_enterprise_user)
    assert list(scoping.visible(actor, Enterprise)) == [world["shandong"]]
    assert [f.enterprise for f in scoping.visible(actor, Facility)] == [world["shandong"]]
    assert not scoping.can_change(actor, world["shandong"])
    assert not scoping.may_create_any(actor, Enterprise)


def test_user_of_several_enterprises_sees_each(world):
    user = enterprise_user(world["shandong"], world["guangdong"], username="group-user")
    actor = scoping.actor_for(user)
    assert set(scoping.visible(actor, Enterprise)) == {world["shandong"], world["guangdong"]}


def test_verifier_sees_their_institution_and_no_enterprise_yet(world, verifier_user, institution):
    actor = scoping.actor_for(verifier_user)
    assert list(scoping.visible(actor, Institution)) == [institution]
    assert not scoping.visible(actor, Enterprise).exists()
    assert not scoping.can_change(actor, institution)


def test_ministry_reviewer_sees_every_province_and_changes_nothing(world, ministry_user):
    actor = scoping.actor_for(ministry_user)
    assert scoping.visible(actor, Enterprise).count() == 3
    assert not any(scoping.can_change(actor, enterprise) for enterprise in world.values())
    assert not scoping.may_create_any(actor, Enterprise)
    assert not scoping.visible(actor, scoping.Membership).exists()


def test_administrator_sees_and_changes_everything(world, admin_user):
    actor = scoping.actor_for(admin_user)
    assert scoping.visible(actor, Enterprise).count() == 3
    assert all(scoping.can_change(actor, enterprise) for enterprise in world.values())


@pytest.mark.parametrize(
    "model", [Enterprise, Facility, AnnualEmissions, Institution, Province, Industry, City]
)
def test_user_with_no_role_sees_nothing(world, no_role_user, institution, model):
    actor = scoping.actor_for(no_role_user)
    assert not actor.has_role
    assert not scoping.visible(actor, model).exists()
    assert not scoping.can_change(actor, world["shandong"])


def test_anonymous_and_inactive_users_see_nothing(world, shandong_staff):
    shandong_staff.is_active = False
    assert not scoping.visible(scoping.actor_for(shandong_staff), Enterprise).exists()
    assert not scoping.visible(scoping.actor_for(None), Enterprise).exists()


def test_another_provinces_object_is_not_found(world, guangdong_staff):
    actor = scoping.actor_for(guangdong_staff)
    with pytest.raises(NotFound):
        scoping.get_visible(actor, Enterprise, public_id=world["shandong"].public_id)


def test_a_model_without_a_rule_fails_closed(shandong_staff):
    with pytest.raises(scoping.ScopeNotDeclared):
        scoping.visible(scoping.actor_for(shandong_staff), Session)


def test_every_domain_model_has_a_rule():
    domain_apps = {"accounts", "core", "units", "reporting", "verification", "quotas", "deadlines"}
    missing = [
        model._meta.label
        for model in apps.get_models()
        if model._meta.app_label in domain_apps
        and not model._meta.auto_created
        and model._meta.label_lower not in scoping.RULES
    ]
    assert missing == []
