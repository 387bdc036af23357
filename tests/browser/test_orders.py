"""The order journey on phone-sized screens: a resident orders, staff dispatch, the leader
accepts and completes, the resident rates; each sees the status in Chinese. Screenshots go to
test-artifacts/orders-*.png for a person to look at."""

import pytest

from activities.models import Category, MenuItem, Order
from tests.browser.conftest import DESK, login, screenshot, serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit(page, selector: str) -> None:
    """Click a submit button and wait for the page it leads to (not just for a quiet network,
    which may be reached before the navigation even starts)."""
    with page.expect_navigation():
        page.click(selector)


def category(code: str, zh: str) -> Category:
    # Transactional tests flush the tables after each test, the migration-seeded categories too.
    return Category.objects.get_or_create(code=code, defaults={"name_zh": zh, "name_en": code})[0]


def test_an_order_goes_from_the_resident_to_the_team_and_back(new_page, town, password):
    item = MenuItem.objects.create(
        site=town.station_a, category=category("law", "法律服务"), title="法律咨询上门", suits="老年人"
    )

    # The resident orders from the menu on a phone.
    resident = new_page()
    login(resident, "resident_a", password)
    resident.goto("/activities/menu/")
    assert resident.get_by_role("link", name="法律服务").is_visible()
    screenshot(resident, "orders-1-menu-phone")
    assert serious_axe_violations(resident) == []
    resident.click(f"main a[href='/activities/menu/{item.pk}/order/']")
    resident.fill("#id_description", "想咨询老房子过户的事")
    screenshot(resident, "orders-2-order-form-phone")
    submit(resident, "main button[type=submit]")
    assert "已点单" in resident.inner_text("main .status-line")
    screenshot(resident, "orders-3-placed-phone")
    order = Order.objects.get()

    # Staff dispatch from the suggested teams in one tap.
    staff = new_page(viewport=DESK)
    login(staff, "staff_a", password)
    staff.goto("/activities/orders/queue/")
    assert "法律咨询上门" in staff.inner_text("main")
    screenshot(staff, "orders-4-queue-desk")
    staff.goto(f"/activities/orders/{order.pk}/")
    assert "同一实践站" in staff.inner_text("main")
    screenshot(staff, "orders-5-dispatch-desk")
    assert serious_axe_violations(staff) == []
    submit(staff, "main .suggestion button[type=submit]")
    assert "已派单" in staff.inner_text("main .status-line")

    # The leader accepts with the volunteers ticked, then completes.
    leader = new_page()
    login(leader, "leader_a", password)
    leader.goto("/activities/orders/team/")
    assert "已派单" in leader.inner_text("main")
    leader.goto(f"/activities/orders/{order.pk}/")
    leader.check(f"input[name=volunteers][value='{town.member_a.pk}']")
    screenshot(leader, "orders-6-accept-phone")
    assert serious_axe_violations(leader) == []
    submit(leader, "main form[action$='/accept/'] button[type=submit]")
    assert "已接单" in leader.inner_text("main .status-line")
    leader.fill("#complete-summary", "已上门解答，帮忙整理了材料")
    leader.fill("#complete-hours", "1.5")
    submit(leader, "main form[action$='/complete/'] button[type=submit]")
    assert "已完成" in leader.inner_text("main .status-line")

    # The resident follows the timeline and rates with a big star button.
    resident.goto("/activities/orders/mine/")
    assert "已完成" in resident.inner_text("main")
    resident.goto(f"/activities/orders/{order.pk}/")
    screenshot(resident, "orders-7-rate-phone")
    assert serious_axe_violations(resident) == []
    submit(resident, "main button[name=stars][value='5']")
    assert "已评价" in resident.inner_text("main .status-line")
    screenshot(resident, "orders-8-rated-phone")
    order.refresh_from_db()
    assert (order.status, order.stars) == ("rated", 5)


def test_a_wish_goes_on_the_wall_masked_and_a_leader_claims_it(new_page, town, password):
    resident = new_page()
    login(resident, "resident_a", password)
    resident.goto("/activities/wishes/new/")
    resident.fill("#id_title", "想要一副老花镜")
    resident.fill("#id_description", "看报纸看不清了")
    submit(resident, "main button[type=submit]")
    assert "已点单" in resident.inner_text("main .status-line")

    leader = new_page()
    login(leader, "leader_a", password)
    leader.goto("/activities/wishes/")
    wall = leader.inner_text("main")
    assert "张*国" in wall and "张建国" not in wall
    screenshot(leader, "orders-9-wish-wall-phone")
    assert serious_axe_violations(leader) == []
    submit(leader, "main form[action$='/claim/'] button[type=submit]")
    assert "已接单" in leader.inner_text("main .status-line")
    assert Order.objects.get(kind="wish").team == town.team_a


def test_a_grid_worker_orders_for_a_resident_on_a_phone(new_page, town, password):
    item = MenuItem.objects.create(site=town.station_a, category=category("health", "卫生健康"), title="上门量血压")
    worker = new_page()
    login(worker, "grid_worker_a", password)
    worker.goto(f"/activities/menu/{item.pk}/order/")
    worker.select_option("#id_resident", str(town.resident_a.pk))
    screenshot(worker, "orders-10-on-behalf-phone")
    submit(worker, "main button[type=submit]")
    assert "由网格员甲代点" in worker.inner_text("main")
    order = Order.objects.get()
    assert (order.resident, order.placed_by) == (town.resident_a, town.grid_worker_a)
