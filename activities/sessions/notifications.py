"""Notification kinds of scheduled activities and who is told what.

Registered at import (ActivitiesConfig.ready()); called by the services inside their
transaction, so a message exists exactly when the change it reports does (the outbox).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from practice_center.notifications import notify, register

register(
    "activity_promoted",
    title=_("You have a seat: {title}"),
    body=_("A seat came free and you moved up from the waiting list for “{title}” ({when}, {place})."),
    channels=("inbox", "sms"),
)
register(
    "activity_cancelled",
    title=_("Activity cancelled: {title}"),
    body=_("“{title}” ({when}) is cancelled: {reason}"),
    channels=("inbox", "sms"),
)
register(
    "activity_reminder",
    title=_("Reminder: {title}"),
    body=_("“{title}” starts at {when}, {place}. See you there!"),
    channels=("inbox", "sms"),
)
register(
    "activity_signed_up_for_you",
    title=_("You are signed up: {title}"),
    body=_("{actor} signed you up for “{title}” ({when}, {place}): {status}."),
)


def _url(activity) -> str:
    return reverse("activities:session_detail", args=[activity.pk])


def _data(activity, **extra) -> dict:
    when = timezone.localtime(activity.starts_at).strftime("%Y-%m-%d %H:%M")
    return {"activity": activity.pk, "title": activity.title, "when": when, "place": activity.place or "", **extra}


def promoted(activity, people) -> None:
    """Whoever moved up from the waiting list."""
    if people:
        notify(recipients=people, kind="activity_promoted", data=_data(activity), url=_url(activity))


def cancelled(activity, people) -> None:
    """Everyone enrolled or waiting, on cancel."""
    if people:
        notify(
            recipients=people,
            kind="activity_cancelled",
            data=_data(activity, reason=activity.cancel_reason),
            url=_url(activity),
        )


def reminder(activity, people) -> None:
    if people:
        notify(recipients=people, kind="activity_reminder", data=_data(activity), url=_url(activity))


def signed_up_for(activity, person, actor, status_label: str) -> None:
    """A grid worker or staff signed `person` up."""
    notify(
        recipients=[person],
        kind="activity_signed_up_for_you",
        data=_data(activity, actor=actor.display_name, status=str(status_label)),
        url=_url(activity),
    )
