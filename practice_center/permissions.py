"""Who may do what in the organisation: plain predicates `may_<verb>(user, obj) -> bool`.

Services raise NotAllowed when one says no; pages, templates, serializers and exports ask the
same predicate to show a button or a value. The apps above keep their own `permissions.py`.
"""

from __future__ import annotations

from practice_center import registry
from practice_center.scoping import scope


def may_see_phone(viewer, person, *, also_site=None) -> bool:
    """Whether `viewer` may read `person`'s phone number in full (others see it masked).

    True for the person themself, for staff who manage the person's household's station (or a
    site above it), where the person is shown as a member of something for staff of
    `also_site` (the station that certifies a volunteer, the site of a team), and for people who
    work with the person on an accepted order until a week after it is done (registered by the
    orders: its leader and named volunteers see the resident's, the resident sees the leader's).
    Personal data (DESIGN.md: phone numbers are shown masked except to those who need them).
    """
    if viewer is None or person is None or not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.pk == getattr(person, "pk", None):
        return True
    sc = scope(viewer)
    if sc.is_staff_anywhere:
        if also_site is not None and sc.manages_site(also_site):
            return True
        household = getattr(person, "household", None) if getattr(person, "household_id", None) else None
        if household is not None and sc.manages_household(household):
            return True
    return registry.contact_granted(viewer, person)


def phone_for(viewer, person, *, also_site=None) -> str:
    """`person`'s phone as `viewer` may see it: in full (see `may_see_phone`) or masked."""
    if person is None:
        return ""
    if may_see_phone(viewer, person, also_site=also_site):
        return person.phone or ""
    return person.masked_phone


def may_manage_site(user, site) -> bool:
    """Staff (or center admin) of `site` or of a site above it."""
    return scope(user).manages_site(site)


def may_search_audit(user) -> bool:
    """The audit search page is for staff (their subtree) and center admins (everything)."""
    return scope(user).is_staff_anywhere
