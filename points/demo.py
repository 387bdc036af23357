"""Demo points: the standard rules, a shop at every station, a year of history per household
(made through the services, across a rule edit), and two goods reserved by demo-resident.

Idempotent: rules and products by natural key; a household's history only if its account is
empty; demo-resident's reservations only if the household has none.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from importlib import import_module

from django.apps import apps as django_apps
from django.utils import timezone

from points.exceptions import PointsError
from points.models import Entry, Product, Redemption, Rule, RuleVersion
from points.services.awards import points_award
from points.services.shop import redemption_cancel, redemption_create, redemption_fulfil
from practice_center.demo import DemoTown
from practice_center.selectors import staff_of

# name, description, price, stock
STATION_GOODS = [
    ("香皂", "家用香皂一块", 10, 80),
    ("毛巾", "纯棉毛巾一条", 15, 60),
    ("洗衣液", "洗衣液 1 kg 一瓶", 25, 40),
    ("食用油", "花生油 1.8 L 一桶", 60, 20),
    ("大米", "东北大米 5 kg 一袋", 80, 15),
]
INSTITUTE_GOODS = [("保温杯", "不锈钢保温杯一只", 40, 30)]

# rule code, how often it happens (weight), hours range for service_hour
HISTORY = [("attend_activity", 5), ("service_hour", 4), ("cleanup", 3), ("good_deed", 3), ("public_welfare", 2)]
NOTES = {
    "attend_activity": ["道德讲堂", "广场舞培训", "防诈骗讲座", "中秋晚会", "健康义诊"],
    "service_hour": ["陪老人就医", "上门理发", "辅导功课", "关爱留守儿童", "助农采摘"],
    "cleanup": ["村道清扫", "河道保洁", "垃圾分类督导", "庭院整治"],
    "good_deed": ["拾金不昧", "帮邻居修水管", "救助走失老人"],
    "public_welfare": ["无偿献血", "捐赠图书", "爱心助学"],
    "old_customs": ["婚事新办", "丧事简办"],
}


def _ensure_rules() -> None:
    # The same rows migration 0003 seeds (a flushed database, e.g. after transactional tests).
    import_module("points.migrations.0003_seed_rules").seed(django_apps, None)


def _ensure_rule_edit(now: datetime.datetime) -> None:
    """service_hour was raised from 5 to 6 points four months ago (entries before keep 5)."""
    rule = Rule.objects.get(code="service_hour")
    if not rule.versions.filter(number=2).exists() and not Entry.objects.filter(rule=rule).exists():
        RuleVersion.objects.create(
            rule=rule, number=2, points=6, effective_from=now - datetime.timedelta(days=120), note="提高志愿服务积分"
        )


def _products(town: DemoTown) -> list[Product]:
    goods = []
    for station in town.stations:
        for name, description, price, stock in STATION_GOODS:
            product, _ = Product.objects.get_or_create(
                site=station, name=name, defaults={"description": description, "price": price, "stock": stock}
            )
            goods.append(product)
    for name, description, price, stock in INSTITUTE_GOODS:
        product, _ = Product.objects.get_or_create(
            site=town.institute, name=name, defaults={"description": description, "price": price, "stock": stock}
        )
        goods.append(product)
    return goods


def _history(town: DemoTown, household, actor, now: datetime.datetime) -> None:
    rng = town.rng
    codes = [code for code, weight in HISTORY for _ in range(weight)]
    moments = sorted(
        now - datetime.timedelta(days=rng.uniform(1, 365), hours=rng.uniform(0, 8)) for _ in range(rng.randint(6, 24))
    )
    for moment in moments:
        code = rng.choice(codes)
        try:
            points_award(
                household=household,
                rule=code,
                actor=actor,
                quantity=rng.choice([Decimal(1), Decimal("1.5"), Decimal(2), Decimal(3)])
                if code == "service_hour"
                else 1,
                note=rng.choice(NOTES[code]),
                at=moment,
            )
        except PointsError:  # a cap of that day or month: the town's history simply has less
            continue


def seed(town: DemoTown) -> None:
    now = timezone.now()
    _ensure_rules()
    _ensure_rule_edit(now)
    _products(town)
    admin = town.users["demo-admin"]
    for household in town.households:
        if Entry.objects.filter(account__household=household).exists():
            continue
        station = household.grid.station
        actor = staff_of(station, include_above=False).order_by("pk").first() or admin
        _history(town, household, actor, now)
        if town.rng.random() < 0.08:
            points_award(
                household=household, rule="old_customs", actor=actor, note=town.rng.choice(NOTES["old_customs"])
            )
    # A few households were named good persons by the center.
    for household in town.households[3::17]:
        if not Entry.objects.filter(account__household=household, rule__code="named_good_person").exists():
            points_award(household=household, rule="named_good_person", actor=admin, note="获评镇级身边好人")

    resident = town.users["demo-resident"]
    resident_household = resident.household
    if resident_household is not None and not Redemption.objects.filter(household=resident_household).exists():
        station_goods = Product.objects.filter(site=town.station).order_by("price")
        soap, towel = station_goods[0], station_goods[1]
        staff = town.users["demo-staff"]
        for product in (soap, towel):
            try:
                redemption_create(user=resident, product=product, quantity=1)
            except PointsError:
                points_award(household=resident_household, rule="public_welfare", actor=staff, note="捐赠图书")
                redemption_create(user=resident, product=product, quantity=1)
        # and some history: one handed over, one cancelled
        try:
            done = redemption_create(user=resident, product=soap, quantity=1)
            redemption_fulfil(redemption=done, actor=staff, pickup_code=done.pickup_code)
            cancelled = redemption_create(user=resident, product=soap, quantity=1)
            redemption_cancel(redemption=cancelled, actor=resident, reason="暂时不需要")
        except PointsError:
            pass
