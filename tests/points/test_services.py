"""Points services as worked examples: rule versions, caps, idempotent awards, automatic awards."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.core.exceptions import ValidationError

from activities.signals import order_completed, order_rated
from points.exceptions import AlreadyAwarded, CapReached, InsufficientPoints, RuleNotApplicable
from points.models import Entry, Rule, RuleVersion, SourceType
from points.selectors import balance_of, ledger_of
from points.services.awards import points_award
from points.services.catalogue import rule_change_points
from points.services.shop import redemption_cancel, redemption_create, redemption_find_by_code
from practice_center.exceptions import NotAllowed
from tests.factories import UserFactory
from tests.points.ledger_helpers import award, give
from volunteers.models import ServiceRecord, Volunteer

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def test_an_entry_made_before_a_rule_edit_keeps_the_old_points(town):
    with time_machine.travel(at(2026, 3, 1, 10), tick=False):
        before = award(town.household_a, town.staff_a, "good_deed")
    rule = Rule.objects.get(code="good_deed")
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        rule_change_points(rule=rule, points=8, actor=town.admin, note="提高奖励")
        after = award(town.household_a, town.staff_a, "good_deed")
    before.refresh_from_db()
    assert (before.amount, before.rule_version.number) == (5, 1)
    assert (after.amount, after.rule_version.number) == (8, 2)
    assert balance_of(town.household_a) == 13


def test_a_backdated_award_uses_the_version_in_force_at_that_time(town):
    rule = Rule.objects.get(code="cleanup")
    rule_change_points(rule=rule, points=4, effective_from=at(2026, 6, 1), actor=town.admin)
    may = points_award(household=town.household_a, rule=rule, actor=town.staff_a, note="x", at=at(2026, 5, 31, 12))
    june = points_award(household=town.household_a, rule=rule, actor=town.staff_a, note="x", at=at(2026, 6, 1, 12))
    assert (may.amount, june.amount) == (3, 4)


def test_only_the_center_admin_changes_a_rule(town):
    with pytest.raises(NotAllowed):
        rule_change_points(rule=Rule.objects.get(code="cleanup"), points=9, actor=town.staff_a)
    assert RuleVersion.objects.filter(rule__code="cleanup").count() == 1


def test_hours_of_service_are_explained_in_one_line(town):
    entry = award(town.household_a, town.staff_a, "service_hour", quantity=Decimal("2"), note="陪老人就医")
    assert entry.amount == 10
    assert entry.note == "志愿服务（每小时）：2 小时 × 5 = 10 分 · 陪老人就医"


def test_half_hours_round_half_up(town):
    assert award(town.household_a, town.staff_a, "service_hour", quantity=Decimal("1.5")).amount == 8


def test_the_daily_cap_counts_the_points_of_that_day_only(town):
    with time_machine.travel(at(2026, 4, 10, 9), tick=False):
        award(town.household_a, town.staff_a, "good_deed")
        award(town.household_a, town.staff_a, "good_deed")
        with pytest.raises(CapReached):
            award(town.household_a, town.staff_a, "good_deed")
    with time_machine.travel(at(2026, 4, 11, 0, 0, 1), tick=False):
        award(town.household_a, town.staff_a, "good_deed")
    assert balance_of(town.household_a) == 15


def test_the_monthly_cap_holds_across_days(town):
    # good_deed: 5 points, 10 a day, 30 a month
    for day in (1, 2, 3):
        with time_machine.travel(at(2026, 4, day, 9), tick=False):
            award(town.household_a, town.staff_a, "good_deed")
            award(town.household_a, town.staff_a, "good_deed")
    with time_machine.travel(at(2026, 4, 4, 9), tick=False), pytest.raises(CapReached):
        award(town.household_a, town.staff_a, "good_deed")
    with time_machine.travel(at(2026, 5, 1, 9), tick=False):
        award(town.household_a, town.staff_a, "good_deed")
    assert balance_of(town.household_a) == 35


def test_caps_are_per_household(town):
    award(town.household_a, town.staff_a, "good_deed")
    award(town.household_a, town.staff_a, "good_deed")
    award(town.household_a2, town.staff_a, "good_deed")
    assert balance_of(town.household_a2) == 5


def test_one_source_earns_a_rule_once(town):
    award(town.household_a, town.staff_a, "cleanup", source_type=SourceType.ACTIVITY, source_id=4)
    with pytest.raises(AlreadyAwarded):
        award(town.household_a, town.staff_a, "cleanup", source_type=SourceType.ACTIVITY, source_id=4)
    award(town.household_a, town.staff_a, "cleanup", source_type=SourceType.ACTIVITY, source_id=5)
    award(town.household_a2, town.staff_a, "cleanup", source_type=SourceType.ACTIVITY, source_id=4)
    assert Entry.objects.count() == 3


def test_a_rule_scoped_to_station_b_cannot_be_awarded_at_station_a(town):
    rule = Rule.objects.get(code="cleanup")
    rule.site = town.station_b
    rule.save()
    with pytest.raises(RuleNotApplicable):
        award(town.household_a, town.institute_staff, "cleanup")
    assert award(town.household_b, town.institute_staff, "cleanup").amount == 3


def test_staff_of_a_station_cannot_award_to_another_station(town):
    with pytest.raises(NotAllowed):
        award(town.household_b, town.staff_a, "cleanup")


def test_a_grid_worker_may_not_award(town):
    with pytest.raises(NotAllowed):
        award(town.household_a, town.grid_worker_a, "cleanup")


def test_the_system_may_not_award_a_rule_meant_for_people(town):
    with pytest.raises(NotAllowed):
        points_award(household=town.household_a, rule="cleanup", actor=None)


def test_a_redemption_never_takes_the_balance_below_zero(town, soap):
    give(town.household_a, town.staff_a, 5)
    redemption_create(user=town.resident_a, product=soap, quantity=1)
    with pytest.raises(InsufficientPoints):
        redemption_create(user=town.resident_a, product=soap, quantity=1)
    assert balance_of(town.household_a) == 2


def test_a_quantity_must_be_a_whole_number_from_1_to_20(town, soap):
    give(town.household_a, town.staff_a, 100)
    for bad in (0, 21, "x", 1.5, True):
        with pytest.raises(ValidationError):
            redemption_create(user=town.resident_a, product=soap, quantity=bad)


def test_pickup_codes_are_short_and_unambiguous(town, soap):
    give(town.household_a, town.staff_a, 60)
    codes = {redemption_create(user=town.resident_a, product=soap, quantity=1).pickup_code for _ in range(20)}
    assert len(codes) == 20
    assert all(len(code) == 6 and not set(code) & set("0O1IL2Z5S8B") for code in codes)


def test_staff_find_a_redemption_by_code_only_within_their_subtree(town, soap):
    give(town.household_a, town.staff_a, 10)
    redemption = redemption_create(user=town.resident_a, product=soap, quantity=1)
    assert redemption_find_by_code(actor=town.staff_a, pickup_code=f" {redemption.pickup_code.lower()} ") == redemption
    assert redemption_find_by_code(actor=town.institute_staff, pickup_code=redemption.pickup_code) == redemption
    with pytest.raises(type(redemption).DoesNotExist):
        redemption_find_by_code(actor=town.staff_b, pickup_code=redemption.pickup_code)


def test_cancelling_twice_refunds_once(town, soap):
    from points.exceptions import RedemptionNotReserved

    give(town.household_a, town.staff_a, 10)
    redemption = redemption_create(user=town.resident_a, product=soap, quantity=1)
    redemption_cancel(redemption=redemption, actor=town.resident_a)
    with pytest.raises(RedemptionNotReserved):
        redemption_cancel(redemption=redemption, actor=town.staff_a)
    assert balance_of(town.household_a) == 10


# ---- automatic awards from the order workflow ------------------------------------------------------
def _completed(town, order_id: int, hours: dict):
    order = SimpleNamespace(pk=order_id, title="上门理发", stars=None)
    records = [ServiceRecord(volunteer=volunteer, hours=Decimal(h)) for volunteer, h in hours.items()]
    order_completed.send(sender=None, order=order, records=records, actor=town.leader_a_user)
    return order


def test_a_completed_order_earns_service_hour_points_for_each_volunteers_household(town):
    _completed(town, 101, {town.leader_a: "2", town.member_a: "1.5"})
    (leader_entry,) = ledger_of(town.household_a)
    (member_entry,) = ledger_of(town.household_a2)
    assert (leader_entry.amount, member_entry.amount) == (10, 8)
    assert leader_entry.source_type == "order" and leader_entry.source_id == 101 and leader_entry.actor is None
    assert "上门理发" in leader_entry.note


def test_a_completion_replayed_is_skipped_quietly(town):
    _completed(town, 102, {town.leader_a: "2"})
    _completed(town, 102, {town.leader_a: "2"})
    assert balance_of(town.household_a) == 10


def test_two_volunteers_of_one_household_earn_one_award_for_their_hours_together(town):
    other = Volunteer.objects.create(user=town.resident_a, site=town.station_a, real_name="张建国")
    _completed(town, 103, {town.leader_a: "2", other: "1"})
    (entry,) = ledger_of(town.household_a)
    assert entry.amount == 15


def test_a_five_star_rating_earns_the_bonus_for_the_serving_households(town):
    order = SimpleNamespace(
        pk=104, stars=5, volunteers=Volunteer.objects.filter(pk__in=[town.leader_a.pk, town.member_a.pk])
    )
    order_rated.send(sender=None, order=order, actor=town.resident_b)
    order_rated.send(sender=None, order=order, actor=town.resident_b)
    assert balance_of(town.household_a) == 2 and balance_of(town.household_a2) == 2


def test_a_four_star_rating_earns_no_bonus(town):
    order = SimpleNamespace(pk=105, stars=4, volunteers=Volunteer.objects.filter(pk=town.leader_a.pk))
    order_rated.send(sender=None, order=order, actor=town.resident_b)
    assert not Entry.objects.exists()


def test_an_automatic_award_over_the_cap_is_skipped_without_failing_the_order(town):
    _completed(town, 106, {town.leader_a: "8"})  # 40 points: the daily cap
    _completed(town, 107, {town.leader_a: "1"})
    assert balance_of(town.household_a) == 40


def test_a_taken_pickup_code_is_drawn_again_without_a_second_charge(town, monkeypatch):
    from points.models import Product, Redemption
    from points.services import shop

    give(town.household_a, town.staff_a, 50)
    soap = Product.objects.create(site=town.station_a, name="香皂", price=5, stock=10)
    first = shop.redemption_create(user=town.resident_a, product=soap, quantity=1)
    codes = iter([first.pickup_code, "ZZZZZZ"])
    monkeypatch.setattr(shop, "_new_pickup_code", lambda: next(codes))

    second = shop.redemption_create(user=town.resident_a, product=soap, quantity=1)

    assert second.pickup_code == "ZZZZZZ"
    assert Redemption.objects.count() == 2
    assert balance_of(town.household_a) == 40
    soap.refresh_from_db()
    assert soap.stock == 8


def test_a_completion_costs_the_same_queries_with_one_or_three_volunteers_of_a_household(town):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    extra = [
        Volunteer.objects.create(user=UserFactory(household=town.household_a), site=town.station_a, real_name=n)
        for n in ("甲", "乙")
    ]
    _completed(town, 200, {town.leader_a: "1"})  # the first award also opens the account
    counts = []
    for order_id, volunteers in ((201, [town.leader_a]), (202, [town.leader_a, *extra])):
        records = [ServiceRecord(volunteer=Volunteer.objects.get(pk=v.pk), hours=Decimal("1")) for v in volunteers]
        with CaptureQueriesContext(connection) as queries:
            order_completed.send(
                sender=None,
                order=SimpleNamespace(pk=order_id, title="t", stars=None),
                records=records,
                actor=town.leader_a_user,
            )
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert balance_of(town.household_a) == 5 + 5 + 15
