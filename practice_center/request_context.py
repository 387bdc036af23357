"""The id of the request (or task) being served, for audit rows and log lines.

`RequestIdMiddleware` takes `X-Request-ID` from a trusted proxy or makes a new one, keeps it in
a context variable for the request's lifetime and echoes it in the response, so a log line, an
audit row and a support call about one request all carry the same id.
"""

from __future__ import annotations

import contextvars
import re
import uuid

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("portal_request_id", default="")

# What we accept from a proxy: up to 64 letters, digits, dashes, dots and underscores.
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def current_request_id() -> str:
    """The id of the request or task being served; "" outside one (a shell, a migration)."""
    return _request_id.get()


def set_request_id(value: str) -> contextvars.Token:
    """Bind `value` as the current id; returns the token `reset_request_id` takes."""
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token) -> None:
    """Restore the id that was current before `set_request_id` returned `token`."""
    _request_id.reset(token)


def new_request_id() -> str:
    """A fresh id: 32 hex digits (a UUID4 without dashes)."""
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Binds a request id for the request and answers it in `X-Request-ID`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _VALID_ID.match(given) else new_request_id()
        request.request_id = request_id
        token = set_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response.headers["X-Request-ID"] = request_id
        return response
