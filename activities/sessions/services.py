"""Every state change of scheduled activities: create, edit, publish, cancel, finish; sign-up,
withdraw, the waiting list; check-in; summary and photos; the reminder and finishing sweeps.

Sign-up and withdraw lock the activity row (`SELECT … FOR UPDATE`) and then count seats, so on
PostgreSQL racing sign-ups queue on that one row and never exceed the capacity: each one sees
the count the previous one left and waiting-list positions follow arrival order (pretix holds
its quotas the same way, with a lock around the count). Every change writes an audit row in its
transaction; status moves go through one `Workflow` that also writes the `ActivityEvent`.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import (
    Activity,
    ActivityAction,
    ActivityEvent,
    ActivityPhoto,
    ActivityStatus,
    Category,
    Enrollment,
    EnrollmentStatus,
    MenuItem,
    OpenTo,
    Theme,
)
from activities.sessions import checkin, notifications, permissions
from activities.sessions.exceptions import (
    ActivityFull,
    AlreadyEnrolled,
    CheckInClosed,
    InvalidTransition,
    NotEnrolled,
    SignupClosed,
    TooManyNoShows,
)
from activities.sessions.signals import activity_checked_in
from practice_center import images, throttle
from practice_center.audit import audit_record, changes_between, snapshot
from practice_center.exceptions import NotAllowed, TooManyAttempts
from practice_center.models import Site, User
from practice_center.workflow import Workflow
from volunteers.models import Team, VolunteerStatus

logger = logging.getLogger(__name__)

# The status machine: editing is allowed while draft or published (see activity_update).
ACTIVITY_FLOW: Workflow[Activity] = Workflow(
    Activity,
    {
        ActivityStatus.DRAFT: {
            ActivityAction.PUBLISH: ActivityStatus.PUBLISHED,
            ActivityAction.CANCEL: ActivityStatus.CANCELLED,
        },
        ActivityStatus.PUBLISHED: {
            ActivityAction.FINISH: ActivityStatus.FINISHED,
            ActivityAction.CANCEL: ActivityStatus.CANCELLED,
        },
    },
    audit_name="activity",
    event_model=ActivityEvent,
    event_fk="activity",
)

EDITABLE_FIELDS = (
    "title",
    "description",
    "category",
    "menu_item",
    "theme",
    "starts_at",
    "ends_at",
    "place",
    "capacity",
    "waitlist",
    "signup_closes_at",
    "open_to",
    "team",
)
NO_SHOW_DAYS = 90  # the look-back of PORTAL["ACTIVITY_NO_SHOW_LIMIT"]
# Photos (checked and re-encoded by practice_center/images.py; anything above
# PORTAL["IMAGE_MAX_PIXELS"] is refused before decoding): the kept copy is at most KEEP_EDGE
# pixels on its long edge, the phone copy PHONE_EDGE.
PHOTO_KEEP_EDGE = 2048
PHOTO_PHONE_EDGE = 960
PHOTO_MAX_BYTES = 15 * 1024 * 1024
# The years an activity's times may fall in: from 2000 to this many years ahead.
EARLIEST_YEAR = 2000
YEARS_AHEAD = 5


# ---- creating and editing -------------------------------------------------------------------------


def _clean(values: dict, *, site: Site, instance: Activity | None = None) -> dict:
    """Check the fields of an activity; raises ValidationError({field: message})."""
    errors: dict[str, str] = {}
    title = (values.get("title") or "").strip()
    if not title:
        errors["title"] = _("Give the activity a title.")
    values["title"] = title[:100]
    starts_at, ends_at = values.get("starts_at"), values.get("ends_at")
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at), ("signup_closes_at", None)):
        if name == "signup_closes_at":
            value = values.get(name)
            if value is None:
                continue
        if not isinstance(value, datetime.datetime):
            errors[name] = _("Enter a date and time.")
            continue
        if not (EARLIEST_YEAR <= value.year <= timezone.now().year + YEARS_AHEAD):
            # Years such as 0001 or 9999 would overflow on the way to UTC or in the check-in
            # window; an activity is planned within a few years.
            errors[name] = _("Enter a date between %(first)s and %(last)s.") % {
                "first": EARLIEST_YEAR,
                "last": timezone.now().year + YEARS_AHEAD,
            }
            continue
        if timezone.is_naive(value):
            values[name] = timezone.make_aware(value)
    if "starts_at" not in errors and "ends_at" not in errors and values["ends_at"] <= values["starts_at"]:
        errors["ends_at"] = _("The end must be after the start.")
    closes = values.get("signup_closes_at")
    if (
        closes is not None
        and "signup_closes_at" not in errors
        and "ends_at" not in errors
        and closes > values["ends_at"]
    ):
        errors["signup_closes_at"] = _("Sign-up must close before the activity ends.")
    if not isinstance(values.get("category"), Category):
        errors["category"] = _("Choose a category.")
    capacity = values.get("capacity")
    if capacity is not None and (not isinstance(capacity, int) or capacity < 1 or capacity > 100_000):
        errors["capacity"] = _("Enter a number of seats from 1, or leave it empty for unlimited.")
    if values.get("open_to") not in OpenTo.values:
        errors["open_to"] = _("Choose who may sign up.")
    theme = values.get("theme")
    if theme is not None and not Theme.objects.for_site(site).filter(pk=theme.pk).exists():
        errors["theme"] = _("This theme does not apply at this site.")
    item = values.get("menu_item")
    if item is not None and item.site_id not in site.ancestor_ids():
        errors["menu_item"] = _("Choose a menu item of this site or a site above it.")
    team = values.get("team")
    if team is not None and not (
        team.is_active
        and (
            team.site_id in site.ancestor_ids()
            or Team.objects.filter(pk=team.pk, site__path__startswith=site.path).exists()
        )
    ):
        errors["team"] = _("Choose an active team of this site, a site above it or a site under it.")
    values["place"] = (values.get("place") or "").strip()[:200]
    values["description"] = (values.get("description") or "").strip()
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def activity_create(
    *,
    actor: User,
    site: Site,
    title: str,
    category: Category,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    description: str = "",
    place: str = "",
    capacity: int | None = None,
    waitlist: bool = True,
    signup_closes_at: datetime.datetime | None = None,
    open_to: str = OpenTo.STATION,
    theme: Theme | None = None,
    menu_item: MenuItem | None = None,
    team: Team | None = None,
) -> Activity:
    """Create a draft activity at `site` (staff of the site or above).

    starts_at / ends_at / signup_closes_at: aware datetimes (naive ones are read as Asia/Shanghai).
    capacity: seats, None = unlimited. Returns the Activity (status draft).
    Raises NotAllowed (not staff of the site), ValidationError({field: message}).
    """
    if not permissions.may_create_at(actor, site):
        raise NotAllowed(_("You can only create activities at sites you manage."))
    values = _clean(
        {
            "title": title,
            "description": description,
            "category": category,
            "menu_item": menu_item,
            "theme": theme,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "place": place,
            "capacity": capacity,
            "waitlist": bool(waitlist),
            "signup_closes_at": signup_closes_at,
            "open_to": open_to,
            "team": team,
        },
        site=site,
    )
    activity = Activity.objects.create(site=site, created_by=actor, status=ActivityStatus.DRAFT, **values)
    ActivityEvent.objects.create(
        activity=activity, action=ActivityAction.CREATE, from_status="", to_status=ActivityStatus.DRAFT, actor=actor
    )
    audit_record(actor=actor, action="activity.create", obj=activity, site=site, data={"title": activity.title})
    return activity


@transaction.atomic
def activity_update(*, activity: Activity, actor: User, **fields) -> Activity:
    """Change fields of an activity (any of EDITABLE_FIELDS) while it is draft or published.

    Raising the capacity (or making it unlimited) moves people up from the waiting list, who
    are told; lowering it below the number enrolled is refused. Returns the saved Activity.
    Raises NotAllowed, InvalidTransition (finished or cancelled), ValidationError.
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in sorted(unknown)})
    locked = Activity.objects.select_for_update().get(pk=activity.pk)
    locked = Activity.objects.select_related("site").get(pk=locked.pk)
    if not permissions.may_manage(actor, locked):
        raise NotAllowed(_("You can only edit activities of sites you manage."))
    if locked.status not in (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED):
        raise InvalidTransition(_("A finished or cancelled activity cannot be edited."))
    values = {name: getattr(locked, name) for name in EDITABLE_FIELDS}
    values.update(fields)
    values = _clean(values, site=locked.site, instance=locked)
    enrolled = locked.enrollments.filter(status=EnrollmentStatus.ENROLLED).count()
    capacity = values["capacity"]
    if capacity is not None and capacity < enrolled:
        raise ValidationError(
            {"capacity": _("%(n)d people are signed up already: the seats cannot be fewer.") % {"n": enrolled}}
        )
    before = snapshot(locked, EDITABLE_FIELDS)
    for name in EDITABLE_FIELDS:
        setattr(locked, name, values[name])
    changes = changes_between(before, snapshot(locked, EDITABLE_FIELDS))
    if not changes:
        return locked
    locked.save(update_fields=[*EDITABLE_FIELDS, "updated_at"])
    action = "activity.capacity" if set(changes) == {"capacity"} else "activity.update"
    audit_record(actor=actor, action=action, obj=locked, site=locked.site, changes=changes)
    if locked.status == ActivityStatus.PUBLISHED:
        _promote(locked, actor=actor)
    return locked


