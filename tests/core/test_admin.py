import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_admin_page_opens_for_the_administrator(client_as, admin_user, shandong_enterprise):
    client = client_as(admin_user)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
    detail = reverse("admin:units_enterprise_change", args=[shandong_enterprise.pk])
    assert client.get(detail).status_code == 200


def test_registry_records_cannot_be_changed_in_the_admin(
    client_as, admin_user, shandong_enterprise
):
    client = client_as(admin_user)
    url = reverse("admin:units_enterprise_change", args=[shandong_enterprise.pk])
    client.post(url, {"name_zh": "改名"})
    shandong_enterprise.refresh_from_db()
    assert shandong_enterprise.name_zh == "山东测试电厂"
    assert client.get(reverse("admin:units_enterprise_add")).status_code == 403


@pytest.mark.parametrize("persona", ["shandong_staff", "ministry_user"])
def test_other_roles_cannot_open_the_admin(request, client_as, persona):
    response = client_as(request.getfixturevalue(persona)).get(reverse("admin:index"))
    assert response.status_code == 302
