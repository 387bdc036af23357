"""State changes of the menu and the order workflow (点单 → 派单 → 接单 → 评单).

The workflow is one map (`activities.order_workflow.TRANSITIONS`, {status: {action: next}})
applied by the shared `practice_center.workflow.Workflow`: it locks the order row, refuses a
move the map does not allow (InvalidTransition, HTTP 409), runs the check of the actor (the
predicates of `activities.permissions`; NotAllowed, HTTP 403), changes the order, writes the
`OrderEvent`, the audit row and the notifications, all in one transaction. Two people acting on
one order at once: the second waits for the lock, then finds the new status and is refused.
Menu edits write an audit row (`menu_item.create`, `menu_item.update`) in their transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import notifications, permissions, signals
from activities.exceptions import (
    ConflictOfInterest,
    InvalidTransition,
    MenuItemNotOffered,
    RatingWindowClosed,
    TooManyOpenOrders,
)
from activities.models import (
    OPEN_STATUSES,
    Category,
    MenuItem,
    Order,
    OrderAction,
    OrderEvent,
    OrderKind,
    OrderStatus,
)
from activities.order_workflow import ORDER_WORKFLOW, TRANSITIONS  # noqa: F401  (the map, for readers and tests)
from practice_center.audit import audit_record, changes_between, snapshot
from practice_center.exceptions import NotAllowed
from practice_center.models import Site, User
from practice_center.scoping import home_station
from volunteers.models import Team, TeamMembership, Volunteer, VolunteerStatus
from volunteers.services import service_record_create

S = OrderStatus
A = OrderAction


def allowed_actions(status: str) -> set[str]:
    """The actions the workflow map allows from `status`, whoever acts (see
    `activities.permissions.actions_for` for what one person may do)."""
    return ORDER_WORKFLOW.actions_from(status)


def teams_serving(site: Site):
    """Teams that may serve an order of `site`: at the site, below it (its points), or above it."""
    return Team.objects.serving(site)


# ---- the menu ---------------------------------------------------------------------------------


def _menu_item_fields(*, site: Site, category: Category, title: str, team: Team | None, actor: User) -> None:
    if not permissions.may_keep_menu(actor, site):
        raise NotAllowed(_("Only staff of this site can keep its menu."))
    if not title.strip():
        raise ValidationError({"title": _("Give the service a title.")})
    if team is not None and not Team.objects.serving(site).filter(pk=team.pk).exists():
        raise ValidationError({"team": _("This team does not serve this site.")})


@transaction.atomic
def menu_item_create(
    *,
    site: Site,
    category: Category,
    title: str,
    actor: User,
    description: str = "",
    suits: str = "",
    duration_minutes: int | None = None,
    team: Team | None = None,
    is_active: bool = True,
) -> MenuItem:
    """Staff add a service to the menu of a site in their subtree.

    Returns the new MenuItem. Raises NotAllowed (not staff of `site`), ValidationError (no
    title; a team that does not serve the site). Writes the audit row `menu_item.create`.
    """
    _menu_item_fields(site=site, category=category, title=title, team=team, actor=actor)
    item = MenuItem.objects.create(
        site=site,
        category=category,
        title=title.strip(),
        description=description.strip(),
        suits=suits.strip(),
        duration_minutes=duration_minutes,
        team=team,
        is_active=is_active,
    )
    audit_record(
        actor=actor,
        action="menu_item.create",
        obj=item,
        site=site,
        changes={name: [None, value] for name, value in snapshot(item, MENU_ITEM_FIELDS).items()},
    )
    return item


MENU_ITEM_FIELDS = ["site", "category", "title", "description", "suits", "duration_minutes", "team", "is_active"]


@transaction.atomic
def menu_item_update(
    *,
    item: MenuItem,
    actor: User,
    category: Category,
    title: str,
    description: str = "",
    suits: str = "",
    duration_minutes: int | None = None,
    team: Team | None = None,
    is_active: bool = True,
) -> MenuItem:
    """Staff edit an item of their subtree (the site itself does not move).

    Returns the saved MenuItem. Raises NotAllowed (not staff of the item's site),
    ValidationError (no title; a team that does not serve the site). Writes the audit row
    `menu_item.update` with the changed fields.
    """
    item = MenuItem.objects.select_for_update().select_related("site").get(pk=item.pk)
    _menu_item_fields(site=item.site, category=category, title=title, team=team, actor=actor)
    before = snapshot(item, MENU_ITEM_FIELDS)
    item.category = category
    item.title = title.strip()
    item.description = description.strip()
    item.suits = suits.strip()
    item.duration_minutes = duration_minutes
    item.team = team
    item.is_active = is_active
    item.save(
        update_fields=[
            "category",
            "title",
            "description",
            "suits",
            "duration_minutes",
            "team",
            "is_active",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="menu_item.update",
        obj=item,
        site=item.site,
        changes=changes_between(before, snapshot(item, MENU_ITEM_FIELDS)),
    )
    return item


# ---- placing an order -------------------------------------------------------------------------


def _check_orderer(*, resident: User, actor: User) -> Site:
    """The resident orders for themself, or a grid worker of the resident's grid for them."""
    if resident.household_id is None:
        raise ValidationError({"resident": _("Only a resident of a household can order.")})
    if not permissions.may_order_for(actor, resident):
        raise NotAllowed(_("Only the resident or a grid worker of the resident's grid can order."))
    station = home_station(resident)
    if station is None:  # pragma: no cover - a household always has a grid and so a station
        raise ValidationError({"resident": _("The resident belongs to no station.")})
    return station


def _check_open_limit(resident: User) -> None:
    # Lock the resident's row so two orders placed at once cannot both slip under the limit.
    User.objects.select_for_update().filter(pk=resident.pk).first()
    limit = settings.PORTAL["MAX_OPEN_ORDERS_PER_RESIDENT"]
    if Order.objects.filter(resident=resident, status__in=OPEN_STATUSES).count() >= limit:
        raise TooManyOpenOrders()


def _record_new(order: Order, actor: User, note: str = "") -> None:
    OrderEvent.objects.create(
        order=order, action=A.ORDER, from_status="", to_status=order.status, actor=actor, note=note, at=order.created_at
    )
    audit_record(
        actor=actor, action="order.order", obj=order, site=order.site, changes={"status": [None, order.status]}
    )
    notifications.order_submitted(order)


@transaction.atomic
def order_create(
    *,
    resident: User,
    actor: User,
    menu_item: MenuItem,
    description: str = "",
    preferred_time: datetime.datetime | None = None,
    address: str = "",
) -> Order:
    """点单: a resident (or their grid worker) orders a service on the menu of the station.

    preferred_time: an aware datetime in the future, or None. address: defaults to the
    household's. Returns the submitted Order (event `order` and audit row `order.order`
    written, the station's staff notified). Raises NotAllowed (`permissions.may_order_for`),
    MenuItemNotOffered, TooManyOpenOrders (settings.PORTAL["MAX_OPEN_ORDERS_PER_RESIDENT"]),
    ValidationError (no household, a time in the past).
    """
    station = _check_orderer(resident=resident, actor=actor)
    if not MenuItem.objects.offered_at(station).filter(pk=menu_item.pk).exists():
        raise MenuItemNotOffered()
    if preferred_time is not None and preferred_time < timezone.now():
        raise ValidationError({"preferred_time": _("Choose a time in the future.")})
    _check_open_limit(resident)
    order = Order.objects.create(
        kind=OrderKind.MENU,
        resident=resident,
        placed_by=actor if actor.pk != resident.pk else None,
        site=station,
        menu_item=menu_item,
        category_id=menu_item.category_id,
        title=menu_item.title,
        description=description.strip(),
        preferred_time=preferred_time,
        address=address.strip() or (resident.household.address if resident.household is not None else ""),
    )
    _record_new(order, actor)
    return order


@transaction.atomic
def wish_create(
    *,
    resident: User,
    actor: User,
    title: str,
    description: str = "",
    is_public: bool = True,
    category: Category | None = None,
) -> Order:
    """微心愿: a free-text wish; public ones go on the wish wall for any team of the subtree.

    title: up to 100 characters (longer is cut). Returns the submitted wish. Raises NotAllowed,
    TooManyOpenOrders, ValidationError (no household, no title).
    """
    station = _check_orderer(resident=resident, actor=actor)
    if not title.strip():
        raise ValidationError({"title": _("Say in a few words what you wish for.")})
    _check_open_limit(resident)
    order = Order.objects.create(
        kind=OrderKind.WISH,
        resident=resident,
        placed_by=actor if actor.pk != resident.pk else None,
        site=station,
        category=category,
        title=title.strip()[:100],
        description=description.strip(),
        is_public=is_public,
        address=resident.household.address if resident.household is not None else "",
    )
    _record_new(order, actor)
    return order


# ---- moving an order -------------------------------------------------------------------------------

# What the checks and notifications read of the locked order.
_RELATED = ("site", "team__leader__user", "team__site", "resident", "placed_by")


def _move(
    order: Order,
    *,
    action: str,
    actor: User | None,
    check: Callable[[Order], None],
    change: Callable[[Order], Iterable[str]],
    note: str = "",
    data: dict[str, Any] | None = None,
) -> Order:
    """One step of ORDER_WORKFLOW; the notifications read what the event row carries (`data`,
    which `check` may still fill: it is written after the check ran)."""
    event_data = data if data is not None else {}
    return ORDER_WORKFLOW.move(
        order,
        action=action,
        actor=actor,
        check=check,
        change=change,
        notify=lambda o: notifications.order_moved(o, action=action, actor=actor, data=event_data),
        note=note,
        data=event_data,
        related=_RELATED,
        invalid=InvalidTransition(),
    )


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


@transaction.atomic
def order_dispatch(*, order: Order, team: Team, actor: User, note: str = "") -> Order:
    """派单: staff of the order's station (or above) hand it to a team that serves the station.

    Returns the dispatched order. Raises InvalidTransition (not submitted), NotAllowed (not
    staff of the station: `permissions.may_dispatch`), ValidationError (`team` does not serve
    the station or has no leader).
    """

    def check(o: Order) -> None:
        if not permissions.may_dispatch(actor, o):
            raise NotAllowed(_("Only staff of the order's station or above can dispatch it."))
        if not Team.objects.serving(o.site).filter(pk=team.pk).exists():
            raise ValidationError({"team": _("This team does not serve the order's station.")})
        if team.leader_id is None:
            raise ValidationError({"team": _("This team has no leader to accept the order.")})
        if not Team.objects.workable().filter(pk=team.pk).exists():
            raise ValidationError({"team": _("This team cannot take work now: it or its leader is switched off.")})

    def change(o: Order) -> list[str]:
        o.team = team
        o.dispatched_at = timezone.now()
        o.accept_alert_sent = False
        o.reason = ""
        return ["team", "dispatched_at", "accept_alert_sent", "reason"]

    return _move(order, action=A.DISPATCH, actor=actor, check=check, change=change, note=note.strip())


def _team_volunteers(team_id: int, volunteer_ids: Iterable[int]) -> list[Volunteer]:
    ids = {int(v) for v in volunteer_ids}
    if not ids:
        raise ValidationError({"volunteers": _("Name at least one volunteer of the team.")})
    members = list(
        Volunteer.objects.filter(
            pk__in=TeamMembership.objects.filter(team_id=team_id, volunteer_id__in=ids).values("volunteer_id"),
            status=VolunteerStatus.APPROVED,
            user__is_active=True,
        ).select_related("user")
    )
    if len(members) != len(ids):
        raise ValidationError({"volunteers": _("Name only approved volunteers who are members of the team.")})
    return members


def _no_conflict(o: Order, actor: User, role: Callable[[User, Order], bool]) -> None:
    """Raise ConflictOfInterest when `actor` holds the step's role (`role`) but lives in the
    household that placed the order (DESIGN.md, "Civility points")."""
    if role(actor, o) and permissions.of_order_household(actor, o):
        raise ConflictOfInterest()


def _leader_only(o: Order, actor: User, may: Callable[[User, Order], bool]) -> None:
    if not may(actor, o):
        raise NotAllowed(_("Only the leader of the team the order was given to can do this."))


@transaction.atomic
def order_accept(*, order: Order, volunteer_ids: Iterable[int], actor: User, note: str = "") -> Order:
    """接单: the leader of the team takes the order and names the volunteers who will serve.

    volunteer_ids: ids of approved members of the order's team (at least one). Returns the
    accepted order. Raises InvalidTransition (not dispatched), NotAllowed (not the team's
    leader: `permissions.may_accept`), ConflictOfInterest (the leader or a named volunteer lives
    in the household that placed the order: DESIGN.md "Civility points"), ValidationError (no
    or wrong volunteers).
    """
    volunteer_ids = list(volunteer_ids)
    chosen: list[Volunteer] = []

    def check(o: Order) -> None:
        _no_conflict(o, actor, permissions.leads_order_team)
        _leader_only(o, actor, permissions.may_accept)
        chosen.extend(_team_volunteers(o.team_id or 0, volunteer_ids))
        if any(permissions.of_order_household(v.user, o) for v in chosen):
            raise ConflictOfInterest(
                _("A volunteer you named lives in the household that placed this order: name others.")
            )

    def change(o: Order) -> list[str]:
        o.accepted_at = timezone.now()
        o.volunteers.set(chosen)
        return ["accepted_at"]

    data = {"volunteers": sorted(int(v) for v in volunteer_ids)}
    return _move(order, action=A.ACCEPT, actor=actor, check=check, change=change, note=note.strip(), data=data)


@transaction.atomic
def order_decline(*, order: Order, reason: str, actor: User) -> Order:
    """The team leader hands the order back (reason required); staff are told to dispatch again.

    The declined team's id and name are kept in the event's `data` (`declined_team`,
    `declined_team_name`), which the staff's notification reads. Returns the order, submitted
    again. Raises InvalidTransition (not dispatched), NotAllowed (not the team's leader:
    `permissions.may_decline`), ValidationError (no reason).
    """
    reason = _required(reason, "reason", _("Say why the team cannot take the order."))
    data: dict[str, Any] = {}

    def check(o: Order) -> None:
        _leader_only(o, actor, permissions.may_decline)
        data.update(declined_team=o.team_id, declined_team_name=o.team.name if o.team is not None else "")

    def change(o: Order) -> list[str]:
        o.team = None
        o.reason = reason
        o.dispatch_alert_sent = False
        return ["team", "reason", "dispatch_alert_sent"]

    return _move(order, action=A.DECLINE, actor=actor, check=check, change=change, note=reason, data=data)


def _parse_hours(hours) -> Decimal:
    try:
        value = Decimal(str(hours))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"hours": _("Enter the hours as a number, such as 1.5.")})
    if not value.is_finite() or not (Decimal("0") < value <= Decimal("24")):
        raise ValidationError({"hours": _("Hours must be more than 0 and at most 24.")})
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def order_complete(*, order: Order, summary: str, hours, actor: User) -> Order:
    """The team leader or staff mark the work done; each named volunteer gets a service record
    of `hours` (verified at once when staff complete it), then `order_completed` is sent.

    hours: hours per volunteer, more than 0 and at most 24 (a number or its text). Returns the
    completed order. Raises InvalidTransition (not accepted), NotAllowed (neither the team's
    leader nor station staff: `permissions.may_complete`), ConflictOfInterest (the actor lives in
    the household that placed the order), ValidationError (no summary, bad hours).
    """
    summary = _required(summary, "summary", _("Write a short summary of the service."))
    value = _parse_hours(hours)
    by_staff: list[bool] = []

    def check(o: Order) -> None:
        _no_conflict(o, actor, lambda a, x: permissions.leads_order_team(a, x) or permissions.is_station_staff(a, x))
        if not permissions.may_complete(actor, o):
            raise NotAllowed(_("Only the team leader or staff can mark the order done."))
        by_staff.append(permissions.is_station_staff(actor, o))

    def change(o: Order) -> list[str]:
        o.summary = summary
        o.hours = value
        o.completed_at = timezone.now()
        return ["summary", "hours", "completed_at"]

    order = _move(order, action=A.COMPLETE, actor=actor, check=check, change=change, note=summary)
    served_on = timezone.localdate(order.completed_at)
    records = [
        service_record_create(
            volunteer=volunteer,
            hours=value,
            served_on=served_on,
            source="order",
            source_id=order.pk,
            description=order.title,
            actor=actor,
            verified=by_staff[0],
        )
        for volunteer in order.volunteers.all()
    ]
    signals.order_completed.send(sender=Order, order=order, records=records, actor=actor)
    return order


