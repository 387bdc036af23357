"""Reads of balances, ledgers, rules and the shop that pages and the API share.

(Rankings live in points/rankings.py.)
"""

from __future__ import annotations

from django.db.models import IntegerField, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from points.models import Account, Entry, Product, Redemption, Rule, RuleVersion
from practice_center.models import Household, User
from practice_center.scoping import home_station


def balance_of(household: Household) -> int:
    """The stored balance (0 for a household that never had an entry)."""
    return Account.objects.filter(household=household).values_list("balance", flat=True).first() or 0


def account_of(household: Household) -> Account | None:
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
    from django.utils import timezone

    at = at or timezone.now()
    for version in sorted(rule.versions.all(), key=lambda v: v.effective_from, reverse=True):
        if version.effective_from <= at:
            return version
    return None


def products_for(user: User, *, site_id: int | None = None) -> QuerySet[Product]:
    """Goods the user may see (residents: their station and the sites above), active ones."""
    qs = Product.objects.visible_to(user).filter(is_active=True).select_related("site")
    if site_id is not None:
        qs = qs.filter(site_id=site_id)
    return qs


def redeemable_products(user: User) -> QuerySet[Product]:
    """What a resident can redeem: active goods at the own station and the sites above it."""
    station = home_station(user) if user.is_authenticated and user.household_id else None
    if station is None:
        return Product.objects.none()
    return Product.objects.filter(site_id__in=station.ancestor_ids(), is_active=True).select_related("site")


def redemptions_for(user: User, *, status: str | None = None) -> QuerySet[Redemption]:
    """Redemptions the user may see: the own household's; staff: those of their subtrees."""
    qs = Redemption.objects.visible_to(user).select_related("product__site", "household")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def reserved_at_sites_of(user: User) -> QuerySet[Redemption]:
    """Staff's pickup queue: goods reserved at sites they manage."""
    from practice_center.scoping import scope

    return (
        Redemption.objects.filter(scope(user).site_q("product__site"), status="reserved")
        .select_related("product__site", "household")
        .order_by("created_at", "id")
    )


def products_managed_by(user: User) -> QuerySet[Product]:
    """Staff's products and stock page: the goods of the sites they manage (on offer or not),
    each with `reserved`, the quantity reserved and not yet handed over. One query: the sum is
    a grouped join served by the (status, product) index of redemptions."""
    from practice_center.scoping import scope

    return (
        Product.objects.filter(scope(user).site_q("site"))
        .select_related("site")
        .annotate(
            reserved=Coalesce(
                Sum("redemptions__quantity", filter=Q(redemptions__status="reserved")),
                Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("site__path", "name", "id")
    )
