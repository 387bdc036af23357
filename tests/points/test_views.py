"""The points pages: residents' balance, ledger, shop and pickup codes; staff desks; honours."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from points.exceptions import InsufficientPoints, OutOfStock
from points.models import Product, Redemption, RedemptionStatus
from points.services import honours as hs
from points.services.shop import redemption_create
from tests.factories import HouseholdFactory
from tests.i18n import zh
from tests.points.test_rankings import at, post_entry

WED = datetime.datetime(2027, 1, 6, 2, 0, tzinfo=datetime.UTC)


@pytest.fixture
def shop(town):
    post_entry(town.household_a, 100)
    post_entry(town.household_b, 100)
    soap = Product.objects.create(site=town.station_a, name="肥皂", price=10, stock=5)
    oil = Product.objects.create(site=town.station_b, name="食用油", price=30, stock=5)
    town.soap, town.oil = soap, oil
    return town


def reserve(town, user=None, product=None, quantity=1):
    return redemption_create(user=user or town.resident_a, product=product or town.soap, quantity=quantity)


# ---- balance and ledger -------------------------------------------------------------------------
def test_a_resident_sees_the_balance_in_big_type(shop, login):
    response = login(shop.resident_a).get(reverse("points:home"))
    assert response.status_code == 200
    assert 'data-testid="balance">100<' in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("points:home"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_resident_sees_only_the_own_ledger(shop, client, login):
    login(shop.resident_a)
    response = client.get(reverse("points:ledger"))
    assert "张建国家" in response.content.decode()
    assert client.get(reverse("points:ledger"), {"household": shop.household_b.pk}).status_code == 404
    assert client.get(reverse("points:ledger"), {"household": "x"}).status_code == 404


def test_staff_open_a_ledger_of_their_station_but_not_of_another(shop, client, login):
    login(shop.staff_a)
    assert client.get(reverse("points:ledger"), {"household": shop.household_a.pk}).status_code == 200
    assert client.get(reverse("points:ledger"), {"household": shop.household_b.pk}).status_code == 404


@pytest.mark.parametrize("size", [3, 40])
def test_the_ledger_page_query_count_does_not_grow(town, client, django_assert_num_queries, size, login):
    for _i in range(size):
        post_entry(town.household_a, 1)
    login(town.resident_a)
    client.get(reverse("points:ledger"))  # warm the session
    # session, user, scope (roles, teams led), household, balance, count, page, then the other apps'
    # menu entries (unread notifications, own volunteer profile): the same for any ledger length.
    with django_assert_num_queries(10):
        response = client.get(reverse("points:ledger"))
    assert response.status_code == 200


# ---- shop, redemptions, cancel ----------------------------------------------------------------
def test_the_shop_shows_only_goods_of_the_own_station(shop, login):
    page = login(shop.resident_a).get(reverse("points:shop")).content.decode()
    assert "肥皂" in page
    assert "食用油" not in page


def test_a_resident_redeems_and_sees_the_pickup_code_and_qr(shop, client, login):
    login(shop.resident_a)
    response = client.post(reverse("points:redeem", args=[shop.soap.pk]), {"quantity": "2"}, follow=True)
    redemption = Redemption.objects.get()
    page = response.content.decode()
    assert redemption.pickup_code in page
    assert "<svg" in page
    assert redemption.points == 20


def test_redeeming_more_than_the_balance_shows_a_message_and_takes_nothing(shop, client, login):
    Product.objects.filter(pk=shop.soap.pk).update(stock=20)  # enough stock: only the balance (100) is short
    login(shop.resident_a)
    response = client.post(reverse("points:redeem", args=[shop.soap.pk]), {"quantity": "11"}, follow=True)
    assert response.status_code == 200
    assert [(m.level_tag, str(m)) for m in response.context["messages"]] == [
        ("error", zh(InsufficientPoints.default_message))
    ]
    assert Redemption.objects.count() == 0


def test_redeeming_more_than_the_stock_shows_a_message_and_takes_nothing(shop, client, login):
    login(shop.resident_a)
    response = client.post(reverse("points:redeem", args=[shop.soap.pk]), {"quantity": "6"}, follow=True)
    assert response.status_code == 200
    assert [(m.level_tag, str(m)) for m in response.context["messages"]] == [("error", zh(OutOfStock.default_message))]
    assert Redemption.objects.count() == 0


def test_bad_quantity_keeps_the_typed_value(shop, client, login):
    login(shop.resident_a)
    response = client.post(reverse("points:redeem", args=[shop.soap.pk]), {"quantity": "abc"})
    assert response.status_code == 400
    assert 'value="abc"' in response.content.decode()


def test_a_resident_cannot_redeem_goods_of_another_station(shop, client, login):
    login(shop.resident_a)
    assert client.post(reverse("points:redeem", args=[shop.oil.pk]), {"quantity": "1"}).status_code == 404
    assert client.post(reverse("points:redeem", args=[99999]), {"quantity": "1"}).status_code == 404


def test_a_resident_cancels_before_pickup_and_gets_the_points_back(shop, client, login):
    redemption = reserve(shop)
    login(shop.resident_a)
    client.post(reverse("points:redemption_cancel", args=[redemption.pk]))
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.CANCELLED
    assert 'data-testid="balance">100<' in client.get(reverse("points:home")).content.decode()


def test_another_household_cannot_cancel_my_redemption(shop, client, login):
    redemption = reserve(shop)
    login(shop.resident_b)
    assert client.post(reverse("points:redemption_cancel", args=[redemption.pk])).status_code == 404


# ---- fulfil by code ---------------------------------------------------------------------------
def test_staff_look_up_a_code_and_hand_over(shop, client, login):
    redemption = reserve(shop)
    login(shop.staff_a)
    page = client.get(reverse("points:fulfil"), {"code": redemption.pickup_code.lower()}).content.decode()
    assert "肥皂" in page and "张建国家" in page
    client.post(reverse("points:fulfil"), {"code": redemption.pickup_code})
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.FULFILLED


def test_staff_a_cannot_see_or_fulfil_station_b_redemptions(shop, client, login):
    redemption = reserve(shop, user=shop.resident_b, product=shop.oil)
    login(shop.staff_a)
    page = client.get(reverse("points:fulfil")).content.decode()
    assert "赵强家" not in page  # not in the pickup queue
    response = client.post(reverse("points:fulfil"), {"code": redemption.pickup_code})
    assert response.status_code == 400
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.RESERVED


def test_residents_may_not_open_the_staff_desks(shop, client, login):
    login(shop.resident_a)
    for name in ("points:fulfil", "points:award", "points:products", "points:honour_freeze"):
        assert client.get(reverse(name)).status_code == 403


def test_an_unknown_code_is_a_form_error(shop, client, login):
    login(shop.staff_a)
    response = client.get(reverse("points:fulfil"), {"code": "ZZZZZZ"})
    assert response.status_code == 400


# ---- awarding ---------------------------------------------------------------------------------
def test_staff_find_a_household_by_phone_and_award_a_rule(shop, client, login):
    login(shop.staff_a)
    page = client.get(reverse("points:award"), {"q": shop.resident_a.phone}).content.decode()
    assert "张建国家" in page
    from points.models import Rule

    rule = Rule.objects.get(code="cleanup")
    response = client.post(
        reverse("points:award") + "?q=张",
        {"household": shop.household_a.pk, "rule": rule.pk, "quantity": "1", "note": "清理河道", "evidence": ""},
    )
    assert response.status_code == 302
    assert shop.household_a.points_account.entries.filter(rule=rule).exists()


def test_staff_cannot_find_households_of_another_station(shop, client, login):
    login(shop.staff_a)
    page = client.get(reverse("points:award"), {"q": "赵强"}).content.decode()
    assert "赵强家" not in page


def test_an_award_without_a_note_keeps_the_typed_values(shop, client, login):
    from points.models import Rule

    login(shop.staff_a)
    rule = Rule.objects.get(code="cleanup")
    response = client.post(
        reverse("points:award"), {"household": shop.household_a.pk, "rule": rule.pk, "quantity": "2.5", "note": ""}
    )
    assert response.status_code == 400
    assert 'value="2.5"' in response.content.decode()


# ---- ranking page -----------------------------------------------------------------------------
@time_machine.travel(datetime.datetime(2026, 6, 15, 2, 0, tzinfo=datetime.UTC), tick=False)
def test_the_ranking_page_highlights_my_household_and_states_the_tie_break(shop, client, login):
    post_entry(shop.household_a2, 150)
    client.cookies["django_language"] = "en"
    page = login(shop.resident_a).get(reverse("points:ranking")).content.decode()
    assert 'class="mine"' in page
    assert "李*家" in page  # another household, masked for residents
    assert "赵强家" not in page  # another station
    assert "Tie-break" in page and "served more verified volunteer hours" in page


def test_a_resident_may_not_open_another_station_ranking(shop, client, login):
    login(shop.resident_a)
    assert client.get(reverse("points:ranking"), {"site": shop.station_b.pk}).status_code == 403


def test_bad_ranking_input_is_a_form_error_not_a_crash(shop, client, login):
    login(shop.staff_a)
    assert client.get(reverse("points:ranking"), {"period": "2026-99", "category": "x"}).status_code == 200
    assert client.get(reverse("points:ranking"), {"site": "abc"}).status_code == 404


@time_machine.travel(datetime.datetime(2026, 6, 15, 2, 0, tzinfo=datetime.UTC), tick=False)
@pytest.mark.parametrize("size", [2, 30])
def test_the_ranking_page_query_count_does_not_grow(town, client, django_assert_num_queries, size, login):
    for index in range(size):
        post_entry(HouseholdFactory(grid=town.grid_a), index + 1)
    login(town.resident_a)
    client.get(reverse("points:ranking"))
    # session, user, scope (roles, teams led), household, grid, station, count, page, then the other
    # apps' menu entries (unread notifications, own volunteer profile): the same for any size.
    with django_assert_num_queries(9):
        response = client.get(reverse("points:ranking"))
    assert response.status_code == 200


# ---- honours pages ----------------------------------------------------------------------------
@pytest.fixture
def notice(town):
    post_entry(town.household_a, 30, when=at(2026))
    post_entry(town.household_a2, 50, when=at(2026))
    with time_machine.travel(WED, tick=False):
        honour_list = hs.honour_list_freeze(
            site=town.station_a, year=2026, kind="civilized_household", size=10, actor=town.staff_a
        )
        hs.honour_list_publish(honour_list=honour_list, actor=town.staff_a)
    town.honour_list = honour_list
    return town


def test_a_resident_objects_through_the_notice_page(notice, client, login):
    with time_machine.travel(WED + datetime.timedelta(days=1), tick=False):
        login(notice.resident_a)
        page = client.get(reverse("points:honour_detail", args=[notice.honour_list.pk])).content.decode()
        assert "李明家" in page and 'name="text"' in page
        client.post(reverse("points:honour_object", args=[notice.honour_list.pk]), {"text": "请核实积分"})
    assert notice.honour_list.objections.get().text == "请核实积分"


def test_an_empty_objection_stays_on_the_page_with_an_error(notice, client, login):
    with time_machine.travel(WED + datetime.timedelta(days=1), tick=False):
        login(notice.resident_a)
        response = client.post(reverse("points:honour_object", args=[notice.honour_list.pk]), {"text": ""})
    assert response.status_code == 400


def test_residents_of_another_station_do_not_see_the_notice(notice, client, login):
    login(notice.resident_b)
    assert client.get(reverse("points:honour_detail", args=[notice.honour_list.pk])).status_code == 404
    assert client.get(reverse("points:honour_detail", args=[99999])).status_code == 404


def test_making_final_during_the_notice_shows_a_message(notice, client, login):
    with time_machine.travel(WED + datetime.timedelta(days=2), tick=False):
        login(notice.staff_a)
        response = client.post(reverse("points:honour_action", args=[notice.honour_list.pk, "finalise"]), follow=True)
    assert response.status_code == 200
    ((level, text),) = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert level == "error" and "2027-01-13" in text  # the day the notice ends
    notice.honour_list.refresh_from_db()
    assert notice.honour_list.status == "notice"


def test_staff_of_another_station_cannot_act_on_the_list(notice, client, login):
    login(notice.staff_b)
    url = reverse("points:honour_action", args=[notice.honour_list.pk, "withdraw"])
    assert client.post(url, {"reason": "x"}).status_code == 404


def final_list(town, login):
    with time_machine.travel(WED + datetime.timedelta(days=10), tick=False):
        login(town.staff_a).post(reverse("points:honour_action", args=[town.honour_list.pk, "finalise"]))
    town.honour_list.refresh_from_db()
    assert town.honour_list.status == "final"
    return town.honour_list


def test_a_final_list_exports_to_excel_with_the_chinese_names(notice, client, login):
    honour_list = final_list(notice, login)
    response = client.get(reverse("points:honour_export", args=[honour_list.pk, "xlsx"]))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    values = [cell for row in workbook.active.iter_rows(values_only=True) for cell in row]
    assert "李明家" in values and "张建国家" in values


def test_a_final_list_exports_to_csv_that_excel_reads_as_utf8(notice, client, login):
    honour_list = final_list(notice, login)
    response = client.get(reverse("points:honour_export", args=[honour_list.pk, "csv"]))
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][:2] == ["1", "李明家"]


def test_a_list_in_notice_cannot_be_exported_yet(notice, client, login):
    login(notice.staff_a)
    assert client.get(reverse("points:honour_export", args=[notice.honour_list.pk, "csv"])).status_code == 404


def test_staff_freeze_a_list_through_the_page(town, client, login):
    post_entry(town.household_a, 30, when=at(2026))
    with time_machine.travel(WED, tick=False):
        login(town.staff_a)
        response = client.post(
            reverse("points:honour_freeze"),
            {"kind": "model_family", "year": "2026", "site": town.station_a.pk, "category": "", "size": "5"},
        )
    assert response.status_code == 302


def test_freezing_a_site_outside_the_subtree_is_a_form_error(town, client, login):
    login(town.staff_a)
    response = client.post(
        reverse("points:honour_freeze"),
        {"kind": "model_family", "year": "2026", "site": town.station_b.pk, "size": "5"},
    )
    assert response.status_code == 400
