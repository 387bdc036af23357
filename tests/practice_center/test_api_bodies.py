"""Odd request bodies never give a 500: deep nesting, oversized bodies, other media types."""

from __future__ import annotations

import pytest
from django.test import override_settings

from practice_center.api.parsers import MAX_DEPTH, nesting_depth

ENDPOINTS = ["/api/v1/orders/", "/api/v1/points/redemptions/", "/api/v1/volunteers/", "/api/v1/auth/token/"]


def test_nesting_depth_counts_brackets_outside_strings_only():
    assert nesting_depth(b'{"a": [1, {"b": "[[[{{{"}]}') == 3
    assert nesting_depth(b'"\\"[["') == 0
    assert nesting_depth(b"[" * 5000 + b"]" * 5000) == 5000


@pytest.mark.django_db
@pytest.mark.parametrize("path", ENDPOINTS)
def test_json_nested_a_thousand_deep_answers_400_not_500(api, town, path):
    body = "[" * 1000 + "]" * 1000
    response = api(town.resident_a).post(path, body, content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper" in response.json()["detail"]


@pytest.mark.django_db
def test_json_nested_to_the_limit_is_parsed(api, town):
    body = '{"menu_item": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}"
    response = api(town.resident_a).post("/api/v1/orders/", body, content_type="application/json")
    assert response.status_code == 400
    assert "menu_item" in response.json()  # a field error: the body was read


@pytest.mark.django_db
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_an_oversized_body_answers_json_413_to_an_api_client(api, town):
    body = '{"description": "' + "x" * 5000 + '"}'
    response = api(town.resident_a).post("/api/v1/orders/", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "request_too_large"


@pytest.mark.django_db
@pytest.mark.parametrize("body_format", ["multipart", "form"])
def test_the_api_takes_json_only(api, town, body_format):
    client = api(town.resident_a)
    if body_format == "form":
        response = client.post("/api/v1/orders/", "menu_item=1", content_type="application/x-www-form-urlencoded")
    else:
        response = client.post("/api/v1/orders/", {"menu_item": "1"}, format="multipart")
    assert response.status_code == 415


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        pytest.param('{"site": 1e400}', id="float-beyond-range"),
        pytest.param('{"site": -1e400}', id="negative-float-beyond-range"),
        pytest.param('{"site": Infinity}', id="infinity"),
        pytest.param('{"site": NaN}', id="nan"),
        pytest.param('{"site": ' + "9" * 400 + "}", id="400-digit-integer"),
    ],
)
def test_numbers_a_database_cannot_hold_answer_400(api, town, body):
    response = api(town.staff_a).post("/api/v1/activities/", body, content_type="application/json")
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    [
        pytest.param(b"Token \xff", id="not-utf8"),
        pytest.param(b"Token abc\x00def", id="nul"),
        pytest.param(b"Bearer " + b"a" * 500, id="too-long"),
        pytest.param("Token 令牌".encode(), id="not-ascii"),
    ],
)
def test_a_garbled_token_header_is_401_not_500(client, header):
    from django.test import Client

    raw = Client(HTTP_AUTHORIZATION=header.decode("latin-1"))
    for path, method in (("/api/v1/me/", "get"), ("/api/v1/points/redemptions/", "post")):
        response = getattr(raw, method)(path, HTTP_IDEMPOTENCY_KEY="k1") if method == "post" else raw.get(path)
        assert response.status_code == 401, path
