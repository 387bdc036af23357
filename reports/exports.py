"""The tables of a report as export sheets (Excel: a sheet per table; CSV: one after another),
written through the one export helper (practice_center/exports.py: values, never formulas)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from activities.models import OrderStatus
from practice_center.exports import Sheet
from reports.models import MonthlyReport
from reports.selectors import category_names, figure_rows


def report_sheets(report: MonthlyReport) -> list[Sheet]:
    """Summary, key figures beside the month before, orders by status and by category, the
    children compared, the top households (names masked), the last twelve months."""
    figures = report.figures or {}
    orders = figures.get("orders") or {}
    names = category_names()
    sheets = [
        Sheet(
            _("Summary"),
            [_("Item"), _("Value")],
            [
                [_("Site"), report.site.name],
                [_("Month"), report.month_label],
                [_("Status"), report.get_status_display()],
                [_("Figures taken at"), report.figures_taken_at],
                [_("Narrative"), report.narrative],
                [_("Highlights"), report.highlights],
            ],
        ),
        Sheet(
            _("Figures"),
            [_("Figure"), _("This month"), _("Month before"), _("Difference"), _("Change (%)")],
            [[r.label, r.value, r.previous, r.difference, r.percent] for r in figure_rows(figures)],
        ),
        Sheet(
            _("Orders by status"),
            [_("Status"), _("Orders")],
            [[label, (orders.get("by_status") or {}).get(value, 0)] for value, label in OrderStatus.choices],
        ),
        Sheet(
            _("Orders by category"),
            [_("Category"), _("Orders")],
            [[names.get(code, _("Other")), n] for code, n in sorted((orders.get("by_category") or {}).items())],
        ),
    ]
    children = figures.get("children") or []
    if children:
        sheets.append(
            Sheet(
                _("Sites compared"),
                [
                    _("Site"),
                    _("Orders placed"),
                    _("Orders completed"),
                    _("Completion rate"),
                    _("On-time rate"),
                    _("Mean rating"),
                    _("Verified service hours"),
                    _("Active volunteers"),
                    _("Points issued"),
                    _("Points redeemed"),
                ],
                [
                    [
                        row["name"],
                        row["orders"],
                        row["completed"],
                        row["completion_rate"],
                        row["on_time_rate"],
                        row["rating_mean"],
                        row["service_hours"],
                        row["volunteers_active"],
                        row["points_issued"],
                        row["points_redeemed"],
                    ]
                    for row in children
                ],
            )
        )
    sheets.append(
        Sheet(
            _("Top households"),
            [_("Rank"), _("Household"), _("Points")],
            [[row["rank"], row["household"], row["points"]] for row in figures.get("top_households") or []],
        )
    )
    sheets.append(
        Sheet(
            _("The last twelve months"),
            [_("Month"), _("Orders placed"), _("Orders completed"), _("Verified service hours")],
            [
                [row["month"], row["orders"], row["completed"], row["service_hours"]]
                for row in figures.get("history") or []
            ],
        )
    )
    return sheets


def export_filename(report: MonthlyReport) -> str:
    return f"report-{report.site_id}-{report.month_label}"
