"""Pages of the menu and orders: residents order and rate, staff dispatch, leaders accept.

Views parse, call one service or selector, and respond; wrong state → a message, wrong person
→ 403, invisible → 404, bad input → form errors. Every page works without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activities import permissions, selectors, services
from activities.forms import DecisionForm, MenuItemForm, OrderForm, WishForm
from activities.models import Category, MenuItem, Order, OrderStatus
from practice_center.models import Household, Site, User
from practice_center.pages import run_service, staff_required
from practice_center.permissions import may_see_phone
from practice_center.scoping import scope
from practice_center.text import int_param, mask_name
from volunteers.models import Team, TeamMembership, VolunteerStatus

PAGE_SIZE = 30
STEPS: list[str] = [
    OrderStatus.SUBMITTED,
    OrderStatus.DISPATCHED,
    OrderStatus.ACCEPTED,
    OrderStatus.COMPLETED,
    OrderStatus.RATED,
]


def _grid_residents(user):
    """Residents a grid worker may order for, or None if the person works no grid."""
    if not scope(user).grid_roles:
        return None
    households = Household.objects.worked_by(user)
    return User.objects.filter(household__in=households, is_active=True).order_by("name", "username")


# ---- resident: menu, ordering, my orders ----------------------------------------------------------


@login_required
def menu(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category", "")
    q = request.GET.get("q", "")[:100]
    items = list(selectors.menu_for(request.user, category=category, q=q).filter(is_active=True)[:200])
    return render(
        request,
        "activities/menu.html",
        {"items": items, "categories": list(Category.objects.all()), "category": category, "q": q},
    )


@login_required
def menu_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        MenuItem.objects.visible_to(request.user).select_related("site", "category", "team"), pk=pk
    )
    return render(request, "activities/menu_item.html", {"item": item})


@login_required
def order_new(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(MenuItem.objects.visible_to(request.user).select_related("site", "category"), pk=pk)
    residents = _grid_residents(request.user)
    form = OrderForm(request.POST or None, residents=residents)
    if request.method == "POST" and form.is_valid():
        order = run_service(
            request,
            form,
            services.order_create,
            resident=form.cleaned_data.get("resident") or request.user,
            actor=request.user,
            menu_item=item,
            description=form.cleaned_data["description"],
            preferred_time=form.cleaned_data["preferred_time"],
            address=form.cleaned_data["address"],
        )
        if order is not None:
            messages.success(request, _("Your order is placed. Staff will dispatch it to a team."))
            return redirect("activities:order_detail", pk=order.pk)
    return render(request, "activities/order_form.html", {"item": item, "form": form})


@login_required
def wish_new(request: HttpRequest) -> HttpResponse:
    residents = _grid_residents(request.user)
    form = WishForm(request.POST or None, residents=residents, initial={"is_public": True})
    if request.method == "POST" and form.is_valid():
        order = run_service(
            request,
            form,
            services.wish_create,
            resident=form.cleaned_data.get("resident") or request.user,
            actor=request.user,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            is_public=form.cleaned_data["is_public"],
        )
        if order is not None:
            messages.success(request, _("Your wish is posted."))
            return redirect("activities:order_detail", pk=order.pk)
    return render(request, "activities/wish_form.html", {"form": form})


@login_required
def my_orders(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.my_orders(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "activities/my_orders.html", {"page": page, "orders": list(page.object_list)})


@login_required
def wishes(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.wish_wall(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    wall = list(page.object_list)
    my_teams = list(Team.objects.led_by(request.user).select_related("site"))
    for wish in wall:
        wish.masked_name = mask_name(wish.resident.display_name)  # type: ignore[attr-defined]
        wish.claim_teams = permissions.claim_teams(request.user, wish, my_teams)  # type: ignore[attr-defined]
    return render(request, "activities/wishes.html", {"page": page, "wishes": wall})


@login_required
@require_POST
def wish_claim(request: HttpRequest, pk: int) -> HttpResponse:
    wish = get_object_or_404(selectors.wish_wall(request.user), pk=pk)
    team_pk = int_param(request.POST.get("team", ""))
    team = Team.objects.filter(pk=team_pk).select_related("site").first() if team_pk else None
    if team is None:
        messages.error(request, _("Choose the team that claims the wish."))
        return redirect("activities:wishes")
    if run_service(request, None, services.wish_claim, order=wish, team=team, actor=request.user) is None:
        return redirect("activities:wishes")
    messages.success(request, _("Your team claimed the wish."))
    return redirect("activities:order_detail", pk=wish.pk)


# ---- the order page and its buttons ----------------------------------------------------------------


def _order_for(user, pk: int) -> Order:
    return get_object_or_404(
        Order.objects.visible_to(user).select_related(
            "site", "category", "menu_item", "resident", "placed_by", "team__leader__user"
        ),
        pk=pk,
    )


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The order, its timeline, and exactly the buttons `permissions.actions_for` allows."""
    order = _order_for(request.user, pk)
    actions = permissions.actions_for(request.user, order)
    ctx = {
        "order": order,
        "actions": actions,
        "show_history": permissions.may_see_history(request.user, order),
        "events": list(selectors.events_of(order)),
        "volunteers": list(order.volunteers.all()),
        "steps": _steps(order),
        "star_choices": [1, 2, 3, 4, 5],
        "contacts": _contacts(request.user, order),
    }
    if "dispatch" in actions:
        ctx["suggestions"] = selectors.suggested_teams(order)
    if "accept" in actions:
        ctx["members"] = [
            m.volunteer
            for m in TeamMembership.objects.filter(
                team_id=order.team_id or 0, volunteer__status=VolunteerStatus.APPROVED
            ).select_related("volunteer")
        ]
    if "claim" in actions:
        ctx["claim_teams"] = permissions.claim_teams(request.user, order)
    return render(request, "activities/order_detail.html", ctx)


