"""Categories, the activity menu and orders (scheduled activities: activities.models.sessions)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from practice_center.models.events import WorkflowEvent
from practice_center.scoping import home_station, scope
from volunteers.models import Team, TeamMembership


class CategoryQuerySet(models.QuerySet):
    def visible_to(self, user) -> CategoryQuerySet:
        """Categories are public: everyone sees all of them."""
        return self


class Category(models.Model):
    """A service category: the five platforms and the further fields stations work in.

    Names are data, kept in both languages; `name` answers in the active language.
    """

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_platform = models.BooleanField(_("one of the five platforms"), default=False)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (translation.get_language() or "").startswith("en") else self.name_zh


# ---- The menu ---------------------------------------------------------------------------------


class MenuItemQuerySet(models.QuerySet["MenuItem"]):
    def offered_at(self, station) -> MenuItemQuerySet:
        """Active items a resident of `station` may order: the station's own and the sites above it."""
        if station is None:
            return self.none()
        return self.filter(site_id__in=station.ancestor_ids(), is_active=True)

    def visible_to(self, user) -> MenuItemQuerySet:
        """What the person is offered, plus every item (active or not) in subtrees they manage."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        sc = scope(user)
        if sc.is_superuser:
            return self
        station = home_station(user)
        offered = Q(site_id__in=station.ancestor_ids(), is_active=True) if station else Q(pk__in=[])
        return self.filter(offered | sc.site_q("site"))

    def managed_by(self, user) -> MenuItemQuerySet:
        """Every item (active or not) of the sites in the subtrees the user manages as staff."""
        return self.filter(scope(user).site_q("site"))


class MenuItem(models.Model):
    """A service a site offers on its menu (菜单), by category; residents order (点单) from it."""

    site = models.ForeignKey(
        "practice_center.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="menu_items"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="menu_items"
    )
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    suits = models.CharField(_("who it suits"), max_length=200, blank=True, help_text=_("For example: the elderly"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), null=True, blank=True)
    team = models.ForeignKey(
        "volunteers.Team",
        verbose_name=_("team that usually serves it"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="menu_items",
    )
    is_active = models.BooleanField(_("on offer"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MenuItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("menu item")
        verbose_name_plural = _("menu items")
        ordering = ["category__sort_order", "title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True) | Q(duration_minutes__gt=0),
                name="menu_item_duration_positive",
            ),
        ]
        indexes = [
            # Serves the resident's menu: active items of the station and its ancestors, by category.
            models.Index(fields=["site", "is_active", "category"], name="menu_site_active_cat_idx"),
        ]

    def __str__(self) -> str:
        return self.title


# ---- Orders -----------------------------------------------------------------------------------


class OrderKind(models.TextChoices):
    MENU = "menu", _("Menu order")
    WISH = "wish", _("Micro-wish")


class OrderStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    DISPATCHED = "dispatched", _("Dispatched")
    ACCEPTED = "accepted", _("Accepted")
    COMPLETED = "completed", _("Completed")
    RATED = "rated", _("Rated")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected")


OPEN_STATUSES = (OrderStatus.SUBMITTED, OrderStatus.DISPATCHED, OrderStatus.ACCEPTED)
LOAD_STATUSES = (OrderStatus.DISPATCHED, OrderStatus.ACCEPTED)


class OrderAction(models.TextChoices):
    ORDER = "order", _("Ordered")
    DISPATCH = "dispatch", _("Dispatched")
    ACCEPT = "accept", _("Accepted")
    DECLINE = "decline", _("Declined")
    COMPLETE = "complete", _("Completed")
    RATE = "rate", _("Rated")
    CANCEL = "cancel", _("Cancelled")
    REJECT = "reject", _("Rejected")
    CLAIM = "claim", _("Claimed")
    RELEASE = "release", _("Handed back")


class OrderQuerySet(models.QuerySet["Order"]):
    def visible_to(self, user) -> OrderQuerySet:
        """Staff see their subtree; a resident the own orders; a grid worker the grid's and the
        ones they placed; a team's members and leader the orders of the team."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        sc = scope(user)
        if sc.is_superuser:
            return self
        q = sc.site_q("site") | Q(resident_id=user.pk) | Q(placed_by_id=user.pk)
        if sc.grid_ids:
            q |= Q(resident__household__grid_id__in=sc.grid_ids)
        if sc.team_ids_led:
            q |= Q(team_id__in=sc.team_ids_led)
        q |= Q(team_id__in=TeamMembership.objects.filter(volunteer__user_id=user.pk).values("team_id"))
        return self.filter(q)

    def managed_by(self, user) -> OrderQuerySet:
        """Orders of the stations in the subtrees the user manages as staff (the dispatch queue)."""
        sc = scope(user)
        return self.filter(sc.site_q("site")) if sc.is_staff_anywhere else self.none()

    def placed_for(self, user) -> OrderQuerySet:
        """The person's own orders and the ones they placed for a resident (grid workers)."""
        return self.filter(Q(resident_id=user.pk) | Q(placed_by_id=user.pk))

    def of_teams_led_by(self, user) -> OrderQuerySet:
        """Orders held by the teams the user leads."""
        return self.filter(team_id__in=scope(user).team_ids_led)

    def on_wish_wall_of(self, user) -> OrderQuerySet:
        """Public wishes the person may see: of the own station, of subtrees they manage, and of
        the stations the teams they lead serve (their site's subtree and the sites above it)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        sc = scope(user)
        wishes = self.filter(kind=OrderKind.WISH, is_public=True)
        if sc.is_superuser:
            return wishes
        q = sc.site_q("site")
        station = home_station(user)
        if station is not None:
            q |= Q(site_id=station.pk)
        if sc.team_ids_led:
            for path in Team.objects.filter(pk__in=sc.team_ids_led).values_list("site__path", flat=True):
                q |= Q(site__path__startswith=path) | Q(site_id__in=[int(p) for p in path.split("/") if p])
        return wishes.filter(q)

    def open(self) -> OrderQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class Order(models.Model):
    """A resident's request for a service (点单) or a micro-wish, and its way through the workflow.

    The status only changes through `activities.services` (one transition map, one function
    that applies it and writes an `OrderEvent`). `site` is the resident's station.
    """

    kind = models.CharField(_("kind"), max_length=8, choices=OrderKind.choices, default=OrderKind.MENU)
    status = models.CharField(_("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.SUBMITTED)
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="orders"
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("placed on behalf by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders_placed",
    )
    site = models.ForeignKey(
        "practice_center.Site", verbose_name=_("station"), on_delete=models.PROTECT, related_name="orders"
    )
    menu_item = models.ForeignKey(
        MenuItem, verbose_name=_("menu item"), null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    preferred_time = models.DateTimeField(_("preferred time"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_public = models.BooleanField(_("on the wish wall"), default=False)
    team = models.ForeignKey(
        "volunteers.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    volunteers = models.ManyToManyField(
        "volunteers.Volunteer", verbose_name=_("volunteers"), blank=True, related_name="orders"
    )
    summary = models.TextField(_("summary"), blank=True)
    hours = models.DecimalField(_("hours per volunteer"), max_digits=5, decimal_places=2, null=True, blank=True)
    stars = models.PositiveSmallIntegerField(_("stars"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why it was last declined, cancelled or rejected."))

    created_at = models.DateTimeField(_("ordered at"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("cancelled or rejected at"), null=True, blank=True)
    # Time-out alerts already sent for the current wait (reset when the order re-enters the state).
    dispatch_alert_sent = models.BooleanField(default=False)
    accept_alert_sent = models.BooleanField(default=False)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="order_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=OrderKind.values), name="order_kind_valid"),
            models.CheckConstraint(
                condition=Q(stars__isnull=True) | Q(stars__gte=1, stars__lte=5), name="order_stars_1_5"
            ),
            models.CheckConstraint(
                condition=~Q(status=OrderStatus.RATED) | Q(stars__isnull=False), name="order_rated_has_stars"
            ),
            models.CheckConstraint(
                condition=~Q(kind=OrderKind.MENU) | Q(menu_item__isnull=False), name="order_menu_has_item"
            ),
            models.CheckConstraint(
                condition=Q(is_public=False) | Q(kind=OrderKind.WISH), name="order_only_wishes_public"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[OrderStatus.DISPATCHED, OrderStatus.ACCEPTED, OrderStatus.COMPLETED])
                | Q(team__isnull=False),
                name="order_in_hand_has_team",
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gt=0, hours__lte=24), name="order_hours_0_24"
            ),
        ]
        indexes = [
            # Serves the staff dispatch queue: orders of a station by status, oldest first.
            models.Index(fields=["site", "status", "created_at"], name="order_site_status_idx"),
            # Serves "my orders" and the per-resident open-order limit.
            models.Index(fields=["resident", "status"], name="order_resident_status_idx"),
            # Serves the leader's queue and the open-load count in team suggestions.
            models.Index(fields=["team", "status"], name="order_team_status_idx"),
            # Serves the time-out sweeps: orders waiting in a status since before a cut-off.
            models.Index(fields=["status", "status_changed_at"], name="order_status_since_idx"),
            # Serves the wish wall: public wishes by status.
            models.Index(fields=["status", "site"], condition=Q(is_public=True), name="order_public_wish_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class OrderEvent(WorkflowEvent):
    """One step of an order's history: who did what, from which status to which, and why.

    Written by the same transaction that changes the order; never edited.
    """

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=16, choices=OrderAction.choices)
    from_status = models.CharField(_("from"), max_length=16, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=OrderStatus.choices)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["at", "id"]
        indexes = [
            # Serves the event log of one order, in time order.
            models.Index(fields=["order", "at"], name="order_event_order_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action} {self.from_status}→{self.to_status}"
