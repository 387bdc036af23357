"""The points API: each endpoint for the owner, another station, anonymous, a missing object
and bad input. Never a 500."""

from __future__ import annotations

import pytest

from points.models import Entry, EntryKind, Redemption, RedemptionStatus
from points.selectors import balance_of
from points.services.shop import redemption_create
from practice_center.models import User
from tests.points.ledger_helpers import award, give

pytestmark = pytest.mark.django_db

URL = "/api/v1/points/"


# ---- account and ledger ----------------------------------------------------------------------
def test_a_resident_sees_the_own_balance(town, api):
    award(town.household_a, town.staff_a)
    response = api(town.resident_a).get(URL + "account/")
    assert response.status_code == 200
    assert response.json()["household"] == town.household_a.pk
    assert response.json()["balance"] == 10


def test_a_resident_cannot_see_another_households_balance(town, api):
    response = api(town.resident_a).get(URL + "account/", {"household": town.household_b.pk})
    assert response.status_code == 404


def test_staff_see_the_balance_of_a_household_of_their_station(town, api):
    give(town.household_a2, town.staff_a, 30)
    response = api(town.staff_a).get(URL + "account/", {"household": town.household_a2.pk})
    assert response.status_code == 200 and response.json()["balance"] == 30


def test_staff_of_another_station_get_404_for_the_balance(town, api):
    assert api(town.staff_b).get(URL + "account/", {"household": town.household_a.pk}).status_code == 404


@pytest.mark.parametrize("bad", ["abc", "0", "-3", pytest.param("9" * 23, id="23-digits"), "1.5"])
def test_a_bad_household_parameter_is_400(town, api, bad):
    response = api(town.staff_a).get(URL + "account/", {"household": bad})
    assert response.status_code == 400 and "household" in response.json()


def test_staff_without_a_household_and_no_parameter_get_404(town, api):
    assert api(town.staff_a).get(URL + "account/").status_code == 404


def test_anonymous_cannot_read_points(town, api):
    for path in ("account/", "entries/", "rules/", "products/", "redemptions/"):
        assert api().get(URL + path).status_code == 401


