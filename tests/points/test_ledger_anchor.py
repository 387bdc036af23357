"""What the ledger key and the checkpoints protect (README, "What the ledger key protects").

An attacker with the database but without the key edits an entry, disables nothing else and
recomputes the whole chain with plain sha256: the verifier names the entry. An attacker who
also has the key rewrites history: the checkpoint kept outside the database no longer matches.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from points.checkpoints import checkpoint_take, heads_digest, read_checkpoint
from points.models import Account, Entry, LedgerCheckpoint
from points.models.ledger import ledger_hmac
from practice_center.models import Delivery, Notification
from tests.points.ledger_helpers import award
from tests.points.test_ledger import _tamper

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def checkpoint_folder(tmp_path, settings):
    settings.LEDGER_CHECKPOINT_DIR = tmp_path / "checkpoints"
    return settings.LEDGER_CHECKPOINT_DIR


def verify(**options) -> str:
    """Run the verifier; the problems it printed, or "" if the ledger is intact."""
    try:
        call_command("verify_points_ledger", **options)
    except CommandError:
        return "failed"
    return ""


def rewrite_chain(account: Account, amount: int, digest) -> None:
    """Behind the application's back: set the first entry's amount and recompute every hash of
    the account's chain with `digest(canonical bytes) -> hex` (what an attacker can compute)."""
    entries = list(Entry.objects.filter(account=account).order_by("sequence"))
    running, prev = 0, "0" * 64
    for index, entry in enumerate(entries):
        if index == 0:
            entry.amount = amount
        running += entry.amount
        entry.balance_after, entry.prev_hash = running, prev
        entry.hash = digest(entry.canonical())
        _tamper(
            "UPDATE points_entry SET amount = %s, balance_after = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [entry.amount, entry.balance_after, entry.prev_hash, entry.hash, entry.pk],
        )
        prev = entry.hash
    Account.objects.filter(pk=account.pk).update(balance=running, last_hash=prev)


def test_the_hash_is_keyed_a_different_key_gives_a_different_hash(town):
    entry = award(town.household_a, town.staff_a)
    assert entry.hash != hashlib.sha256(entry.canonical()).hexdigest()
    with override_settings(LEDGER_HMAC_KEY=b"another key"):
        assert entry.compute_hash() != entry.hash
        assert verify(checkpoints="none") == "failed"
    assert verify(checkpoints="none") == ""


def test_a_chain_recomputed_without_the_key_is_caught(town, capsys):
    award(town.household_a, town.staff_a)
    award(town.household_a, town.staff_a)
    account = Account.objects.get(household=town.household_a)
    rewrite_chain(account, 500, lambda canonical: hashlib.sha256(canonical).hexdigest())
    assert verify(checkpoints="none") == "failed"
    assert "content does not match its hash" in capsys.readouterr().err


def test_history_rewritten_with_the_key_after_a_checkpoint_is_caught_by_the_checkpoint(town, capsys):
    award(town.household_a, town.staff_a)
    award(town.household_a, town.staff_a)
    checkpoint = checkpoint_take()
    assert verify() == ""
    account = Account.objects.get(household=town.household_a)
    rewrite_chain(account, 500, ledger_hmac)  # an attacker who also holds the key
    assert verify(checkpoints="none") == ""  # with the key, the chain itself looks intact
    assert verify() == "failed"
    assert f"differs from checkpoint {checkpoint.file_name}" in capsys.readouterr().err


def test_entries_removed_after_a_checkpoint_are_caught(town, capsys):
    award(town.household_a, town.staff_a)
    last = award(town.household_a, town.staff_a)
    checkpoint_take()
    _tamper("DELETE FROM points_entry WHERE id = %s", [last.pk])
    account = Account.objects.get(household=town.household_a)
    Account.objects.filter(pk=account.pk).update(last_sequence=1, last_hash=Entry.objects.get(account=account).hash)
    if connection.vendor == "sqlite":  # keep the balance consistent, so only the checkpoint can tell
        Account.objects.filter(pk=account.pk).update(balance=10)
    assert verify() == "failed"
    assert "entries were removed" in capsys.readouterr().err


def test_an_edited_checkpoint_file_is_reported(town, checkpoint_folder, capsys):
    award(town.household_a, town.staff_a)
    checkpoint = checkpoint_take()
    path = checkpoint_folder / checkpoint.file_name
    content = json.loads(path.read_text())
    content["heads"][0][2] = "f" * 64
    path.write_text(json.dumps(content))
    assert verify() == "failed"
    assert "its digest does not match its heads" in capsys.readouterr().err


def test_a_checkpoint_writes_every_head_with_one_digest_and_tells_the_center_admins(town, checkpoint_folder):
    award(town.household_a, town.staff_a)
    award(town.household_b, town.staff_b)
    town.admin.email = "admin@example.org"
    town.admin.save(update_fields=["email"])
    checkpoint = checkpoint_take()
    content = read_checkpoint(checkpoint_folder / checkpoint.file_name)
    heads = list(Account.objects.order_by("pk").values_list("pk", "last_sequence", "last_hash"))
    assert [tuple(h) for h in content["heads"]] == heads
    assert content["digest"] == heads_digest(content["heads"]) == checkpoint.digest
    assert (checkpoint.accounts, checkpoint.entries) == (2, 2)
    notice = Notification.objects.get(kind="ledger_checkpoint", recipient=town.admin)
    assert notice.data["digest"] == checkpoint.digest
    assert Delivery.objects.filter(notification=notice, channel="email").exists()
    assert LedgerCheckpoint.objects.count() == 1


def test_the_daily_beat_task_takes_a_checkpoint(town):
    from points.tasks import ledger_checkpoint

    award(town.household_a, town.staff_a)
    assert ledger_checkpoint() == LedgerCheckpoint.objects.get().digest
