"""Scheduled activities (活动): themes, sessions at a site, sign-up with a waiting list, check-in.

State changes go through `activities.sessions.services` only: the status machine is one
`practice_center.workflow.Workflow` that writes an `ActivityEvent` and an audit row per move.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from practice_center.models.events import WorkflowEvent

colour_validator = RegexValidator(r"^#[0-9A-Fa-f]{6}$", _("Enter a colour as #RRGGBB."))


class ThemeQuerySet(models.QuerySet):
    def visible_to(self, user) -> ThemeQuerySet:
        # Themes are public labels (学雷锋月): everyone may read them.
        return self

    def managed_by(self, user) -> ThemeQuerySet:
        """Themes staff may edit: their subtree's; network-wide themes only for center admins."""
        from practice_center.scoping import scope

        sc = scope(user)
        if sc.is_center_admin:
            return self
        if not sc.is_staff_anywhere:
            return self.none()
        return self.filter(sc.site_q("site"))

    def for_site(self, site) -> ThemeQuerySet:
        """Themes that apply at `site`: network-wide ones and those of the site or a site above it."""
        if site is None:
            return self.filter(site__isnull=True)
        return self.filter(Q(site__isnull=True) | Q(site_id__in=site.ancestor_ids()))


class Theme(models.Model):
    """A monthly theme (学雷锋月 in March) or a festival series (我们的节日·重阳) that activities
    belong to: a name, a colour for the calendar and a date range. No site: the whole network."""

    name = models.CharField(_("name"), max_length=60)
    colour = models.CharField(_("colour"), max_length=7, default="#C8102E", validators=[colour_validator])
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    site = models.ForeignKey(
        "practice_center.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="themes",
        help_text=_("Empty: the whole network."),
    )
    description = models.TextField(_("description"), blank=True)

    objects = ThemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="theme_dates_ordered"),
            models.CheckConstraint(condition=Q(colour__regex=r"^#[0-9A-Fa-f]{6}$"), name="theme_colour_hex"),
        ]

    def __str__(self) -> str:
        return self.name


class ActivityStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", pgettext_lazy("activity", "Published")
    FINISHED = "finished", pgettext_lazy("activity", "Finished")
    CANCELLED = "cancelled", pgettext_lazy("activity", "Cancelled")


class ActivityAction(models.TextChoices):
    CREATE = "create", pgettext_lazy("activity event", "Created")
    PUBLISH = "publish", pgettext_lazy("activity event", "Published")
    FINISH = "finish", pgettext_lazy("activity event", "Finished")
    CANCEL = "cancel", pgettext_lazy("activity event", "Cancelled")


class OpenTo(models.TextChoices):
    STATION = "station", _("Residents of the site and the sites under it")
    ALL = "all", _("Everyone")


# Statuses residents see (a draft is the staff's until published).
PUBLIC_STATUSES = (ActivityStatus.PUBLISHED, ActivityStatus.FINISHED, ActivityStatus.CANCELLED)


class ActivityQuerySet(models.QuerySet):
    def visible_to(self, user) -> ActivityQuerySet:
        """Staff: every activity of their subtrees (drafts too). Anyone logged in: published,
        finished or cancelled activities open to everyone, or held at their station or a site
        above it; and activities they are (or were) signed up for. Anonymous: none (the public
        iCal feed reads `public()`)."""
        from practice_center.scoping import home_station, scope

        if not getattr(user, "is_authenticated", False):
            return self.none()
        sc = scope(user)
        if sc.is_superuser:
            return self
        station = home_station(user)
        reach = Q(open_to=OpenTo.ALL)
        if station is not None:
            reach |= Q(site_id__in=station.ancestor_ids())
        q = Q(status__in=PUBLIC_STATUSES) & reach
        q |= Q(pk__in=Enrollment.objects.filter(person_id=user.pk).values("activity_id"))
        if sc.is_staff_anywhere:
            q |= sc.site_q("site")
        return self.filter(q)

    def managed_by(self, user) -> ActivityQuerySet:
        """Activities of the subtrees the user manages as staff (all for a superuser)."""
        from practice_center.scoping import scope

        sc = scope(user)
        if not sc.is_staff_anywhere:
            return self.none()
        return self.filter(sc.site_q("site"))

    def public(self) -> ActivityQuerySet:
        """What the no-log-in iCal feed shows: published, finished or cancelled (never drafts)."""
        return self.filter(status__in=PUBLIC_STATUSES)

    def listed(self) -> ActivityQuerySet:
        """Activities shown in lists and the calendar (drafts only on the staff's own pages)."""
        return self.exclude(status=ActivityStatus.DRAFT)


