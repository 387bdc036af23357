"""Reads of scheduled activities that pages, the API, the feed and reports reuse.

Every list starts from `Activity.objects.visible_to(user)` / `managed_by(user)` (the one place
that scopes); counts are annotated in the same query, the caller's own sign-up is read in one
more, so list pages cost the same number of queries at any size.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from activities.models import Activity, ActivityStatus, Enrollment, EnrollmentStatus
from practice_center.models import Site
from practice_center.scoping import home_station


def with_counts(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """Annotate enrolled_count, waitlist_count and checked_in_count (one query with the rows)."""
    return activities.annotate(
        enrolled_count=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.ENROLLED)),
        waitlist_count=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.WAITLISTED)),
        checked_in_count=Count("enrollments", filter=Q(enrollments__checked_in_at__isnull=False)),
    )


def seats_left(activity: Activity) -> int | None:
    """Seats still free (None = unlimited); needs `enrolled_count` (with_counts) or counts now."""
    if activity.capacity is None:
        return None
    enrolled = getattr(activity, "enrolled_count", None)
    if enrolled is None:
        enrolled = activity.enrollments.filter(status=EnrollmentStatus.ENROLLED).count()
    return max(activity.capacity - enrolled, 0)


def my_enrollments(user, activity_ids: Iterable[int]) -> dict[int, Enrollment]:
    """The user's sign-ups for these activities, by activity id, each with `.rank` on the
    waiting list (two queries at most)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    ids = list(activity_ids)
    if not ids:
        return {}
    rows = list(Enrollment.objects.filter(person_id=user.pk, activity_id__in=ids))
    set_ranks(rows)
    return {e.activity_id: e for e in rows}


def attach_mine(user, activities: list[Activity]) -> list[Activity]:
    """Set `.mine` (the user's Enrollment or None) and `.seats_left` on each activity."""
    mine = my_enrollments(user, [a.pk for a in activities])
    for activity in activities:
        activity.mine = mine.get(activity.pk)
        activity.seats_left = seats_left(activity)
    return activities


def near_site(activities: QuerySet[Activity], site: Site) -> QuerySet[Activity]:
    """Activities at `site`, the sites above it, and the sites under it."""
    return activities.filter(Q(site_id__in=site.ancestor_ids()) | Q(site__path__startswith=site.path))


def default_site(user) -> Site | None:
    """The calendar's site when none is chosen: the home station, else the first managed site."""
    station = home_station(user)
    if station is not None:
        return station
    return Site.objects.managed_by(user).order_by("depth", "path").first() if user.is_authenticated else None


def calendar_sites(user) -> QuerySet[Site]:
    """Sites the person may pick: their station's line upward, and (staff) every managed site."""
    station = home_station(user)
    q = Q(pk__in=station.ancestor_ids()) if station else Q(pk__in=[])
    return Site.objects.filter(q | Q(pk__in=Site.objects.managed_by(user).values("pk"))).order_by("path")


