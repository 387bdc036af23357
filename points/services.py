"""Every change to points: awards, corrections, redemptions. Nothing else writes the ledger.

Each ledger write happens under a row lock on the household's `Account` (SELECT ... FOR UPDATE),
so the entries of one account form a strict sequence whose hash chain and stored balance stay
consistent, while different accounts never wait on each other. Redemptions lock the account
first and the product second, always in that order, so two requests cannot deadlock.
"""

from __future__ import annotations

import copy
import datetime
import logging
import os
import secrets
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from points.exceptions import (
    AlreadyAwarded,
    AlreadyCorrected,
    CapReached,
    InsufficientPoints,
    OutOfStock,
    ProductUnavailable,
    RedemptionNotReserved,
    RuleInactive,
    RuleNotApplicable,
    RuleNotInForce,
)
from points.models import (
    AWARDER_SYSTEM,
    Account,
    Entry,
    EntryKind,
    Product,
    Redemption,
    RedemptionStatus,
    Rule,
    RuleUnit,
    RuleVersion,
    SourceType,
)
from practice_center.exceptions import NotAllowed
from practice_center.models import Household, Site, User
from practice_center.scoping import home_station, scope

logger = logging.getLogger(__name__)

# Unambiguous: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
PICKUP_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
PICKUP_CODE_LENGTH = 6
MAX_QUANTITY = 20
NOTE_MAX = 200


# ---- the ledger head ------------------------------------------------------------------------
def account_for(household: Household) -> Account:
    """The household's account, created on first use (not locked)."""
    account, _created = Account.objects.get_or_create(household=household)
    return account


def _lock_account(household: Household) -> Account:
    account = Account.objects.select_for_update().filter(household=household).first()
    if account is None:  # the first entry of this household: create, then lock
        account = Account.objects.select_for_update().get(pk=account_for(household).pk)
    return account


def _one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= NOTE_MAX else text[: NOTE_MAX - 1] + "…"


def _append(
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
    """Append one entry to a LOCKED account and move the account's head. Raises
    InsufficientPoints rather than let the balance go below zero."""
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
        note=_one_line(note),
        balance_after=new_balance,
        prev_hash=account.last_hash,
    )
    if attachment is not None:
        # Store the file first: its name is part of the hashed content.
        entry.attachment.save(attachment.name, attachment, save=False)
    entry.hash = entry.compute_hash()
    entry.save(force_insert=True)
    account.balance = new_balance
    account.last_sequence = entry.sequence
    account.last_hash = entry.hash
    account.save(update_fields=["balance", "last_sequence", "last_hash", "updated_at"])
    return entry


# ---- rules ------------------------------------------------------------------------------------
def rule_version_at(rule: Rule, at: datetime.datetime) -> RuleVersion:
    version = rule.versions.filter(effective_from__lte=at).order_by("-effective_from").first()
    if version is None:
        raise RuleNotInForce()
    return version


@transaction.atomic
def rule_change_points(
    *, rule: Rule, points: int, effective_from: datetime.datetime | None = None, actor: User, note: str = ""
) -> RuleVersion:
    """A new version of the rule's points from `effective_from` (default now). Entries keep theirs."""
    if not scope(actor).is_center_admin:
        raise NotAllowed(_("Only the center admin changes the rules."))
    if points <= 0:
        raise ValidationError({"points": _("Points must be a positive whole number.")})
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    last = rule.versions.order_by("-number").first()
    return RuleVersion.objects.create(
        rule=rule,
        number=(last.number + 1) if last else 1,
        points=points,
        effective_from=effective_from or timezone.now(),
        note=note[:200],
        created_by=actor,
    )


def may_award(actor: User | None, rule: Rule, household: Household) -> bool:
    """True if `actor` (None: the system) may award `rule` to `household`."""
    if actor is None:
        return AWARDER_SYSTEM in rule.awarded_by
    sc = scope(actor)
    if sc.is_superuser:
        return True
    station = household.grid.station
    held = {role for role, site in sc.site_roles if station.path.startswith(site.path)}
    return bool(held & set(rule.awarded_by))


