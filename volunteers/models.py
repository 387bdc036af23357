"""Volunteers, teams and verified service hours."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from practice_center.models import Site
from practice_center.scoping import scope
from volunteers.stars import star_level_for


class VolunteerStatus(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class VolunteerQuerySet(models.QuerySet):
    def visible_to(self, user) -> VolunteerQuerySet:
        """Staff see their subtree's volunteers; a person the own profile; a team leader the
        volunteers of the teams they lead."""
        sc = scope(user)
        if sc.is_superuser:
            return self
        own = Q(user_id=sc.user_id) if sc.user_id else Q(pk__in=[])
        # Approved volunteers of teams the user leads are visible to the leader.
        led = Q(memberships__team_id__in=sc.team_ids_led) if sc.team_ids_led else Q(pk__in=[])
        return self.filter(sc.site_q("site") | own | led).distinct()

    def managed_by(self, user) -> VolunteerQuerySet:
        """Volunteers certified by a station in the subtrees the user manages as staff."""
        return self.filter(scope(user).site_q("site"))

    def approved(self) -> VolunteerQuerySet:
        return self.filter(status=VolunteerStatus.APPROVED)

    def with_verified_hours(self) -> VolunteerQuerySet:
        return self.annotate(
            hours_verified=Sum("service_records__hours", filter=Q(service_records__status=RecordStatus.VERIFIED))
        )


class Volunteer(models.Model):
    """A resident's volunteer profile; usable once station staff approve it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="volunteer"
    )
    site = models.ForeignKey(
        Site,
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        related_name="volunteers",
        help_text=_("The station that approves and certifies this volunteer."),
    )
    real_name = models.CharField(_("real name"), max_length=50)
    skills = models.JSONField(
        _("skills"), default=list, blank=True, help_text=_("A list of skills, such as 法律, 医疗, 文艺.")
    )
    availability = models.CharField(_("availability"), max_length=200, blank=True)
    is_party_member = models.BooleanField(_("party member"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=VolunteerStatus.choices, default=VolunteerStatus.PENDING
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["id"]
        indexes = [
            # Serves the staff approval queue: pending volunteers of a station.
            models.Index(fields=["site", "status"], name="volunteer_site_status_idx"),
        ]

    def __str__(self) -> str:
        return self.real_name

    @property
    def verified_hours(self) -> Decimal:
        annotated = getattr(self, "hours_verified", None)
        if annotated is not None:
            return annotated
        total = self.service_records.filter(status=RecordStatus.VERIFIED).aggregate(total=Sum("hours"))["total"]
        return total or Decimal("0")

    @property
    def star_level(self) -> int:
        return star_level_for(self.verified_hours)


class TeamQuerySet(models.QuerySet):
    def visible_to(self, user) -> TeamQuerySet:
        # Teams are public within the portal: residents see who serves their station.
        return self.filter(is_active=True) if user.is_authenticated else self.none()

    def managed_by(self, user) -> TeamQuerySet:
        """Teams of the sites in the subtrees the user manages as staff (active or not)."""
        return self.filter(scope(user).site_q("site"))

    def led_by(self, user) -> TeamQuerySet:
        """Active teams whose leader is the user."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(leader__user=user, is_active=True)

    def serving(self, site: Site) -> TeamQuerySet:
        """Active teams that may serve `site`: at the site, below it (its points), or above it."""
        return self.filter(Q(site_id__in=site.ancestor_ids()) | Q(site__path__startswith=site.path), is_active=True)

    def under(self, site: Site) -> TeamQuerySet:
        return self.filter(site__path__startswith=site.path)

    def workable(self) -> TeamQuerySet:
        """Teams that can take work now: active, with an approved leader whose account is on."""
        return self.filter(is_active=True, leader__status="approved", leader__user__is_active=True)


class Team(models.Model):
    """A volunteer service team (志愿服务队) under a site, with a leader who accepts orders."""

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    leader = models.ForeignKey(
        Volunteer, verbose_name=_("leader"), null=True, blank=True, on_delete=models.SET_NULL, related_name="teams_led"
    )
    members = models.ManyToManyField(
        Volunteer, through="TeamMembership", related_name="teams", verbose_name=_("members")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["site__path", "name"]
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="team_unique_name_per_site")]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    """A volunteer's membership of a team."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [models.UniqueConstraint(fields=["team", "volunteer"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.volunteer} @ {self.team}"


class RecordSource(models.TextChoices):
    ORDER = "order", _("Order")
    ACTIVITY = "activity", _("Activity")
    MANUAL = "manual", _("Manual entry")


class RecordStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class ServiceRecordQuerySet(models.QuerySet):
    def visible_to(self, user) -> ServiceRecordQuerySet:
        """Records of the volunteers the user may see (own, led team's, managed subtree's)."""
        return self.filter(volunteer__in=Volunteer.objects.visible_to(user).values("pk"))

    def managed_by(self, user) -> ServiceRecordQuerySet:
        """Records of volunteers certified in the subtrees the user manages (staff verify them)."""
        return self.filter(scope(user).site_q("volunteer__site"))


class ServiceRecord(models.Model):
    """Hours a volunteer served. Only verified records count toward the star level.

    "Who organises records; who records certifies": the station of the volunteer verifies.
    One record per volunteer and source (`source` + `source_id`), so a completion that is
    replayed never doubles the hours.
    """

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="service_records"
    )
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2)
    served_on = models.DateField(_("date of service"))
    source = models.CharField(_("source"), max_length=16, choices=RecordSource.choices)
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=RecordStatus.choices, default=RecordStatus.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ServiceRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-served_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=24), name="record_hours_0_24"),
            models.UniqueConstraint(
                fields=["volunteer", "source", "source_id"],
                condition=Q(source_id__isnull=False),
                name="record_unique_per_source",
            ),
        ]
        indexes = [
            # Serves verified-hours sums per volunteer and exports by period.
            models.Index(fields=["volunteer", "status", "served_on"], name="record_volunteer_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.hours} h · {self.served_on}"


# ---- Certificates and star milestones (services in volunteers/certificates.py and
# volunteers/milestones.py) ----------------------------------------------------------------------


class CertificateQuerySet(models.QuerySet):
    def visible_to(self, user) -> CertificateQuerySet:
        """Certificates the user may read in full: their own, and those of volunteers of the
        subtree they manage. (Anyone reads the masked facts by code: `find_by_code`.)"""
        from practice_center.scoping import scope

        sc = scope(user)
        if sc.is_superuser:
            return self
        own = Q(volunteer__user_id=sc.user_id) if sc.user_id else Q(pk__in=[])
        return self.filter(sc.site_q("volunteer__site") | own)


class Certificate(models.Model):
    """A service certificate (志愿服务证明): the verified hours of a volunteer over a period.

    Frozen once issued: `content` holds every fact printed on it (and the records it counted),
    `content_hash` its SHA-256, and PostgreSQL refuses an UPDATE of either (migration 0002).
    Whether it is still valid is computed, never stored: it is superseded when a record it
    counted is no longer verified with the same hours and date (`volunteers.certificates`).
    `code` is the public, unguessable key of the verification page and the QR code.
    """

    #: Set by `certificate_issue`: True for a new certificate, False when the same facts were certified.
    just_issued: bool = True

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="certificates"
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    period_from = models.DateField(_("from"))
    period_to = models.DateField(_("to"))
    hours = models.DecimalField(_("hours"), max_digits=9, decimal_places=2)
    site = models.ForeignKey(
        Site, verbose_name=_("issuing site"), on_delete=models.PROTECT, related_name="certificates"
    )
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    content = models.JSONField(_("content"))
    content_hash = models.CharField(_("SHA-256 of the content"), max_length=64)
    # SHA-256 of the counted records (id, date, hours): the same request twice finds the
    # certificate it already made instead of issuing a second one.
    records_digest = models.CharField(max_length=64)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("service certificate")
        verbose_name_plural = _("service certificates")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_from__lte=models.F("period_to")), name="certificate_period"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="certificate_hours_positive"),
            models.UniqueConstraint(
                fields=["volunteer", "period_from", "period_to", "records_digest"], name="certificate_unique_facts"
            ),
        ]
        indexes = [
            # Serves a volunteer's list of certificates, newest first.
            models.Index(fields=["volunteer", "-issued_at"], name="certificate_volunteer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.volunteer_id}"


class StarMilestone(models.Model):
    """The volunteer reached `stars` stars (cumulative verified hours crossed the threshold).

    One row per volunteer and star level, written once with the notification that tells the
    volunteer (volunteers/milestones.py); the team page lists its members' recent rows.
    """

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="star_milestones"
    )
    stars = models.PositiveSmallIntegerField(_("stars"))
    threshold = models.PositiveIntegerField(_("threshold in hours"))
    hours = models.DecimalField(_("verified hours then"), max_digits=9, decimal_places=2)
    reached_at = models.DateTimeField(_("reached at"))

    class Meta:
        verbose_name = _("star milestone")
        verbose_name_plural = _("star milestones")
        ordering = ["-reached_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "stars"], name="milestone_once_per_star"),
            models.CheckConstraint(condition=Q(stars__gte=1) & Q(stars__lte=5), name="milestone_stars_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} ★{self.stars}"