def _contacts(viewer, order: Order) -> list[dict]:
    """The phones the viewer may call about this order (one predicate decides: the resident's
    for the team and staff, the leader's for the resident, from acceptance to a week after)."""
    people = [(_("Resident"), order.resident)]
    team = order.team
    if team is not None and team.leader is not None:
        people.append((_("Team leader"), team.leader.user))
    contacts = []
    for role, person in people:
        if person is not None and person.pk != viewer.pk and person.phone and may_see_phone(viewer, person):
            contacts.append({"role": role, "name": person.display_name, "phone": person.phone})
    return contacts


def _steps(order: Order) -> list[dict]:
    """The resident's timeline: each step of the happy path, done or still to come."""
    if order.status in (OrderStatus.CANCELLED, OrderStatus.REJECTED):
        return []
    reached = STEPS.index(order.status)
    times = [order.created_at, order.dispatched_at, order.accepted_at, order.completed_at, order.rated_at]
    return [
        {
            "status": status,
            "label": OrderStatus(status).label,
            "done": i <= reached,
            "at": times[i] if i <= reached else None,
        }
        for i, status in enumerate(STEPS)
    ]


def _dispatch(*, order: Order, data: dict, actor) -> str:
    team = Team.objects.filter(pk=data.get("team") or 0).first()
    if team is None:
        raise ValidationError({"team": _("Choose a team.")})
    services.order_dispatch(order=order, team=team, actor=actor, note=data.get("note") or "")
    return _("Dispatched to %(team)s.") % {"team": team.name}


def _accept(*, order: Order, data: dict, actor) -> str:
    services.order_accept(order=order, volunteer_ids=data["volunteer_ids"], actor=actor)
    return _("You accepted the order.")


def _decline(*, order: Order, data: dict, actor) -> str:
    services.order_decline(order=order, reason=data.get("reason") or "", actor=actor)
    return _("You declined the order; staff will dispatch it again.")


def _complete(*, order: Order, data: dict, actor) -> str:
    services.order_complete(order=order, summary=data.get("summary") or "", hours=data.get("hours"), actor=actor)
    return _("The order is completed.")


def _rate(*, order: Order, data: dict, actor) -> str:
    services.order_rate(order=order, stars=data.get("stars"), comment=data.get("comment") or "", actor=actor)
    return _("Thank you for your rating.")


