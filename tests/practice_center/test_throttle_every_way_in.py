"""One brute-force limit on every way in: the log-in page, the API token, the admin's log-in,
per account from any address, and registration's "already registered" answer.

The limits are checked where credentials are checked (practice_center/auth.py), so the ways in
share one count: 5 wrong passwords per address + account, 30 per address, 20 per account from
anywhere (settings.PORTAL), then a 15-minute lock during which the password is not checked.
"""

from __future__ import annotations

import pytest
import time_machine
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory
from tests.practice_center.test_throttle import HERE, START, clear_local_cache, log_in
from tests.practice_center.test_views import REGISTER, register_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    clear_local_cache()
    yield
    clear_local_cache()


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


TOKEN = "/api/v1/auth/token/"
ADMIN_LOGIN = "/admin/login/"


def token(username, password, ip=HERE, **extra):
    return APIClient().post(TOKEN, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def admin_log_in(client, username, password, ip=HERE):
    return client.post(ADMIN_LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_the_token_endpoint_locks_after_five_wrong_passwords_with_429_and_retry_after(town, clock):
    assert [token("resident_a", "wrong").status_code for _ in range(4)] == [400] * 4
    fifth = token("resident_a", "wrong")
    assert fifth.status_code == 429 and int(fifth["Retry-After"]) == 15 * 60
    assert token("resident_a", PASSWORD).status_code == 429  # locked: the right password too


def test_a_forged_forwarded_for_header_does_not_escape_the_token_limit(town, clock):
    codes = [token("resident_a", "wrong", HTTP_X_FORWARDED_FOR=f"10.9.{i}.1").status_code for i in range(6)]
    assert codes == [400, 400, 400, 400, 429, 429]


def test_the_page_and_the_api_share_one_count(client, town, clock):
    for _ in range(3):
        log_in(client, "resident_a", "wrong")
    assert token("resident_a", "wrong").status_code == 400
    assert token("resident_a", "wrong").status_code == 429
    assert log_in(client, "resident_a", PASSWORD).status_code == 429


def test_the_admin_log_in_page_is_limited_too(client, clock):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    codes = [admin_log_in(client, "root", "wrong").status_code for _ in range(6)]
    assert codes == [200, 200, 200, 200, 429, 429]
    locked = admin_log_in(client, "root", PASSWORD)
    assert locked.status_code == 429 and "尝试次数过多" in locked.content.decode()


def test_an_account_is_locked_after_twenty_failures_spread_over_many_addresses(town, clock):
    codes = [token("resident_a", "wrong", ip=f"10.1.{i}.1").status_code for i in range(21)]
    assert codes[:20] == [400] * 19 + [429] and codes[20] == 429
    assert token("resident_a", PASSWORD, ip="10.2.0.1").status_code == 429
    assert token("resident_b", PASSWORD, ip="10.2.0.1").status_code == 200  # another account is free


def test_phone_numbers_typed_differently_count_as_one_account(town, clock):
    phone = town.resident_a.phone
    variants = [phone, f"+86 {phone}", f"{phone[:3]}-{phone[3:7]}-{phone[7:]}", phone, phone]
    assert [token(v, "wrong").status_code for v in variants] == [400, 400, 400, 400, 429]


def test_already_registered_answers_are_limited_per_address(client, town, clock):
    codes = []
    for _ in range(11):
        response = client.post(REGISTER, register_data(town.grid_a, phone=town.resident_a.phone), REMOTE_ADDR=HERE)
        codes.append(response.status_code)
    assert codes == [200] * 9 + [429, 429]
    locked = client.post(REGISTER, register_data(town.grid_a, phone="13912340000"), REMOTE_ADDR=HERE)
    assert locked.status_code == 429  # no number is looked up while the lock holds
