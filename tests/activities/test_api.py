"""/api/v1/menu-items/, /orders/ and /wishes/: the contract of API.md for each role."""

from __future__ import annotations

import pytest

from activities import services
from activities.models import Order, OrderEvent
from tests.factories import HouseholdFactory, UserFactory
from tests.workflow import wrong_states

ORDERS = "/api/v1/orders/"


def url(order, action=""):
    return f"{ORDERS}{order.pk}/{action + '/' if action else ''}"


# ---- menu ---------------------------------------------------------------------------------------


def test_a_resident_lists_the_menu_of_the_station_and_above(town, menu, api):
    response = api(town.resident_a).get("/api/v1/menu-items/")
    assert response.status_code == 200
    assert {item["title"] for item in response.json()["results"]} == {"法律咨询上门", "义诊"}


def test_the_menu_filters_by_category_and_search(town, menu, api):
    client = api(town.resident_a)
    assert [i["title"] for i in client.get("/api/v1/menu-items/?category=health").json()["results"]] == ["义诊"]
    assert [i["title"] for i in client.get("/api/v1/menu-items/?q=遗产").json()["results"]] == ["法律咨询上门"]
    assert client.get("/api/v1/menu-items/?site=abc&category=%00").status_code == 400  # a NUL byte
    odd = "/api/v1/menu-items/?site=%C2%B2&q=%00x&category=99999999999999999999999"
    assert client.get(odd).status_code == 400
    assert client.get("/api/v1/menu-items/?site=%C2%B2&category=99999999999999999999999").status_code == 200


def test_another_stations_menu_item_is_not_found(town, menu, api):
    assert api(town.resident_a).get(f"/api/v1/menu-items/{menu['b'].pk}/").status_code == 404


def test_the_menu_needs_a_login(town, menu, api):
    assert api().get("/api/v1/menu-items/").status_code == 401


# ---- create -------------------------------------------------------------------------------------


def test_a_resident_orders_from_the_menu(town, menu, api):
    response = api(town.resident_a).post(ORDERS, {"menu_item": menu["a"].pk, "description": "遗嘱"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["kind"], body["site"]) == ("submitted", "menu", town.station_a.pk)
    assert body["events"][0]["action"] == "order"


def test_a_resident_posts_a_wish(town, api):
    response = api(town.resident_a).post(ORDERS, {"kind": "wish", "title": "想要一副老花镜"}, format="json")
    assert response.status_code == 201 and response.json()["kind"] == "wish" and response.json()["is_public"]


def test_a_grid_worker_orders_on_behalf(town, menu, api):
    response = api(town.grid_worker_a).post(
        ORDERS, {"menu_item": menu["a"].pk, "resident": town.resident_a.pk}, format="json"
    )
    assert response.status_code == 201
    assert (response.json()["resident"], response.json()["placed_by"]) == (town.resident_a.pk, town.grid_worker_a.pk)


def test_a_grid_worker_cannot_order_for_a_resident_of_another_station(town, menu, api):
    response = api(town.grid_worker_a).post(
        ORDERS, {"menu_item": menu["center"].pk, "resident": town.resident_b.pk}, format="json"
    )
    assert response.status_code == 403


def test_ordering_another_stations_item_is_a_conflict_with_a_code(town, menu, api):
    response = api(town.resident_a).post(ORDERS, {"menu_item": menu["b"].pk}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "menu_item_not_offered"


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"menu_item": 999999},
        {"menu_item": "abc"},
        {"kind": "wish"},
        {"kind": "party"},
        {"menu_item": None},
        {"menu_item": [1]},
        {"kind": "wish", "title": "x" * 500},
        {"resident": 999999, "kind": "wish", "title": "x"},
        {"menu_item": 10**20},
        {"kind": "wish", "title": "nul\x00byte"},
    ],
    ids=[
        "empty",
        "unknown-menu-item",
        "menu-item-letters",
        "wish-without-title",
        "unknown-kind",
        "menu-item-null",
        "menu-item-list",
        "500-char-title",
        "unknown-resident",
        "menu-item-10**20",
        "nul-in-title",
    ],
)
def test_bad_order_input_is_a_400_with_field_messages(town, menu, api, payload):
    response = api(town.resident_a).post(ORDERS, payload, format="json")
    assert response.status_code == 400
    assert isinstance(response.json(), dict) and response.json()


def test_a_preferred_time_in_the_past_is_bad_input(town, menu, api):
    response = api(town.resident_a).post(
        ORDERS, {"menu_item": menu["a"].pk, "preferred_time": "2000-01-01T10:00:00+08:00"}, format="json"
    )
    assert response.status_code == 400 and "preferred_time" in response.json()