def test_the_ledger_lists_newest_first_with_the_explanation(town, api, soap):
    award(town.household_a, town.staff_a, "service_hour", quantity=2, note="陪老人就医")
    redemption_create(user=town.resident_a, product=soap, quantity=1)
    response = api(town.resident_a).get(URL + "entries/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["kind"], r["amount"], r["balance_after"]) for r in results] == [("redeem", -3, 7), ("earn", 10, 10)]
    earned = results[1]
    assert earned["rule"] == "service_hour" and earned["rule_version"] == 1
    assert "2 小时 × 5 = 10 分" in earned["note"] or "2 h × 5 = 10 points" in earned["note"]
    assert set(earned) >= {"amount", "kind", "rule", "note", "balance_after", "at"}


def test_a_resident_sees_only_the_own_ledger(town, api):
    award(town.household_b, town.staff_b)
    assert api(town.resident_a).get(URL + "entries/").json()["count"] == 0
    assert api(town.resident_a).get(URL + "entries/", {"household": town.household_b.pk}).status_code == 404


@pytest.mark.parametrize("size", [3, 12])
def test_the_ledger_takes_a_fixed_number_of_queries(town, api, size, django_assert_num_queries):
    for _ in range(size):
        give(town.household_a, town.staff_a, 5)
    client = api(User.objects.get(pk=town.resident_a.pk))  # a fresh user: no cached scope
    # household, roles (scope), teams led (scope), count, page
    with django_assert_num_queries(4):
        response = client.get(URL + "entries/")
    assert response.json()["count"] == size


# ---- rules ----------------------------------------------------------------------------------
def test_the_rules_list_the_points_each_is_worth_now(town, api):
    response = api(town.resident_a).get(URL + "rules/", {"page_size": 100})
    assert response.status_code == 200
    rules = {r["code"]: r for r in response.json()["results"]}
    assert rules["service_hour"]["points"] == 5 and rules["service_hour"]["unit"] == "hour"
    assert {"attend_activity", "cleanup", "old_customs", "good_deed", "five_star_bonus"} <= set(rules)


# ---- awards -----------------------------------------------------------------------------------
def test_staff_award_points_to_a_household_of_their_station(town, api):
    response = api(town.staff_a).post(
        URL + "awards/",
        {
            "household": town.household_a.pk,
            "rule": "old_customs",
            "note": "婚事新办",
            "source": {"type": "manual", "id": 7},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == 20 and response.json()["kind"] == "earn"
    assert balance_of(town.household_a) == 20


def test_the_same_rule_and_source_a_second_time_is_409_already_awarded(town, api):
    body = {
        "household": town.household_a.pk,
        "rule": "cleanup",
        "note": "清扫",
        "source": {"type": "activity", "id": 3},
    }
    assert api(town.staff_a).post(URL + "awards/", body, format="json").status_code == 201
    response = api(town.staff_a).post(URL + "awards/", body, format="json")
    assert response.status_code == 409 and response.json()["code"] == "already_awarded"
    assert Entry.objects.count() == 1


def test_a_cap_reached_is_409(town, api):
    body = {"household": town.household_a.pk, "rule": "good_deed", "note": "好事"}
    assert api(town.staff_a).post(URL + "awards/", body, format="json").status_code == 201
    assert api(town.staff_a).post(URL + "awards/", body, format="json").status_code == 201
    response = api(town.staff_a).post(URL + "awards/", body, format="json")
    assert response.status_code == 409 and response.json()["code"] == "cap_reached"


def test_staff_a_cannot_award_to_household_b(town, api):
    response = api(town.staff_a).post(
        URL + "awards/", {"household": town.household_b.pk, "rule": "good_deed", "note": "x"}, format="json"
    )
    assert response.status_code == 404
    assert not Entry.objects.exists()


def test_a_resident_cannot_award(town, api):
    response = api(town.resident_a).post(
        URL + "awards/", {"household": town.household_a.pk, "rule": "good_deed", "note": "x"}, format="json"
    )
    assert response.status_code == 403
    assert not Entry.objects.exists()


def test_station_staff_cannot_award_a_rule_reserved_for_the_center_admin(town, api):
    body = {"household": town.household_a.pk, "rule": "named_good_person", "note": "评上身边好人"}
    assert api(town.staff_a).post(URL + "awards/", body, format="json").status_code == 403
    assert api(town.admin).post(URL + "awards/", body, format="json").status_code == 201


def test_anonymous_cannot_award(town, api):
    response = api().post(URL + "awards/", {"household": town.household_a.pk, "rule": "good_deed"}, format="json")
    assert response.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"household": "x", "rule": "good_deed"},
        {"household": 10**30, "rule": "good_deed"},
        {"rule": "good_deed"},
        {"household": 1, "rule": "no such rule!"},
        {"household": 1, "rule": "good_deed", "quantity": "-1"},
        {"household": 1, "rule": "good_deed", "quantity": "NaN"},
        {"household": 1, "rule": "good_deed", "source": {"type": "redemption", "id": 1}},
        {"household": 1, "rule": "good_deed", "source": "order:1"},
        {"household": 1, "rule": "good_deed", "note": "x" * 500},
    ],
    ids=[
        "empty",
        "household-letters",
        "household-10**30",
        "no-household",
        "unknown-rule",
        "negative-quantity",
        "NaN-quantity",
        "source-of-another-kind",
        "source-a-string",
        "500-char-note",
    ],
)
def test_bad_award_input_is_400(town, api, body):
    response = api(town.staff_a).post(URL + "awards/", body, format="json")
    assert response.status_code == 400


def test_an_unknown_rule_code_is_400(town, api):
    body = {"household": town.household_a.pk, "rule": "nonexistent", "note": "x"}
    response = api(town.staff_a).post(URL + "awards/", body, format="json")
    assert response.status_code == 400 and "rule" in response.json()


def test_a_manual_award_without_a_note_is_400(town, api):
    response = api(town.staff_a).post(URL + "awards/", {"household": town.household_a.pk, "rule": "good_deed"})
    assert response.status_code == 400 and "note" in response.json()


