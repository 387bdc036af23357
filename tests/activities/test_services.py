"""The order workflow as services: every transition's allowed case and the forbidden ones."""

from __future__ import annotations

import datetime
import threading

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.utils import translation

from activities import services, signals
from activities.exceptions import InvalidTransition, MenuItemNotOffered, RatingWindowClosed, TooManyOpenOrders
from activities.models import MenuItem, Order, OrderEvent
from activities.selectors import suggested_teams
from practice_center.exceptions import NotAllowed
from practice_center.models.notifications import Notification
from tests.factories import MembershipFactory, TeamFactory, VolunteerFactory
from tests.workflow import statuses, wrong_states
from volunteers.models import RecordStatus, ServiceRecord

ALL_STATES = statuses(services.TRANSITIONS)  # make_order (tests/activities/conftest.py) reaches each one


def kinds_for(user):
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


# ---- ordering -----------------------------------------------------------------------------------


def test_a_resident_orders_from_the_station_menu_and_staff_are_told(town, menu):
    order = services.order_create(resident=town.resident_a, actor=town.resident_a, menu_item=menu["a"])
    assert order.status == "submitted" and order.site == town.station_a and order.placed_by is None
    assert list(order.events.values_list("action", "to_status")) == [("order", "submitted")]
    assert "order_submitted" in kinds_for(town.staff_a)
    assert "order_submitted" in kinds_for(town.institute_staff)
    assert kinds_for(town.staff_b) == []


def test_a_resident_may_order_an_item_of_the_center_above_the_station(town, menu):
    order = services.order_create(resident=town.resident_a, actor=town.resident_a, menu_item=menu["center"])
    assert order.category.code == "health"


def test_a_resident_cannot_order_another_stations_item(town, menu):
    with pytest.raises(MenuItemNotOffered):
        services.order_create(resident=town.resident_a, actor=town.resident_a, menu_item=menu["b"])


def test_an_inactive_item_cannot_be_ordered(town, menu):
    with pytest.raises(MenuItemNotOffered):
        services.order_create(resident=town.resident_a, actor=town.resident_a, menu_item=menu["inactive"])


@override_settings(PORTAL={**settings.PORTAL, "MAX_OPEN_ORDERS_PER_RESIDENT": 2})
def test_the_open_order_limit_counts_only_open_orders(town, make_order):
    make_order("submitted")
    make_order("completed")  # finished: does not count
    make_order("dispatched")
    with pytest.raises(TooManyOpenOrders):
        make_order("submitted")


def test_a_grid_worker_orders_on_behalf_of_a_resident_of_the_grid(town, menu):
    order = services.order_create(resident=town.resident_a, actor=town.grid_worker_a, menu_item=menu["a"])
    assert order.resident == town.resident_a and order.placed_by == town.grid_worker_a


def test_a_grid_worker_cannot_order_for_a_resident_of_another_grid(town, menu):
    with pytest.raises(NotAllowed):
        services.order_create(resident=town.resident_b, actor=town.grid_worker_a, menu_item=menu["center"])


def test_a_resident_cannot_order_for_a_neighbour(town, menu):
    with pytest.raises(NotAllowed):
        services.order_create(resident=town.resident_a2, actor=town.resident_a, menu_item=menu["a"])


def test_a_wish_needs_a_title(town):
    with pytest.raises(ValidationError):
        services.wish_create(resident=town.resident_a, actor=town.resident_a, title="  ")


# ---- dispatch ---------------------------------------------------------------------------------


def test_staff_dispatch_to_a_team_and_resident_and_leader_are_told(town, make_order):
    order = services.order_dispatch(order=make_order(), team=town.team_a, actor=town.staff_a, note="请尽快")
    assert order.status == "dispatched" and order.team == town.team_a and order.dispatched_at
    event = order.events.get(action="dispatch")
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        "submitted",
        "dispatched",
        town.staff_a,
        "请尽快",
    )
    assert "order_dispatched" in kinds_for(town.resident_a)
    assert "order_to_accept" in kinds_for(town.leader_a_user)


def test_institute_staff_above_the_station_may_dispatch(town, make_order):
    assert (
        services.order_dispatch(order=make_order(), team=town.team_a, actor=town.institute_staff).status == "dispatched"
    )


def test_staff_of_another_station_cannot_dispatch(town, make_order):
    order = make_order()
    with pytest.raises(NotAllowed):
        services.order_dispatch(order=order, team=town.team_a, actor=town.staff_b)
    order.refresh_from_db()
    assert order.status == "submitted" and order.events.count() == 1


