"""The organisation: people, the site tree, grids, households and roles."""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from practice_center.choices import GRID_ROLES, SITE_ROLES, Role, SiteLevel
from practice_center.scoping import scope
from practice_center.text import canonical_code, canonical_phone, mask_phone

# [0-9], not \d: \d also matches full-width and other Unicode digits.
cn_mobile_validator = RegexValidator(
    r"^1[3-9][0-9]{9}$", _("Enter a mainland China mobile number of 11 digits, such as 13812345678.")
)


# Which level may hang under which (a base may hang under any level).
ALLOWED_PARENT_LEVELS: dict[str, set[str | None]] = {
    SiteLevel.CENTER: {None},
    SiteLevel.INSTITUTE: {SiteLevel.CENTER},
    SiteLevel.STATION: {SiteLevel.INSTITUTE, SiteLevel.CENTER},
    SiteLevel.POINT: {SiteLevel.STATION},
    SiteLevel.BASE: {SiteLevel.CENTER, SiteLevel.INSTITUTE, SiteLevel.STATION, SiteLevel.POINT},
}

SIX_HAVES = ("place", "plan", "team", "projects", "rules", "records")


class SiteQuerySet(models.QuerySet):
    def subtree(self, site: Site, *, include_self: bool = True) -> SiteQuerySet:
        """Everything under `site`: one indexed prefix query on the materialized path."""
        qs = self.filter(path__startswith=site.path)
        return qs if include_self else qs.exclude(pk=site.pk)

    def ancestors(self, site: Site, *, include_self: bool = True) -> SiteQuerySet:
        ids = site.ancestor_ids(include_self=include_self)
        return self.filter(pk__in=ids).order_by("depth")

    def managed_by(self, user) -> SiteQuerySet:
        """Sites in the subtrees the user manages as staff or center admin (all for a superuser)."""
        return self.filter(scope(user).site_q(""))

    def visible_to(self, user) -> SiteQuerySet:
        # The site tree is public: residents browse stations, their addresses and opening hours.
        return self.filter(is_active=True)


