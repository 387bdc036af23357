"""Who may do what (points/permissions.py): the predicates the services raise on, and
`actions_for`, which the pages ask to show a button."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from points import permissions
from points.models import Rule
from points.permissions import actions_for, may_award
from points.services import honours as hs
from points.services import shop
from points.views.staff import _rule_choices
from tests.points.ledger_helpers import award, give
from tests.points.test_rankings import at, post_entry

pytestmark = pytest.mark.django_db

WED = datetime.datetime(2027, 1, 6, 2, 0, tzinfo=datetime.UTC)


# ---- awarding ---------------------------------------------------------------------------------
def test_station_staff_may_award_staff_rules_at_their_station_only(town):
    rule = Rule.objects.get(code="public_welfare")
    assert may_award(town.staff_a, rule, town.household_a)
    assert may_award(town.institute_staff, rule, town.household_a)
    assert not may_award(town.staff_b, rule, town.household_a)


def test_only_the_center_admin_awards_a_named_good_person(town):
    rule = Rule.objects.get(code="named_good_person")
    assert not may_award(town.staff_a, rule, town.household_a)
    assert may_award(town.admin, rule, town.household_a)


def test_the_system_awards_only_rules_that_list_it(town):
    assert may_award(None, Rule.objects.get(code="five_star_bonus"), town.household_a)
    assert not may_award(None, Rule.objects.get(code="cleanup"), town.household_a)


@pytest.mark.parametrize("persona", ["staff_a", "admin", "institute_staff"])
def test_the_award_form_offers_exactly_the_rules_may_award_allows(town, persona):
    user = getattr(town, persona)
    offered = {pk for pk, _label in _rule_choices(user)}
    allowed = {rule.pk for rule in Rule.objects.active() if may_award(user, rule)}
    assert offered == allowed
    assert (Rule.objects.get(code="named_good_person").pk in offered) == (persona == "admin")


def test_the_award_page_lists_no_rule_a_station_staff_member_may_not_award(town, client, login):
    login(town.staff_a)
    choices = client.get(reverse("points:award")).context["form"].fields["rule"].choices
    labels = " ".join(label for _pk, label in choices)
    assert "获评身边好人" not in labels and "公益善举" in labels


# ---- actions_for ------------------------------------------------------------------------------
def test_a_reserved_redemption_offers_cancel_to_the_household_and_fulfil_to_staff(town, soap):
    give(town.household_a, town.staff_a, 10)
    redemption = shop.redemption_create(user=town.resident_a, product=soap, quantity=1)
    assert actions_for(town.resident_a, redemption) == {"cancel"}
    assert actions_for(town.staff_a, redemption) == {"cancel", "fulfil"}
    assert actions_for(town.staff_b, redemption) == set()
    assert actions_for(AnonymousUser(), redemption) == set()
    shop.redemption_cancel(redemption=redemption, actor=town.resident_a)
    redemption.refresh_from_db()
    assert actions_for(town.staff_a, redemption) == set()


def test_goods_offer_redeem_to_residents_below_and_edit_to_their_staff(town, soap, towel_b):
    assert actions_for(town.resident_a, soap) == {"redeem"}
    assert actions_for(town.resident_a, towel_b) == set()
    assert actions_for(town.staff_a, soap) == {"edit", "restock"}
    assert actions_for(town.staff_b, soap) == set()


def test_only_the_center_admin_may_edit_a_rule(town):
    rule = Rule.objects.get(code="good_deed")
    assert actions_for(town.admin, rule) == {"edit"}
    assert actions_for(town.staff_a, rule) == set()


def test_an_award_may_be_corrected_by_its_station_staff_and_a_redemption_entry_never(town, soap):
    entry = award(town.household_a, town.staff_a)
    assert actions_for(town.staff_a, entry) == {"correct"}
    assert actions_for(town.staff_b, entry) == set()
    assert actions_for(town.resident_a, entry) == set()
    redemption = shop.redemption_create(user=town.resident_a, product=soap, quantity=1)
    redeem_entry = type(entry).objects.get(source_type="redemption", source_id=redemption.pk)
    assert actions_for(town.staff_a, redeem_entry) == set()


def test_a_list_in_notice_offers_steps_to_staff_and_objecting_to_residents_of_its_scope(town):
    post_entry(town.household_a, 30, when=at(2026))
    with time_machine.travel(WED, tick=False):
        honour_list = hs.honour_list_freeze(
            site=town.station_a, year=2026, kind="civilized_household", size=5, actor=town.staff_a
        )
        assert actions_for(town.staff_a, honour_list) == {"publish", "withdraw"}
        hs.honour_list_publish(honour_list=honour_list, actor=town.staff_a)
        honour_list.refresh_from_db()
        assert actions_for(town.institute_staff, honour_list) == {"finalise", "withdraw", "answer"}
        assert actions_for(town.resident_a, honour_list) == {"object"}
        assert actions_for(town.resident_b, honour_list) == set()
        assert actions_for(town.staff_b, honour_list) == set()
    with time_machine.travel(WED + datetime.timedelta(days=30), tick=False):
        assert "object" not in actions_for(town.resident_a, honour_list)


def test_an_objection_is_answered_once_by_staff_of_the_list(town):
    post_entry(town.household_a, 30, when=at(2026))
    with time_machine.travel(WED, tick=False):
        honour_list = hs.honour_list_freeze(
            site=town.station_a, year=2026, kind="civilized_household", size=5, actor=town.staff_a
        )
        hs.honour_list_publish(honour_list=honour_list, actor=town.staff_a)
        objection = hs.objection_file(honour_list=honour_list, author=town.resident_a, text="请核实")
    assert actions_for(town.staff_a, objection) == {"answer"}
    assert actions_for(town.staff_b, objection) == set()
    assert actions_for(town.resident_a, objection) == set()
    hs.objection_answer(objection=objection, actor=town.staff_a, answer="无误", decision="dismissed")
    objection.refresh_from_db()
    assert actions_for(town.staff_a, objection) == set()


def test_anything_else_offers_no_steps(town):
    assert actions_for(town.admin, town.station_a) == set()


def test_the_ranking_of_a_station_is_for_its_residents_and_the_staff_above_it(town):
    assert permissions.may_see_ranking(town.resident_a, town.station_a)
    assert not permissions.may_see_ranking(town.resident_a, town.station_b)
    assert permissions.may_see_ranking(town.institute_staff, town.station_b)
    assert permissions.ranking_sites(town.staff_a) == [town.station_a]
