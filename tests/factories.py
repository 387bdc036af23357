"""factory_boy factories for every model of practice_center, volunteers, activities and points.

Rows with a workflow or a hash chain are made through the services, walked to the status asked
for (`OrderFactory(status="rated")`, `HonourListFactory(status="final")`, `EntryFactory(...)`),
so they carry the events, audit rows, notifications and hashes a real one has. Rows written only
as a side effect of those services have no factory of their own: `OrderEvent` (OrderFactory),
`HonourEntry` (HonourListFactory), `Account` rows of entries (EntryFactory; AccountFactory for an
empty one), `ActivityEvent` (written by the activity workflow). The helpers `staff_of`,
`center_admin`, `resident_at` and `team_at` find or make the person a service needs at a site.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
import time_machine
from django.db import transaction
from django.utils import timezone
from factory.django import DjangoModelFactory

from activities.models import Activity, ActivityPhoto, Category, Enrollment, MenuItem, Order, Theme
from points.models import Account, Entry, HonourList, Objection, Product, Redemption, Rule, RuleVersion
from practice_center.models import (
    AuditEvent,
    Channel,
    Delivery,
    Grid,
    Household,
    HouseholdCategory,
    Notification,
    Role,
    RoleAssignment,
    Site,
    SiteLevel,
    User,
)
from practice_center.scoping import home_station
from volunteers.models import (
    RecordSource,
    RecordStatus,
    ServiceRecord,
    Team,
    TeamMembership,
    Volunteer,
    VolunteerStatus,
)

PASSWORD = "s3cret-pass-word"


class SiteFactory(DjangoModelFactory):
    """A station (no parent) named 实践站N; pass `level=` and `parent=` for the tree."""

    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"实践站{n}")
    level = SiteLevel.STATION
    address = "幸福路1号"


class GridFactory(DjangoModelFactory):
    """A grid of a new station."""

    class Meta:
        model = Grid

    station = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"第{n}网格")


class HouseholdFactory(DjangoModelFactory):
    """A local household in a new grid (its join code is drawn on save)."""

    class Meta:
        model = Household

    grid = factory.SubFactory(GridFactory)
    name = factory.Sequence(lambda n: f"王{n}家")
    category = HouseholdCategory.LOCAL


class UserFactory(DjangoModelFactory):
    """A person with a unique user name and phone, password PASSWORD, no household or role."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"张{n}")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RoleFactory(DjangoModelFactory):
    """A role assignment of a new person; pass `role=` and `site=` (or `grid=`)."""

    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)


class VolunteerFactory(DjangoModelFactory):
    """An approved volunteer of a new person at a new station, skilled in 文艺."""

    class Meta:
        model = Volunteer

    user = factory.SubFactory(UserFactory)
    site = factory.SubFactory(SiteFactory)
    real_name = factory.LazyAttribute(lambda o: o.user.name)
    skills = factory.LazyFunction(lambda: ["文艺"])
    status = VolunteerStatus.APPROVED


class TeamFactory(DjangoModelFactory):
    """An active team at a new station, without leader or members."""

    class Meta:
        model = Team

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"志愿服务队{n}")


class MembershipFactory(DjangoModelFactory):
    """A volunteer's membership of a team (both new unless given)."""

    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    volunteer = factory.SubFactory(VolunteerFactory)


class ServiceRecordFactory(DjangoModelFactory):
    """A record of `hours` (default 2) of service by a volunteer on 1 May 2026, entered by hand;
    verified unless `status=RecordStatus.PENDING` or `REJECTED` is passed."""

    class Meta:
        model = ServiceRecord

    volunteer = factory.SubFactory(VolunteerFactory)
    hours = Decimal("2")
    served_on = datetime.date(2026, 5, 1)
    source = RecordSource.MANUAL
    status = RecordStatus.VERIFIED


# ---- people at a site: the cast a service needs to act ---------------------------------------


def staff_of(site: Site) -> User:
    """A station-staff member of `site`: the first one assigned there, else a new one."""
    role = RoleAssignment.objects.filter(role=Role.STATION_STAFF, site=site).select_related("user").first()
    if role is not None:
        return role.user
    return RoleFactory(role=Role.STATION_STAFF, site=site).user


def center_admin() -> User:
    """A center admin: the first one there is, else a new one at a new center."""
    role = RoleAssignment.objects.filter(role=Role.CENTER_ADMIN).select_related("user").first()
    if role is not None:
        return role.user
    return RoleFactory(role=Role.CENTER_ADMIN, site=SiteFactory(level=SiteLevel.CENTER, name="实践中心")).user


def resident_at(station: Site, **user_fields) -> User:
    """A resident of a new household in a new grid of `station`."""
    return UserFactory(household=HouseholdFactory(grid=GridFactory(station=station)), **user_fields)


