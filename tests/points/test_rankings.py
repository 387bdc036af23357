"""Rankings: points earned in a period, the stated tie-break, scoping, one query."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from points.models import Entry, Rule
from points.rankings import Period, household_rank, parse_category, parse_period, ranking
from points.services.shop import redemption_cancel, redemption_create
from tests.factories import EntryFactory, HouseholdFactory, ProductFactory, RuleFactory, UserFactory
from volunteers.models import RecordSource, RecordStatus, ServiceRecord

RANKINGS = "/api/v1/points/rankings/"
MID_2026 = datetime.datetime(2026, 6, 15, 10, 0, tzinfo=datetime.UTC)


def at(year: int, month: int = 6, day: int = 15) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, 12, 0))


def post_entry(household, amount: int, *, kind: str = "earn", when: datetime.datetime | None = None) -> Entry:
    """Put `amount` points of `kind` on the household's ledger at `when` (default mid-2026),
    through the points services (the ledger is hash-chained: never a raw row).

    earn: the system awards a test rule worth 1 point, without caps, ×`amount`; adjust: staff of
    the station adjust by `amount`; redeem: a member of the household reserves goods worth
    -`amount`; refund: the same reservation, then cancelled, so its redeem entry comes first.
    Returns the entry of `kind`."""
    with time_machine.travel(when or at(2026), tick=False):
        if kind == "earn":
            rule = Rule.objects.filter(code="test_points").first()
            rule = rule or RuleFactory(code="test_points", points=1, awarded_by=["system"])
            return EntryFactory(household=household, rule=rule, quantity=amount, by_system=True, note="test")
        if kind == "adjust":
            return EntryFactory(household=household, amount=amount, note="test")
        member = household.members.first() or UserFactory(household=household)
        product = ProductFactory(site=household.grid.station, price=abs(amount), stock=1)
        redemption = redemption_create(user=member, product=product, quantity=1)
        if kind == "refund":
            redemption_cancel(redemption=redemption, actor=member, reason="test")
        return Entry.objects.filter(account__household=household, kind=kind).latest("sequence")


def serve(volunteer, hours: str, *, verified: bool = True, on: datetime.date = datetime.date(2026, 5, 1)):
    return ServiceRecord.objects.create(
        volunteer=volunteer,
        hours=Decimal(hours),
        served_on=on,
        source=RecordSource.MANUAL,
        status=RecordStatus.VERIFIED if verified else RecordStatus.PENDING,
    )


def rows(site, period=None, category=""):
    period = period or Period(2026)
    return [(h.name, h.rank, h.points) for h in ranking(site=site, period=period, category=category)]


# ---- the selector -----------------------------------------------------------------------------
def test_households_are_ranked_by_points_earned_in_the_year(town):
    post_entry(town.household_a, 30)
    post_entry(town.household_a2, 50)
    post_entry(town.household_b, 80)
    assert rows(town.station_a) == [("李明家", 1, 50), ("张建国家", 2, 30)]


def test_spending_points_does_not_lower_the_rank_but_a_correction_does(town):
    post_entry(town.household_a, 30)
    post_entry(town.household_a, -10, kind="redeem")
    post_entry(town.household_a2, 25)
    post_entry(town.household_a2, 10, kind="refund")
    assert rows(town.station_a) == [("张建国家", 1, 30), ("李明家", 2, 25)]
    post_entry(town.household_a, -15, kind="adjust")
    assert rows(town.station_a) == [("李明家", 1, 25), ("张建国家", 2, 15)]


def test_equal_points_put_the_household_with_more_verified_hours_first(town):
    post_entry(town.household_a, 40)
    post_entry(town.household_a2, 40)
    serve(town.leader_a, "2")  # household_a
    serve(town.leader_a, "10", verified=False)  # pending hours do not count
    serve(town.member_a, "5")  # household_a2
    ranked = list(ranking(site=town.station_a, period=Period(2026)))
    assert [(h.name, h.rank, h.hours) for h in ranked] == [("李明家", 1, Decimal("5")), ("张建国家", 2, Decimal("2"))]


def test_hours_served_in_another_year_do_not_break_a_tie(town):
    post_entry(town.household_a, 40)
    post_entry(town.household_a2, 40)
    serve(town.member_a, "20", on=datetime.date(2025, 12, 31))
    assert rows(town.station_a) == [("张建国家", 1, 40), ("李明家", 2, 40)]


def test_equal_points_and_hours_put_the_earlier_household_first_with_distinct_ranks(town):
    later = HouseholdFactory(grid=town.grid_a, name="后来家")
    for household in (later, town.household_a2, town.household_a):
        post_entry(household, 10)
    assert rows(town.station_a) == [("张建国家", 1, 10), ("李明家", 2, 10), ("后来家", 3, 10)]


def test_only_entries_dated_in_the_period_count(town):
    post_entry(town.household_a, 100, when=at(2025, 12, 31))
    post_entry(town.household_a, 7, when=at(2026, 1, 1))
    post_entry(town.household_a2, 9, when=at(2026, 3, 2))
    assert rows(town.station_a) == [("李明家", 1, 9), ("张建国家", 2, 7)]
    assert rows(town.station_a, Period(2026, 1)) == [("张建国家", 1, 7)]
    assert rows(town.station_a, Period(2025)) == [("张建国家", 1, 100)]


def test_a_period_starts_at_midnight_in_shanghai(town):
    # 2025-12-31 16:30 UTC is 2026-01-01 00:30 in Asia/Shanghai.
    post_entry(town.household_a, 5, when=datetime.datetime(2025, 12, 31, 16, 30, tzinfo=datetime.UTC))
    assert rows(town.station_a, Period(2026)) == [("张建国家", 1, 5)]
    assert rows(town.station_a, Period(2025)) == []


def test_the_category_filter_ranks_migrant_households_separately(town):
    post_entry(town.household_a, 30)
    post_entry(town.household_a2, 5)
    assert rows(town.station_a, category="migrant") == [("李明家", 1, 5)]


def test_a_site_ranks_its_whole_subtree(town):
    post_entry(town.household_a, 30)
    post_entry(town.household_b, 80)
    assert rows(town.institute) == [("赵强家", 1, 80), ("张建国家", 2, 30)]


def test_households_without_points_in_the_period_are_not_ranked(town):
    post_entry(town.household_a, 3)
    assert [name for name, *_ in rows(town.station_a)] == ["张建国家"]


def test_household_rank_is_the_position_in_the_own_station(town):
    post_entry(town.household_a, 30)
    post_entry(town.household_a2, 50)
    post_entry(town.household_b, 99)
    assert household_rank(household=town.household_a, period=Period(2026)) == 2
    assert household_rank(household=town.household_b, period=Period(2026)) == 1
    assert household_rank(household=town.household_a, period=Period(2024)) is None


@pytest.mark.parametrize("size", [3, 30])
def test_a_ranking_is_one_query_whatever_the_size(town, django_assert_num_queries, size):
    for index in range(size):
        household = HouseholdFactory(grid=town.grid_a)
        post_entry(household, index + 1)
        serve(town.member_a, "1", on=datetime.date(2026, 1, 1) + datetime.timedelta(days=index))
    with django_assert_num_queries(1):
        ranked = list(ranking(site=town.station_a, period=Period(2026)))
        assert [h.station.name for h in ranked][:1] == ["幸福村实践站"]
    assert [h.rank for h in ranked] == list(range(1, size + 1))


@pytest.mark.parametrize(
    ("value", "expected"), [("2026", Period(2026)), ("2026-05", Period(2026, 5)), (" 2025-12 ", Period(2025, 12))]
)
def test_periods_are_a_year_or_a_month(value, expected):
    assert parse_period(value) == expected


@pytest.mark.parametrize("value", ["26", "2026-13", "2026-00", "1999", "2026/05", "abcd", "2026-5"])
def test_bad_periods_are_refused(value):
    with pytest.raises(ValueError):
        parse_period(value)


def test_an_empty_period_is_the_current_year():
    with time_machine.travel(MID_2026, tick=False):
        assert parse_period("") == Period(2026)


def test_unknown_categories_are_refused():
    assert parse_category("migrant") == "migrant"
    with pytest.raises(ValueError):
        parse_category("vip")


# ---- the API ----------------------------------------------------------------------------------
@pytest.fixture
def ranked_town(town):
    post_entry(town.household_a, 30)
    post_entry(town.household_a2, 50)
    post_entry(town.household_b, 80)
    return town


@time_machine.travel(MID_2026, tick=False)
def test_staff_get_their_station_ranking_with_full_names(ranked_town, api):
    response = api(ranked_town.staff_a).get(RANKINGS)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [(r["rank"], r["household_name"], r["points"]) for r in body["results"]] == [
        (1, "李明家", 50),
        (2, "张建国家", 30),
    ]
    assert body["results"][0]["household"] == ranked_town.household_a2.pk


@time_machine.travel(MID_2026, tick=False)
def test_institute_staff_may_rank_a_station_below_them(ranked_town, api):
    response = api(ranked_town.institute_staff).get(RANKINGS, {"site": ranked_town.station_b.pk, "year": 2026})
    assert response.status_code == 200
    assert [r["household_name"] for r in response.json()["results"]] == ["赵强家"]


def test_staff_of_another_station_may_not_rank_station_b(ranked_town, api):
    response = api(ranked_town.staff_a).get(RANKINGS, {"site": ranked_town.station_b.pk})
    assert response.status_code == 403


@time_machine.travel(MID_2026, tick=False)
def test_a_resident_sees_the_own_station_with_others_masked_and_the_own_household_marked(ranked_town, api):
    response = api(ranked_town.resident_a).get(RANKINGS)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["household_name"], r["is_mine"]) for r in results] == [("李*家", False), ("张建国家", True)]


def test_a_resident_may_not_rank_another_station(ranked_town, api):
    assert api(ranked_town.resident_a).get(RANKINGS, {"site": ranked_town.station_b.pk}).status_code == 403


def test_anonymous_callers_are_refused(ranked_town, api):
    assert api().get(RANKINGS).status_code == 401


def test_a_missing_site_is_bad_input(ranked_town, api):
    response = api(ranked_town.staff_a).get(RANKINGS, {"site": 999999})
    assert response.status_code == 400
    assert "site" in response.json()


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        pytest.param({"period": "2026-13"}, 400, "period", id="month-13"),
        pytest.param({"category": "vip"}, 400, "category", id="unknown-category"),
        pytest.param({"site": "abc"}, 400, "site", id="site-not-a-number"),
        pytest.param({"year": "20x6"}, 400, "year", id="year-not-a-number"),
        pytest.param({"year": "2026", "period": "2026-01"}, 400, "period", id="year-and-period"),
        pytest.param({"page": "99"}, 404, "detail", id="page-past-the-end"),
    ],
)
def test_bad_input_answers_400_and_a_page_past_the_end_404_with_a_message(ranked_town, api, params, status, field):
    response = api(ranked_town.staff_a).get(RANKINGS, params)
    assert response.status_code == status
    assert field in response.json()


@time_machine.travel(MID_2026, tick=False)
def test_the_month_period_and_category_filter_reach_the_api(ranked_town, api):
    post_entry(ranked_town.household_a, 5, when=at(2026, 2, 3))
    response = api(ranked_town.staff_a).get(RANKINGS, {"period": "2026-02"})
    assert [r["points"] for r in response.json()["results"]] == [5]
    response = api(ranked_town.staff_a).get(RANKINGS, {"category": "migrant"})
    assert [r["household_name"] for r in response.json()["results"]] == ["李明家"]


@time_machine.travel(MID_2026, tick=False)
@pytest.mark.parametrize("size", [2, 25])
def test_the_rankings_endpoint_query_count_does_not_grow(town, api, django_assert_num_queries, size):
    for index in range(size):
        post_entry(HouseholdFactory(grid=town.grid_a), index + 1)
    client = api(town.staff_a)
    # scope (roles, teams led), the count, the page.
    with django_assert_num_queries(3):
        response = client.get(RANKINGS)
    assert response.json()["count"] == size
