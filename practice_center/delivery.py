"""Sending one outbox delivery: claim it, send it on its channel, retry with back-off.

Celery's `practice_center.tasks.deliver` calls `delivery_send`; a claim by conditional UPDATE
makes sure no delivery is sent twice, whatever runs twice or at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone, translation

from practice_center.channels import ChannelError, Unreachable, get_channel
from practice_center.models.notifications import Delivery, DeliveryStatus

logger = logging.getLogger("practice_center.notifications")

# Delivery policy. A failed attempt waits BACKOFF_BASE * 2**(attempts-1) seconds (capped),
# so eight attempts spread over about an hour before a delivery is given up as failed.
MAX_ATTEMPTS = getattr(settings, "NOTIFICATION_MAX_ATTEMPTS", 8)
BACKOFF_BASE_SECONDS = getattr(settings, "NOTIFICATION_BACKOFF_BASE_SECONDS", 30)
BACKOFF_MAX_SECONDS = getattr(settings, "NOTIFICATION_BACKOFF_MAX_SECONDS", 3600)
# How long a claimed delivery stays claimed; a worker that dies mid-send frees it after this.
CLAIM_SECONDS = getattr(settings, "NOTIFICATION_CLAIM_SECONDS", 300)


@dataclass(frozen=True)
class Outcome:
    status: str  # "sent", "retry", "failed" or "skipped" (not due, claimed elsewhere, or done)
    retry_in: float | None = None


def backoff_seconds(attempts: int) -> int:
    """Wait after the `attempts`-th failed attempt: 30 s, 60 s, 120 s, ... capped at an hour."""
    return min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)


def delivery_send(*, delivery_id: int) -> Outcome:
    """Claim one delivery and send it. Safe to run twice and concurrently: only the run whose
    conditional UPDATE claims the row sends; the others find it not due and skip."""
    now = timezone.now()
    claimed = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now).update(
        attempts=F("attempts") + 1, next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS)
    )
    if not claimed:
        return Outcome("skipped")
    delivery = Delivery.objects.select_related("notification__recipient").get(pk=delivery_id)
    try:
        channel = get_channel(delivery.channel)
        with translation.override(settings.LANGUAGE_CODE):
            channel.send(delivery.notification)
    except Unreachable as exc:
        _mark_failed(delivery, str(exc))
        return Outcome("failed")
    except Exception as exc:  # the channel is down or answered an error: try again later
        if not isinstance(exc, ChannelError):
            logger.exception("Channel %s raised while sending delivery %s", delivery.channel, delivery_id)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if delivery.attempts >= MAX_ATTEMPTS:
            _mark_failed(delivery, error)
            return Outcome("failed")
        wait = backoff_seconds(delivery.attempts)
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
            next_attempt_at=timezone.now() + timedelta(seconds=wait), last_error=error
        )
        logger.info("Delivery %s failed (attempt %s), next try in %ss: %s", delivery_id, delivery.attempts, wait, error)
        return Outcome("retry", retry_in=wait)
    Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return Outcome("sent")


def _mark_failed(delivery: Delivery, error: str) -> None:
    logger.warning("Delivery %s given up after %s attempt(s): %s", delivery.pk, delivery.attempts, error)
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, last_error=error[:2000]
    )
