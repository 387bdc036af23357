"""Staff desks: award points, hand goods over against the pickup code, products and stock,
evidence files."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from points import selectors
from points.forms import AwardForm, FulfilForm, HouseholdSearchForm, ProductForm, RestockForm
from points.models import Entry, Product, Redemption, Rule
from points.permissions import actions_for, may_award, may_see_evidence
from points.services import awards, catalogue, shop
from points.views.common import managed_sites
from practice_center.models import Household, SiteLevel, User
from practice_center.pages import run_service, staff_required
from practice_center.text import int_param

PRODUCTS_PAGE = 50


@staff_required
def entry_attachment(request: HttpRequest, entry_id: int) -> FileResponse:
    """The evidence file of an award, for staff of the household's station (404 for others)."""
    user = cast(User, request.user)  # staff_required
    entry = get_object_or_404(
        Entry.objects.visible_to(user).select_related("account__household__grid__station"), pk=entry_id
    )
    if not entry.attachment or not may_see_evidence(user, entry.account.household):
        raise Http404
    try:
        handle = entry.attachment.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, filename=(entry.attachment.name or "").rsplit("/", 1)[-1])


def _search_households(user, q: str):
    q = q.strip()
    if not q:
        return Household.objects.none()
    households = Household.objects.visible_to(user).select_related("grid__station")
    return households.filter(
        Q(name__icontains=q) | Q(members__name__icontains=q) | Q(members__phone__contains=q)
    ).distinct()[:20]


def _rule_choices(user) -> list[tuple[int, str]]:
    """The rules in force that the user may award (`may_award`, before a household is picked)."""
    choices = []
    for rule in selectors.rules_in_force():
        version = selectors.current_version(rule)
        if version is None or not may_award(user, rule):
            continue
        choices.append((rule.pk, f"{rule.name} · {version.points} ({rule.get_unit_display()})"))
    return choices


@staff_required
def award(request: HttpRequest) -> HttpResponse:
    """Find a household of my subtree by name or phone, pick a rule, say why, award."""
    search = HouseholdSearchForm(request.GET or None)
    q = search.cleaned_data["q"] if search.is_valid() else ""
    households = list(_search_households(request.user, q)) if q else []
    if request.method == "POST":
        chosen = request.POST.get("household", "")
        if int_param(chosen) is not None:
            households = (
                list(
                    Household.objects.visible_to(request.user)
                    .select_related("grid__station")
                    .filter(pk=int_param(chosen))
                )
                or households
            )
    preselected = int_param(request.GET.get("household"))
    if preselected is not None and not households:  # the link from a "points not awarded" notice
        households = list(
            Household.objects.visible_to(request.user).select_related("grid__station").filter(pk=preselected)
        )
    form = AwardForm(
        request.POST or None, request.FILES or None, households=households, rules=_rule_choices(request.user)
    )
    if request.method == "POST" and form.is_valid():
        household = get_object_or_404(Household.objects.visible_to(request.user), pk=form.cleaned_data["household"])
        rule = get_object_or_404(Rule.objects.active(), pk=form.cleaned_data["rule"])
        entry = run_service(
            request,
            form,
            awards.points_award,
            household=household,
            rule=rule,
            actor=request.user,
            quantity=form.cleaned_data["quantity"],
            note=form.cleaned_data["note"],
            evidence=form.cleaned_data["evidence"],
            attachment=form.cleaned_data["attachment"] or None,
        )
        if entry is not None:
            messages.success(
                request,
                _("%(household)s: %(amount)+d points (%(note)s).")
                % {"household": household.name, "amount": entry.amount, "note": entry.note},
            )
            return redirect(f"{reverse('points:ledger')}?household={household.pk}")
    status = 400 if form.is_bound and form.errors else 200
    caps = _caps_left(households[0]) if len(households) == 1 else []
    context = {"search": search, "form": form, "households": households, "q": q, "caps": caps}
    return render(request, "points/award.html", context, status=status)


def _caps_left(household: Household) -> list[dict]:
    """What each capped rule may still earn the household today / this month (before awarding)."""
    rules = [rule for rule in selectors.rules_in_force() if rule.cap_per_day or rule.cap_per_month]
    rooms = awards.cap_rooms(household, rules)
    return [{"rule": rule, "room": rooms[rule.pk]} for rule in rules if rule.pk in rooms]


