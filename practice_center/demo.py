"""The demo town that `manage.py seed_demo` builds.

The organisation part is built here; each app then adds its own data through
`<app>/demo.py: seed(town: DemoTown) -> None`. Every step is idempotent (get-or-create on
natural keys), so running the command twice changes nothing.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from practice_center.models import Grid, Household, HouseholdCategory, Role, RoleAssignment, Site, SiteLevel, User

DEMO_ACCOUNTS = {
    "demo-admin": "center admin and superuser",
    "demo-staff": "staff of the first station",
    "demo-leader": "leader of a team of that station",
    "demo-volunteer": "member of that team",
    "demo-resident": "household of that station",
    "demo-grid": "grid worker there",
}


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD", "demo12345")


@dataclass
class DemoTown:
    center: Site
    institute: Site
    stations: list[Site]
    grids: dict[int, list[Grid]]  # station id -> its grids
    households: list[Household]
    residents: list[User]  # every demo resident, the named demo accounts included
    users: dict[str, User]  # the named demo accounts by user name
    teams: list = field(default_factory=list)  # volunteers.Team, filled by volunteers/demo.py
    volunteers: list = field(default_factory=list)  # volunteers.Volunteer
    rng: random.Random = field(default_factory=lambda: random.Random(20261123))

    @property
    def station(self) -> Site:
        """The first station: where demo-staff, demo-resident and the demo team are."""
        return self.stations[0]

    @property
    def team(self):
        """The demo team of the first station, led by demo-leader."""
        return self.teams[0]


STATIONS = [
    ("幸福村新时代文明实践站", "幸福村村委会一楼", "31.230400", "121.473700"),
    ("和平社区新时代文明实践站", "和平社区服务中心二楼", "31.236100", "121.480200"),
    ("光明村新时代文明实践站", "光明村文化礼堂", "31.221500", "121.462900"),
    ("东湖社区新时代文明实践站", "东湖社区党群服务中心", "31.242800", "121.455100"),
]
ROOMS = ["道德讲堂", "志愿服务站", "农家书屋", "文体活动室"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "秀英", "桂兰", "志强", "丽娟", "伟", "芳", "海涛", "玉梅", "德明", "春华", "晓燕", "国庆", "红梅"]


def _site(name: str, level: str, parent: Site | None, **extra) -> Site:
    site = Site.objects.filter(name=name, level=level).first()
    if site is None:
        site = Site(name=name, level=level, parent=parent, **extra)
        site.save()
    return site


_hashed: dict[str, str] = {}


def _user(username: str, name: str, phone: str, household: Household | None, password: str, **extra) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        # Every demo account shares the password: hash it once, not once per account (PBKDF2 is slow
        # on purpose, and the first README command should not wait a minute for it).
        if password not in _hashed:
            _hashed[password] = make_password(password)
        user = User(username=username, name=name, phone=phone, household=household, password=_hashed[password], **extra)
        user.save()
    return user


@transaction.atomic
def build_organisation(*, households_per_grid: int = 6) -> DemoTown:
    password = demo_password()
    hours = "周二至周日 8:30–17:30"
    checklist = dict.fromkeys(("place", "plan", "team", "projects", "rules", "records"), True)
    center = _site(
        "城关镇新时代文明实践中心",
        SiteLevel.CENTER,
        None,
        address="城关镇人民路88号",
        phone="0571-8888 0000",
        opening_hours=hours,
        rooms=ROOMS,
        checklist=checklist,
    )
    institute = _site(
        "城关镇东街新时代文明实践所",
        SiteLevel.INSTITUTE,
        center,
        address="东街12号",
        opening_hours=hours,
        rooms=ROOMS[:2],
        checklist=checklist,
    )
    stations = []
    for name, address, lat, lng in STATIONS:
        station = _site(
            name,
            SiteLevel.STATION,
            institute,
            address=address,
            latitude=lat,
            longitude=lng,
            opening_hours=hours,
            rooms=ROOMS,
            checklist={**checklist, "records": name != STATIONS[2][0]},
        )
        stations.append(station)
        _site(name.replace("新时代文明实践站", "一组实践点"), SiteLevel.POINT, station, address=address)
    _site("红色教育基地·烈士纪念馆", SiteLevel.BASE, center, address="北山路1号")

    rng = random.Random(20261123)
    grids: dict[int, list[Grid]] = {}
    households: list[Household] = []
    residents: list[User] = []
    for s_index, station in enumerate(stations):
        grids[station.pk] = []
        for g_index in range(1, 3):
            grid, _ = Grid.objects.get_or_create(
                station=station, name=f"第{g_index}网格", defaults={"code": f"G{s_index + 1}{g_index}"}
            )
            grids[station.pk].append(grid)
            for h_index in range(1, households_per_grid + 1):
                surname = SURNAMES[(s_index * 7 + g_index * 3 + h_index) % len(SURNAMES)]
                given = GIVEN[(s_index + h_index * g_index) % len(GIVEN)]
                category = HouseholdCategory.MIGRANT if h_index % 4 == 0 else HouseholdCategory.LOCAL
                household, _ = Household.objects.get_or_create(
                    grid=grid,
                    name=f"{surname}{given}家",
                    defaults={"category": category, "address": f"{station.address[:4]}{g_index}组{h_index}号"},
                )
                households.append(household)
                username = f"resident-{s_index + 1}-{g_index}-{h_index}"
                phone = f"139{s_index + 1:02d}{g_index:02d}{h_index:04d}"
                residents.append(_user(username, f"{surname}{given}", phone, household, password))

    first_grid = grids[stations[0].pk][0]
    first_household = Household.objects.filter(grid=first_grid).order_by("id").first()
    second_household = Household.objects.filter(grid=first_grid).order_by("id")[1]
    users = {
        "demo-admin": _user("demo-admin", "陈主任", "13800000001", None, password, is_staff=True, is_superuser=True),
        "demo-staff": _user("demo-staff", "刘站长", "13800000002", None, password, is_staff=True),
        "demo-leader": _user("demo-leader", "王队长", "13800000003", second_household, password),
        "demo-volunteer": _user("demo-volunteer", "李志愿", "13800000004", second_household, password),
        "demo-resident": _user("demo-resident", "张奶奶", "13800000005", first_household, password),
        "demo-grid": _user("demo-grid", "赵网格", "13800000006", second_household, password),
    }
    residents.extend(users[name] for name in ("demo-leader", "demo-volunteer", "demo-resident", "demo-grid"))
    RoleAssignment.objects.get_or_create(user=users["demo-admin"], role=Role.CENTER_ADMIN, site=center)
    RoleAssignment.objects.get_or_create(user=users["demo-staff"], role=Role.STATION_STAFF, site=stations[0])
    RoleAssignment.objects.get_or_create(user=users["demo-grid"], role=Role.GRID_WORKER, grid=first_grid)
    return DemoTown(
        center=center,
        institute=institute,
        stations=stations,
        grids=grids,
        households=households,
        residents=residents,
        users=users,
        rng=rng,
    )
