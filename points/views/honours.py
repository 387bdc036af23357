"""Honours pages: the lists, a list with its notice and objections, the workflow steps, freezing
a ranking, the final list as Excel or CSV."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from points.forms import AnswerForm, FreezeForm, ObjectionForm, WithdrawForm
from points.models import HonourList, HonourStatus, Objection
from points.permissions import actions_for, is_staff, may_manage_honours
from points.services import honours as honours_services
from points.views.common import managed_sites
from practice_center.exports import FORMATS, Sheet, export_response
from practice_center.models import User
from practice_center.pages import run_service, staff_required


@login_required
def honours(request: HttpRequest) -> HttpResponse:
    """The honour lists I may see (staff: of their subtrees; residents: published ones)."""
    user = cast(User, request.user)  # login_required
    lists = HonourList.objects.visible_to(user).exclude(status=HonourStatus.WITHDRAWN).select_related("site")
    return render(request, "points/honours.html", {"lists": lists, "is_staff": is_staff(user)})


def _visible_list(request, list_id: int) -> HonourList:
    return get_object_or_404(HonourList.objects.visible_to(request.user).select_related("site"), pk=list_id)


@login_required
def honour_detail(
    request: HttpRequest, list_id: int, *, objection_form=None, answer_forms=None, withdraw_form=None, status: int = 200
) -> HttpResponse:
    """A list with its entries, its notice, its objections and the steps I may take."""
    user = cast(User, request.user)  # login_required
    honour_list = _visible_list(request, list_id)
    objections = Objection.objects.visible_to(user).filter(honour_list=honour_list).select_related("author")
    answer_forms = answer_forms or {}
    objection_rows = []
    for objection in objections:
        objection.honour_list = honour_list  # already loaded: the predicates read its site and status
        form = answer_forms.get(objection.pk) or AnswerForm(prefix=f"o{objection.pk}")
        objection_rows.append((objection, form, actions_for(user, objection)))
    actions = actions_for(user, honour_list)
    return render(
        request,
        "points/honour_detail.html",
        {
            "honour_list": honour_list,
            "entries": honour_list.entries.all(),
            "objections": objection_rows,
            "manages": may_manage_honours(user, honour_list),
            "actions": actions,
            "notice_over": honour_list.notice_is_over(),
            "objection_form": objection_form or ObjectionForm(),
            "withdraw_form": withdraw_form or WithdrawForm(),
            "own_household": user.household_id,
        },
        status=status,
    )


@login_required
@require_POST
def honour_object(request: HttpRequest, list_id: int) -> HttpResponse:
    """A resident objects to a list in notice."""
    honour_list = _visible_list(request, list_id)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        done = run_service(
            request,
            form,
            honours_services.objection_file,
            honour_list=honour_list,
            author=request.user,
            text=form.cleaned_data["text"],
        )
        if done is not None:
            messages.success(request, _("Your objection was recorded. Staff will answer it here."))
            return redirect("points:honour_detail", list_id=honour_list.pk)
    return honour_detail(request, list_id, objection_form=form, status=400 if form.errors else 200)


@staff_required
@require_POST
def objection_answer(request: HttpRequest, objection_id: int) -> HttpResponse:
    """Staff answer an objection (upheld or dismissed)."""
    objection = get_object_or_404(Objection.objects.visible_to(request.user), pk=objection_id)
    form = AnswerForm(request.POST, prefix=f"o{objection.pk}")
    if form.is_valid():
        done = run_service(
            request,
            form,
            honours_services.objection_answer,
            objection=objection,
            actor=request.user,
            answer=form.cleaned_data["answer"],
            decision=form.cleaned_data["decision"],
        )
        if done is not None:
            messages.success(request, _("The answer was saved and is shown to the resident."))
            return redirect("points:honour_detail", list_id=objection.honour_list_id)
    return honour_detail(
        request, objection.honour_list_id, answer_forms={objection.pk: form}, status=400 if form.errors else 200
    )


# The workflow steps without input: the service and the message shown after it.
HONOUR_STEPS = {
    "publish": (honours_services.honour_list_publish, gettext_lazy("Published for public notice.")),
    "finalise": (honours_services.honour_list_finalise, gettext_lazy("The list is final.")),
}


@staff_required
@require_POST
def honour_action(request: HttpRequest, list_id: int, action: str) -> HttpResponse:
    """One workflow step on a list: publish, finalise, or withdraw (with a reason)."""
    honour_list = _visible_list(request, list_id)
    if action == "withdraw":
        form = WithdrawForm(request.POST)
        if not form.is_valid():
            return honour_detail(request, list_id, withdraw_form=form, status=400)
        done = run_service(
            request,
            form,
            honours_services.honour_list_withdraw,
            honour_list=honour_list,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        if done is not None:
            messages.success(request, _("The list was withdrawn."))
        return redirect("points:honour_detail", list_id=honour_list.pk)
    if action not in HONOUR_STEPS:
        raise Http404
    service, success = HONOUR_STEPS[action]
    if run_service(request, None, service, honour_list=honour_list, actor=request.user) is not None:
        messages.success(request, success)
    return redirect("points:honour_detail", list_id=honour_list.pk)


@staff_required
def honour_freeze(request: HttpRequest) -> HttpResponse:
    """Freeze the ranking of a year, a site I manage and a household category into a list."""
    sites = list(managed_sites(request.user).only("id", "name"))
    form = FreezeForm(request.POST or None, sites=sites)
    if request.method == "POST" and form.is_valid():
        site = next(s for s in sites if s.pk == form.cleaned_data["site"])
        honour_list = run_service(
            request,
            form,
            honours_services.honour_list_freeze,
            site=site,
            year=form.cleaned_data["year"],
            kind=form.cleaned_data["kind"],
            category=form.cleaned_data["category"],
            size=form.cleaned_data["size"],
            actor=request.user,
        )
        if honour_list is not None:
            messages.success(request, _("The ranking was frozen. Check it, then publish it for public notice."))
            return redirect("points:honour_detail", list_id=honour_list.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "points/honour_freeze.html", {"form": form}, status=status)


def honour_sheet(honour_list: HonourList) -> Sheet:
    """A list's entries as one table: rank, household, station, category, points, hours."""
    header = [_("Rank"), _("Household"), _("Station"), _("Category"), _("Points"), _("Service hours")]
    rows = [
        [e.rank, e.household_name, e.station_name, e.get_category_display(), e.points, float(e.hours)]
        for e in honour_list.entries.all()
    ]
    title = f"{honour_list.year} {honour_list.get_kind_display()} · {honour_list.site.name}"
    return Sheet(title=title, header=header, rows=rows)


@staff_required
def honour_export(request: HttpRequest, list_id: int, fmt: str) -> HttpResponse:
    """A final list as Excel or CSV (values only: a household name is text, never a formula)."""
    user = cast(User, request.user)  # staff_required
    honour_list = _visible_list(request, list_id)
    if fmt not in FORMATS or "export" not in actions_for(user, honour_list):
        raise Http404
    filename = f"honours-{honour_list.year}-{honour_list.kind}-{honour_list.pk}"
    return export_response(fmt, filename=filename, sheets=[honour_sheet(honour_list)])
