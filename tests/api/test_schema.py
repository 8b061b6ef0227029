"""The OpenAPI 3 schema: valid, every field and parameter described, the deprecation policy in
its description, and a documentation page whose scripts are our own static files."""

import re
from io import StringIO

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.validation import validate_schema

from tests.api.conftest import routes

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client) -> dict:
    response = client.get(reverse("api:schema"), {"format": "json"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.json()


def test_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)


def test_builds_without_warnings():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out, stderr=out)
    assert out.getvalue().startswith("openapi:")


def test_describes_every_resource_with_its_list_and_detail(schema):
    for prefix, viewset, _basename in routes():
        assert f"/api/v1/{prefix}/" in schema["paths"]
        if hasattr(viewset, "retrieve"):
            assert f"/api/v1/{prefix}/{{{viewset.lookup_field}}}/" in schema["paths"]
    assert all(list(operations) == ["get"] for operations in schema["paths"].values())


def test_every_field_and_parameter_is_described(schema):
    undescribed = [
        f"{name}.{prop}"
        for name, component in schema["components"]["schemas"].items()
        for prop, field in component.get("properties", {}).items()
        if not field.get("description")
    ]
    undescribed += [
        f"{method} {path} ?{parameter['name']}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for parameter in operation.get("parameters", [])
        if not parameter.get("description")
    ]
    assert undescribed == []


def test_states_the_version_and_deprecation_policy(schema):
    info = schema["info"]
    assert info["version"].startswith("1.")
    assert "Versions and deprecation" in info["description"]
    assert "at least 12 months" in info["description"]
    assert "Sunset" in info["description"]
    assert "版本与弃用" in info["description"]


def test_token_authentication_is_documented(schema):
    token = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (token["type"], token["in"], token["name"]) == ("apiKey", "header", "Authorization")


def test_is_public_and_in_the_readers_language(client):
    chinese = client.get(reverse("api:schema"), {"format": "json"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    english = client.get(reverse("api:schema"), {"format": "json"}, HTTP_ACCEPT_LANGUAGE="en")
    assert chinese.status_code == english.status_code == 200
    page_en = english.json()["paths"]["/api/v1/enterprises/"]["get"]["parameters"]
    assert any("Province" in (p.get("description") or "") for p in page_en)
    assert chinese.content != english.content


def test_docs_page_loads_redoc_from_our_static_files(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'spec-url="/api/v1/schema/"' in page
    scripts = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert scripts == ["/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"]
    assert finders.find("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js")
    assert "googleapis" not in page
