"""Who may do what to an order: one predicate per action, used by the services (which raise
NotAllowed when one says no), the order page and its buttons (`actions_for`), and the API.

Each `may_<verb>(user, order)` is True exactly when the service would let `user` take that
step now: the workflow map allows it from the order's status and the person holds the role.
The parts without the status (`is_orderer`, `is_station_staff`, `leads_order_team`,
`rating_window_open`, `team_serves`) are what the services check under the row lock.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from activities.models import Order, OrderAction, OrderKind
from activities.order_workflow import ORDER_WORKFLOW
from practice_center.scoping import scope
from volunteers.models import Team

A = OrderAction


# ---- who the person is to the order ------------------------------------------------------------


def is_orderer(user, order: Order) -> bool:
    """The resident the order is for, or the grid worker who placed it for them."""
    return bool(getattr(user, "is_authenticated", False)) and user.pk in (order.resident_id, order.placed_by_id)


def is_station_staff(user, order: Order) -> bool:
    """Staff of the order's station or of a site above it."""
    return scope(user).manages_site(order.site)


def leads_order_team(user, order: Order) -> bool:
    """The leader of the team the order was given to."""
    return scope(user).leads_team(order.team_id)


def of_order_household(user, order: Order) -> bool:
    """`user` lives in the household that placed the order (the resident's household): they may
    not accept, serve, complete or claim it (DESIGN.md, "Civility points": no household earns
    points from serving, completing or rating its own order or wish). Reads `order.resident`."""
    household_id = getattr(user, "household_id", None)
    return household_id is not None and household_id == order.resident.household_id


def rating_window_open(order: Order, now: datetime.datetime | None = None) -> bool:
    """Whether a completed order may still be rated: within settings.PORTAL["RATE_WINDOW_DAYS"]
    days of its completion (DESIGN.md, 评单)."""
    if order.completed_at is None:
        return True
    window = datetime.timedelta(days=settings.PORTAL["RATE_WINDOW_DAYS"])
    return (now or timezone.now()) <= order.completed_at + window


def team_serves(team, site) -> bool:
    """An active team serves a site at, below or above its own site (needs `team.site`)."""
    return bool(team.is_active) and (site.path.startswith(team.site.path) or team.site.path.startswith(site.path))


def may_keep_menu(user, site) -> bool:
    """Add or edit menu items of `site`: its staff (or staff of a site above it)."""
    return scope(user).manages_site(site)


def may_order_for(user, resident) -> bool:
    """点单 for `resident`: the resident themself, or a grid worker of the resident's grid."""
    if user.pk == resident.pk:
        return True
    return resident.household_id is not None and scope(user).works_grid(resident.household.grid_id)


def leads(user, team) -> bool:
    """The user leads `team`."""
    return scope(user).leads_team(team.pk)


def _allows(order: Order, action: str) -> bool:
    return ORDER_WORKFLOW.allows(order.status, action)


# ---- one predicate per step ----------------------------------------------------------------------


def may_dispatch(user, order: Order) -> bool:
    """派单: staff of the order's station (or above), while the order waits for a team."""
    return _allows(order, A.DISPATCH) and is_station_staff(user, order)


def may_accept(user, order: Order) -> bool:
    """接单: the leader of the team the order was dispatched to, unless of the order's household."""
    return _allows(order, A.ACCEPT) and leads_order_team(user, order) and not of_order_household(user, order)


def may_decline(user, order: Order) -> bool:
    """The leader of the team hands a dispatched order back."""
    return _allows(order, A.DECLINE) and leads_order_team(user, order)


def may_complete(user, order: Order) -> bool:
    """The team leader or station staff mark an accepted order done, unless of the order's household."""
    return (
        _allows(order, A.COMPLETE)
        and (leads_order_team(user, order) or is_station_staff(user, order))
        and not of_order_household(user, order)
    )


def may_rate(user, order: Order) -> bool:
    """评单: the resident (or the grid worker who placed it), within the rating window."""
    return _allows(order, A.RATE) and is_orderer(user, order) and rating_window_open(order)


def may_cancel(user, order: Order) -> bool:
    """The resident (or the grid worker who placed it) or station staff call an open order off."""
    return _allows(order, A.CANCEL) and (is_orderer(user, order) or is_station_staff(user, order))