@transaction.atomic
def order_rate(*, order: Order, stars: int | str | None, actor: User, comment: str = "") -> Order:
    """评单: the resident (or the grid worker who placed it) gives 1–5 stars within the window.

    Returns the rated order. Raises InvalidTransition (not completed), NotAllowed (not the
    orderer), RatingWindowClosed (more than settings.PORTAL["RATE_WINDOW_DAYS"] days after
    completion: `permissions.may_rate`), ValidationError (stars outside 1–5).
    """
    try:
        value = int(stars or 0)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise ValidationError({"stars": _("Choose from 1 to 5 stars.")})

    def check(o: Order) -> None:
        if not permissions.may_rate(actor, o):
            if not permissions.is_orderer(actor, o):
                raise NotAllowed(_("Only the resident who ordered can rate it."))
            raise RatingWindowClosed()

    def change(o: Order) -> list[str]:
        o.stars = value
        o.comment = comment.strip()
        o.rated_at = timezone.now()
        return ["stars", "comment", "rated_at"]

    order = _move(order, action=A.RATE, actor=actor, check=check, change=change, note=comment.strip())
    signals.order_rated.send(sender=Order, order=order, actor=actor)
    return order


@transaction.atomic
def order_cancel(*, order: Order, actor: User, reason: str = "") -> Order:
    """The resident (or the grid worker who placed it) or staff call the order off.

    Returns the cancelled order. Raises InvalidTransition (no longer open for cancelling),
    NotAllowed (neither the orderer nor station staff: `permissions.may_cancel`).
    """
    reason = (reason or "").strip()

    def check(o: Order) -> None:
        if not permissions.may_cancel(actor, o):
            raise NotAllowed(_("Only the resident or staff can cancel the order."))

    def change(o: Order) -> list[str]:
        o.reason = reason
        o.closed_at = timezone.now()
        return ["reason", "closed_at"]

    return _move(order, action=A.CANCEL, actor=actor, check=check, change=change, note=reason)


