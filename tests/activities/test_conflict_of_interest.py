"""No one serves and rewards themselves (issue 10 point 2; DESIGN.md, "Civility points"): the
household that placed an order or posted a wish cannot accept, serve, complete or claim it (409
`conflict_of_interest`), and its five stars earn no bonus for itself."""

from __future__ import annotations

import pytest
from django.urls import reverse

from activities import permissions, services
from activities.exceptions import ConflictOfInterest
from activities.models import Order
from activities.selectors import suggested_teams
from points.models import Entry
from points.selectors import balance_of
from tests.factories import UserFactory

CONFLICT = "conflict_of_interest"


def five_star_entries(household):
    return Entry.objects.filter(account__household=household, rule__code="five_star_bonus").count()


def dispatched_for(town, menu, resident):
    order = services.order_create(resident=resident, actor=resident, menu_item=menu["a"], description="帮忙写遗嘱")
    return services.order_dispatch(order=order, team=town.team_a, actor=town.staff_a)


# ---- services ------------------------------------------------------------------------------------


def test_a_leader_cannot_claim_their_own_wish_with_their_own_team(town):
    wish = services.wish_create(resident=town.leader_a_user, actor=town.leader_a_user, title="想学智能手机")
    assert not permissions.may_claim_wish(town.leader_a_user, wish)
    assert permissions.actions_for(town.leader_a_user, wish) == {"cancel"}
    with pytest.raises(ConflictOfInterest) as error:
        services.wish_claim(order=wish, team=town.team_a, actor=town.leader_a_user)
    assert error.value.code == CONFLICT
    wish.refresh_from_db()
    assert wish.status == "submitted" and wish.team_id is None and not wish.volunteers.exists()
    assert not Entry.objects.exists()


def test_a_leader_cannot_claim_a_wish_of_another_member_of_their_household(town):
    wife = UserFactory(name="王大嫂", household=town.household_a3)
    wish = services.wish_create(resident=wife, actor=wife, title="修水管")
    with pytest.raises(ConflictOfInterest):
        services.wish_claim(order=wish, team=town.team_a, actor=town.leader_a_user)


def test_a_leader_cannot_accept_an_order_of_their_own_household(town, menu):
    wife = UserFactory(name="王大嫂", household=town.household_a3)
    order = dispatched_for(town, menu, wife)
    assert "accept" not in permissions.actions_for(town.leader_a_user, order)
    assert "decline" in permissions.actions_for(town.leader_a_user, order)  # handing it back stays open
    with pytest.raises(ConflictOfInterest):
        services.order_accept(order=order, volunteer_ids=[town.member_a.pk], actor=town.leader_a_user)
    assert Order.objects.get(pk=order.pk).status == "dispatched"


def test_the_leader_cannot_name_a_volunteer_of_the_ordering_household(town, menu):
    order = dispatched_for(town, menu, town.resident_a2)  # member_a lives in household_a2 too
    with pytest.raises(ConflictOfInterest) as error:
        services.order_accept(order=order, volunteer_ids=[town.member_a.pk, town.leader_a.pk], actor=town.leader_a_user)
    assert error.value.code == CONFLICT and error.value.message != ConflictOfInterest.default_message  # names who
    order.refresh_from_db()
    assert order.status == "dispatched" and not order.volunteers.exists()
    order = services.order_accept(order=order, volunteer_ids=[town.leader_a.pk], actor=town.leader_a_user)
    assert order.status == "accepted"


def test_staff_of_the_ordering_household_cannot_complete_it_and_others_can(town, make_order):
    town.staff_a.household = town.household_a
    town.staff_a.save(update_fields=["household"])
    order = make_order("accepted")
    assert "complete" not in permissions.actions_for(town.staff_a, order)
    with pytest.raises(ConflictOfInterest):
        services.order_complete(order=order, summary="已上门", hours="2", actor=town.staff_a)
    order.refresh_from_db()
    assert order.status == "accepted" and not order.summary
    assert "complete" in permissions.actions_for(town.leader_a_user, order)
    assert services.order_complete(order=order, summary="已上门", hours="2", actor=town.leader_a_user).status == (
        "completed"
    )


def test_five_stars_never_earn_the_bonus_for_the_household_that_ordered(town, menu):
    order = dispatched_for(town, menu, town.resident_a)
    order = services.order_accept(
        order=order, volunteer_ids=[town.leader_a.pk, town.member_a.pk], actor=town.leader_a_user
    )
    # member_a joins the resident's household after the order was accepted
    town.member_a.user.household = town.household_a
    town.member_a.user.save(update_fields=["household"])
    order = services.order_complete(order=order, summary="已上门", hours="1", actor=town.leader_a_user)
    services.order_rate(order=order, stars=5, actor=town.resident_a)
    assert five_star_entries(town.household_a) == 0
    assert five_star_entries(town.household_a3) == 1


def test_suggested_teams_leave_out_a_team_led_from_the_ordering_household(town, menu):
    wife = UserFactory(name="王大嫂", household=town.household_a3)
    order = services.order_create(resident=wife, actor=wife, menu_item=menu["a"], description="帮忙写遗嘱")
    assert town.team_a not in [s.team for s in suggested_teams(order)]
    other = services.order_create(
        resident=town.resident_a, actor=town.resident_a, menu_item=menu["a"], description="帮忙写遗嘱"
    )
    assert [s.team for s in suggested_teams(other)][0] == town.team_a


# ---- API -----------------------------------------------------------------------------------------


def test_the_api_answers_409_conflict_of_interest_for_an_own_wish_and_a_volunteer_of_the_household(town, menu, api):
    wish = services.wish_create(resident=town.leader_a_user, actor=town.leader_a_user, title="想学智能手机")
    response = api(town.leader_a_user).post(f"/api/v1/wishes/{wish.pk}/claim/", {"team": town.team_a.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == CONFLICT and response.json()["detail"]
    assert Order.objects.get(pk=wish.pk).status == "submitted"

    order = dispatched_for(town, menu, town.resident_a2)
    response = api(town.leader_a_user).post(
        f"/api/v1/orders/{order.pk}/accept/", {"volunteers": [town.member_a.pk]}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == CONFLICT
    assert Order.objects.get(pk=order.pk).status == "dispatched"
    assert balance_of(town.household_a2) == 0


# ---- pages ---------------------------------------------------------------------------------------


def test_the_page_shows_the_conflict_and_changes_nothing(town, client):
    wish = services.wish_create(resident=town.leader_a_user, actor=town.leader_a_user, title="想学智能手机")
    client.force_login(town.leader_a_user)
    response = client.post(
        reverse("activities:wish_claim", args=[wish.pk]) + "?lang=en", {"team": town.team_a.pk}, follow=True
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert any("Your household placed this order" in m for m in shown), shown
    assert Order.objects.get(pk=wish.pk).status == "submitted"


def test_the_staff_page_shows_the_conflict_on_completing(town, make_order, client):
    town.staff_a.household = town.household_a
    town.staff_a.save(update_fields=["household"])
    order = make_order("accepted")
    client.force_login(town.staff_a)
    page = client.get(reverse("activities:order_detail", args=[order.pk])).content.decode()
    assert 'name="hours"' not in page  # no complete form offered
    response = client.post(
        reverse("activities:order_action", args=[order.pk, "complete"]),
        {"summary": "已上门", "hours": "2"},
        follow=True,
    )
    assert any(m.level_tag == "error" for m in response.context["messages"])
    assert Order.objects.get(pk=order.pk).status == "accepted"
