"""Work goes only to those who can do it: suggestions, dispatch, accept and claims check that
teams and people are active, and switching off a team or a person hands their open work back
to staff with a notification."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from activities import selectors, services
from activities.models import Order, OrderEvent
from practice_center.models import Notification
from volunteers.models import Team

pytestmark = pytest.mark.django_db


def switch_off(obj) -> None:
    obj.is_active = False
    obj.save()


def test_a_team_whose_leader_is_switched_off_is_not_suggested_and_cannot_be_dispatched_to(make_order, town):
    order = make_order("submitted")
    order = Order.objects.select_related("site", "category", "menu_item").get(pk=order.pk)
    assert town.team_a.pk in [s.team.pk for s in selectors.suggested_teams(order)]
    switch_off(town.leader_a_user)
    assert town.team_a.pk not in [s.team.pk for s in selectors.suggested_teams(order)]
    with pytest.raises(ValidationError) as error:
        services.order_dispatch(order=order, team=Team.objects.get(pk=town.team_a.pk), actor=town.staff_a)
    assert "team" in error.value.message_dict
    assert Order.objects.get(pk=order.pk).status == "submitted"


def test_a_switched_off_volunteer_cannot_be_named(make_order, town):
    order = make_order("dispatched")
    switch_off(town.member_a.user)
    with pytest.raises(ValidationError):
        services.order_accept(order=order, volunteer_ids=[town.member_a.pk], actor=town.leader_a_user)


def test_switching_off_a_team_hands_its_dispatched_and_accepted_orders_back_to_staff(make_order, town):
    dispatched = make_order("dispatched")
    accepted = make_order("accepted")
    switch_off(Team.objects.get(pk=town.team_a.pk))
    for order in (dispatched, accepted):
        order.refresh_from_db()
        assert (order.status, order.team_id) == ("submitted", None)
        assert not order.volunteers.exists()
        event = OrderEvent.objects.filter(order=order).latest("id")
        assert (event.action, event.actor_id) == ("release", None)
        assert event.data["released_team_name"] == town.team_a.name
    told = Notification.objects.filter(kind="order_released", recipient=town.staff_a)
    assert told.count() == 2


def test_switching_off_a_leader_hands_the_teams_open_work_back(make_order, town):
    order = make_order("accepted")
    switch_off(town.leader_a_user)
    order.refresh_from_db()
    assert order.status == "submitted"


def test_switching_off_one_of_two_named_volunteers_only_unnames_them(make_order, town):
    order = make_order("dispatched")
    services.order_accept(order=order, volunteer_ids=[town.member_a.pk, town.leader_a.pk], actor=town.leader_a_user)
    switch_off(town.member_a.user)
    order.refresh_from_db()
    assert order.status == "accepted"
    assert list(order.volunteers.values_list("pk", flat=True)) == [town.leader_a.pk]
