"""A repeated submit of a page's form changes nothing twice (DESIGN.md, "Repeats and retries").

Every form that changes something carries a one-time token (`{% form_token %}`, a hidden input,
so it works without JavaScript). A POST with a token from a logged-in person runs in one
transaction that first records the token (`IdempotencyKey`, key "form:<token>"): the second
tap of a double tap waits on the key's unique index until the first is done, then gets the
first answer's redirect instead of doing it again. Only redirects are remembered (the page
after a success); a form answered with its errors keeps no token, and its new page has a
new one. The API's `Idempotency-Key` (practice_center/idempotency.py) uses the same table.
"""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

from practice_center.models import IdempotencyKey

FIELD = "form_token"


def _fingerprint(request) -> str:
    return hashlib.sha256(request.path.encode()).hexdigest()


class RepeatSubmitMiddleware:
    """Replays the first answer to a form token already used (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST" or request.path.startswith("/api/"):
            return self.get_response(request)
        token = request.POST.get(FIELD, "")
        user = getattr(request, "user", None)
        if not token or len(token) > 64 or user is None or not user.is_authenticated:
            return self.get_response(request)
        key = f"form:{token}"
        with transaction.atomic():
            try:
                with transaction.atomic():
                    row = IdempotencyKey.objects.create(user=user, key=key, fingerprint=_fingerprint(request))
            except IntegrityError:
                row = IdempotencyKey.objects.filter(user=user, key=key).first()
                if row is not None and row.fingerprint != _fingerprint(request):
                    return self.get_response(request)  # a token of another form: not a repeat of it
                if row is not None and row.status_code is not None:
                    messages.info(request, _("This form was already sent; here is what it did."))
                    return HttpResponseRedirect(bytes(row.content).decode())
                return self.get_response(request)  # pragma: no cover - a race on SQLite only
            response = self.get_response(request)
            if response.status_code in (301, 302, 303) and response.get("Location"):
                row.status_code = response.status_code
                row.content = response["Location"].encode()
                row.save(update_fields=["status_code", "content"])
            else:
                transaction.set_rollback(True)  # nothing to remember: the token may be sent again
            return response
