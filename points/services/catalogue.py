"""What can be earned and what can be bought: rule versions, products and their stock.

Rules are edited by the center admin as new versions (an entry keeps the version that made
it); goods are put on the shelf, edited and restocked by staff of the site that holds them.
Every change leaves an audit row (`rule.change_points`, `product.create`, `product.update`,
`product.restock`, `product.reencode_picture`) in its transaction. Pictures and evidence photos
are opened by Pillow and only a re-encoded JPEG is stored (practice_center/images.py).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from points.exceptions import RuleNotInForce
from points.models import Product, Rule, RuleVersion
from points.permissions import may_edit_rules, may_manage_product
from practice_center import images
from practice_center.audit import audit_record, changes_between, snapshot
from practice_center.exceptions import NotAllowed
from practice_center.models import Site, User

# Uploads (product pictures, award evidence): checked and re-encoded by practice_center/images.py.
UPLOAD_MAX_BYTES = 5 * 1024 * 1024
# A product picture is stored as a JPEG of at most this many pixels a side: it is sent to every
# resident's phone in the shop list (a phone screen is about 400 CSS px, 1 080 device px wide).
PRODUCT_PICTURE_EDGE = 800
# An evidence photo is kept larger, for staff to read a receipt or a sign on it.
EVIDENCE_PHOTO_EDGE = 1600

# The fields `product_update` takes (`points_price` is the model's `price`).
PRODUCT_FIELDS = ("name", "description", "points_price", "stock", "picture", "is_active")
# What a product's audit row compares before and after.
AUDITED_PRODUCT_FIELDS = ("name", "description", "price", "stock", "picture", "is_active")
# The most of a price or a stock (pieces), a sanity bound on typing errors.
MAX_PRODUCT_NUMBER = 1_000_000


# ---- rules --------------------------------------------------------------------------------------
def rule_version_at(rule: Rule, at: datetime.datetime) -> RuleVersion:
    """The version of `rule` in force at `at` (the latest `effective_from` not after it).
    Raises RuleNotInForce if the rule had no version yet."""
    version = rule.versions.filter(effective_from__lte=at).order_by("-effective_from").first()
    if version is None:
        raise RuleNotInForce()
    return version


@transaction.atomic
def rule_change_points(
    *, rule: Rule, points: int, effective_from: datetime.datetime | None = None, actor: User, note: str = ""
) -> RuleVersion:
    """A new version of the rule worth `points` (a whole number > 0) from `effective_from`
    (default now); entries already made keep their version. note: the reason (200 characters).

    Returns the new RuleVersion (numbered after the last). Raises NotAllowed (only the center
    admin changes the rules) and ValidationError on `points`.
    """
    if not may_edit_rules(actor):
        raise NotAllowed(_("Only the center admin changes the rules."))
    if points <= 0:
        raise ValidationError({"points": _("Points must be a positive whole number.")})
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    last = rule.versions.order_by("-number").first()
    version = RuleVersion.objects.create(
        rule=rule,
        number=(last.number + 1) if last else 1,
        points=points,
        effective_from=effective_from or timezone.now(),
        note=note[:200],
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="rule.change_points",
        obj=version,
        site=rule.site,
        changes={"points": [last.points if last else None, points]},
        data={
            "rule": rule.code,
            "number": version.number,
            "effective_from": version.effective_from,
            "note": version.note,
        },
    )
    return version


# ---- uploads ------------------------------------------------------------------------------------
def product_picture_file(upload, *, field: str = "picture") -> ContentFile:
    """The product picture to store: the upload opened by Pillow (at most UPLOAD_MAX_BYTES and
    PORTAL["IMAGE_MAX_PIXELS"]) and re-encoded as a JPEG of at most PRODUCT_PICTURE_EDGE px a
    side without metadata, named "<upload's name>.jpg"; the original is never kept.
    Raises ValidationError({field: ...}) (`practice_center.images.open_picture`)."""
    return images.picture_file(upload, field=field, max_bytes=UPLOAD_MAX_BYTES, edge=PRODUCT_PICTURE_EDGE)


def evidence_attachment_file(upload, *, field: str = "attachment"):
    """The award evidence to store: a PDF (by its header and name) as it is, a photo re-encoded
    as a JPEG of at most EVIDENCE_PHOTO_EDGE px a side without metadata; at most UPLOAD_MAX_BYTES.
    Returns the upload or a ContentFile. Raises ValidationError({field: ...})."""
    return images.evidence_file(upload, field=field, max_bytes=UPLOAD_MAX_BYTES, edge=EVIDENCE_PHOTO_EDGE)


def product_pictures_reencode() -> dict[str, int]:
    """Replace every product picture kept from before pictures were re-encoded by
    its `product_picture_file` copy (a JPEG of at most PRODUCT_PICTURE_EDGE px, no metadata),
    and delete the original. A stored file that is not a picture we accept (or is missing) is
    taken off the product and deleted, so no original is ever sent again. Safe to run again: a
    picture already re-encoded is re-encoded once more, to the same size.

    Returns {"reencoded": n, "removed": n}. Each product changes in its own transaction with a
    `product.reencode_picture` audit row (actor None: the system).
    """
    counts = {"reencoded": 0, "removed": 0}
    storage = Product._meta.get_field("picture").storage
    for product_id in Product.objects.exclude(picture="").values_list("pk", flat=True).order_by("pk"):
        with transaction.atomic():
            product = Product.objects.select_for_update().select_related("site").filter(pk=product_id).first()
            if product is None or not product.picture:
                continue
            old = product.picture.name or ""
            try:
                with product.picture.open("rb") as handle:
                    stored = product_picture_file(handle)
            except (ValidationError, FileNotFoundError, OSError):
                stored = None
            if stored is not None:
                product.picture.save(stored.name or "picture.jpg", stored, save=False)
                counts["reencoded"] += 1
            else:
                product.picture = ""
                counts["removed"] += 1
            product.save(update_fields=["picture"])
            audit_record(
                actor=None,
                action="product.reencode_picture",
                obj=product,
                site=product.site,
                changes={"picture": [old, product.picture.name or ""]},
            )
        if old and old != product.picture.name:
            storage.delete(old)
    return counts


# ---- products -----------------------------------------------------------------------------------
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
        elif price > MAX_PRODUCT_NUMBER:
            errors["points_price"] = _("The price is at most 1 000 000 points.")
        cleaned["price"] = price
    if "stock" in values:
        stock = _strict_int(values["stock"])
        if stock is None or stock < 0:
            errors["stock"] = _("The stock is a whole number, 0 or more.")
        elif stock > MAX_PRODUCT_NUMBER:
            errors["stock"] = _("The stock is at most 1 000 000.")
        cleaned["stock"] = stock
    if "is_active" in values:
        cleaned["is_active"] = bool(values["is_active"])
    picture = values.get("picture")
    if picture:  # an upload; False means "remove the picture", None "leave it"
        try:
            cleaned["picture"] = product_picture_file(picture)
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
    """Staff of `site` (or above) put new goods on the shelf; residents see them at once.

    points_price: whole points, 1 to 1 000 000. stock: pieces, 0 to 1 000 000.
    picture: an upload (JPEG, PNG, GIF or WebP of at most 5 MB and IMAGE_MAX_PIXELS), or None;
        only its re-encoded copy is stored (`product_picture_file`: JPEG, at most 800 px).
    Returns the saved Product. Raises NotAllowed (not staff of the site) and ValidationError
    with every bad field at once.
    """
    if not may_manage_product(actor, site):
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
    stored = cleaned.pop("picture", None)
    product = Product(site=site, **cleaned)
    if stored is not None:
        product.picture.save(stored.name, stored, save=False)
    product.save(force_insert=True)
    after = snapshot(product, AUDITED_PRODUCT_FIELDS)
    audit_record(
        actor=actor,
        action="product.create",
        obj=product,
        site=site,
        changes={name: [None, value] for name, value in after.items()},
    )
    return product


@transaction.atomic
def product_update(*, product: Product, actor: User, stock_seen: int | None = None, **fields) -> Product:
    """Change a product's name, description, price (`points_price`), stock, picture (an upload,
    stored only as its `product_picture_file` copy, or False to remove it) or offer
    (`is_active`); only the fields given change.

    Stock is changed by the DIFFERENCE between the new value and the stock the staff member
    saw (`stock_seen`, default `product.stock` as the caller read it), applied by one guarded
    `UPDATE ... SET stock = stock + d WHERE stock + d >= 0`: a redemption that took stock in
    between is kept, never overwritten. If those redemptions leave too little to lower the
    stock by d, the change is refused with a message on `stock`. Everything is one statement,
    so the product row (which redemptions lock last) is held only until the commit.

    Returns the product as saved. Raises TypeError on an unknown field, NotAllowed (not staff
    of the goods' site) and ValidationError with every bad field at once.
    """
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"product_update() got unexpected fields: {', '.join(sorted(unknown))}")
    current = Product.objects.select_related("site").get(pk=product.pk)
    if not may_manage_product(actor, current):
        raise NotAllowed(_("Only staff of the site that holds the goods can change them."))
    cleaned = _clean_product(fields)
    stored = cleaned.pop("picture", None)  # the re-encoded copy of a new picture
    changes: dict = {k: v for k, v in cleaned.items() if k != "stock"}
    delta = 0
    if "stock" in cleaned:
        seen = product.stock if stock_seen is None else _strict_int(stock_seen)
        if seen is None or not 0 <= seen <= MAX_PRODUCT_NUMBER:
            raise ValidationError({"stock": _("The stock is a whole number, 0 or more.")})
        delta = cleaned["stock"] - seen
        if delta:
            changes["stock"] = F("stock") + delta
    picture = fields.get("picture")
    if stored is not None:
        holder = Product(pk=current.pk)
        holder.picture.save(stored.name, stored, save=False)
        changes["picture"] = holder.picture.name
    elif picture is False:
        changes["picture"] = ""
    if changes:
        guarded = Product.objects.filter(pk=current.pk)
        if delta < 0:
            guarded = guarded.filter(stock__gte=-delta)
        if not guarded.update(**changes):
            if stored is not None:  # the row was not changed: do not keep the file it would have shown
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
    saved = Product.objects.select_related("site").get(pk=current.pk)
    if changes:
        before = snapshot(current, AUDITED_PRODUCT_FIELDS)
        if delta:
            # What changed is the difference: redemptions made meanwhile are not this edit.
            before["stock"] = saved.stock - delta
        audit_record(
            actor=actor,
            action="product.update",
            obj=saved,
            site=saved.site,
            changes=changes_between(before, snapshot(saved, AUDITED_PRODUCT_FIELDS)),
            data={"stock_change": delta} if delta else {},
        )
    return saved


@transaction.atomic
def product_restock(*, product: Product, actor: User, add: int) -> Product:
    """Staff of the goods' site add `add` pieces (a whole number > 0) to the stock.

    Returns the product with its new stock. Raises NotAllowed and ValidationError on `add`.
    """
    if not may_manage_product(actor, product):
        raise NotAllowed()
    if not isinstance(add, int) or add <= 0:
        raise ValidationError({"add": _("Enter a whole number greater than 0.")})
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = product.stock
    product.stock += add
    product.save(update_fields=["stock"])
    audit_record(
        actor=actor,
        action="product.restock",
        obj=product,
        site=product.site,
        changes={"stock": [before, product.stock]},
        data={"add": add},
    )
    return product
