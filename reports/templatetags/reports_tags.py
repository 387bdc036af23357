"""Formatting of report figures in templates: units, nulls, signed differences."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


def _number(value, decimals: int) -> str:
    text = number_format(round(float(value), decimals), decimal_pos=decimals)
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def figure(value, unit: str = "count") -> str:
    """A figure in its unit: 60% for a rate, "5.5 h" for hours, "4.2 ★" for stars, "—" for null."""
    if value is None or value == "":
        return "—"
    if unit == "rate":
        return f"{_number(value * 100, 1)}%"
    if unit == "hours":
        return _("%(n)s h") % {"n": _number(value, 2)}
    if unit == "stars":
        return f"{_number(value, 2)} ★"
    return _number(value, 2)


@register.filter
def difference(row) -> str:
    """ "+3 (+12.5%)" beside the month before; "—" where not measurable."""
    if row.difference is None:
        return "—"
    sign = "+" if row.difference > 0 else ("−" if row.difference < 0 else "±")
    magnitude = abs(row.difference)
    if row.unit == "rate":  # percentage points, not a percent of a percent
        return sign + _("%(n)s points") % {"n": _number(magnitude * 100, 1)}
    text = sign + (figure(magnitude, row.unit) if row.unit != "count" else _number(magnitude, 2))
    if row.percent is not None:
        text += f" ({'+' if row.percent > 0 else ''}{_number(row.percent, 1)}%)"
    return text


@register.filter
def trend_label(row) -> str:
    return {"up": _("up"), "down": _("down")}.get(row.trend, _("no change"))


@register.filter
def lookup(figures, key: str):
    """A dotted key of a figures dict (`orders.total`); None where missing."""
    from reports.figures import lookup as find

    return find(figures, key) if figures else None


@register.filter
def six_have(key: str) -> str:
    """The label of a six-haves item (六有)."""
    labels = {
        "place": _("Has a place"),
        "plan": _("Has a plan"),
        "team": _("Has a team"),
        "projects": _("Has projects"),
        "rules": _("Has rules"),
        "records": _("Has records"),
    }
    return labels.get(key, key)