@staff_required
def fulfil(request: HttpRequest) -> HttpResponse:
    """Type (or scan) the pickup code, see what was reserved, hand it over."""
    user = cast(User, request.user)  # staff_required
    form = FulfilForm(request.POST or request.GET or None)
    redemption = None
    if form.is_bound and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            redemption = shop.redemption_find_by_code(actor=user, pickup_code=code)
        except Redemption.DoesNotExist:
            form.add_error("code", _("No redemption with this code at your sites."))
        if redemption is not None and request.method == "POST":
            done = run_service(
                request, form, shop.redemption_fulfil, redemption=redemption, actor=user, pickup_code=code
            )
            if done is not None:
                messages.success(
                    request,
                    _("Handed over: %(product)s × %(quantity)s to %(household)s.")
                    % {"product": done.product.name, "quantity": done.quantity, "household": redemption.household.name},
                )
                return redirect("points:fulfil")
            redemption.refresh_from_db()
    actions = actions_for(user, redemption) if redemption is not None else set()
    queue = selectors.reserved_at_sites_of(user)[:30]
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "points/fulfil.html",
        {"form": form, "redemption": redemption, "actions": actions, "queue": queue},
        status=status,
    )


@staff_required
def products(request: HttpRequest) -> HttpResponse:
    """Goods of my subtrees with price, stock and what is reserved; restock, edit, add new."""
    user = cast(User, request.user)  # staff_required
    page = Paginator(selectors.products_managed_by(user), PRODUCTS_PAGE).get_page(request.GET.get("page"))
    return render(request, "points/products.html", {"page": page, "products": page.object_list, "form": RestockForm()})


def _product_fields(form: ProductForm) -> dict:
    data = form.cleaned_data
    fields = {
        "name": data["name"],
        "description": data["description"],
        "points_price": data["points_price"],
        "stock": data["stock"],
        "is_active": data["is_active"],
    }
    picture = data.get("picture")
    if isinstance(picture, UploadedFile) or picture is False:  # a new file, or "clear" ticked
        fields["picture"] = picture
    return fields


@staff_required
def product_new(request: HttpRequest) -> HttpResponse:
    """Put new goods on the shelf of a site I manage."""
    sites = list(managed_sites(request.user).only("id", "name", "level", "path").order_by("path"))
    initial_site = next((s.pk for s in sites if s.level == SiteLevel.STATION), sites[0].pk if sites else None)
    form = ProductForm(
        request.POST or None, request.FILES or None, sites=sites, initial={"site": initial_site, "is_active": True}
    )
    if request.method == "POST" and form.is_valid():
        site = get_object_or_404(managed_sites(request.user), pk=form.cleaned_data["site"])
        fields = _product_fields(form)
        product = run_service(
            request,
            form,
            catalogue.product_create,
            site=site,
            picture=fields.pop("picture", None) or None,
            actor=request.user,
            **fields,
        )
        if product is not None:
            messages.success(request, _("%(product)s is on the shelf.") % {"product": product.name})
            return redirect("points:products")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "points/product_form.html", {"form": form, "product": None}, status=status)


@staff_required
def product_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    """Change the name, price, stock, picture or offer of goods at a site I manage."""
    user = cast(User, request.user)  # staff_required
    product = get_object_or_404(selectors.products_managed_by(user), pk=product_id)
    initial = {
        "name": product.name,
        "description": product.description,
        "points_price": product.price,
        "stock": product.stock,
        "stock_seen": product.stock,
        "picture": product.picture,
        "is_active": product.is_active,
    }
    form = ProductForm(request.POST or None, request.FILES or None, product=product, initial=initial)
    if request.method == "POST" and form.is_valid():
        seen = form.cleaned_data.get("stock_seen")
        done = run_service(
            request,
            form,
            catalogue.product_update,
            product=product,
            actor=user,
            stock_seen=product.stock if seen is None else seen,
            **_product_fields(form),
        )
        if done is not None:
            messages.success(request, _("%(product)s was saved.") % {"product": done.name})
            return redirect("points:products")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "points/product_form.html", {"form": form, "product": product}, status=status)


@staff_required
@require_POST
def product_restock(request: HttpRequest, product_id: int) -> HttpResponse:
    """Add pieces to the stock of goods at a site I manage."""
    product = get_object_or_404(Product.objects.managed_by(request.user).select_related("site"), pk=product_id)
    form = RestockForm(request.POST)
    if form.is_valid():
        restocked = run_service(
            request, None, catalogue.product_restock, product=product, actor=request.user, add=form.cleaned_data["add"]
        )
        if restocked is not None:
            messages.success(request, _("Stock of %(product)s raised.") % {"product": product.name})
    else:
        messages.error(request, _("Enter a whole number greater than 0."))
    return redirect("points:products")
