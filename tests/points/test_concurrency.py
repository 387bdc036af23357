"""Races on PostgreSQL: many requests at once, each thread with its own database connection."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from points.exceptions import AlreadyAwarded, InsufficientPoints, OutOfStock
from points.models import Account, Entry, Product, Redemption
from points.selectors import ledger_sum
from points.services.awards import points_award
from points.services.shop import redemption_create
from practice_center.models import User
from tests.points.ledger_helpers import give

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_at_once(n: int, work) -> list:
    """Run `work(i)` in `n` threads released together; return each result or exception."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def target(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - collected and asserted by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()
    return results


def test_fifty_concurrent_redemptions_against_a_balance_worth_five_items(town):
    give(town.household_a, town.staff_a, 15)
    soap = Product.objects.create(site=town.station_a, name="香皂", price=3, stock=100)

    def redeem(i):
        user = User.objects.get(pk=town.resident_a.pk)
        return redemption_create(user=user, product=Product.objects.get(pk=soap.pk), quantity=1)

    results = run_at_once(50, redeem)
    succeeded = [r for r in results if isinstance(r, Redemption)]
    refused = [r for r in results if isinstance(r, InsufficientPoints)]
    assert len(succeeded) == 5 and len(refused) == 45, [
        r for r in results if not isinstance(r, (Redemption, InsufficientPoints))
    ]
    account = Account.objects.get(household=town.household_a)
    soap.refresh_from_db()
    assert account.balance == 0 == ledger_sum(town.household_a)
    assert soap.stock == 95
    assert len({r.pickup_code for r in succeeded}) == 5


def test_concurrent_redemptions_never_take_more_than_the_stock(town):
    give(town.household_a, town.staff_a, 1000)
    give(town.household_b, town.staff_b, 1000)
    oil = Product.objects.create(site=town.institute, name="食用油", price=6, stock=4)
    residents = [town.resident_a, town.resident_b]

    def redeem(i):
        user = User.objects.get(pk=residents[i % 2].pk)
        return redemption_create(user=user, product=Product.objects.get(pk=oil.pk), quantity=1)

    results = run_at_once(20, redeem)
    assert sum(isinstance(r, Redemption) for r in results) == 4
    assert sum(isinstance(r, OutOfStock) for r in results) == 16
    oil.refresh_from_db()
    assert oil.stock == 0
    for household in (town.household_a, town.household_b):
        assert Account.objects.get(household=household).balance == ledger_sum(household) >= 0


def test_concurrent_duplicate_awards_make_one_entry(town):
    def award(i):
        staff = User.objects.get(pk=town.staff_a.pk)
        return points_award(
            household=town.household_a2, rule="cleanup", actor=staff, note="清扫", source_type="activity", source_id=9
        )

    results = run_at_once(12, award)
    assert sum(isinstance(r, Entry) for r in results) == 1
    assert sum(isinstance(r, AlreadyAwarded) for r in results) == 11
    assert Entry.objects.filter(account__household=town.household_a2).count() == 1


def test_awards_to_different_households_at_once_all_land(town):
    households = [town.household_a, town.household_a2]

    def award(i):
        staff = User.objects.get(pk=town.staff_a.pk)
        return points_award(
            household=households[i % 2], rule="service_hour", actor=staff, note="x", source_type="order", source_id=i
        )

    results = run_at_once(8, award)
    assert all(isinstance(r, Entry) for r in results), results
    for household in households:
        account = Account.objects.get(household=household)
        assert account.balance == ledger_sum(household) == 20 and account.last_sequence == 4
