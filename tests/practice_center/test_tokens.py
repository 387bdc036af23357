"""API tokens have a life: per device, expiring, revoked by log-out, password change and
deactivation, listed and revoked by their owner; `Bearer` works as well as `Token`."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone
from knox.settings import CONSTANTS
from rest_framework.test import APIClient

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
PREFIX = CONSTANTS.TOKEN_KEY_LENGTH  # the part of a key shown in the list


def log_in(username: str = "resident_a") -> str:
    response = APIClient().post(TOKEN_URL, {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    return response.json()["token"]


def me_status(key: str, scheme: str = "Token") -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")
    return client.get("/api/v1/me/").status_code


def test_a_token_works_with_either_scheme_and_not_with_a_wrong_key(town):
    key = log_in()
    assert me_status(key) == me_status(key, "Bearer") == 200
    assert me_status(key[:-1] + ("0" if key[-1] != "0" else "1")) == 401


def test_logging_out_revokes_that_token_only(town):
    phone, tablet = log_in(), log_in()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {phone}")
    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert (me_status(phone), me_status(tablet)) == (401, 200)


def test_logging_out_everywhere_revokes_every_token(town):
    phone, tablet = log_in(), log_in()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {phone}")
    assert client.post("/api/v1/auth/logout-all/").status_code == 204
    assert (me_status(phone), me_status(tablet)) == (401, 401)


def test_a_password_change_revokes_every_token(town):
    key = log_in()
    user = type(town.resident_a).objects.get(pk=town.resident_a.pk)
    user.set_password("a-new-password-123")
    user.save()
    assert me_status(key) == 401


def test_deactivating_a_person_revokes_every_token(town):
    key = log_in()
    town.resident_a.is_active = False
    town.resident_a.save(update_fields=["is_active"])
    assert me_status(key) == 401


def test_a_token_expires_after_its_days_without_use_and_use_keeps_it_alive(town, settings):
    key = log_in()
    start = timezone.now()
    with time_machine.travel(start + datetime.timedelta(days=20), tick=False):
        assert me_status(key) == 200  # used: alive for another 30 days from here
    with time_machine.travel(start + datetime.timedelta(days=45), tick=False):
        assert me_status(key) == 200
    with time_machine.travel(start + datetime.timedelta(days=80), tick=False):
        assert me_status(key) == 401


def test_the_owner_lists_and_revokes_their_tokens_and_nobody_elses(town):
    mine, other = log_in(), log_in()
    theirs = log_in("resident_b")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {mine}")
    listed = client.get("/api/v1/auth/tokens/").json()
    assert len(listed) == 2 and sum(row["current"] for row in listed) == 1
    assert {row["prefix"] for row in listed} == {mine[:PREFIX], other[:PREFIX]}
    assert all(row["expiry"] for row in listed)
    assert client.delete(f"/api/v1/auth/tokens/{theirs[:PREFIX]}/").status_code == 404
    assert client.delete(f"/api/v1/auth/tokens/{other[:PREFIX]}/").status_code == 204
    assert (me_status(mine), me_status(other), me_status(theirs)) == (200, 401, 200)


def test_the_page_password_change_revokes_api_tokens_too(town, client, login):
    key = log_in()
    login(town.resident_a)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Another-pass-987", "new_password2": "Another-pass-987"},
    )
    assert response.status_code == 302
    assert me_status(key) == 401
