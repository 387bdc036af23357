"""The audit trail: rows hold who, what, which object, before/after; staff read their subtree."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from practice_center.audit import audit_record, changes_between, snapshot
from practice_center.models import AuditEvent


def test_changes_between_lists_only_the_fields_that_differ_in_json_friendly_form():
    before = {"stock": 5, "points": Decimal("2.50"), "note": "a"}
    after = {"stock": 7, "points": Decimal("2.50"), "note": "a"}
    assert changes_between(before, after) == {"stock": [5, 7]}
    when = datetime.date(2026, 11, 30)
    assert changes_between({"on": None}, {"on": when}) == {"on": [None, "2026-11-30"]}


@pytest.mark.django_db
def test_snapshot_reads_foreign_keys_by_id_without_a_query(town, django_assert_num_queries):
    household = town.household_a
    with django_assert_num_queries(0):
        values = snapshot(household, ["grid", "address"])
    assert values == {"grid": household.grid_id, "address": household.address}


@pytest.mark.django_db
def test_a_row_records_actor_object_site_changes_and_data(town):
    row = audit_record(
        actor=town.staff_a,
        action="household.update",
        obj=town.household_a,
        site=town.station_a,
        changes={"address": ["旧址", "新址"]},
        data={"reason": "搬家"},
    )
    row.refresh_from_db()
    assert (row.actor_id, row.object_type, row.object_id, row.site_id) == (
        town.staff_a.pk,
        "practice_center.household",
        str(town.household_a.pk),
        town.station_a.pk,
    )
    assert row.changes == {"address": ["旧址", "新址"]} and row.data == {"reason": "搬家"}


@pytest.mark.django_db
def test_staff_read_the_rows_of_their_subtree_only_and_residents_none(town):
    row_a = audit_record(actor=None, action="x.a", obj=town.household_a, site=town.station_a)
    row_b = audit_record(actor=None, action="x.b", obj=town.household_b, site=town.station_b)
    network = audit_record(actor=None, action="rule.update", obj=town.center, site=None)
    assert set(AuditEvent.objects.visible_to(town.staff_a)) == {row_a}
    assert set(AuditEvent.objects.visible_to(town.staff_b)) == {row_b}
    assert set(AuditEvent.objects.visible_to(town.admin)) == {row_a, row_b, network}
    assert not AuditEvent.objects.visible_to(town.resident_a).exists()
