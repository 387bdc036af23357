"""Who may see what: the one place that turns a user's roles into query filters.

Roles held at a site reach its whole subtree (a materialized-path prefix); grid roles reach
the grid's households; a resident reaches the own household. Every list, page and API view
goes through a model's `visible_to(user)`, which calls into `scope(user)` here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.db.models import Q

from practice_center import registry
from practice_center.choices import GRID_ROLES, SITE_ROLES, Role, SiteLevel

if TYPE_CHECKING:  # only for annotations: the models import this module
    from practice_center.models import Site

NOTHING = Q(pk__in=[])


def _any(qs: list[Q]) -> Q:
    return reduce(or_, qs) if qs else NOTHING


@dataclass
class Scope:
    user_id: int | None = None
    is_superuser: bool = False
    # (role, site) for station_staff / center_admin
    site_roles: list[tuple[str, Site]] = field(default_factory=list)
    # (role, grid_id, station) for grid_leader / grid_worker
    grid_roles: list[tuple[str, int, Site]] = field(default_factory=list)
    household_id: int | None = None
    # Loaded on first use: most requests (a resident reading the menu) never ask.
    _team_ids_led: list[int] | None = field(default=None, repr=False)
    _user: object = field(default=None, repr=False, compare=False)

    @property
    def team_ids_led(self) -> list[int]:
        if self._team_ids_led is None:
            # Teams belong to the volunteers app, which registers how to find them.
            self._team_ids_led = registry.teams_led_by(self._user) if self._user is not None else []
        return self._team_ids_led

    # ---- what the user holds ------------------------------------------------------------
    @property
    def staff_sites(self) -> list[Site]:
        return [site for _, site in self.site_roles]

    @property
    def staff_paths(self) -> list[str]:
        return [site.path for site in self.staff_sites]

    @property
    def is_staff_anywhere(self) -> bool:
        return self.is_superuser or bool(self.site_roles)

    @property
    def is_center_admin(self) -> bool:
        return self.is_superuser or any(role == Role.CENTER_ADMIN for role, _ in self.site_roles)

    @property
    def grid_ids(self) -> list[int]:
        return [grid_id for _, grid_id, _ in self.grid_roles]

    # ---- predicates ---------------------------------------------------------------------
    def manages_site(self, site: Site | None) -> bool:
        """Staff (or center admin) of this site or of a site above it."""
        if site is None:
            return False
        return self.is_superuser or any(site.path.startswith(path) for path in self.staff_paths)

    def manages_household(self, household) -> bool:
        return self.manages_site(household.grid.station)

    def works_grid(self, grid_id: int | None) -> bool:
        return grid_id is not None and grid_id in self.grid_ids

    def leads_team(self, team_id: int | None) -> bool:
        return team_id is not None and team_id in self.team_ids_led

    # ---- query filters ------------------------------------------------------------------
    def site_q(self, field_path: str) -> Q:
        """Rows whose `field_path` (a FK to Site; "" for Site itself) lies in a subtree the
        user manages."""
        if self.is_superuser:
            return Q()
        lookup = f"{field_path}__path__startswith" if field_path else "path__startswith"
        return _any([Q(**{lookup: path}) for path in self.staff_paths])

    def household_q(self, prefix: str) -> Q:
        """Rows related to a household the user may see; `prefix` leads to the Household
        ("" for Household itself, "household__" for a model with a `household` FK)."""
        if self.is_superuser:
            return Q()
        parts = [Q(**{f"{prefix}grid__station__path__startswith": path}) for path in self.staff_paths]
        if self.grid_ids:
            parts.append(Q(**{f"{prefix}grid_id__in": self.grid_ids}))
        if self.household_id:
            parts.append(Q(**{f"{prefix}pk": self.household_id}))
        return _any(parts)


def scope(user) -> Scope:
    """The user's scope, computed once per request (cached on the user object)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Scope()
    cached = getattr(user, "_portal_scope", None)
    if cached is not None:
        return cached
    result = Scope(user_id=user.pk, is_superuser=user.is_superuser, household_id=user.household_id, _user=user)
    for assignment in user.role_assignments.select_related("site", "grid__station"):
        if assignment.role in SITE_ROLES:
            result.site_roles.append((assignment.role, assignment.site))
        elif assignment.role in GRID_ROLES:
            result.grid_roles.append((assignment.role, assignment.grid_id, assignment.grid.station))
    user._portal_scope = result
    return result


def forget_scope(user) -> None:
    """Drop the cached scope after the user's roles changed."""
    if hasattr(user, "_portal_scope"):
        del user._portal_scope


def home_station(user) -> Site | None:
    """The station a person belongs to: the household's, else where they work."""
    if user is None or not user.is_authenticated:
        return None
    if user.household_id:
        household = user.household if "household" in user._state.fields_cache else None
        if household is None or "grid" not in household._state.fields_cache:
            # One query for household, grid and station instead of three.
            households = user._meta.get_field("household").related_model._default_manager
            household = households.select_related("grid__station").get(pk=user.household_id)
            user.household = household
        return household.grid.station
    sc = scope(user)
    if sc.grid_roles:
        return sc.grid_roles[0][2]
    for site in sc.staff_sites:
        if site.level == SiteLevel.STATION:
            return site
    return None
