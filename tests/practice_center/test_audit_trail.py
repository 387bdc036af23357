"""The audit trail of the organisation: households, roles, edits in the Django admin, and the
staff page that searches it. Each row names the actor, the object, the changed fields' values
before and after, and (through a request) the request id."""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from practice_center import services
from practice_center.admin_audit import AuditedAdminMixin
from practice_center.models import AuditEvent, Household, Role, RoleAssignment, User
from practice_center.models import organisation as org
from tests.practice_center.test_views import REGISTER, register_data

PORTAL_APPS = {"practice_center", "volunteers", "activities", "points", "reports"}


def row(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("id")


# ---- households ------------------------------------------------------------------------------------


def test_founding_a_household_on_registering_is_audited_with_the_request_id(client, town):
    response = client.post(REGISTER, register_data(town.grid_a))
    user = User.objects.get(phone="13912345678")
    event = row("household.create")
    assert (event.actor, event.object_id, event.site) == (user, str(user.household_id), town.station_a)
    assert event.changes["name"] == [None, "王秀英家"]
    assert event.request_id and event.request_id == response["X-Request-ID"]


def test_joining_a_household_with_its_code_is_audited(client, town):
    client.post(REGISTER, register_data(town.grid_b, household_mode="join", join_code=town.household_a.join_code))
    user = User.objects.get(phone="13912345678")
    event = row("household.join")
    assert (event.actor, event.object_type, event.object_id) == (
        user,
        "practice_center.household",
        str(town.household_a.pk),
    )
    assert event.changes == {"members": [None, user.pk]} and event.site == town.station_a


# ---- roles -------------------------------------------------------------------------------------------


def test_granting_a_role_is_audited_once(town):
    person = User.objects.create_user("new_staff", password="x")
    assignment = services.role_grant(user=person, role=Role.STATION_STAFF, site=town.station_a, actor=town.admin)
    services.role_grant(user=person, role=Role.STATION_STAFF, site=town.station_a, actor=town.admin)  # again
    event = row("role.grant")
    assert AuditEvent.objects.filter(action="role.grant").count() == 1
    assert (event.actor, event.object_id, event.site) == (town.admin, str(assignment.pk), town.station_a)
    assert event.changes["role"] == [None, "station_staff"] and event.changes["user"] == [None, person.pk]


def test_revoking_a_role_is_audited_with_what_it_was(town):
    assignment = RoleAssignment.objects.get(user=town.grid_worker_a)
    pk = assignment.pk
    services.role_revoke(assignment=assignment, actor=town.admin)
    event = row("role.revoke")
    assert (event.actor, event.object_id, event.site) == (town.admin, str(pk), town.station_a)
    assert event.changes["role"] == ["grid_worker", None] and event.changes["grid"] == [town.grid_a.pk, None]
    assert not RoleAssignment.objects.filter(pk=pk).exists()


# ---- the Django admin --------------------------------------------------------------------------------


def test_every_admin_of_the_portal_writes_audit_rows():
    plain = [
        f"{model._meta.label}: {type(model_admin).__name__}"
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in PORTAL_APPS
        and not isinstance(model_admin, AuditedAdminMixin)
        and type(model_admin).__name__ != "RoleAssignmentAdmin"  # it calls the audited services
    ]
    assert plain == []


def test_an_edit_in_the_admin_leaves_a_row_with_before_and_after(client, town, login):
    login(User.objects.create_superuser("root", password="x"))
    url = reverse("admin:practice_center_household_change", args=[town.household_a.pk])
    data = {"grid": town.grid_a.pk, "name": "张建国一家", "category": "local", "address": "幸福村1组"}
    response = client.post(url, data)
    assert response.status_code == 302
    event = row("household.admin_change")
    assert event.actor.username == "root" and event.site == town.station_a
    assert event.changes["name"] == ["张建国家", "张建国一家"]
    assert event.request_id == response["X-Request-ID"] and event.data["via"] == "admin"


def test_setting_a_password_in_the_admin_is_audited_without_the_password(client, town, login):
    login(User.objects.create_superuser("root", password="x"))
    url = reverse("admin:auth_user_password_change", args=[town.resident_a.pk])
    response = client.post(url, {"password1": "another-long-9", "password2": "another-long-9"})
    assert response.status_code == 302
    event = row("user.admin_set_password")
    assert event.object_id == str(town.resident_a.pk) and event.changes == {"password": ["***", "***"]}
    assert "another-long-9" not in str(event.changes) + str(event.data)


def test_granting_a_role_in_the_admin_goes_through_the_service(client, town, login):
    root = User.objects.create_superuser("root", password="x")
    login(root)
    response = client.post(
        reverse("admin:practice_center_roleassignment_add"),
        {"user": town.resident_a.pk, "role": "station_staff", "site": town.station_b.pk, "grid": ""},
    )
    assert response.status_code == 302
    event = row("role.grant")
    assert event.actor == root and event.site == town.station_b
    assert RoleAssignment.objects.filter(user=town.resident_a, role="station_staff").exists()


def test_guarded_fields_are_read_only_in_the_admin(rf):
    from points.models import Product
    from volunteers.models import ServiceRecord, Team, Volunteer

    request = rf.get("/")
    request.user = User(is_superuser=True, is_staff=True)
    assert {"status", "approved_by"} <= set(admin.site._registry[Volunteer].get_readonly_fields(request))
    assert "leader" in admin.site._registry[Team].get_readonly_fields(request)
    assert "stock" in admin.site._registry[Product].get_readonly_fields(request)
    assert not admin.site._registry[ServiceRecord].has_change_permission(request)
    assert not admin.site._registry[AuditEvent].has_change_permission(request)
    assert not admin.site._registry[AuditEvent].has_add_permission(request)
    assert not admin.site._registry[AuditEvent].has_delete_permission(request)


# ---- the search page ----------------------------------------------------------------------------------


@pytest.fixture
def trail(town):
    """Rows at station A, at station B and with no site (network-wide)."""
    services.role_grant(user=town.resident_a, role=Role.GRID_WORKER, grid=town.grid_a, actor=town.staff_a)
    services.role_grant(user=town.resident_b, role=Role.GRID_WORKER, grid=town.grid_b, actor=town.staff_b)
    AuditEvent.objects.create(action="rule.update", object_type="points.rule", object_id="1", actor=town.admin)


def test_staff_search_only_their_subtree_and_the_center_admin_everything(client, town, trail, login):
    login(town.staff_a)
    rows = client.get(reverse("audit_search")).context["page"].object_list
    assert {event.site for event in rows} == {town.station_a}
    login(town.admin)
    rows = client.get(reverse("audit_search")).context["page"].object_list
    assert {event.site for event in rows} >= {town.station_a, town.station_b, None}


def test_the_search_filters_by_person_object_action_and_dates(client, town, trail, login):
    login(town.admin)

    def found(**query):
        return [e.action for e in client.get(reverse("audit_search"), query).context["page"].object_list]

    assert found(person="站管理员乙") == ["role.grant"]
    assert found(object_type="rule") == ["rule.update"] == found(object_type="points.rule", object_id="1")
    assert set(found(action="role.")) == {"role.grant"}
    today = timezone.localdate()
    assert found(since=(today + datetime.timedelta(days=1)).isoformat()) == []
    assert len(found(since=today.isoformat(), until=today.isoformat())) >= 3
    assert client.get(reverse("audit_search"), {"since": "not-a-date"}).status_code == 200


def test_the_search_page_is_for_staff_and_in_their_menu(client, town, login):
    login(town.resident_a)
    assert client.get(reverse("audit_search")).status_code == 403
    assert reverse("audit_search") not in client.get("/").content.decode()
    login(town.staff_a)
    assert f'href="{reverse("audit_search")}"' in client.get("/").content.decode()
    client.logout()
    assert client.get(reverse("audit_search")).status_code == 302


def test_page_two_of_the_search_keeps_the_filters(client, town, login):
    AuditEvent.objects.bulk_create(
        AuditEvent(action="order.dispatch", object_type="activities.order", object_id=str(i), site=town.station_a)
        for i in range(60)
    )
    login(town.staff_a)
    first = client.get(reverse("audit_search"), {"action": "order.", "object_type": "order"})
    assert "?action=order.&amp;object_type=order&amp;page=2" in first.content.decode()
    second = client.get(reverse("audit_search"), {"action": "order.", "object_type": "order", "page": 2})
    assert second.status_code == 200 and len(second.context["page"].object_list) == 10


# ---- join codes ---------------------------------------------------------------------------------------


def test_a_join_code_that_clashes_at_the_insert_is_drawn_again(town, monkeypatch):
    taken = town.household_a.join_code
    draws = iter([taken, "ZZZZZZ"])
    monkeypatch.setattr(org, "generate_join_code", lambda: next(draws))
    household = Household(grid=town.grid_a, name="新户", join_code=org.generate_join_code())
    household.save()
    assert household.join_code == "ZZZZZZ" and Household.objects.filter(join_code=taken).count() == 1


def test_a_clash_on_every_draw_gives_up_with_the_integrity_error(town, monkeypatch):
    from django.db import IntegrityError

    monkeypatch.setattr(org, "generate_join_code", lambda: town.household_a.join_code)
    with pytest.raises(IntegrityError):
        Household(grid=town.grid_a, name="新户", join_code=town.household_a.join_code).save()


def test_bulk_codes_are_distinct_and_avoid_the_taken_ones():
    codes = org.generate_join_codes(2000, taken={"ABCDEF"})
    assert len(set(codes)) == 2000 and "ABCDEF" not in codes
