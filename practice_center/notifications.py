"""Notifications: the kinds apps register, `notify()` for their services, and delivery.

Apps register their kinds at import time in `<app>/notifications.py` (imported from their
AppConfig.ready())::

    register("order_dispatched",
             title=_("Order {order} dispatched"),
             body=_("{team} will take care of “{title}”."),
             channels=("inbox", "sms"))

and call, inside the transaction of the action::

    notify(recipients=[order.resident], kind="order_dispatched",
           data={"order": order.pk, "team": team.name, "title": order.title}, url=order_url)

`notify` writes one Notification per recipient and one Delivery per extra channel (the outbox)
in that transaction, and queues their delivery with `transaction.on_commit`: a rolled-back
action leaves no message, a broker that is down leaves the deliveries pending for
`requeue_undelivered` (every minute on beat), and a claim by conditional UPDATE makes sure no
delivery is sent twice.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from practice_center.models.notifications import Channel, Delivery, DeliveryStatus, Notification

logger = logging.getLogger(__name__)

INBOX = "inbox"
CHANNELS = (INBOX, *(c.value for c in Channel))

# Delivery policy. A failed attempt waits BACKOFF_BASE * 2**(attempts-1) seconds (capped),
# so eight attempts spread over about an hour before a delivery is given up as failed.
MAX_ATTEMPTS = getattr(settings, "NOTIFICATION_MAX_ATTEMPTS", 8)
BACKOFF_BASE_SECONDS = getattr(settings, "NOTIFICATION_BACKOFF_BASE_SECONDS", 30)
BACKOFF_MAX_SECONDS = getattr(settings, "NOTIFICATION_BACKOFF_MAX_SECONDS", 3600)
# How long a claimed delivery stays claimed; a worker that dies mid-send frees it after this.
CLAIM_SECONDS = getattr(settings, "NOTIFICATION_CLAIM_SECONDS", 300)
# Publishing a task must give up quickly when the broker is down: the request that queued it
# has already committed, and requeue_undelivered picks the delivery up later.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


# --- The registry of kinds --------------------------------------------------------------------
@dataclass(frozen=True)
class Kind:
    name: str
    title: str  # usually a gettext_lazy proxy
    body: str
    channels: tuple[str, ...]


_KINDS: dict[str, Kind] = {}


def register(kind: str, *, title, body, channels: Iterable[str] = (INBOX,)) -> None:
    """Declare a kind of notification: its title and body (gettext_lazy strings with
    `{placeholders}` filled from the data) and the channels it goes out on besides the inbox.

    Called at import time. Registering the same kind again replaces it (module reloads)."""
    if not kind or len(kind) > 64:
        raise ValueError(f"A notification kind needs a name of 1 to 64 characters, not {kind!r}.")
    channels = tuple(dict.fromkeys(channels))
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        raise ValueError(f"Unknown notification channel(s) {unknown} for {kind!r}; known: {CHANNELS}.")
    if INBOX not in channels:
        channels = (INBOX, *channels)  # the inbox always gets it
    _KINDS[kind] = Kind(name=kind, title=title, body=body, channels=channels)


def registered(kind: str) -> Kind | None:
    return _KINDS.get(kind)


def channels_of(definition: Kind) -> tuple[str, ...]:
    """The channels a kind goes out on: as registered, unless the deployment names others for it
    in settings.NOTIFICATION_CHANNELS (`{kind: [channel, ...]}`, env `NOTIFICATION_CHANNELS=
    order_dispatched=sms|email,...`): a town that texts its residents turns SMS on per kind."""
    configured = getattr(settings, "NOTIFICATION_CHANNELS", {}).get(definition.name)
    if configured is None:
        return definition.channels
    return (INBOX, *(c for c in configured if c in CHANNELS and c != INBOX))


class _KeepMissing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template, data: dict) -> str:
    text = str(template)
    try:
        return text.format_map(_KeepMissing(data or {}))
    except (ValueError, IndexError, AttributeError, TypeError, KeyError):
        # A template that no longer fits old data must not break the inbox page.
        logger.warning("Notification template %r does not fit data %r", text, data)
        return text


def render(kind: str, part: str, data: dict) -> str:
    """`part` ("title" or "body") of `kind`, filled with `data`, in the current language."""
    definition = _KINDS.get(kind)
    if definition is None:
        # A kind whose code was removed: show something rather than fail.
        return kind if part == "title" else ""
    return _fill(getattr(definition, part), data)


# Built-in kind: a free message whose text is the data itself, already in the readers' language
# (notices typed by staff, tools, tests). Apps with fixed texts register their own kinds.
register("message", title="{title}", body="{body}")


# --- Writing notifications (inside the action's transaction) ---------------------------------
def notify(*, recipients: Iterable, kind: str, data: dict, url: str = "") -> list[Notification]:
    """Write a notification of `kind` for each recipient, plus the outbox rows of its extra
    channels, in the caller's transaction; queue their delivery for after the commit."""
    definition = _KINDS.get(kind)
    if definition is None:
        raise LookupError(f"Notification kind {kind!r} is not registered (see practice_center.notifications).")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notify() must be called inside the transaction of the action it reports.")
    # Round-trip through JSON now, so a value that cannot be stored fails in the action, not later.
    data = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))
    if len(url) > 500:
        raise ValueError("A notification link may be at most 500 characters.")

    people = []
    seen: set[int] = set()
    for person in recipients:
        if person is None or person.pk in seen or not person.is_active:
            continue
        seen.add(person.pk)
        people.append(person)
    if not people:
        return []

    from practice_center.channels import get_channel

    now = timezone.now()
    notifications = Notification.objects.bulk_create(
        [Notification(recipient=person, kind=kind, data=data, url=url, created_at=now) for person in people]
    )
    extra = [get_channel(name) for name in channels_of(definition) if name != INBOX]
    deliveries = [
        Delivery(notification=notification, channel=channel.name, next_attempt_at=now)
        for notification, person in zip(notifications, people, strict=True)
        for channel in extra
        if channel.can_reach(person)
    ]
    if deliveries:
        deliveries = Delivery.objects.bulk_create(deliveries)
        ids = [d.pk for d in deliveries]
        if None in ids:  # a backend that cannot return ids from a bulk insert
            ids = list(
                Delivery.objects.filter(notification__in=notifications).order_by("pk").values_list("pk", flat=True)
            )
        transaction.on_commit(lambda: enqueue(delivery_ids=ids))
    return notifications


