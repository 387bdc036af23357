"""Notifications of the points app (registered when the app loads; see practice_center/notifications.py)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from practice_center.notifications import notify, register
from practice_center.selectors import staff_of

register(
    "points_award_failed",
    title=_("Points not awarded: {household}"),
    body=_(
        "The automatic award “{rule}” to {household} ({source}) was not made: {reason} Award it by hand if it is due."
    ),
)


def automatic_award_failed(*, household, rule, source: dict, reason: str) -> None:
    """Tell the staff of the household's station that an automatic award was refused, so the
    person who did the work is never shown a points error and nothing is lost silently."""
    rule_name = getattr(rule, "name", None) or str(rule or "")
    where = f"{source.get('source_type', '')} #{source.get('source_id', '')}".strip()
    notify(
        recipients=staff_of(household.grid.station),
        kind="points_award_failed",
        data={"household": household.name, "rule": rule_name, "source": where, "reason": reason},
        url=reverse("points:award") + f"?household={household.pk}",
    )
