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
from collections.abc import Iterable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from practice_center import tasks
from practice_center.channels import get_channel
from practice_center.delivery import (  # noqa: F401  (the delivery side, for callers of this module)
    BACKOFF_BASE_SECONDS,
    BACKOFF_MAX_SECONDS,
    CLAIM_SECONDS,
    MAX_ATTEMPTS,
    Outcome,
    backoff_seconds,
    delivery_send,
)
from practice_center.exceptions import NotAllowed
from practice_center.models.notifications import Delivery, Notification
from practice_center.notification_kinds import (  # noqa: F401
    CHANNELS,
    INBOX,
    Kind,
    channels_of,
    register,
    registered,
    render,
)
from practice_center.tasks import PUBLISH_RETRY_POLICY, enqueue  # noqa: F401


# --- Writing notifications (inside the action's transaction) ---------------------------------
def notify(*, recipients: Iterable, kind: str, data: dict, url: str = "") -> list[Notification]:
    """Write a notification of `kind` for each recipient, plus the outbox rows of its extra
    channels, in the caller's transaction; queue their delivery for after the commit."""
    definition = registered(kind)
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
        transaction.on_commit(lambda: tasks.enqueue(delivery_ids=ids))
    return notifications


def requeue_undelivered(*, limit: int = 1000) -> int:
    """Queue every pending delivery whose time has come (see `practice_center.tasks.requeue_due`)."""
    return tasks.requeue_due(limit=limit)


# --- Reading and marking (the inbox page and API) ---------------------------------------------
def unread_count(user) -> int:
    return Notification.objects.visible_to(user).unread().count()


@transaction.atomic
def notification_mark_read(*, notification: Notification, user) -> Notification:
    """Mark one of the user's notifications read (idempotent: the first read time stays)."""
    if notification.recipient_id != user.pk:
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
