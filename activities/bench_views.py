"""A bench-only view (settings.ORDERS_BENCH_VIEWS): the menu rows of /api/v1/menu-items/ from
plain Django, with no DRF, so bench/orders_bench.py can show what the API layer costs."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from rest_framework.exceptions import AuthenticationFailed

from activities.models import MenuItem
from practice_center.api.authentication import PortalTokenAuthentication
from practice_center.scoping import home_station

FIELDS = ("id", "site", "site__name", "category", "category__code", "title", "description", "suits")


def bare_menu(request: HttpRequest) -> JsonResponse:
    # The same token check the API makes (one indexed query), so the comparison is fair.
    try:
        found = PortalTokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        found = None
    if not found:
        return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)
    station = home_station(found[0])
    items = MenuItem.objects.offered_at(station).order_by("category__sort_order", "title", "id")
    return JsonResponse({"count": items.count(), "results": list(items.values(*FIELDS)[:20])})
