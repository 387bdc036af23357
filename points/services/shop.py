"""The points supermarket: residents reserve goods with points, staff hand them over against
the pickup code (核销), the household or staff cancel before pickup (points and stock back).

Locks: the household's account first, the product second, always in that order (as every
ledger write), so two requests never deadlock. Every step leaves an audit row
(`redemption.create`, `redemption.fulfil`, `redemption.cancel`) in its transaction.
"""

from __future__ import annotations

import copy
import datetime
import secrets
from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from points.exceptions import InsufficientPoints, OutOfStock, ProductUnavailable, RedemptionNotReserved
from points.models import EntryKind, Product, Redemption, RedemptionStatus, SourceType
from points.permissions import may_cancel_redemption, may_fulfil, may_redeem_at
from points.services.ledger import append_entry, lock_account
from practice_center import throttle
from practice_center.audit import audit_record
from practice_center.exceptions import NotAllowed, TooManyAttempts
from practice_center.models import AuditEvent, Household, User
from practice_center.request_context import current_request_id
from practice_center.text import canonical_code

# Unambiguous: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
PICKUP_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
PICKUP_CODE_LENGTH = 6
# The most pieces of one product in one redemption.
MAX_QUANTITY = 20


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


def _redemption_audit_data(*, household_id: int, product: Product, quantity: int, points: int, code: str) -> dict:
    return {
        "household": household_id,
        "product": product.pk,
        "quantity": quantity,
        "points": points,
        "pickup_code": code,
    }


# ---- reserving --------------------------------------------------------------------------------
def redemption_create(
    *, user: User, product: Product, quantity: int, at: datetime.datetime | None = None
) -> Redemption:
    """A resident reserves goods: points and stock are taken at once, a pickup code is given.

    quantity: pieces, a whole number from 1 to MAX_QUANTITY (20). at: default now.
    Returns the reserved Redemption. Raises ValidationError on `quantity`, NotAllowed (not a
    resident of a household, or goods of another station), ProductUnavailable, OutOfStock and
    InsufficientPoints.

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
    household = cast(Household, user.household)  # _redeem_checks refused people without one
    account = lock_account(household)
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
    append_entry(
        account=account,
        amount=-points,
        kind=EntryKind.REDEEM,
        source_type=SourceType.REDEMPTION,
        source_id=redemption.pk,
        note=note,
        actor=user,
        at=at,
    )
    audit_record(
        actor=user,
        action="redemption.create",
        obj=redemption,
        site=product.site,
        changes={"status": [None, RedemptionStatus.RESERVED]},
        data=_redemption_audit_data(
            household_id=household.pk, product=product, quantity=quantity, points=points, code=pickup_code
        ),
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


def _audit_insert_sql() -> str:
    """A data-modifying CTE that writes the audit row of a redemption made by points_redeem in
    the same statement (so in the same transaction, without a BEGIN/COMMIT round trip). Columns
    named from the AuditEvent model; the values are what `audit_record` would write."""
    meta = AuditEvent._meta
    column = {field.name: cast(str, field.column) for field in meta.concrete_fields}  # concrete: always a column
    names: tuple[str, ...] = ("at", "actor", "action", "object_type", "object_id", "object_repr", "site", "changes")
    names += ("data", "request_id")
    # Table and column names come from the model, every value is a parameter.
    return (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} "  # noqa: S608
        f"({', '.join(connection.ops.quote_name(column[name]) for name in names)}) "
        "SELECT now(), %s, 'redemption.create', %s, r.r_redemption_id::text, "
        "left(r.r_product_name || ' × ' || %s || ' · ' || %s, 200), %s, "
        "jsonb_build_object('status', jsonb_build_array(NULL, %s::text)), "
        "jsonb_build_object('household', %s::bigint, 'product', %s::bigint, 'quantity', %s::integer, "
        "'points', r.r_points, 'pickup_code', %s::text), %s "
        "FROM r WHERE r.r_status = 'ok'"
    )


def _redemption_create_pg(
    *, user: User, product: Product, quantity: int, at: datetime.datetime | None
) -> Redemption | None:
    """PostgreSQL: one attempt of `redemption_create` as ONE statement, the function
    `points_redeem` (migration 0005), with the same checks, locks, rows, hash chain and
    exceptions as `_redemption_create_once`, and its audit row (`_audit_insert_sql`).

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
    statement = (
        # The audit part is built from the model's table and column names only (above).
        "WITH r AS (SELECT * FROM points_redeem(%s, %s, %s, %s, %s, %s, %s, %s)), "  # noqa: S608
        f"audit AS ({_audit_insert_sql()}) "
        "SELECT r_status, r_redemption_id, r_entry_id, r_points, r_product_name, r_product_price, "
        "r_product_stock, r_product_active FROM r"
    )
    params = [
        # The ledger key is passed in on every call and never stored in the database.
        *[user.household_id, product.pk, quantity, pickup_code, user.pk, template, at, settings.LEDGER_HMAC_KEY],
        user.pk,
        Redemption._meta.label_lower,
        quantity,
        pickup_code,
        product.site_id,
        RedemptionStatus.RESERVED.value,
        user.household_id,
        product.pk,
        quantity,
        pickup_code,
        current_request_id(),
    ]
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
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
        household_id=cast(int, user.household_id),  # points_redeem refused people without one
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


