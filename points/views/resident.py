"""Residents' pages: my points, my ledger (staff: a household's), the shop, my pickup codes,
the ranking of my station (staff: of any site they manage)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from points import selectors
from points.forms import CancelForm, RankingFilterForm, RedeemForm
from points.models import Product, Redemption, RedemptionStatus
from points.permissions import actions_for, is_staff, may_see_evidence, may_see_full_names
from points.rankings import BASIS_TEXT, TIE_BREAK_TEXT, current_year, household_rank, ranking, ranking_site_for
from points.services import shop
from points.views.common import managed_sites, own_household
from practice_center.exceptions import NotAllowed
from practice_center.models import Household, Site, User
from practice_center.pages import qr_svg, run_service
from practice_center.text import int_param, mask_name

if TYPE_CHECKING:
    from points.rankings import RankedHousehold

LEDGER_PAGE = 30
RANKING_PAGE = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """My points: the balance in big type, my rank, the ways on."""
    user = cast(User, request.user)  # login_required
    context: dict[str, Any] = {"is_staff": is_staff(user)}
    household = user.household
    if household is not None:
        context.update(
            household=household,
            balance=selectors.balance_of(household),
            rank=household_rank(household=household, period=current_year()),
            reserved=Redemption.objects.filter(household=household, status=RedemptionStatus.RESERVED).count(),
        )
    return render(request, "points/home.html", context)


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    """The household's ledger, newest first, each entry with its explanation. Staff and grid
    workers may open a household of their scope with ?household=."""
    user = cast(User, request.user)  # login_required
    household_id = request.GET.get("household")
    if household_id:
        if int_param(household_id) is None:
            raise Http404
        household = get_object_or_404(Household.objects.visible_to(user), pk=int_param(household_id))
    else:
        household = own_household(request)
    page = Paginator(selectors.ledger_of(household), LEDGER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "points/ledger.html",
        {
            "household": household,
            "balance": selectors.balance_of(household),
            "page": page,
            "is_own": household.pk == user.household_id,
            "shows_evidence": may_see_evidence(user, household),
        },
    )


@login_required
def shop_page(request: HttpRequest) -> HttpResponse:
    """The goods I can redeem (my station's and those above it) and my balance."""
    user = cast(User, request.user)  # login_required
    products = selectors.redeemable_products(user)
    balance = selectors.balance_of(user.household) if user.household is not None else None
    return render(request, "points/shop.html", {"products": products, "balance": balance, "form": RedeemForm()})


@login_required
def product_picture(request: HttpRequest, product_id: int) -> FileResponse:
    """A product's picture, for whoever may see the product (the shop, the staff pages). Served
    by the portal rather than from MEDIA_URL, which nothing serves once DEBUG is off."""
    product = get_object_or_404(Product.objects.visible_to(request.user), pk=product_id)
    if not product.picture:
        raise Http404
    try:
        handle = product.picture.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, filename=(product.picture.name or "").rsplit("/", 1)[-1])
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def redeem(request: HttpRequest, product_id: int) -> HttpResponse:
    """Reserve goods: the points go, a pickup code comes."""
    user = cast(User, request.user)  # login_required
    product = get_object_or_404(selectors.redeemable_products(user), pk=product_id)
    form = RedeemForm(request.POST)
    if form.is_valid():
        redemption = run_service(
            request,
            form,
            shop.redemption_create,
            user=user,
            product=product,
            quantity=form.cleaned_data["quantity"],
        )
        if redemption is not None:
            messages.success(
                request,
                _("Reserved. Show the pickup code %(code)s at the station to collect your goods.")
                % {"code": redemption.pickup_code},
            )
            return redirect("points:redemptions")
    products = selectors.redeemable_products(user)
    balance = selectors.balance_of(user.household) if user.household is not None else None
    return render(
        request,
        "points/shop.html",
        {"products": products, "balance": balance, "form": RedeemForm(), "failed": form, "failed_product": product.pk},
        status=400 if form.errors else 200,
    )


@login_required
def redemptions(request: HttpRequest) -> HttpResponse:
    """My pickup codes (text and QR) and what I redeemed before."""
    user = cast(User, request.user)  # login_required
    household = own_household(request)
    items = list(
        Redemption.objects.filter(household=household)
        .select_related("product__site", "household__grid__station")
        .order_by("-created_at", "-id")[:50]
    )
    fulfil_url = request.build_absolute_uri(reverse("points:fulfil"))
    for item in items:
        item.actions = actions_for(user, item)
        if item.status == RedemptionStatus.RESERVED:
            item.qr = qr_svg(f"{fulfil_url}?code={item.pickup_code}")
    return render(request, "points/redemptions.html", {"items": items, "cancel_form": CancelForm()})


@login_required
@require_POST
def redemption_cancel(request: HttpRequest, redemption_id: int) -> HttpResponse:
    """Cancel a reservation (the household, or staff at the pickup desk): points and stock back."""
    user = cast(User, request.user)  # login_required
    redemption = get_object_or_404(Redemption.objects.visible_to(user), pk=redemption_id)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    done = run_service(request, None, shop.redemption_cancel, redemption=redemption, actor=user, reason=reason)
    if done is not None:
        messages.success(request, _("Cancelled. The points are back in your account."))
    if user.household_id == redemption.household_id:
        return redirect("points:redemptions")
    return redirect("points:fulfil")


@login_required
def ranking_page(request: HttpRequest) -> HttpResponse:
    """The ranking of my station (staff: any site of their subtrees), my household highlighted."""
    user = cast(User, request.user)  # login_required
    form = RankingFilterForm(request.GET or None)
    period, category = current_year(), ""
    if form.is_bound and form.is_valid():
        period, category = form.cleaned_data["period"], form.cleaned_data["category"]
    site = None
    site_id = request.GET.get("site", "")
    if site_id:
        if int_param(site_id) is None:
            raise Http404
        site = get_object_or_404(Site.objects.visible_to(user), pk=int_param(site_id))
    try:
        site = ranking_site_for(user, site)
    except NotAllowed as exc:
        raise PermissionDenied(str(exc.message))
    full_names = may_see_full_names(user, site)
    page = Paginator(ranking(site=site, period=period, category=category), RANKING_PAGE).get_page(
        request.GET.get("page")
    )
    own = user.household_id
    ranked: Iterable[RankedHousehold] = page.object_list
    rows = [
        {
            "rank": h.rank,
            "name": h.name if (full_names or h.pk == own) else mask_name(h.name),
            "points": h.points,
            "hours": h.hours,
            "station": h.grid.station.name,
            "mine": h.pk == own,
        }
        for h in ranked
    ]
    sites = []
    if is_staff(user):
        sites = list(managed_sites(user).only("id", "name", "depth"))
    return render(
        request,
        "points/ranking.html",
        {
            "form": form if form.is_bound else RankingFilterForm(initial={"period": period.label}),
            "site": site,
            "sites": sites,
            "period": period,
            "category": category,
            "page": page,
            "rows": rows,
            "basis": BASIS_TEXT,
            "tie_break": TIE_BREAK_TEXT,
        },
    )
