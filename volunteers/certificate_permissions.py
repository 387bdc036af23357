"""Who may issue and read service certificates and export hours (predicates, no queries of
their own beyond the caller's cached scope).

Services raise `NotAllowed` on these; pages, templates and serializers ask the same functions
to show a button. "Who records certifies": staff of the volunteer's station, or of a site
above it, issue for the volunteers of their subtree; a volunteer issues only for themself.
"""

from __future__ import annotations

from practice_center.scoping import scope


def _is_self(user, volunteer) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and volunteer.user_id == user.pk


def may_issue_certificate(user, volunteer) -> bool:
    """The volunteer themself, or staff whose subtree holds the volunteer's station."""
    return _is_self(user, volunteer) or scope(user).manages_site(volunteer.site)


def may_read_certificates(user, volunteer) -> bool:
    """Who sees the full certificate (unmasked name, PDF) and the volunteer's list of them."""
    return may_issue_certificate(user, volunteer)


def may_export_hours(user, volunteer) -> bool:
    """A volunteer's own hours, or any volunteer's of the staff member's subtree."""
    return may_issue_certificate(user, volunteer)


def may_export_site_hours(user, site) -> bool:
    """Hours of a whole site or team: staff of that site or a site above it."""
    return scope(user).manages_site(site)


def certificate_actions_for(user, volunteer) -> set[str]:
    """The certificate actions the page offers `user` for `volunteer`: "issue", "read", "export"."""
    actions: set[str] = set()
    if may_issue_certificate(user, volunteer):
        actions |= {"issue", "read", "export"}
    return actions
