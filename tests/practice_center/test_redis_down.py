"""Redis down is not the portal down: the cache fails open with short timeouts.

A real redis-server of this test's own (another port; the shared one is never touched) serves
as cache and broker, then is killed (and, in another test, frozen with SIGSTOP): pages, the API
and log-in still answer, and the notification an action causes waits in the outbox.
"""

from __future__ import annotations

import signal

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from practice_center.models import Delivery, DeliveryStatus, Notification
from practice_center.settings import redis_caches
from tests.factories import PASSWORD
from tests.practice_center.test_notifications_worker import broker, free_port, redis_server

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


# The real throttles, low enough that they read and write the cache on every request.
THROTTLED = {
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": "1000/min", "user": "1000/min", "login": "1000/min"},
}


def journey(town, api_client: APIClient, client) -> dict[str, int]:
    """Log in on the page and through the API, read the menu, place an order; the statuses."""
    statuses = {}
    wrong = client.post("/accounts/login/", {"username": "resident_a", "password": "wrong-password"})
    statuses["wrong password"] = wrong.status_code
    response = client.post("/accounts/login/", {"username": "resident_a", "password": PASSWORD})
    statuses["page log-in"] = response.status_code
    statuses["home page"] = client.get("/").status_code
    token = api_client.post("/api/v1/auth/token/", {"username": "resident_a", "password": PASSWORD})
    statuses["token"] = token.status_code
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.data.get('token', '')}")
    statuses["menu API"] = api_client.get("/api/v1/menu-items/").status_code
    return statuses


@pytest.mark.parametrize("how", ["killed", "frozen"])
def test_pages_api_and_log_in_answer_while_redis_is_down_and_messages_wait(town, client, how, require_redis):
    from activities.models import Category, MenuItem

    item = MenuItem.objects.create(site=town.station_a, category=Category.objects.get(code="law"), title="法律咨询")
    port = free_port()
    with (
        override_settings(CACHES=redis_caches(f"redis://127.0.0.1:{port}/0"), REST_FRAMEWORK={**_rest(), **THROTTLED}),
        broker(f"redis://127.0.0.1:{port}/1"),
        redis_server(port) as server,
    ):
        cache.set("probe", 1)
        assert cache.get("probe") == 1  # the cache really is this Redis
        if how == "killed":
            server.kill()
            server.wait(timeout=10)
        else:
            server.send_signal(signal.SIGSTOP)  # accepts connections, never answers
        try:
            api_client = APIClient()
            statuses = journey(town, api_client, client)
            order = api_client.post("/api/v1/orders/", {"menu_item": item.pk, "description": "上门"}, format="json")
        finally:
            if how == "frozen":
                server.send_signal(signal.SIGCONT)
    assert statuses == {
        "page log-in": 302,
        "home page": 200,
        "token": 200,
        "menu API": 200,
        "wrong password": 200,  # the form error, not a 500 and not a lock-out
    }
    assert order.status_code == 201
    staff_notice = Notification.objects.filter(data__order=order.data["id"]).first()
    assert staff_notice is not None
    undelivered = Delivery.objects.filter(notification=staff_notice).exclude(status=DeliveryStatus.SENT)
    assert undelivered.count() == Delivery.objects.filter(notification=staff_notice).count()


def _rest() -> dict:
    from django.conf import settings

    return dict(settings.REST_FRAMEWORK)