def _explain(rule: Rule, version: RuleVersion, quantity: Decimal, amount: int, note: str) -> str:
    # Stored text: written in the portal's default language so every reader sees the same line.
    with translation.override(settings.LANGUAGE_CODE):
        if rule.unit == RuleUnit.HOUR:
            line = _("%(rule)s: %(hours)s h × %(points)s = %(amount)s points") % {
                "rule": rule.name,
                "hours": _format_quantity(quantity),
                "points": version.points,
                "amount": amount,
            }
        elif quantity != 1:
            line = _("%(rule)s: %(count)s × %(points)s = %(amount)s points") % {
                "rule": rule.name,
                "count": _format_quantity(quantity),
                "points": version.points,
                "amount": amount,
            }
        else:
            line = _("%(rule)s: %(amount)s points") % {"rule": rule.name, "amount": amount}
    note = " ".join(note.split())
    return f"{line} · {note}" if note else line


def _format_quantity(quantity: Decimal) -> str:
    text = format(quantity.normalize(), "f")
    return text


def _period_sum(account: Account, rule: Rule, start: datetime.datetime, end: datetime.datetime) -> int:
    total = Entry.objects.filter(
        account=account, rule=rule, kind=EntryKind.EARN, created_at__gte=start, created_at__lt=end
    ).aggregate(total=Sum("amount"))["total"]
    return total or 0


def _check_caps(account: Account, rule: Rule, amount: int, at: datetime.datetime) -> None:
    local = timezone.localtime(at)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    next_day = day_start + datetime.timedelta(days=1)
    if rule.cap_per_day is not None and _period_sum(account, rule, day_start, next_day) + amount > rule.cap_per_day:
        raise CapReached(_("At most %(cap)s points a day under this rule.") % {"cap": rule.cap_per_day})
    if rule.cap_per_month is not None:
        month_start = day_start.replace(day=1)
        next_month = (month_start + datetime.timedelta(days=32)).replace(day=1)
        if _period_sum(account, rule, month_start, next_month) + amount > rule.cap_per_month:
            raise CapReached(_("At most %(cap)s points a month under this rule.") % {"cap": rule.cap_per_month})


def _as_quantity(value) -> Decimal:
    try:
        quantity = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"quantity": _("Enter a number.")}) from exc
    if not quantity.is_finite() or quantity <= 0 or quantity > 1000:
        raise ValidationError({"quantity": _("Enter a number greater than 0.")})
    return quantity


