"""Pages of the monthly reports: list, detail with charts, print (A4), exports, the review
steps, quarter and half-year views, and the network dashboard."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from activities.models import OrderStatus
from practice_center.exports import FORMATS, export_response
from practice_center.models import Site
from practice_center.pages import run_service, staff_required
from practice_center.scoping import scope
from practice_center.text import int_param
from reports import charts, permissions, selectors, services
from reports import figures as fig
from reports.exports import export_filename, report_sheets
from reports.models import MonthlyReport, ReportStatus


class WriteForm(forms.Form):
    narrative = forms.CharField(
        label=gettext_lazy("Narrative"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=services.MAX_TEXT,
        help_text=gettext_lazy("What the month brought: the work done, problems, plans. Required to submit."),
    )
    highlights = forms.CharField(
        label=gettext_lazy("Highlights"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=services.MAX_TEXT,
        help_text=gettext_lazy("Good practice worth telling the whole network about."),
    )


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=services.MAX_TEXT,
    )


def _report_or_404(request: HttpRequest, pk: int) -> MonthlyReport:
    report = selectors.report_detail(pk, request.user)
    if report is None:
        raise Http404
    return report


# ---- list ---------------------------------------------------------------------------------------
@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    """Reports by month and site with status badges; what waits for me on top."""
    params = request.GET
    month = fig.parse_month(params.get("month"))
    site_id = int_param(params.get("site"))
    site = Site.objects.filter(pk=site_id).first() if site_id else None
    status = params.get("status") if params.get("status") in ReportStatus.values else None
    reports = selectors.reports_for(request.user, month=month, site=site, status=status)
    page = Paginator(reports, 50).get_page(params.get("page"))
    sc = scope(request.user)
    waiting = list(selectors.waiting_for(request.user)[:50]) if sc.is_staff_anywhere else []
    today = fig.this_month()
    return render(
        request,
        "reports/list.html",
        {
            "page": page,
            "reports": page.object_list,
            "waiting": waiting,
            "months": [fig.add_months(today, -n) for n in range(0, 13)],
            "month": month,
            "sites": Site.objects.managed_by(request.user).filter(level__in=["center", "institute", "station"])
            if sc.is_staff_anywhere
            else [],
            "site": site,
            "status": status,
            "statuses": ReportStatus.choices,
            "is_staff": sc.is_staff_anywhere,
            "current_month": today,
        },
    )


# ---- detail, print, export ----------------------------------------------------------------------
def _detail_context(request: HttpRequest, report: MonthlyReport, *, print_mode: bool = False) -> dict:
    user = request.user
    details = permissions.may_view_details(user, report)
    figures = report.figures or {}
    names = selectors.category_names()
    actions = permissions.actions_for(user, report)
    differences = []
    if details and not print_mode and report.status not in ("draft", "returned"):
        differences = selectors.live_differences(report)
    return {
        "report": report,
        "figures": figures,
        "details": details,
        "rows": selectors.figure_rows(figures),
        "by_category": sorted(
            (
                (names.get(code, _("Other")), n)
                for code, n in (figures.get("orders") or {}).get("by_category", {}).items()
            ),
            key=lambda item: -item[1],
        ),
        "by_status": [
            (value, label, ((figures.get("orders") or {}).get("by_status") or {}).get(value, 0))
            for value, label in OrderStatus.choices
        ],
        "children": figures.get("children") or [],
        "top_households": (figures.get("top_households") or []) if details else [],
        "chart_categories": charts.orders_by_category(figures, names),
        "chart_history": charts.last_twelve_months(figures),
        "chart_children": charts.children_compared(figures.get("children") or []),
        "history": figures.get("history") or [],
        "checkpoint": selectors.ledger_checkpoint_for(report),
        "events": list(report.events.all()) if details else [],
        "actions": actions,
        "write_form": WriteForm(initial={"narrative": report.narrative, "highlights": report.highlights}),
        "comment_form": CommentForm(),
        "differences": differences,
        "formats": FORMATS,
        "print_mode": print_mode,
    }


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    return render(request, "reports/detail.html", _detail_context(request, report))


@login_required
def report_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The bulletin on A4 paper (print from the browser)."""
    report = _report_or_404(request, pk)
    return render(request, "reports/print.html", _detail_context(request, report, print_mode=True))