def test_someone_without_a_household_cannot_order(town, menu, api):
    response = api(town.staff_a).post(ORDERS, {"menu_item": menu["a"].pk}, format="json")
    assert response.status_code == 400


def test_anonymous_cannot_order(town, menu, api):
    assert api().post(ORDERS, {"menu_item": menu["a"].pk}, format="json").status_code == 401


# ---- list and detail ----------------------------------------------------------------------------


def test_lists_are_scoped_to_the_caller(town, make_order, api):
    order = make_order()
    assert [o["id"] for o in api(town.resident_a).get(ORDERS).json()["results"]] == [order.pk]
    assert [o["id"] for o in api(town.staff_a).get(ORDERS).json()["results"]] == [order.pk]
    assert [o["id"] for o in api(town.institute_staff).get(ORDERS).json()["results"]] == [order.pk]
    assert api(town.staff_b).get(ORDERS).json()["results"] == []
    assert api(town.resident_b).get(ORDERS).json()["results"] == []
    assert api(town.resident_a2).get(ORDERS).json()["results"] == []


def test_the_list_filters_by_status_site_and_mine(town, make_order, api):
    submitted = make_order()
    make_order("dispatched")
    client = api(town.staff_a)
    assert [o["id"] for o in client.get(f"{ORDERS}?status=submitted").json()["results"]] == [submitted.pk]
    assert len(client.get(f"{ORDERS}?site={town.institute.pk}").json()["results"]) == 2
    assert client.get(f"{ORDERS}?site={town.station_b.pk}").json()["results"] == []
    assert client.get(f"{ORDERS}?mine=1").json()["results"] == []
    assert len(api(town.resident_a).get(f"{ORDERS}?mine=1").json()["results"]) == 2
    assert client.get(f"{ORDERS}?status=nonsense").status_code == 400
    assert client.get(f"{ORDERS}?site=x").status_code == 400
    assert client.get(f"{ORDERS}?site=%C2%B2").status_code == 400
    assert client.get(f"{ORDERS}?site=999999").json()["results"] == []


def test_the_detail_carries_the_events(town, make_order, api):
    order = make_order("accepted")
    body = api(town.resident_a).get(url(order)).json()
    assert [e["action"] for e in body["events"]] == ["order", "dispatch", "accept"]
    assert set(body["events"][1]) >= {"action", "from_status", "to_status", "actor", "note", "at"}


def test_an_order_of_another_station_is_not_found(town, make_order, api):
    order = make_order()
    assert api(town.staff_b).get(url(order)).status_code == 404
    assert api(town.resident_b).post(url(order, "cancel"), {}, format="json").status_code == 404


def test_a_missing_order_is_not_found(town, api):
    assert api(town.staff_a).get(f"{ORDERS}999999/").status_code == 404
    assert api(town.staff_a).post(f"{ORDERS}999999/dispatch/", {"team": 1}, format="json").status_code == 404


def test_the_list_is_anonymous_proof(town, api):
    assert api().get(ORDERS).status_code == 401


# ---- the workflow through the API ---------------------------------------------------------------