@transaction.atomic
def points_award(
    *,
    household: Household,
    rule: Rule | str,
    actor: User | None,
    source_type: str = SourceType.MANUAL,
    source_id: int | None = None,
    quantity: Decimal | int = 1,
    note: str = "",
    evidence: str = "",
    attachment: UploadedFile | None = None,
    at: datetime.datetime | None = None,
) -> Entry:
    """Award `rule` to `household` (×`quantity`, e.g. hours). `actor=None` is the system
    (automatic awards from events). One source earns a rule once (AlreadyAwarded), also when
    two awards race: the unique constraint decides and the loser is told."""
    if isinstance(rule, str):
        rule = Rule.objects.filter(code=rule).first()
        if rule is None:
            raise ValidationError({"rule": _("No rule with this code.")})
    if not rule.is_active:
        raise RuleInactive()
    if actor is not None and not scope(actor).manages_household(household):
        raise NotAllowed(_("You can only award points to households of your stations."))
    if not may_award(actor, rule, household):
        raise NotAllowed(_("Your role may not award this rule."))
    if not rule.covers(household.grid.station):
        raise RuleNotApplicable()
    if source_type == SourceType.MANUAL and actor is not None and not (note.strip() or evidence.strip()):
        raise ValidationError({"note": _("Say what the household did (the evidence of the award).")})
    at = at or timezone.now()
    quantity = _as_quantity(quantity)
    version = rule_version_at(rule, at)
    amount = int((version.points * quantity).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if amount <= 0:
        raise ValidationError({"quantity": _("This earns no points.")})

    account = _lock_account(household)
    if (
        source_id is not None
        and Entry.objects.filter(
            account=account, rule=rule, source_type=source_type, source_id=source_id, kind=EntryKind.EARN
        ).exists()
    ):
        raise AlreadyAwarded()
    _check_caps(account, rule, amount, at)
    try:
        with transaction.atomic():
            return _append(
                account=account,
                amount=amount,
                kind=EntryKind.EARN,
                rule=rule,
                rule_version=version,
                source_type=source_type,
                source_id=source_id,
                note=_explain(rule, version, quantity, amount, note),
                evidence=evidence.strip(),
                attachment=attachment,
                actor=actor,
                at=at,
            )
    except IntegrityError as exc:
        raise AlreadyAwarded() from exc


def points_award_automatic(**kwargs) -> Entry | None:
    """An award from an event: a duplicate, a cap or a rule out of force is skipped quietly
    (logged), never an error for the action that caused it."""
    from points.exceptions import PointsError

    try:
        with transaction.atomic():
            return points_award(actor=None, **kwargs)
    except (PointsError, NotAllowed) as exc:
        logger.info("points: automatic award skipped (%s): %s", getattr(exc, "code", "not_allowed"), kwargs)
        return None


# ---- corrections ------------------------------------------------------------------------------
def _require_manager(actor: User, household: Household) -> None:
    if not scope(actor).manages_household(household):
        raise NotAllowed(_("Only staff of the household's station can correct its points."))


@transaction.atomic
def entry_correct(*, entry: Entry, actor: User, reason: str) -> Entry:
    """Undo an entry by a compensating `adjust` entry of the opposite amount, with a reason."""
    household = entry.account.household
    _require_manager(actor, household)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    if entry.kind not in (EntryKind.EARN, EntryKind.ADJUST):
        raise AlreadyCorrected(_("Redemptions are corrected by cancelling them."))
    account = _lock_account(household)
    if Entry.objects.filter(corrects=entry).exists():
        raise AlreadyCorrected()
    with translation.override(settings.LANGUAGE_CODE):
        note = _("Correction of entry %(number)s: %(reason)s") % {"number": entry.sequence, "reason": reason}
    return _append(
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


@transaction.atomic
def points_adjust(*, household: Household, amount: int, actor: User, reason: str) -> Entry:
    """A manual adjustment (positive or negative) by staff, with a reason."""
    _require_manager(actor, household)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the adjustment.")})
    if not isinstance(amount, int) or amount == 0:
        raise ValidationError({"amount": _("Enter a whole number other than 0.")})
    account = _lock_account(household)
    with translation.override(settings.LANGUAGE_CODE):
        note = _("Adjustment: %(reason)s") % {"reason": reason}
    return _append(
        account=account,
        amount=amount,
        kind=EntryKind.ADJUST,
        source_type=SourceType.MANUAL,
        source_id=None,
        note=note,
        evidence=reason.strip(),
        actor=actor,
    )


# ---- the shop -----------------------------------------------------------------------------------
def may_redeem_at(user: User, product: Product) -> bool:
    station = home_station(user) if user.household_id else None
    return station is not None and product.site_id in station.ancestor_ids()


def _new_pickup_code() -> str:
    return "".join(secrets.choice(PICKUP_ALPHABET) for _i in range(PICKUP_CODE_LENGTH))


def _as_count(value) -> int:
    if isinstance(value, bool):
        raise ValidationError({"quantity": _("Enter a whole number.")})
    try:
        quantity = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"quantity": _("Enter a whole number.")}) from exc
    if quantity != value and str(quantity) != str(value).strip():
        raise ValidationError({"quantity": _("Enter a whole number.")})
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationError({"quantity": _("Enter a number from 1 to %(max)s.") % {"max": MAX_QUANTITY}})
    return quantity


def redemption_create(
    *, user: User, product: Product, quantity: int, at: datetime.datetime | None = None
) -> Redemption:
    """A resident reserves goods: points and stock are taken at once, a pickup code is given.

    The pickup code is drawn before the transaction; in the rare case it is taken (one in
    25**6), the whole transaction is rolled back and run again with a new code. That costs
    nothing in the usual case, unlike a savepoint around the insert (two more round trips on
    every redemption)."""
    for _attempt in range(10):
        try:
            if connection.vendor == "postgresql":
                redemption = _redemption_create_pg(user=user, product=product, quantity=quantity, at=at)
                if redemption is not None:
                    return redemption
            return _redemption_create_once(
                user=user, product=product, quantity=quantity, at=at, pickup_code=_new_pickup_code()
            )
        except IntegrityError as exc:
            if "pickup_code" not in str(exc):
                raise
    raise IntegrityError("no free pickup code")  # pragma: no cover - ten collisions in a row