def test_a_resident_cannot_dispatch(town, make_order):
    with pytest.raises(NotAllowed):
        services.order_dispatch(order=make_order(), team=town.team_a, actor=town.resident_a)


def test_dispatch_to_a_team_of_another_station_is_bad_input(town, make_order):
    with pytest.raises(ValidationError):
        services.order_dispatch(order=make_order(), team=town.team_b, actor=town.staff_a)


@pytest.mark.parametrize("state", wrong_states(services.TRANSITIONS, "dispatch"))
def test_dispatch_from_a_wrong_state_is_an_invalid_transition(town, make_order, state):
    order = make_order(state)
    events = order.events.count()
    with pytest.raises(InvalidTransition):
        services.order_dispatch(order=order, team=town.team_a, actor=town.staff_a)
    assert order.events.count() == events


# ---- accept / decline ---------------------------------------------------------------------------


def test_the_leader_accepts_and_names_team_members(town, make_order):
    order = services.order_accept(
        order=make_order("dispatched"), volunteer_ids=[town.member_a.pk, town.leader_a.pk], actor=town.leader_a_user
    )
    assert order.status == "accepted" and set(order.volunteers.all()) == {town.member_a, town.leader_a}
    assert "order_accepted" in kinds_for(town.resident_a)


def test_the_leader_cannot_name_a_volunteer_outside_the_team(town, make_order):
    with pytest.raises(ValidationError):
        services.order_accept(
            order=make_order("dispatched"), volunteer_ids=[town.leader_b.pk], actor=town.leader_a_user
        )


def test_accepting_needs_at_least_one_volunteer(town, make_order):
    with pytest.raises(ValidationError):
        services.order_accept(order=make_order("dispatched"), volunteer_ids=[], actor=town.leader_a_user)


def test_the_leader_of_another_team_cannot_accept(town, make_order):
    with pytest.raises(NotAllowed):
        services.order_accept(
            order=make_order("dispatched"), volunteer_ids=[town.leader_b.pk], actor=town.leader_b_user
        )


def test_staff_cannot_accept_for_the_team(town, make_order):
    with pytest.raises(NotAllowed):
        services.order_accept(order=make_order("dispatched"), volunteer_ids=[town.member_a.pk], actor=town.staff_a)


@pytest.mark.parametrize("state", wrong_states(services.TRANSITIONS, "accept"))
def test_accept_from_a_wrong_state_is_an_invalid_transition(town, make_order, state):
    with pytest.raises(InvalidTransition):
        services.order_accept(order=make_order(state), volunteer_ids=[town.member_a.pk], actor=town.leader_a_user)


def test_the_leader_declines_with_a_reason_and_staff_are_told_to_dispatch_again(town, make_order):
    order = services.order_decline(order=make_order("dispatched"), reason="本周人手不足", actor=town.leader_a_user)
    assert order.status == "submitted" and order.team is None and order.reason == "本周人手不足"
    assert "order_declined" in kinds_for(town.staff_a)
    note = Notification.objects.get(recipient=town.staff_a, kind="order_declined")
    assert note.data["team"] == town.team_a.name


def test_declining_needs_a_reason(town, make_order):
    with pytest.raises(ValidationError):
        services.order_decline(order=make_order("dispatched"), reason=" ", actor=town.leader_a_user)


def test_a_resident_cannot_decline(town, make_order):
    with pytest.raises(NotAllowed):
        services.order_decline(order=make_order("dispatched"), reason="x", actor=town.resident_a)


@pytest.mark.parametrize("state", wrong_states(services.TRANSITIONS, "decline"))
def test_decline_from_a_wrong_state_is_an_invalid_transition(town, make_order, state):
    with pytest.raises(InvalidTransition):
        services.order_decline(order=make_order(state), reason="x", actor=town.leader_a_user)


# ---- complete -----------------------------------------------------------------------------------


def test_the_leader_completes_and_each_volunteer_gets_unverified_hours(town, make_order):
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    signals.order_completed.connect(receiver)
    try:
        order = services.order_complete(
            order=make_order("accepted"), summary="已上门服务", hours="1.5", actor=town.leader_a_user
        )
    finally:
        signals.order_completed.disconnect(receiver)
    record = ServiceRecord.objects.get(source="order", source_id=order.pk)
    assert (record.volunteer, str(record.hours), record.status) == (town.member_a, "1.50", RecordStatus.PENDING)
    assert received[0]["order"] == order and received[0]["records"] == [record]
    assert received[0]["actor"] == town.leader_a_user
    assert "order_completed" in kinds_for(town.resident_a)