@transaction.atomic
def activity_publish(*, activity: Activity, actor: User) -> Activity:
    """draft → published: residents see it and may sign up. Raises NotAllowed, InvalidTransition."""

    def check(locked: Activity) -> None:
        if not permissions.may_manage(actor, locked):
            raise NotAllowed(_("You can only publish activities of sites you manage."))

    def change(locked: Activity):
        locked.published_at = timezone.now()
        return ["published_at"]

    return ACTIVITY_FLOW.move(
        activity,
        action=ActivityAction.PUBLISH,
        actor=actor,
        check=check,
        change=change,
        related=["site"],
        invalid=InvalidTransition(),
    )


@transaction.atomic
def activity_cancel(*, activity: Activity, actor: User, reason: str) -> Activity:
    """draft/published → cancelled with a reason; everyone enrolled or waiting is told.

    Their sign-ups stay as they were (the record of who meant to come). Raises NotAllowed,
    InvalidTransition, ValidationError({"reason": ...}).
    """
    reason = (reason or "").strip()

    def check(locked: Activity) -> None:
        if not permissions.may_manage(actor, locked):
            raise NotAllowed(_("You can only cancel activities of sites you manage."))
        if not reason:
            raise ValidationError({"reason": _("Say why the activity is cancelled; everyone signed up is told.")})

    def change(locked: Activity):
        locked.cancel_reason = reason[:2000]
        locked.cancelled_at = timezone.now()
        return ["cancel_reason", "cancelled_at"]

    def notify(locked: Activity) -> None:
        people = list(User.objects.filter(pk__in=locked.enrollments.active().values("person_id")).order_by("pk"))
        notifications.cancelled(locked, people)

    return ACTIVITY_FLOW.move(
        activity,
        action=ActivityAction.CANCEL,
        actor=actor,
        check=check,
        change=change,
        notify=notify,
        note=reason,
        data={"reason": reason},
        related=["site"],
        invalid=InvalidTransition(),
    )


