"""State changes of the organisation: people, households, roles."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from practice_center.audit import audit_record, snapshot
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
    """A resident signs up: joins an existing household of the grid or founds a new one.

    household: the household to join (found by its join code), or None to found one named
    `household_name`. Returns the saved User. Raises ValidationError with every field's
    messages at once (user name or phone taken, household of another grid, weak password).
    Writes `household.create` (a new household) or `household.join`, and `user.register`.
    """
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
    founded = household is None
    if household is None:
        household = Household.objects.create(
            grid=grid, name=household_name.strip(), category=household_category, address=address
        )
    user.household = household
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    station = grid.station
    if founded:
        fields = ["grid", "name", "category", "address"]
        audit_record(
            actor=user,
            action="household.create",
            obj=household,
            site=station,
            changes={name: [None, value] for name, value in snapshot(household, fields).items()},
        )
    else:
        audit_record(
            actor=user,
            action="household.join",
            obj=household,
            site=station,
            changes={"members": [None, user.pk]},
            data={"user": user.pk},
        )
    return user


ROLE_FIELDS = ["user", "role", "site", "grid"]


def _role_site(assignment: RoleAssignment) -> Site | None:
    if assignment.site is not None:
        return assignment.site
    return assignment.grid.station if assignment.grid is not None else None


@transaction.atomic
def role_grant(
    *, user: User, role: str, site: Site | None = None, grid: Grid | None = None, actor: User | None = None
) -> RoleAssignment:
    """Give a person a role at a site (staff, admin) or a grid (grid leader, worker). Idempotent.

    actor: who grants it (a center admin in the Django admin; None for seeding and scripts).
    Returns the RoleAssignment. Raises ValidationError (team leader: named on the team).
    Writes `role.grant` when the role is new.
    """
    if role == Role.TEAM_LEADER:
        raise ValidationError({"role": _("Team leaders are named on the team.")})
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, site=site, grid=grid)
    if created:
        audit_record(
            actor=actor,
            action="role.grant",
            obj=assignment,
            site=_role_site(assignment),
            changes={
                name: [None, value] for name, value in snapshot(assignment, ["user", "role", "site", "grid"]).items()
            },
        )
    forget_scope(user)
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment, actor: User | None = None) -> None:
    """Take a role back. actor: who revokes it (None for scripts). Writes `role.revoke`."""
    values = snapshot(assignment, ROLE_FIELDS)
    audit_record(
        actor=actor,
        action="role.revoke",
        obj=assignment,
        site=_role_site(assignment),
        changes={name: [value, None] for name, value in values.items()},
    )
    user = assignment.user
    assignment.delete()
    forget_scope(user)


@transaction.atomic
def user_set_elderly_mode(*, user: User, enabled: bool) -> User:
    """Switch the person's extra-large text on or off (a preference: no audit row)."""
    user.elderly_mode = enabled
    user.save(update_fields=["elderly_mode"])
    return user
