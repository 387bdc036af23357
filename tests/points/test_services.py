"""Points services as worked examples: rule versions, caps, idempotent awards, automatic awards."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.core.exceptions import ValidationError

from activities.signals import order_rated
from points.exceptions import AlreadyAwarded, CapReached, InsufficientPoints, RuleNotApplicable
from points.models import Entry, Rule, RuleVersion, SourceType
from points.selectors import balance_of, ledger_of
from points.services.awards import points_award
from points.services.catalogue import rule_change_points
from points.services.shop import redemption_cancel, redemption_create, redemption_find_by_code
from practice_center.exceptions import NotAllowed
from practice_center.models import Notification
from tests.points.ledger_helpers import award, give
from volunteers.models import ServiceRecord, Volunteer
from volunteers.services import service_record_create, service_record_verify

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


# ---- automatic awards: points follow verified facts ------------------------------------------
def _record(town, volunteer, hours: str, *, verified: bool, source_id: int = 1) -> ServiceRecord:
    """A service record of `hours`, verified at once by staff or left pending (as a leader's)."""
    return service_record_create(
        volunteer=volunteer,
        hours=Decimal(hours),
        served_on=datetime.date(2026, 4, 1),
        source="order",
        source_id=source_id,
        description="上门理发",
        actor=town.staff_a if verified else town.leader_a_user,
        verified=verified,
    )


def test_hours_recorded_by_staff_earn_service_hour_points_at_once_for_each_volunteers_household(town):
    leader = _record(town, town.leader_a, "2", verified=True, source_id=101)
    _record(town, town.member_a, "1.5", verified=True, source_id=101)
    (leader_entry,) = ledger_of(town.household_a)
    (member_entry,) = ledger_of(town.household_a2)
    assert (leader_entry.amount, member_entry.amount) == (10, 8)
    assert (leader_entry.source_type, leader_entry.source_id) == (SourceType.SERVICE_RECORD, leader.pk)
    assert leader_entry.actor is None and "上门理发" in leader_entry.note


def test_pending_hours_earn_nothing_until_staff_verify_them(town):
    record = _record(town, town.leader_a, "2", verified=False)
    assert balance_of(town.household_a) == 0
    service_record_verify(record=record, actor=town.staff_a)
    assert balance_of(town.household_a) == 10


def test_rejected_pending_hours_never_earn(town):
    record = _record(town, town.leader_a, "2", verified=False)
    service_record_verify(record=record, actor=town.staff_a, approve=False)
    assert balance_of(town.household_a) == 0 and not Entry.objects.exists()


def test_verified_hours_rejected_later_are_reversed_by_a_compensating_entry(town):
    record = _record(town, town.leader_a, "2", verified=True)
    service_record_verify(record=record, actor=town.staff_a, approve=False, reason="当天未到岗")
    earned, reversal = sorted(ledger_of(town.household_a), key=lambda e: e.sequence)
    assert (earned.amount, reversal.amount) == (10, -10)
    assert reversal.corrects_id == earned.pk and reversal.actor is None and "当天未到岗" in reversal.note
    assert balance_of(town.household_a) == 0


def test_rejecting_verified_hours_needs_a_reason(town):
    record = _record(town, town.leader_a, "2", verified=True)
    with pytest.raises(ValidationError):
        service_record_verify(record=record, actor=town.staff_a, approve=False)
    assert balance_of(town.household_a) == 10


def test_a_reversal_of_points_already_spent_tells_staff_and_keeps_the_balance_above_zero(town):
    from points.models import Product

    record = _record(town, town.leader_a, "2", verified=True)
    soap = Product.objects.create(site=town.station_a, name="香皂", price=8, stock=5)
    redemption_create(user=town.resident_a, product=soap, quantity=1)
    service_record_verify(record=record, actor=town.staff_a, approve=False, reason="记错了人")
    assert balance_of(town.household_a) == 2
    notice = Notification.objects.get(kind="points_award_failed", recipient=town.staff_a)
    assert "张建国家" in notice.data["household"]


def test_two_records_of_one_household_each_earn_their_hours(town):
    other = Volunteer.objects.create(user=town.resident_a, site=town.station_a, real_name="张建国")
    _record(town, town.leader_a, "2", verified=True, source_id=103)
    _record(town, other, "1", verified=True, source_id=103)
    assert sorted(e.amount for e in ledger_of(town.household_a)) == [5, 10]


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


def test_an_automatic_award_clamps_to_the_cap_and_says_so(town):
    with time_machine.travel(at(2026, 4, 1, 9), tick=False):
        _record(town, town.leader_a, "6", verified=True, source_id=106)  # 30 of the daily cap of 40
        _record(town, town.leader_a, "10", verified=True, source_id=107)  # 50 more: 10 fit
    first, second = sorted(ledger_of(town.household_a), key=lambda e: e.sequence)
    assert (first.amount, second.amount) == (30, 10)
    assert "已封顶：计 10 分（应得 50 分" in second.note
    assert balance_of(town.household_a) == 40


def test_an_automatic_award_with_nothing_left_under_the_cap_tells_staff_not_the_volunteer(town):
    with time_machine.travel(at(2026, 4, 1, 9), tick=False):
        _record(town, town.leader_a, "8", verified=True, source_id=108)  # the whole daily cap
        _record(town, town.leader_a, "1", verified=True, source_id=109)
    assert balance_of(town.household_a) == 40
    assert Notification.objects.filter(kind="points_award_failed", recipient=town.staff_a).count() == 1


@pytest.mark.parametrize(
    "break_it",
    [
        pytest.param(
            lambda: Rule.objects.filter(code="service_hour").update(code="hour_of_service"), id="rule-renamed"
        ),
        pytest.param(lambda: Rule.objects.filter(code="service_hour").update(is_active=False), id="rule-switched-off"),
    ],
)
def test_a_points_error_never_blocks_the_hours_and_is_told_to_staff(town, break_it):
    break_it()
    record = _record(town, town.leader_a, "2", verified=True)
    assert record.status == "verified"
    assert balance_of(town.household_a) == 0
    assert Notification.objects.filter(kind="points_award_failed", recipient=town.staff_a).exists()


def test_hours_that_earn_no_points_never_block_the_record(town):
    record = _record(town, town.leader_a, "0.05", verified=True)  # 0.25 points round to 0
    assert record.status == "verified" and balance_of(town.household_a) == 0


def test_a_manual_award_over_the_cap_earns_what_is_left_and_says_so(town):
    with time_machine.travel(at(2026, 4, 10, 9), tick=False):
        award(town.household_a, town.staff_a, "service_hour", quantity=Decimal("6"))
        entry = award(town.household_a, town.staff_a, "service_hour", quantity=Decimal("4"))
    assert entry.amount == 10
    assert "已封顶：计 10 分（应得 20 分" in entry.note


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


def test_verifying_hours_costs_the_same_queries_for_any_household(town):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for volunteer in (town.leader_a, town.member_a):  # opens both accounts, loads the staff's roles
        service_record_verify(record=_record(town, volunteer, "1", verified=False, source_id=200), actor=town.staff_a)
    counts = []
    for volunteer, source_id in ((town.leader_a, 201), (town.member_a, 202)):
        record = _record(town, volunteer, "1", verified=False, source_id=source_id)
        with CaptureQueriesContext(connection) as queries:
            service_record_verify(record=record, actor=town.staff_a)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert balance_of(town.household_a) == balance_of(town.household_a2) == 10


def test_the_award_page_tells_staff_what_a_household_can_still_earn_before_they_award(client, town, login):
    with time_machine.travel(at(2026, 4, 10, 9), tick=False):
        award(town.household_a, town.staff_a, "good_deed")  # 5 of 10 a day
        login(town.staff_a)
        page = client.get(f"/points/staff/award/?household={town.household_a.pk}").content.decode()
    assert "张建国家还可获得的积分" in page
    assert "好人好事：今日还可得 5 分（上限 10 分）" in page


def test_cap_rooms_reads_every_rule_in_one_query(town, django_assert_num_queries):
    from points.services.awards import cap_rooms

    rules = list(Rule.objects.all())
    with django_assert_num_queries(1):
        rooms = cap_rooms(town.household_a, rules)
    assert rooms[Rule.objects.get(code="good_deed").pk].left == 10


def test_every_rule_that_can_be_earned_again_and_again_has_a_cap(town):
    uncapped = Rule.objects.filter(cap_per_day__isnull=True, cap_per_month__isnull=True)
    assert list(uncapped.values_list("code", flat=True)) == []
