"""Rules, household accounts, the append-only ledger, products and redemptions.

The ledger is a hash chain per account: each `Entry` stores the HMAC-SHA256 (keyed with
settings.LEDGER_HMAC_KEY, which the database never holds) of its own canonical content plus the
previous entry's hash in the same account, so editing or deleting a row behind
the application's back is caught by `manage.py verify_points_ledger`. PostgreSQL refuses UPDATE
and DELETE on entries (a trigger, migration 0002). Balances are stored on `Account` (the row we
lock) and must always equal the sum of the account's entries.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from practice_center.models import Household, Site
from practice_center.scoping import home_station, scope

GENESIS_HASH = "0" * 64


def ledger_hmac(message: bytes) -> str:
    """HMAC-SHA256 (RFC 2104) of `message` under settings.LEDGER_HMAC_KEY (a key the database
    never holds), as 64 hex digits: the hash of an entry and of a checkpoint."""
    return hmac.new(settings.LEDGER_HMAC_KEY, message, hashlib.sha256).hexdigest()


# The fields an entry's hash covers, as (key in the canonical JSON, attribute of `Entry`). The one
# list: `Entry.canonical()` serialises these, `verify_points_ledger` loads these, and the test of the
# SQL function `points_redeem` (migration 0005) checks that its JSON has exactly these keys.
HASHED_FIELDS: tuple[tuple[str, str], ...] = (
    ("account", "account_id"),
    ("sequence", "sequence"),
    ("amount", "amount"),
    ("kind", "kind"),
    ("rule", "rule_id"),
    ("rule_version", "rule_version_id"),
    ("source_type", "source_type"),
    ("source_id", "source_id"),
    ("evidence", "evidence"),
    ("attachment", "attachment"),
    ("corrects", "corrects_id"),
    ("actor", "actor_id"),
    ("at", "created_at"),
    ("note", "note"),
    ("balance_after", "balance_after"),
    ("prev_hash", "prev_hash"),
)


class EntryKind(models.TextChoices):
    EARN = "earn", _("Earned")
    REDEEM = "redeem", _("Redeemed")
    REFUND = "refund", _("Refunded")
    ADJUST = "adjust", _("Adjusted")
    EXPIRE = "expire", _("Expired")


class SourceType(models.TextChoices):
    ORDER = "order", _("Service order")
    SERVICE_RECORD = "record", _("Verified service hours")
    ACTIVITY = "activity", _("Activity")
    REDEMPTION = "redemption", _("Redemption")
    MANUAL = "manual", _("Manual award")


class RuleUnit(models.TextChoices):
    EACH = "each", _("per award")
    HOUR = "hour", _("per hour")


# Who may award a rule: the site roles, plus "system" for automatic awards from events.
AWARDER_SYSTEM = "system"


class RuleQuerySet(models.QuerySet):
    def visible_to(self, user) -> RuleQuerySet:
        """Every rule: the rules are public, residents should know how points are earned."""
        return self.all()

    def managed_by(self, user) -> RuleQuerySet:
        """Every rule for a center admin (who alone edits them); none for anybody else."""
        return self.all() if scope(user).is_center_admin else self.none()

    def active(self) -> RuleQuerySet:
        return self.filter(is_active=True)


class Rule(models.Model):
    """A way to earn points (积分规则). Points live in `RuleVersion`, so an edit never changes
    what an earlier entry was worth. `site` scopes the rule to a subtree (null: everywhere);
    `awarded_by` lists the roles that may award it ("system" for automatic awards); caps are
    in points earned by one household under this rule per calendar day / month (null: none)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=8, choices=RuleUnit.choices, default=RuleUnit.EACH)
    awarded_by = models.JSONField(
        _("awarded by"),
        default=list,
        blank=True,
        help_text=_("Roles that may award it; 'system' for automatic awards."),
    )
    cap_per_day = models.PositiveIntegerField(_("cap per day (points)"), null=True, blank=True)
    cap_per_month = models.PositiveIntegerField(_("cap per month (points)"), null=True, blank=True)
    site = models.ForeignKey(
        Site,
        verbose_name=_("applies under site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_rules",
        help_text=_("Empty: the whole network."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "").lower().startswith("zh") else self.name_en

    def covers(self, site: Site) -> bool:
        """True if the rule applies at `site` (a household's station)."""
        return self.site is None or site.path.startswith(self.site.path)


class RuleVersionQuerySet(models.QuerySet):
    def visible_to(self, user) -> RuleVersionQuerySet:
        """Every version: a rule's history is as public as the rule."""
        return self.all()

    def managed_by(self, user) -> RuleVersionQuerySet:
        """Every version for a center admin; none for anybody else."""
        return self.all() if scope(user).is_center_admin else self.none()


class RuleVersion(models.Model):
    """The points a rule is worth from `effective_from` on. Entries keep the version that made them."""

    rule = models.ForeignKey(Rule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    points = models.PositiveIntegerField(_("points"))
    effective_from = models.DateTimeField(_("effective from"))
    note = models.CharField(_("reason for the change"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RuleVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("rule version")
        verbose_name_plural = _("rule versions")
        ordering = ["rule_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="points_ruleversion_unique_number"),
            models.UniqueConstraint(fields=["rule", "effective_from"], name="points_ruleversion_unique_from"),
            models.CheckConstraint(condition=Q(points__gt=0), name="points_ruleversion_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.rule.code} v{self.number}: {self.points}"


class AccountQuerySet(models.QuerySet):
    def visible_to(self, user) -> AccountQuerySet:
        """The own household's account; staff and grid workers: those of the households they see."""
        return self.filter(scope(user).household_q("household__"))

    def managed_by(self, user) -> AccountQuerySet:
        """Accounts of households at stations in the subtrees the user manages as staff."""
        return self.filter(scope(user).site_q("household__grid__station"))


class Account(models.Model):
    """A household's points account (积分账户). The row is the lock target of every ledger write;
    `balance`, `last_sequence` and `last_hash` are the head of the account's entry chain."""

    household = models.OneToOneField(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="points_account"
    )
    balance = models.IntegerField(_("balance"), default=0)
    last_sequence = models.PositiveIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="points_account_balance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.balance}"


class EntryQuerySet(models.QuerySet):
    def visible_to(self, user) -> EntryQuerySet:
        """Entries of the accounts the user sees (`Account.objects.visible_to`)."""
        return self.filter(scope(user).household_q("account__household__"))

    def managed_by(self, user) -> EntryQuerySet:
        """Entries of households at stations in the subtrees the user manages as staff."""
        return self.filter(scope(user).site_q("account__household__grid__station"))


class Entry(models.Model):
    """One line of a household's ledger (积分明细). Append-only: never updated or deleted.

    `sequence` numbers the entries of one account from 1; `hash` = HMAC-SHA256(canonical content,
    including `prev_hash`, the hash of the entry with sequence - 1 in the same account).
    """

    # No index of its own: points_entry_unique_sequence (account, sequence) serves every lookup by account.
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    sequence = models.PositiveIntegerField(_("number in account"))
    amount = models.IntegerField(_("amount"))
    kind = models.CharField(_("kind"), max_length=8, choices=EntryKind.choices)
    rule = models.ForeignKey(
        Rule, verbose_name=_("rule"), null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    rule_version = models.ForeignKey(
        RuleVersion, verbose_name=_("rule version"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_type = models.CharField(_("source"), max_length=12, choices=SourceType.choices)
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    attachment = models.FileField(_("attachment"), upload_to="points/evidence/%Y/%m/", blank=True)
    corrects = models.ForeignKey(
        "self", verbose_name=_("corrects"), null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_entries_made",
    )
    created_at = models.DateTimeField(_("at"))
    note = models.CharField(_("explanation"), max_length=200)
    balance_after = models.IntegerField(_("balance after"))
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["account_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["account", "sequence"], name="points_entry_unique_sequence"),
            # A constraint, not `unique=True`: the field option would add a second, `LIKE`-pattern
            # index on 64 random hex characters that no query uses (129 MB per million entries).
            models.UniqueConstraint(fields=["hash"], name="points_entry_hash_unique"),
            # One source earns a rule once: the database settles two simultaneous awards.
            models.UniqueConstraint(
                fields=["account", "rule", "source_type", "source_id"],
                condition=Q(kind="earn"),
                name="points_entry_earn_once_per_source",
            ),
            # A redemption is charged once and refunded at most once.
            models.UniqueConstraint(
                fields=["source_type", "source_id", "kind"],
                condition=Q(kind__in=["redeem", "refund"]),
                name="points_entry_redemption_once",
            ),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="points_entry_balance_not_negative"),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="points_entry_sequence_from_1"),
            models.CheckConstraint(
                condition=(Q(kind__in=["earn", "refund"], amount__gt=0))
                | (Q(kind__in=["redeem", "expire"], amount__lt=0))
                | (Q(kind="adjust") & ~Q(amount=0)),
                name="points_entry_sign_matches_kind",
            ),
        ]
        indexes = [
            # Serves rankings and monthly figures: sums of entries by kind over a period.
            models.Index(fields=["kind", "created_at"], name="points_entry_kind_time_idx"),
            # Serves the caps: earned points of one account under one rule since a day/month start.
            models.Index(fields=["account", "rule", "created_at"], name="points_entry_cap_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.account_id}.{self.sequence} {self.amount:+d} {self.kind}"

    # ---- the hash chain -------------------------------------------------------------------
    def canonical(self) -> bytes:
        """The content the hash covers (`HASHED_FIELDS`), serialised the same way on every
        database: sorted keys, no spaces, UTF-8; the time in UTC with microseconds."""
        content = {}
        for key, attribute in HASHED_FIELDS:
            value = getattr(self, attribute)
            if attribute == "created_at":
                value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            elif attribute == "attachment":
                value = value.name if value else ""
            content[key] = value
        return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def compute_hash(self) -> str:
        """HMAC-SHA256 of `canonical()` under settings.LEDGER_HMAC_KEY, as 64 hex digits."""
        return ledger_hmac(self.canonical())


class ProductQuerySet(models.QuerySet["Product"]):
    def visible_to(self, user) -> ProductQuerySet:
        """Residents see the goods of their station and of the sites above it; staff see their
        subtrees too."""
        sc = scope(user)
        if sc.is_superuser:
            return self.all()
        q = sc.site_q("site")
        station = home_station(user)
        if station is not None:
            q |= Q(site_id__in=station.ancestor_ids())
        return self.filter(q)

    def managed_by(self, user) -> ProductQuerySet:
        """Goods of the sites in the subtrees the user manages (on offer or not)."""
        return self.filter(scope(user).site_q("site"))

    def redeemable_by(self, user) -> ProductQuerySet:
        """Active goods a resident may redeem: at the own station and the sites above it."""
        station = home_station(user) if user.is_authenticated and user.household_id else None
        if station is None:
            return self.none()
        return self.filter(site_id__in=station.ancestor_ids(), is_active=True)


class Product(models.Model):
    """Goods in a site's points supermarket (积分超市), priced in points, with stock."""

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="products")
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    # A FileField holding only the re-encoded JPEG (catalogue.product_picture_file, at most 800 px);
    # the pages show a text placeholder without one.
    picture = models.FileField(_("picture"), upload_to="points/products/", blank=True)
    price = models.PositiveIntegerField(_("price in points"))
    stock = models.IntegerField(_("stock"), default=0)
    is_active = models.BooleanField(_("on offer"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["site__path", "price", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="points_product_stock_not_negative"),
            models.CheckConstraint(condition=Q(price__gt=0), name="points_product_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.price})"


class RedemptionStatus(models.TextChoices):
    RESERVED = "reserved", _("Reserved")
    FULFILLED = "fulfilled", _("Handed over")
    CANCELLED = "cancelled", _("Cancelled")


class RedemptionQuerySet(models.QuerySet):
    def visible_to(self, user) -> RedemptionQuerySet:
        """The own household's redemptions; staff: those of households and products in their subtrees."""
        sc = scope(user)
        return self.filter(sc.household_q("household__") | sc.site_q("product__site"))

    def managed_by(self, user) -> RedemptionQuerySet:
        """Redemptions of goods held at the sites in the subtrees the user manages (who hand them over)."""
        return self.filter(scope(user).site_q("product__site"))


class Redemption(models.Model):
    """Goods reserved with points (兑换); handed over against `pickup_code` (核销) or cancelled
    with a refund entry."""

    #: Set by the "my pickup codes" page (points.views.resident.redemptions); declared, never stored.
    actions: set[str]
    qr: str

    # No index of its own: points_redemption_hh_idx (household, -created_at) leads with it.
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="redemptions", db_index=False
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="redemptions"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    points = models.PositiveIntegerField(_("points"))
    status = models.CharField(
        _("status"), max_length=10, choices=RedemptionStatus.choices, default=RedemptionStatus.RESERVED
    )
    pickup_code = models.CharField(_("pickup code"), max_length=8)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="points_redemptions_made"
    )
    created_at = models.DateTimeField(_("reserved at"))
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fulfilled_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = RedemptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A constraint rather than `unique=True`, which would add an unused `LIKE` index.
            models.UniqueConstraint(fields=["pickup_code"], name="points_redemption_pickup_code_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="points_redemption_quantity_positive"),
            models.CheckConstraint(
                condition=(Q(status="reserved", fulfilled_at__isnull=True, cancelled_at__isnull=True))
                | Q(status="fulfilled", fulfilled_at__isnull=False, cancelled_at__isnull=True)
                | Q(status="cancelled", cancelled_at__isnull=False, fulfilled_at__isnull=True),
                name="points_redemption_status_times",
            ),
        ]
        indexes = [
            # Serves "my redemptions, newest first" for a household.
            models.Index(fields=["household", "-created_at"], name="points_redemption_hh_idx"),
            # Serves staff's list of goods waiting for pickup at their sites.
            models.Index(fields=["status", "product"], name="points_redemption_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} × {self.quantity} · {self.pickup_code}"


__all__ = [
    "GENESIS_HASH",
    "HASHED_FIELDS",
    "AWARDER_SYSTEM",
    "EntryKind",
    "SourceType",
    "RuleUnit",
    "Rule",
    "RuleVersion",
    "Account",
    "Entry",
    "Product",
    "Redemption",
    "RedemptionStatus",
]
