"""The notification kinds of the order workflow and who is told what.

Registered at import (ActivitiesConfig.ready()); the `order_*` functions are called by
`activities.services` inside the transaction of the transition, so a message exists exactly
when the change it reports does.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from practice_center.notifications import notify, register
from practice_center.selectors import staff_of, staff_one_level_up

register("order_submitted", title=_("New order: {title}"), body=_("{resident} ordered “{title}” at {site}."))
register("order_dispatched", title=_("Order dispatched: {title}"), body=_("{team} will take care of “{title}”."))
register(
    "order_to_accept",
    title=_("An order for your team: {title}"),
    body=_("“{title}” was dispatched to {team}. Please accept or decline it."),
)
register("order_accepted", title=_("Order accepted: {title}"), body=_("{team} accepted “{title}”."))
register("order_declined", title=_("Order declined: {title}"), body=_("{team} declined “{title}”: {reason}"))
register("order_completed", title=_("Order completed: {title}"), body=_("“{title}” is done. Please rate the service."))
register(
    "order_released",
    title=_("Order back for dispatch: {title}"),
    body=_("{team} can no longer take “{title}”: {reason} Please dispatch it again."),
)
register("order_rejected", title=_("Order not taken: {title}"), body=_("“{title}” was turned down: {reason}"))
register(
    "order_cancelled",
    title=_("Order cancelled: {title}"),
    body=_("“{title}”, dispatched to {team}, was cancelled: {reason}"),
)
register("wish_claimed", title=_("Your wish was claimed: {title}"), body=_("{team} will make “{title}” come true."))
register(
    "order_dispatch_overdue",
    title=_("Order waiting for dispatch: {title}"),
    body=_("“{title}” at {site} has waited more than {hours} hours for dispatch."),
)
register(
    "order_accept_overdue",
    title=_("Order waiting to be accepted: {title}"),
    body=_("“{title}” was dispatched to {team} more than {hours} hours ago and is not accepted yet."),
)


def _url(order) -> str:
    return reverse("activities:order_detail", args=[order.pk])


def _data(order, **extra) -> dict:
    return {
        "order": order.pk,
        "title": order.title,
        "site": order.site.name,
        "team": order.team.name if order.team_id else "",
        **extra,
    }


def _resident_side(order) -> list:
    return [order.resident, order.placed_by]


def _leader(order) -> list:
    leader = order.team.leader if order.team_id else None
    return [leader.user] if leader is not None else []


def order_submitted(order) -> None:
    notify(
        recipients=staff_of(order.site),
        kind="order_submitted",
        data=_data(order, resident=order.resident.display_name),
        url=_url(order),
    )


def order_moved(order, *, action: str, actor, data: dict | None = None) -> None:
    """Who is told after a transition: the resident on dispatch, accept, complete, reject and
    claim; the team leader on dispatch and when a dispatched order is cancelled; the station's
    staff on decline. `data` is what the step's OrderEvent carries (the declined team's name)."""
    data = data or {}
    if action == "dispatch":
        notify(recipients=_resident_side(order), kind="order_dispatched", data=_data(order), url=_url(order))
        notify(recipients=_leader(order), kind="order_to_accept", data=_data(order), url=_url(order))
    elif action == "accept":
        notify(recipients=_resident_side(order), kind="order_accepted", data=_data(order), url=_url(order))
    elif action == "decline":
        # The order no longer has the team: its name is in the event's data.
        notify(
            recipients=staff_of(order.site),
            kind="order_declined",
            data={**_data(order), "team": data.get("declined_team_name", ""), "reason": order.reason},
            url=_url(order),
        )
    elif action == "complete":
        notify(recipients=_resident_side(order), kind="order_completed", data=_data(order), url=_url(order))
    elif action == "reject":
        notify(
            recipients=_resident_side(order),
            kind="order_rejected",
            data=_data(order, reason=order.reason),
            url=_url(order),
        )
    elif action == "cancel" and order.team_id:
        # A dispatched order called off: the leader need not accept it any more.
        notify(
            recipients=_leader(order), kind="order_cancelled", data=_data(order, reason=order.reason), url=_url(order)
        )
    elif action == "claim":
        notify(recipients=_resident_side(order), kind="wish_claimed", data=_data(order), url=_url(order))
    elif action == "release":
        notify(
            recipients=staff_of(order.site),
            kind="order_released",
            data={**_data(order), "team": data.get("released_team_name", ""), "reason": order.reason},
            url=_url(order),
        )


def dispatch_overdue(order, *, hours: int) -> None:
    notify(
        recipients=staff_one_level_up(order.site),
        kind="order_dispatch_overdue",
        data=_data(order, hours=hours),
        url=_url(order),
    )


def accept_overdue(order, *, hours: int) -> None:
    data = _data(order, hours=hours)
    notify(recipients=_leader(order), kind="order_accept_overdue", data=data, url=_url(order))
    notify(recipients=staff_of(order.site), kind="order_accept_overdue", data=data, url=_url(order))
