"""Yearly honours: frozen ranking snapshots, public notice (公示) and objections.

A staff member freezes the ranking of a year, a site subtree and a household category into an
`HonourList` whose `HonourEntry` rows copy rank, points and hours at that moment: later ledger
entries never change a frozen list. The list is then published for a notice period of working
days, residents of the scope file `Objection`s, staff answer each one, and once the period is
over and nothing is left unanswered the list is made final. Every step leaves an `HonourEvent`.
Services live in `points/services/honours.py`, the status map in `points/workflows.py`.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from practice_center.models import Household, HouseholdCategory, Site
from practice_center.models.events import WorkflowEvent
from practice_center.scoping import home_station, scope

__all__ = [
    "HonourKind",
    "HonourStatus",
    "HonourList",
    "HonourEntry",
    "HonourEvent",
    "ObjectionDecision",
    "Objection",
]


class HonourKind(models.TextChoices):
    CIVILIZED_HOUSEHOLD = "civilized_household", _("Civilized household")
    MODEL_FAMILY = "model_family", _("Model family")


class HonourStatus(models.TextChoices):
    FROZEN = "frozen", _("Frozen, not yet published")
    NOTICE = "notice", _("In public notice")
    FINAL = "final", _("Final")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class HonourListQuerySet(models.QuerySet):
    def visible_to(self, user) -> HonourListQuerySet:
        """Staff see every list of their subtree; residents see published and final lists whose
        scope contains their station."""
        sc = scope(user)
        if sc.is_superuser:
            return self
        q = sc.site_q("site") if sc.staff_paths else Q(pk__in=[])
        station = home_station(user) if user.is_authenticated else None
        if station is not None:
            q |= Q(site_id__in=station.ancestor_ids(), status__in=[HonourStatus.NOTICE, HonourStatus.FINAL])
        return self.filter(q)

    def managed_by(self, user) -> HonourListQuerySet:
        """Lists of the sites in the subtrees the user manages as staff (who run their workflow)."""
        return self.filter(scope(user).site_q("site"))


class HonourList(models.Model):
    """A frozen ranking snapshot of one year, site subtree and household category, put up for
    public notice (公示) and then made final. Its entries never change once frozen."""

    kind = models.CharField(_("honour"), max_length=32, choices=HonourKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="honour_lists")
    category = models.CharField(
        _("household category"),
        max_length=16,
        choices=HouseholdCategory.choices,
        blank=True,
        help_text=_("Leave empty to rank every household."),
    )
    size = models.PositiveSmallIntegerField(_("number of households"))
    status = models.CharField(_("status"), max_length=16, choices=HonourStatus.choices, default=HonourStatus.FROZEN)
    frozen_at = models.DateTimeField(_("frozen at"))
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("frozen by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    notice_ends_on = models.DateField(_("notice ends on"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("made final at"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made final by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdraw_reason = models.CharField(_("reason for withdrawal"), max_length=300, blank=True)

    objects = HonourListQuerySet.as_manager()

    class Meta:
        verbose_name = _("honour list")
        verbose_name_plural = _("honour lists")
        ordering = ["-year", "-frozen_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "year", "site", "category"],
                condition=~Q(status="withdrawn"),
                name="honour_one_live_list_per_scope",
                violation_error_message=_("A list for this honour, year, site and category already exists."),
            ),
            models.CheckConstraint(
                condition=Q(status="frozen")
                | Q(status="withdrawn")
                | Q(published_at__isnull=False, notice_ends_on__isnull=False),
                name="honour_published_has_notice_dates",
            ),
            models.CheckConstraint(
                condition=~Q(status="final") | Q(finalised_at__isnull=False), name="honour_final_has_date"
            ),
            models.CheckConstraint(condition=Q(size__gte=1) & Q(size__lte=500), name="honour_size_1_500"),
        ]
        indexes = [
            # Serves the residents' notice page: published lists whose site is an ancestor of the station.
            models.Index(fields=["site", "status"], name="honour_site_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_kind_display()} · {self.site}"

    def notice_is_open(self, *, now: datetime.datetime | None = None) -> bool:
        """Objections are taken from publication until the end of the notice's last day
        (local time, Asia/Shanghai)."""
        if self.status != HonourStatus.NOTICE or self.notice_ends_on is None:
            return False
        return timezone.localdate(now or timezone.now()) <= self.notice_ends_on

    def notice_is_over(self, *, now: datetime.datetime | None = None) -> bool:
        """True once the notice's last day has passed (local time)."""
        if self.notice_ends_on is None:
            return False
        return timezone.localdate(now or timezone.now()) > self.notice_ends_on


