"""Ledger checkpoints (DESIGN.md, "Civility points"; README, "What the ledger key protects").

Every day beat writes the head (last sequence and hash) of every account to a JSON file outside
the database, with one digest over them all: HMAC-SHA256 under settings.LEDGER_HMAC_KEY. The
digest is e-mailed to the center admins and printed on each published monthly bulletin.
`verify_points_ledger` then checks, for every checkpoint file, that each account still has the
entry the file names with the hash it names: a history rewritten after a checkpoint (even with
the trigger disabled and the chain recomputed) no longer matches the file.

File format (one file per checkpoint, `ledger-<UTC time>.json`):
    {"taken_at": ISO time, "digest": hex, "accounts": n, "entries": n,
     "heads": [[account_id, last_sequence, last_hash], ...]}
"""

from __future__ import annotations

import datetime
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from points import notifications
from points.models import Account, LedgerCheckpoint
from points.models.ledger import ledger_hmac


def heads_digest(heads: list[list]) -> str:
    """The digest of account heads `[[id, last_sequence, last_hash], ...]` (in id order)."""
    body = "\n".join(f"{account_id}:{sequence}:{head}" for account_id, sequence, head in heads)
    return ledger_hmac(body.encode())


def checkpoint_dir() -> Path:
    """settings.LEDGER_CHECKPOINT_DIR, created if missing."""
    directory = Path(settings.LEDGER_CHECKPOINT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@transaction.atomic
def checkpoint_take(*, notify_admins: bool = True) -> LedgerCheckpoint:
    """Take a checkpoint now: read every account head in one consistent query, write the file
    (atomically: a temporary file renamed), record the row and tell the center admins (inbox
    and e-mail) the digest. Returns the LedgerCheckpoint."""
    now = timezone.now()
    heads = [list(row) for row in Account.objects.order_by("pk").values_list("pk", "last_sequence", "last_hash")]
    entries = Account.objects.aggregate(n=Sum("last_sequence"))["n"] or 0
    digest = heads_digest(heads)
    name = f"ledger-{now.astimezone(datetime.UTC):%Y%m%dT%H%M%S%fZ}.json"
    content = {
        "taken_at": now.isoformat(),
        "digest": digest,
        "accounts": len(heads),
        "entries": entries,
        "heads": heads,
    }
    directory = checkpoint_dir()
    temporary = directory / f".{name}.tmp"
    temporary.write_text(json.dumps(content, separators=(",", ":")), encoding="utf-8")
    os.replace(temporary, directory / name)
    checkpoint = LedgerCheckpoint.objects.create(
        taken_at=now, digest=digest, accounts=len(heads), entries=entries, file_name=name
    )
    if notify_admins:
        notifications.checkpoint_taken(checkpoint)
    return checkpoint


@dataclass
class CheckpointProblem:
    file: str
    message: str


def checkpoint_files(directory: Path | None = None) -> list[Path]:
    """The checkpoint files, oldest first."""
    directory = Path(directory or settings.LEDGER_CHECKPOINT_DIR)
    return sorted(directory.glob("ledger-*.json")) if directory.exists() else []


def read_checkpoint(path: Path) -> dict:
    """A checkpoint file's content; raises ValueError if it is not one or its digest does not
    match its heads (the file was edited)."""
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        heads = content["heads"]
        digest = content["digest"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"not a checkpoint file: {exc}") from exc
    if heads_digest(heads) != digest:
        raise ValueError("its digest does not match its heads (the file was edited, or the key changed)")
    return content
