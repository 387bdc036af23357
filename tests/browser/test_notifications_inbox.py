"""A resident reads the inbox on a phone: the badge, open an item, mark all read."""

import pytest
from django.db import transaction

from practice_center.models import Notification
from practice_center.notifications import notify
from tests.browser.conftest import login, screenshot, serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def send(user, title, body, url=""):
    with transaction.atomic():
        notify(recipients=[user], kind="message", data={"title": title, "body": body}, url=url)


def test_a_resident_reads_notifications_on_a_phone(new_page, town, password):
    send(town.resident_a, "您的点单已受理", "幸福村志愿服务队将在周六上午上门服务。", url="/")
    send(town.resident_a, "活动报名成功", "重阳节文艺汇演，10月29日 9:00，幸福村文化广场。")
    send(town.resident_a, "积分到账", "参加志愿服务获得 10 积分。")
    Notification.objects.filter(data__title="积分到账").update(read_at=Notification.objects.first().created_at)

    page = new_page()
    login(page, "resident_a", password)
    assert page.locator(".inbox-link .unread-count").inner_text().startswith("2")
    page.click(".inbox-link")
    page.wait_for_url("**/notifications/")
    assert page.locator("main .notification.unread").count() == 2
    screenshot(page, "notifications-inbox-phone")
    assert serious_axe_violations(page) == []

    page.locator("main .notification", has_text="您的点单已受理").locator("button[name=open]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".inbox-link .unread-count").inner_text().startswith("1")

    page.goto("/notifications/")
    page.click("main form[action$='read-all/'] button")
    page.wait_for_load_state("networkidle")
    assert page.locator("main .notification.unread").count() == 0
    assert page.locator(".inbox-link .unread-count").count() == 0
    screenshot(page, "notifications-inbox-read-phone")


def test_an_empty_inbox_in_elderly_mode_on_a_phone(new_page, town, password):
    page = new_page(language="en")
    login(page, "staff_a", password)
    page.goto("/notifications/")
    page.click("header button[name=enabled]")
    page.wait_for_load_state("networkidle")
    assert "No notifications yet" in page.content()
    screenshot(page, "notifications-empty-elderly-en-phone")
    assert serious_axe_violations(page) == []