@transaction.atomic
def activity_finish(*, activity: Activity, actor: User | None) -> Activity:
    """published → finished (staff once it has started; `actor=None`: the sweep after the
    check-in window). The serving team's approved volunteers get service records for the
    activity's hours, pending staff verification (volunteers.services, idempotent per source).
    Raises NotAllowed, InvalidTransition."""
    from volunteers.services import service_record_create

    def check(locked: Activity) -> None:
        if actor is not None and not permissions.may_manage(actor, locked):
            raise NotAllowed(_("You can only finish activities of sites you manage."))
        if locked.starts_at > timezone.now():
            raise InvalidTransition(_("An activity can be finished once it has started."))

    def change(locked: Activity):
        locked.finished_at = timezone.now()
        return ["finished_at"]

    finished = ACTIVITY_FLOW.move(
        activity,
        action=ActivityAction.FINISH,
        actor=actor,
        check=check,
        change=change,
        related=["site", "team"],
        invalid=InvalidTransition(),
    )
    if finished.team is not None:
        served_on = timezone.localdate(finished.starts_at)
        for volunteer in finished.team.members.filter(status=VolunteerStatus.APPROVED).order_by("pk"):
            service_record_create(
                volunteer=volunteer,
                hours=finished.hours,
                served_on=served_on,
                source="activity",
                source_id=finished.pk,
                description=finished.title,
                actor=actor,
            )
    return finished


