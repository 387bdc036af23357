"""A pickup code is a secret of the household: only its members read it; staff confirm a
handover by the code the resident shows, and wrong codes are limited per staff account."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from points.models import Product, Redemption
from points.services.shop import redemption_create, redemption_find_by_code
from practice_center.exceptions import TooManyAttempts
from tests.points.ledger_helpers import give

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def reserved(town):
    give(town.household_a, town.staff_a, 20)
    soap = Product.objects.create(site=town.station_a, name="香皂", price=5, stock=5)
    return redemption_create(user=town.resident_a, product=soap, quantity=1)


def codes_seen_by(api, user) -> list:
    return [row["pickup_code"] for row in api(user).get("/api/v1/points/redemptions/").json()["results"]]


def test_the_household_reads_its_code_and_staff_and_the_grid_worker_do_not(api, town, reserved):
    assert codes_seen_by(api, town.resident_a) == [reserved.pickup_code]
    assert codes_seen_by(api, town.staff_a) == [None]
    assert codes_seen_by(api, town.grid_worker_a) == [None]


def test_staff_find_the_redemption_by_the_code_the_resident_shows_and_hand_it_over(api, town, reserved):
    client = api(town.staff_a)
    typed = " ".join(reserved.pickup_code.lower())  # read aloud and typed with spaces
    found = client.get("/api/v1/points/redemptions/", {"pickup_code": typed}).json()["results"]
    assert [row["id"] for row in found] == [reserved.pk]
    done = client.post(f"/api/v1/points/redemptions/{reserved.pk}/fulfil/", {"pickup_code": typed}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "fulfilled"
    assert done.json()["pickup_code"] is None


def test_twenty_wrong_codes_lock_the_staff_members_code_lookup(town, reserved):
    for i in range(19):
        with pytest.raises(Redemption.DoesNotExist):
            redemption_find_by_code(actor=town.staff_a, pickup_code=f"ZZZ{i:03d}")
    with pytest.raises(TooManyAttempts):
        redemption_find_by_code(actor=town.staff_a, pickup_code="ZZZ999")
    with pytest.raises(TooManyAttempts):  # locked: even the right code waits
        redemption_find_by_code(actor=town.staff_a, pickup_code=reserved.pickup_code)


def test_wrong_codes_on_the_api_end_in_429_with_retry_after(api, town, reserved):
    client = api(town.staff_a)
    statuses = [
        client.post(f"/api/v1/points/redemptions/{reserved.pk}/fulfil/", {"pickup_code": f"W{i:05d}"}).status_code
        for i in range(21)
    ]
    assert statuses[:20] == [400] * 20
    locked = client.post(f"/api/v1/points/redemptions/{reserved.pk}/fulfil/", {"pickup_code": reserved.pickup_code})
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert locked.json()["code"] == "too_many_attempts"