def team_at(site: Site) -> Team:
    """A team at `site` whose leader is an approved volunteer and its only member."""
    leader = VolunteerFactory(site=site)
    team = TeamFactory(site=site, leader=leader)
    MembershipFactory(team=team, volunteer=leader)
    return team


# ---- activities: menu and orders --------------------------------------------------------------


class CategoryFactory(DjangoModelFactory):
    """A service category; `code` reuses a seeded one (law, health, ...) if it exists."""

    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cat{n}")
    name_zh = factory.Sequence(lambda n: f"类别{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")


class MenuItemFactory(DjangoModelFactory):
    """A service on the menu of a station (on offer, in the seeded "law" category)."""

    class Meta:
        model = MenuItem

    site = factory.SubFactory(SiteFactory)
    category = factory.SubFactory(CategoryFactory, code="law")
    title = factory.Sequence(lambda n: f"法律咨询{n}")
    description = "遗产、赡养"


ORDER_STEPS = ("submitted", "dispatched", "accepted", "completed", "rated")


class OrderFactory(factory.Factory):
    """An order walked to `status` through the activities services, so every step left its
    `OrderEvent`, notifications and timestamps as a real one does.

    status: submitted (default), dispatched, accepted, completed, rated, cancelled, rejected.
    resident: who orders (default: a resident of a new station); menu_item: default a new item
        at the resident's station; team: who serves (default: a new team there, led by its
        only member); volunteers: who the leader names on accepting (default: the leader);
        staff: who dispatches or rejects (default: staff of the station).
    """

    class Meta:
        model = Order

    status = "submitted"
    resident = factory.LazyFunction(lambda: resident_at(SiteFactory()))
    menu_item = None
    team = None
    volunteers = None
    staff = None
    description = "帮忙写遗嘱"

    @classmethod
    def _create(cls, model_class, *, status, resident, menu_item, team, volunteers, staff, description):
        from activities import services

        station = home_station(resident)
        menu_item = menu_item or MenuItemFactory(site=station)
        staff = staff or staff_of(station)
        order = services.order_create(resident=resident, actor=resident, menu_item=menu_item, description=description)
        if status == "cancelled":
            return services.order_cancel(order=order, actor=resident, reason="不需要了")
        if status == "rejected":
            return services.order_reject(order=order, actor=staff, reason="超出服务范围")
        if status not in ORDER_STEPS:
            raise ValueError(f"OrderFactory cannot reach status {status!r}")
        team = team or team_at(station)
        leader = team.leader.user
        steps = ORDER_STEPS[1 : ORDER_STEPS.index(status) + 1]
        for step in steps:
            if step == "dispatched":
                order = services.order_dispatch(order=order, team=team, actor=staff)
            elif step == "accepted":
                chosen = [v.pk for v in volunteers] if volunteers else [team.leader_id]
                order = services.order_accept(order=order, volunteer_ids=chosen, actor=leader)
            elif step == "completed":
                order = services.order_complete(order=order, summary="已上门", hours="2", actor=leader)
            elif step == "rated":
                order = services.order_rate(order=order, stars=5, actor=resident, comment="很好")
        return order


class WishFactory(OrderFactory):
    """A public wish (微心愿) of a resident, submitted through `wish_create`; `status="accepted"`
    has it claimed by a team of the resident's station."""

    title = "想学智能手机"
    is_public = True

    @classmethod
    def _create(cls, model_class, *, status, resident, team, description, title, is_public, **_order_only):
        from activities import services

        wish = services.wish_create(
            resident=resident, actor=resident, title=title, description=description, is_public=is_public
        )
        if status == "submitted":
            return wish
        if status != "accepted":
            raise ValueError(f"WishFactory reaches submitted or accepted, not {status!r}")
        team = team or team_at(home_station(resident))
        return services.wish_claim(order=wish, team=team, actor=team.leader.user)


# ---- activities: scheduled activities (rows: their services are not on main yet; build them
# through the services once they are, as the orders above are) --------------------------------


class ThemeFactory(DjangoModelFactory):
    """A network-wide theme (学雷锋月) running through March 2027, in the default red."""

    class Meta:
        model = Theme

    name = factory.Sequence(lambda n: f"学雷锋月{n}")
    starts_on = datetime.date(2027, 3, 1)
    ends_on = datetime.date(2027, 3, 31)


class ActivityFactory(DjangoModelFactory):
    """A draft activity at a new station, 10:00–12:00 on 5 March 2027, 20 seats with a waiting
    list, open to the station's residents, in the seeded "law" category; pass `status=`."""

    class Meta:
        model = Activity

    site = factory.SubFactory(SiteFactory)
    title = factory.Sequence(lambda n: f"普法讲座{n}")
    category = factory.SubFactory(CategoryFactory, code="law")
    starts_at = datetime.datetime(2027, 3, 5, 2, 0, tzinfo=datetime.UTC)
    ends_at = datetime.datetime(2027, 3, 5, 4, 0, tzinfo=datetime.UTC)
    place = "文化礼堂"
    capacity = 20


