"""The inbox pages: the person's notifications, newest first; mark one or all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from practice_center import notifications as service
from practice_center.models import Notification

PAGE_SIZE = 20


def _inbox_url(request: HttpRequest) -> str:
    page = request.POST.get("page", "")
    url = reverse("notifications:list")
    return f"{url}?page={page}" if page.isdigit() else url


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    notes = Notification.objects.visible_to(request.user).order_by("-created_at", "-id")
    page = Paginator(notes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page, "notifications": list(page.object_list)})


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read; with `open` go on to the thing it is about."""
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    service.notification_mark_read(notification=notification, user=request.user)
    target = notification.url
    host = {request.get_host()}
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts=host, require_https=request.is_secure())
    if request.POST.get("open") and target and safe:
        return redirect(target)
    return redirect(_inbox_url(request))


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    changed = service.notification_mark_all_read(user=request.user)
    if changed:
        messages.success(request, _("All notifications are marked as read."))
    return redirect(_inbox_url(request))


urls = [
    path("", inbox, name="list"),
    path("<int:pk>/read/", mark_read, name="read"),
    path("read-all/", mark_all_read, name="read_all"),
]
