"""Every change to points leaves one audit row in its own transaction: who, what, which object,
the changed fields before and after (practice_center.audit)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection

from points.exceptions import OutOfStock
from points.models import HonourEvent, Product, Redemption, Rule
from points.services import awards, catalogue, honours, ledger, shop
from practice_center.exceptions import InvalidTransition
from practice_center.models import AuditEvent
from tests.points.ledger_helpers import give
from tests.points.test_rankings import at, post_entry

pytestmark = pytest.mark.django_db

# A Wednesday in January 2027, 10:00 in Shanghai.
WED = datetime.datetime(2027, 1, 6, 2, 0, tzinfo=datetime.UTC)


def audit_row(action: str, obj) -> AuditEvent:
    """The one audit row of `action` on `obj` (fails if there is none or more than one)."""
    return AuditEvent.objects.get(action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk))


# ---- rules and goods --------------------------------------------------------------------------
def test_a_rule_version_records_the_admin_and_the_points_before_and_after(town):
    rule = Rule.objects.get(code="good_deed")
    old = rule.versions.order_by("-number").first().points
    version = catalogue.rule_change_points(rule=rule, points=old + 7, actor=town.admin, note="上调")
    row = audit_row("rule.change_points", version)
    assert row.actor == town.admin
    assert row.changes == {"points": [old, old + 7]}
    assert row.data["rule"] == "good_deed" and row.data["note"] == "上调"


def test_a_new_product_records_its_fields_from_nothing(town):
    product = catalogue.product_create(
        site=town.station_a, name="肥皂", description="", points_price=5, stock=10, actor=town.staff_a
    )
    row = audit_row("product.create", product)
    assert (row.actor, row.site) == (town.staff_a, town.station_a)
    assert row.changes["price"] == [None, 5] and row.changes["stock"] == [None, 10]


def test_a_product_edit_records_only_what_changed(town, soap):
    catalogue.product_update(product=soap, actor=town.staff_a, points_price=4, name=soap.name)
    row = audit_row("product.update", soap)
    assert row.actor == town.staff_a
    assert row.changes == {"price": [3, 4]}


def test_a_stock_edit_records_the_difference_the_staff_member_made(town, soap):
    give(town.household_a, town.staff_a, 10)
    seen = soap.stock  # 100, then a resident takes 2 before the edit is saved
    shop.redemption_create(user=town.resident_a, product=soap, quantity=2)
    catalogue.product_update(product=soap, actor=town.staff_a, stock=120, stock_seen=seen)
    row = audit_row("product.update", soap)
    assert row.changes == {"stock": [98, 118]}
    assert row.data == {"stock_change": 20}


def test_a_restock_records_the_stock_before_and_after(town, soap):
    catalogue.product_restock(product=soap, actor=town.staff_a, add=5)
    row = audit_row("product.restock", soap)
    assert row.actor == town.staff_a
    assert row.changes == {"stock": [100, 105]}
    assert row.data == {"add": 5}


# ---- awards and corrections -------------------------------------------------------------------
def test_an_award_records_the_staff_member_the_balance_and_the_rule(town):
    entry = awards.points_award(household=town.household_a, rule="public_welfare", actor=town.staff_a, note="献血")
    row = audit_row("entry.award", entry)
    assert (row.actor, row.site) == (town.staff_a, town.station_a)
    assert row.changes == {"balance": [0, entry.amount]}
    assert row.data["rule"] == "public_welfare" and row.data["household"] == town.household_a.pk


def test_an_automatic_award_records_the_system_as_actor(town):
    entry = awards.points_award_automatic(
        household=town.household_a, rule="service_hour", source_type="order", source_id=77, quantity=2
    )
    row = audit_row("entry.award", entry)
    assert row.actor is None
    assert row.data["source_id"] == 77


def test_a_correction_records_the_reason_and_the_entry_it_undoes(town):
    entry = awards.points_award(household=town.household_a, rule="public_welfare", actor=town.staff_a, note="献血")
    correction = ledger.entry_correct(entry=entry, actor=town.staff_a, reason="重复录入")
    row = audit_row("entry.correct", correction)
    assert row.actor == town.staff_a
    assert row.changes == {"balance": [entry.amount, 0]}
    assert row.data["corrects"] == entry.pk and row.data["reason"] == "重复录入"


def test_an_adjustment_records_the_balance_before_and_after(town):
    give(town.household_a, town.staff_a, 10)
    entry = ledger.points_adjust(household=town.household_a, amount=-4, actor=town.staff_a, reason="核减")
    row = audit_row("entry.adjust", entry)
    assert row.changes == {"balance": [10, 6]}


# ---- redemptions ------------------------------------------------------------------------------
def test_a_redemption_records_the_resident_and_what_was_reserved(town, soap):
    give(town.household_a, town.staff_a, 10)
    redemption = shop.redemption_create(user=town.resident_a, product=soap, quantity=2)
    row = audit_row("redemption.create", redemption)
    assert (row.actor, row.site) == (town.resident_a, town.station_a)
    assert row.changes == {"status": [None, "reserved"]}
    assert row.data == {
        "household": town.household_a.pk,
        "product": soap.pk,
        "quantity": 2,
        "points": 6,
        "pickup_code": redemption.pickup_code,
    }
    assert row.object_repr == f"香皂 × 2 · {redemption.pickup_code}"


def test_the_orm_path_records_the_same_redemption_row_as_the_sql_path(town, soap, monkeypatch):
    give(town.household_a, town.staff_a, 20)
    first = shop.redemption_create(user=town.resident_a, product=soap, quantity=1)
    monkeypatch.setattr(shop, "_redemption_create_pg", lambda **kwargs: None)
    second = shop.redemption_create(user=town.resident_a, product=soap, quantity=1)
    one, two = audit_row("redemption.create", first), audit_row("redemption.create", second)
    fields = ("actor_id", "site_id", "changes", "object_type")
    assert [getattr(one, f) for f in fields] == [getattr(two, f) for f in fields]
    assert {k: v for k, v in one.data.items() if k != "pickup_code"} == {
        k: v for k, v in two.data.items() if k != "pickup_code"
    }


def test_a_refused_redemption_leaves_no_audit_row(town, oil):
    give(town.household_a, town.staff_a, 100)
    with pytest.raises(OutOfStock):
        shop.redemption_create(user=town.resident_a, product=oil, quantity=3)
    assert not AuditEvent.objects.filter(action="redemption.create").exists()


def test_handing_over_records_the_staff_member_and_the_status(town, soap):
    give(town.household_a, town.staff_a, 10)
    redemption = shop.redemption_create(user=town.resident_a, product=soap, quantity=1)
    shop.redemption_fulfil(redemption=redemption, actor=town.staff_a, pickup_code=redemption.pickup_code)
    row = audit_row("redemption.fulfil", redemption)
    assert row.actor == town.staff_a
    assert row.changes == {"status": ["reserved", "fulfilled"]}


def test_cancelling_records_the_refund_and_the_reason(town, soap):
    give(town.household_a, town.staff_a, 10)
    redemption = shop.redemption_create(user=town.resident_a, product=soap, quantity=1)
    shop.redemption_cancel(redemption=redemption, actor=town.resident_a, reason="不要了")
    row = audit_row("redemption.cancel", redemption)
    assert row.actor == town.resident_a
    assert row.changes == {"status": ["reserved", "cancelled"]}
    assert row.data["reason"] == "不要了" and row.data["points"] == 3


# ---- honours ----------------------------------------------------------------------------------
@pytest.fixture
def frozen(town):
    post_entry(town.household_a, 30, when=at(2026))
    with time_machine.travel(WED, tick=False):
        town.honour_list = honours.honour_list_freeze(
            site=town.station_a, year=2026, kind="civilized_household", size=5, actor=town.staff_a
        )
    return town


def test_freezing_records_the_list_and_its_first_event(frozen):
    row = audit_row("honour_list.freeze", frozen.honour_list)
    assert row.actor == frozen.staff_a
    assert row.changes == {"status": [None, "frozen"]}
    event = HonourEvent.objects.get(honour_list=frozen.honour_list)
    assert (event.action, event.from_status, event.to_status, event.actor) == ("freeze", "", "frozen", frozen.staff_a)


def test_each_workflow_step_records_an_event_and_an_audit_row(frozen):
    with time_machine.travel(WED, tick=False):
        honours.honour_list_publish(honour_list=frozen.honour_list, actor=frozen.staff_a)
    with time_machine.travel(WED + datetime.timedelta(days=10), tick=False):
        honours.honour_list_finalise(honour_list=frozen.honour_list, actor=frozen.staff_a)
    events = list(HonourEvent.objects.filter(honour_list=frozen.honour_list).values_list("action", "to_status"))
    assert events == [("freeze", "frozen"), ("publish", "notice"), ("finalise", "final")]
    assert audit_row("honour_list.publish", frozen.honour_list).changes["status"] == ["frozen", "notice"]
    finalised = audit_row("honour_list.finalise", frozen.honour_list)
    assert finalised.changes["status"] == ["notice", "final"]
    assert finalised.changes["finalised_by"] == [None, frozen.staff_a.pk]


def test_a_withdrawal_keeps_its_reason_on_the_event_and_the_audit_row(frozen):
    honours.honour_list_withdraw(honour_list=frozen.honour_list, actor=frozen.staff_a, reason="数据有误")
    event = HonourEvent.objects.get(honour_list=frozen.honour_list, action="withdraw")
    assert (event.from_status, event.to_status, event.note) == ("frozen", "withdrawn", "数据有误")
    row = audit_row("honour_list.withdraw", frozen.honour_list)
    assert row.changes["withdraw_reason"] == ["", "数据有误"]
    assert row.data == {"note": "数据有误"}


def test_a_refused_step_leaves_no_event_and_no_audit_row(frozen):
    with pytest.raises(InvalidTransition):
        honours.honour_list_finalise(honour_list=frozen.honour_list, actor=frozen.staff_a)
    assert list(HonourEvent.objects.values_list("action", flat=True)) == ["freeze"]
    assert not AuditEvent.objects.filter(action="honour_list.finalise").exists()


def test_an_objection_and_its_answer_are_recorded(frozen):
    with time_machine.travel(WED, tick=False):
        honours.honour_list_publish(honour_list=frozen.honour_list, actor=frozen.staff_a)
    with time_machine.travel(WED + datetime.timedelta(days=1), tick=False):
        objection = honours.objection_file(honour_list=frozen.honour_list, author=frozen.resident_a, text="请核实")
        honours.objection_answer(objection=objection, actor=frozen.staff_a, answer="已核实", decision="dismissed")
    filed = audit_row("objection.file", objection)
    assert (filed.actor, filed.site) == (frozen.resident_a, frozen.station_a)
    answered = audit_row("objection.answer", objection)
    assert answered.actor == frozen.staff_a
    assert answered.changes == {"decision": ["", "dismissed"], "answer": ["", "已核实"]}


def test_staff_of_another_station_do_not_see_station_a_rows(town, soap):
    catalogue.product_restock(product=soap, actor=town.staff_a, add=1)
    assert AuditEvent.objects.visible_to(town.staff_a).filter(action="product.restock").count() == 1
    assert AuditEvent.objects.visible_to(town.staff_b).filter(action="product.restock").count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_redemption_and_its_audit_row_are_one_statement(town, soap):
    give(town.household_a, town.staff_a, 10)
    assert not connection.in_atomic_block
    redemption = shop.redemption_create(user=town.resident_a, product=soap, quantity=1)
    assert Redemption.objects.filter(pk=redemption.pk).exists()
    assert audit_row("redemption.create", redemption).actor_id == town.resident_a.pk
    assert Product.objects.get(pk=soap.pk).stock == 99
