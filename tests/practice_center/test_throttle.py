"""Brute-force limits of the log-in and registration pages (practice_center/throttle.py).

Defaults from settings.PORTAL: 5 wrong passwords per address + user name, 30 per address, a
15-minute cool-off; 10 wrong join codes per address per hour. The conftest empties the cache
before each test, and `fresh_cache` here says so where a test relies on it.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from practice_center import throttle
from practice_center.models import User
from tests.practice_center.test_settings import load_settings
from tests.practice_center.test_views import REGISTER, register_data

LOGIN = "/accounts/login/"
HERE = "10.0.0.1"
ELSEWHERE = "10.0.0.2"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
EN_MESSAGE = "Too many attempts. Try again in 15 minutes."
ZH_MESSAGE = "尝试次数过多，请 15 分钟后再试。"


def clear_local_cache() -> None:
    # Never clear() a Redis cache here: that would flush a database other people may share.
    if "LocMemCache" in settings.CACHES["default"]["BACKEND"]:
        cache.clear()


@pytest.fixture(autouse=True)
def fresh_cache():
    """Failures are counted in the cache: every test starts with none and leaves none behind."""
    clear_local_cache()
    yield
    clear_local_cache()


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def log_in(client, username, password, ip=HERE, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def fail(client, username, times, ip=HERE):
    return [log_in(client, username, "wrong-password", ip=ip).status_code for _ in range(times)]


# ---- log in: per user name and address --------------------------------------------------------


def test_four_wrong_passwords_are_answered_normally(client, town, clock):
    assert fail(client, town.resident_a.phone, 4) == [200, 200, 200, 200]


def test_the_fifth_wrong_password_locks_and_says_so_with_429_and_retry_after(client, town, clock):
    fail(client, town.resident_a.phone, 4)
    response = log_in(client, town.resident_a.phone, "wrong-password")
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert ZH_MESSAGE in response.content.decode()


def test_while_locked_even_the_right_password_is_refused_and_the_phone_is_kept(client, town, password, clock):
    fail(client, town.resident_a.phone, 5)
    response = log_in(client, town.resident_a.phone, password)
    html = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert ZH_MESSAGE in html
    assert f'value="{town.resident_a.phone}"' in html
    assert password not in html
    assert SESSION_KEY not in client.session


def test_while_locked_the_password_is_not_even_checked(client, town, password, clock):
    fail(client, town.resident_a.phone, 5)
    with mock.patch("django.contrib.auth.forms.authenticate") as authenticate:
        response = log_in(client, town.resident_a.phone, password)
    assert response.status_code == 429
    authenticate.assert_not_called()


def test_the_lock_ends_after_the_fifteen_minute_cool_off(client, town, password, clock):
    fail(client, town.resident_a.phone, 5)
    clock.shift(dt.timedelta(minutes=14))
    response = log_in(client, town.resident_a.phone, password)
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "尝试次数过多，请 1 分钟后再试。" in response.content.decode()
    clock.shift(dt.timedelta(minutes=1))
    response = log_in(client, town.resident_a.phone, password)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(town.resident_a.pk)


def test_after_the_cool_off_the_count_starts_again_at_zero(client, town, clock):
    fail(client, town.resident_a.phone, 5)
    clock.shift(dt.timedelta(minutes=15))
    assert fail(client, town.resident_a.phone, 5) == [200, 200, 200, 200, 429]


def test_failures_older_than_the_window_are_forgotten(client, town, clock):
    fail(client, town.resident_a.phone, 4)
    clock.shift(dt.timedelta(minutes=16))
    assert fail(client, town.resident_a.phone, 4) == [200, 200, 200, 200]


def test_a_successful_log_in_clears_the_count_of_that_user_name(client, town, password, clock):
    fail(client, town.resident_a.phone, 4)
    assert log_in(client, town.resident_a.phone, password).status_code == 302
    client.post("/accounts/logout/")
    assert fail(client, town.resident_a.phone, 4) == [200, 200, 200, 200]


def test_the_user_name_is_counted_however_it_is_typed(client, town, clock):
    fail(client, "Resident_A", 2)
    fail(client, " resident_a ", 2)
    assert log_in(client, "RESIDENT_A", "wrong-password").status_code == 429


def test_one_locked_user_name_does_not_lock_another_person_at_the_same_address(client, town, password, clock):
    fail(client, town.resident_a.phone, 5)
    response = log_in(client, town.resident_b.phone, password)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(town.resident_b.pk)


def test_the_same_user_name_from_another_address_can_still_log_in(client, town, password, clock):
    fail(client, town.resident_a.phone, 5, ip=HERE)
    assert log_in(client, town.resident_a.phone, password, ip=ELSEWHERE).status_code == 302


def test_an_empty_password_is_not_a_guess_and_is_not_counted(client, town, clock):
    for _ in range(8):
        response = client.post(LOGIN, {"username": town.resident_a.phone, "password": ""}, REMOTE_ADDR=HERE)
        assert response.status_code == 200
    assert throttle.retry_after(throttle.login_keys(ip=HERE, username=town.resident_a.phone)) == 0


# ---- log in: per address ----------------------------------------------------------------------


def test_thirty_wrong_passwords_from_one_address_lock_every_user_name_there(client, town, password, clock):
    for n in range(29):
        assert log_in(client, f"guess{n}", "wrong-password").status_code == 200
    assert log_in(client, "guess29", "wrong-password").status_code == 429
    response = log_in(client, town.resident_b.phone, password)
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert log_in(client, town.resident_b.phone, password, ip=ELSEWHERE).status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_lock_without_trusted_proxies(client, town, password, clock):
    fail(client, town.resident_a.phone, 5)
    response = log_in(client, town.resident_a.phone, password, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 429


def test_behind_a_trusted_proxy_each_client_address_is_counted_apart(client, town, password, settings, clock):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "127.0.0.1"
    for _ in range(5):
        log_in(client, town.resident_a.phone, "wrong-password", ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    locked = log_in(client, town.resident_a.phone, password, ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    other = log_in(client, town.resident_a.phone, password, ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert locked.status_code == 429
    assert other.status_code == 302


# ---- messages in both languages ---------------------------------------------------------------


def test_the_lock_message_is_english_with_the_language_cookie(client, town, password, clock):
    client.cookies["django_language"] = "en"
    fail(client, town.resident_a.phone, 5)
    html = log_in(client, town.resident_a.phone, password).content.decode()
    assert EN_MESSAGE in html
    assert ZH_MESSAGE not in html


def test_the_lock_message_is_chinese_by_default(client, town, password, clock):
    fail(client, town.resident_a.phone, 5)
    html = log_in(client, town.resident_a.phone, password).content.decode()
    assert ZH_MESSAGE in html
    assert 'role="alert"' in html


def test_one_minute_left_reads_in_the_singular_in_english(client, town, password, clock):
    client.cookies["django_language"] = "en"
    fail(client, town.resident_a.phone, 5)
    clock.shift(dt.timedelta(minutes=14, seconds=30))
    html = log_in(client, town.resident_a.phone, password).content.decode()
    assert "Too many attempts. Try again in 1 minute." in html


# ---- registration: join codes -----------------------------------------------------------------


def join(client, town, code, ip=HERE, **overrides):
    data = register_data(town.grid_a, household_mode="join", join_code=code, grid="", **overrides)
    return client.post(REGISTER, data, REMOTE_ADDR=ip)


def test_nine_wrong_join_codes_are_answered_normally_and_the_tenth_locks(client, town, clock):
    codes = [join(client, town, f"ZZZZ{n:02d}").status_code for n in range(10)]
    assert codes == [200] * 9 + [429]


def test_while_locked_the_right_join_code_is_refused_with_429_and_what_was_typed_is_kept(client, town, clock):
    for n in range(10):
        join(client, town, f"ZZZZ{n:02d}")
    code = town.household_a.join_code
    with CaptureQueriesContext(connection) as queries:
        response = join(client, town, code)
    html = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "尝试次数过多，请 60 分钟后再试。" in html
    assert 'value="王秀英"' in html
    assert f'value="{code}"' in html
    assert "long-enough-9" not in html
    assert not any("join_code" in query["sql"] for query in queries.captured_queries)
    assert not User.objects.filter(phone="13912345678").exists()


def test_the_join_code_lock_ends_after_an_hour(client, town, clock):
    for n in range(10):
        join(client, town, f"ZZZZ{n:02d}")
    clock.shift(dt.timedelta(minutes=59))
    assert join(client, town, town.household_a.join_code).status_code == 429
    clock.shift(dt.timedelta(minutes=1))
    assert join(client, town, town.household_a.join_code).status_code == 302
    assert User.objects.get(phone="13912345678").household == town.household_a


def test_the_join_code_lock_holds_per_address(client, town, clock):
    for n in range(10):
        join(client, town, f"ZZZZ{n:02d}", ip=HERE)
    assert join(client, town, town.household_a.join_code, ip=ELSEWHERE).status_code == 302


def test_registering_a_new_household_is_not_held_by_the_join_code_lock(client, town, clock):
    for n in range(10):
        join(client, town, f"ZZZZ{n:02d}")
    response = client.post(REGISTER, register_data(town.grid_a), REMOTE_ADDR=HERE)
    assert response.status_code == 302


def test_an_empty_join_code_is_not_counted_as_a_guess(client, town, clock):
    for _ in range(12):
        assert join(client, town, "").status_code == 200
    assert throttle.retry_after([throttle.join_code_key(ip=HERE)]) == 0


def test_the_join_code_lock_message_is_english_with_the_language_cookie(client, town, clock):
    client.cookies["django_language"] = "en"
    for n in range(10):
        join(client, town, f"ZZZZ{n:02d}")
    html = join(client, town, "ABCDEF").content.decode()
    assert "Too many attempts. Try again in 60 minutes." in html


# ---- the client's address and the settings ----------------------------------------------------


def address(settings, proxies: int, remote: str, forwarded: str | None = None) -> str:
    settings.TRUSTED_PROXY_COUNT = proxies
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return throttle.client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def test_without_trusted_proxies_the_address_is_remote_addr_whatever_is_forwarded(settings):
    assert address(settings, 0, "192.0.2.1", "203.0.113.9") == "192.0.2.1"


def test_with_one_trusted_proxy_the_address_is_the_last_forwarded_hop(settings):
    # The client wrote "6.6.6.6" itself; the proxy appended what it saw.
    assert address(settings, 1, "127.0.0.1", "6.6.6.6, 198.51.100.7") == "198.51.100.7"
    assert address(settings, 1, "127.0.0.1", "198.51.100.7") == "198.51.100.7"


def test_with_two_trusted_proxies_the_address_is_the_second_hop_from_the_right(settings):
    assert address(settings, 2, "10.1.1.1", "6.6.6.6, 198.51.100.7, 10.0.0.5") == "198.51.100.7"


def test_a_missing_or_garbage_forwarded_header_falls_back_to_remote_addr(settings):
    assert address(settings, 1, "192.0.2.1") == "192.0.2.1"
    assert address(settings, 1, "192.0.2.1", "not-an-address") == "192.0.2.1"
    assert address(settings, 1, "192.0.2.1", " , ") == "192.0.2.1"


def test_ipv6_clients_are_counted_per_64_block(settings):
    assert address(settings, 0, "2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert address(settings, 0, "2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert address(settings, 0, "::ffff:192.0.2.1") == "192.0.2.1"


def test_limits_are_read_from_the_portal_settings(client, town, settings, clock):
    settings.PORTAL = {**settings.PORTAL, "LOGIN_FAILURES_PER_USER": 2, "LOGIN_COOLOFF_MINUTES": 5}
    assert fail(client, town.resident_a.phone, 2) == [200, 429]
    assert log_in(client, town.resident_a.phone, "x")["Retry-After"] == "300"


def test_a_negative_trusted_proxy_count_fails_loudly_at_start_up():
    result = load_settings(TRUSTED_PROXY_COUNT="-1")
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT" in result.stderr


def test_a_zero_login_limit_fails_loudly_at_start_up():
    result = load_settings(LOGIN_FAILURES_PER_USER="0")
    assert result.returncode != 0
    assert "LOGIN_" in result.stderr


# ---- Redis: counts shared by every process ----------------------------------------------------


@pytest.mark.redis
def test_on_redis_parallel_failures_are_all_counted_and_the_lock_is_seen_by_every_connection(settings, require_redis):
    import uuid
    from concurrent.futures import ThreadPoolExecutor

    from django.core.cache import caches

    # A prefix of its own, and only its own keys deleted afterwards: the database may be shared.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": require_redis,
            "KEY_PREFIX": f"throttle-test-{uuid.uuid4().hex}",
        }
    }
    settings.PORTAL = {**settings.PORTAL, "LOGIN_FAILURES_PER_USER": 1000, "LOGIN_FAILURES_PER_IP": 40}
    user_key, ip_key, _account_key = throttle.login_keys(ip=HERE, username="resident_a")

    def one_failure(_):
        # Each thread has its own cache object and Redis connection, like another process would.
        throttle.record_failure([user_key, ip_key])
        caches["default"].close()

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(one_failure, range(39)))
        assert caches["default"].get(user_key.counter) == 39
        assert throttle.retry_after([ip_key]) == 0
        throttle.record_failure([user_key, ip_key])
        with ThreadPoolExecutor(max_workers=1) as pool:
            assert pool.submit(throttle.retry_after, [ip_key]).result() == 900
    finally:
        caches["default"].delete_many([user_key.counter, user_key.lock, ip_key.counter, ip_key.lock])