@transaction.atomic
def order_reject(*, order: Order, reason: str, actor: User) -> Order:
    """Staff turn an order down; the reason is shown to the resident.

    Returns the rejected order. Raises InvalidTransition (not submitted), NotAllowed (not
    station staff: `permissions.may_reject`), ValidationError (no reason).
    """
    reason = _required(reason, "reason", _("Say why the order is turned down; the resident will see it."))

    def check(o: Order) -> None:
        if not permissions.may_reject(actor, o):
            raise NotAllowed(_("Only staff of the order's station or above can reject it."))

    def change(o: Order) -> list[str]:
        o.reason = reason
        o.closed_at = timezone.now()
        return ["reason", "closed_at"]

    return _move(order, action=A.REJECT, actor=actor, check=check, change=change, note=reason)


@transaction.atomic
def wish_claim(*, order: Order, team: Team, actor: User, note: str = "") -> Order:
    """认领: a leader of a team serving the wish's station claims a public wish from the wall.

    Returns the accepted wish (the team's leader named as its volunteer). Raises
    InvalidTransition (not a public wish, or no longer waiting), NotAllowed (not the team's
    leader, or the team does not serve the station: `permissions.may_claim_wish`),
    ConflictOfInterest (the leader lives in the household that posted the wish).
    """

    def check(o: Order) -> None:
        if o.kind != OrderKind.WISH or not o.is_public:
            raise InvalidTransition(_("Only public wishes on the wish wall can be claimed."))
        if not permissions.leads(actor, team):
            raise NotAllowed(_("Only the leader of the team can claim for it."))
        _no_conflict(o, actor, lambda a, x: permissions.leads(a, team))
        if not permissions.may_claim_wish(actor, o, team):
            raise NotAllowed(_("Your team does not serve this wish's station."))
        if not Team.objects.workable().filter(pk=team.pk).exists():
            raise ValidationError({"team": _("This team cannot take work now: it or its leader is switched off.")})

    def change(o: Order) -> list[str]:
        now = timezone.now()
        o.team = team
        o.dispatched_at = o.dispatched_at or now
        o.accepted_at = now
        if team.leader_id:
            o.volunteers.set([team.leader_id])
        return ["team", "dispatched_at", "accepted_at"]

    return _move(order, action=A.CLAIM, actor=actor, check=check, change=change, note=note.strip())


