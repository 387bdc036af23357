"""Reads of the menu and orders that pages, the API and other apps reuse."""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activities.models import LOAD_STATUSES, MenuItem, Order, OrderStatus
from practice_center.models import Site, SiteLevel, User
from practice_center.text import int_param
from volunteers.models import Team, TeamMembership, VolunteerStatus

# What list rows show. Every join costs planning time on PostgreSQL (a 7-table join took ~20 ms to
# plan, more than to run), so lists load only what their rows print.
ORDER_LIST_RELATED = ("site", "category", "resident", "placed_by", "team")
QUEUE_RELATED = ("site", "category", "resident", "team")


def _param(value) -> str:
    """A filter value from a query string, without NUL characters (PostgreSQL refuses them)."""
    return str(value or "").replace("\x00", "").strip()


def menu_for(user, *, category: str | int | None = None, q: str = "", site: int | None = None) -> QuerySet[MenuItem]:
    """The menu as the person sees it: active items of the station and above (staff also their
    subtree's), optionally by category (code or id), a site, and a search in title/description."""
    return filter_menu(
        MenuItem.objects.visible_to(user).select_related("site", "category", "team"), category=category, q=q, site=site
    )


def filter_menu(
    items: QuerySet[MenuItem], *, category: str | int | None = None, q: str = "", site: int | None = None
) -> QuerySet[MenuItem]:
    """Menu items (already scoped to the person) by category (code or id), site and a search in
    title, description and who it suits."""
    category, q = _param(category), _param(q)
    if category:
        category_pk = int_param(category)
        items = items.filter(category__pk=category_pk) if category_pk else items.filter(category__code=category)
    if site:
        items = items.filter(site_id=site)
    if q:
        items = items.filter(Q(title__icontains=q) | Q(description__icontains=q) | Q(suits__icontains=q))
    return items