def _cancel(*, order: Order, data: dict, actor) -> str:
    services.order_cancel(order=order, reason=data.get("reason") or "", actor=actor)
    return _("The order is cancelled.")


def _reject(*, order: Order, data: dict, actor) -> str:
    services.order_reject(order=order, reason=data.get("reason") or "", actor=actor)
    return _("The order is turned down.")


# The buttons of the order page: each posts to one step, which calls one service.
ORDER_STEPS = {
    "dispatch": _dispatch,
    "accept": _accept,
    "decline": _decline,
    "complete": _complete,
    "rate": _rate,
    "cancel": _cancel,
    "reject": _reject,
}


@login_required
@require_POST
def order_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    order = _order_for(request.user, pk)
    step = ORDER_STEPS.get(action)
    if step is None:
        raise PermissionDenied()
    form = DecisionForm(request.POST)
    form.is_valid()
    data = dict(form.cleaned_data)
    data["volunteer_ids"] = [int_param(v) for v in request.POST.getlist("volunteers") if int_param(v)]
    done = run_service(request, None, step, order=order, data=data, actor=request.user)
    if done is not None:
        messages.success(request, done)
        if action == "decline":
            # The team no longer holds the order, so its leader no longer sees it.
            return redirect("activities:team_orders")
    return redirect("activities:order_detail", pk=order.pk)


# ---- staff: the dispatch queue and the menu ----------------------------------------------------------


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """The dispatch queue of the staff member's subtree (`?status=`, `?category=`, `?site=`)."""
    status = request.GET.get("status", "")
    category = request.GET.get("category", "")
    site = int_param(request.GET.get("site", ""))
    orders = selectors.staff_queue(request.user, status=status, category=category, site=site)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    stations = list(_managed_sites(request.user).filter(level="station"))
    return render(
        request,
        "activities/queue.html",
        {
            "page": page,
            "orders": list(page.object_list),
            "statuses": OrderStatus.choices,
            "categories": list(Category.objects.all()),
            "stations": stations,
            "status": status,
            "category": category,
            "site": site,
        },
    )


@login_required
def team_orders(request: HttpRequest) -> HttpResponse:
    """What the teams the person leads have to accept, decline or complete."""
    if not scope(request.user).team_ids_led:
        raise PermissionDenied(_("This page is for team leaders."))
    orders = list(selectors.team_orders(request.user)[:200])
    return render(request, "activities/team_orders.html", {"orders": orders})


def _managed_sites(user):
    """Active sites in the subtrees the person manages (everything for a superuser)."""
    return Site.objects.managed_by(user).filter(is_active=True)


@staff_required
def menu_manage(request: HttpRequest) -> HttpResponse:
    """Every menu item of the staff member's subtree, to edit."""
    items = MenuItem.objects.managed_by(request.user).select_related("site", "category", "team")
    page = Paginator(items.order_by("site__path", "category__sort_order", "title"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "activities/menu_manage.html", {"page": page, "items": list(page.object_list)})


@staff_required
def menu_item_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add a menu item (no pk) or edit one of the staff member's subtree."""
    item = None
    if pk is not None:
        item = get_object_or_404(MenuItem.objects.managed_by(request.user).select_related("site"), pk=pk)
    sites = _managed_sites(request.user)
    teams = Team.objects.managed_by(request.user).filter(is_active=True)
    form = MenuItemForm(request.POST or None, instance=item, sites=sites, teams=teams)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            k: data[k] for k in ("category", "title", "description", "suits", "duration_minutes", "team", "is_active")
        }
        if item is None:
            saved = run_service(
                request, form, services.menu_item_create, site=data["site"], actor=request.user, **fields
            )
        else:
            saved = run_service(request, form, services.menu_item_update, item=item, actor=request.user, **fields)
        if saved is not None:
            messages.success(request, _("The menu is saved."))
            return redirect(reverse("activities:menu_manage"))
    return render(request, "activities/menu_item_form.html", {"form": form, "item": item})
