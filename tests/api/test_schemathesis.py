"""schemathesis fuzzes every operation of the live schema, through the Django WSGI app, with a
ministry token over a world with data: no request may end in a server error, and every
documented response must match its schema. Detail operations are fuzzed twice, with random ids
(404) and with a real record's id (200), so both answers are exercised. Bounded in examples so
it stays fast.

(schemathesis' own pytest decorator does not run on this pytest, hence plain hypothesis over
its strategies.)"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api.conftest import DETAIL_OF, routes, token_client
from tests.factories import accounts as users

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=6,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def api_schema(db):
    # As Django's test client does: a request through the WSGI app must not close the test's
    # database connection (its transaction holds the world) when it ends.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def real_lookups(world) -> dict[str, dict]:
    """Path prefix of each resource -> the path parameters of one of its real records."""
    lookups = {}
    for prefix, viewset, basename in routes():
        if getattr(viewset, "lookup_field", None) == "code":  # provinces, statistics
            lookups[f"/api/v1/{prefix}/"] = {"code": "370000"}
        elif basename in DETAIL_OF:
            record = world.first("370000", DETAIL_OF[basename])
            lookups[f"/api/v1/{prefix}/"] = {"public_id": str(record.public_id)}
    return lookups


def fuzz(operation, token: str, path_parameters: dict | None = None) -> None:
    @given(case=operation.as_strategy(path_parameters=path_parameters))
    @EXAMPLES
    def run(case):
        response = case.call(headers={"Authorization": token})
        case.validate_response(response, checks=CHECKS)

    run()


def test_no_server_errors_and_responses_match_the_schema(api_schema, world):
    token = token_client(users.ministry())._credentials["HTTP_AUTHORIZATION"]
    lookups = real_lookups(world)
    fuzzed, failures = [], {}
    for result in api_schema.get_all_operations():
        operation = result.ok()
        runs = [None]
        if "{" in operation.path:
            prefix = operation.path.split("{")[0]
            runs.append(lookups[prefix])
        for path_parameters in runs:
            label = f"{operation.label} {path_parameters or ''}"
            try:
                fuzz(operation, token, path_parameters)
            except Exception as error:
                failures[label] = f"{type(error).__name__}: {str(error)[:2000]}"
            fuzzed.append(label)
    assert len(fuzzed) > 2 * len(routes())
    assert failures == {}