@transaction.atomic
def activity_summarise(*, activity: Activity, actor: User, summary: str) -> Activity:
    """Write the summary afterwards (staff; any status but cancelled). Returns the Activity."""
    locked = Activity.objects.select_for_update().get(pk=activity.pk)
    locked = Activity.objects.select_related("site").get(pk=locked.pk)
    if not permissions.may_summarise(actor, locked):
        raise NotAllowed(_("You can only write summaries for activities of sites you manage."))
    summary = (summary or "").strip()[:8000]
    if summary != locked.summary:
        changes = {"summary": [locked.summary, summary]}
        locked.summary = summary
        locked.save(update_fields=["summary", "updated_at"])
        audit_record(actor=actor, action="activity.summary", obj=locked, site=locked.site, changes=changes)
    return locked


@transaction.atomic
def photo_add(*, activity: Activity, actor: User, upload, caption: str = "") -> ActivityPhoto:
    """Add a photo: refused above PHOTO_MAX_BYTES or PORTAL["IMAGE_MAX_PIXELS"] or if it is not a
    JPEG, PNG, GIF or WebP Pillow can read in full (`practice_center.images.open_picture`); kept
    upright as a JPEG of at most PHOTO_KEEP_EDGE px, with a PHOTO_PHONE_EDGE px copy for phones,
    both without metadata (no GPS). Raises NotAllowed, ValidationError({"image": ...})."""
    activity = Activity.objects.select_related("site").get(pk=activity.pk)
    if not permissions.may_summarise(actor, activity):
        raise NotAllowed(_("You can only add photos to activities of sites you manage."))
    if upload is None:
        raise ValidationError({"image": _("Choose a photo of at most 15 MB.")})
    image = images.open_picture(upload, field="image", max_bytes=PHOTO_MAX_BYTES)
    photo = ActivityPhoto(activity=activity, caption=(caption or "").strip()[:200], uploaded_by=actor)
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    photo.image.save(f"{stamp}.jpg", ContentFile(images.jpeg(image, edge=PHOTO_KEEP_EDGE)), save=False)
    photo.phone_image.save(f"{stamp}-phone.jpg", ContentFile(images.jpeg(image, edge=PHOTO_PHONE_EDGE)), save=False)
    photo.save()
    audit_record(actor=actor, action="activity.photo", obj=activity, site=activity.site, data={"photo": photo.pk})
    return photo


# ---- sign-up and the waiting list -----------------------------------------------------------------


def no_show_count(person: User, *, at: datetime.datetime | None = None) -> int:
    """Finished activities of the last NO_SHOW_DAYS days `person` was enrolled in but never checked in to."""
    since = (at or timezone.now()) - datetime.timedelta(days=NO_SHOW_DAYS)
    return Enrollment.objects.filter(
        person=person,
        status=EnrollmentStatus.ENROLLED,
        checked_in_at__isnull=True,
        activity__status=ActivityStatus.FINISHED,
        activity__ends_at__gte=since,
    ).count()


def _lock(activity: Activity) -> Activity:
    """Lock the activity row alone (the seat count's mutex; `of=self` leaves the site row
    unlocked) and read it with its site, in one query."""
    return Activity.objects.select_for_update(of=("self",)).select_related("site").get(pk=activity.pk)


def waitlist_rank(enrollment: Enrollment) -> int | None:
    """The place (1 = next) of a waitlisted sign-up in the queue; None if not waiting."""
    if enrollment.status != EnrollmentStatus.WAITLISTED:
        return None
    return Enrollment.objects.filter(
        activity_id=enrollment.activity_id, status=EnrollmentStatus.WAITLISTED, position__lte=enrollment.position
    ).count()


