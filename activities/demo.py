"""Demo menu and orders: a menu for every station plus a few center-wide services, and orders
in every state for the demo accounts. Idempotent: items and orders are found by natural keys
(site + title; resident + title) before anything is made."""

from __future__ import annotations

from activities import services
from activities.models import Category, MenuItem, Order
from practice_center.demo import DemoTown
from volunteers.models import Volunteer

STATION_MENU = [
    # category code, title, description, who it suits, minutes
    ("law", "法律咨询上门", "遗产、赡养、邻里纠纷等法律问题，志愿律师上门解答。", "老年人、行动不便的居民", 60),
    ("health", "上门量血压", "志愿医生上门测血压、血糖，讲解用药。", "慢性病老人", 30),
    ("elderly_care", "助老理发", "志愿者上门为老人理发。", "80岁以上老人", 40),
    ("science", "教用智能手机", "教老人用微信视频、扫码、挂号。", "老年人", 60),
    ("culture", "广场舞排练指导", "文艺志愿者指导广场舞、合唱排练。", "文艺爱好者", 90),
]
CENTER_MENU = [
    ("theory", "理论宣讲进村组", "宣讲团到村组、院落宣讲政策。", "全体居民", 60),
    ("house_meeting", "屋场会", "在院落召开屋场会：说事、议事、办事。", "村组居民", 90),
]


def _item(site, code, title, description, suits, minutes, team=None) -> MenuItem:
    item = MenuItem.objects.filter(site=site, title=title).first()
    if item is None:
        item = MenuItem.objects.create(
            site=site,
            category=Category.objects.get(code=code),
            title=title,
            description=description,
            suits=suits,
            duration_minutes=minutes,
            team=team,
        )
    return item


def _order(resident, item, *, actor=None, description="") -> tuple[Order, bool]:
    existing = Order.objects.filter(resident=resident, title=item.title).first()
    if existing is not None:
        return existing, False
    order = services.order_create(resident=resident, actor=actor or resident, menu_item=item, description=description)
    return order, True


def seed(town: DemoTown) -> None:
    menus: dict[int, list[MenuItem]] = {}
    for station in town.stations:
        teams = [t for t in town.teams if t.site_id == station.pk]
        menus[station.pk] = [
            _item(station, *row, team=(teams[1] if row[0] in ("law", "health") else teams[0]) if teams else None)
            for row in STATION_MENU
        ]
    center_items = [_item(town.center, *row) for row in CENTER_MENU]

    users = town.users
    resident, staff, leader = users["demo-resident"], users["demo-staff"], users["demo-leader"]
    team = town.team
    member = Volunteer.objects.get(user=users["demo-volunteer"])
    items = menus[town.station.pk]

    # demo-resident: one order at each step a resident sees.
    order, new = _order(resident, items[0], description="想咨询老房子过户的事。")  # dispatched, for demo-leader
    if new:
        services.order_dispatch(order=order, team=team, actor=staff, note="王队长的队伍有法律特长")
    order, new = _order(resident, items[1], description="每周测一次血压。")  # accepted
    if new:
        order = services.order_dispatch(order=order, team=team, actor=staff)
        services.order_accept(order=order, volunteer_ids=[member.pk], actor=leader)
    order, new = _order(resident, items[2])  # completed, waiting for the rating
    if new:
        order = services.order_dispatch(order=order, team=team, actor=staff)
        order = services.order_accept(order=order, volunteer_ids=[member.pk], actor=leader)
        services.order_complete(order=order, summary="已上门为老人理发。", hours="1", actor=leader)
    order, new = _order(resident, items[3])  # rated
    if new:
        order = services.order_dispatch(order=order, team=team, actor=staff)
        order = services.order_accept(order=order, volunteer_ids=[member.pk], actor=leader)
        order = services.order_complete(order=order, summary="教会了微信视频通话。", hours="1.5", actor=staff)
        services.order_rate(order=order, stars=5, comment="志愿者很耐心，谢谢！", actor=resident)

    # demo-staff: orders of other residents of the first station waiting to be dispatched,
    # one of them placed by demo-grid on behalf of a resident.
    neighbours = [
        u
        for u in town.residents
        if u.household and u.household.grid.station_id == town.station.pk and not u.username.startswith("demo-")
    ]
    for neighbour, item in zip(neighbours[:3], [items[0], items[4], center_items[0]], strict=False):
        _order(neighbour, item, description="请尽快安排。")
    first_grid = town.grids[town.station.pk][0].pk
    grid_resident = next((u for u in neighbours[3:] if u.household and u.household.grid_id == first_grid), None)
    if grid_resident is not None:
        _order(grid_resident, items[1], actor=users["demo-grid"], description="老人没有手机，网格员代点。")

    # The wish wall: a public wish of demo-resident's neighbour.
    if neighbours and not Order.objects.filter(resident=neighbours[-1], kind="wish").exists():
        services.wish_create(
            resident=neighbours[-1], actor=neighbours[-1], title="想要一副老花镜", description="看报纸看不清了。"
        )
