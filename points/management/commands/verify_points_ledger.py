"""Recompute every account's hash chain and balance; name the first bad entry; exit 1 if any.

Streams both tables in account order (server-side cursors on PostgreSQL), so memory stays flat
over millions of entries.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from points.models import GENESIS_HASH, HASHED_FIELDS, Account, Entry

CHUNK = 5000


class Command(BaseCommand):
    help = "Check every points account: hash chain, sequence, balances. Exits non-zero on any problem."

    def add_arguments(self, parser):
        parser.add_argument("--max-problems", type=int, default=20, help="Stop listing after this many problems.")

    def handle(self, *args, max_problems: int = 20, **options):
        # One consistent snapshot of both tables, even while the portal keeps writing.
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if connection.vendor == "postgresql" and outermost:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            problems, summary = self._check(max_problems)
        if problems:
            raise CommandError(summary, returncode=1)
        self.stdout.write(self.style.SUCCESS(summary + ": the ledger is intact"))

    def _check(self, max_problems: int) -> tuple[list[str], str]:
        started = time.monotonic()
        problems: list[str] = []
        bad_accounts = 0
        n_entries = 0
        n_accounts = 0

        def report(message: str) -> None:
            problems.append(message)
            if len(problems) <= max_problems:
                self.stderr.write(message)

        accounts = (
            Account.objects.order_by("pk").values_list("pk", "balance", "last_sequence", "last_hash").iterator(CHUNK)
        )
        entries = Entry.objects.order_by("account_id", "sequence").only(*CANONICAL_FIELDS).iterator(chunk_size=CHUNK)
        pending = next(entries, None)
        for account_id, balance, last_sequence, last_hash in accounts:
            n_accounts += 1
            while pending is not None and pending.account_id < account_id:
                report(f"entry {pending.pk}: belongs to account {pending.account_id}, which does not exist")
                pending = next(entries, None)
            running, sequence, prev_hash, bad = 0, 0, GENESIS_HASH, None
            while pending is not None and pending.account_id == account_id:
                entry, pending = pending, next(entries, None)
                n_entries += 1
                if bad is not None:
                    continue
                sequence += 1
                running += entry.amount
                if entry.sequence != sequence:
                    bad = f"sequence is {entry.sequence}, expected {sequence} (an entry is missing or inserted)"
                elif entry.prev_hash != prev_hash:
                    bad = "prev_hash does not match the previous entry's hash (an entry was removed or replaced)"
                elif entry.compute_hash() != entry.hash:
                    bad = "content does not match its hash (the entry was changed)"
                elif entry.balance_after != running:
                    bad = f"balance_after is {entry.balance_after}, the entries sum to {running}"
                elif running < 0:
                    bad = f"the balance goes below zero ({running})"
                if bad is not None:
                    report(f"account {account_id}, entry {entry.pk} (number {entry.sequence}): {bad}")
                    continue
                prev_hash = entry.hash
            if bad is None:
                if last_sequence != sequence or last_hash != prev_hash:
                    bad = (
                        f"account head (number {last_sequence}) does not match the last entry (number {sequence}):"
                        " entries were removed or added behind the application's back"
                    )
                elif balance != running:
                    bad = f"stored balance {balance} != sum of entries {running}"
                if bad is not None:
                    report(f"account {account_id}: {bad}")
            if bad is not None:
                bad_accounts += 1
        while pending is not None:
            report(f"entry {pending.pk}: belongs to account {pending.account_id}, which does not exist")
            n_entries += 1
            pending = next(entries, None)

        seconds = time.monotonic() - started
        summary = (
            f"{n_accounts} accounts, {n_entries} entries checked in {seconds:.1f} s: "
            f"{bad_accounts} bad accounts, {len(problems)} problems"
        )
        if problems and len(problems) > max_problems:
            self.stderr.write(f"... and {len(problems) - max_problems} more")
        return problems, summary


# What the check reads of each entry: the hashed fields (the one list, `HASHED_FIELDS`), the
# stored hash and the id it names in its report.
CANONICAL_FIELDS = ("id", *(attribute for _key, attribute in HASHED_FIELDS), "hash")
