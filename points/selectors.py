"""Reads of balances, ledgers, rules and the shop that pages and the API share.

Rows are scoped by the models' `visible_to(user)` / `managed_by(user)`; rankings live in
points/rankings.py.
"""

from __future__ import annotations

from django.db.models import IntegerField, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from points.models import Account, Entry, Product, Redemption, RedemptionStatus, Rule, RuleVersion
from practice_center.models import Household, User


def balance_of(household: Household) -> int:
    """The stored balance (0 for a household that never had an entry)."""
    return Account.objects.filter(household=household).values_list("balance", flat=True).first() or 0


def account_of(household: Household) -> Account | None:
    """The household's account with its household, or None before its first entry."""
    return Account.objects.filter(household=household).select_related("household").first()


def ledger_of(household: Household) -> QuerySet[Entry]:
    """The household's entries, newest first, with what a ledger line shows."""
    # By account id (a scalar subquery), not through a join: PostgreSQL then walks the
    # (account, sequence) index backwards and stops after one page, however long the ledger.
    account_id = Subquery(Account.objects.filter(household=household).values("id")[:1])
    return Entry.objects.filter(account_id=account_id).select_related("rule", "rule_version").order_by("-sequence")


def ledger_sum(household: Household) -> int:
    """The balance recomputed from the entries (what the stored balance must equal)."""
    return Entry.objects.filter(account__household=household).aggregate(total=Sum("amount"))["total"] or 0


def rules_in_force() -> QuerySet[Rule]:
    """Active rules with their versions (newest first) prefetched; `rule.versions.all()[0]`
    is not necessarily in force yet: use `current_version(rule)`."""
    return (
        Rule.objects.active()
        .select_related("site")
        .prefetch_related(Prefetch("versions", queryset=RuleVersion.objects.order_by("-effective_from")))
    )


def current_version(rule: Rule, at=None) -> RuleVersion | None:
    """The version in force at `at` (now), read from prefetched versions."""
    at = at or timezone.now()
    for version in sorted(rule.versions.all(), key=lambda v: v.effective_from, reverse=True):
        if version.effective_from <= at:
            return version
    return None


def redeemable_products(user: User) -> QuerySet[Product]:
    """What a resident can redeem: active goods at the own station and the sites above it."""
    return Product.objects.redeemable_by(user).select_related("site")


def reserved_at_sites_of(user: User) -> QuerySet[Redemption]:
    """Staff's pickup queue: goods reserved at sites they manage, oldest first."""
    return (
        Redemption.objects.managed_by(user)
        .filter(status=RedemptionStatus.RESERVED)
        .select_related("product__site", "household")
        .order_by("created_at", "id")
    )


def products_managed_by(user: User) -> QuerySet[Product]:
    """Staff's products and stock page: the goods of the sites they manage (on offer or not),
    each with `reserved`, the quantity reserved and not yet handed over. One query: the sum is
    a grouped join served by the (status, product) index of redemptions."""
    return (
        Product.objects.managed_by(user)
        .select_related("site")
        .annotate(
            reserved=Coalesce(
                Sum("redemptions__quantity", filter=Q(redemptions__status=RedemptionStatus.RESERVED)),
                Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("site__path", "name", "id")
    )
