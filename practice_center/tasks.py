"""Celery tasks of the organisation app: thin, take ids, call a service, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from practice_center import notifications
from practice_center.api.tokens import tokens_purge_expired
from practice_center.idempotency import idempotency_keys_purge


@shared_task(ignore_result=True)
def deliver(delivery_id: int) -> str:
    """Send one outbox delivery; on failure queue the next attempt with exponential back-off
    (if that queueing fails, requeue_undelivered picks it up when it is due)."""
    outcome = notifications.delivery_send(delivery_id=delivery_id)
    if outcome.retry_in is not None:
        notifications.enqueue(delivery_ids=[delivery_id], countdown=outcome.retry_in)
    return outcome.status


@shared_task(ignore_result=True)
def requeue_undelivered() -> int:
    """Periodic (beat, every minute): queue every pending delivery that is due."""
    return notifications.requeue_undelivered()


@shared_task(ignore_result=True)
def purge_idempotency_keys() -> int:
    """Periodic (beat, hourly): delete Idempotency-Key records past their lifetime."""
    return idempotency_keys_purge()


@shared_task(ignore_result=True)
def purge_expired_tokens() -> int:
    """Periodic (beat, hourly): delete API tokens past their expiry."""
    return tokens_purge_expired()