# ---- handing open work back ---------------------------------------------------------------------


@transaction.atomic
def orders_release(*, orders, reason: str) -> int:
    """The system hands open orders back to staff (dispatched or accepted → submitted, the team
    and named volunteers removed) because the team, its leader or a volunteer was switched off;
    the staff of each order's station are told. `orders`: a queryset. Returns how many moved."""
    moved = 0
    for order in orders.filter(status__in=[S.DISPATCHED, S.ACCEPTED]).order_by("pk"):
        data: dict[str, Any] = {}

        def check(o: Order, data=data) -> None:
            data.update(released_team=o.team_id, released_team_name=o.team.name if o.team is not None else "")

        def change(o: Order) -> list[str]:
            o.team = None
            o.volunteers.clear()
            o.reason = reason
            o.dispatch_alert_sent = False
            return ["team", "reason", "dispatch_alert_sent"]

        _move(order, action=A.RELEASE, actor=None, check=check, change=change, note=reason, data=data)
        moved += 1
    return moved


def work_release_for_team(*, team: Team) -> int:
    """Open orders of a team that was switched off go back to staff (see `orders_release`)."""
    return orders_release(orders=Order.objects.filter(team=team), reason=_("The team can no longer take this order."))


def work_release_for_user(*, user: User) -> int:
    """A person switched off: the open orders of the teams they lead, and accepted orders on
    which they were the only named volunteer, go back to staff; elsewhere they are unnamed."""
    led = Order.objects.filter(team__leader__user=user)
    # Counted before the filter on the named volunteers, so `n` counts all of them.
    alone = Order.objects.annotate(n=Count("volunteers")).filter(status=S.ACCEPTED, n=1, volunteers__user=user)
    moved = orders_release(
        orders=Order.objects.filter(Q(pk__in=led.values("pk")) | Q(pk__in=alone.values("pk"))),
        reason=_("The volunteer or team leader can no longer take this order."),
    )
    for order in Order.objects.filter(status=S.ACCEPTED, volunteers__user=user):
        order.volunteers.remove(*order.volunteers.filter(user=user))
    return moved


