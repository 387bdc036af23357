"""Issuing and verifying service certificates (volunteers/certificates.py)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from practice_center.exceptions import NotAllowed
from practice_center.models import AuditEvent
from tests.volunteers.certificates.conftest import H1_FROM, H1_TO, add_record
from volunteers import certificates as service
from volunteers.exceptions import NotApproved
from volunteers.models import Certificate, RecordStatus, VolunteerStatus


def issue(town, actor=None, volunteer=None, date_from=H1_FROM, date_to=H1_TO):
    return service.certificate_issue(
        volunteer=volunteer or town.member_a, date_from=date_from, date_to=date_to, actor=actor or town.member_a.user
    )


# ---- what a certificate counts ---------------------------------------------------------------


def test_the_hours_are_the_verified_records_of_the_period_with_both_edges_included(town, hours_a):
    certificate = issue(town)
    assert certificate.hours == Decimal("5.50")  # 2 (1 Jan) + 3.5 (30 Jun); not pending 4, rejected 5, 7, 11
    assert certificate.content["hours"] == "5.50"
    counted = {row[0] for row in certificate.content["records"]}
    assert counted == {hours_a["first_day"].pk, hours_a["last_day"].pk}


def test_a_certificate_states_name_masked_phone_teams_categories_stars_site_and_date(town, hours_a):
    certificate = issue(town)
    content = certificate.content
    assert content["volunteer"]["name"] == "志愿者甲"
    assert content["volunteer"]["phone_masked"] == service.mask_phone(town.member_a.user.phone)
    assert "****" in content["volunteer"]["phone_masked"]
    assert content["teams"] == ["幸福村志愿服务队"]
    assert content["by_category"] == [
        {"code": "source-manual", "name_zh": "手工录入", "name_en": "Manual entry", "hours": "5.50"}
    ]
    assert content["star_level"] == 0
    assert content["site"] == {"id": town.station_a.pk, "name": "幸福村实践站"}
    assert content["issued_at"].startswith("2026-12-10T12:00")  # Beijing time
    assert certificate.site == town.station_a
    assert len(certificate.content_hash) == 64
    assert certificate.content_hash == service.sha256_of(Certificate.objects.get(pk=certificate.pk).content)


def test_records_of_orders_are_grouped_by_the_orders_service_category(town, hours_a):
    from activities.models import Category, Order

    category = Category.objects.get(code=Category.objects.order_by("sort_order").first().code)
    order = Order.objects.create(
        site=town.station_a, resident=town.resident_a, title="上门理发", category=category, kind="wish"
    )
    add_record(
        town.member_a,
        1,
        datetime.date(2026, 5, 5),
        by=town.staff_a,
        source="order",
        source_id=order.pk,
        description="上门理发",
    )
    content = issue(town).content
    by_code = {c["code"]: c for c in content["by_category"]}
    assert by_code[category.code]["hours"] == "1.00"
    assert by_code[category.code]["name_zh"] == category.name_zh
    assert by_code["source-manual"]["hours"] == "5.50"
    assert content["hours"] == "6.50"


def test_the_periods_edges_are_beijing_dates_so_late_evening_utc_of_new_years_eve_is_already_next_year(town):
    add_record(town.member_a, 2, datetime.date(2027, 1, 1), by=town.staff_a)
    # 16:30 UTC on 31 December is 00:30 on 1 January in Beijing: the 1st is today, not the future.
    with time_machine.travel(datetime.datetime(2026, 12, 31, 16, 30, tzinfo=datetime.UTC), tick=False):
        certificate = issue(town, date_from=datetime.date(2027, 1, 1), date_to=datetime.date(2027, 1, 1))
    assert certificate.hours == Decimal("2.00")
    before_midnight = datetime.datetime(2026, 12, 31, 15, 30, tzinfo=datetime.UTC)  # 23:30 in Beijing
    with time_machine.travel(before_midnight, tick=False), pytest.raises(ValidationError) as error:
        issue(town, date_from=datetime.date(2027, 1, 1), date_to=datetime.date(2027, 1, 1))
    assert "to" in error.value.message_dict


def test_a_period_without_verified_hours_is_refused(town, hours_a):
    with pytest.raises(ValidationError) as error:
        issue(town, date_from=datetime.date(2026, 3, 1), date_to=datetime.date(2026, 3, 2))  # pending + rejected only
    assert "to" in error.value.message_dict
    assert not Certificate.objects.exists()


@pytest.mark.parametrize(
    ("date_from", "date_to", "field"),
    [
        (datetime.date(2026, 6, 30), datetime.date(2026, 1, 1), "to"),
        (datetime.date(1999, 12, 31), datetime.date(2026, 1, 1), "from"),
        (datetime.date(2026, 1, 1), datetime.date(2027, 1, 1), "to"),
        ("2026-01-01", datetime.date(2026, 1, 1), "from"),
        (datetime.date(2026, 1, 1), None, "to"),
    ],
)
def test_a_bad_period_is_a_field_error(town, hours_a, date_from, date_to, field):
    with pytest.raises(ValidationError) as error:
        issue(town, date_from=date_from, date_to=date_to)
    assert field in error.value.message_dict


def test_asking_twice_for_the_same_facts_issues_once(town, hours_a):
    first = issue(town)
    second = issue(town)
    assert first.just_issued and not second.just_issued
    assert first.pk == second.pk
    assert Certificate.objects.count() == 1
    assert AuditEvent.objects.filter(action="certificate.issue").count() == 1


def test_issuing_writes_an_audit_row_at_the_volunteers_station(town, hours_a):
    certificate = issue(town, actor=town.staff_a)
    row = AuditEvent.objects.get(action="certificate.issue")
    assert row.actor == town.staff_a
    assert row.site == town.station_a
    assert row.object_id == str(certificate.pk)
    assert row.data["code"] == certificate.code
    assert row.data["hours"] == "5.50"


def test_a_volunteer_not_yet_approved_gets_no_certificate(town, hours_a):
    town.member_a.status = VolunteerStatus.PENDING
    town.member_a.save(update_fields=["status"])
    with pytest.raises(NotApproved):
        issue(town)


# ---- who may issue ---------------------------------------------------------------------------


def test_a_volunteer_issues_for_themself(town, hours_a):
    assert issue(town, actor=town.member_a.user).issued_by == town.member_a.user


def test_a_volunteer_cannot_issue_for_someone_else_not_even_their_team_leader(town, hours_a):
    with pytest.raises(NotAllowed):
        issue(town, actor=town.leader_a.user)
    with pytest.raises(NotAllowed):
        issue(town, actor=town.resident_b)
    assert not Certificate.objects.exists()


@pytest.mark.parametrize("who", ["staff_a", "institute_staff", "admin"])
def test_staff_of_the_station_or_above_issue(town, hours_a, who):
    assert issue(town, actor=getattr(town, who)).issued_by == getattr(town, who)


def test_staff_of_another_station_cannot_issue(town, hours_a):
    with pytest.raises(NotAllowed):
        issue(town, actor=town.staff_b)


# ---- codes and verification --------------------------------------------------------------------


def test_codes_are_long_random_and_unique(town, hours_a):
    codes = {service.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(code) == 16 and set(code) <= set(service.CODE_ALPHABET) for code in codes)
    # 31 ** 16 ≈ 7.3e23 codes: enumerating them is hopeless.
    assert len(service.CODE_ALPHABET) ** service.CODE_LENGTH > 10**23


def test_a_code_is_found_in_any_case_with_dashes_or_spaces(town, hours_a):
    certificate = issue(town)
    typed = " " + service.format_code(certificate.code).lower().replace("-", " - ") + " "
    assert service.find_by_code(typed) == certificate


@pytest.mark.parametrize(
    "text", ["", "x", "A" * 15, "A" * 17, "0000000000000000", "ABCD-EFGH-JKMN-PQR!", None, "Ａ" * 16]
)
def test_text_that_cannot_be_a_code_finds_nothing(town, text):
    assert service.find_by_code(text) is None


def test_a_fresh_certificate_is_valid(town, hours_a):
    assert service.status_of(issue(town)) == service.VALID


def test_a_certificate_is_superseded_when_a_record_it_counted_is_rejected(town, hours_a):
    certificate = issue(town)
    record = hours_a["last_day"]
    record.status = RecordStatus.REJECTED
    record.save(update_fields=["status"])
    assert service.status_of(certificate) == service.SUPERSEDED


def test_a_certificate_is_superseded_when_a_record_it_counted_is_corrected(town, hours_a):
    certificate = issue(town)
    record = hours_a["first_day"]
    record.hours = Decimal("1.5")
    record.save(update_fields=["hours"])
    assert service.status_of(certificate) == service.SUPERSEDED


def test_a_record_verified_later_in_the_period_does_not_supersede_the_certificate(town, hours_a):
    certificate = issue(town)
    pending = hours_a["pending"]
    pending.status = RecordStatus.VERIFIED
    pending.save(update_fields=["status"])
    assert service.status_of(certificate) == service.VALID


def test_after_a_correction_a_new_certificate_can_be_issued_and_the_old_one_stays_as_it_was(town, hours_a):
    old = issue(town)
    old_content = dict(old.content)
    record = hours_a["last_day"]
    record.status = RecordStatus.REJECTED
    record.save(update_fields=["status"])
    new = issue(town)
    assert new.pk != old.pk and new.code != old.code
    assert new.hours == Decimal("2.00")
    assert service.status_of(new) == service.VALID
    old.refresh_from_db()
    assert old.content == old_content and old.hours == Decimal("5.50")
    assert service.status_of(old) == service.SUPERSEDED


def test_statuses_of_many_certificates_take_one_query(town, hours_a, django_assert_num_queries):
    first = issue(town)
    second = issue(town, date_from=datetime.date(2025, 1, 1), date_to=datetime.date(2026, 12, 1))
    certificates = list(Certificate.objects.all())
    with django_assert_num_queries(1):
        statuses = service.statuses_of(certificates)
    assert statuses == {first.pk: service.VALID, second.pk: service.VALID}


def test_a_certificate_whose_stored_content_was_altered_is_not_valid(town, hours_a):
    certificate = issue(town)
    certificate.content["hours"] = "500.00"  # in memory: what a changed row would read like
    assert service.status_of(certificate) == service.ALTERED


@pytest.mark.postgres
def test_postgresql_refuses_to_change_an_issued_certificate(town, hours_a):
    certificate = issue(town)
    with pytest.raises(DatabaseError, match="frozen"), transaction.atomic():
        Certificate.objects.filter(pk=certificate.pk).update(hours=Decimal("500"))
    with pytest.raises(DatabaseError, match="frozen"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE volunteers_certificate SET content = jsonb_set(content, '{hours}', '\"500.00\"') WHERE id = %s",
            [certificate.pk],
        )
    # Forgetting who issued it (that user deleted) is allowed.
    Certificate.objects.filter(pk=certificate.pk).update(issued_by=None)


def test_the_public_view_masks_the_name(town, hours_a):
    view = service.public_view(issue(town))
    assert view.name == "志**甲"  # 志愿者甲
    assert view.valid and view.hours == "5.50"
    assert view.period_from == "2026-01-01" and view.period_to == "2026-06-30"


def test_seed_demo_certificate_is_idempotent(town, hours_a):
    from types import SimpleNamespace

    fake_town = SimpleNamespace(users={"demo-volunteer": town.member_a.user, "demo-staff": town.staff_a})
    first = service.seed_demo_certificate(fake_town)
    assert first is not None and first.issued_by == town.staff_a
    assert service.seed_demo_certificate(fake_town) is None
    assert Certificate.objects.count() == 1


def test_seed_demo_gives_demo_volunteer_one_valid_certificate(db):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    certificates = list(Certificate.objects.filter(volunteer__user__username="demo-volunteer"))
    assert len(certificates) == 1
    assert certificates[0].hours > 0
    assert service.status_of(certificates[0]) == service.VALID