class HonourEntryQuerySet(models.QuerySet):
    def visible_to(self, user) -> HonourEntryQuerySet:
        """The entries of the lists the user sees."""
        return self.filter(honour_list__in=HonourList.objects.visible_to(user).values("pk"))


class HonourEntry(models.Model):
    """One household on a frozen honour list: rank, points and hours copied at freeze time,
    and the household's name as it was, so the notice reads the same whatever happens later."""

    honour_list = models.ForeignKey(HonourList, on_delete=models.CASCADE, related_name="entries")
    rank = models.PositiveIntegerField(_("rank"))
    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+")
    household_name = models.CharField(_("household name"), max_length=100)
    station_name = models.CharField(_("station"), max_length=100)
    category = models.CharField(_("category"), max_length=16, choices=HouseholdCategory.choices)
    points = models.IntegerField(_("points"))
    hours = models.DecimalField(_("service hours"), max_digits=9, decimal_places=2)

    objects = HonourEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("honour list entry")
        verbose_name_plural = _("honour list entries")
        ordering = ["honour_list", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["honour_list", "household"], name="honour_entry_one_per_household"),
            models.UniqueConstraint(fields=["honour_list", "rank"], name="honour_entry_unique_rank"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="honour_entry_rank_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.household_name}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Honour list entries are frozen and never change.")
        super().save(*args, **kwargs)


class HonourEventQuerySet(models.QuerySet):
    def visible_to(self, user) -> HonourEventQuerySet:
        """The history of the lists the user sees."""
        return self.filter(honour_list__in=HonourList.objects.visible_to(user).values("pk"))


class HonourEvent(WorkflowEvent):
    """One step of an honour list's workflow (freeze, publish, finalise, withdraw): who, when,
    from which status to which, and what the step carried (`data`, JSON: a reason)."""

    honour_list = models.ForeignKey(HonourList, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(_("from status"), max_length=16, blank=True)
    to_status = models.CharField(_("to status"), max_length=16)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = HonourEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("honour list event")
        verbose_name_plural = _("honour list events")
        # The list's history in order: served by the foreign key's index plus a sort of a few rows.
        ordering = ["honour_list", "at", "id"]

    def __str__(self) -> str:
        return f"{self.honour_list_id} {self.action}: {self.from_status} → {self.to_status}"


class ObjectionDecision(models.TextChoices):
    PENDING = "", _("Not yet answered")
    DISMISSED = "dismissed", _("Dismissed")
    UPHELD = "upheld", _("Upheld")


class ObjectionQuerySet(models.QuerySet):
    def visible_to(self, user) -> ObjectionQuerySet:
        """Staff see objections to the lists of their subtree; a resident sees the own."""
        sc = scope(user)
        if sc.is_superuser:
            return self
        own = Q(author_id=sc.user_id) if sc.user_id else Q(pk__in=[])
        return self.filter(sc.site_q("honour_list__site") | own)

    def managed_by(self, user) -> ObjectionQuerySet:
        """Objections to the lists of the sites in the subtrees the user manages (who answer them)."""
        return self.filter(scope(user).site_q("honour_list__site"))


class Objection(models.Model):
    """A resident's objection to a list in public notice, and the staff's answer to it."""

    honour_list = models.ForeignKey(HonourList, on_delete=models.CASCADE, related_name="objections")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("objection"), max_length=2000)
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    decision = models.CharField(
        _("decision"), max_length=16, choices=ObjectionDecision.choices, blank=True, default=ObjectionDecision.PENDING
    )
    answer = models.TextField(_("answer"), max_length=2000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(decision="") & Q(answered_at__isnull=True))
                | (Q(decision__in=["dismissed", "upheld"]) & Q(answered_at__isnull=False) & ~Q(answer="")),
                name="objection_answer_complete",
            ),
        ]
        indexes = [
            # Serves "unanswered objections of a list" (the finalise guard and the staff queue).
            models.Index(fields=["honour_list", "decision"], name="objection_list_decision_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.honour_list} · {self.author}"

    @property
    def is_answered(self) -> bool:
        return bool(self.decision)