# ---- time-outs ----------------------------------------------------------------------------------


def orders_overdue_for_dispatch(now: datetime.datetime | None = None):
    """Submitted orders waiting longer than settings.PORTAL["DISPATCH_TIMEOUT_HOURS"] hours,
    not alerted yet for this wait (a queryset)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=settings.PORTAL["DISPATCH_TIMEOUT_HOURS"])
    return Order.objects.filter(status=S.SUBMITTED, status_changed_at__lt=cutoff, dispatch_alert_sent=False)


def orders_overdue_for_accept(now: datetime.datetime | None = None):
    """Dispatched orders waiting longer than settings.PORTAL["ACCEPT_TIMEOUT_HOURS"] hours,
    not alerted yet for this wait (a queryset)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=settings.PORTAL["ACCEPT_TIMEOUT_HOURS"])
    return Order.objects.filter(status=S.DISPATCHED, status_changed_at__lt=cutoff, accept_alert_sent=False)


@transaction.atomic
def order_alert_dispatch_overdue(*, order_id: int) -> bool:
    """Tell the staff one level up that an order waits too long for dispatch. Once per wait:
    the flag is set by the same conditional UPDATE that claims the alert."""
    claimed = orders_overdue_for_dispatch().filter(pk=order_id).update(dispatch_alert_sent=True)
    if not claimed:
        return False
    order = Order.objects.select_related("site", "team").get(pk=order_id)
    notifications.dispatch_overdue(order, hours=settings.PORTAL["DISPATCH_TIMEOUT_HOURS"])
    return True


@transaction.atomic
def order_alert_accept_overdue(*, order_id: int) -> bool:
    """Remind the team leader and tell the station's staff that a dispatched order waits. Once."""
    claimed = orders_overdue_for_accept().filter(pk=order_id).update(accept_alert_sent=True)
    if not claimed:
        return False
    order = Order.objects.select_related("site", "team__leader__user").get(pk=order_id)
    notifications.accept_overdue(order, hours=settings.PORTAL["ACCEPT_TIMEOUT_HOURS"])
    return True


def order_timeouts_sweep(*, limit: int = 1000) -> dict[str, int]:
    """Send the time-out alerts that are due: each order's alert in its own short transaction,
    claimed by a conditional UPDATE, so a sweep that runs twice (or twice at once) alerts once."""
    sent = {"dispatch": 0, "accept": 0}
    for order_id in orders_overdue_for_dispatch().order_by("pk").values_list("pk", flat=True)[:limit]:
        sent["dispatch"] += order_alert_dispatch_overdue(order_id=order_id)
    for order_id in orders_overdue_for_accept().order_by("pk").values_list("pk", flat=True)[:limit]:
        sent["accept"] += order_alert_accept_overdue(order_id=order_id)
    return sent