def test_staff_completing_verify_the_hours_at_once(town, make_order):
    order = services.order_complete(order=make_order("accepted"), summary="已完成", hours=2, actor=town.staff_a)
    assert ServiceRecord.objects.get(source_id=order.pk).status == RecordStatus.VERIFIED


@pytest.mark.parametrize("hours", ["0", "-1", "25", "abc", "NaN", None])
def test_completing_refuses_bad_hours(town, make_order, hours):
    order = make_order("accepted")
    with pytest.raises(ValidationError):
        services.order_complete(order=order, summary="好", hours=hours, actor=town.leader_a_user)
    assert Order.objects.get(pk=order.pk).status == "accepted"


def test_a_resident_cannot_complete(town, make_order):
    with pytest.raises(NotAllowed):
        services.order_complete(order=make_order("accepted"), summary="好", hours=1, actor=town.resident_a)


@pytest.mark.parametrize("state", wrong_states(services.TRANSITIONS, "complete"))
def test_complete_from_a_wrong_state_is_an_invalid_transition(town, make_order, state):
    with pytest.raises(InvalidTransition):
        services.order_complete(order=make_order(state), summary="好", hours=1, actor=town.staff_a)


# ---- rate ---------------------------------------------------------------------------------------


def test_the_resident_rates_and_order_rated_is_sent(town, make_order):
    received = []
    signals.order_rated.connect(lambda sender, **kw: received.append(kw), weak=False, dispatch_uid="t-rated")
    try:
        order = services.order_rate(order=make_order("completed"), stars=4, comment="不错", actor=town.resident_a)
    finally:
        signals.order_rated.disconnect(dispatch_uid="t-rated")
    assert (order.status, order.stars, order.comment) == ("rated", 4, "不错")
    assert received[0]["order"].stars == 4


def test_the_grid_worker_who_placed_it_may_rate(town, menu):
    order = services.order_create(resident=town.resident_a, actor=town.grid_worker_a, menu_item=menu["a"])
    order = services.order_dispatch(order=order, team=town.team_a, actor=town.staff_a)
    order = services.order_accept(order=order, volunteer_ids=[town.member_a.pk], actor=town.leader_a_user)
    order = services.order_complete(order=order, summary="好", hours=1, actor=town.leader_a_user)
    assert services.order_rate(order=order, stars=5, actor=town.grid_worker_a).status == "rated"


@pytest.mark.parametrize("stars", [0, 6, "x", None])
def test_rating_needs_one_to_five_stars(town, make_order, stars):
    with pytest.raises(ValidationError):
        services.order_rate(order=make_order("completed"), stars=stars, actor=town.resident_a)


def test_staff_cannot_rate_for_the_resident(town, make_order):
    with pytest.raises(NotAllowed):
        services.order_rate(order=make_order("completed"), stars=5, actor=town.staff_a)


def test_rating_after_the_window_is_refused(town, make_order):
    with time_machine.travel(datetime.datetime(2026, 5, 1, 10, tzinfo=datetime.UTC), tick=False):
        order = make_order("completed")
    late = time_machine.travel(datetime.datetime(2026, 5, 16, 10, tzinfo=datetime.UTC), tick=False)
    with late, pytest.raises(RatingWindowClosed):
        services.order_rate(order=order, stars=5, actor=town.resident_a)
    with time_machine.travel(datetime.datetime(2026, 5, 14, 10, tzinfo=datetime.UTC), tick=False):
        assert services.order_rate(order=order, stars=5, actor=town.resident_a).status == "rated"


@pytest.mark.parametrize("state", wrong_states(services.TRANSITIONS, "rate"))
def test_rate_from_a_wrong_state_is_an_invalid_transition(town, make_order, state):
    with pytest.raises(InvalidTransition):
        services.order_rate(order=make_order(state), stars=5, actor=town.resident_a)


# ---- cancel / reject --------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["submitted", "dispatched"])
def test_the_resident_cancels_an_order_not_yet_accepted(town, make_order, state):
    order = services.order_cancel(order=make_order(state), actor=town.resident_a, reason="改期")
    assert (order.status, order.reason) == ("cancelled", "改期")


def test_staff_may_cancel_and_staff_of_another_station_may_not(town, make_order):
    with pytest.raises(NotAllowed):
        services.order_cancel(order=make_order(), actor=town.staff_b)
    assert services.order_cancel(order=make_order(), actor=town.staff_a).status == "cancelled"


