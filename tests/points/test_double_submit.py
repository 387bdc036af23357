"""A double tap on 兑换 spends the points once: the form's one-time token (pages work without
JavaScript), also when the two taps arrive at the same moment (PostgreSQL)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from points.models import Product, Redemption
from points.selectors import balance_of
from tests.points.ledger_helpers import give
from tests.points.test_concurrency import run_at_once

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def shop_token(client) -> str:
    return TOKEN.search(client.get("/points/shop/").content.decode()).group(1)


@pytest.mark.django_db
def test_a_double_tap_on_redeem_spends_once_and_both_taps_land_on_the_redemptions(client, town, login):
    give(town.household_a, town.staff_a, 20)
    soap = Product.objects.create(site=town.station_a, name="香皂", price=5, stock=5)
    login(town.resident_a)
    token = shop_token(client)
    body = {"product": soap.pk, "quantity": 1, "form_token": token}
    first = client.post(f"/points/shop/{soap.pk}/redeem/", body)
    second = client.post(f"/points/shop/{soap.pk}/redeem/", body)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Redemption.objects.count() == 1 and balance_of(town.household_a) == 15


@pytest.mark.django_db
def test_each_page_load_gives_a_new_token_so_redeeming_again_on_purpose_works(client, town, login):
    give(town.household_a, town.staff_a, 20)
    soap = Product.objects.create(site=town.station_a, name="香皂", price=5, stock=5)
    login(town.resident_a)
    for _ in range(2):
        client.post(
            f"/points/shop/{soap.pk}/redeem/", {"product": soap.pk, "quantity": 1, "form_token": shop_token(client)}
        )
    assert Redemption.objects.count() == 2 and balance_of(town.household_a) == 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_taps_at_the_same_moment_spend_once(town, require_postgres, login):
    give(town.household_a, town.staff_a, 20)
    soap = Product.objects.create(site=town.station_a, name="香皂", price=5, stock=5)
    opener = login(town.resident_a, client=Client())
    token = shop_token(opener)
    cookies = opener.cookies

    def tap(_i):
        client = Client()
        client.cookies = cookies
        response = client.post(
            f"/points/shop/{soap.pk}/redeem/", {"product": soap.pk, "quantity": 1, "form_token": token}
        )
        return response.status_code

    assert run_at_once(6, tap) == [302] * 6
    assert Redemption.objects.count() == 1 and balance_of(town.household_a) == 15


@pytest.mark.django_db
def test_a_token_used_on_one_form_does_not_replay_on_another(client, town):
    give(town.household_a, town.staff_a, 20)
    soap = Product.objects.create(site=town.station_a, name="香皂", price=5, stock=5)
    towel = Product.objects.create(site=town.station_a, name="毛巾", price=5, stock=5)
    client.force_login(town.resident_a)
    token = shop_token(client)
    client.post(f"/points/shop/{soap.pk}/redeem/", {"product": soap.pk, "quantity": 1, "form_token": token})
    client.post(f"/points/shop/{towel.pk}/redeem/", {"product": towel.pk, "quantity": 1, "form_token": token})
    assert sorted(Redemption.objects.values_list("product__name", flat=True)) == ["毛巾", "香皂"]


@pytest.mark.django_db
def test_an_api_key_never_collides_with_a_page_token(client, town):
    from practice_center.api.tokens import token_create

    give(town.household_a, town.staff_a, 20)
    soap = Product.objects.create(site=town.station_a, name="香皂", price=5, stock=5)
    client.force_login(town.resident_a)
    token = shop_token(client)
    api = Client(HTTP_AUTHORIZATION=f"Token {token_create(user=town.resident_a)}")
    api.post(
        "/api/v1/points/redemptions/",
        {"product": soap.pk, "quantity": 1},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=f"form:{token}",
    )
    page = client.post(f"/points/shop/{soap.pk}/redeem/", {"product": soap.pk, "quantity": 1, "form_token": token})
    assert page.status_code == 302 and page["Location"] == "/points/redemptions/"
    assert Redemption.objects.count() == 2