def _redeem_checks(*, user: User, product: Product, quantity) -> int:
    """The checks before any write: the quantity (returned as an int), a household, the station."""
    quantity = _as_count(quantity)
    if not user.household_id:
        raise NotAllowed(_("Only residents of a household can redeem points."))
    if not may_redeem_at(user, product):
        raise NotAllowed(_("This item is offered at another station."))
    return quantity


@transaction.atomic
def _redemption_create_once(
    *, user: User, product: Product, quantity: int, at: datetime.datetime | None, pickup_code: str
) -> Redemption:
    """One attempt of `redemption_create`.

    Locks the account (SELECT ... FOR UPDATE), then the product: its stock is taken by a
    guarded `UPDATE ... SET stock = stock - n WHERE stock >= n` as the LAST statement, so the
    product row (shared by every resident redeeming it) stays locked only for the commit, not
    for the whole transaction. The same order (account, then product) as every other write,
    so no deadlock; if the guard fails, the whole transaction (redemption, entry) rolls back."""
    quantity = _redeem_checks(user=user, product=product, quantity=quantity)
    household = user.household
    account = _lock_account(household)
    product = Product.objects.get(pk=product.pk)
    if not product.is_active:
        raise ProductUnavailable()
    if product.stock < quantity:  # refused early; the guarded UPDATE below is what decides
        raise OutOfStock()
    points = product.price * quantity
    if account.balance < points:
        raise InsufficientPoints()
    at = at or timezone.now()
    redemption = Redemption.objects.create(
        household=household,
        product=product,
        quantity=quantity,
        points=points,
        pickup_code=pickup_code,
        created_by=user,
        created_at=at,
    )
    with translation.override(settings.LANGUAGE_CODE):
        note = _("Redeemed %(product)s × %(quantity)s = %(points)s points") % {
            "product": product.name,
            "quantity": quantity,
            "points": points,
        }
    _append(
        account=account,
        amount=-points,
        kind=EntryKind.REDEEM,
        source_type=SourceType.REDEMPTION,
        source_id=redemption.pk,
        note=note,
        actor=user,
        at=at,
    )
    taken = Product.objects.filter(pk=product.pk, is_active=True, price=product.price, stock__gte=quantity).update(
        stock=F("stock") - quantity
    )
    if not taken:  # sold out (or withdrawn, or repriced) while we wrote: undo everything
        current = Product.objects.filter(pk=product.pk).values("is_active", "price").first()
        if current and current["is_active"] and current["price"] == product.price:
            raise OutOfStock()
        raise ProductUnavailable()
    product.stock -= quantity
    return redemption


_REDEEM_REFUSALS = {
    "unavailable": ProductUnavailable,
    "out_of_stock": OutOfStock,
    "insufficient": InsufficientPoints,
}


def _redemption_create_pg(
    *, user: User, product: Product, quantity: int, at: datetime.datetime | None
) -> Redemption | None:
    """PostgreSQL: one attempt of `redemption_create` as ONE statement, the function
    `points_redeem` (migration 0005), with the same checks, locks, rows, hash chain and
    exceptions as `_redemption_create_once`.

    Outside a transaction the statement is its own transaction (autocommit): no BEGIN/COMMIT
    round trips, and the account and product rows are locked only inside the server, never
    while this process waits for a CPU. Inside the caller's transaction it runs there, in a
    savepoint, so a taken pickup code (unique violation, drawn again by the caller) does not
    spoil the caller's transaction. Returns None (the caller then takes the ORM path) only if
    the translated note is not a plain template."""
    quantity = _redeem_checks(user=user, product=product, quantity=quantity)
    with translation.override(settings.LANGUAGE_CODE):
        template = str(_("Redeemed %(product)s × %(quantity)s = %(points)s points"))
    bare = template.replace("%(product)s", "").replace("%(quantity)s", "").replace("%(points)s", "")
    if "%" in bare:  # e.g. "%%": Python's formatting would differ from the plain replace in SQL
        return None
    at = at or timezone.now()
    pickup_code = _new_pickup_code()
    if connection.in_atomic_block:
        with transaction.atomic():
            return _redeem_sql(
                user=user, product=product, quantity=quantity, at=at, pickup_code=pickup_code, template=template
            )
    return _redeem_sql(user=user, product=product, quantity=quantity, at=at, pickup_code=pickup_code, template=template)


