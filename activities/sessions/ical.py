"""iCalendar (RFC 5545) for the public feed of a site and one activity, built with `icalendar`.

UIDs are stable (`activity-<id>@<host>`), times are written in Asia/Shanghai with the zone's
VTIMEZONE, cancelled activities carry STATUS:CANCELLED, and nothing personal is included
(no names, no counts of who signed up)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, Timezone

from activities.models import Activity, ActivityStatus

PRODID = "-//Civilization Practice Portal//Activities//ZH"


def _uid(activity: Activity, host: str) -> str:
    return f"activity-{activity.pk}@{host}"


def build(activities: Iterable[Activity], *, name: str, host: str, url_of) -> bytes:
    """The calendar as bytes. `url_of(activity)` → the absolute URL of its page."""
    tz = timezone.get_default_timezone()
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    cal.add_component(Timezone.from_tzid(settings.TIME_ZONE))
    stamp = timezone.now()
    for activity in activities:
        event = Event()
        event.add("uid", _uid(activity, host))
        event.add("dtstamp", stamp)
        event.add("dtstart", timezone.localtime(activity.starts_at, tz))
        event.add("dtend", timezone.localtime(activity.ends_at, tz))
        event.add("summary", activity.title)
        if activity.description:
            event.add("description", activity.description)
        event.add("location", ", ".join(p for p in (activity.place, activity.site.name) if p))
        event.add("categories", [activity.category.name])
        event.add("url", url_of(activity))
        event.add("last-modified", activity.updated_at)
        if activity.status == ActivityStatus.CANCELLED:
            event.add("status", "CANCELLED")
        else:
            event.add("status", "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()
