"""Who may do what in the points app: one predicate per decision.

Services raise `NotAllowed` when a predicate says no; pages, templates and serializers ask
`actions_for(user, obj)` (or the predicate itself) to show a button, so a button is shown
exactly when the service would allow the step (the state permitting). Roles reach a site's
whole subtree (`practice_center.scoping`); the rules of who awards what are in DESIGN.md,
"Civility points".
"""

from __future__ import annotations

from django.utils import timezone

from points.models import (
    AWARDER_SYSTEM,
    Entry,
    EntryKind,
    HonourList,
    HonourStatus,
    Objection,
    Product,
    Redemption,
    RedemptionStatus,
    Rule,
)
from points.workflows import HONOURS
from practice_center.models import Household, Site, User
from practice_center.scoping import home_station, scope


# ---- roles ------------------------------------------------------------------------------------
def is_staff(user: User) -> bool:
    """Holds a staff or center-admin role somewhere (the staff desks and menu entries)."""
    return scope(user).is_staff_anywhere


def may_manage_site(user: User, site: Site | None) -> bool:
    """Staff of `site` or of a site above it."""
    return scope(user).manages_site(site)


def may_manage_household(user: User, household: Household) -> bool:
    """Staff of the household's station or of a site above it: award, correct and adjust its
    points, see its evidence files."""
    return scope(user).manages_household(household)


# ---- the ledger -------------------------------------------------------------------------------
def may_award(user: User | None, rule: Rule, household: Household | None = None) -> bool:
    """Whether `user` may award `rule` (to `household`): a role listed in `rule.awarded_by`
    held at the household's station or above; `user=None` is the system (automatic awards),
    allowed when "system" is listed. Without a household: whether the user holds such a role
    anywhere (the award form's rule choices, before a household is picked)."""
    if user is None:
        return AWARDER_SYSTEM in rule.awarded_by
    sc = scope(user)
    if sc.is_superuser:
        return True
    if household is None:
        held = {role for role, _site in sc.site_roles}
    else:
        station = household.grid.station
        held = {role for role, site in sc.site_roles if station.path.startswith(site.path)}
    return bool(held & set(rule.awarded_by))


def may_correct(user: User, entry: Entry) -> bool:
    """Staff of the household's station may correct an award or an adjustment (redemptions are
    corrected by cancelling them)."""
    return entry.kind in (EntryKind.EARN, EntryKind.ADJUST) and may_manage_household(user, entry.account.household)


def may_see_evidence(user: User, household: Household) -> bool:
    """Evidence files are for the staff who award and check points, not for the household."""
    return is_staff(user) and may_manage_household(user, household)


# ---- rules and goods --------------------------------------------------------------------------
def may_edit_rules(user: User) -> bool:
    """Only the center admin changes what a rule is worth."""
    return scope(user).is_center_admin


def may_manage_product(user: User, product_or_site: Product | Site) -> bool:
    """Staff of the site that holds the goods (or above) add, edit and restock them."""
    site = product_or_site.site if isinstance(product_or_site, Product) else product_or_site
    return may_manage_site(user, site)


def may_redeem_at(user: User, product: Product) -> bool:
    """A resident redeems goods of the own station and of the sites above it."""
    station = home_station(user) if user.household_id else None
    return station is not None and product.site_id in station.ancestor_ids()


def may_fulfil(user: User, redemption: Redemption) -> bool:
    """Staff of the site that holds the goods hand them over."""
    return may_manage_site(user, redemption.product.site)


def may_see_pickup_code(user: User, redemption: Redemption) -> bool:
    """The pickup code is a secret of the household: only its members see it (staff confirm a
    handover by the code the resident shows them; grid workers and staff never read it)."""
    return bool(getattr(user, "household_id", None)) and user.household_id == redemption.household_id


def may_cancel_redemption(user: User, redemption: Redemption) -> bool:
    """The household itself, staff of the household's station or of the goods' site."""
    return (
        user.household_id == redemption.household_id
        or may_manage_household(user, redemption.household)
        or may_manage_site(user, redemption.product.site)
    )


# ---- rankings and honours ---------------------------------------------------------------------
def ranking_sites(user: User) -> list[Site]:
    """The sites whose ranking the user may open: the managed subtrees' roots (a superuser
    without a role: the network's roots), or the own station."""
    sc = scope(user)
    if sc.is_superuser and not sc.staff_sites:
        return list(Site.objects.filter(parent__isnull=True))
    if sc.staff_sites:
        return sc.staff_sites
    station = home_station(user)
    return [station] if station is not None else []


def may_see_ranking(user: User, site: Site) -> bool:
    """Staff rank any site of their subtrees; everybody else the own station only."""
    if may_manage_site(user, site):
        return True
    station = home_station(user)
    return station is not None and station.pk == site.pk


def may_see_full_names(user: User, site: Site) -> bool:
    """Staff of the ranked site read household names in full; residents see others masked."""
    return may_manage_site(user, site)


def may_manage_honours(user: User, honour_list_or_site: HonourList | Site) -> bool:
    """Staff of the list's site or above freeze, publish, finalise, withdraw and export lists
    and answer objections."""
    if isinstance(honour_list_or_site, HonourList):
        return may_manage_site(user, honour_list_or_site.site)
    return may_manage_site(user, honour_list_or_site)


def may_object(user: User, honour_list: HonourList) -> bool:
    """Residents (and staff living there) whose station lies in the list's scope may object."""
    station = home_station(user)
    return station is not None and station.is_within(honour_list.site)


def may_answer(user: User, objection: Objection) -> bool:
    """Staff of the list's site answer an objection."""
    return may_manage_honours(user, objection.honour_list)


# ---- what a page may offer --------------------------------------------------------------------
def actions_for(user: User, obj) -> set[str]:
    """The steps `user` may take on `obj` now, by the same predicates the services apply:

    Redemption: "cancel", "fulfil" (while reserved). Product: "redeem" (on offer), "edit",
    "restock". Rule: "edit". Entry: "correct". HonourList: the workflow's steps from its status
    ("publish", "finalise", "withdraw"), "export" (final), "answer" (in notice), "object"
    (notice open). Objection: "answer" (unanswered, list in notice). Anything else: no steps.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    actions: set[str] = set()
    if isinstance(obj, Redemption):
        if obj.status == RedemptionStatus.RESERVED:
            if may_cancel_redemption(user, obj):
                actions.add("cancel")
            if may_fulfil(user, obj):
                actions.add("fulfil")
    elif isinstance(obj, Product):
        if obj.is_active and may_redeem_at(user, obj):
            actions.add("redeem")
        if may_manage_product(user, obj):
            actions |= {"edit", "restock"}
    elif isinstance(obj, Rule):
        if may_edit_rules(user):
            actions.add("edit")
    elif isinstance(obj, Entry):
        if may_correct(user, obj):
            actions.add("correct")
    elif isinstance(obj, HonourList):
        if may_manage_honours(user, obj):
            actions |= HONOURS.actions_from(obj.status)
            if obj.status == HonourStatus.FINAL:
                actions.add("export")
            if obj.status == HonourStatus.NOTICE:
                actions.add("answer")
        if obj.notice_is_open(now=timezone.now()) and may_object(user, obj):
            actions.add("object")
    elif (
        isinstance(obj, Objection)
        and not obj.decision
        and obj.honour_list.status == HonourStatus.NOTICE
        and may_answer(user, obj)
    ):
        actions.add("answer")
    return actions