class EnrollmentFactory(DjangoModelFactory):
    """A resident of the activity's station enrolled (holding a seat) in a new activity."""

    class Meta:
        model = Enrollment

    activity = factory.SubFactory(ActivityFactory)
    person = factory.LazyAttribute(lambda o: resident_at(o.activity.site))


class ActivityPhotoFactory(DjangoModelFactory):
    """A 10×10 JPEG photo of a new activity with a caption (uploads go to MEDIA_ROOT: point it at
    a temporary folder in the test)."""

    class Meta:
        model = ActivityPhoto

    activity = factory.SubFactory(ActivityFactory)
    image = factory.django.ImageField(filename="photo.jpg", format="JPEG", width=10, height=10)
    caption = "活动现场"


# ---- points: rules, ledger, shop, honours -----------------------------------------------------

RULE_START = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)


class RuleFactory(DjangoModelFactory):
    """A points rule staff may award everywhere, worth `points` (default 10) from 2024-01-01 in
    its version 1 (as the seeded rules are); no caps unless given."""

    class Meta:
        model = Rule
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"rule_{n}")
    name_zh = factory.Sequence(lambda n: f"规则{n}")
    name_en = factory.Sequence(lambda n: f"Rule {n}")
    awarded_by = factory.LazyFunction(lambda: [Role.STATION_STAFF, Role.CENTER_ADMIN])

    @factory.post_generation
    def points(obj, create, extracted, **kwargs):
        if create:
            RuleVersion.objects.create(rule=obj, number=1, points=extracted or 10, effective_from=RULE_START)


class RuleVersionFactory(factory.Factory):
    """A new version of a rule's points, made by the center admin through `rule_change_points`
    (effective now unless `effective_from` is given)."""

    class Meta:
        model = RuleVersion

    rule = factory.SubFactory(RuleFactory)
    points = 20
    effective_from = None
    note = "调整分值"
    actor = None

    @classmethod
    def _create(cls, model_class, *, rule, points, effective_from, note, actor):
        from points.services import catalogue

        return catalogue.rule_change_points(
            rule=rule, points=points, effective_from=effective_from, note=note, actor=actor or center_admin()
        )


class AccountFactory(factory.Factory):
    """The points account of a household (created empty by `account_for`)."""

    class Meta:
        model = Account

    household = factory.SubFactory(HouseholdFactory)

    @classmethod
    def _create(cls, model_class, *, household):
        from points.services import ledger

        return ledger.account_for(household)


class EntryFactory(factory.Factory):
    """A ledger entry appended through the points services (the ledger is hash-chained: never a
    raw row). Without `rule`: a staff adjustment of `amount` (default 10, may be negative) with
    `note` as the reason. With `rule` (a Rule or its code): an award of that rule ×`quantity` at
    `at` (default now), with `note` as the evidence; `by_system=True` makes it an automatic award
    (no actor: the rule must list "system"). `actor` defaults to staff of the station."""

    class Meta:
        model = Entry

    household = factory.SubFactory(HouseholdFactory)
    amount = 10
    rule = None
    quantity = 1
    at = None
    note = "测试入账"
    actor = None
    by_system = False

    @classmethod
    def _create(cls, model_class, *, household, amount, rule, quantity, at, note, actor, by_system):
        from points.services import awards, ledger

        actor = None if by_system else actor or staff_of(household.grid.station)
        if rule is None:
            return ledger.points_adjust(household=household, amount=amount, actor=actor, reason=note)
        return awards.points_award(household=household, rule=rule, actor=actor, quantity=quantity, note=note, at=at)


class ProductFactory(DjangoModelFactory):
    """Goods on offer in the points supermarket of a site: 10 points each, 5 in stock."""

    class Meta:
        model = Product

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"香皂{n}")
    price = 10
    stock = 5


class RedemptionFactory(factory.Factory):
    """A redemption made through `redemption_create` by a resident of the product's station, who
    is first given the points it costs; `status="fulfilled"` hands it over against its pickup
    code and `status="cancelled"` cancels it (points and stock come back), both by staff."""

    class Meta:
        model = Redemption

    product = factory.SubFactory(ProductFactory)
    user = None
    quantity = 1
    status = "reserved"

    @classmethod
    def _create(cls, model_class, *, product, user, quantity, status):
        from points.services import shop

        user = user or resident_at(product.site)
        staff = staff_of(product.site)
        EntryFactory(household=user.household, amount=product.price * quantity, actor=staff_of(home_station(user)))
        redemption = shop.redemption_create(user=user, product=product, quantity=quantity)
        if status == "fulfilled":
            return shop.redemption_fulfil(redemption=redemption, actor=staff, pickup_code=redemption.pickup_code)
        if status == "cancelled":
            return shop.redemption_cancel(redemption=redemption, actor=staff, reason="不要了")
        if status != "reserved":
            raise ValueError(f"RedemptionFactory cannot reach status {status!r}")
        return redemption


