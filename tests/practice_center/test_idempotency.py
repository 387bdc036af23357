"""`Idempotency-Key`: a repeat answers the first result and changes nothing twice (API.md)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from activities.models import Category, MenuItem, Order
from practice_center.api.tokens import token_create
from practice_center.idempotency import idempotency_keys_purge
from practice_center.models import IdempotencyKey
from tests.points.test_concurrency import run_at_once


@pytest.fixture
def item(town):
    return MenuItem.objects.create(site=town.station_a, category=Category.objects.get(code="law"), title="法律咨询")


def order_body(item) -> dict:
    return {"menu_item": item.pk, "description": "上门"}


@pytest.mark.django_db
def test_a_repeat_with_the_same_key_answers_the_first_result_and_orders_once(town, item, login):
    client = login(town.resident_a, token=True)
    first = client.post("/api/v1/orders/", order_body(item), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/orders/", order_body(item), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert json.loads(again.content) == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.filter(resident=town.resident_a).count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused_with_409(town, item, login):
    client = login(town.resident_a, token=True)
    client.post("/api/v1/orders/", order_body(item), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = client.post(
        "/api/v1/orders/", {**order_body(item), "description": "别的"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    assert Order.objects.filter(resident=town.resident_a).count() == 1


@pytest.mark.django_db
def test_the_same_key_from_another_caller_is_another_request(town, item, login):
    first = login(town.resident_a, token=True).post(
        "/api/v1/orders/", order_body(item), format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )
    other = login(town.resident_a2, token=True).post(
        "/api/v1/orders/", order_body(item), format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )
    assert first.status_code == other.status_code == 201
    assert other.json()["id"] != first.json()["id"]


@pytest.mark.django_db
def test_a_refusal_is_replayed_too_and_requests_without_a_key_are_untouched(town, item, login):
    client = login(town.resident_a, token=True)
    bad = {"menu_item": 999999}
    first = client.post("/api/v1/orders/", bad, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    again = client.post("/api/v1/orders/", bad, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert first.status_code == again.status_code == 400 and json.loads(again.content) == first.json()
    client.post("/api/v1/orders/", order_body(item), format="json")
    client.post("/api/v1/orders/", order_body(item), format="json")
    assert Order.objects.filter(resident=town.resident_a).count() == 2


@pytest.mark.django_db
def test_a_key_longer_than_250_characters_is_bad_input(town, item, login):
    response = login(town.resident_a, token=True).post(
        "/api/v1/orders/", order_body(item), format="json", HTTP_IDEMPOTENCY_KEY="x" * 251
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()


@pytest.mark.django_db
def test_session_callers_are_keyed_too(town, item, client, login):
    login(town.resident_a)
    for _ in range(2):
        response = client.post(
            "/api/v1/orders/", order_body(item), content_type="application/json", HTTP_IDEMPOTENCY_KEY="s-1"
        )
        assert response.status_code == 201
    assert Order.objects.filter(resident=town.resident_a).count() == 1


@pytest.mark.django_db
def test_keys_older_than_a_day_are_purged(town):
    old = IdempotencyKey.objects.create(user=town.resident_a, key="old", fingerprint="f", status_code=201)
    IdempotencyKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(hours=25))
    IdempotencyKey.objects.create(user=town.resident_a, key="new", fingerprint="f", status_code=201)
    assert idempotency_keys_purge() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_identical_requests_at_once_order_once_and_both_get_the_first_answer(town, item, require_postgres):
    key = token_create(user=town.resident_a)

    def send(_i):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        response = client.post("/api/v1/orders/", order_body(item), format="json", HTTP_IDEMPOTENCY_KEY="race-1")
        return response.status_code, json.loads(response.content)

    results = run_at_once(8, send)
    assert connection.vendor == "postgresql"
    assert all(isinstance(r, tuple) for r in results), results
    assert {status for status, _body in results} == {201}
    assert len({body["id"] for _status, body in results}) == 1
    assert Order.objects.filter(resident=town.resident_a).count() == 1
