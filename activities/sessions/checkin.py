"""Door check-in codes: a short code that changes every minute, as TOTP does (RFC 6238).

code = HMAC-SHA256(key, "<activity id>:<time step>") reduced to CODE_DIGITS digits, with the
key derived from SECRET_KEY (salted, so it is no other use's key). The current and the previous
step are accepted, so a code shown just before the minute turns still works. Codes are only
accepted within the check-in window (settings PORTAL["CHECKIN_OPENS_MINUTES_BEFORE"] and
["CHECKIN_CLOSES_MINUTES_AFTER"], 30 and 30 by default).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare

STEP_SECONDS = 60
CODE_DIGITS = 6
_SALT = b"activities.sessions.checkin"


def _key() -> bytes:
    return hashlib.sha256(_SALT + settings.SECRET_KEY.encode()).digest()


def step_at(at: datetime.datetime) -> int:
    """The time step (a minute since the epoch) that `at` falls in."""
    return int(at.timestamp()) // STEP_SECONDS


def code_for(activity_id: int, step: int) -> str:
    """The code of `activity_id` for time step `step`: CODE_DIGITS digits, zero-padded."""
    digest = hmac.new(_key(), f"{activity_id}:{step}".encode(), hashlib.sha256).digest()
    offset = digest[-1] & 0x0F  # dynamic truncation, as in RFC 4226
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(number % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def current_code(activity_id: int, *, at: datetime.datetime | None = None) -> tuple[str, datetime.datetime]:
    """The code to show now and when it stops being accepted (the end of the next step)."""
    at = at or timezone.now()
    step = step_at(at)
    valid_until = datetime.datetime.fromtimestamp((step + 2) * STEP_SECONDS, tz=datetime.UTC)
    return code_for(activity_id, step), valid_until


def code_is_valid(activity_id: int, code: str, *, at: datetime.datetime | None = None) -> bool:
    """Whether `code` is this activity's code of the current or the previous step."""
    code = (code or "").strip()
    if len(code) != CODE_DIGITS or not code.isascii() or not code.isdigit():
        return False
    step = step_at(at or timezone.now())
    return any(constant_time_compare(code, code_for(activity_id, s)) for s in (step, step - 1))


def window(activity) -> tuple[datetime.datetime, datetime.datetime]:
    """The check-in window of an activity: [opens, closes], both inclusive."""
    before = settings.PORTAL["CHECKIN_OPENS_MINUTES_BEFORE"]
    after = settings.PORTAL["CHECKIN_CLOSES_MINUTES_AFTER"]
    return (
        activity.starts_at - datetime.timedelta(minutes=before),
        activity.ends_at + datetime.timedelta(minutes=after),
    )


def window_is_open(activity, *, at: datetime.datetime | None = None) -> bool:
    opens, closes = window(activity)
    at = at or timezone.now()
    return opens <= at <= closes