def enqueue(*, delivery_ids: Iterable[int], countdown: float | None = None) -> int:
    """Queue `deliver` for each delivery; never raise. A broker that is down is logged and
    left to `requeue_undelivered` (the rows are safe in the database). Returns how many were queued."""
    from practice_center.tasks import deliver

    queued = 0
    for delivery_id in delivery_ids:
        try:
            deliver.apply_async((delivery_id,), countdown=countdown, retry=True, retry_policy=PUBLISH_RETRY_POLICY)
            queued += 1
        except Exception as exc:  # broker down, misconfigured, anything: the action stays done
            logger.warning("Could not queue delivery %s (%s); requeue_undelivered will retry it.", delivery_id, exc)
            break  # the broker is most likely down for the rest too; don't wait on each one
    return queued


# --- Delivering (Celery tasks call these) ------------------------------------------------------
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
    from practice_center.channels import ChannelError, Unreachable, get_channel

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


def requeue_undelivered(*, limit: int = 1000) -> int:
    """Queue every pending delivery whose time has come (the broker was down, a worker died,
    a retry was lost). Duplicates are harmless: the claim lets only one run send."""
    ids = list(Delivery.objects.due().order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    return enqueue(delivery_ids=ids) if ids else 0


# --- Reading and marking (the inbox page and API) ---------------------------------------------
def unread_count(user) -> int:
    return Notification.objects.visible_to(user).unread().count()


@transaction.atomic
def notification_mark_read(*, notification: Notification, user) -> Notification:
    """Mark one of the user's notifications read (idempotent: the first read time stays)."""
    if notification.recipient_id != user.pk:
        from practice_center.exceptions import NotAllowed

        raise NotAllowed()
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


@transaction.atomic
def notification_mark_all_read(*, user) -> int:
    """Mark all of the user's unread notifications read; returns how many changed."""
    return Notification.objects.visible_to(user).unread().update(read_at=timezone.now())


def inbox_context(request) -> dict:
    """Context processor: the unread count for the header badge. A callable, so the template
    calls it (one COUNT query, remembered) only on pages that show it."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    return {"inbox_unread_count": functools.cache(functools.partial(unread_count, user))}
