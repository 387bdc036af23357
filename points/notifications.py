"""Notifications of the points app (registered when the app loads; see practice_center/notifications.py)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from practice_center.models import Role, User
from practice_center.notifications import notify, register
from practice_center.selectors import staff_of

register(
    "points_award_failed",
    title=_("Points not awarded: {household}"),
    body=_(
        "The automatic award “{rule}” to {household} ({source}) was not made: {reason} Award it by hand if it is due."
    ),
)

register(
    "ledger_checkpoint",
    title=_("Points ledger checkpoint {date}"),
    body=_("Checkpoint of {accounts} accounts and {entries} entries. Keep this digest: {digest}"),
    channels=("inbox", "email"),
)


def checkpoint_taken(checkpoint) -> None:
    """Tell every center admin the day's ledger digest (kept outside the database by them)."""
    notify(
        recipients=admins_of_network(),
        kind="ledger_checkpoint",
        data={
            "date": timezone.localtime(checkpoint.taken_at).strftime("%Y-%m-%d %H:%M"),
            "accounts": checkpoint.accounts,
            "entries": checkpoint.entries,
            "digest": checkpoint.digest,
        },
    )


def admins_of_network():
    """Every active center admin (the role at any center)."""
    return User.objects.filter(is_active=True, role_assignments__role=Role.CENTER_ADMIN).distinct()


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
