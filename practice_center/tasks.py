"""Celery tasks of the organisation app: thin, take ids, call a service, safe to run twice.

Also the one place that queues deliveries (`enqueue`), so that writing a notification
(`practice_center.notifications.notify`) and the tasks never import each other in a circle.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from celery import shared_task, signals

from practice_center import delivery, health
from practice_center.api.tokens import tokens_purge_expired
from practice_center.idempotency import idempotency_keys_purge
from practice_center.models.notifications import Delivery

logger = logging.getLogger("practice_center.notifications")

# Publishing a task must give up quickly when the broker is down: the request that queued it
# has already committed, and requeue_undelivered picks the delivery up later.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


@shared_task(ignore_result=True)
def deliver(delivery_id: int) -> str:
    """Send one outbox delivery; on failure queue the next attempt with exponential back-off
    (if that queueing fails, requeue_undelivered picks it up when it is due)."""
    outcome = delivery.delivery_send(delivery_id=delivery_id)
    if outcome.retry_in is not None:
        enqueue(delivery_ids=[delivery_id], countdown=outcome.retry_in)
    return outcome.status


@shared_task(ignore_result=True)
def requeue_undelivered() -> int:
    """Periodic (beat, every minute): queue every pending delivery that is due."""
    return requeue_due()


def enqueue(*, delivery_ids: Iterable[int], countdown: float | None = None) -> int:
    """Queue `deliver` for each delivery; never raise. A broker that is down is logged and
    left to `requeue_undelivered` (the rows are safe in the database). Returns how many were queued."""
    queued = 0
    for delivery_id in delivery_ids:
        try:
            deliver.apply_async((delivery_id,), countdown=countdown, retry=True, retry_policy=PUBLISH_RETRY_POLICY)
            queued += 1
        except Exception as exc:  # broker down, misconfigured, anything: the action stays done
            logger.warning("Could not queue delivery %s (%s); requeue_undelivered will retry it.", delivery_id, exc)
            break  # the broker is most likely down for the rest too; don't wait on each one
    return queued


def requeue_due(*, limit: int = 1000) -> int:
    """Queue every pending delivery whose time has come (the broker was down, a worker died,
    a retry was lost). Duplicates are harmless: the claim lets only one run send."""
    ids = list(Delivery.objects.due().order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    return enqueue(delivery_ids=ids) if ids else 0


@shared_task(ignore_result=True)
def heartbeat() -> float:
    """Periodic (beat, every WORKER_HEARTBEAT_SECONDS): tell /readyz that a worker is alive."""
    return health.heartbeat_write()


@signals.worker_ready.connect(weak=False, dispatch_uid="portal_heartbeat_on_start")
def _heartbeat_on_start(**_kwargs) -> None:
    """A worker that just started is alive: /readyz need not wait for the first beat period."""
    try:
        health.heartbeat_write()
    except Exception:  # the cache is down: the beat job writes it later
        logger.warning("Could not write the worker heartbeat at start-up.", exc_info=True)


@shared_task(ignore_result=True)
def purge_idempotency_keys() -> int:
    """Periodic (beat, hourly): delete Idempotency-Key records past their lifetime."""
    return idempotency_keys_purge()


@shared_task(ignore_result=True)
def purge_expired_tokens() -> int:
    """Periodic (beat, hourly): delete API tokens past their expiry."""
    return tokens_purge_expired()
