"""Recompute every account's hash chain and balance; name the first bad entry; exit 1 if any.

Streams both tables in account order (server-side cursors on PostgreSQL), so memory stays flat
over millions of entries. Hashes are HMAC-SHA256 under settings.LEDGER_HMAC_KEY, so a chain
recomputed without the key fails. The chains are also checked against the newest checkpoint
file kept outside the database (points/checkpoints.py): every account must still hold the
entry the file names with the hash it names, so a history rewritten before that checkpoint is
caught even by someone who has the key; every checkpoint file's digest is checked too.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from points.checkpoints import checkpoint_files, read_checkpoint
from points.models import GENESIS_HASH, HASHED_FIELDS, Account, Entry, LedgerCheckpoint

CHUNK = 5000


class Command(BaseCommand):
    help = "Check every points account: hash chain, sequence, balances. Exits non-zero on any problem."

    def add_arguments(self, parser):
        parser.add_argument("--max-problems", type=int, default=20, help="Stop listing after this many problems.")
        parser.add_argument(
            "--checkpoints",
            default=None,
            help="Folder of the checkpoint files (default settings.LEDGER_CHECKPOINT_DIR); 'none' to skip.",
        )

    def handle(self, *args, max_problems: int = 20, checkpoints: str | None = None, **options):
        self.anchor, self.anchor_name, file_problems = self._load_checkpoints(checkpoints)
        # One consistent snapshot of both tables, even while the portal keeps writing.
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if connection.vendor == "postgresql" and outermost:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            problems, summary = self._check(max_problems)
        for message in file_problems:
            self.stderr.write(message)
        problems += file_problems
        if problems:
            raise CommandError(summary, returncode=1)
        self.stdout.write(self.style.SUCCESS(summary + ": the ledger is intact"))

    def _load_checkpoints(self, folder: str | None) -> tuple[dict[int, tuple[int, str]], str, list[str]]:
        """The newest checkpoint's heads `{account: (sequence, hash)}`, its file name, and the
        problems found in the files (unreadable, or a digest that does not match its heads, or
        a digest that differs from the checkpoint row the database lists)."""
        if folder == "none":
            return {}, "", []
        files = checkpoint_files(Path(folder) if folder else None)
        problems: list[str] = []
        listed = dict(LedgerCheckpoint.objects.values_list("file_name", "digest"))
        newest: dict = {}
        newest_name = ""
        for path in files:
            try:
                content = read_checkpoint(path)
            except ValueError as exc:
                problems.append(f"checkpoint {path.name}: {exc}")
                continue
            if path.name in listed and listed[path.name] != content["digest"]:
                problems.append(f"checkpoint {path.name}: the database lists another digest for it")
            newest, newest_name = content, path.name
        heads = {account_id: (sequence, head) for account_id, sequence, head in newest.get("heads", [])}
        return heads, newest_name, problems

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
                elif self.anchor.get(account_id, (None, None))[0] == entry.sequence and (
                    self.anchor[account_id][1] != entry.hash
                ):
                    bad = f"its hash differs from checkpoint {self.anchor_name} (the history was rewritten)"
                if bad is not None:
                    report(f"account {account_id}, entry {entry.pk} (number {entry.sequence}): {bad}")
                    continue
                prev_hash = entry.hash
            if bad is None and self.anchor.get(account_id, (0, None))[0] > sequence:
                bad = (
                    f"checkpoint {self.anchor_name} names entry number {self.anchor[account_id][0]},"
                    f" but the account has only {sequence} (entries were removed)"
                )
                report(f"account {account_id}: {bad}")
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