class Activity(models.Model):
    """A scheduled session (a lecture, a performance, a clean-up, a festival event) at a site.

    `capacity` None = unlimited. Sign-up closes at `signup_closes_at`, or at the start when it
    is empty. `open_to` "station": residents whose station is the site or lies under it; "all":
    everyone. The status only moves through `activities.sessions.services`.
    """

    #: Set by `activities.sessions.selectors.attach_mine` on listed rows (declared, never stored).
    mine: Enrollment | None
    seats_left: int | None

    site = models.ForeignKey(
        "practice_center.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="activities"
    )
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        "activities.Category", verbose_name=_("category"), on_delete=models.PROTECT, related_name="activities"
    )
    menu_item = models.ForeignKey(
        "activities.MenuItem",
        verbose_name=_("menu item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    theme = models.ForeignKey(
        Theme, verbose_name=_("theme"), null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("seats"), null=True, blank=True, help_text=_("Empty: unlimited."))
    waitlist = models.BooleanField(_("waiting list when full"), default=True)
    signup_closes_at = models.DateTimeField(
        _("sign-up closes at"), null=True, blank=True, help_text=_("Empty: at the start.")
    )
    open_to = models.CharField(_("open to"), max_length=8, choices=OpenTo.choices, default=OpenTo.STATION)
    team = models.ForeignKey(
        "volunteers.Team",
        verbose_name=_("serving team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    status = models.CharField(_("status"), max_length=16, choices=ActivityStatus.choices, default=ActivityStatus.DRAFT)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities_created",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # Claimed by a conditional UPDATE (… WHERE reminder_sent_at IS NULL): one reminder, ever.
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ActivityStatus.values), name="activity_status_valid"),
            models.CheckConstraint(condition=Q(open_to__in=OpenTo.values), name="activity_open_to_valid"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gt=0), name="activity_capacity_positive"
            ),
            models.CheckConstraint(
                condition=~Q(status=ActivityStatus.CANCELLED) | ~Q(cancel_reason=""),
                name="activity_cancelled_has_reason",
            ),
        ]
        indexes = [
            # Serves the calendar and the list: a site's activities in a time range.
            models.Index(fields=["site", "starts_at"], name="activity_site_starts_idx"),
            # Serves the reminder and finishing sweeps: published activities by start / end.
            models.Index(fields=["status", "starts_at"], name="activity_status_starts_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def closes_at(self):
        """When sign-up closes: `signup_closes_at`, or the start."""
        return self.signup_closes_at or self.starts_at

    @property
    def hours(self):
        """Length in hours (a Decimal with 2 places, at most 24), for service records."""
        from decimal import ROUND_HALF_UP, Decimal

        seconds = (self.ends_at - self.starts_at).total_seconds()
        return min(Decimal(seconds / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), Decimal(24))

    @property
    def is_past(self) -> bool:
        return self.ends_at <= timezone.now()


def _photo_path(instance, filename: str) -> str:
    return f"activities/{instance.activity_id}/{filename}"


class ActivityPhoto(models.Model):
    """A photo of an activity, for the summary afterwards. `image` is stored no larger than a
    pixel limit; `phone_image` is the phone-sized version pages send (both made with Pillow)."""

    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=_photo_path)
    phone_image = models.ImageField(_("phone-sized photo"), upload_to=_photo_path, blank=True)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.caption or f"{self.activity_id}/{self.pk}"


class EnrollmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Signed up")
    WAITLISTED = "waitlisted", _("On the waiting list")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class EnrollmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> EnrollmentQuerySet:
        """Staff: sign-ups for activities of their subtrees; a grid worker: those of the grid's
        residents and those they made; everyone: their own."""
        from practice_center.scoping import scope

        if not getattr(user, "is_authenticated", False):
            return self.none()
        sc = scope(user)
        if sc.is_superuser:
            return self
        q = Q(person_id=user.pk) | Q(signed_up_by_id=user.pk)
        if sc.grid_ids:
            q |= Q(person__household__grid_id__in=sc.grid_ids)
        if sc.is_staff_anywhere:
            q |= sc.site_q("activity__site")
        return self.filter(q)

    def managed_by(self, user) -> EnrollmentQuerySet:
        """Sign-ups for activities of the subtrees the user manages as staff."""
        from practice_center.scoping import scope

        sc = scope(user)
        if not sc.is_staff_anywhere:
            return self.none()
        return self.filter(sc.site_q("activity__site"))

    def active(self) -> EnrollmentQuerySet:
        return self.filter(status__in=[EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED])


class Enrollment(models.Model):
    """One person's sign-up for an activity: enrolled (a seat), waitlisted (with a position that
    orders the waiting list), or withdrawn. A person has one row per activity; signing up again
    after withdrawing reuses it. Checked in = `checked_in_at` set (only while enrolled)."""

    #: Set by `activities.sessions.selectors.set_ranks` / `attendees`: the place on the waiting
    #: list (1 = next), None when not waiting (declared, never stored).
    rank: int | None

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="enrollments"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="enrollments"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ENROLLED
    )
    # Increases with arrival; the place in the queue is the rank among those still waiting.
    position = models.PositiveIntegerField(_("place on the waiting list"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    signed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed up by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enrollments_made",
    )
    created_at = models.DateTimeField(_("signed up at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "person"], name="enrollment_one_per_person"),
            models.UniqueConstraint(
                fields=["activity", "position"],
                condition=Q(position__isnull=False),
                name="enrollment_distinct_position",
            ),
            models.CheckConstraint(condition=Q(status__in=EnrollmentStatus.values), name="enrollment_status_valid"),
            models.CheckConstraint(
                condition=Q(status=EnrollmentStatus.WAITLISTED, position__isnull=False)
                | (~Q(status=EnrollmentStatus.WAITLISTED) & Q(position__isnull=True)),
                name="enrollment_position_iff_waitlisted",
            ),
            models.CheckConstraint(
                condition=Q(checked_in_at__isnull=True) | Q(status=EnrollmentStatus.ENROLLED),
                name="enrollment_checked_in_is_enrolled",
            ),
        ]
        indexes = [
            # Serves the seat count and the attendee list: an activity's sign-ups by status.
            models.Index(fields=["activity", "status"], name="enrollment_activity_status_idx"),
            # Serves "my activities" and the no-show count of a person.
            models.Index(fields=["person", "status"], name="enrollment_person_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}:{self.person_id} {self.status}"

    @property
    def my_status(self) -> str:
        """The API's `my_status`: enrolled, waitlisted, checked_in or withdrawn."""
        if self.status == EnrollmentStatus.ENROLLED and self.checked_in_at is not None:
            return "checked_in"
        return self.status


class ActivityEvent(WorkflowEvent):
    """One step of an activity's status history (created, published, finished, cancelled).
    Written by the workflow in the transaction of the move; never edited."""

    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=16, choices=ActivityAction.choices)
    from_status = models.CharField(_("from"), max_length=16, choices=ActivityStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=ActivityStatus.choices)

    class Meta:
        verbose_name = _("activity event")
        verbose_name_plural = _("activity events")
        ordering = ["at", "id"]
        indexes = [
            # Serves the history of one activity, in time order.
            models.Index(fields=["activity", "at"], name="activity_event_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.action} {self.from_status}→{self.to_status}"
