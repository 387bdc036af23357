"""The ledger head: accounts, appending entries, corrections and staff adjustments.

Each ledger write happens under a row lock on the household's `Account` (SELECT ... FOR UPDATE),
so the entries of one account form a strict sequence whose hash chain and stored balance stay
consistent, while different accounts never wait on each other. Every other service that moves
points (awards, redemptions) appends through `append_entry` here. Writes that touch a product
too lock the account first and the product second, always in that order, so no two requests
deadlock.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from points.exceptions import AlreadyCorrected, InsufficientPoints
from points.models import Account, Entry, EntryKind, Rule, RuleVersion, SourceType
from points.permissions import may_correct, may_manage_household
from practice_center.audit import audit_record
from practice_center.exceptions import NotAllowed
from practice_center.models import Household, User

# The explanation column of an entry (`Entry.note`, 200 characters).
NOTE_MAX = 200


def account_for(household: Household) -> Account:
    """The household's account, created on first use (not locked)."""
    account, _created = Account.objects.get_or_create(household=household)
    return account


def lock_account(household: Household) -> Account:
    """The household's account, created if needed and locked (SELECT ... FOR UPDATE) until the
    end of the caller's transaction. Must run inside a transaction."""
    account = Account.objects.select_for_update().filter(household=household).first()
    if account is None:  # the first entry of this household: create, then lock
        account = Account.objects.select_for_update().get(pk=account_for(household).pk)
    return account


def one_line(text: str) -> str:
    """`text` as one line (runs of whitespace become one space) of at most `NOTE_MAX`
    characters, cut with an ellipsis. The SQL function points_redeem (migration 0005) does
    the same to the notes it writes."""
    text = " ".join(str(text).split())
    return text if len(text) <= NOTE_MAX else text[: NOTE_MAX - 1] + "…"


def append_entry(
    *,
    account: Account,
    amount: int,
    kind: str,
    source_type: str,
    source_id: int | None,
    note: str,
    actor: User | None,
    rule: Rule | None = None,
    rule_version: RuleVersion | None = None,
    evidence: str = "",
    attachment: UploadedFile | None = None,
    corrects: Entry | None = None,
    at: datetime.datetime | None = None,
) -> Entry:
    """Append one entry to a LOCKED account (`lock_account`) and move the account's head.

    amount: points, positive or negative (its sign must match `kind`, a database constraint).
    note: the explanation, made one line (`one_line`). at: default now.
    Returns the saved entry (its `hash` covers `HASHED_FIELDS` and the previous hash).
    Raises InsufficientPoints rather than let the balance go below zero.
    """
    new_balance = account.balance + amount
    if new_balance < 0:
        raise InsufficientPoints()
    entry = Entry(
        account=account,
        sequence=account.last_sequence + 1,
        amount=amount,
        kind=kind,
        rule=rule,
        rule_version=rule_version,
        source_type=source_type,
        source_id=source_id,
        evidence=evidence,
        corrects=corrects,
        actor=actor,
        created_at=at or timezone.now(),
        note=one_line(note),
        balance_after=new_balance,
        prev_hash=account.last_hash,
    )
    if attachment is not None:
        # Store the file first: its name is part of the hashed content.
        entry.attachment.save(attachment.name or "", attachment, save=False)
    entry.hash = entry.compute_hash()
    entry.save(force_insert=True)
    account.balance = new_balance
    account.last_sequence = entry.sequence
    account.last_hash = entry.hash
    account.save(update_fields=["balance", "last_sequence", "last_hash", "updated_at"])
    return entry


def audit_entry(*, entry: Entry, action: str, actor: User | None, household: Household, data: dict) -> None:
    """The audit row of a ledger entry: `action` (`entry.award`, `entry.correct`, ...), the
    balance before and after, scoped to the household's station."""
    audit_record(
        actor=actor,
        action=action,
        obj=entry,
        site=household.grid.station,
        changes={"balance": [entry.balance_after - entry.amount, entry.balance_after]},
        data={"household": household.pk, "amount": entry.amount, "kind": entry.kind, **data},
    )