def may_reject(user, order: Order) -> bool:
    """Station staff turn a submitted order down."""
    return _allows(order, A.REJECT) and is_station_staff(user, order)


def claim_teams(user, order: Order, teams=None) -> list:
    """The teams `user` leads that may claim `order` (a public wish waiting on the wall); none
    when `user` is of the wish's household (they would be named as its volunteer).

    teams: the user's led teams with `site` loaded, if the caller has them (the wish wall loads
    them once for every wish); else they are read here.
    """
    if order.kind != OrderKind.WISH or not order.is_public or not _allows(order, A.CLAIM):
        return []
    sc = scope(user)
    if sc.team_ids_led and of_order_household(user, order):
        return []
    if teams is None:
        if not sc.team_ids_led:
            return []
        teams = list(Team.objects.filter(pk__in=sc.team_ids_led).select_related("site"))
    return [team for team in teams if sc.leads_team(team.pk) and team_serves(team, order.site)]


def may_claim_wish(user, order: Order, team=None) -> bool:
    """认领: the leader of a team serving the wish's station claims a public wish from the wall
    (for `team`, or for any team they lead when `team` is None)."""
    if team is None:
        return bool(claim_teams(user, order))
    return bool(claim_teams(user, order, [team]))


def may_see_history(user, order: Order) -> bool:
    """The event log of an order is for station staff and the leader of its team."""
    return is_station_staff(user, order) or leads_order_team(user, order)


def may_release(user, order: Order) -> bool:
    """Nobody: handing open work back is the system's step, when a team or person is switched off."""
    return False


PREDICATES = {
    A.DISPATCH.value: may_dispatch,
    A.ACCEPT.value: may_accept,
    A.DECLINE.value: may_decline,
    A.COMPLETE.value: may_complete,
    A.RATE.value: may_rate,
    A.CANCEL.value: may_cancel,
    A.REJECT.value: may_reject,
    A.CLAIM.value: may_claim_wish,
    A.RELEASE.value: may_release,
}


def actions_for(user, order: Order) -> set[str]:
    """The steps `user` may take on `order` now (`{"dispatch", "cancel", ...}`): the buttons the
    order page shows, each one a step its service would allow."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return {action for action in ORDER_WORKFLOW.actions_from(order.status) if PREDICATES[action](user, order)}


# ---- contact on an order (personal data by need) ------------------------------------------------

# How long after completion the people of an order may still read each other's phone.
CONTACT_DAYS_AFTER_COMPLETION = 7


def order_contacts_of(viewer) -> set[int]:
    """Ids of the people whose phone `viewer` needs for an order they share, in one query,
    cached on the viewer for the request: for the leader and the named volunteers of an
    accepted order, its resident; for the resident (or the grid worker who placed it), the
    team's leader. From acceptance until CONTACT_DAYS_AFTER_COMPLETION days after completion."""
    cached = getattr(viewer, "_order_contacts", None)
    if cached is not None:
        return cached
    contacts: set[int] = set()
    if getattr(viewer, "is_authenticated", False):
        since = timezone.now() - datetime.timedelta(days=CONTACT_DAYS_AFTER_COMPLETION)
        live = Order.objects.filter(status__in=["accepted", "completed", "rated"]).filter(
            Q(completed_at__isnull=True) | Q(completed_at__gte=since)
        )
        serving = Q(team__leader__user=viewer) | Q(volunteers__user=viewer)
        ordering = Q(resident=viewer) | Q(placed_by=viewer)
        for resident_id, leader_user_id, serves in (
            live.filter(serving | ordering)
            .annotate(serves=Case(When(serving, then=Value(True)), default=Value(False)))
            .values_list("resident_id", "team__leader__user_id", "serves")
            .distinct()
        ):
            if serves:
                contacts.add(resident_id)
            elif leader_user_id:
                contacts.add(leader_user_id)
    viewer._order_contacts = contacts
    return contacts


def order_contact_granted(viewer, person) -> bool:
    """Registered with practice_center.registry: `viewer` and `person` share a live order."""
    return getattr(person, "pk", None) in order_contacts_of(viewer)
