"""The API is read-only and needs a token: every write is 405 on every path (parametrized over
the router, so a new resource is covered the day it is registered), and a request without a
valid token is 401."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import revoke_api_token
from tests.api.conftest import routes, token_client
from tests.factories import accounts as users

pytestmark = pytest.mark.django_db

WRITES = ("post", "put", "patch", "delete")


def every_path() -> list[str]:
    paths = [reverse("api:api-root"), reverse("api:schema"), reverse("api:docs")]
    for _prefix, viewset, basename in routes():
        paths.append(reverse(f"api:{basename}-list"))
        if hasattr(viewset, "retrieve"):
            key = "370000" if viewset.lookup_field == "code" else str(uuid.uuid4())
            kwargs = {viewset.lookup_field: key}
            paths.append(reverse(f"api:{basename}-detail", kwargs=kwargs))
            if hasattr(viewset, "download"):
                paths.append(reverse(f"api:{basename}-download", kwargs=kwargs))
    return paths


@pytest.fixture
def ministry_client():
    return token_client(users.ministry())


def test_every_route_has_a_list_and_the_paths_cover_them():
    assert len(every_path()) > 2 * len(routes())


@pytest.mark.parametrize("method", WRITES)
def test_every_write_is_405_with_a_token(ministry_client, method):
    refused = {path: getattr(ministry_client, method)(path).status_code for path in every_path()}
    assert set(refused.values()) == {405}, refused


@pytest.mark.parametrize("method", WRITES)
def test_every_write_is_405_without_credentials_or_with_a_session(client, ministry_user, method):
    client.force_login(ministry_user)
    client.handler.enforce_csrf_checks = True
    refused = {path: getattr(client, method)(path).status_code for path in every_path()}
    assert set(refused.values()) == {405}, refused


def test_reads_are_allowed_and_writes_name_the_allowed_methods(ministry_client):
    response = ministry_client.post(reverse("api:enterprise-list"))
    assert response.status_code == 405
    assert "POST" not in response["Allow"]
    assert "GET" in response["Allow"]


def test_no_token_is_401(client, db):
    response = client.get(reverse("api:enterprise-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_unknown_token_is_401(client):
    response = client.get(reverse("api:api-root"), HTTP_AUTHORIZATION="Token not-a-token")
    assert response.status_code == 401


def test_revoked_token_is_401(ministry_user):
    api = token_client(ministry_user)
    assert api.get(reverse("api:api-root")).status_code == 200
    revoke_api_token(actor=None, user=ministry_user)
    assert api.get(reverse("api:api-root")).status_code == 401


def test_token_of_a_deactivated_user_is_401(ministry_user):
    api = token_client(ministry_user)
    ministry_user.is_active = False
    ministry_user.save()
    assert api.get(reverse("api:api-root")).status_code == 401


def test_a_request_records_when_the_token_was_last_used(ministry_user):
    api = token_client(ministry_user)
    api.get(reverse("api:api-root"))
    assert ApiToken.objects.get(user=ministry_user).last_used_at <= timezone.now()


def test_the_root_lists_every_resource_by_name_with_schema_and_docs(ministry_client):
    listed = ministry_client.get(reverse("api:api-root")).json()
    expected = {prefix for prefix, _viewset, _basename in routes()} | {"schema", "docs"}
    assert set(listed) == expected
    assert listed["enterprises"] == "http://testserver/api/v1/enterprises/"


def test_a_signed_in_user_browses_the_api_in_html(client, ministry_user):
    client.force_login(ministry_user)
    response = client.get(reverse("api:enterprise-list"), HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert client.head(reverse("api:enterprise-list")).status_code == 200
