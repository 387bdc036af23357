"""Every factory builds what its docstring says, through the services where the row has a
workflow or a hash chain."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from activities.services import TRANSITIONS
from points.workflows import HONOURS
from tests import factories as f
from tests.workflow import statuses

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", statuses(TRANSITIONS))
def test_an_order_is_walked_to_each_status_with_one_event_per_step(status):
    order = f.OrderFactory(status=status)
    assert order.status == status
    steps = list(order.events.order_by("pk").values_list("to_status", flat=True))
    assert steps[0] == "submitted" and steps[-1] == status


def test_an_order_of_a_given_resident_and_team_uses_them(town):
    order = f.OrderFactory(status="accepted", resident=town.resident_a, team=town.team_a)
    assert (order.resident, order.team, order.site) == (town.resident_a, town.team_a, town.station_a)


def test_a_wish_is_public_and_can_be_claimed():
    assert f.WishFactory().is_public
    assert f.WishFactory(status="accepted").status == "accepted"


def test_a_menu_item_is_on_offer_in_the_seeded_law_category():
    item = f.MenuItemFactory()
    assert item.is_active and item.category.code == "law"


def test_a_rule_is_worth_its_points_from_its_first_version():
    rule = f.RuleFactory(points=7)
    assert list(rule.versions.values_list("number", "points")) == [(1, 7)]


def test_a_rule_version_is_made_by_the_center_admin():
    version = f.RuleVersionFactory(points=30)
    assert (version.number, version.points) == (2, 30)
    assert version.created_by.role_assignments.filter(role="center_admin").exists()


def test_entries_are_appended_to_the_hash_chain_through_the_services():
    household = f.HouseholdFactory()
    f.EntryFactory(household=household, amount=15)
    award = f.EntryFactory(household=household, rule="public_welfare", note="扶老助残")
    account = f.AccountFactory(household=household)
    assert (award.sequence, award.kind, account.balance) == (2, "earn", 25)
    assert all(entry.hash == entry.compute_hash() for entry in account.entries.all())
    call_command("verify_points_ledger")  # raises CommandError on a broken chain


def test_a_redemption_reaches_each_status():
    assert f.RedemptionFactory().status == "reserved"
    assert f.RedemptionFactory(status="fulfilled").status == "fulfilled"
    assert f.RedemptionFactory(status="cancelled").status == "cancelled"


@pytest.mark.parametrize("status", statuses(HONOURS))
def test_an_honours_list_is_walked_to_each_status(status):
    honour_list = f.HonourListFactory(status=status)
    assert honour_list.status == status
    assert honour_list.entries.count() == 1


def test_an_objection_is_filed_and_may_be_answered():
    assert f.ObjectionFactory().decision == ""
    assert f.ObjectionFactory(decision="dismissed").decision == "dismissed"


def test_the_scheduled_activity_factories_make_their_rows(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    enrollment = f.EnrollmentFactory()
    assert enrollment.status == "enrolled" and enrollment.person.household.grid.station == enrollment.activity.site
    assert f.ActivityFactory(theme=f.ThemeFactory()).status == "draft"
    assert f.ActivityPhotoFactory().image.name.endswith(".jpg")


def test_the_other_factories_make_their_rows():
    assert f.ServiceRecordFactory().status == "verified"
    assert f.ProductFactory().is_active
    assert f.NotificationFactory(title="停水通知").data["title"] == "停水通知"
    assert f.DeliveryFactory().status == "pending"
    assert f.AuditEventFactory().action == "household.update"
    assert f.MembershipFactory().volunteer.status == "approved"
