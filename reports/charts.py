"""Server-side SVG charts of a report (pygal): they render without JavaScript and in print.

pygal writes a small configuration `<script>` for its optional tooltips even with `js=[]`; it
is removed here, so a chart is a plain SVG picture inlined in the page (no external file, no
script). Every chart is shown beside a table with the same numbers, for screen readers and for
anyone who prefers figures.
"""

from __future__ import annotations

import re

import pygal
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from pygal.style import Style

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1a1a1a",
    foreground_strong="#1a1a1a",
    foreground_subtle="#595959",
    opacity="1",
    opacity_hover="1",
    colors=("#a8201a", "#1f5fa8", "#2e7d32", "#7a4f00"),
    font_family='"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif',
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=12,
    legend_font_size=13,
    title_font_size=15,
)
SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _config(**extra) -> dict:
    return {
        "js": [],
        "disable_xml_declaration": True,
        "style": STYLE,
        "width": 640,
        "height": 320,
        "print_values": True,
        "print_zeroes": False,
        "legend_at_bottom": True,
        "truncate_label": -1,
        "show_y_guides": True,
        **extra,
    }


def _svg(chart, label: str) -> SafeString:
    svg = chart.render(is_unicode=True)
    svg = COMMENT.sub("", SCRIPT.sub("", svg))
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" focusable="false" ', 1)
    return mark_safe(svg)  # noqa: S308 - pygal's own markup, labels escaped by pygal


def _label_room(labels: list[str]) -> int:
    """Left margin for horizontal-bar labels: pygal estimates text width for Latin letters, a
    Chinese character is about one em wide, so make room for the longest label ourselves."""
    longest = max((sum(1.0 if ord(ch) > 0x2E80 else 0.6 for ch in label) for label in labels), default=0)
    return int(longest * STYLE.label_font_size) + 8


def orders_by_category(figures: dict, names: dict[str, str]) -> SafeString | None:
    """Horizontal bars: orders placed in the month per category."""
    counts = (figures.get("orders") or {}).get("by_category") or {}
    if not counts:
        return None
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    labels = [names.get(code, _("Other") if code == "other" else code) for code, _n in rows]
    chart = pygal.HorizontalBar(
        **_config(show_legend=False, height=max(160, 48 * len(rows) + 60), margin_left=_label_room(labels))
    )
    chart.x_labels = labels
    chart.add(_("Orders"), [n for _code, n in rows])
    return _svg(chart, _("Orders by category"))


def last_twelve_months(figures: dict) -> SafeString | None:
    """Bars: orders placed and completed in each of the last twelve months."""
    series = figures.get("history") or []
    if not series:
        return None
    chart = pygal.Bar(**_config(x_label_rotation=0, print_values=False))
    chart.x_labels = [row["month"][2:] for row in series]
    chart.add(_("Orders placed"), [row["orders"] for row in series])
    chart.add(_("Orders completed"), [row["completed"] for row in series])
    return _svg(chart, _("The last twelve months"))


def children_compared(rows: list[dict]) -> SafeString | None:
    """Horizontal bars: orders placed and completed per child site."""
    if not rows:
        return None
    labels = [row["name"] for row in rows]
    chart = pygal.HorizontalBar(**_config(height=max(180, 56 * len(rows) + 80), margin_left=_label_room(labels)))
    chart.x_labels = labels
    chart.add(_("Orders placed"), [row["orders"] for row in rows])
    chart.add(_("Orders completed"), [row["completed"] for row in rows])
    return _svg(chart, _("Sites compared"))