@transaction.atomic
def enrollment_create(*, activity: Activity, person: User, actor: User) -> Enrollment:
    """Sign `person` up: `enrolled` while seats are left (or unlimited), else `waitlisted` with
    the next position (when the activity keeps a waiting list).

    actor: the person, a grid worker of their grid, or staff of the site (permissions).
    Returns the Enrollment (a withdrawn one is reused). Raises InvalidTransition (not
    published), SignupClosed, NotAllowed, AlreadyEnrolled, ActivityFull, TooManyNoShows.
    """
    # What needs no lock is checked first: the lock is held for as few statements as possible
    # (every sign-up of a popular activity queues on it).
    current = Activity.objects.select_related("site").get(pk=activity.pk)
    if current.status != ActivityStatus.PUBLISHED:
        raise InvalidTransition(_("This activity is not open for sign-up."))
    if timezone.now() >= current.closes_at:
        raise SignupClosed()
    if not permissions.may_sign_up_for(actor, person, current):
        raise NotAllowed(_("This activity is only for residents of its site."))
    limit = settings.PORTAL["ACTIVITY_NO_SHOW_LIMIT"]
    if limit and no_show_count(person) >= limit:
        raise TooManyNoShows()

    locked = _lock(activity)
    if locked.status != ActivityStatus.PUBLISHED:  # cancelled meanwhile
        raise InvalidTransition(_("This activity is not open for sign-up."))
    if timezone.now() >= locked.closes_at:
        raise SignupClosed()
    if (locked.site_id, locked.open_to) != (current.site_id, current.open_to) and not permissions.may_sign_up_for(
        actor, person, locked
    ):
        raise NotAllowed(_("This activity is only for residents of its site."))
    existing = Enrollment.objects.select_for_update().filter(activity=locked, person=person).first()
    if existing is not None and existing.status != EnrollmentStatus.WITHDRAWN:
        raise AlreadyEnrolled()
    position = None
    if locked.capacity is None:
        status = EnrollmentStatus.ENROLLED
    else:
        # Seats taken and the end of the queue in one statement.
        counts = locked.enrollments.aggregate(
            enrolled=Count("pk", filter=Q(status=EnrollmentStatus.ENROLLED)), top=Max("position")
        )
        if counts["enrolled"] < locked.capacity:
            status = EnrollmentStatus.ENROLLED
        elif locked.waitlist:
            status = EnrollmentStatus.WAITLISTED
            position = (counts["top"] or 0) + 1
        else:
            raise ActivityFull()
    if existing is None:
        enrollment = Enrollment.objects.create(
            activity=locked, person=person, status=status, position=position, signed_up_by=actor
        )
    else:
        enrollment = existing
        enrollment.status, enrollment.position, enrollment.signed_up_by = status, position, actor
        enrollment.checked_in_at = None
        enrollment.save(update_fields=["status", "position", "signed_up_by", "checked_in_at", "updated_at"])
    audit_record(
        actor=actor,
        action="enrollment.enrol" if status == EnrollmentStatus.ENROLLED else "enrollment.waitlist",
        obj=enrollment,
        site=locked.site,
        changes={"status": [existing.status if existing else None, status]},
        data={"activity": locked.pk, "person": person.pk, **({"position": position} if position else {})},
    )
    if actor.pk != person.pk:
        notifications.signed_up_for(locked, person, actor, str(EnrollmentStatus(status).label))
    return enrollment