def _redeem_sql(
    *, user: User, product: Product, quantity: int, at: datetime.datetime, pickup_code: str, template: str
) -> Redemption:
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT * FROM points_redeem(%s, %s, %s, %s, %s, %s, %s)",
                [user.household_id, product.pk, quantity, pickup_code, user.pk, template, at],
            )
            status, redemption_id, _entry_id, points, name, price, stock, is_active = cursor.fetchone()
    except DatabaseError as exc:  # the guarded stock UPDATE failed: sold out (or withdrawn) meanwhile
        code = getattr(exc.__cause__, "pgcode", None)
        if code == "PR001":
            raise OutOfStock() from exc
        if code == "PR002":
            raise ProductUnavailable() from exc
        raise
    if status == "missing":
        raise Product.DoesNotExist("Product matching query does not exist.")
    if status != "ok":
        raise _REDEEM_REFUSALS[status]()
    fresh = copy.copy(product)
    fresh.name, fresh.price, fresh.stock, fresh.is_active = name, price, stock, is_active
    redemption = Redemption(
        pk=redemption_id,
        household_id=user.household_id,
        product=fresh,
        quantity=quantity,
        points=points,
        status=RedemptionStatus.RESERVED,
        pickup_code=pickup_code,
        created_by=user,
        created_at=at,
    )
    redemption._state.adding = False
    redemption._state.db = connection.alias
    return redemption


def redemption_find_by_code(*, actor: User, pickup_code: str) -> Redemption:
    """The redemption with this code among the goods of the staff member's subtrees.
    Raises Redemption.DoesNotExist otherwise."""
    code = (pickup_code or "").strip().upper()
    return (
        Redemption.objects.filter(scope(actor).site_q("product__site"), pickup_code=code)
        .select_related("product", "household")
        .get()
    )


@transaction.atomic
def redemption_fulfil(*, redemption: Redemption, actor: User, pickup_code: str) -> Redemption:
    """Staff of the product's site hand the goods over against the pickup code (核销)."""
    redemption = Redemption.objects.select_for_update().select_related("product__site").get(pk=redemption.pk)
    if not scope(actor).manages_site(redemption.product.site):
        raise NotAllowed(_("Only staff of the site that holds the goods can hand them over."))
    code = (pickup_code or "").strip().upper()
    if not secrets.compare_digest(code.encode(), redemption.pickup_code.encode()):
        raise ValidationError({"pickup_code": _("This is not the pickup code of this redemption.")})
    if redemption.status != RedemptionStatus.RESERVED:
        raise RedemptionNotReserved()
    redemption.status = RedemptionStatus.FULFILLED
    redemption.fulfilled_by = actor
    redemption.fulfilled_at = timezone.now()
    redemption.save(update_fields=["status", "fulfilled_by", "fulfilled_at"])
    return redemption


def may_cancel(actor: User, redemption: Redemption) -> bool:
    sc = scope(actor)
    return (
        actor.household_id == redemption.household_id
        or sc.manages_household(redemption.household)
        or sc.manages_site(redemption.product.site)
    )