def test_staff_correct_an_entry_and_a_second_correction_is_409(town, api):
    entry = award(town.household_a, town.staff_a)
    url = f"{URL}entries/{entry.pk}/correct/"
    response = api(town.staff_a).post(url, {"reason": "登记错户"})
    assert response.status_code == 201 and response.json()["amount"] == -10
    again = api(town.staff_a).post(url, {"reason": "again"})
    assert again.status_code == 409 and again.json()["code"] == "already_corrected"
    assert api(town.staff_b).post(url, {"reason": "x"}).status_code == 404
    assert api(town.resident_a).post(url, {"reason": "x"}).status_code == 403
    assert api(town.staff_a).post(f"{URL}entries/999999/correct/", {"reason": "x"}).status_code == 404
    assert api(town.staff_a).post(url, {}).status_code == 400


# ---- products -------------------------------------------------------------------------------
def test_a_resident_sees_the_goods_of_the_station_and_above_but_not_of_another_station(town, api, soap, oil, towel_b):
    response = api(town.resident_a).get(URL + "products/")
    assert response.status_code == 200
    assert {p["name"] for p in response.json()["results"]} == {"香皂", "食用油"}
    assert api(town.resident_a).get(f"{URL}products/{towel_b.pk}/").status_code == 404


def test_products_filter_by_site(town, api, soap, oil):
    response = api(town.resident_a).get(URL + "products/", {"site": town.institute.pk})
    assert [p["name"] for p in response.json()["results"]] == ["食用油"]
    assert api(town.resident_a).get(URL + "products/", {"site": "abc"}).status_code == 400


# ---- redemptions ------------------------------------------------------------------------------
def test_a_resident_redeems_and_gets_a_pickup_code(town, api, soap):
    give(town.household_a, town.staff_a, 10)
    response = api(town.resident_a).post(URL + "redemptions/", {"product": soap.pk, "quantity": 3})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "reserved" and body["points"] == 9 and len(body["pickup_code"]) == 6
    assert balance_of(town.household_a) == 1
    soap.refresh_from_db()
    assert soap.stock == 97


def test_redeeming_without_enough_points_is_409_insufficient_points(town, api, soap):
    give(town.household_a, town.staff_a, 5)
    response = api(town.resident_a).post(URL + "redemptions/", {"product": soap.pk, "quantity": 2})
    assert response.status_code == 409 and response.json()["code"] == "insufficient_points"
    assert not Redemption.objects.exists() and balance_of(town.household_a) == 5


def test_redeeming_more_than_the_stock_is_409_out_of_stock(town, api, oil):
    give(town.household_a, town.staff_a, 100)
    response = api(town.resident_a).post(URL + "redemptions/", {"product": oil.pk, "quantity": 3})
    assert response.status_code == 409 and response.json()["code"] == "out_of_stock"


@pytest.mark.parametrize("quantity", [0, -1, "two", 1.5, 21, None, pytest.param(10**30, id="10**30")])
def test_a_bad_quantity_is_400(town, api, soap, quantity):
    give(town.household_a, town.staff_a, 100)
    response = api(town.resident_a).post(
        URL + "redemptions/", {"product": soap.pk, "quantity": quantity}, format="json"
    )
    assert response.status_code == 400 and "quantity" in response.json()


def test_a_resident_cannot_redeem_goods_of_another_station(town, api, towel_b):
    give(town.household_a, town.staff_a, 100)
    response = api(town.resident_a).post(URL + "redemptions/", {"product": towel_b.pk, "quantity": 1})
    assert response.status_code == 400 and "product" in response.json()


def test_staff_without_a_household_cannot_redeem(town, api, soap):
    response = api(town.staff_a).post(URL + "redemptions/", {"product": soap.pk, "quantity": 1})
    assert response.status_code == 403


def test_the_redemption_list_is_scoped(town, api, soap, towel_b):
    give(town.household_a, town.staff_a, 10)
    give(town.household_b, town.staff_b, 10)
    mine = redemption_create(user=town.resident_a, product=soap, quantity=1)
    redemption_create(user=town.resident_b, product=towel_b, quantity=1)
    assert [r["id"] for r in api(town.resident_a).get(URL + "redemptions/").json()["results"]] == [mine.pk]
    assert [r["id"] for r in api(town.staff_a).get(URL + "redemptions/").json()["results"]] == [mine.pk]
    found = api(town.staff_a).get(URL + "redemptions/", {"pickup_code": mine.pickup_code.lower()}).json()
    assert [r["id"] for r in found["results"]] == [mine.pk]
    assert api(town.staff_a).get(URL + "redemptions/", {"status": "bogus"}).status_code == 400


