"""The ledger as worked examples: balances, hash chains, the trigger and the verifier."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from points.models import Account, Entry, EntryKind, Redemption
from points.selectors import balance_of, ledger_of, ledger_sum
from points.services.ledger import entry_correct
from points.services.shop import redemption_cancel, redemption_create
from tests.points.ledger_helpers import award, give

pytestmark = pytest.mark.django_db


def test_earn_10_redeem_6_cancel_gives_10_again(town, oil):
    award(town.household_a, town.staff_a, "public_welfare")  # 10 points
    redemption = redemption_create(user=town.resident_a, product=oil, quantity=1)
    assert balance_of(town.household_a) == 4
    redemption_cancel(redemption=redemption, actor=town.resident_a)
    assert balance_of(town.household_a) == 10
    kinds = [(e.kind, e.amount, e.balance_after) for e in ledger_of(town.household_a)]
    assert kinds == [(EntryKind.REFUND, 6, 10), (EntryKind.REDEEM, -6, 4), (EntryKind.EARN, 10, 10)]
    oil.refresh_from_db()
    assert oil.stock == 2


def test_entries_are_numbered_and_chained_per_account(town):
    award(town.household_a, town.staff_a)
    award(town.household_a, town.staff_a)
    award(town.household_b, town.staff_b)
    a1, a2 = Entry.objects.filter(account__household=town.household_a).order_by("sequence")
    (b1,) = Entry.objects.filter(account__household=town.household_b)
    assert (a1.sequence, a2.sequence, b1.sequence) == (1, 2, 1)
    assert a1.prev_hash == "0" * 64 and b1.prev_hash == "0" * 64
    assert a2.prev_hash == a1.hash
    assert a2.hash == a2.compute_hash()
    account = Account.objects.get(household=town.household_a)
    assert (account.balance, account.last_sequence, account.last_hash) == (20, 2, a2.hash)


def test_a_correction_is_a_compensating_entry_that_keeps_the_original(town):
    entry = award(town.household_a, town.staff_a)
    correction = entry_correct(entry=entry, actor=town.staff_a, reason="重复登记")
    assert correction.kind == EntryKind.ADJUST and correction.amount == -10 and correction.corrects == entry
    assert "重复登记" in correction.note
    assert Entry.objects.filter(pk=entry.pk).exists()
    assert balance_of(town.household_a) == 0 == ledger_sum(town.household_a)


def test_the_stored_balance_always_equals_the_sum_of_entries(town, soap):
    give(town.household_a, town.staff_a, 35)
    for _ in range(3):
        redemption_create(user=town.resident_a, product=soap, quantity=2)
    redemption_cancel(redemption=Redemption.objects.first(), actor=town.staff_a)
    assert balance_of(town.household_a) == ledger_sum(town.household_a) == 35 - 12


def test_verify_points_ledger_passes_on_an_intact_ledger(town, soap, capsys):
    give(town.household_a, town.staff_a, 20)
    redemption_create(user=town.resident_a, product=soap, quantity=1)
    call_command("verify_points_ledger")
    out = capsys.readouterr().out
    assert "1 accounts, 2 entries" in out and "intact" in out


def _tamper(sql: str, params: list) -> None:
    """Change the ledger behind the application's back (on PostgreSQL past the trigger)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks would block ALTER TABLE inside the test's transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE points_entry DISABLE TRIGGER points_entry_no_update_delete")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE points_entry ENABLE TRIGGER points_entry_no_update_delete")


def test_verify_points_ledger_names_an_entry_changed_behind_the_applications_back(town, capsys):
    first = award(town.household_a, town.staff_a)
    award(town.household_a, town.staff_a)
    _tamper("UPDATE points_entry SET amount = 100, balance_after = 100 WHERE id = %s", [first.pk])
    with pytest.raises(CommandError) as failure:
        call_command("verify_points_ledger")
    assert failure.value.returncode == 1
    err = capsys.readouterr().err
    assert f"entry {first.pk} (number 1)" in err and "content does not match its hash" in err
    assert "1 bad accounts" in str(failure.value)


def test_verify_points_ledger_notices_a_deleted_entry(town, capsys):
    award(town.household_a, town.staff_a)
    second = award(town.household_a, town.staff_a)
    _tamper("DELETE FROM points_entry WHERE id = %s", [second.pk])
    with pytest.raises(CommandError):
        call_command("verify_points_ledger")
    assert "account head" in capsys.readouterr().err


def test_verify_points_ledger_notices_a_changed_stored_balance(town, capsys):
    give(town.household_a, town.staff_a, 10)
    Account.objects.filter(household=town.household_a).update(balance=500)
    with pytest.raises(CommandError):
        call_command("verify_points_ledger")
    assert "stored balance 500 != sum of entries 10" in capsys.readouterr().err


@pytest.mark.postgres
def test_postgresql_refuses_update_of_an_entry(town):
    entry = give(town.household_a, town.staff_a, 10)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE points_entry SET amount = 1000 WHERE id = %s", [entry.pk])
    assert Entry.objects.get(pk=entry.pk).amount == 10


@pytest.mark.postgres
def test_postgresql_refuses_delete_of_an_entry(town):
    entry = give(town.household_a, town.staff_a, 10)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM points_entry WHERE id = %s", [entry.pk])
    assert Entry.objects.filter(pk=entry.pk).exists()


def test_the_database_refuses_a_negative_balance(town):
    from django.db import IntegrityError

    give(town.household_a, town.staff_a, 10)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(household=town.household_a).update(balance=-1)