def _promote(activity: Activity, *, actor: User | None) -> list[Enrollment]:
    """Move people up from the waiting list into free seats, first position first, and tell
    them. The caller holds the activity's lock. Returns the promoted sign-ups."""
    if activity.status != ActivityStatus.PUBLISHED:
        return []
    waiting = activity.enrollments.filter(status=EnrollmentStatus.WAITLISTED).order_by("position")
    if activity.capacity is None:
        chosen = list(waiting.select_related("person"))
    else:
        free = activity.capacity - activity.enrollments.filter(status=EnrollmentStatus.ENROLLED).count()
        chosen = list(waiting.select_related("person")[: max(free, 0)])
    for enrollment in chosen:
        before = enrollment.position
        enrollment.status, enrollment.position = EnrollmentStatus.ENROLLED, None
        enrollment.save(update_fields=["status", "position", "updated_at"])
        audit_record(
            actor=actor,
            action="enrollment.promote",
            obj=enrollment,
            site=activity.site,
            changes={"status": [EnrollmentStatus.WAITLISTED, EnrollmentStatus.ENROLLED]},
            data={"activity": activity.pk, "person": enrollment.person_id, "position": before},
        )
    notifications.promoted(activity, [e.person for e in chosen])
    return chosen


@transaction.atomic
def enrollment_withdraw(*, activity: Activity, person: User, actor: User) -> Enrollment:
    """Withdraw `person`: a freed seat goes to the first on the waiting list in the same
    transaction (who is told). Withdrawing again answers the same withdrawn sign-up.
    Raises NotEnrolled (never signed up), NotAllowed, InvalidTransition (not published,
    already checked in, or the activity has ended)."""
    locked = _lock(activity)
    enrollment = Enrollment.objects.select_for_update().filter(activity=locked, person=person).first()
    if enrollment is None:
        raise NotEnrolled()
    enrollment.activity = locked
    if not permissions.may_withdraw(actor, enrollment):
        raise NotAllowed()
    if enrollment.status == EnrollmentStatus.WITHDRAWN:
        return enrollment
    if locked.status != ActivityStatus.PUBLISHED or locked.ends_at <= timezone.now():
        raise InvalidTransition()
    if enrollment.checked_in_at is not None:
        raise InvalidTransition(_("You are already checked in."))
    was = enrollment.status
    enrollment.status, enrollment.position = EnrollmentStatus.WITHDRAWN, None
    enrollment.save(update_fields=["status", "position", "updated_at"])
    audit_record(
        actor=actor,
        action="enrollment.withdraw",
        obj=enrollment,
        site=locked.site,
        changes={"status": [was, EnrollmentStatus.WITHDRAWN]},
        data={"activity": locked.pk, "person": person.pk},
    )
    if was == EnrollmentStatus.ENROLLED:
        _promote(locked, actor=actor)
    return enrollment


# ---- check-in -------------------------------------------------------------------------------------


def _check_in(locked: Activity, enrollment: Enrollment, *, actor: User, how: str) -> Enrollment:
    if enrollment.checked_in_at is not None:
        return enrollment  # a second scan answers the same
    enrollment.checked_in_at = timezone.now()
    enrollment.save(update_fields=["checked_in_at", "updated_at"])
    audit_record(
        actor=actor,
        action="enrollment.check_in",
        obj=enrollment,
        site=locked.site,
        changes={"checked_in_at": [None, enrollment.checked_in_at]},
        data={"activity": locked.pk, "person": enrollment.person_id, "how": how},
    )
    activity_checked_in.send(sender=Activity, activity=locked, enrollment=enrollment, actor=actor)
    return enrollment


def _enrolled_row(locked: Activity, person: User) -> Enrollment:
    enrollment = (
        Enrollment.objects.select_for_update()
        .filter(activity=locked, person=person, status=EnrollmentStatus.ENROLLED)
        .first()
    )
    if enrollment is None:
        raise NotEnrolled()
    enrollment.activity = locked
    enrollment.person = person
    return enrollment


@transaction.atomic
def check_in_with_code(*, activity: Activity, person: User, code: str) -> Enrollment:
    """The resident scanned the door QR: check `person` in if `code` is the activity's code of
    this minute or the last (activities.sessions.checkin) and the window is open. Twice → the
    same sign-up, unchanged. Returns the Enrollment.

    Raises InvalidTransition (not published), CheckInClosed (outside the window, 409),
    ValidationError({"code": ...}) (wrong or stale code, 400), NotEnrolled.
    """
    locked = _lock(activity)
    if locked.status not in (ActivityStatus.PUBLISHED, ActivityStatus.FINISHED):
        raise InvalidTransition()
    if not checkin.window_is_open(locked):
        raise CheckInClosed()
    # Only the enrolled may try a code, and only a few wrong ones per activity: a 6-digit code
    # is otherwise guessable within the window.
    enrollment = _enrolled_row(locked, person)
    key = throttle.check_in_code_key(user_id=person.pk, activity_id=locked.pk)
    if retry := throttle.retry_after([key]):
        raise TooManyAttempts(retry)
    if not checkin.code_is_valid(locked.pk, code):
        throttle.record_failure([key])
        raise ValidationError({"code": _("This code is wrong or has expired. Scan the code at the door again.")})
    return _check_in(locked, enrollment, actor=person, how="code")