def test_the_whole_journey_answers_the_whole_order_at_each_step(town, make_order, api):
    order = make_order()
    response = api(town.staff_a).post(url(order, "dispatch"), {"team": town.team_a.pk, "note": "急"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "dispatched"
    response = api(town.leader_a_user).post(url(order, "accept"), {"volunteers": [town.member_a.pk]}, format="json")
    assert response.status_code == 200 and response.json()["volunteers"] == [town.member_a.pk]
    response = api(town.leader_a_user).post(url(order, "complete"), {"summary": "完成", "hours": 2}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "completed"
    response = api(town.resident_a).post(url(order, "rate"), {"stars": 5, "comment": "好"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "rated"
    assert [e["action"] for e in response.json()["events"]] == ["order", "dispatch", "accept", "complete", "rate"]


def test_a_second_dispatch_is_a_409_invalid_transition(town, make_order, api):
    order = make_order("dispatched")
    response = api(town.staff_a).post(url(order, "dispatch"), {"team": town.team_a.pk}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"


def test_staff_of_another_station_cannot_act_on_the_order(town, make_order, api):
    order = make_order()
    assert api(town.staff_b).post(url(order, "dispatch"), {"team": town.team_b.pk}, format="json").status_code == 404


def test_a_resident_dispatching_is_forbidden(town, make_order, api):
    order = make_order()
    response = api(town.resident_a).post(url(order, "dispatch"), {"team": town.team_a.pk}, format="json")
    assert response.status_code == 403


def test_a_team_member_may_see_but_not_accept(town, make_order, api):
    order = make_order("dispatched")
    response = api(town.member_a.user).post(url(order, "accept"), {"volunteers": [town.member_a.pk]}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("action", "payload", "who", "state"),
    [
        ("dispatch", {}, "staff_a", "submitted"),
        ("dispatch", {"team": "x"}, "staff_a", "submitted"),
        ("dispatch", {"team": 999999}, "staff_a", "submitted"),
        ("accept", {"volunteers": []}, "leader_a_user", "dispatched"),
        ("accept", {"volunteers": [999999]}, "leader_a_user", "dispatched"),
        ("accept", {"volunteers": "1"}, "leader_a_user", "dispatched"),
        ("decline", {"reason": ""}, "leader_a_user", "dispatched"),
        ("complete", {"summary": "ok", "hours": 0}, "leader_a_user", "accepted"),
        ("complete", {"summary": "ok", "hours": 25}, "leader_a_user", "accepted"),
        ("complete", {"summary": "ok", "hours": "NaN"}, "leader_a_user", "accepted"),
        ("complete", {"hours": 1}, "leader_a_user", "accepted"),
        ("rate", {"stars": 6}, "resident_a", "completed"),
        ("rate", {"stars": "five"}, "resident_a", "completed"),
        ("reject", {}, "staff_a", "submitted"),
    ],
    ids=[
        "dispatch-no-team",
        "dispatch-team-letters",
        "dispatch-unknown-team",
        "accept-no-volunteers",
        "accept-unknown-volunteer",
        "accept-volunteers-a-string",
        "decline-empty-reason",
        "complete-0-hours",
        "complete-25-hours",
        "complete-NaN-hours",
        "complete-no-summary",
        "rate-6-stars",
        "rate-stars-a-word",
        "reject-no-reason",
    ],
)
def test_bad_action_input_is_a_400(town, make_order, api, action, payload, who, state):
    order = make_order(state)
    response = api(getattr(town, who)).post(url(order, action), payload, format="json")
    assert response.status_code == 400, response.content
    assert Order.objects.get(pk=order.pk).status == state


def test_dispatch_to_a_team_of_another_station_is_a_400(town, make_order, api):
    response = api(town.staff_a).post(url(make_order(), "dispatch"), {"team": town.team_b.pk}, format="json")
    assert response.status_code == 400 and "team" in response.json()


# Who takes each action, with a valid payload: only the order's status is wrong in the cases below.
ACTION_BY = {
    "dispatch": ("staff_a", lambda town: {"team": town.team_a.pk}),
    "accept": ("leader_a_user", lambda town: {"volunteers": [town.member_a.pk]}),
    "decline": ("leader_a_user", lambda town: {"reason": "x"}),
    "complete": ("leader_a_user", lambda town: {"summary": "x", "hours": 1}),
    "rate": ("resident_a", lambda town: {"stars": 5}),
    "cancel": ("resident_a", lambda town: {}),
    "reject": ("staff_a", lambda town: {"reason": "x"}),
}


# make_order cancels and rejects before any dispatch, so in these states no team holds the order
# and a leader does not see it at all (404, below).
NEVER_DISPATCHED = {"submitted", "cancelled", "rejected"}
WRONG_MOVES = [(action, state) for action in ACTION_BY for state in wrong_states(services.TRANSITIONS, action)]


def _seen_by(action, state):
    return not (ACTION_BY[action][0] == "leader_a_user" and state in NEVER_DISPATCHED)


@pytest.mark.parametrize(("action", "state"), [move for move in WRONG_MOVES if _seen_by(*move)])
def test_each_action_from_a_wrong_state_is_a_409(town, make_order, api, action, state):
    order = make_order(state)
    who, payload = ACTION_BY[action]
    response = api(getattr(town, who)).post(url(order, action), payload(town), format="json")
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"
    assert Order.objects.get(pk=order.pk).status == state


@pytest.mark.parametrize(("action", "state"), [move for move in WRONG_MOVES if not _seen_by(*move)])
def test_a_leader_acting_on_an_order_never_dispatched_to_the_team_gets_404(town, make_order, api, action, state):
    order = make_order(state)
    who, payload = ACTION_BY[action]
    response = api(getattr(town, who)).post(url(order, action), payload(town), format="json")
    assert response.status_code == 404
    assert Order.objects.get(pk=order.pk).status == state


@pytest.mark.parametrize(
    ("action", "payload", "who", "state"),
    [
        ("decline", {"reason": "x"}, "staff_a", "dispatched"),
        ("complete", {"summary": "x", "hours": 1}, "resident_a", "accepted"),
        ("rate", {"stars": 5}, "staff_a", "completed"),
        ("reject", {"reason": "x"}, "resident_a", "submitted"),
        ("cancel", {}, "leader_a_user", "dispatched"),
    ],
    ids=[
        "decline-by-staff",
        "complete-by-the-resident",
        "rate-by-staff",
        "reject-by-the-resident",
        "cancel-by-the-leader",
    ],
)
def test_each_action_by_the_wrong_person_is_a_403(town, make_order, api, action, payload, who, state):
    order = make_order(state)
    response = api(getattr(town, who)).post(url(order, action), payload, format="json")
    assert response.status_code == 403
    assert OrderEvent.objects.filter(order=order).count() == Order.objects.get(pk=order.pk).events.count()
    assert Order.objects.get(pk=order.pk).status == state


def test_the_resident_cancels_and_staff_reject_through_the_api(town, make_order, api):
    response = api(town.resident_a).post(url(make_order(), "cancel"), {"reason": "改期"}, format="json")
    assert response.json()["status"] == "cancelled" and response.json()["reason"] == "改期"
    response = api(town.staff_a).post(url(make_order(), "reject"), {"reason": "超范围"}, format="json")
    assert response.json()["status"] == "rejected"


def test_the_leader_declines_through_the_api(town, make_order, api):
    response = api(town.leader_a_user).post(url(make_order("dispatched"), "decline"), {"reason": "没空"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "submitted"


# ---- suggestions --------------------------------------------------------------------------------


def test_staff_see_suggested_teams_with_reasons(town, make_order, api):
    response = api(town.staff_a).get(url(make_order(), "suggested-teams"))
    assert response.status_code == 200
    first = response.json()[0]
    assert first["team"] == town.team_a.pk and first["score"] > 0 and first["reasons"]


def test_a_resident_may_not_see_the_suggestions(town, make_order, api):
    assert api(town.resident_a).get(url(make_order(), "suggested-teams")).status_code == 403
    assert api(town.staff_b).get(url(make_order(), "suggested-teams")).status_code == 404


# ---- wishes -------------------------------------------------------------------------------------


def test_the_wish_wall_masks_names_and_a_leader_claims(town, api):
    wish = services.wish_create(resident=town.resident_a, actor=town.resident_a, title="想学智能手机")
    wall = api(town.leader_a_user).get("/api/v1/wishes/").json()["results"]
    assert [(w["id"], w["resident_name"]) for w in wall] == [(wish.pk, "张*国")]
    response = api(town.leader_a_user).post(f"/api/v1/wishes/{wish.pk}/claim/", {"team": town.team_a.pk}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    again = api(town.leader_a_user).post(f"/api/v1/wishes/{wish.pk}/claim/", {"team": town.team_a.pk}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_another_stations_residents_do_not_see_the_wish(town, api):
    services.wish_create(resident=town.resident_a, actor=town.resident_a, title="想学智能手机")
    assert api(town.resident_b).get("/api/v1/wishes/").json()["results"] == []


def test_claiming_needs_a_team_and_the_right_leader(town, api):
    wish = services.wish_create(resident=town.resident_a, actor=town.resident_a, title="想学智能手机")
    claim = f"/api/v1/wishes/{wish.pk}/claim/"
    assert api(town.leader_a_user).post(claim, {}, format="json").status_code == 400
    assert api(town.resident_a).post(claim, {"team": town.team_a.pk}, format="json").status_code == 403
    assert api(town.leader_a_user).post("/api/v1/wishes/999999/claim/", {"team": 1}, format="json").status_code == 404
    assert api().post(claim, {"team": town.team_a.pk}, format="json").status_code == 401


# ---- query counts -------------------------------------------------------------------------------


def _many_orders(town, menu, n):
    for i in range(n):
        household = HouseholdFactory(grid=town.grid_a)
        resident = UserFactory(username=f"r{i}_{n}", household=household)
        services.order_create(resident=resident, actor=resident, menu_item=menu["a"])


@pytest.mark.parametrize("n", [3, 30])
def test_the_order_list_takes_the_same_queries_at_two_sizes(town, menu, api, django_assert_num_queries, n):
    _many_orders(town, menu, n)
    client = api(town.staff_a)
    # the caller's scope, count, page, volunteers prefetch: the same at both sizes
    with django_assert_num_queries(5):
        response = client.get(f"{ORDERS}?page_size=100")
    assert response.json()["count"] == n


@pytest.mark.parametrize("n", [3, 30])
def test_the_menu_list_takes_the_same_queries_at_two_sizes(town, menu, law, api, django_assert_num_queries, n):
    from activities.models import MenuItem

    for i in range(n):
        MenuItem.objects.create(site=town.station_a, category=law, title=f"服务{i}")
    client = api(town.resident_a)
    # the caller's scope and home station, count, page: the same at both sizes
    with django_assert_num_queries(3):
        response = client.get("/api/v1/menu-items/?page_size=100")
    assert response.json()["count"] == n + 2