@pytest.mark.parametrize("state", wrong_states(services.TRANSITIONS, "cancel"))
def test_cancel_from_a_wrong_state_is_an_invalid_transition(town, make_order, state):
    with pytest.raises(InvalidTransition):
        services.order_cancel(order=make_order(state), actor=town.resident_a)


def test_staff_reject_with_a_reason_the_resident_is_shown(town, make_order):
    order = services.order_reject(order=make_order(), actor=town.staff_a, reason="不在服务范围")
    assert (order.status, order.reason) == ("rejected", "不在服务范围")
    assert "order_rejected" in kinds_for(town.resident_a)


def test_rejecting_needs_a_reason_and_staff(town, make_order):
    with pytest.raises(ValidationError):
        services.order_reject(order=make_order(), actor=town.staff_a, reason="")
    with pytest.raises(NotAllowed):
        services.order_reject(order=make_order(), actor=town.resident_a, reason="x")
    with pytest.raises(NotAllowed):
        services.order_reject(order=make_order(), actor=town.staff_b, reason="x")


@pytest.mark.parametrize("state", wrong_states(services.TRANSITIONS, "reject"))
def test_reject_from_a_wrong_state_is_an_invalid_transition(town, make_order, state):
    with pytest.raises(InvalidTransition):
        services.order_reject(order=make_order(state), actor=town.staff_a, reason="x")


# ---- wishes -------------------------------------------------------------------------------------


def test_a_leader_of_the_subtree_claims_a_public_wish(town):
    wish = services.wish_create(resident=town.resident_a, actor=town.resident_a, title="想学智能手机")
    order = services.wish_claim(order=wish, team=town.team_a, actor=town.leader_a_user)
    assert (order.status, order.team) == ("accepted", town.team_a)
    assert list(order.volunteers.all()) == [town.leader_a]
    assert "wish_claimed" in kinds_for(town.resident_a)


def test_a_leader_of_another_station_cannot_claim(town):
    wish = services.wish_create(resident=town.resident_a, actor=town.resident_a, title="想学智能手机")
    with pytest.raises(NotAllowed):
        services.wish_claim(order=wish, team=town.team_b, actor=town.leader_b_user)


def test_a_leader_cannot_claim_for_a_team_they_do_not_lead(town):
    wish = services.wish_create(resident=town.resident_a, actor=town.resident_a, title="想学智能手机")
    with pytest.raises(NotAllowed):
        services.wish_claim(order=wish, team=town.team_a, actor=town.leader_b_user)


def test_a_private_wish_or_a_menu_order_cannot_be_claimed(town, make_order):
    wish = services.wish_create(resident=town.resident_a, actor=town.resident_a, title="私", is_public=False)
    with pytest.raises(InvalidTransition):
        services.wish_claim(order=wish, team=town.team_a, actor=town.leader_a_user)
    with pytest.raises(InvalidTransition):
        services.wish_claim(order=make_order(), team=town.team_a, actor=town.leader_a_user)


def test_a_claimed_wish_cannot_be_claimed_again(town):
    wish = services.wish_create(resident=town.resident_a, actor=town.resident_a, title="想学智能手机")
    services.wish_claim(order=wish, team=town.team_a, actor=town.leader_a_user)
    with pytest.raises(InvalidTransition):
        services.wish_claim(order=wish, team=town.team_a, actor=town.leader_a_user)


# ---- the one transition map ---------------------------------------------------------------------


def test_make_order_reaches_every_status_of_the_map(town, make_order):
    """The wrong-state cases above are derived from the map; each needs an order in that status."""
    assert [make_order(state).status for state in ALL_STATES] == ALL_STATES


def test_every_event_row_matches_the_transition_map(town, make_order):
    for state in ALL_STATES:
        make_order(state)
    for event in OrderEvent.objects.exclude(action="order"):
        assert services.TRANSITIONS[event.from_status][event.action] == event.to_status


def test_a_failed_transition_leaves_no_event_and_no_notification(town, make_order):
    order = make_order()
    before = (OrderEvent.objects.count(), Notification.objects.count())
    with pytest.raises(ValidationError):
        services.order_dispatch(order=order, team=town.team_b, actor=town.staff_a)
    assert (OrderEvent.objects.count(), Notification.objects.count()) == before


# ---- team suggestions -----------------------------------------------------------------------------