def test_staff_hand_over_against_the_pickup_code(town, api, soap):
    give(town.household_a, town.staff_a, 10)
    redemption = redemption_create(user=town.resident_a, product=soap, quantity=1)
    url = f"{URL}redemptions/{redemption.pk}/fulfil/"
    wrong = api(town.staff_a).post(url, {"pickup_code": "AAAAAA"})
    assert wrong.status_code == 400 and "pickup_code" in wrong.json()
    response = api(town.staff_a).post(url, {"pickup_code": redemption.pickup_code})
    assert response.status_code == 200 and response.json()["status"] == "fulfilled"
    again = api(town.staff_a).post(url, {"pickup_code": redemption.pickup_code})
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_a_resident_cannot_fulfil_and_other_stations_get_404(town, api, soap):
    give(town.household_a, town.staff_a, 10)
    redemption = redemption_create(user=town.resident_a, product=soap, quantity=1)
    url = f"{URL}redemptions/{redemption.pk}/fulfil/"
    assert api(town.resident_a).post(url, {"pickup_code": redemption.pickup_code}).status_code == 403
    assert api(town.staff_b).post(url, {"pickup_code": redemption.pickup_code}).status_code == 404
    assert api().post(url, {"pickup_code": redemption.pickup_code}).status_code == 401
    assert api(town.staff_a).post(f"{URL}redemptions/999999/fulfil/", {"pickup_code": "X"}).status_code == 404
    assert api(town.staff_a).post(url, {}).status_code == 400
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.RESERVED


def test_the_resident_cancels_before_pickup_and_gets_the_points_back(town, api, soap):
    give(town.household_a, town.staff_a, 10)
    redemption = redemption_create(user=town.resident_a, product=soap, quantity=2)
    response = api(town.resident_a).post(f"{URL}redemptions/{redemption.pk}/cancel/", {"reason": "买多了"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert balance_of(town.household_a) == 10
    assert Entry.objects.filter(kind=EntryKind.REFUND, source_id=redemption.pk).count() == 1
    again = api(town.resident_a).post(f"{URL}redemptions/{redemption.pk}/cancel/")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert balance_of(town.household_a) == 10


def test_a_fulfilled_redemption_cannot_be_cancelled(town, api, soap):
    give(town.household_a, town.staff_a, 10)
    redemption = redemption_create(user=town.resident_a, product=soap, quantity=1)
    api(town.staff_a).post(f"{URL}redemptions/{redemption.pk}/fulfil/", {"pickup_code": redemption.pickup_code})
    response = api(town.resident_a).post(f"{URL}redemptions/{redemption.pk}/cancel/")
    assert response.status_code == 409


def test_another_household_cannot_cancel(town, api, soap):
    give(town.household_a, town.staff_a, 10)
    redemption = redemption_create(user=town.resident_a, product=soap, quantity=1)
    assert api(town.resident_b).post(f"{URL}redemptions/{redemption.pk}/cancel/").status_code == 404
    assert api(town.staff_b).post(f"{URL}redemptions/{redemption.pk}/cancel/").status_code == 404
    assert api(town.staff_a).post(f"{URL}redemptions/{redemption.pk}/cancel/").status_code == 200


@pytest.mark.parametrize("size", [2, 8])
def test_the_redemption_list_takes_a_fixed_number_of_queries(town, api, soap, size, django_assert_num_queries):
    give(town.household_a, town.staff_a, 3 * size)
    for _ in range(size):
        redemption_create(user=town.resident_a, product=soap, quantity=1)
    client = api(User.objects.get(pk=town.staff_a.pk))  # a fresh user: no cached scope
    # roles (scope), teams led (scope), count, page
    with django_assert_num_queries(3):
        response = client.get(URL + "redemptions/")
    assert response.json()["count"] == size
