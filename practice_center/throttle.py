"""Brute-force limits for the browser's log-in and registration pages.

The API's token endpoint has DRF's ScopedRateThrottle; the HTML pages use this instead. Failures
are counted in Django's cache (Redis in production, so every process sees the same counts; LocMem
in development and tests). A limit is "N failures within a window, then a cool-off": the N-th
failure sets a lock key that holds the expiry time, and while it stands the page answers 429
without checking the password or looking the join code up.

    retry = throttle.retry_after(throttle.login_keys(ip=ip, username=username))
    throttle.record_failure(throttle.login_keys(ip=ip, username=username))
    throttle.reset(throttle.login_user_key(ip=ip, username=username))   # after a good log-in
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import ngettext

from practice_center.text import canonical_phone

logger = logging.getLogger(__name__)

PREFIX = "throttle"


@dataclass(frozen=True)
class Key:
    """One counter: what is counted (`scope`), for whom (`ident`), and how many failures lock it."""

    scope: str
    ident: str
    limit: int
    window: int  # seconds: how long failures are counted, and how long the lock then lasts

    @property
    def counter(self) -> str:
        # Hashed: user names and addresses do not end up readable in Redis, and any input fits a key.
        digest = hashlib.sha256(self.ident.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return f"{PREFIX}:{self.scope}:{digest}"

    @property
    def lock(self) -> str:
        return f"{self.counter}:lock"


# ---- the client's address ---------------------------------------------------------------------


def client_ip(request: HttpRequest) -> str:
    """The address to count failures against.

    REMOTE_ADDR, unless settings.TRUSTED_PROXY_COUNT proxies stand in front of the portal: then
    the address the outermost trusted proxy saw, i.e. the TRUSTED_PROXY_COUNT-th entry of
    X-Forwarded-For counted from the right. Entries further left were written by the client and
    could be anything, so they are never trusted. IPv6 clients are counted per /64, since one
    subscriber usually holds a whole /64 and could otherwise rotate addresses for free.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    trusted = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    address = remote
    if trusted > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if hops:
            address = hops[-trusted] if len(hops) >= trusted else hops[0]
    return _bucket(address) or _bucket(remote) or "unknown"


def _bucket(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address.strip()[:64])
    except ValueError:
        return ""
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


# ---- the limits -------------------------------------------------------------------------------


def _portal(name: str) -> int:
    return int(settings.PORTAL[name])


def normalise_username(username: str) -> str:
    # The same person typed with spaces, another case or another way of writing the phone
    # number is the same target.
    phone = canonical_phone(username)
    if phone.isascii() and phone.isdigit():
        return phone
    return (username or "").strip().casefold()[:150]


def login_user_key(*, ip: str, username: str) -> Key:
    return Key(
        scope="login-user",
        ident=f"{ip}|{normalise_username(username)}",
        limit=_portal("LOGIN_FAILURES_PER_USER"),
        window=_portal("LOGIN_COOLOFF_MINUTES") * 60,
    )


def login_ip_key(*, ip: str) -> Key:
    return Key(
        scope="login-ip",
        ident=ip,
        limit=_portal("LOGIN_FAILURES_PER_IP"),
        window=_portal("LOGIN_COOLOFF_MINUTES") * 60,
    )


def login_account_key(*, username: str) -> Key:
    """Failures on one account from any address: stops guessing spread over many addresses."""
    return Key(
        scope="login-account",
        ident=normalise_username(username),
        limit=_portal("LOGIN_FAILURES_PER_ACCOUNT"),
        window=_portal("LOGIN_COOLOFF_MINUTES") * 60,
    )


def login_keys(*, ip: str, username: str) -> list[Key]:
    """The log-in limits: address + account first (reset by a good log-in), then address, account."""
    return [login_user_key(ip=ip, username=username), login_ip_key(ip=ip), login_account_key(username=username)]


def pickup_code_key(*, user_id: int) -> Key:
    """Wrong pickup codes typed by one staff account (codes are short; 20 tries per cool-off)."""
    return Key(
        scope="pickup-code",
        ident=str(user_id),
        limit=_portal("PICKUP_CODE_FAILURES_PER_USER"),
        window=_portal("LOGIN_COOLOFF_MINUTES") * 60,
    )


def check_in_code_key(*, user_id: int, activity_id: int) -> Key:
    """Wrong door check-in codes of one person for one activity (6 digits: 10 tries, then a lock)."""
    return Key(
        scope="check-in-code",
        ident=f"{user_id}:{activity_id}",
        limit=10,
        window=_portal("LOGIN_COOLOFF_MINUTES") * 60,
    )


def register_phone_key(*, ip: str) -> Key:
    """Registrations refused because the phone is taken, per address: the answer says a number
    is registered, so it is a way to test numbers; it is limited like join codes."""
    return Key(
        scope="register-phone",
        ident=ip,
        limit=_portal("JOIN_CODE_FAILURES_PER_IP"),
        window=_portal("JOIN_CODE_WINDOW_MINUTES") * 60,
    )


def join_code_key(*, ip: str) -> Key:
    return Key(
        scope="join-code",
        ident=ip,
        limit=_portal("JOIN_CODE_FAILURES_PER_IP"),
        window=_portal("JOIN_CODE_WINDOW_MINUTES") * 60,
    )


# ---- counting ---------------------------------------------------------------------------------


def retry_after(keys: list[Key]) -> int:
    """Seconds until every one of `keys` is unlocked (0: none is locked). One cache round trip."""
    locks = cache.get_many([key.lock for key in keys])
    now = time.time()
    # The expiry time is stored in the value as well as the TTL, so a lock read just before
    # its TTL runs out (or a clock moved by a test) still answers the right number.
    waits = [until - now for until in locks.values() if isinstance(until, int | float) and until > now]
    return math.ceil(max(waits)) if waits else 0


def record_failure(keys: list[Key]) -> int:
    """Count one failure on each key; lock those that reach their limit. Returns the longest lock."""
    for key in keys:
        # add + incr is atomic on Redis (and under LocMem's lock): parallel requests never lose a count.
        cache.add(key.counter, 0, timeout=key.window)
        try:
            count = cache.incr(key.counter)
        except ValueError:  # expired between add and incr
            cache.set(key.counter, 1, timeout=key.window)
            count = 1
        if count is None:  # the cache is unreachable: fail open rather than lock everyone out
            continue
        if count >= key.limit:
            cache.set(key.lock, time.time() + key.window, timeout=key.window)
            # A fresh count after the cool-off: N more tries, not one.
            cache.delete(key.counter)
            logger.warning("throttle: %s locked for %d s after %d failures", key.scope, key.window, count)
    return retry_after(keys)


def reset(key: Key) -> None:
    cache.delete_many([key.counter, key.lock])


def message(seconds: int) -> str:
    """The refusal ("Too many attempts. Try again in 15 minutes.") in the active language."""
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many attempts. Try again in %(minutes)d minute.",
        "Too many attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
