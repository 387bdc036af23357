"""The review workflow, the frozen snapshot, notifications and the monthly beat task."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from activities.models import Order
from practice_center.exceptions import InvalidTransition, NotAllowed
from practice_center.models import AuditEvent, Notification
from reports import selectors, services, tasks
from reports.models import MonthlyReport, ReportEvent, ReportStatus
from reports.workflow import REPORT_WORKFLOW
from tests.reports.conftest import MARCH, SH

pytestmark = pytest.mark.django_db


# ---- every allowed step ------------------------------------------------------------------------
def test_staff_submit_with_a_narrative_and_the_figures_are_frozen(town, report_a):
    with time_machine.travel(datetime.datetime(2026, 4, 2, 9, tzinfo=SH), tick=False):
        report = services.report_submit(report=report_a, actor=town.staff_a, narrative="三月工作", highlights="义诊")
    assert report.status == ReportStatus.SUBMITTED
    assert (report.narrative, report.highlights) == ("三月工作", "义诊")
    assert report.figures_taken_at == datetime.datetime(2026, 4, 2, 9, tzinfo=SH)
    event = ReportEvent.objects.get(report=report)
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "submit",
        "draft",
        "submitted",
        town.staff_a,
    )
    assert AuditEvent.objects.filter(action="report.submit").count() == 1


def test_the_admin_returns_with_a_comment_and_staff_submit_again(town, report_a, walk):
    report = walk(report_a, "returned")
    assert report.status == "returned" and report.comment == "请补充"
    services.report_edit(report=report, actor=town.staff_a, narrative="补充了微心愿", highlights="")
    report = services.report_submit(report=report, actor=town.staff_a)
    assert report.status == "submitted" and report.narrative == "补充了微心愿"
    assert [e.action for e in report.events.all()] == ["submit", "return", "submit"]
    assert report.events.get(action="return").note == "请补充"


def test_the_admin_approves_and_publishes(town, report_a, walk):
    report = walk(report_a, "published")
    assert report.status == "published"
    assert [e.to_status for e in report.events.all()] == ["submitted", "approved", "published"]


# ---- each forbidden one ------------------------------------------------------------------------
ACTIONS = {
    "submit": lambda town, r: services.report_submit(report=r, actor=town.staff_a, narrative="x"),
    "return": lambda town, r: services.report_return(report=r, actor=town.admin, comment="x"),
    "approve": lambda town, r: services.report_approve(report=r, actor=town.admin),
    "publish": lambda town, r: services.report_publish(report=r, actor=town.admin),
}


@pytest.mark.parametrize(("action", "status"), [(a, s) for a in ACTIONS for s in REPORT_WORKFLOW.statuses_refusing(a)])
def test_every_action_from_a_wrong_state_is_refused(town, report_a, action, status):
    MonthlyReport.objects.filter(pk=report_a.pk).update(status=status)
    report_a.refresh_from_db()
    with pytest.raises(InvalidTransition):
        ACTIONS[action](town, report_a)
    report_a.refresh_from_db()
    assert report_a.status == status
    assert not ReportEvent.objects.exists()


def test_staff_of_another_station_cannot_submit(town, report_a):
    with pytest.raises(NotAllowed):
        services.report_submit(report=report_a, actor=town.staff_b, narrative="x")


def test_the_center_admin_does_not_write_a_stations_report(town, report_a):
    with pytest.raises(NotAllowed):
        services.report_submit(report=report_a, actor=town.admin, narrative="x")


def test_a_submit_without_a_narrative_is_refused(town, report_a):
    with pytest.raises(ValidationError) as caught:
        services.report_submit(report=report_a, actor=town.staff_a, narrative="   ")
    assert "narrative" in caught.value.message_dict
    report_a.refresh_from_db()
    assert report_a.status == "draft"


@pytest.mark.parametrize("who", ["staff_a", "institute_staff", "staff_b", "resident_a"])
def test_only_a_center_admin_reviews(town, report_a, walk, who):
    report = walk(report_a, "submitted")
    for call in (
        lambda: services.report_return(report=report, actor=getattr(town, who), comment="x"),
        lambda: services.report_approve(report=report, actor=getattr(town, who)),
    ):
        with pytest.raises(NotAllowed):
            call()
    report.refresh_from_db()
    assert report.status == "submitted"


def test_a_return_needs_a_comment(town, report_a, walk):
    report = walk(report_a, "submitted")
    with pytest.raises(ValidationError):
        services.report_return(report=report, actor=town.admin, comment="")


def test_only_publishing_after_approval_by_an_admin(town, report_a, walk):
    report = walk(report_a, "approved")
    with pytest.raises(NotAllowed):
        services.report_publish(report=report, actor=town.staff_a)


def test_editing_a_submitted_report_is_refused(town, report_a, walk):
    report = walk(report_a, "submitted")
    with pytest.raises(InvalidTransition):
        services.report_edit(report=report, actor=town.staff_a, narrative="改")


# ---- who sees what -----------------------------------------------------------------------------
def test_staff_of_station_b_cannot_read_as_draft(town, report_a):
    assert not MonthlyReport.objects.visible_to(town.staff_b).filter(pk=report_a.pk).exists()
    assert MonthlyReport.objects.visible_to(town.staff_a).filter(pk=report_a.pk).exists()
    assert MonthlyReport.objects.visible_to(town.institute_staff).filter(pk=report_a.pk).exists()


def test_a_published_bulletin_is_read_by_all_staff_and_the_residents_of_its_subtree(town, report_a, walk):
    walk(report_a, "published")
    assert MonthlyReport.objects.visible_to(town.staff_b).filter(pk=report_a.pk).exists()
    assert MonthlyReport.objects.visible_to(town.resident_a).filter(pk=report_a.pk).exists()
    assert not MonthlyReport.objects.visible_to(town.resident_b).filter(pk=report_a.pk).exists()


def test_a_resident_sees_only_published_reports(town, march_reports, walk):
    walk(march_reports[town.institute.pk], "approved")
    walk(march_reports[town.center.pk], "published")
    assert list(MonthlyReport.objects.visible_to(town.resident_b)) == [march_reports[town.center.pk]]
    assert MonthlyReport.objects.visible_to(None).count() == 0


# ---- notifications -----------------------------------------------------------------------------
def test_each_step_tells_the_people_concerned_once(town, report_a, walk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = walk(report_a, "submitted")
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [("admin", "report_submitted")]
    with pytest.raises(InvalidTransition):  # a double submit changes nothing twice
        services.report_submit(report=report, actor=town.staff_a, narrative="again")
    assert Notification.objects.count() == 1
    services.report_return(report=report, actor=town.admin, comment="请补充")
    assert list(Notification.objects.filter(kind="report_returned").values_list("recipient__username", flat=True)) == [
        "staff_a"
    ]
    report = services.report_submit(report=report, actor=town.staff_a)
    services.report_approve(report=report, actor=town.admin)
    services.report_publish(report=report, actor=town.admin)
    kinds = list(Notification.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["report_submitted", "report_returned", "report_submitted", "report_approved", "report_published"]


# ---- the snapshot ------------------------------------------------------------------------------
def test_correcting_data_after_approval_leaves_the_approved_report_unchanged(worked_month, march_reports, walk):
    town = worked_month
    report = walk(march_reports[town.station_a.pk], "approved")
    frozen = dict(report.figures)
    assert frozen["orders"]["total"] == 5
    Order.objects.filter(site=town.station_a, stars=3).update(stars=1)  # a rating corrected
    Order.objects.filter(site=town.station_a, status="submitted", created_at__month=3).delete()
    services.reports_build_month(month=MARCH)
    report.refresh_from_db()
    assert report.figures == frozen
    differences = {row.key: (row.value, row.previous) for row in selectors.live_differences(report)}
    assert differences["orders.total"] == (5, 4)
    assert differences["rating_mean"] == (4.0, 3.0)


# ---- the beat task -----------------------------------------------------------------------------
def test_the_beat_entry_runs_at_one_on_the_first_in_shanghai():
    from practice_center.celery import app

    entry = app.conf.beat_schedule["reports-monthly"]
    assert entry["task"] == "reports.tasks.build_monthly_reports"
    schedule = entry["schedule"]
    assert schedule.hour == {1} and schedule.minute == {0} and schedule.day_of_month == {1}
    assert app.conf.timezone == "Asia/Shanghai"


def test_the_beat_at_one_on_the_first_builds_every_report_once_and_again_changes_nothing(worked_month):
    town = worked_month
    with time_machine.travel(datetime.datetime(2026, 4, 1, 1, 0, tzinfo=SH), tick=False):
        first = tasks.build_monthly_reports()
        snapshot = {r.pk: (r.figures, r.figures_taken_at, r.updated_at) for r in MonthlyReport.objects.all()}
        second = tasks.build_monthly_reports()
    assert first == {"created": 4, "refreshed": 0, "unchanged": 0, "kept": 0}
    assert second == {"created": 0, "refreshed": 0, "unchanged": 4, "kept": 0}
    assert set(MonthlyReport.objects.values_list("site_id", "month")) == {
        (site.pk, MARCH) for site in (town.center, town.institute, town.station_a, town.station_b)
    }
    assert {r.pk: (r.figures, r.figures_taken_at, r.updated_at) for r in MonthlyReport.objects.all()} == snapshot
    assert MonthlyReport.objects.get(site=town.station_a).figures["orders"]["total"] == 5


def test_a_rebuild_refreshes_drafts_and_never_a_report_under_review(worked_month, item_a, place):
    town = worked_month
    with time_machine.travel(datetime.datetime(2026, 4, 1, 1, 0, tzinfo=SH), tick=False):
        tasks.build_monthly_reports()
    report_a = MonthlyReport.objects.get(site=town.station_a)
    services.report_submit(report=report_a, actor=town.staff_a, narrative="三月")
    report_a.refresh_from_db()
    frozen = report_a.figures
    place(item_a, datetime.datetime(2026, 3, 30, 10, tzinfo=SH), "submitted")  # a late correction
    with time_machine.travel(datetime.datetime(2026, 4, 2, 1, 0, tzinfo=SH), tick=False):
        outcome = tasks.build_monthly_reports("2026-03")
    assert outcome == {"created": 0, "refreshed": 2, "unchanged": 1, "kept": 1}  # institute, center; B; A
    report_a.refresh_from_db()
    assert report_a.figures == frozen and report_a.status == "submitted"
    assert MonthlyReport.objects.get(site=town.institute).figures["orders"]["total"] == 8


def test_the_task_refuses_a_malformed_month():
    with pytest.raises(ValueError):
        tasks.build_monthly_reports.run("March")
