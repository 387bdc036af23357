"""The notification kinds of the report review and who is told what.

Registered at import (ReportsConfig.ready()); `report_notify` is called by `reports.services`
inside the transaction of the step, so a message exists exactly when the step does.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from practice_center.models import Role
from practice_center.notifications import notify, register
from practice_center.selectors import staff_of

register(
    "report_submitted",
    title=_("Monthly report to review: {site} {month}"),
    body=_("{site} submitted the report for {month}. Please approve it or return it with a comment."),
)
register(
    "report_returned",
    title=_("Monthly report returned: {site} {month}"),
    body=_("The report for {month} was returned: {comment}"),
)
register(
    "report_approved",
    title=_("Monthly report approved: {site} {month}"),
    body=_("The report for {month} was approved."),
)
register(
    "report_published",
    title=_("Monthly bulletin published: {site} {month}"),
    body=_("The bulletin of {site} for {month} is published."),
)


def reviewers_of(site):
    """Center admins of the site or of a site above it: they review its report."""
    return staff_of(site, roles=(Role.CENTER_ADMIN,))


def writers_of(site):
    """Staff holding a role at the site itself: they write its report."""
    return staff_of(site, include_above=False, roles=(Role.STATION_STAFF, Role.CENTER_ADMIN))


KINDS = {
    "submit": "report_submitted",
    "return": "report_returned",
    "approve": "report_approved",
    "publish": "report_published",
}


def report_notify(report, *, action: str, actor) -> None:
    """Tell the people concerned about `action` on `report` (inside the step's transaction):
    submit → the reviewers; return, approve, publish → the writers. Never the actor."""
    kind = KINDS[action]
    recipients = reviewers_of(report.site) if action == "submit" else writers_of(report.site)
    recipients = [user for user in recipients if actor is None or user.pk != actor.pk]
    if not recipients:
        return
    notify(
        recipients=recipients,
        kind=kind,
        data={"report": report.pk, "site": report.site.name, "month": report.month_label, "comment": report.comment},
        url=reverse("reports:detail", args=[report.pk]),
    )