def _last_year() -> int:
    return timezone.localdate().year - 1


class HonourListFactory(factory.Factory):
    """An honours list of last year walked to `status` through the honours services.

    status: frozen (default), notice, final (published, then made final once the notice is
        over: the clock is moved past it for that step), withdrawn (from frozen).
    site: the station ranked (default: a new one with one household awarded 10 points last
        year); actor: who acts (default: staff of the site).
    """

    class Meta:
        model = HonourList

    status = "frozen"
    site = None
    year = factory.LazyFunction(_last_year)
    kind = "civilized_household"
    category = ""
    size = 10
    actor = None

    @classmethod
    def _create(cls, model_class, *, status, site, year, kind, category, size, actor):
        from points.services import honours as hs

        if site is None:
            site = SiteFactory()
            household = HouseholdFactory(grid=GridFactory(station=site))
            when = timezone.make_aware(datetime.datetime(year, 6, 15, 12, 0))
            EntryFactory(household=household, rule="public_welfare", note="扶老助残", at=when)
        actor = actor or staff_of(site)
        honour_list = hs.honour_list_freeze(site=site, year=year, kind=kind, category=category, size=size, actor=actor)
        if status == "withdrawn":
            return hs.honour_list_withdraw(honour_list=honour_list, actor=actor, reason="重新评定")
        if status == "frozen":
            return honour_list
        honour_list = hs.honour_list_publish(honour_list=honour_list, actor=actor)
        if status == "notice":
            return honour_list
        if status != "final":
            raise ValueError(f"HonourListFactory cannot reach status {status!r}")
        after_notice = timezone.make_aware(
            datetime.datetime.combine(honour_list.notice_ends_on + datetime.timedelta(days=1), datetime.time(10))
        )
        with time_machine.travel(after_notice, tick=False):
            return hs.honour_list_finalise(honour_list=honour_list, actor=actor)


class ObjectionFactory(factory.Factory):
    """An objection filed through `objection_file` by a resident of the list's station while the
    list is in notice (default: a new list in notice); with `decision` ("dismissed" or
    "upheld") staff answer it through `objection_answer`."""

    class Meta:
        model = Objection

    honour_list = factory.SubFactory(HonourListFactory, status="notice")
    author = None
    text = "积分有误"
    decision = ""
    answer = "已核实"

    @classmethod
    def _create(cls, model_class, *, honour_list, author, text, decision, answer):
        from points.services import honours as hs

        author = author or resident_at(honour_list.site)
        objection = hs.objection_file(honour_list=honour_list, author=author, text=text)
        if not decision:
            return objection
        return hs.objection_answer(
            objection=objection, actor=staff_of(honour_list.site), answer=answer, decision=decision
        )


# ---- notifications and the audit trail -------------------------------------------------------


class NotificationFactory(factory.Factory):
    """An inbox notification of the built-in "message" kind, written through `notify` (in a
    transaction, as a service does) for `recipient`."""

    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"通知{n}")
    body = "请查收"
    url = ""

    @classmethod
    def _create(cls, model_class, *, recipient, title, body, url):
        from practice_center.notifications import notify

        with transaction.atomic():
            (notification,) = notify(
                recipients=[recipient], kind="message", data={"title": title, "body": body}, url=url
            )
        return notification


class DeliveryFactory(DjangoModelFactory):
    """An outbox row: a notification waiting to go out by SMS (pending, due now)."""

    class Meta:
        model = Delivery

    notification = factory.SubFactory(NotificationFactory)
    channel = Channel.SMS


class AuditEventFactory(factory.Factory):
    """An audit row written through `audit_record`: `actor` did `action` to `obj` (default: a
    household renamed by staff of its station)."""

    class Meta:
        model = AuditEvent

    obj = factory.SubFactory(HouseholdFactory)
    action = "household.update"
    actor = None
    changes = factory.LazyFunction(lambda: {"name": ["旧名", "新名"]})

    @classmethod
    def _create(cls, model_class, *, obj, action, actor, changes):
        from practice_center.audit import audit_record

        site = getattr(obj, "site", None) or (obj.grid.station if hasattr(obj, "grid") else None)
        with transaction.atomic():
            return audit_record(actor=actor or staff_of(site), action=action, obj=obj, site=site, changes=changes)
