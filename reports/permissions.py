"""Who may do what with a monthly report: predicates that services raise on and pages,
templates and serializers ask to show a button (so what is shown is what is allowed).

- the writers of a report are the people holding a role at its site itself (the station's
  staff write the station's report; the center admin the center's);
- the reviewers are the center admins of the site or of a site above it (and superusers);
- staff read every report of the subtrees they manage and every published bulletin;
  a resident reads the published bulletins of their station and the sites above it, as a
  summary without personal data.
"""

from __future__ import annotations

from practice_center.models import Role
from practice_center.scoping import home_station, scope
from reports.models import REFRESHABLE, MonthlyReport, ReportStatus
from reports.workflow import REPORT_WORKFLOW


def is_writer(user, report: MonthlyReport) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return any(site.pk == report.site_id for site in scope(user).staff_sites)


def is_reviewer(user, report: MonthlyReport) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    sc = scope(user)
    if sc.is_superuser:
        return True
    return any(role == Role.CENTER_ADMIN and report.site.path.startswith(site.path) for role, site in sc.site_roles)


def may_view(user, report: MonthlyReport) -> bool:
    """Whether the user may open the report at all (the same rule as `visible_to`)."""
    if not getattr(user, "is_authenticated", False):
        return False
    sc = scope(user)
    if sc.manages_site(report.site):
        return True
    if report.status != ReportStatus.PUBLISHED:
        return False
    if sc.is_staff_anywhere:
        return True
    station = home_station(user)
    return station is not None and report.site_id in station.ancestor_ids()


def may_view_details(user, report: MonthlyReport) -> bool:
    """Staff see the whole report (top households, children, review history); a resident the
    summary without personal data."""
    return may_view(user, report) and scope(user).is_staff_anywhere


def may_edit(user, report: MonthlyReport) -> bool:
    """Write the narrative and highlights (while a draft or returned)."""
    return report.status in REFRESHABLE and is_writer(user, report)


def may_submit(user, report: MonthlyReport) -> bool:
    return REPORT_WORKFLOW.allows(report.status, "submit") and is_writer(user, report)


def may_return(user, report: MonthlyReport) -> bool:
    return REPORT_WORKFLOW.allows(report.status, "return") and is_reviewer(user, report)


def may_approve(user, report: MonthlyReport) -> bool:
    return REPORT_WORKFLOW.allows(report.status, "approve") and is_reviewer(user, report)


def may_publish(user, report: MonthlyReport) -> bool:
    return REPORT_WORKFLOW.allows(report.status, "publish") and is_reviewer(user, report)


def may_export(user, report: MonthlyReport) -> bool:
    return may_view_details(user, report)


def actions_for(user, report: MonthlyReport) -> set[str]:
    """The buttons to show: a subset of {"edit", "submit", "return", "approve", "publish", "export"}."""
    checks = {
        "edit": may_edit,
        "submit": may_submit,
        "return": may_return,
        "approve": may_approve,
        "publish": may_publish,
        "export": may_export,
    }
    return {name for name, check in checks.items() if check(user, report)}