# ---- handing over and cancelling --------------------------------------------------------------
def redemption_find_by_code(*, actor: User, pickup_code: str) -> Redemption:
    """The redemption with `pickup_code` (made canonical: any case, full width, spaces and
    dashes ignored) among the goods of the sites the staff member manages, with its product
    and household. Raises Redemption.DoesNotExist otherwise, and TooManyAttempts (429) after
    PICKUP_CODE_FAILURES_PER_USER wrong codes by this staff member within the cool-off."""
    key = throttle.pickup_code_key(user_id=actor.pk)
    if retry := throttle.retry_after([key]):
        raise TooManyAttempts(retry)
    code = canonical_code(pickup_code)
    try:
        return (
            Redemption.objects.managed_by(actor)
            .filter(pickup_code=code)
            .select_related("product__site", "household__grid__station")
            .get()
        )
    except Redemption.DoesNotExist:
        if code and (retry := throttle.record_failure([key])):
            raise TooManyAttempts(retry)
        raise


@transaction.atomic
def redemption_fulfil(*, redemption: Redemption, actor: User, pickup_code: str) -> Redemption:
    """Staff of the product's site hand the goods over against the pickup code (核销).

    pickup_code: as typed or scanned (any case); compared in constant time.
    Returns the fulfilled Redemption. Raises NotAllowed, ValidationError on `pickup_code` and
    RedemptionNotReserved (handed over or cancelled already).
    """
    redemption = Redemption.objects.select_for_update().select_related("product__site").get(pk=redemption.pk)
    if not may_fulfil(actor, redemption):
        raise NotAllowed(_("Only staff of the site that holds the goods can hand them over."))
    key = throttle.pickup_code_key(user_id=actor.pk)
    if retry := throttle.retry_after([key]):
        raise TooManyAttempts(retry)
    code = canonical_code(pickup_code)
    if not secrets.compare_digest(code.encode(), redemption.pickup_code.encode()):
        throttle.record_failure([key])
        raise ValidationError({"pickup_code": _("This is not the pickup code of this redemption.")})
    if redemption.status != RedemptionStatus.RESERVED:
        raise RedemptionNotReserved()
    redemption.status = RedemptionStatus.FULFILLED
    redemption.fulfilled_by = actor
    redemption.fulfilled_at = timezone.now()
    redemption.save(update_fields=["status", "fulfilled_by", "fulfilled_at"])
    audit_record(
        actor=actor,
        action="redemption.fulfil",
        obj=redemption,
        site=redemption.product.site,
        changes={"status": [RedemptionStatus.RESERVED, RedemptionStatus.FULFILLED]},
        data={"household": redemption.household_id, "quantity": redemption.quantity},
    )
    return redemption


@transaction.atomic
def redemption_cancel(*, redemption: Redemption, actor: User, reason: str = "") -> Redemption:
    """Cancel before pickup: the points come back (a `refund` entry) and so does the stock.

    actor: the household's resident or staff (`may_cancel_redemption`). reason: optional,
    200 characters. Returns the cancelled Redemption. Raises NotAllowed and
    RedemptionNotReserved. Locks account, redemption, product in that order.
    """
    redemption = Redemption.objects.select_related("product__site", "household__grid__station").get(pk=redemption.pk)
    if not may_cancel_redemption(actor, redemption):
        raise NotAllowed(_("Only the household or staff can cancel this redemption."))
    site = redemption.product.site
    account = lock_account(redemption.household)
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
    refund = append_entry(
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
    audit_record(
        actor=actor,
        action="redemption.cancel",
        obj=redemption,
        site=site,
        changes={"status": [RedemptionStatus.RESERVED, RedemptionStatus.CANCELLED]},
        data={"refund_entry": refund.pk, "points": redemption.points, "reason": redemption.cancel_reason},
    )
    return redemption