class Site(models.Model):
    """A node of the practice network: center > institute > station > point, bases anywhere.

    `path` is a materialized path of zero-padded ids ("000001/000007/"), so a subtree is one
    `LIKE 'prefix%'` query on an indexed column and ancestors are read off the path itself.
    """

    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=SiteLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent site"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    rooms = models.JSONField(_("function rooms"), default=list, blank=True, help_text=_("A list of room names."))
    checklist = models.JSONField(
        _("six-haves checklist"),
        default=dict,
        blank=True,
        help_text=_("place, plan, team, projects, rules, records: true or false"),
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["path"]
        indexes = [
            # Serves `path LIKE 'prefix%'` (subtree queries) on PostgreSQL regardless of collation.
            models.Index(fields=["path"], name="site_path_prefix_idx", opclasses=["varchar_pattern_ops"]),
            # Serves ordering and equality lookups on path (and prefix queries on SQLite).
            models.Index(fields=["path"], name="site_path_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    PATH_WIDTH = 6

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            old_path = None
            if self.pk:
                old_path = Site.objects.filter(pk=self.pk).values_list("path", flat=True).first()
            if not self.pk:
                super().save(*args, **kwargs)
                kwargs.pop("force_insert", None)
                kwargs["update_fields"] = None
            parent_path = self.parent.path if self.parent is not None else ""
            self.path = f"{parent_path}{self.pk:0{self.PATH_WIDTH}d}/"
            self.depth = self.path.count("/") - 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = set(kwargs["update_fields"]) | {"path", "depth"}
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                # Moved: rewrite the paths of the whole subtree (rare, done by staff in the admin).
                for child in Site.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                    child.path = self.path + child.path[len(old_path) :]
                    child.depth = child.path.count("/") - 1
                    Site.objects.filter(pk=child.pk).update(path=child.path, depth=child.depth)

    def clean(self) -> None:
        parent = self.parent if self.parent_id else None
        parent_level = parent.level if parent is not None else None
        if parent_level not in ALLOWED_PARENT_LEVELS.get(self.level, set()):
            raise ValidationError({"parent": _("A site of this level cannot hang under that parent.")})
        if self.pk and parent is not None and parent.path.startswith(self.path or "\0"):
            raise ValidationError({"parent": _("A site cannot hang under its own subtree.")})

    def ancestor_ids(self, *, include_self: bool = True) -> list[int]:
        ids = [int(part) for part in self.path.split("/") if part]
        return ids if include_self else ids[:-1]

    def is_within(self, other: Site) -> bool:
        """True if this site is `other` or lies under it."""
        return self.path.startswith(other.path)

    @property
    def station(self) -> Site | None:
        """The station this site belongs to (itself if it is one), or None above station level."""
        if self.level == SiteLevel.STATION:
            return self
        if self.level == SiteLevel.POINT or (self.level == SiteLevel.BASE and self.parent_id):
            return Site.objects.filter(pk__in=self.ancestor_ids(), level=SiteLevel.STATION).first()
        return None

    @property
    def checklist_items(self) -> list[tuple[str, bool]]:
        return [(key, bool(self.checklist.get(key))) for key in SIX_HAVES]


class Grid(models.Model):
    """A neighbourhood cell of a station; grid workers look after its households."""

    station = models.ForeignKey(
        Site,
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        related_name="grids",
        limit_choices_to={"level": SiteLevel.STATION},
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["station__path", "name"]
        constraints = [models.UniqueConstraint(fields=["station", "name"], name="grid_unique_name_per_station")]

    def __str__(self) -> str:
        return f"{self.station.name} · {self.name}"


class HouseholdCategory(models.TextChoices):
    LOCAL = "local", _("Local household")
    MIGRANT = "migrant", _("Migrant worker household")
    OTHER = "other", _("Other")


# No 0/O, 1/I/L: a code read aloud or copied by an elderly person must not be ambiguous.
JOIN_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
JOIN_CODE_LENGTH = 6


def generate_join_code() -> str:
    """A short random code that lets a family member join the household when registering."""
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def generate_join_codes(count: int, *, taken: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """`count` distinct join codes, none of them in `taken`: for bulk inserts, which bypass
    `Household.save` and its retry (bench and import scripts pass the codes already in use)."""
    codes: set[str] = set()
    while len(codes) < count:
        code = generate_join_code()
        if code not in taken:
            codes.add(code)
    return list(codes)


# How often `Household.save` draws a new code after a clash on the unique index before giving
# up: with 31^6 ≈ 887 million codes, even a million households make a second clash unheard of.
JOIN_CODE_ATTEMPTS = 5


def _is_join_code_clash(exc: IntegrityError) -> bool:
    """Whether an IntegrityError is the unique index of `Household.join_code` refusing a code."""
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) or ""
    return "join_code" in constraint or "join_code" in str(exc)


def normalise_join_code(code: str) -> str:
    """Accept what people type: lower case, full width, spaces, a dash in the middle."""
    return canonical_code(code)


class HouseholdQuerySet(models.QuerySet):
    def visible_to(self, user) -> HouseholdQuerySet:
        """Households of the subtrees the user manages, of the grids they work, and their own."""
        return self.filter(scope(user).household_q(""))

    def managed_by(self, user) -> HouseholdQuerySet:
        """Households of the stations in the subtrees the user manages as staff."""
        return self.filter(scope(user).site_q("grid__station"))

    def worked_by(self, user) -> HouseholdQuerySet:
        """Households of the grids the user works as grid leader or grid worker."""
        return self.filter(grid_id__in=scope(user).grid_ids)

    def under(self, site: Site) -> HouseholdQuerySet:
        return self.filter(grid__station__path__startswith=site.path)


class Household(models.Model):
    """A family. Points accrue to the household account; every resident belongs to one."""

    grid = models.ForeignKey(Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="households")
    name = models.CharField(_("household name"), max_length=100, help_text=_("For example: 张建国家"))
    category = models.CharField(
        _("category"), max_length=16, choices=HouseholdCategory.choices, default=HouseholdCategory.LOCAL
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    # Shown only to the household's members (profile page) and staff; never listed publicly.
    join_code = models.CharField(
        _("join code"),
        max_length=12,
        unique=True,
        default=generate_join_code,
        editable=False,
        help_text=_("Family members enter this code when they register to join the household."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """Insert with a fresh join code: a clash on the unique index (rare, and possible between
        two registrations at the same moment, which a look-up first could not prevent) rolls back
        a savepoint and draws again, at most JOIN_CODE_ATTEMPTS times."""
        if not self._state.adding:
            super().save(*args, **kwargs)
            return
        for attempt in range(JOIN_CODE_ATTEMPTS):
            try:
                with transaction.atomic():  # a savepoint: the clash undoes only this insert
                    super().save(*args, **kwargs)
                return
            except IntegrityError as exc:
                if attempt == JOIN_CODE_ATTEMPTS - 1 or not _is_join_code_clash(exc):
                    raise
                self.pk = None
                self.join_code = generate_join_code()

    @property
    def station(self) -> Site:
        return self.grid.station


class PortalUserManager(UserManager):
    def visible_to(self, user):
        """The person, and the members of the households the person may see."""
        return self.filter(scope(user).household_q("household__") | Q(pk=user.pk))


class User(AbstractUser):
    """A person: resident, volunteer, grid worker or staff. Logs in with user name or phone.

    `name` is the real name (Chinese names are one field). Phone numbers are personal data:
    others see them masked through `masked_phone`.
    """

    name = models.CharField(_("real name"), max_length=50, blank=True)
    phone = models.CharField(
        _("mobile phone"), max_length=11, unique=True, null=True, blank=True, validators=[cn_mobile_validator]
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    elderly_mode = models.BooleanField(_("extra large text"), default=False)

    objects: ClassVar[PortalUserManager] = PortalUserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.username

    def save(self, *args, **kwargs) -> None:
        # One canonical form before the unique index sees it (canonical_phone's docstring).
        self.phone = canonical_phone(self.phone or "") or None
        super().save(*args, **kwargs)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone or "")


class RoleAssignment(models.Model):
    """A role held at a site (reaching its whole subtree) or at a grid.

    Team leadership is `volunteers.Team.leader`; `practice_center.scoping` merges both.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=20, choices=[c for c in Role.choices if c[0] != Role.TEAM_LEADER])
    site = models.ForeignKey(
        Site, verbose_name=_("site"), null=True, blank=True, on_delete=models.CASCADE, related_name="role_assignments"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), null=True, blank=True, on_delete=models.CASCADE, related_name="role_assignments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.CheckConstraint(
                condition=(Q(role__in=[r.value for r in SITE_ROLES], site__isnull=False, grid__isnull=True))
                | (Q(role__in=[r.value for r in GRID_ROLES], grid__isnull=False, site__isnull=True)),
                name="role_held_at_site_or_grid",
                violation_error_message=_("Staff roles are held at a site, grid roles at a grid."),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "site"], condition=Q(site__isnull=False), name="role_unique_per_site"
            ),
            models.UniqueConstraint(
                fields=["user", "role", "grid"], condition=Q(grid__isnull=False), name="role_unique_per_grid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.site or self.grid}"