@transaction.atomic
def check_in_by_staff(*, activity: Activity, person: User, actor: User) -> Enrollment:
    """Staff check an enrolled person in (from the attendee list or by phone number), from the
    opening of the window on, also after the end (attendance recorded late). Twice → the same.
    Raises NotAllowed, InvalidTransition (draft or cancelled), CheckInClosed (too early), NotEnrolled."""
    locked = _lock(activity)
    if not permissions.may_manage(actor, locked):
        raise NotAllowed(_("You can only check people in at activities of sites you manage."))
    if locked.status not in (ActivityStatus.PUBLISHED, ActivityStatus.FINISHED):
        raise InvalidTransition()
    if timezone.now() < checkin.window(locked)[0]:
        raise CheckInClosed()
    return _check_in(locked, _enrolled_row(locked, person), actor=actor, how="staff")


def person_by_phone(phone: str) -> User | None:
    """The active person with this mobile number (digits only), or None."""
    digits = "".join(ch for ch in (phone or "") if ch.isascii() and ch.isdigit())
    if len(digits) != 11:
        return None
    return User.objects.filter(phone=digits, is_active=True).first()


# ---- sweeps (Celery beat) -------------------------------------------------------------------------


def reminders_sweep(*, at: datetime.datetime | None = None) -> int:
    """Remind the enrolled of published activities starting within PORTAL["ACTIVITY_REMINDER_HOURS"].

    Each activity is claimed by a conditional UPDATE (`reminder_sent_at IS NULL`), in the same
    transaction as its notifications, so a reminder goes out once even when two sweeps overlap.
    Returns how many activities were reminded."""
    now = at or timezone.now()
    horizon = now + datetime.timedelta(hours=settings.PORTAL["ACTIVITY_REMINDER_HOURS"])
    due = Activity.objects.filter(
        status=ActivityStatus.PUBLISHED, reminder_sent_at__isnull=True, starts_at__gt=now, starts_at__lte=horizon
    ).values_list("pk", flat=True)
    sent = 0
    for activity_id in list(due[:500]):
        with transaction.atomic():
            claimed = Activity.objects.filter(
                pk=activity_id, reminder_sent_at__isnull=True, status=ActivityStatus.PUBLISHED
            ).update(reminder_sent_at=now)
            if not claimed:
                continue
            activity = Activity.objects.get(pk=activity_id)
            people = list(
                User.objects.filter(
                    enrollments__activity_id=activity_id, enrollments__status=EnrollmentStatus.ENROLLED
                ).order_by("pk")
            )
            notifications.reminder(activity, people)
            sent += 1
    return sent


def finish_sweep(*, at: datetime.datetime | None = None) -> int:
    """Finish published activities whose check-in window has closed (the system as actor), so
    service records are made and no-shows counted even if staff forget. Returns how many."""
    now = at or timezone.now()
    cutoff = now - datetime.timedelta(minutes=settings.PORTAL["CHECKIN_CLOSES_MINUTES_AFTER"])
    ids = list(
        Activity.objects.filter(status=ActivityStatus.PUBLISHED, ends_at__lt=cutoff).values_list("pk", flat=True)[:500]
    )
    done = 0
    for activity_id in ids:
        try:
            activity_finish(activity=Activity(pk=activity_id), actor=None)
            done += 1
        except InvalidTransition:
            continue  # finished or cancelled meanwhile
    return done


def hours_decimal(activity: Activity) -> Decimal:
    return activity.hours
