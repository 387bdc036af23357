"""Template helpers of scheduled activities: local date formats per language and the home
page's "this week" box (`{% this_week_activities %}`)."""

from __future__ import annotations

from django import template
from django.utils import dateformat, timezone
from django.utils.translation import pgettext

register = template.Library()


def _format(value, fmt: str) -> str:
    if value is None:
        return ""
    return dateformat.format(timezone.localtime(value), fmt)


@register.filter
def when(value) -> str:
    """A start time: "12月5日 周六 09:00" in Chinese, "Sat 5 Dec 09:00" in English."""
    return _format(value, pgettext("activity start date format", "D j M, H:i"))


@register.filter
def day(value) -> str:
    """A calendar day heading: "12月5日 星期六" / "Saturday 5 December"."""
    return _format(value, pgettext("activity day date format", "l j F"))


@register.inclusion_tag("activities/sessions/_this_week.html", takes_context=True)
def this_week_activities(context) -> dict:
    """This week's activities near the resident's station (the home page)."""
    from activities.sessions.selectors import this_week

    request = context.get("request")
    user = getattr(request, "user", None)
    # Residents (a person with a household); the staff home keeps its own overview.
    activities = this_week(user) if user is not None and user.is_authenticated and user.household_id else []
    return {"activities": activities, "request": request}