@transaction.atomic
def redemption_cancel(*, redemption: Redemption, actor: User, reason: str = "") -> Redemption:
    """Cancel before pickup: the points come back (a refund entry) and so does the stock.
    Locks account, redemption, product in that order."""
    redemption = Redemption.objects.select_related("product__site", "household__grid__station").get(pk=redemption.pk)
    if not may_cancel(actor, redemption):
        raise NotAllowed(_("Only the household or staff can cancel this redemption."))
    account = _lock_account(redemption.household)
    redemption = Redemption.objects.select_for_update().get(pk=redemption.pk)
    if redemption.status != RedemptionStatus.RESERVED:
        raise RedemptionNotReserved()
    product = Product.objects.select_for_update().get(pk=redemption.product_id)
    with translation.override(settings.LANGUAGE_CODE):
        note = _("Refund of cancelled redemption %(code)s: %(product)s × %(quantity)s") % {
            "code": redemption.pickup_code,
            "product": product.name,
            "quantity": redemption.quantity,
        }
    _append(
        account=account,
        amount=redemption.points,
        kind=EntryKind.REFUND,
        source_type=SourceType.REDEMPTION,
        source_id=redemption.pk,
        note=f"{note} · {reason}" if reason.strip() else note,
        actor=actor,
    )
    product.stock += redemption.quantity
    product.save(update_fields=["stock"])
    redemption.status = RedemptionStatus.CANCELLED
    redemption.cancelled_by = actor
    redemption.cancelled_at = timezone.now()
    redemption.cancel_reason = reason.strip()[:200]
    redemption.save(update_fields=["status", "cancelled_by", "cancelled_at", "cancel_reason"])
    return redemption


# ---- products (staff) ---------------------------------------------------------------------------
@transaction.atomic
def product_restock(*, product: Product, actor: User, add: int) -> Product:
    if not scope(actor).manages_site(product.site):
        raise NotAllowed()
    if not isinstance(add, int) or add <= 0:
        raise ValidationError({"add": _("Enter a whole number greater than 0.")})
    product = Product.objects.select_for_update().get(pk=product.pk)
    product.stock += add
    product.save(update_fields=["stock"])
    return product


# Uploads (product pictures, award evidence). Pillow is not a dependency, so the type is told
# from the file's first bytes as well as its name: a renamed .exe or an SVG (scripts) is refused.
UPLOAD_MAX_BYTES = 5 * 1024 * 1024
_IMAGE_SIGNATURES = {
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),  # and "WEBP" at offset 8, checked below
}
_PDF_SIGNATURES = {".pdf": (b"%PDF-",)}


def check_upload(upload, *, field: str, allow_pdf: bool = False) -> None:
    """Refuse a file over 5 MB or not an image (JPEG, PNG, GIF, WebP) or, if `allow_pdf`, a
    PDF: a ValidationError on `field` with a message that says what is accepted."""
    allowed = {**_IMAGE_SIGNATURES, **(_PDF_SIGNATURES if allow_pdf else {})}
    if upload.size is not None and upload.size > UPLOAD_MAX_BYTES:
        raise ValidationError(
            {field: _("The file is too large (%(size)s MB); at most 5 MB.") % {"size": f"{upload.size / 2**20:.1f}"}}
        )
    if allow_pdf:
        wrong_type = _("Only a photo (JPEG, PNG, GIF, WebP) or a PDF can be attached.")
    else:
        wrong_type = _("Only a picture (JPEG, PNG, GIF, WebP) can be uploaded.")
    extension = os.path.splitext(upload.name or "")[1].lower()
    if extension not in allowed:
        raise ValidationError({field: wrong_type})
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(16)
    upload.seek(position)
    if not head.startswith(allowed[extension]) or (extension == ".webp" and head[8:12] != b"WEBP"):
        raise ValidationError({field: wrong_type})
    if upload.size == 0:
        raise ValidationError({field: _("The file is empty.")})


PRODUCT_FIELDS = ("name", "description", "points_price", "stock", "picture", "is_active")


