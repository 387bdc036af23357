"""Yearly honours: freeze a ranking snapshot, public notice in working days, objections, final."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import override_settings

from points.exceptions import (
    AlreadyAnswered,
    EmptyRanking,
    HonourListExists,
    NoticeClosed,
    NoticeNotOver,
    ObjectionsUnanswered,
    ObjectionUpheld,
)
from points.models import HonourEntry, HonourList, HonourStatus, Objection
from points.services import honours as hs
from points.workflows import HONOURS
from practice_center.exceptions import InvalidTransition, NotAllowed
from tests.factories import HonourListFactory
from tests.points.test_rankings import at, post_entry
from tests.workflow import statuses, wrong_moves

# A Wednesday in January 2027, 10:00 in Shanghai.
WED = datetime.datetime(2027, 1, 6, 2, 0, tzinfo=datetime.UTC)


def day(offset_days: int) -> datetime.datetime:
    return WED + datetime.timedelta(days=offset_days)


@pytest.fixture
def scored(town):
    post_entry(town.household_a, 30, when=at(2026))
    post_entry(town.household_a2, 50, when=at(2026))
    post_entry(town.household_b, 80, when=at(2026))
    return town


def freeze(town, *, actor=None, size=10, category="", site=None):
    with time_machine.travel(WED, tick=False):
        return hs.honour_list_freeze(
            site=site or town.station_a,
            year=2026,
            kind="civilized_household",
            category=category,
            size=size,
            actor=actor or town.staff_a,
        )


def published(town):
    honour_list = freeze(town)
    with time_machine.travel(WED, tick=False):
        return hs.honour_list_publish(honour_list=honour_list, actor=town.staff_a)


# ---- working days -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        (datetime.date(2027, 1, 6), 5, datetime.date(2027, 1, 13)),  # Wed → next Wed
        (datetime.date(2027, 1, 8), 5, datetime.date(2027, 1, 15)),  # Fri → next Fri
        (datetime.date(2027, 1, 9), 1, datetime.date(2027, 1, 11)),  # Sat → Mon
        (datetime.date(2027, 1, 8), 1, datetime.date(2027, 1, 11)),  # Fri → Mon
        (datetime.date(2027, 1, 4), 7, datetime.date(2027, 1, 13)),  # Mon + 7 → Wed week after
    ],
)
def test_the_notice_counts_working_days_monday_to_friday(start, days, end):
    assert hs.add_working_days(start, days) == end


# ---- freezing ---------------------------------------------------------------------------------
def test_freezing_copies_rank_points_and_names_of_the_top_households(scored):
    honour_list = freeze(scored, size=1)
    assert honour_list.status == HonourStatus.FROZEN
    entries = list(honour_list.entries.all())
    assert [(e.rank, e.household_name, e.points, e.station_name) for e in entries] == [
        (1, "李明家", 50, "幸福村实践站")
    ]


def test_a_frozen_list_does_not_change_when_points_or_names_change_later(scored):
    honour_list = freeze(scored)
    post_entry(scored.household_a, 500, when=at(2026, 12, 1))
    scored.household_a2.name = "改名家"
    scored.household_a2.save()
    assert [(e.household_name, e.points) for e in honour_list.entries.all()] == [("李明家", 50), ("张建国家", 30)]


def test_entries_refuse_to_be_edited(scored):
    entry = freeze(scored).entries.first()
    entry.points = 999
    with pytest.raises(ValueError):
        entry.save()
    assert HonourEntry.objects.get(pk=entry.pk).points == 50


def test_freezing_by_category_ranks_migrant_households_alone(scored):
    honour_list = freeze(scored, category="migrant")
    assert [e.household_name for e in honour_list.entries.all()] == ["李明家"]


def test_staff_of_another_station_cannot_freeze_station_a(scored):
    with pytest.raises(NotAllowed):
        freeze(scored, actor=scored.staff_b)


def test_a_second_live_list_for_the_same_scope_is_refused(scored):
    freeze(scored)
    with pytest.raises(HonourListExists):
        freeze(scored)


def test_a_list_with_nobody_ranked_is_refused(town):
    with pytest.raises(EmptyRanking):
        freeze(town)


@pytest.mark.parametrize(("field", "kwargs"), [("size", {"size": 0}), ("category", {"category": "vip"})])
def test_bad_freeze_input_names_the_field(scored, field, kwargs):
    with pytest.raises(ValidationError) as caught:
        freeze(scored, **kwargs)
    assert field in caught.value.message_dict


# ---- publishing and the notice period ---------------------------------------------------------
@override_settings(PORTAL={"HONOURS_NOTICE_WORKING_DAYS": 5})
def test_publishing_sets_the_notice_end_five_working_days_on(scored):
    honour_list = published(scored)
    assert honour_list.status == HonourStatus.NOTICE
    assert honour_list.notice_ends_on == datetime.date(2027, 1, 13)


def test_a_published_list_cannot_be_published_again(scored):
    honour_list = published(scored)
    with pytest.raises(InvalidTransition) as caught:
        hs.honour_list_publish(honour_list=honour_list, actor=scored.staff_a)
    assert caught.value.code == "invalid_transition"


HONOUR_STEPS = {
    "publish": lambda honour_list, actor: hs.honour_list_publish(honour_list=honour_list, actor=actor),
    "finalise": lambda honour_list, actor: hs.honour_list_finalise(honour_list=honour_list, actor=actor),
    "withdraw": lambda honour_list, actor: hs.honour_list_withdraw(honour_list=honour_list, actor=actor, reason="改"),
}


def test_every_step_of_the_honours_map_has_a_service_and_the_factory_reaches_every_status(db):
    assert set(HONOUR_STEPS) == {action for action, _status in wrong_moves(HONOURS)}
    assert [HonourListFactory(status=s).status for s in statuses(HONOURS)] == statuses(HONOURS)


@pytest.mark.parametrize(("action", "status"), wrong_moves(HONOURS))
def test_each_step_from_a_wrong_status_is_an_invalid_transition(db, action, status):
    honour_list = HonourListFactory(status=status)
    with pytest.raises(InvalidTransition) as caught:
        HONOUR_STEPS[action](honour_list, honour_list.frozen_by)
    assert caught.value.code == "invalid_transition"
    assert HonourList.objects.get(pk=honour_list.pk).status == status


def test_a_resident_of_the_scope_objects_during_the_notice(scored):
    honour_list = published(scored)
    with time_machine.travel(day(2), tick=False):
        objection = hs.objection_file(honour_list=honour_list, author=scored.resident_a, text="李明家积分有误")
    assert objection.decision == ""


def test_a_resident_of_another_station_cannot_object(scored):
    honour_list = published(scored)
    with time_machine.travel(day(1), tick=False), pytest.raises(NotAllowed):
        hs.objection_file(honour_list=honour_list, author=scored.resident_b, text="不公平")


def test_objections_are_refused_after_the_notice_ends(scored):
    honour_list = published(scored)
    with time_machine.travel(day(8), tick=False), pytest.raises(NoticeClosed):
        hs.objection_file(honour_list=honour_list, author=scored.resident_a, text="晚了")


def test_objections_are_refused_before_publication(scored):
    honour_list = freeze(scored)
    with pytest.raises(NoticeClosed):
        hs.objection_file(honour_list=honour_list, author=scored.resident_a, text="太早")


def test_an_empty_objection_is_bad_input(scored):
    honour_list = published(scored)
    with pytest.raises(ValidationError):
        hs.objection_file(honour_list=honour_list, author=scored.resident_a, text="   ")


# ---- answers and the final list ---------------------------------------------------------------
def objected(town):
    honour_list = published(town)
    with time_machine.travel(day(1), tick=False):
        objection = hs.objection_file(honour_list=honour_list, author=town.resident_a, text="请核实")
    return honour_list, objection


def test_a_list_cannot_be_made_final_during_the_notice(scored):
    honour_list = published(scored)
    with time_machine.travel(day(7), tick=False), pytest.raises(NoticeNotOver):  # the last day, 2027-01-13
        hs.honour_list_finalise(honour_list=honour_list, actor=scored.staff_a)


def test_a_list_cannot_be_made_final_with_an_unanswered_objection(scored):
    honour_list, _objection = objected(scored)
    with time_machine.travel(day(8), tick=False), pytest.raises(ObjectionsUnanswered):
        hs.honour_list_finalise(honour_list=honour_list, actor=scored.staff_a)


def test_after_the_notice_and_every_answer_the_list_becomes_final(scored):
    honour_list, objection = objected(scored)
    with time_machine.travel(day(3), tick=False):
        hs.objection_answer(objection=objection, actor=scored.staff_a, answer="已核实无误", decision="dismissed")
    with time_machine.travel(day(8), tick=False):
        final = hs.honour_list_finalise(honour_list=honour_list, actor=scored.staff_a)
    assert final.status == HonourStatus.FINAL
    assert HonourList.objects.get(pk=honour_list.pk).finalised_by == scored.staff_a


def test_an_upheld_objection_blocks_the_final_list_and_a_withdrawal_allows_a_new_freeze(scored):
    honour_list, objection = objected(scored)
    with time_machine.travel(day(3), tick=False):
        hs.objection_answer(objection=objection, actor=scored.staff_a, answer="已更正", decision="upheld")
    with time_machine.travel(day(8), tick=False), pytest.raises(ObjectionUpheld):
        hs.honour_list_finalise(honour_list=honour_list, actor=scored.staff_a)
    hs.honour_list_withdraw(honour_list=honour_list, actor=scored.staff_a, reason="异议成立")
    assert freeze(scored).status == HonourStatus.FROZEN


def test_an_objection_is_answered_once(scored):
    _list, objection = objected(scored)
    hs.objection_answer(objection=objection, actor=scored.staff_a, answer="已核实", decision="dismissed")
    with pytest.raises(AlreadyAnswered):
        hs.objection_answer(objection=objection, actor=scored.staff_a, answer="再答", decision="upheld")


def test_staff_of_another_station_cannot_answer(scored):
    _list, objection = objected(scored)
    with pytest.raises(NotAllowed):
        hs.objection_answer(objection=objection, actor=scored.staff_b, answer="不归我管", decision="dismissed")
    assert Objection.objects.get(pk=objection.pk).decision == ""


def test_an_answer_needs_text_and_a_decision(scored):
    _list, objection = objected(scored)
    with pytest.raises(ValidationError) as caught:
        hs.objection_answer(objection=objection, actor=scored.staff_a, answer="", decision="maybe")
    assert set(caught.value.message_dict) == {"answer", "decision"}


def test_a_final_list_cannot_be_withdrawn(scored):
    honour_list, objection = objected(scored)
    hs.objection_answer(objection=objection, actor=scored.staff_a, answer="无误", decision="dismissed")
    with time_machine.travel(day(8), tick=False):
        hs.honour_list_finalise(honour_list=honour_list, actor=scored.staff_a)
    with pytest.raises(InvalidTransition):
        hs.honour_list_withdraw(honour_list=honour_list, actor=scored.staff_a, reason="改主意")


def test_a_withdrawal_needs_a_reason(scored):
    honour_list = freeze(scored)
    with pytest.raises(ValidationError):
        hs.honour_list_withdraw(honour_list=honour_list, actor=scored.staff_a, reason=" ")


# ---- who sees what ----------------------------------------------------------------------------
def test_residents_see_only_published_lists_that_cover_their_station(scored):
    frozen_b = freeze(scored, site=scored.station_b, actor=scored.staff_b)
    notice_a = published(scored)
    assert list(HonourList.objects.visible_to(scored.resident_a)) == [notice_a]
    assert list(HonourList.objects.visible_to(scored.resident_b)) == []
    assert set(HonourList.objects.visible_to(scored.institute_staff)) == {notice_a, frozen_b}
    assert list(HonourList.objects.visible_to(scored.staff_b)) == [frozen_b]


def test_a_resident_sees_the_own_objections_only(scored):
    honour_list, objection = objected(scored)
    with time_machine.travel(day(1), tick=False):
        hs.objection_file(honour_list=honour_list, author=scored.resident_a2, text="另一条")
    assert list(Objection.objects.visible_to(scored.resident_a)) == [objection]
    assert Objection.objects.visible_to(scored.staff_a).count() == 2
    assert Objection.objects.visible_to(scored.staff_b).count() == 0
