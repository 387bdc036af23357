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

from activities import selectors, services
from activities.forms import DecisionForm, MenuItemForm, OrderForm, WishForm
from activities.models import Category, MenuItem, Order, OrderStatus
from practice_center.exceptions import DomainError, NotAllowed
from practice_center.models import Site, User
from practice_center.scoping import scope
from practice_center.text import int_param
from volunteers.models import Team, TeamMembership, VolunteerStatus

PAGE_SIZE = 30
STEPS = [OrderStatus.SUBMITTED, OrderStatus.DISPATCHED, OrderStatus.ACCEPTED, OrderStatus.COMPLETED, OrderStatus.RATED]


def _errors_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(str(m) for messages_ in exc.message_dict.values() for m in messages_)
    return " ".join(str(m) for m in exc.messages)


def _grid_residents(user):
    """Residents a grid worker may order for, or None if the person works no grid."""
    grid_ids = scope(user).grid_ids
    if not grid_ids:
        return None
    return User.objects.filter(household__grid_id__in=grid_ids, is_active=True).order_by("name", "username")


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
        resident = form.cleaned_data.get("resident") or request.user
        try:
            order = services.order_create(
                resident=resident,
                actor=request.user,
                menu_item=item,
                description=form.cleaned_data["description"],
                preferred_time=form.cleaned_data["preferred_time"],
                address=form.cleaned_data["address"],
            )
        except ValidationError as exc:
            form.add_error(None, _errors_text(exc))
        except (DomainError, NotAllowed) as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Your order is placed. Staff will dispatch it to a team."))
            return redirect("activities:order_detail", pk=order.pk)
    return render(request, "activities/order_form.html", {"item": item, "form": form})


@login_required
def wish_new(request: HttpRequest) -> HttpResponse:
    residents = _grid_residents(request.user)
    form = WishForm(request.POST or None, residents=residents, initial={"is_public": True})
    if request.method == "POST" and form.is_valid():
        resident = form.cleaned_data.get("resident") or request.user
        try:
            order = services.wish_create(
                resident=resident,
                actor=request.user,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                is_public=form.cleaned_data["is_public"],
            )
        except ValidationError as exc:
            form.add_error(None, _errors_text(exc))
        except (DomainError, NotAllowed) as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Your wish is posted."))
            return redirect("activities:order_detail", pk=order.pk)
    return render(request, "activities/wish_form.html", {"form": form})