def _strict_int(value) -> int | None:
    """The value as an int if it is a whole number (not a bool, not a fraction), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number


def _clean_product(values: dict) -> dict:
    """Check the product fields present in `values`; collect every message, then raise."""
    errors: dict[str, str] = {}
    cleaned: dict = {}
    if "name" in values:
        name = " ".join(str(values["name"] or "").split())
        if not name:
            errors["name"] = _("Give the product a name.")
        elif len(name) > 100:
            errors["name"] = _("At most 100 characters.")
        cleaned["name"] = name
    if "description" in values:
        cleaned["description"] = str(values["description"] or "").strip()
    if "points_price" in values:
        price = _strict_int(values["points_price"])
        if price is None or price < 1:
            errors["points_price"] = _("The price is a whole number of points, at least 1.")
        elif price > 1_000_000:
            errors["points_price"] = _("The price is at most 1 000 000 points.")
        cleaned["price"] = price
    if "stock" in values:
        stock = _strict_int(values["stock"])
        if stock is None or stock < 0:
            errors["stock"] = _("The stock is a whole number, 0 or more.")
        elif stock > 1_000_000:
            errors["stock"] = _("The stock is at most 1 000 000.")
        cleaned["stock"] = stock
    if "is_active" in values:
        cleaned["is_active"] = bool(values["is_active"])
    picture = values.get("picture")
    if picture:  # an upload; False means "remove the picture", None "leave it"
        try:
            check_upload(picture, field="picture")
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def product_create(
    *,
    site: Site,
    name: str,
    description: str,
    points_price: int,
    stock: int,
    picture: UploadedFile | None = None,
    is_active: bool = True,
    actor: User,
) -> Product:
    """Staff of `site` (or above) put new goods on the shelf; residents see them at once."""
    if not scope(actor).manages_site(site):
        raise NotAllowed(_("You can only add goods at the sites you manage."))
    cleaned = _clean_product(
        {
            "name": name,
            "description": description,
            "points_price": points_price,
            "stock": stock,
            "is_active": is_active,
            "picture": picture,
        }
    )
    product = Product(site=site, **cleaned)
    if picture:
        product.picture.save(picture.name, picture, save=False)
    product.save(force_insert=True)
    return product


@transaction.atomic
def product_update(*, product: Product, actor: User, stock_seen: int | None = None, **fields) -> Product:
    """Change a product's name, description, price (`points_price`), stock, picture or offer.

    Stock is changed by the DIFFERENCE between the new value and the stock the staff member
    saw (`stock_seen`, default `product.stock` as the caller read it), applied by one guarded
    `UPDATE ... SET stock = stock + d WHERE stock + d >= 0`: a redemption that took stock in
    between is kept, never overwritten. If those redemptions leave too little to lower the
    stock by d, the change is refused with a message on `stock`. Everything is one statement,
    so the product row (which redemptions lock last) is held only until the commit."""
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"product_update() got unexpected fields: {', '.join(sorted(unknown))}")
    current = Product.objects.select_related("site").get(pk=product.pk)
    if not scope(actor).manages_site(current.site):
        raise NotAllowed(_("Only staff of the site that holds the goods can change them."))
    cleaned = _clean_product(fields)
    changes: dict = {k: v for k, v in cleaned.items() if k != "stock"}
    delta = 0
    if "stock" in cleaned:
        seen = product.stock if stock_seen is None else _strict_int(stock_seen)
        if seen is None or not 0 <= seen <= 1_000_000:
            raise ValidationError({"stock": _("The stock is a whole number, 0 or more.")})
        delta = cleaned["stock"] - seen
        if delta:
            changes["stock"] = F("stock") + delta
    picture = fields.get("picture")
    if picture:
        holder = Product(pk=current.pk)
        holder.picture.save(picture.name, picture, save=False)
        changes["picture"] = holder.picture.name
    elif picture is False:
        changes["picture"] = ""
    if changes:
        guarded = Product.objects.filter(pk=current.pk)
        if delta < 0:
            guarded = guarded.filter(stock__gte=-delta)
        if not guarded.update(**changes):
            if picture:  # the row was not changed: do not keep the file it would have shown
                Product._meta.get_field("picture").storage.delete(changes["picture"])
            left = Product.objects.filter(pk=current.pk).values_list("stock", flat=True).first()
            raise ValidationError(
                {
                    "stock": _(
                        "Residents reserved some meanwhile: only %(left)s are left, so the stock cannot go "
                        "down by %(down)s. Check the shelf and try again."
                    )
                    % {"left": left, "down": -delta}
                }
            )
    return Product.objects.select_related("site").get(pk=current.pk)


__all__ = [
    "account_for",
    "entry_correct",
    "may_award",
    "may_cancel",
    "may_redeem_at",
    "points_adjust",
    "points_award",
    "points_award_automatic",
    "check_upload",
    "product_create",
    "product_restock",
    "product_update",
    "redemption_cancel",
    "redemption_create",
    "redemption_find_by_code",
    "redemption_fulfil",
    "rule_change_points",
    "rule_version_at",
]