@transaction.atomic
def entry_correct(*, entry: Entry, actor: User, reason: str) -> Entry:
    """Undo an award or an adjustment by a compensating `adjust` entry of the opposite amount.

    reason: why (required), kept as the evidence and in the explanation.
    Returns the new entry. Raises NotAllowed (not staff of the household's station),
    ValidationError on `reason`, AlreadyCorrected (already undone, or a redemption, which is
    corrected by cancelling it) and InsufficientPoints (the points were spent meanwhile).
    """
    household = entry.account.household
    if not may_manage_household(actor, household):
        raise NotAllowed(_("Only staff of the household's station can correct its points."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    if not may_correct(actor, entry):
        raise AlreadyCorrected(_("Redemptions are corrected by cancelling them."))
    account = lock_account(household)
    if Entry.objects.filter(corrects=entry).exists():
        raise AlreadyCorrected()
    with translation.override(settings.LANGUAGE_CODE):
        note = _("Correction of entry %(number)s: %(reason)s") % {"number": entry.sequence, "reason": reason}
    correction = append_entry(
        account=account,
        amount=-entry.amount,
        kind=EntryKind.ADJUST,
        rule=entry.rule,
        rule_version=entry.rule_version,
        source_type=SourceType.MANUAL,
        source_id=None,
        note=note,
        evidence=reason.strip(),
        corrects=entry,
        actor=actor,
    )
    audit_entry(
        entry=correction,
        action="entry.correct",
        actor=actor,
        household=household,
        data={"corrects": entry.pk, "reason": reason.strip()},
    )
    return correction


@transaction.atomic
def points_adjust(*, household: Household, amount: int, actor: User, reason: str) -> Entry:
    """A manual adjustment by staff of the household's station.

    amount: whole points, positive or negative, not 0. reason: why (required).
    Returns the `adjust` entry. Raises NotAllowed, ValidationError on `amount` or `reason`,
    and InsufficientPoints if the balance would go below zero.
    """
    if not may_manage_household(actor, household):
        raise NotAllowed(_("Only staff of the household's station can correct its points."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the adjustment.")})
    if not isinstance(amount, int) or amount == 0:
        raise ValidationError({"amount": _("Enter a whole number other than 0.")})
    account = lock_account(household)
    with translation.override(settings.LANGUAGE_CODE):
        note = _("Adjustment: %(reason)s") % {"reason": reason}
    entry = append_entry(
        account=account,
        amount=amount,
        kind=EntryKind.ADJUST,
        source_type=SourceType.MANUAL,
        source_id=None,
        note=note,
        evidence=reason.strip(),
        actor=actor,
    )
    audit_entry(entry=entry, action="entry.adjust", actor=actor, household=household, data={"reason": reason.strip()})
    return entry


@transaction.atomic
def entry_reverse_automatic(*, entry: Entry, reason: str) -> Entry | None:
    """Reverse an award by the system because the fact it rested on was undone (a verified
    service record rejected later): a compensating `adjust` entry of the opposite amount that
    `corrects` it, made by nobody (actor None). Returns it, or None if the award was already
    corrected. Raises InsufficientPoints if the household spent the points meanwhile (the
    balance never goes below zero); the caller tells staff.
    """
    household = entry.account.household
    account = lock_account(household)
    if Entry.objects.filter(corrects=entry).exists():
        return None
    with translation.override(settings.LANGUAGE_CODE):
        note = _("Reversal of entry %(number)s: %(reason)s") % {"number": entry.sequence, "reason": reason}
    reversal = append_entry(
        account=account,
        amount=-entry.amount,
        kind=EntryKind.ADJUST,
        rule=entry.rule,
        rule_version=entry.rule_version,
        source_type=entry.source_type,
        source_id=entry.source_id,
        note=note,
        evidence=reason.strip(),
        corrects=entry,
        actor=None,
    )
    audit_entry(
        entry=reversal,
        action="entry.reverse",
        actor=None,
        household=household,
        data={"corrects": entry.pk, "reason": reason.strip()},
    )
    return reversal
