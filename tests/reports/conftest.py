"""A worked month (March 2026, Asia/Shanghai) with known answers, built from factories.

Station A, orders placed in March (hours after placing: dispatched / accepted / completed):
  #1 03-01 00:00 (the first instant)  2 / +1 / 10, rated 5 stars
  #2 03-10 10:00                      30 / +2 / 40, completed, not rated   (dispatch late)
  #3 03-31 23:59 (the last minute)    submitted
  #4 03-15 08:00                      4 / +26, accepted                   (accept late)
  #5 03-20 09:00                      6 / +1 / 20, rated 3 stars
  and, outside March: 02-28 23:59:59 and 04-01 00:00 (both submitted).
Station B: a micro-wish 03-05 12:00 claimed after 3 h, completed after 24 h (no category);
  a menu order 03-08 10:00 cancelled.
Verified hours: member_a 2 h on 03-01, leader_a 1.5 h on 03-31, leader_b 4 h on 03-12;
  outside: member_a 3 h on 04-01, 5 h on 02-28; pending: member_a 1 h on 03-10.
New volunteers: member_a approved 03-02 (the others in 2025).
Points (rule public_welfare, 10 each): household_a on 03-01 00:00:01 and 03-31 23:59,
  household_a2 on 03-15, household_b on 03-20, household_a on 04-01 00:00 (April);
  household_a redeems 2 × soap (3 points) on 03-25.
Activities at station A: published, starting 03-01 00:00 (enrolled: resident_a and
  resident_a2 checked in, grid_worker_a not; resident_b waitlisted; leader_a withdrawn);
  finished, starting 03-31 23:30 (resident_a enrolled and checked in); and, not counted, a
  cancelled one and a draft in March (with sign-ups) and a published one at 04-01 00:00.
  Station B: a finished one on 03-12 with resident_b enrolled, not checked in.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from activities.models import Category, MenuItem, Order, OrderKind, OrderStatus
from volunteers.models import RecordSource, RecordStatus, ServiceRecord, Volunteer

SH = ZoneInfo("Asia/Shanghai")
MARCH = datetime.date(2026, 3, 1)


def at(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, second, tzinfo=SH)


def hours(n: float) -> datetime.timedelta:
    return datetime.timedelta(hours=n)


@pytest.fixture
def law(db):
    return Category.objects.get(code="law")


@pytest.fixture
def item_a(town, law):
    return MenuItem.objects.create(site=town.station_a, category=law, title="法律咨询上门")


@pytest.fixture
def item_b(town, law):
    return MenuItem.objects.create(site=town.station_b, category=law, title="法律讲座")


@pytest.fixture
def place(town):
    """`place(item_or_none, created, status, dispatch=h, accept=h, complete=h, stars=n, site=, team=)`:
    an order row with exact times (hours after placing; accept after dispatch)."""

    def make(
        item,
        created,
        status=OrderStatus.SUBMITTED,
        *,
        dispatch=None,
        accept=None,
        complete=None,
        stars=None,
        site=None,
        team=None,
        kind=OrderKind.MENU,
        resident=None,
    ):
        dispatched_at = created + hours(dispatch) if dispatch is not None else None
        accepted_at = None
        if accept is not None:
            accepted_at = (dispatched_at or created) + hours(accept)
        order = Order.objects.create(
            kind=kind,
            status=status,
            resident=resident or town.resident_a,
            site=site or (item.site if item else town.station_a),
            menu_item=item,
            category=item.category if item else None,
            title="测试",
            is_public=kind == OrderKind.WISH,
            team=team
            if team is not None
            else (town.team_a if status not in ("submitted", "cancelled", "rejected") else None),
            dispatched_at=dispatched_at,
            accepted_at=accepted_at,
            completed_at=created + hours(complete) if complete is not None else None,
            stars=stars,
        )
        Order.objects.filter(pk=order.pk).update(created_at=created, status_changed_at=created)
        return order

    return make


def record(volunteer, day: datetime.date, hours_: str, status=RecordStatus.VERIFIED):
    return ServiceRecord.objects.create(
        volunteer=volunteer, hours=hours_, served_on=day, source=RecordSource.MANUAL, status=status
    )


@pytest.fixture
def worked_month(town, item_a, item_b, place):
    """The data of the module docstring; returns the town."""
    S = OrderStatus
    place(item_a, at(3, 1), S.RATED, dispatch=2, accept=1, complete=10, stars=5)
    place(item_a, at(3, 10, 10), S.COMPLETED, dispatch=30, accept=2, complete=40)
    place(item_a, at(3, 31, 23, 59), S.SUBMITTED)
    place(item_a, at(3, 15, 8), S.ACCEPTED, dispatch=4, accept=26)
    place(item_a, at(3, 20, 9), S.RATED, dispatch=6, accept=1, complete=20, stars=3)
    place(item_a, at(2, 28, 23, 59, 59), S.SUBMITTED)
    place(item_a, at(4, 1), S.SUBMITTED)
    place(
        None,
        at(3, 5, 12),
        S.COMPLETED,
        accept=3,
        complete=24,
        kind=OrderKind.WISH,
        site=town.station_b,
        team=town.team_b,
        resident=town.resident_b,
    )
    place(item_b, at(3, 8, 10), S.CANCELLED, resident=town.resident_b)

    d = datetime.date
    record(town.member_a, d(2026, 3, 1), "2")
    record(town.leader_a, d(2026, 3, 31), "1.5")
    record(town.leader_b, d(2026, 3, 12), "4")
    record(town.member_a, d(2026, 4, 1), "3")
    record(town.member_a, d(2026, 2, 28), "5")
    record(town.member_a, d(2026, 3, 10), "1", status=RecordStatus.PENDING)
    Volunteer.objects.update(approved_at=datetime.datetime(2025, 6, 1, tzinfo=SH))
    Volunteer.objects.filter(pk=town.member_a.pk).update(approved_at=at(3, 2, 10))

    from points.models import Product
    from points.services.awards import points_award
    from points.services.shop import redemption_create

    for household, when in (
        (town.household_a, at(3, 1, 0, 0, 1)),
        (town.household_a, at(3, 31, 23, 59)),
        (town.household_a2, at(3, 15, 9)),
        (town.household_b, at(3, 20, 9)),
        (town.household_a, at(4, 1)),
    ):
        staff = town.staff_b if household == town.household_b else town.staff_a
        points_award(household=household, rule="public_welfare", actor=staff, note="扶老", at=when)
    soap = Product.objects.create(site=town.station_a, name="香皂", price=3, stock=100)
    redemption_create(user=town.resident_a, product=soap, quantity=2, at=at(3, 25, 10))

    from activities.models import Activity, Enrollment

    def activity(site, starts, status, *people):
        made = Activity.objects.create(
            site=site,
            title="道德讲堂",
            category=item_a.category,
            starts_at=starts,
            ends_at=starts + hours(2),
            status=status,
            cancel_reason="下雨" if status == "cancelled" else "",
        )
        for position, (person, state, checked) in enumerate(people, start=1):
            Enrollment.objects.create(
                activity=made,
                person=person,
                status=state,
                position=position if state == "waitlisted" else None,
                checked_in_at=starts + hours(0.1) if checked else None,
            )
        return made

    E, W, X = "enrolled", "waitlisted", "withdrawn"
    activity(
        town.station_a,
        at(3, 1),
        "published",
        (town.resident_a, E, True),
        (town.resident_a2, E, True),
        (town.grid_worker_a, E, False),
        (town.resident_b, W, False),
        (town.leader_a_user, X, False),
    )
    activity(town.station_a, at(3, 31, 23, 30), "finished", (town.resident_a, E, True))
    activity(town.station_a, at(3, 10, 9), "cancelled", (town.resident_a, E, False))
    activity(town.station_a, at(3, 11, 9), "draft", (town.resident_a2, E, False))
    activity(town.station_a, at(4, 1), "published", (town.resident_a, E, True))
    activity(town.station_b, at(3, 12, 9), "finished", (town.resident_b, E, False))
    return town


@pytest.fixture
def march_reports(town):
    """The March reports of every site (center, institute, A, B), as drafts."""
    from reports.models import MonthlyReport
    from reports.services import reports_build_month

    reports_build_month(month=MARCH)
    return {r.site_id: r for r in MonthlyReport.objects.filter(month=MARCH)}


@pytest.fixture
def report_a(town, march_reports):
    return march_reports[town.station_a.pk]


@pytest.fixture
def walk(town):
    """`walk(report, status)`: the report moved through the services to `status`."""
    from reports import services

    def make(report, status):
        if status == "draft":
            return report
        report = services.report_submit(report=report, actor=_writer(town, report), narrative="本月工作顺利")
        if status == "submitted":
            return report
        if status == "returned":
            return services.report_return(report=report, actor=town.admin, comment="请补充")
        report = services.report_approve(report=report, actor=town.admin)
        if status == "approved":
            return report
        return services.report_publish(report=report, actor=town.admin)

    return make


def _writer(town, report):
    return {
        town.station_a.pk: town.staff_a,
        town.station_b.pk: town.staff_b,
        town.institute.pk: town.institute_staff,
        town.center.pk: town.admin,
    }[report.site_id]


def grow(town, item_a, item_b, place, size: int) -> None:
    """More data of every kind: `size` orders per station in March, service records, ledger
    entries, and `size` more stations (with households) under the institute."""
    from practice_center.models import SiteLevel
    from tests.factories import GridFactory, HouseholdFactory, SiteFactory

    for n in range(size):
        place(item_a, at(3, 2 + n % 20, 9), "rated", dispatch=1 + n, accept=1, complete=5 + n, stars=1 + n % 5)
        place(item_b, at(3, 2 + n % 20, 10), "submitted", resident=town.resident_b)
        record(town.member_a, datetime.date(2026, 3, 2 + n % 20), "1")
        station = SiteFactory(name=f"新站{n}", level=SiteLevel.STATION, parent=town.institute)
        HouseholdFactory(grid=GridFactory(station=station))
