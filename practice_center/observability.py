"""Logs and errors in production: one line per request, request ids into Celery, Sentry.

- `AccessLogMiddleware` writes one line per request on the `portal.request` logger: method, path
  (never the query string, which may carry names or phone numbers), status, duration in ms, the
  user id (only when the request already loaded its user: logging never costs a query) and the
  request id that `RequestIdMiddleware` bound.
- `RequestIdFilter` puts the current request id on every log record (`%(request_id)s`), and
  `MaskPhonesFilter` masks any mainland mobile number in a record's text (138****1234), so a
  message that quotes a phone by mistake does not leak it.
- `JSONFormatter` writes one JSON object per line (`LOG_FORMAT=json`), for log shippers.
- Celery: the id of the request that queued a task travels in the task's `portal_request_id`
  header and is bound in the worker while the task runs (beat jobs get the task's own id), so a
  task's log lines and audit rows carry the id of the request that caused them.
- `init_sentry(dsn)`: errors to Sentry with the Django and Celery integrations, no personal data.
"""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import UTC, datetime

from celery import signals

from practice_center.request_context import current_request_id, reset_request_id, set_request_id
from practice_center.text import mask_phone

access_logger = logging.getLogger("portal.request")

TASK_HEADER = "portal_request_id"

# A mainland mobile number: 11 digits starting 13-19, optionally after +86 / 86, not inside a longer number.
_PHONE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?(1[3-9]\d{9})(?!\d)")


def mask_phones(text: str) -> str:
    """`text` with every mainland mobile number masked as 138****1234 (practice_center.text.mask_phone)."""
    return _PHONE.sub(lambda match: mask_phone(match.group(1)), text)


# --- Logging filters and formatter (wired in settings.LOGGING) ---------------------------------
class RequestIdFilter(logging.Filter):
    """Adds `request_id` (the current request's or task's id, "-" outside one) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = current_request_id() or "-"
        return True


class MaskPhonesFilter(logging.Filter):
    """Masks mobile numbers in the rendered message (and the exception text) of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: leave the record to the handler's own error path
            return True
        masked = mask_phones(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        return True


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, request id, message,
    the record's extra fields (method, path, status, duration_ms, user_id, ...), the exception."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "") or current_request_id() or "-",
            "message": record.getMessage(),
            "pid": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_info:
            line["exception"] = mask_phones(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


# --- One line per request ------------------------------------------------------------------------
def _loaded_user_id(request) -> int | None:
    """The id of the request's user if something already loaded it (a view, DRF's token auth);
    None for anonymous or never-loaded users: the log line must not add a session or user query."""
    user = request.__dict__.get("user")
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)  # a SimpleLazyObject not yet evaluated holds `empty`
    if wrapped is not user and not hasattr(wrapped, "is_authenticated"):
        return None
    return wrapped.pk if getattr(wrapped, "is_authenticated", False) else None


class AccessLogMiddleware:
    """Logs `GET /api/v1/orders/ 200 12.3ms user=5` with the request id, at INFO (5xx at ERROR).

    Placed right after RequestIdMiddleware, so the id is bound and the duration covers the rest
    of the stack. The query string is left out: searches may hold names or phone numbers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = None
        try:
            response = self.get_response(request)
            return response
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            status = response.status_code if response is not None else 500
            user_id = _loaded_user_id(request)
            access_logger.log(
                logging.ERROR if status >= 500 else logging.INFO,
                "%s %s %s %.1fms user=%s",
                request.method,
                request.path,
                status,
                duration_ms,
                user_id if user_id is not None else "-",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "duration_ms": duration_ms,
                    "user_id": user_id,
                },
            )


def logging_config(*, level: str = "INFO", fmt: str = "text") -> dict:
    """The LOGGING dict: every record through the request-id and phone-masking filters to
    stderr, as text (`time level logger [request id] message`) or JSON lines (`fmt="json"`)."""
    if fmt not in ("text", "json"):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("LOG_FORMAT must be 'text' or 'json'.")
    formatter = (
        {"()": "practice_center.observability.JSONFormatter"}
        if fmt == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "practice_center.observability.RequestIdFilter"},
            "mask_phones": {"()": "practice_center.observability.MaskPhonesFilter"},
        },
        "formatters": {"portal": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id", "mask_phones"],
                "formatter": "portal",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "INFO"},
            # Our access line replaces Django's own request logging of 4xx ("Not Found: ...").
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "WARNING"},
        },
    }


# --- Request ids through Celery ------------------------------------------------------------------
@signals.before_task_publish.connect(weak=False, dispatch_uid="portal_request_id_publish")
def _send_request_id(headers=None, **_kwargs):
    request_id = current_request_id()
    if request_id and headers is not None and TASK_HEADER not in headers:
        headers[TASK_HEADER] = request_id


_task_tokens: dict[str, object] = {}


@signals.task_prerun.connect(weak=False, dispatch_uid="portal_request_id_prerun")
def _bind_request_id(task_id=None, task=None, **_kwargs):
    given = None
    if task is not None:
        # A worker puts message headers on the request itself; an eager `apply(headers=...)` under `.headers`.
        given = getattr(task.request, TASK_HEADER, None) or (getattr(task.request, "headers", None) or {}).get(
            TASK_HEADER
        )
    # An eager task inside a request keeps the request's id; a beat job gets its own task id.
    _task_tokens[task_id] = set_request_id(given or current_request_id() or (task_id or "").replace("-", ""))


@signals.task_postrun.connect(weak=False, dispatch_uid="portal_request_id_postrun")
def _unbind_request_id(task_id=None, **_kwargs):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            reset_request_id(token)
        except ValueError:  # bound in another context (eager task inside a request): just clear
            set_request_id("")


# --- Sentry --------------------------------------------------------------------------------------
def sentry_options(dsn: str, *, environment: str = "", release: str = "", traces_sample_rate: float = 0.0) -> dict:
    """The arguments of `sentry_sdk.init`: Django and Celery integrations, no personal data
    (send_default_pii False: no user names, cookies, addresses or request bodies)."""
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    return {
        "dsn": dsn,
        "integrations": [
            DjangoIntegration(),
            CeleryIntegration(),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
        "send_default_pii": False,
        "environment": environment or None,
        "release": release or None,
        "traces_sample_rate": traces_sample_rate,
        "before_send": _scrub_event,
    }


def _scrub_event(event: dict, _hint: dict) -> dict:
    """Mask phone numbers in an event's message and log entry before it leaves the process."""
    for holder in (event, event.get("logentry") or {}):
        for key in ("message", "formatted"):
            if isinstance(holder.get(key), str):
                holder[key] = mask_phones(holder[key])
    for value in (event.get("exception") or {}).get("values", []) or []:
        if isinstance(value.get("value"), str):
            value["value"] = mask_phones(value["value"])
    return event


def init_sentry(dsn: str, **options) -> None:
    """Start the Sentry client (settings call this when SENTRY_DSN is set)."""
    import sentry_sdk

    sentry_sdk.init(**sentry_options(dsn, **options))