def _overdue_annotation(now: datetime.datetime):
    dispatch_cutoff = now - datetime.timedelta(hours=settings.PORTAL["DISPATCH_TIMEOUT_HOURS"])
    accept_cutoff = now - datetime.timedelta(hours=settings.PORTAL["ACCEPT_TIMEOUT_HOURS"])
    return Case(
        When(status=OrderStatus.SUBMITTED, status_changed_at__lt=dispatch_cutoff, then=Value(1)),
        When(status=OrderStatus.DISPATCHED, status_changed_at__lt=accept_cutoff, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def staff_queue(
    user,
    *,
    status: str | None = None,
    category: str | None = None,
    site: int | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[Order]:
    """The dispatch queue of a staff member: their subtree's orders, overdue ones first, then the
    oldest. Without a status filter it shows the open ones (submitted, dispatched, accepted)."""
    now = now or timezone.now()
    orders = Order.objects.managed_by(user)
    category = _param(category)
    if status in OrderStatus.values:
        orders = orders.filter(status=status)
    else:
        orders = orders.filter(status__in=[OrderStatus.SUBMITTED, OrderStatus.DISPATCHED, OrderStatus.ACCEPTED])
    if category:
        category_pk = int_param(category)
        orders = orders.filter(category__pk=category_pk) if category_pk else orders.filter(category__code=category)
    if site:
        orders = orders.filter(site_id=site)
    return (
        orders.select_related(*QUEUE_RELATED)
        .annotate(overdue=_overdue_annotation(now))
        .order_by("-overdue", "created_at", "id")
    )


def my_orders(user) -> QuerySet[Order]:
    """A resident's own orders and the ones a grid worker placed, newest first."""
    return Order.objects.placed_for(user).select_related(*ORDER_LIST_RELATED).order_by("-created_at", "-id")


def team_orders(user) -> QuerySet[Order]:
    """Orders of the teams the person leads that need them: dispatched (accept or decline) and
    accepted (complete), the oldest first."""
    return (
        Order.objects.of_teams_led_by(user)
        .filter(status__in=LOAD_STATUSES)
        .select_related(*ORDER_LIST_RELATED)
        .order_by("status_changed_at", "id")
    )


def wish_wall(user) -> QuerySet[Order]:
    """Public wishes the person may see (`OrderQuerySet.on_wish_wall_of`), without the
    cancelled and rejected ones. Open ones first."""
    return wish_wall_of(Order.objects.on_wish_wall_of(user))


def wish_wall_of(wishes: QuerySet[Order]) -> QuerySet[Order]:
    """The wall's order of public wishes already scoped to the person: without the cancelled and
    rejected ones, open ones first, newest first."""
    wishes = wishes.exclude(status__in=[OrderStatus.CANCELLED, OrderStatus.REJECTED])
    order_open = Case(When(status=OrderStatus.SUBMITTED, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        wishes.select_related("site", "resident", "team").annotate(closed=order_open).order_by("closed", "-created_at")
    )


def events_of(order: Order):
    """The order's history, oldest first, with who acted."""
    return order.events.select_related("actor").order_by("at", "id")


# ---- team suggestions ---------------------------------------------------------------------------


@dataclass
class Suggestion:
    team: Team
    score: float
    skill_members: int
    open_orders: int
    distance: str  # "station", "institute", "elsewhere"
    km: float | None = None
    skills: list[str] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        parts = []
        if self.skill_members:
            parts.append(
                ngettext(
                    "%(count)d member with skill %(skills)s",
                    "%(count)d members with skill %(skills)s",
                    self.skill_members,
                )
                % {"count": self.skill_members, "skills": "、".join(self.skills)}
            )
        else:
            parts.append(_("no member with a matching skill"))
        parts.append(
            ngettext("%(count)d open order", "%(count)d open orders", self.open_orders) % {"count": self.open_orders}
        )
        if self.km is not None:
            parts.append(_("%(km).1f km away") % {"km": self.km})
        else:
            parts.append(
                {
                    "station": _("same station"),
                    "institute": _("same institute"),
                    "elsewhere": _("elsewhere in the network"),
                }[self.distance]
            )
        return parts

    @property
    def reason_text(self) -> str:
        # Translators: the separator between the reasons a team is suggested ("；" in Chinese).
        return _("; ").join(self.reasons)


def _km(a: Site, b: Site) -> float | None:
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return None
    lat1, lng1, lat2, lng2 = (math.radians(float(v)) for v in (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def _needs_text(order: Order) -> str:
    parts = [order.title, order.description]
    if order.category is not None:
        parts += [order.category.name_zh, order.category.name_en]
    if order.menu_item is not None:
        parts += [order.menu_item.title, order.menu_item.description]
    return " ".join(parts).lower()


def suggested_teams(order: Order, *, limit: int = 10) -> list[Suggestion]:
    """Rank the teams that may serve `order` by skill match, open load and distance; a team
    whose leader lives in the household that placed the order is left out (its leader may not
    accept it: DESIGN.md, "Civility points").

    Two queries, whatever the number of teams: the candidate teams with their open load, and
    the skills of their approved members. Expects `order` with site, category and menu_item
    loaded (the detail views select them)."""
    load = (
        Order.objects.filter(team_id=OuterRef("pk"), status__in=LOAD_STATUSES)
        .order_by()
        .values("team_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    # A team led from the order's own household is left out: its leader may not accept the order
    # (permissions.of_order_household), so dispatching to it would only come back declined.
    own_household = User.objects.filter(pk=order.resident_id, household__isnull=False).values("household_id")
    teams = list(
        Team.objects.serving(order.site)
        .workable()
        .exclude(leader__user__household_id__in=own_household)
        .select_related("site", "leader")
        .annotate(open_orders=Coalesce(Subquery(load, output_field=IntegerField()), 0))
    )
    skills_by_team: dict[int, list[list[str]]] = defaultdict(list)
    for team_id, skills in TeamMembership.objects.filter(
        team_id__in=[t.pk for t in teams], volunteer__status=VolunteerStatus.APPROVED
    ).values_list("team_id", "volunteer__skills"):
        skills_by_team[team_id].append([str(s) for s in (skills or [])])

    needs = _needs_text(order)
    ancestor_ids = set(order.site.ancestor_ids())
    suggestions = []
    for team in teams:
        matched_skills: list[str] = []
        skill_members = 0
        for member_skills in skills_by_team[team.pk]:
            hits = [s for s in member_skills if s.strip() and s.strip().lower() in needs]
            if hits:
                skill_members += 1
                matched_skills += [s for s in hits if s not in matched_skills]
        if team.site.path.startswith(order.site.path):
            distance, closeness = "station", 2.0
        elif team.site_id in ancestor_ids and team.site.level == SiteLevel.INSTITUTE:
            distance, closeness = "institute", 1.0
        else:
            distance, closeness = "elsewhere", 0.0
        km = _km(team.site, order.site) if team.site_id != order.site_id else None
        if km is not None:
            closeness = 2.0 / (1.0 + km)
        score = round(3.0 * skill_members - 1.0 * team.open_orders + closeness, 2)
        suggestions.append(
            Suggestion(
                team=team,
                score=score,
                skill_members=skill_members,
                open_orders=team.open_orders,
                distance=distance,
                km=km,
                skills=matched_skills,
            )
        )
    suggestions.sort(key=lambda s: (-s.score, s.open_orders, s.team.name))
    return suggestions[:limit]