def month_bounds(year: int, month: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The month as aware local datetimes [first day 00:00, first day of next month 00:00)."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, month, 1, tzinfo=tz)
    end = datetime.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start, end


def calendar_month(
    user, *, site: Site, year: int, month: int, category: int | None = None, theme: int | None = None
) -> list[Activity]:
    """Activities of the month near `site` the user may see (no drafts), with counts and `.mine`."""
    start, end = month_bounds(year, month)
    activities = near_site(Activity.objects.visible_to(user).listed(), site).filter(
        starts_at__gte=start, starts_at__lt=end
    )
    if category:
        activities = activities.filter(category_id=category)
    if theme:
        activities = activities.filter(theme_id=theme)
    rows = list(with_counts(activities.select_related("site", "category", "theme")).order_by("starts_at", "id"))
    return attach_mine(user, rows)


def month_grid(year: int, month: int, activities: list[Activity]) -> list[list[dict]]:
    """Weeks (Monday first) of days `{"date", "in_month", "activities"}` for the month table."""
    by_day: dict[datetime.date, list[Activity]] = {}
    for activity in activities:
        by_day.setdefault(timezone.localdate(activity.starts_at), []).append(activity)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return [
        [{"date": day, "in_month": day.month == month, "activities": by_day.get(day, [])} for day in week]
        for week in weeks
    ]


def this_week(user, *, limit: int = 6) -> list[Activity]:
    """Published activities near the user's station from today to 7 days on (the home page)."""
    station = home_station(user)
    if station is None:
        return []
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    activities = near_site(Activity.objects.visible_to(user).filter(status=ActivityStatus.PUBLISHED), station).filter(
        ends_at__gte=timezone.now(), starts_at__lt=today + datetime.timedelta(days=7)
    )
    rows = list(with_counts(activities.select_related("site")).order_by("starts_at", "id")[:limit])
    return attach_mine(user, rows)


def my_activities(user) -> dict[str, list[Enrollment]]:
    """The person's sign-ups: `upcoming` (enrolled or waiting, not ended; with `.rank` on the
    waiting list) and `past` (ended, or the activity cancelled / the sign-up withdrawn)."""
    now = timezone.now()
    rows = list(
        Enrollment.objects.filter(person_id=user.pk)
        .select_related("activity__site")
        .order_by("activity__starts_at", "id")
    )
    set_ranks(rows)
    upcoming: list[Enrollment] = []
    past: list[Enrollment] = []
    for e in rows:
        active = e.status != EnrollmentStatus.WITHDRAWN and e.activity.status == ActivityStatus.PUBLISHED
        (upcoming if active and e.activity.ends_at > now else past).append(e)
    past.reverse()
    return {"upcoming": upcoming, "past": past}


def set_ranks(enrollments: Iterable[Enrollment]) -> None:
    """Set `.rank` (the place in the queue, 1 = next; None if not waiting) on each sign-up,
    with one query for every waiting list among them."""
    enrollments = list(enrollments)
    waiting = [e for e in enrollments if e.status == EnrollmentStatus.WAITLISTED and e.position]
    for e in enrollments:
        e.rank = None
    if not waiting:
        return
    ahead = dict(
        Enrollment.objects.filter(status=EnrollmentStatus.WAITLISTED)
        .filter(_positions_at_most(waiting))
        .values_list("activity_id")
        .annotate(n=Count("id"))
        .values_list("activity_id", "n")
    )
    for e in waiting:
        e.rank = ahead.get(e.activity_id)


def _positions_at_most(waiting: list[Enrollment]) -> Q:
    q = Q(pk__in=[])
    for e in waiting:
        q |= Q(activity_id=e.activity_id, position__lte=e.position)
    return q


def attendees(activity: Activity) -> list[Enrollment]:
    """Everyone signed up (enrolled first, then the waiting list in order, then withdrawn),
    with person and household, for the attendee list, the sign-in sheet and the export."""
    order: dict[str, int] = {
        EnrollmentStatus.ENROLLED: 0,
        EnrollmentStatus.WAITLISTED: 1,
        EnrollmentStatus.WITHDRAWN: 2,
    }
    rows = list(
        Enrollment.objects.filter(activity=activity)
        .select_related("person__household", "signed_up_by")
        .order_by("created_at", "id")
    )
    rows.sort(key=lambda e: (order[e.status], e.position or 0, e.created_at, e.pk))
    rank = 0
    for e in rows:
        if e.status == EnrollmentStatus.WAITLISTED:
            rank += 1
            e.rank = rank
        else:
            e.rank = None
    return rows


def no_shows(activity: Activity) -> int:
    """Enrolled people who never checked in (meaningful once the activity has ended)."""
    return activity.enrollments.filter(status=EnrollmentStatus.ENROLLED, checked_in_at__isnull=True).count()


def feed_activities(site: Site, *, since_days: int = 31, until_days: int = 366) -> QuerySet[Activity]:
    """The public feed of `site`: published, finished and cancelled activities of the site and its
    subtree, from `since_days` ago to `until_days` ahead (no drafts, no personal data)."""
    now = timezone.now()
    return (
        Activity.objects.public()
        .filter(
            site__path__startswith=site.path,
            ends_at__gte=now - datetime.timedelta(days=since_days),
            starts_at__lte=now + datetime.timedelta(days=until_days),
        )
        .select_related("site", "category")
        .order_by("starts_at", "id")
    )