@login_required
def my_orders(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.my_orders(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "activities/my_orders.html", {"page": page, "orders": list(page.object_list)})


@login_required
def wishes(request: HttpRequest) -> HttpResponse:
    from practice_center.text import mask_name

    page = Paginator(selectors.wish_wall(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    wall = list(page.object_list)
    for wish in wall:
        wish.masked_name = mask_name(wish.resident.display_name)
    sc = scope(request.user)
    my_teams = list(Team.objects.filter(pk__in=sc.team_ids_led).select_related("site")) if sc.team_ids_led else []
    for wish in wall:
        wish.claim_teams = [
            t for t in my_teams if t.site.path.startswith(wish.site.path) or wish.site.path.startswith(t.site.path)
        ]
    return render(request, "activities/wishes.html", {"page": page, "wishes": wall})


@login_required
@require_POST
def wish_claim(request: HttpRequest, pk: int) -> HttpResponse:
    wish = get_object_or_404(selectors.wish_wall(request.user), pk=pk)
    team_id = request.POST.get("team", "")
    team = Team.objects.filter(pk=int_param(team_id)).first() if int_param(team_id) else None
    if team is None:
        messages.error(request, _("Choose the team that claims the wish."))
        return redirect("activities:wishes")
    try:
        services.wish_claim(order=wish, team=team, actor=request.user)
    except NotAllowed as exc:
        raise PermissionDenied(str(exc.message))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("activities:wishes")
    messages.success(request, _("Your team claimed the wish."))
    return redirect("activities:order_detail", pk=wish.pk)


# ---- the order page and its buttons ----------------------------------------------------------------


def _order_for(user, pk: int) -> Order:
    return get_object_or_404(
        Order.objects.visible_to(user).select_related(
            "site", "category", "menu_item", "resident", "placed_by", "team__leader"
        ),
        pk=pk,
    )


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_for(request.user, pk)
    sc = scope(request.user)
    is_staff = sc.manages_site(order.site)
    is_leader = sc.leads_team(order.team_id)
    is_owner = request.user.pk in (order.resident_id, order.placed_by_id)
    actions = services.allowed_actions(order.status)
    ctx = {
        "order": order,
        "events": list(selectors.events_of(order)),
        "volunteers": list(order.volunteers.all()),
        "is_staff": is_staff,
        "is_leader": is_leader,
        "is_owner": is_owner,
        "can_dispatch": is_staff and "dispatch" in actions,
        "can_reject": is_staff and "reject" in actions,
        "can_cancel": (is_staff or is_owner) and "cancel" in actions,
        "can_accept": is_leader and "accept" in actions,
        "can_complete": (is_leader or is_staff) and "complete" in actions,
        "can_rate": is_owner and "rate" in actions,
        "steps": _steps(order),
        "star_choices": [1, 2, 3, 4, 5],
    }
    if ctx["can_dispatch"]:
        ctx["suggestions"] = selectors.suggested_teams(order)
    if ctx["can_accept"]:
        ctx["members"] = [
            m.volunteer
            for m in TeamMembership.objects.filter(
                team_id=order.team_id, volunteer__status=VolunteerStatus.APPROVED
            ).select_related("volunteer")
        ]
    return render(request, "activities/order_detail.html", ctx)


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


@login_required
@require_POST
def order_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    order = _order_for(request.user, pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    data = dict(form.cleaned_data)
    user = request.user
    try:
        if action == "dispatch":
            team = Team.objects.filter(pk=data.get("team") or 0).first()
            if team is None:
                raise ValidationError({"team": _("Choose a team.")})
            services.order_dispatch(order=order, team=team, actor=user, note=data.get("note") or "")
            done = _("Dispatched to %(team)s.") % {"team": team.name}
        elif action == "accept":
            ids = [int_param(v) for v in request.POST.getlist("volunteers") if int_param(v)]
            services.order_accept(order=order, volunteer_ids=ids, actor=user)
            done = _("You accepted the order.")
        elif action == "decline":
            services.order_decline(order=order, reason=data.get("reason") or "", actor=user)
            done = _("You declined the order; staff will dispatch it again.")
        elif action == "complete":
            services.order_complete(order=order, summary=data.get("summary") or "", hours=data.get("hours"), actor=user)
            done = _("The order is completed.")
        elif action == "rate":
            services.order_rate(order=order, stars=data.get("stars"), comment=data.get("comment") or "", actor=user)
            done = _("Thank you for your rating.")
        elif action == "cancel":
            services.order_cancel(order=order, reason=data.get("reason") or "", actor=user)
            done = _("The order is cancelled.")
        elif action == "reject":
            services.order_reject(order=order, reason=data.get("reason") or "", actor=user)
            done = _("The order is turned down.")
        else:
            raise PermissionDenied()
    except NotAllowed as exc:
        raise PermissionDenied(str(exc.message))
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
        if action == "decline":
            # The team no longer holds the order, so its leader no longer sees it.
            return redirect("activities:team_orders")
    return redirect("activities:order_detail", pk=order.pk)


# ---- staff: the dispatch queue and the menu ----------------------------------------------------------


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    sc = scope(request.user)
    if not sc.is_staff_anywhere:
        raise PermissionDenied(_("The dispatch queue is for station staff."))
    status = request.GET.get("status", "")
    category = request.GET.get("category", "")
    site = request.GET.get("site", "")
    site = int_param(site)
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
    if not scope(request.user).team_ids_led:
        raise PermissionDenied(_("This page is for team leaders."))
    orders = list(selectors.team_orders(request.user)[:200])
    return render(request, "activities/team_orders.html", {"orders": orders})


def _managed_sites(user):
    """Active sites in the subtrees the person manages (everything for a superuser)."""
    return Site.objects.managed_by(user).filter(is_active=True)


@login_required
def menu_manage(request: HttpRequest) -> HttpResponse:
    sc = scope(request.user)
    if not sc.is_staff_anywhere:
        raise PermissionDenied(_("Keeping the menu is for station staff."))
    items = MenuItem.objects.filter(sc.site_q("site")).select_related("site", "category", "team")
    page = Paginator(items.order_by("site__path", "category__sort_order", "title"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "activities/menu_manage.html", {"page": page, "items": list(page.object_list)})


@login_required
def menu_item_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    sc = scope(request.user)
    if not sc.is_staff_anywhere:
        raise PermissionDenied(_("Keeping the menu is for station staff."))
    item = None
    if pk is not None:
        item = get_object_or_404(MenuItem.objects.filter(sc.site_q("site")).select_related("site"), pk=pk)
    sites = _managed_sites(request.user)
    teams = Team.objects.filter(sc.site_q("site"), is_active=True)
    form = MenuItemForm(request.POST or None, instance=item, sites=sites, teams=teams)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            k: data[k] for k in ("category", "title", "description", "suits", "duration_minutes", "team", "is_active")
        }
        try:
            if item is None:
                services.menu_item_create(site=data["site"], actor=request.user, **fields)
            else:
                services.menu_item_update(item=item, actor=request.user, **fields)
        except ValidationError as exc:
            form.add_error(None, _errors_text(exc))
        except NotAllowed as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The menu is saved."))
            return redirect(reverse("activities:menu_manage"))
    return render(request, "activities/menu_item_form.html", {"form": form, "item": item})