def test_suggestions_rank_skill_then_load_with_reasons(town, make_order, django_assert_num_queries):
    other = TeamFactory(site=town.station_a, name="幸福村第二队", leader=town.member_a)
    MembershipFactory(team=other, volunteer=town.member_a)
    order = Order.objects.select_related("site", "category", "menu_item").get(pk=make_order().pk)
    with django_assert_num_queries(2):
        ranked = suggested_teams(order)
    assert [s.team for s in ranked] == [town.team_a, other]
    top = ranked[0]
    assert top.skill_members == 1 and top.skills == ["法律"] and top.distance == "station"


def test_suggestions_are_two_queries_however_many_teams(town, make_order, django_assert_num_queries):
    for n in range(15):
        volunteer = VolunteerFactory(site=town.station_a, skills=["法律"])
        team = TeamFactory(site=town.institute, name=f"所第{n}队", leader=volunteer)
        MembershipFactory(team=team, volunteer=volunteer)
    order = Order.objects.select_related("site", "category", "menu_item").get(pk=make_order().pk)
    with django_assert_num_queries(2):
        ranked = suggested_teams(order, limit=50)
    assert len(ranked) == 16
    institute_team = next(s for s in ranked if s.team.site_id == town.institute.pk)
    assert institute_team.distance == "institute"
    with translation.override("en"):
        assert "same institute" in institute_team.reason_text
    with translation.override("zh-hans"):
        assert "同一实践所" in institute_team.reason_text


def test_open_load_lowers_a_team(town, make_order):
    make_order("dispatched")
    make_order("accepted")
    order = Order.objects.select_related("site", "category", "menu_item").get(pk=make_order().pk)
    top = suggested_teams(order)[0]
    with translation.override("en"):
        assert top.open_orders == 2 and "2 open orders" in top.reason_text


# ---- menu -----------------------------------------------------------------------------------------


def test_staff_create_menu_items_only_in_their_subtree(town, law):
    item = services.menu_item_create(site=town.station_a, category=law, title="普法", actor=town.staff_a)
    assert item.is_active
    with pytest.raises(NotAllowed):
        services.menu_item_create(site=town.station_b, category=law, title="普法", actor=town.staff_a)
    with pytest.raises(NotAllowed):
        services.menu_item_update(item=item, category=law, title="改", actor=town.staff_b)


def test_a_resident_sees_the_station_and_the_sites_above(town, menu):
    visible = set(MenuItem.objects.visible_to(town.resident_a))
    assert visible == {menu["a"], menu["center"]}


# ---- concurrency (PostgreSQL) ---------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_five_staff_dispatching_at_once_make_exactly_one_dispatch(town, make_order):
    from tests.factories import RoleFactory, UserFactory

    staff = [town.staff_a, town.institute_staff, town.admin]
    for n in range(2):
        person = UserFactory(username=f"extra_staff_{n}")
        RoleFactory(user=person, role="station_staff", site=town.station_a)
        staff.append(person)
    order = make_order()
    barrier = threading.Barrier(len(staff))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(person):
        try:
            barrier.wait()
            services.order_dispatch(order=order, team=town.team_a, actor=person)
            result = "won"
        except InvalidTransition:
            result = "refused"
        except Exception as exc:  # pragma: no cover - reported in the assertion
            result = repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(person,)) for person in staff]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["refused"] * 4 + ["won"]
    assert OrderEvent.objects.filter(order=order, action="dispatch").count() == 1


def test_cancelling_a_dispatched_order_tells_the_team_leader(town, make_order):
    services.order_cancel(order=make_order("dispatched"), actor=town.resident_a, reason="家人来帮忙了")
    assert "order_cancelled" in kinds_for(town.leader_a_user)


def test_cancelling_a_submitted_order_tells_no_leader(town, make_order):
    services.order_cancel(order=make_order(), actor=town.resident_a)
    assert "order_cancelled" not in kinds_for(town.leader_a_user)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_orders_placed_at_once_never_pass_the_open_order_limit(town, menu, settings):
    settings.PORTAL = {**settings.PORTAL, "MAX_OPEN_ORDERS_PER_RESIDENT": 2}
    services.order_create(resident=town.resident_a, actor=town.resident_a, menu_item=menu["a"])
    barrier = threading.Barrier(4)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt():
        try:
            barrier.wait()
            services.order_create(resident=town.resident_a, actor=town.resident_a, menu_item=menu["center"])
            result = "placed"
        except TooManyOpenOrders:
            result = "refused"
        except Exception as exc:  # pragma: no cover - reported in the assertion
            result = repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["placed"] + ["refused"] * 3
    assert Order.objects.filter(resident=town.resident_a, status="submitted").count() == 2
