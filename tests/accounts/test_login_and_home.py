"""Logging in and out, throttling, sessions, and each role's home page."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from core.models import AuditEvent

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.mark.parametrize(("language", "text"), [("en", "Log in"), ("zh-hans", "登录")])
def test_login_page_answers_in_both_languages(client, language, text):
    response = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()
    assert text in response.content.decode()


def test_language_switcher_sets_the_language(client):
    client.post(reverse("accounts:set-language"), {"language": "en", "next": LOGIN})
    assert "Log in" in client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


@pytest.mark.parametrize(
    ("persona", "heading"),
    [
        ("shandong_staff", "Provincial home"),
        ("shandong_enterprise_user", "Enterprise home"),
        ("verifier_user", "Verifier home"),
        ("ministry_user", "National overview"),
        ("admin_user", "National overview"),
        ("no_role_user", "No role assigned"),
    ],
)
def test_each_role_lands_on_its_home_page(request, client, persona, heading, shandong_enterprise):
    user = request.getfixturevalue(persona)
    response = client.post(
        LOGIN,
        {"username": user.username, "password": "demo-pass-2026"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert f"<h1>{heading}" in response.content.decode()


def test_enterprise_home_lists_only_own_enterprise(
    client_as, shandong_enterprise_user, guangdong_enterprise
):
    body = client_as(shandong_enterprise_user).get(reverse("home")).content.decode()
    assert "山东测试电厂" in body
    assert "广东测试电厂" not in body


def test_provincial_home_counts_own_province_only(
    client_as, shandong_staff, shandong_enterprise, guangdong_enterprise
):
    response = client_as(shandong_staff).get(reverse("home"))
    provinces = list(response.context["provinces"])
    assert [(p.code, p.enterprise_count) for p in provinces] == [("370000", 1)]


def test_national_home_counts_every_province(
    client_as, ministry_user, shandong_enterprise, guangdong_enterprise
):
    response = client_as(ministry_user).get(reverse("home"))
    counts = {p.code: p.enterprise_count for p in response.context["provinces"]}
    assert len(counts) == 32
    assert counts["370000"] == 1 and counts["440000"] == 1 and counts["110000"] == 0


def test_wrong_password_is_refused_with_a_clear_message(client, shandong_staff):
    response = client.post(
        LOGIN, {"username": "shandong-staff", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failed_logins_are_throttled(client, shandong_staff):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "shandong-staff", "password": "wrong"})
    locked = client.post(LOGIN, {"username": "shandong-staff", "password": "demo-pass-2026"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_sessions_expire_after_inactivity():
    assert settings.SESSION_COOKIE_AGE <= 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_password_validators_are_on():
    names = {
        validator["NAME"].rsplit(".", 1)[-1] for validator in settings.AUTH_PASSWORD_VALIDATORS
    }
    assert {
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    } <= names


def test_logout_ends_the_session(client_as, shandong_staff):
    client = client_as(shandong_staff)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_login_writes_no_audit_event_for_failed_attempts(client, shandong_staff):
    client.post(LOGIN, {"username": "shandong-staff", "password": "wrong"})
    assert not AuditEvent.objects.exists()


def test_static_assets_are_local():
    base = (Path(settings.BASE_DIR) / "templates" / "base.html").read_text()
    assert "http://" not in base and "https://" not in base


def test_switching_language_sets_a_signed_in_users_email_language(client_as, shandong_staff):
    client = client_as(shandong_staff)
    response = client.post(reverse("accounts:set-language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    shandong_staff.refresh_from_db()
    assert shandong_staff.language == "en"
    client.post(reverse("accounts:set-language"), {"language": "klingon", "next": "/"})
    shandong_staff.refresh_from_db()
    assert shandong_staff.language == "en"
