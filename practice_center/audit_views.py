"""The staff page that searches the audit trail of their subtree (center admins: everything)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from practice_center.forms import AuditSearchForm
from practice_center.models import AuditEvent
from practice_center.pages import staff_required

PAGE_SIZE = 50


@staff_required
def audit_search(request: HttpRequest) -> HttpResponse:
    """Rows of `AuditEvent.objects.visible_to(user)` by person, object, action and dates, newest
    first, 50 a page (the filters stay in the pager's links)."""
    form = AuditSearchForm(request.GET or None)
    rows = AuditEvent.objects.visible_to(request.user)
    if form.is_bound and form.is_valid():
        rows = rows.search(**form.cleaned_data)
    elif form.is_bound:
        rows = rows.none()
    rows = rows.select_related("actor", "site").order_by("-at", "-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/search.html", {"form": form, "page": page})