@login_required
def report_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    report = _report_or_404(request, pk)
    if fmt not in FORMATS:
        raise Http404
    if not permissions.may_export(request.user, report):
        raise PermissionDenied
    return export_response(fmt, filename=export_filename(report), sheets=report_sheets(report))


# ---- the review steps ---------------------------------------------------------------------------
@require_POST
@login_required
def report_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step: save (edit), submit, return, approve, publish. Errors become page messages."""
    report = _report_or_404(request, pk)
    done = {
        "edit": _("Saved."),
        "submit": _("Submitted for review."),
        "return": _("Returned to the station with your comment."),
        "approve": _("Approved."),
        "publish": _("Published as the bulletin."),
    }
    if action not in done:
        raise Http404
    if action in ("edit", "submit"):
        form = WriteForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("reports:detail", pk=report.pk)
        text = form.cleaned_data
        if action == "edit":
            result = run_service(
                request,
                None,
                services.report_edit,
                report=report,
                actor=request.user,
                narrative=text["narrative"],
                highlights=text["highlights"],
            )
        else:
            result = run_service(
                request,
                None,
                services.report_submit,
                report=report,
                actor=request.user,
                narrative=text["narrative"],
                highlights=text["highlights"],
            )
    else:
        form = CommentForm(request.POST)
        comment = form.cleaned_data["comment"] if form.is_valid() else ""
        if action == "return":
            result = run_service(
                request, None, services.report_return, report=report, actor=request.user, comment=comment
            )
        elif action == "approve":
            result = run_service(
                request, None, services.report_approve, report=report, actor=request.user, comment=comment
            )
        else:
            result = run_service(request, None, services.report_publish, report=report, actor=request.user)
    if result is not None:
        messages.success(request, done[action])
    return redirect("reports:detail", pk=report.pk)


# ---- quarters and half-years --------------------------------------------------------------------
@staff_required
def period_view(request: HttpRequest) -> HttpResponse:
    """A quarter's (一季一讲评) or half-year's (半年一总结) figures from the monthly figures."""
    today = fig.this_month()
    year = int_param(request.GET.get("year")) or today.year
    if not 2000 <= year <= today.year + 1:
        year = today.year
    period = request.GET.get("period")
    if period not in selectors.PERIODS:
        period = f"q{(today.month - 1) // 3 + 1}"
    site = selectors.dashboard_site(request.user, int_param(request.GET.get("site")))
    if site is None:
        raise Http404
    data = selectors.period_figures(site, year, period)
    combined = data["combined"]
    rows = [row for row in selectors.figure_rows({**combined, "previous": {}}) if row.key in _PERIOD_KEYS]
    return render(
        request,
        "reports/period.html",
        {
            "site": site,
            "year": year,
            "period": period,
            "periods": [(key, _PERIOD_LABELS[key]) for key in selectors.PERIODS],
            "years": list(range(today.year, today.year - 5, -1)),
            "months": data["months"],
            "rows": rows,
            "combined": combined,
            "sites": Site.objects.managed_by(request.user).filter(level__in=["center", "institute", "station"]),
        },
    )


_PERIOD_KEYS = {
    "orders.total",
    "orders.completed",
    "completion_rate",
    "on_time_rate",
    "rating_mean",
    "rating_count",
    "unrated_count",
    "wishes.posted",
    "wishes.claimed",
    "wishes.completed",
    "activities.held",
    "activities.enrolments",
    "activities.attendance_rate",
    "volunteers.new",
    "service_hours",
    "points.issued",
    "points.redeemed",
}
_PERIOD_LABELS = {
    "q1": gettext_lazy("First quarter"),
    "q2": gettext_lazy("Second quarter"),
    "q3": gettext_lazy("Third quarter"),
    "q4": gettext_lazy("Fourth quarter"),
    "h1": gettext_lazy("First half-year"),
    "h2": gettext_lazy("Second half-year"),
}


# ---- the dashboard ------------------------------------------------------------------------------
@staff_required
def dashboard_view(request: HttpRequest) -> HttpResponse:
    """This month so far over a subtree the user manages (`?site=`, default the highest)."""
    site = selectors.dashboard_site(request.user, int_param(request.GET.get("site")))
    if site is None:
        raise Http404
    board = selectors.dashboard(site)
    return render(
        request,
        "reports/dashboard.html",
        {
            "board": board,
            "all_rows": selectors.figure_rows(board.figures),
            "sites": Site.objects.managed_by(request.user).filter(level__in=["center", "institute", "station"]),
        },
    )
