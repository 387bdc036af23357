"""Pages of the menu and orders for each role: what they show, what the buttons do."""

from __future__ import annotations

import pytest
from django.urls import reverse

from activities import services
from activities.models import MenuItem, Order
from tests.factories import HouseholdFactory, UserFactory
from tests.i18n import zh


def detail(order):
    return reverse("activities:order_detail", args=[order.pk])


def act(order, action):
    return reverse("activities:order_action", args=[order.pk, action])


def test_the_menu_shows_categories_and_the_station_items(town, menu, login):
    response = login(town.resident_a).get(reverse("activities:menu"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "法律咨询上门" in content and "义诊" in content and "和平村法律讲座" not in content
    assert "法律服务" in content  # a category button


def test_the_menu_filters_by_category_and_search(town, menu, login):
    client = login(town.resident_a)
    content = client.get(reverse("activities:menu") + "?category=health").content.decode()
    assert "义诊" in content and "法律咨询上门" not in content
    content = client.get(reverse("activities:menu") + "?q=遗产").content.decode()
    assert "法律咨询上门" in content and "义诊" not in content


def test_anonymous_visitors_are_sent_to_log_in(town, menu, client):
    response = client.get(reverse("activities:menu"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_resident_orders_through_the_form(town, menu, login):
    client = login(town.resident_a)
    response = client.post(reverse("activities:order_new", args=[menu["a"].pk]), {"description": "写遗嘱"})
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(order)
    assert order.description == "写遗嘱" and order.resident == town.resident_a


def test_the_order_form_shows_errors_for_bad_input(town, menu, login):
    response = login(town.resident_a).post(
        reverse("activities:order_new", args=[menu["a"].pk]), {"preferred_time": "not a time"}
    )
    assert response.status_code == 200 and Order.objects.count() == 0
    assert response.context["form"].errors


def test_another_stations_item_is_not_found(town, menu, login):
    assert login(town.resident_a).get(reverse("activities:order_new", args=[menu["b"].pk])).status_code == 404


def test_a_grid_worker_orders_for_a_resident_of_the_grid(town, menu, login):
    client = login(town.grid_worker_a)
    page = client.get(reverse("activities:order_new", args=[menu["a"].pk]))
    assert "张建国" in page.content.decode()
    client.post(reverse("activities:order_new", args=[menu["a"].pk]), {"resident": town.resident_a.pk})
    order = Order.objects.get()
    assert (order.resident, order.placed_by) == (town.resident_a, town.grid_worker_a)


def test_a_grid_worker_cannot_pick_a_resident_of_another_grid(town, menu, login):
    response = login(town.grid_worker_a).post(
        reverse("activities:order_new", args=[menu["center"].pk]), {"resident": town.resident_b.pk}
    )
    assert response.status_code == 200 and response.context["form"].errors and Order.objects.count() == 0


def test_my_orders_show_the_status_in_chinese(town, make_order, login):
    make_order("dispatched")
    content = login(town.resident_a).get(reverse("activities:my_orders")).content.decode()
    assert "已派单" in content


def test_the_resident_sees_the_timeline_and_rates_with_star_buttons(town, make_order, login):
    order = make_order("completed")
    client = login(town.resident_a)
    content = client.get(detail(order)).content.decode()
    assert 'name="stars" value="5"' in content
    response = client.post(act(order, "rate"), {"stars": "4", "comment": "好"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.stars) == ("rated", 4)


def test_staff_see_suggestions_and_dispatch_in_one_tap(town, make_order, login):
    order = make_order()
    client = login(town.staff_a)
    content = client.get(detail(order)).content.decode()
    assert "幸福村志愿服务队" in content and "法律" in content
    client.post(act(order, "dispatch"), {"team": town.team_a.pk})
    order.refresh_from_db()
    assert order.status == "dispatched"


def test_a_second_dispatch_shows_a_message_not_an_error_page(town, make_order, login):
    order = make_order("dispatched")
    response = login(town.staff_a).post(act(order, "dispatch"), {"team": town.team_a.pk}, follow=True)
    assert response.status_code == 200
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_the_leader_accepts_with_checkboxes_and_completes(town, make_order, login):
    order = make_order("dispatched")
    client = login(town.leader_a_user)
    assert f'name="volunteers" value="{town.member_a.pk}"' in client.get(detail(order)).content.decode()
    client.post(act(order, "accept"), {"volunteers": [str(town.member_a.pk)]})
    client.post(act(order, "complete"), {"summary": "已完成", "hours": "1.5"})
    order.refresh_from_db()
    assert order.status == "completed" and str(order.hours) == "1.50"


def test_after_declining_the_leader_lands_on_the_team_page(town, make_order, login):
    order = make_order("dispatched")
    response = login(town.leader_a_user).post(act(order, "decline"), {"reason": "人手不足"}, follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0] == reverse("activities:team_orders")
    assert Order.objects.get(pk=order.pk).status == "submitted"


def test_declining_without_a_reason_shows_a_message(town, make_order, login):
    order = make_order("dispatched")
    response = login(town.leader_a_user).post(act(order, "decline"), {"reason": ""}, follow=True)
    assert response.status_code == 200 and Order.objects.get(pk=order.pk).status == "dispatched"
    assert [(m.level_tag, str(m)) for m in response.context["messages"]] == [
        ("error", zh("Say why the team cannot take the order."))
    ]


def test_a_resident_posting_a_staff_action_is_forbidden(town, make_order, login):
    assert login(town.resident_a).post(act(make_order(), "reject"), {"reason": "x"}).status_code == 403


@pytest.mark.parametrize("team", [pytest.param("9" * 23, id="23-digits"), pytest.param("²", id="superscript-two")])
def test_a_huge_or_odd_team_id_is_a_message_not_an_error(town, make_order, login, team):
    order = make_order()
    response = login(town.staff_a).post(act(order, "dispatch"), {"team": team}, follow=True)
    assert response.status_code == 200 and Order.objects.get(pk=order.pk).status == "submitted"
    assert [(m.level_tag, str(m)) for m in response.context["messages"]] == [("error", zh("Choose a team."))]


def test_a_nul_byte_in_the_team_id_is_a_400(town, make_order, login):
    order = make_order()
    response = login(town.staff_a).post(act(order, "dispatch"), {"team": "\x00"}, follow=True)
    assert response.status_code == 400 and Order.objects.get(pk=order.pk).status == "submitted"


def test_an_unknown_action_is_forbidden_not_an_error(town, make_order, login):
    assert login(town.staff_a).post(act(make_order(), "explode"), {}).status_code == 403


def test_staff_of_another_station_do_not_find_the_order(town, make_order, login):
    order = make_order()
    assert login(town.staff_b).get(detail(order)).status_code == 404
    assert login(town.staff_b).post(act(order, "dispatch"), {"team": town.team_b.pk}).status_code == 404


def test_a_missing_order_is_not_found(town, login):
    assert login(town.staff_a).get(reverse("activities:order_detail", args=[999999])).status_code == 404


def test_the_queue_is_for_staff_only(town, login):
    assert login(town.resident_a).get(reverse("activities:queue")).status_code == 403


def test_the_queue_filters_by_status(town, make_order, login):
    make_order()
    make_order("dispatched")
    client = login(town.staff_a)
    assert len(client.get(reverse("activities:queue")).context["orders"]) == 2
    assert len(client.get(reverse("activities:queue") + "?status=dispatched").context["orders"]) == 1
    # A NUL byte in the query string is refused by the middleware.
    assert client.get(reverse("activities:queue") + "?status=zzz&site=abc&category=%00").status_code == 400
    assert client.get(reverse("activities:queue") + "?site=%C2%B2&category=99999999999999999999999").status_code == 200


def test_the_wish_wall_masks_names_and_the_leader_claims(town, login):
    wish = services.wish_create(resident=town.resident_a, actor=town.resident_a, title="想学智能手机")
    client = login(town.leader_a_user)
    content = client.get(reverse("activities:wishes")).content.decode()
    assert "张*国" in content and "张建国" not in content.split("<main")[1]
    client.post(reverse("activities:wish_claim", args=[wish.pk]), {"team": town.team_a.pk})
    assert Order.objects.get(pk=wish.pk).status == "accepted"


def test_a_resident_posts_a_wish(town, login):
    login(town.resident_a).post(reverse("activities:wish_new"), {"title": "老花镜", "is_public": "on"})
    assert Order.objects.get().kind == "wish"


def test_staff_add_a_menu_item_and_residents_of_other_stations_cannot(town, law, login):
    client = login(town.staff_a)
    response = client.post(
        reverse("activities:menu_item_new"),
        {"site": town.station_a.pk, "category": law.pk, "title": "普法讲座", "is_active": "on"},
    )
    assert response.status_code == 302 and MenuItem.objects.get().title == "普法讲座"
    response = client.post(
        reverse("activities:menu_item_new"), {"site": town.station_b.pk, "category": law.pk, "title": "越权"}
    )
    assert response.status_code == 200 and MenuItem.objects.count() == 1
    assert login(town.resident_a).get(reverse("activities:menu_manage")).status_code == 403


def test_the_home_page_offers_the_resident_big_buttons(town, login):
    content = login(town.resident_a).get("/").content.decode()
    assert reverse("activities:menu") in content and reverse("activities:my_orders") in content


# ---- query counts at 10 and 1 000 orders ----------------------------------------------------------


def _orders(town, menu, n):
    """`n` orders at station A, some of them by resident_a (bulk, to keep the test quick)."""
    from django.utils import timezone

    households = [HouseholdFactory(grid=town.grid_a) for _ in range(3)]
    residents = [UserFactory(username=f"q{n}_{i}", household=h) for i, h in enumerate(households)] + [town.resident_a]
    now = timezone.now()
    Order.objects.bulk_create(
        [
            Order(
                resident=residents[i % len(residents)],
                site=town.station_a,
                menu_item=menu["a"],
                category_id=menu["a"].category_id,
                title=menu["a"].title,
                status_changed_at=now,
            )
            for i in range(n)
        ]
    )


@pytest.mark.parametrize("n", [10, 1000])
def test_the_staff_queue_takes_the_same_queries_at_10_and_1000_orders(town, menu, login, django_assert_num_queries, n):
    _orders(town, menu, n)
    client = login(town.staff_a)
    client.get(reverse("activities:queue"))  # warm the session
    with django_assert_num_queries(10):
        response = client.get(reverse("activities:queue"))
    assert response.status_code == 200 and len(response.context["orders"]) == min(n, 30)


@pytest.mark.parametrize("n", [10, 1000])
def test_my_orders_takes_the_same_queries_at_10_and_1000_orders(town, menu, login, django_assert_num_queries, n):
    _orders(town, menu, n)
    client = login(town.resident_a)
    client.get(reverse("activities:my_orders"))
    with django_assert_num_queries(8):
        response = client.get(reverse("activities:my_orders"))
    assert response.status_code == 200 and len(response.context["orders"]) == min(n // 4, 30)


def test_the_queue_puts_overdue_orders_first(town, make_order, login):
    import datetime

    import time_machine

    start = datetime.datetime(2026, 6, 1, 9, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        older = make_order()  # ordered first, dispatched only 20 hours later: not late at the look
    with time_machine.travel(start + datetime.timedelta(hours=5), tick=False):
        late = make_order()  # never dispatched: 25 hours waiting at the look, past the 24-hour limit
    with time_machine.travel(start + datetime.timedelta(hours=20), tick=False):
        services.order_dispatch(order=older, team=town.team_a, actor=town.staff_a)
    with time_machine.travel(start + datetime.timedelta(hours=30), tick=False):
        orders = login(town.staff_a).get(reverse("activities:queue")).context["orders"]
    assert [(o.pk, o.overdue) for o in orders] == [(late.pk, 1), (older.pk, 0)]
