"""Household rankings (积分排名): one aggregate query per ranking.

What counts, stated once here and repeated on the page and in the API docs:

- **Points** are the points a household EARNED in the period: the sum of its `earn` and `adjust`
  entries dated in the period. Spending points (redeem), refunds of cancelled redemptions and
  expiry do not move a household in the ranking; corrections (adjust) do.
- **Tie-break**: equal points → more verified volunteer service hours (served in the period, by
  the household's members) first; still equal → the lower household number (registered earlier)
  first. So every household has its own rank, 1, 2, 3 … without gaps, and the same data always
  gives the same order.
- Only households that earned points in the period are ranked.

Who may see which ranking: staff rank any site of their subtrees; everybody else ranks the own
station (`points.permissions.may_see_ranking`). Residents see the other households' names masked.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, TypeAlias, TypedDict, cast

from django.db import connection
from django.db.models import DecimalField, F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce, DenseRank
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from points.models import Entry, EntryKind
from points.permissions import may_see_ranking, ranking_sites
from practice_center.exceptions import NotAllowed
from practice_center.models import Household, HouseholdCategory, Site
from volunteers.models import RecordStatus, ServiceRecord


class RankedFields(TypedDict):
    """What `ranking` annotates on each household: points earned, verified hours, the rank."""

    points: int
    hours: Decimal
    rank: int


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    #: A household as `ranking` returns it (for the type checker; at run time a plain Household).
    RankedHousehold: TypeAlias = WithAnnotations[Household, RankedFields]

RANKED_KINDS = (EntryKind.EARN, EntryKind.ADJUST)

BASIS_TEXT = gettext_lazy(
    "Ranked by the points each household earned in the period (earned and corrected points; "
    "spending points on goods does not lower a household's rank)."
)
TIE_BREAK_TEXT = gettext_lazy(
    "Equal points: the household whose members served more verified volunteer hours in the period "
    "comes first; still equal: the household registered earlier (lower household number) comes first."
)

_PERIOD_RE = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


@dataclass(frozen=True)
class Period:
    """A calendar year or month in the portal's time zone."""

    year: int
    month: int | None = None

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, self.month or 1, 1)

    @property
    def next_first_day(self) -> datetime.date:
        if self.month is None:
            return datetime.date(self.year + 1, 1, 1)
        if self.month == 12:
            return datetime.date(self.year + 1, 1, 1)
        return datetime.date(self.year, self.month + 1, 1)

    @property
    def start(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.first_day, datetime.time.min))

    @property
    def end(self) -> datetime.datetime:
        """Exclusive end."""
        return timezone.make_aware(datetime.datetime.combine(self.next_first_day, datetime.time.min))

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.month else str(self.year)

    def __str__(self) -> str:
        return self.label


def current_year() -> Period:
    """The current calendar year in local time (Asia/Shanghai)."""
    return Period(timezone.localdate().year)


def parse_period(value: str | None) -> Period:
    """'2026' or '2026-05' → a Period; empty → the current year. Raises ValueError on bad input."""
    value = (value or "").strip()
    if not value:
        return current_year()
    match = _PERIOD_RE.match(value)
    if not match:
        raise ValueError(_("Give a year such as 2026 or a month such as 2026-05."))
    year, month = int(match.group(1)), match.group(2)
    if not 2000 <= year <= 2100:
        raise ValueError(_("Give a year between 2000 and 2100."))
    if month is not None:
        month = int(month)
        if not 1 <= month <= 12:
            raise ValueError(_("Give a month between 01 and 12."))
    return Period(year, month)


def parse_category(value: str | None) -> str:
    """'' (all households) or a HouseholdCategory value. Raises ValueError on anything else."""
    value = (value or "").strip()
    if value and value not in HouseholdCategory.values:
        raise ValueError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(HouseholdCategory.values)})
    return value


def ranking_site_for(user, site: Site | None) -> Site:
    """The site to rank for `user`: `site` if the user may see its ranking, else NotAllowed;
    None: the first of `points.permissions.ranking_sites` (NotAllowed if there is none)."""
    if site is None:
        sites = ranking_sites(user)
        if not sites:
            raise NotAllowed(_("You belong to no station, so there is no ranking to show you."))
        return sites[0]
    if may_see_ranking(user, site):
        return site
    raise NotAllowed(_("You may only see the ranking of your own station."))


def ranking(*, site: Site, period: Period, category: str = "") -> QuerySet[RankedHousehold]:
    """Households under `site` that earned points in `period`, each annotated with `points`,
    `hours` and `rank`, best first. One SQL query: two correlated sums and a window function."""
    earned = (
        Entry.objects.filter(
            account__household_id=OuterRef("pk"),
            kind__in=RANKED_KINDS,
            created_at__gte=period.start,
            created_at__lt=period.end,
        )
        .order_by()
        .values("account__household_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    hours = (
        ServiceRecord.objects.filter(
            volunteer__user__household_id=OuterRef("pk"),
            status=RecordStatus.VERIFIED,
            served_on__gte=period.first_day,
            served_on__lt=period.next_first_day,
        )
        .order_by()
        .values("volunteer__user__household_id")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    households = Household.objects.under(site)
    if category:
        households = households.filter(category=category)
    ordering = ["-points", "-hours", "pk"]
    ranked = (
        households.annotate(
            points=Coalesce(Subquery(earned, output_field=IntegerField()), Value(0)),
            hours=Coalesce(
                Subquery(hours, output_field=DecimalField(max_digits=12, decimal_places=2)),
                Value(Decimal("0")),
                output_field=DecimalField(max_digits=12, decimal_places=2),
            ),
        )
        .filter(points__gt=0)
        .annotate(rank=Window(DenseRank(), order_by=ordering))
        .select_related("grid__station")
        .order_by(*ordering)
    )
    return cast("QuerySet[RankedHousehold]", ranked)


def household_rank(*, household: Household, period: Period, category: str = "") -> int | None:
    """The household's rank in its station's ranking for `period`, or None if it earned nothing."""
    station = household.grid.station
    ranked = ranking(site=station, period=period, category=category).annotate(hh_id=F("pk")).values("hh_id", "rank")
    # A filter on `pk` would go inside the window's WHERE (ranking one household alone), so the
    # ranking becomes a derived table and the household is picked outside it: still one query.
    sql, params = ranked.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ranked.rank FROM ({sql}) ranked WHERE ranked.hh_id = %s", [*params, household.pk])  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else None
