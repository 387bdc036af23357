"""`Idempotency-Key` on the API: a repeated state-changing request changes nothing twice.

A POST, PUT, PATCH or DELETE under /api/ carrying `Idempotency-Key: <up to 250 characters>`
from an authenticated caller runs inside one transaction that first inserts the key
(`IdempotencyKey`). Outcomes (shared/API.md, Conventions):
- first time: the request runs; its answer (any status below 500) is stored with the key;
- the same key and body again, later or at the same moment: the stored answer is replayed
  (a concurrent twin waits on the key's unique index until the first commits);
- the same key with another method, path or body: 409 `idempotency_key_reused`;
- a 5xx answer is not stored (the transaction rolls back), so the client may retry.
Keys live a day (`IDEMPOTENCY_KEY_HOURS`), then beat deletes them.
"""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed

from practice_center.api.authentication import PortalTokenAuthentication
from practice_center.models import IdempotencyKey

HEADER = "Idempotency-Key"
METHODS = {"POST", "PUT", "PATCH", "DELETE"}
REPLAY_HEADER = "Idempotent-Replayed"


def _caller_id(request) -> int | None:
    """The authenticated caller: the session's user, or the owner of the `Token` sent."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.pk
    try:
        found = PortalTokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return found[0].pk if found else None


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode(), request.body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _replay(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(row.content), status=row.status_code, content_type=row.content_type or None)
    response[REPLAY_HEADER] = "true"
    return response


def _reused() -> JsonResponse:
    return JsonResponse(
        {
            "detail": "This Idempotency-Key was used for another request; send a new key.",
            "code": "idempotency_key_reused",
        },
        status=409,
    )


class IdempotencyMiddleware:
    """Applies `Idempotency-Key` to state-changing API requests (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER, "").strip()
        if not key or request.method not in METHODS or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > 250:
            return JsonResponse({HEADER: ["At most 250 characters."]}, status=400)
        key = f"api:{key}"  # apart from the pages' one-time form tokens ("form:...") in the same table
        caller = _caller_id(request)
        if caller is None:  # unauthenticated: the view answers 401 / 400 as usual
            return self.get_response(request)
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    row = IdempotencyKey.objects.create(user_id=caller, key=key, fingerprint=fingerprint)
            except IntegrityError:
                row = IdempotencyKey.objects.get(user_id=caller, key=key)
                if row.fingerprint != fingerprint:
                    return _reused()
                if row.status_code is not None:
                    return _replay(row)
                # Only reachable on a database without row-level waits; treat as a conflict.
                return _reused()  # pragma: no cover
            response = self.get_response(request)
            if response.status_code >= 500 or getattr(response, "streaming", False):
                transaction.set_rollback(True)
                return response
            row.status_code = response.status_code
            row.content_type = response.get("Content-Type", "")
            row.content = response.content
            row.save(update_fields=["status_code", "content_type", "content"])
            return response


def idempotency_keys_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete keys older than IDEMPOTENCY_KEY_HOURS (default 24); returns how many."""
    hours = settings.PORTAL.get("IDEMPOTENCY_KEY_HOURS", 24)
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=hours)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
