"""Small helpers every page view shares: the staff guard, calling a service, QR pictures."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from practice_center.exceptions import DomainError, NotAllowed
from practice_center.forms import add_service_errors
from practice_center.scoping import scope

T = TypeVar("T")


def staff_required(view):
    """Decorate a page view: logged in (else the log-in page) and holding a staff or center-admin
    role somewhere (else 403). The service still checks the particular site."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not scope(request.user).is_staff_anywhere:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def run_service(request: HttpRequest, form: Any, action: Callable[..., T], /, **kwargs: Any) -> T | None:
    """Call a service for a page and show what went wrong in the page's terms.

    form: a bound form whose fields receive a ValidationError's field messages, or None: then
        they become page messages.
    action: the service function; kwargs: its keyword arguments.
    Returns the service's result, or None when it refused: a ValidationError (form or page
    messages), a DomainError (a page message). NotAllowed becomes PermissionDenied (403).
    """
    try:
        return action(**kwargs)
    except ValidationError as exc:
        if form is not None:
            add_service_errors(form, exc)
        else:
            for message in exc.messages:
                messages.error(request, message)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    except NotAllowed as exc:
        raise PermissionDenied(str(exc.message))
    return None


def qr_svg(data: str, *, scale: int = 6) -> str:
    """An inline SVG QR code (error correction M) of `data`, e.g. a URL a phone camera opens."""
    return segno.make(data, error="m").svg_inline(scale=scale, dark="#1a1a1a", light="#ffffff", border=2)
