"""Demo reports: the last three months for every station and every site above it, in every state
of the review, so the first README command shows the whole of it:

- last month: a draft at demo-staff's station (to write and submit), one submitted (for
  demo-admin to review), one returned with a comment, one approved; the institute and the
  center as drafts;
- the month before: every station and the institute published, the center approved;
- three months ago: everything published.

The other stations get a staff member each (no password: they only sign the demo reports).
Idempotent: reports are built by (site, month); a report is walked only while it has no history.
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from practice_center.demo import DemoTown
from practice_center.models import Role, RoleAssignment, Site, SiteLevel, User
from reports import figures as fig
from reports import services
from reports.models import MonthlyReport

NARRATIVE = (
    "本月围绕“我们的节日”开展志愿服务，群众点单、站所派单、队伍接单有序运转。"
    "存在的问题：部分订单接单不及时。下月计划：加强队伍建设，按时派单接单。"
)
HIGHLIGHTS = "银龄志愿服务队坚持每周上门为独居老人理发、量血压。"
RETURN_COMMENT = "请补充本月微心愿认领情况，并说明接单超时的原因。"


def _writer(site: Site, town: DemoTown) -> User:
    if site == town.station:
        return town.users["demo-staff"]
    if site.level == SiteLevel.CENTER:
        return town.users["demo-admin"]
    user, created = User.objects.get_or_create(
        username=f"demo-reporter-{site.pk}",
        defaults={"name": f"{site.name[:3]}站长", "password": make_password(None), "is_staff": False},
    )
    RoleAssignment.objects.get_or_create(user=user, role=Role.STATION_STAFF, site=site)
    return user


def _walk(report: MonthlyReport, target: str, town: DemoTown) -> None:
    if report.status != "draft" or report.events.exists() or target == "draft":
        return
    admin = town.users["demo-admin"]
    writer = _writer(report.site, town)
    report = services.report_submit(report=report, actor=writer, narrative=NARRATIVE, highlights=HIGHLIGHTS)
    if target == "submitted":
        return
    if target == "returned":
        services.report_return(report=report, actor=admin, comment=RETURN_COMMENT)
        return
    report = services.report_approve(report=report, actor=admin)
    if target == "published":
        services.report_publish(report=report, actor=admin)


def seed(town: DemoTown) -> None:
    last = fig.add_months(fig.this_month(), -1)
    months = [fig.add_months(last, -2), fig.add_months(last, -1), last]
    sites = services.report_sites()
    stations = [s for s in sites if s.level == SiteLevel.STATION]
    for month in months:
        for site in sites:
            services.report_build(site=site, month=month)
    reports = {(r.site_id, r.month): r for r in MonthlyReport.objects.filter(month__in=months)}
    plan: dict[tuple[int, object], str] = {}
    for site in sites:
        plan[(site.pk, months[0])] = "published"
        plan[(site.pk, months[1])] = "approved" if site.level == SiteLevel.CENTER else "published"
        plan[(site.pk, months[2])] = "draft"
    later = [s for s in stations if s != town.station]
    for site, state in zip(later, ("submitted", "returned", "approved"), strict=False):
        plan[(site.pk, last)] = state
    # Lower sites first, so a parent's bulletin follows its stations'.
    depth = {site.pk: site.depth for site in sites}
    for (site_id, month), state in sorted(plan.items(), key=lambda item: (item[0][1], -depth[item[0][0]])):
        report = reports.get((site_id, month))
        if report is not None:
            _walk(report, state, town)
