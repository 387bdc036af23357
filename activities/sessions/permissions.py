"""Who may do what with scheduled activities: predicates that services raise on and that pages,
templates and serializers ask to show a button (`actions_for`)."""

from __future__ import annotations

from django.utils import timezone

from activities.models import Activity, ActivityStatus, Enrollment, EnrollmentStatus, OpenTo
from practice_center.scoping import home_station, scope


def may_manage(user, activity: Activity) -> bool:
    """Staff of the activity's site or a site above it (create, edit, publish, cancel, attendees)."""
    return bool(getattr(user, "is_authenticated", False)) and scope(user).manages_site(activity.site)


def may_create_at(user, site) -> bool:
    """Staff may create activities at sites of their subtrees."""
    return bool(getattr(user, "is_authenticated", False)) and scope(user).manages_site(site)


def may_edit(user, activity: Activity) -> bool:
    """Staff of the site, while the activity is not finished or cancelled."""
    return may_manage(user, activity) and activity.status in (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED)


def may_publish(user, activity: Activity) -> bool:
    return may_manage(user, activity) and activity.status == ActivityStatus.DRAFT


def may_cancel(user, activity: Activity) -> bool:
    return may_manage(user, activity) and activity.status in (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED)


def may_finish(user, activity: Activity) -> bool:
    """Staff, once the activity has started."""
    return (
        may_manage(user, activity)
        and activity.status == ActivityStatus.PUBLISHED
        and activity.starts_at <= timezone.now()
    )


def may_summarise(user, activity: Activity) -> bool:
    """Staff write the summary and add photos once the activity has started (not if cancelled)."""
    return may_manage(user, activity) and activity.status != ActivityStatus.CANCELLED


def is_eligible(person, activity: Activity) -> bool:
    """Whether `person` may attend: "all" → anyone; "station" → residents (or staff, grid
    workers) whose station is the activity's site or lies under it."""
    if activity.open_to == OpenTo.ALL:
        return True
    station = home_station(person)
    return station is not None and station.path.startswith(activity.site.path)


def may_sign_up_for(actor, person, activity: Activity) -> bool:
    """The actor may sign `person` up: themselves if eligible; a grid worker the residents of
    the grid; staff of the activity's site anyone eligible."""
    if not getattr(actor, "is_authenticated", False) or not is_eligible(person, activity):
        return False
    if actor.pk == person.pk:
        return True
    sc = scope(actor)
    if sc.manages_site(activity.site):
        return True
    household_id = person.household_id
    if household_id is None or not sc.grid_ids:
        return False
    grid_id = person.household.grid_id
    return sc.works_grid(grid_id)


def may_withdraw(actor, enrollment: Enrollment) -> bool:
    """The person, whoever signed them up, or staff of the site."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if actor.pk in (enrollment.person_id, enrollment.signed_up_by_id):
        return True
    return may_manage(actor, enrollment.activity)


def may_check_in_others(actor, activity: Activity) -> bool:
    """Staff check people in from the attendee list or by phone number."""
    return may_manage(actor, activity) and activity.status == ActivityStatus.PUBLISHED


def actions_for(user, activity: Activity, enrollment: Enrollment | None = None) -> set[str]:
    """What `user` may do with `activity` now: a subset of sign_up, withdraw, edit, publish,
    cancel, finish, summarise, attendees, door, check_in_others."""
    actions: set[str] = set()
    if not getattr(user, "is_authenticated", False):
        return actions
    active = enrollment is not None and enrollment.status != EnrollmentStatus.WITHDRAWN
    open_now = activity.status == ActivityStatus.PUBLISHED and timezone.now() < activity.closes_at
    if open_now and not active and may_sign_up_for(user, user, activity):
        actions.add("sign_up")
    if (
        active
        and enrollment is not None
        and activity.status == ActivityStatus.PUBLISHED
        and not enrollment.checked_in_at
        and timezone.now() < activity.ends_at
    ):
        actions.add("withdraw")
    if may_manage(user, activity):
        actions.add("attendees")
        for name, predicate in (
            ("edit", may_edit),
            ("publish", may_publish),
            ("cancel", may_cancel),
            ("finish", may_finish),
            ("summarise", may_summarise),
            ("check_in_others", may_check_in_others),
        ):
            if predicate(user, activity):
                actions.add(name)
        if activity.status == ActivityStatus.PUBLISHED:
            actions.add("door")
    return actions
