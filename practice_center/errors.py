"""The page shown when a form cannot be accepted safely (CSRF), in the portal's look.

Django's own page speaks of "CSRF verification failed", which tells a resident nothing; what
happened to them is almost always a page left open too long (the token outlived the session)
or opened in two windows. 403, 404, 400 and 500 use templates/<code>.html directly.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: 403 with templates/403_csrf.html ("please try again")."""
    return render(request, "403_csrf.html", status=403)
