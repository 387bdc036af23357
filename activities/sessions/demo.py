"""Demo scheduled activities: two themes (学雷锋月 in March, 我们的节日·重阳) and one for this
month, and about a month of activities at every station and the center: some full with a
waiting list, some past with attendance, summaries and photos, one draft, one cancelled.

Idempotent: themes are found by name, activities by site + title; an activity that exists is
left as it is (with its sign-ups), so a second run changes nothing.
"""

from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from activities.models import Activity, ActivityStatus, Category, Enrollment, EnrollmentStatus, OpenTo, Theme
from activities.sessions import services
from practice_center.demo import DemoTown

# days from today, hour, hours long, category code, title, capacity, kind, description
PLAN = [
    (-12, 9, 2, "theory", "道德讲堂：好家风好家训", 40, "past", "邀请身边好人讲述家风故事，诵读家训。"),
    (-5, 14, 2, "health", "义诊进村：量血压测血糖", 30, "past", "志愿医生为老人义诊，讲解慢性病用药。"),
    (1, 19, 2, "culture", "广场舞培训", None, "open", "文艺志愿者教跳新编广场舞，欢迎所有居民。"),
    (2, 9, 2, "science", "智能手机使用课堂", 5, "full", "手把手教老人用微信视频、扫码、网上挂号。"),
    (4, 9, 3, "ecology", "环境卫生大扫除", 20, "open", "清理房前屋后，共建美丽村庄。"),
    (6, 15, 2, "law", "法律明白人讲座：赡养与继承", 30, "open", "志愿律师讲解赡养义务、遗嘱与继承。"),
    (3, 19, 2, "culture", "露天电影放映", 60, "cancelled", "放映红色经典电影。"),
    (13, 9, 2, "theory", "理论宣讲：新时代文明实践", 50, "open", "宣讲团讲解新时代文明实践的意义。"),
    (20, 9, 2, "elderly_care", "助老理发日", 12, "draft", "志愿者为80岁以上老人义务理发。"),
]
CENTER_PLAN = (10, 9, 4, "culture", "文明实践志愿服务集市", 200, "open", "各站志愿服务队集中展示、现场服务。")
SUMMARY = "共{n}人参加。活动气氛热烈，居民纷纷表示受益匪浅，希望多办此类活动。"
COLOURS = [(200, 16, 46), (0, 102, 153), (40, 140, 70), (230, 140, 20)]


def _themes(today: datetime.date) -> dict[str, Theme]:
    year = today.year
    month_start = today.replace(day=1)
    month_end = (month_start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    wanted = [
        (
            "学雷锋月",
            "#C8102E",
            datetime.date(year, 3, 1),
            datetime.date(year, 3, 31),
            "学习雷锋好榜样，志愿服务在身边。",
        ),
        (
            "我们的节日·重阳",
            "#E07B00",
            datetime.date(year, 10, 10),
            datetime.date(year, 10, 31),
            "敬老爱老，重阳节系列活动。",
        ),
        ("冬日暖心月", "#1A5FB4", month_start, month_end, "入冬送温暖，关爱困难群众和独居老人。"),
    ]
    themes = {}
    for name, colour, start, end, description in wanted:
        theme = Theme.objects.filter(name=name, site__isnull=True).first()
        if theme is None:
            theme = Theme.objects.create(
                name=name, colour=colour, starts_on=start, ends_on=end, description=description
            )
        themes[name] = theme
    return themes


def _photo(index: int) -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1600, 1200), COLOURS[index % len(COLOURS)])
    draw = ImageDraw.Draw(image)
    for step in range(6):
        draw.ellipse((150 + step * 200, 400, 350 + step * 200, 800), fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile(f"demo-{index}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _residents(town: DemoTown, station) -> list:
    return [
        u
        for u in town.residents
        if u.household and u.household.grid.station_id == station.pk and not u.username.startswith("demo-")
    ]


def _make(town: DemoTown, site, row, *, index: int, theme, team, people, admin) -> None:
    days, hour, hours, code, title, capacity, kind, description = row
    if Activity.objects.filter(site=site, title=title).exists():
        return
    now = timezone.localtime()
    start = (now + datetime.timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
    end = start + datetime.timedelta(hours=hours)
    room = site.rooms[index % len(site.rooms)] if isinstance(site.rooms, list) and site.rooms else site.name
    fields = {
        "site": site,
        "title": title,
        "category": Category.objects.filter(code=code).first() or Category.objects.first(),
        "description": description,
        "starts_at": start,
        "ends_at": end,
        "place": room,
        "capacity": capacity,
        "open_to": OpenTo.ALL if site.level == "center" else OpenTo.STATION,
        "theme": theme if theme and theme.starts_on <= start.date() <= theme.ends_on else None,
        "team": team if code in ("ecology", "elderly_care", "health", "science") else None,
    }
    if kind == "past":
        # Held already: written directly as published with sign-ups, then checked in and
        # finished through the services (audit rows, points, the team's service records).
        activity = Activity.objects.create(
            status=ActivityStatus.PUBLISHED, created_by=admin, published_at=start - datetime.timedelta(days=7), **fields
        )
        attending = people[: max(3, len(people) - 2)]
        for person in people:
            Enrollment.objects.create(activity=activity, person=person, status=EnrollmentStatus.ENROLLED)
        for person in attending:
            services.check_in_by_staff(activity=activity, person=person, actor=admin)
        services.activity_finish(activity=activity, actor=admin)
        services.activity_summarise(activity=activity, actor=admin, summary=SUMMARY.format(n=len(attending)))
        if index < 2:
            services.photo_add(activity=activity, actor=admin, upload=_photo(index), caption=f"{title} 现场")
        return
    activity = services.activity_create(actor=admin, **fields)
    if kind == "draft":
        return
    services.activity_publish(activity=activity, actor=admin)
    # The last person (the demo resident at the first station) signs up last: on the full
    # class's waiting list, enrolled in the others.
    signers = list(dict.fromkeys([*people[: 7 if kind == "full" else 3], *people[-1:]]))
    for person in signers:
        services.enrollment_create(activity=activity, person=person, actor=person)
    if kind == "cancelled":
        services.activity_cancel(activity=activity, actor=admin, reason="天气预报有大雨，活动改期，请留意通知。")


def seed(town: DemoTown) -> None:
    """Add themes and a month of activities to the demo town (see the module docstring)."""
    admin = town.users["demo-admin"]
    themes = _themes(timezone.localdate())
    this_month = themes["冬日暖心月"]
    for s_index, station in enumerate(town.stations):
        people = _residents(town, station)
        if s_index == 0:
            # The demo resident signs up last, so lands on the full class's waiting list.
            people = [*people, town.users["demo-resident"]]
        team = next((t for t in town.teams if t.site_id == station.pk), None)
        for index, row in enumerate(PLAN):
            _make(town, station, row, index=index, theme=this_month, team=team, people=people, admin=admin)
    _make(
        town,
        town.center,
        CENTER_PLAN,
        index=0,
        theme=this_month,
        team=None,
        people=[u for u in town.residents if u.household][:12],
        admin=admin,
    )
