"""State changes of the organisation: people, households, roles."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from practice_center.models import Grid, Household, HouseholdCategory, Role, RoleAssignment, Site, User
from practice_center.scoping import forget_scope


@transaction.atomic
def resident_register(
    *,
    username: str,
    phone: str,
    name: str,
    password: str,
    grid: Grid,
    household: Household | None = None,
    household_name: str = "",
    household_category: str = HouseholdCategory.LOCAL,
    address: str = "",
) -> User:
    """A resident signs up: joins an existing household of the grid or founds a new one."""
    errors: dict[str, list[str]] = {}
    if User.objects.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append(_("This user name is taken."))
    if User.objects.filter(phone=phone).exists():
        errors.setdefault("phone", []).append(_("This phone number is already registered."))
    if household is not None and household.grid_id != grid.pk:
        errors.setdefault("household", []).append(_("This household belongs to another grid."))
    if household is None and not household_name.strip():
        errors.setdefault("household_name", []).append(_("Name the household, for example 张建国家."))
    user = User(username=username, phone=phone, name=name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors.setdefault("password", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    if household is None:
        household = Household.objects.create(
            grid=grid, name=household_name.strip(), category=household_category, address=address
        )
    user.household = household
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def role_grant(*, user: User, role: str, site: Site | None = None, grid: Grid | None = None) -> RoleAssignment:
    """Give a person a role at a site (staff, admin) or a grid (grid leader, worker). Idempotent."""
    if role == Role.TEAM_LEADER:
        raise ValidationError({"role": _("Team leaders are named on the team.")})
    assignment, _created = RoleAssignment.objects.get_or_create(user=user, role=role, site=site, grid=grid)
    forget_scope(user)
    return assignment


@transaction.atomic
def user_set_elderly_mode(*, user: User, enabled: bool) -> User:
    user.elderly_mode = enabled
    user.save(update_fields=["elderly_mode"])
    return user
