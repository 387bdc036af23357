"""Schemathesis against the whole published schema (/api/schema/), in-process over WSGI.

Every operation the schema holds (other apps add theirs as they go) is called with generated
valid and invalid input, as station staff and as a resident, and must never answer a 5xx.
Examples are bounded and derandomized, so the run is repeatable and stays well under two minutes.
Run it on PostgreSQL too: NUL characters in query strings only fail there.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from practice_center.api.tokens import token_create
from practice_center.wsgi import application

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_process_requests():
    """Run the app's requests inside the test's transaction, as Django's test client does:
    without this, request_finished would close the connection that holds the transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(town, in_process_requests):
    return schemathesis.openapi.from_wsgi("/api/schema/", application)


schema = schemathesis.pytest.from_fixture("api_schema")


def token_headers(user) -> dict[str, str]:
    return {"Authorization": f"Token {token_create(user=user)}"}


@pytest.fixture
def staff_headers(town):
    return token_headers(town.staff_a)


@pytest.fixture
def resident_headers(town):
    return token_headers(town.resident_a)


# Examples per operation and persona. The schema grows as apps add endpoints, so the default is
# kept small enough for the whole run to stay well under two minutes; raise it for a deeper run:
# API_FUZZ_EXAMPLES=100 pytest tests/test_api_fuzz.py
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "12"))

FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ
def test_no_operation_answers_a_server_error_to_station_staff(case, staff_headers):
    case.call_and_validate(headers=staff_headers, checks=[not_a_server_error])


@schema.parametrize()
@FUZZ
def test_no_operation_answers_a_server_error_to_a_resident(case, resident_headers):
    case.call_and_validate(headers=resident_headers, checks=[not_a_server_error])
