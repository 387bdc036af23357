"""Pages of the points app: balance, ledger, shop, pickup codes, rankings, honours; staff desks.

Views parse input with a form, call one service or selector and render. Domain errors become a
message, bad input stays in the form with the typed values, a wrong person gets 403 and
anything outside the caller's scope 404.
"""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from points import honours_services, selectors, services
from points.forms import (
    AnswerForm,
    AwardForm,
    CancelForm,
    FreezeForm,
    FulfilForm,
    HouseholdSearchForm,
    ObjectionForm,
    ProductForm,
    RankingFilterForm,
    RedeemForm,
    RestockForm,
    RuleVersionForm,
    WithdrawForm,
)
from points.models import Entry, HonourList, HonourStatus, Objection, Product, Redemption, RedemptionStatus, Rule
from points.rankings import BASIS_TEXT, TIE_BREAK_TEXT, current_year, household_rank, ranking, ranking_site_for
from practice_center.exceptions import NotAllowed
from practice_center.models import Household, Site
from practice_center.pages import qr_svg, run_service, staff_required
from practice_center.scoping import scope
from practice_center.text import int_param, mask_name

LEDGER_PAGE = 30
RANKING_PAGE = 50


# ---- helpers ----------------------------------------------------------------------------------
def _managed_sites(user):
    """Sites (no bases) in the subtrees the user manages, in tree order."""
    return Site.objects.managed_by(user).exclude(level="base")


def _own_household(request) -> Household:
    if not request.user.household_id:
        raise Http404(_("You do not belong to a household."))
    return request.user.household


# ---- resident pages ---------------------------------------------------------------------------
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """My points: the balance in big type, my rank, the ways on."""
    context = {"is_staff": scope(request.user).is_staff_anywhere}
    if request.user.household_id:
        household = request.user.household
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
    household_id = request.GET.get("household")
    if household_id:
        if int_param(household_id) is None:
            raise Http404
        household = get_object_or_404(Household.objects.visible_to(request.user), pk=int_param(household_id))
    else:
        household = _own_household(request)
    page = Paginator(selectors.ledger_of(household), LEDGER_PAGE).get_page(request.GET.get("page"))
    sc = scope(request.user)
    return render(
        request,
        "points/ledger.html",
        {
            "household": household,
            "balance": selectors.balance_of(household),
            "page": page,
            "is_own": household.pk == request.user.household_id,
            # Evidence files are for the staff who award and check points, not for the household.
            "shows_evidence": sc.is_staff_anywhere and sc.manages_household(household),
        },
    )


@staff_required
def entry_attachment(request: HttpRequest, entry_id: int) -> HttpResponse:
    """The evidence file of an award, for staff of the household's station (404 for others)."""
    entry = get_object_or_404(
        Entry.objects.visible_to(request.user).select_related("account__household__grid__station"), pk=entry_id
    )
    if not entry.attachment or not scope(request.user).manages_household(entry.account.household):
        raise Http404
    try:
        handle = entry.attachment.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, filename=entry.attachment.name.rsplit("/", 1)[-1])


@login_required
def shop(request: HttpRequest) -> HttpResponse:
    products = selectors.redeemable_products(request.user)
    balance = selectors.balance_of(request.user.household) if request.user.household_id else None
    return render(request, "points/shop.html", {"products": products, "balance": balance, "form": RedeemForm()})


@login_required
def product_picture(request: HttpRequest, product_id: int) -> HttpResponse:
    """A product's picture, for whoever may see the product (the shop, the staff pages). Served
    by the portal rather than from MEDIA_URL, which nothing serves once DEBUG is off."""
    product = get_object_or_404(Product.objects.visible_to(request.user), pk=product_id)
    if not product.picture:
        raise Http404
    try:
        handle = product.picture.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, filename=product.picture.name.rsplit("/", 1)[-1])
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def redeem(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_object_or_404(selectors.redeemable_products(request.user), pk=product_id)
    form = RedeemForm(request.POST)
    if form.is_valid():
        redemption = run_service(
            request,
            form,
            services.redemption_create,
            user=request.user,
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
    products = selectors.redeemable_products(request.user)
    balance = selectors.balance_of(request.user.household) if request.user.household_id else None
    return render(
        request,
        "points/shop.html",
        {"products": products, "balance": balance, "form": RedeemForm(), "failed": form, "failed_product": product.pk},
        status=400 if form.errors else 200,
    )


@login_required
def redemptions(request: HttpRequest) -> HttpResponse:
    """My pickup codes (text and QR) and what I redeemed before."""
    household = _own_household(request)
    items = list(
        Redemption.objects.filter(household=household)
        .select_related("product__site")
        .order_by("-created_at", "-id")[:50]
    )
    fulfil_url = request.build_absolute_uri(reverse("points:fulfil"))
    for item in items:
        if item.status == RedemptionStatus.RESERVED:
            item.qr = qr_svg(f"{fulfil_url}?code={item.pickup_code}")
    return render(request, "points/redemptions.html", {"items": items, "cancel_form": CancelForm()})


@login_required
@require_POST
def redemption_cancel(request: HttpRequest, redemption_id: int) -> HttpResponse:
    redemption = get_object_or_404(Redemption.objects.visible_to(request.user), pk=redemption_id)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    done = run_service(
        request, None, services.redemption_cancel, redemption=redemption, actor=request.user, reason=reason
    )
    if done is not None:
        messages.success(request, _("Cancelled. The points are back in your account."))
    if request.user.household_id == redemption.household_id:
        return redirect("points:redemptions")
    return redirect("points:fulfil")


@login_required
def ranking_page(request: HttpRequest) -> HttpResponse:
    """The ranking of my station (staff: any site of their subtrees), my household highlighted."""
    form = RankingFilterForm(request.GET or None)
    period, category = current_year(), ""
    if form.is_bound and form.is_valid():
        period, category = form.cleaned_data["period"], form.cleaned_data["category"]
    sc = scope(request.user)
    site = None
    site_id = request.GET.get("site", "")
    if site_id:
        if int_param(site_id) is None:
            raise Http404
        site = get_object_or_404(Site.objects.visible_to(request.user), pk=int_param(site_id))
    try:
        site = ranking_site_for(request.user, site)
    except NotAllowed as exc:
        raise PermissionDenied(str(exc.message))
    full_names = sc.manages_site(site)
    page = Paginator(ranking(site=site, period=period, category=category), RANKING_PAGE).get_page(
        request.GET.get("page")
    )
    own = request.user.household_id
    rows = [
        {
            "rank": h.rank,
            "name": h.name if (full_names or h.pk == own) else mask_name(h.name),
            "points": h.points,
            "hours": h.hours,
            "station": h.grid.station.name,
            "mine": h.pk == own,
        }
        for h in page.object_list
    ]
    sites = []
    if sc.is_staff_anywhere:
        sites = list(_managed_sites(request.user).only("id", "name", "depth"))
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
            "query": request.GET.urlencode(),
        },
    )


# ---- honours ----------------------------------------------------------------------------------
@login_required
def honours(request: HttpRequest) -> HttpResponse:
    lists = HonourList.objects.visible_to(request.user).exclude(status=HonourStatus.WITHDRAWN).select_related("site")
    return render(
        request,
        "points/honours.html",
        {"lists": lists, "is_staff": scope(request.user).is_staff_anywhere},
    )


def _visible_list(request, list_id: int) -> HonourList:
    return get_object_or_404(HonourList.objects.visible_to(request.user).select_related("site"), pk=list_id)


@login_required
def honour_detail(
    request: HttpRequest, list_id: int, *, objection_form=None, answer_forms=None, withdraw_form=None, status: int = 200
) -> HttpResponse:
    honour_list = _visible_list(request, list_id)
    manages = scope(request.user).manages_site(honour_list.site)
    objections = Objection.objects.visible_to(request.user).filter(honour_list=honour_list).select_related("author")
    answer_forms = answer_forms or {}
    objection_rows = [(o, answer_forms.get(o.pk) or AnswerForm(prefix=f"o{o.pk}")) for o in objections]
    return render(
        request,
        "points/honour_detail.html",
        {
            "honour_list": honour_list,
            "entries": honour_list.entries.all(),
            "objections": objection_rows,
            "manages": manages,
            "notice_open": honours_services.notice_is_open(honour_list),
            "notice_over": honours_services.notice_is_over(honour_list),
            "may_object": honours_services.may_object(request.user, honour_list),
            "objection_form": objection_form or ObjectionForm(),
            "withdraw_form": withdraw_form or WithdrawForm(),
            "own_household": request.user.household_id,
        },
        status=status,
    )


@login_required
@require_POST
def honour_object(request: HttpRequest, list_id: int) -> HttpResponse:
    honour_list = _visible_list(request, list_id)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        done = run_service(
            request,
            form,
            honours_services.objection_file,
            honour_list=honour_list,
            author=request.user,
            text=form.cleaned_data["text"],
        )
        if done is not None:
            messages.success(request, _("Your objection was recorded. Staff will answer it here."))
            return redirect("points:honour_detail", list_id=honour_list.pk)
    return honour_detail(request, list_id, objection_form=form, status=400 if form.errors else 200)


@staff_required
@require_POST
def objection_answer(request: HttpRequest, objection_id: int) -> HttpResponse:
    objection = get_object_or_404(Objection.objects.visible_to(request.user), pk=objection_id)
    form = AnswerForm(request.POST, prefix=f"o{objection.pk}")
    if form.is_valid():
        done = run_service(
            request,
            form,
            honours_services.objection_answer,
            objection=objection,
            actor=request.user,
            answer=form.cleaned_data["answer"],
            decision=form.cleaned_data["decision"],
        )
        if done is not None:
            messages.success(request, _("The answer was saved and is shown to the resident."))
            return redirect("points:honour_detail", list_id=objection.honour_list_id)
    return honour_detail(
        request, objection.honour_list_id, answer_forms={objection.pk: form}, status=400 if form.errors else 200
    )


HONOUR_ACTIONS = {
    "publish": (honours_services.honour_list_publish, _("Published for public notice.")),
    "finalise": (honours_services.honour_list_finalise, _("The list is final.")),
}


@staff_required
@require_POST
def honour_action(request: HttpRequest, list_id: int, action: str) -> HttpResponse:
    honour_list = _visible_list(request, list_id)
    if action == "withdraw":
        form = WithdrawForm(request.POST)
        if not form.is_valid():
            return honour_detail(request, list_id, withdraw_form=form, status=400)
        done = run_service(
            request,
            form,
            honours_services.honour_list_withdraw,
            honour_list=honour_list,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        if done is not None:
            messages.success(request, _("The list was withdrawn."))
        return redirect("points:honour_detail", list_id=honour_list.pk)
    if action not in HONOUR_ACTIONS:
        raise Http404
    service, success = HONOUR_ACTIONS[action]
    if run_service(request, None, service, honour_list=honour_list, actor=request.user) is not None:
        messages.success(request, success)
    return redirect("points:honour_detail", list_id=honour_list.pk)


@staff_required
def honour_freeze(request: HttpRequest) -> HttpResponse:
    sites = list(_managed_sites(request.user).only("id", "name"))
    form = FreezeForm(request.POST or None, sites=sites)
    if request.method == "POST" and form.is_valid():
        site = next(s for s in sites if s.pk == form.cleaned_data["site"])
        honour_list = run_service(
            request,
            form,
            honours_services.honour_list_freeze,
            site=site,
            year=form.cleaned_data["year"],
            kind=form.cleaned_data["kind"],
            category=form.cleaned_data["category"],
            size=form.cleaned_data["size"],
            actor=request.user,
        )
        if honour_list is not None:
            messages.success(request, _("The ranking was frozen. Check it, then publish it for public notice."))
            return redirect("points:honour_detail", list_id=honour_list.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "points/honour_freeze.html", {"form": form}, status=status)


def _export_rows(honour_list: HonourList) -> tuple[list[str], list[list]]:
    header = [_("Rank"), _("Household"), _("Station"), _("Category"), _("Points"), _("Service hours")]
    rows = [
        [e.rank, e.household_name, e.station_name, e.get_category_display(), e.points, float(e.hours)]
        for e in honour_list.entries.all()
    ]
    return header, rows


@staff_required
def honour_export(request: HttpRequest, list_id: int, fmt: str) -> HttpResponse:
    """A final list as Excel or CSV (utf-8 with BOM so Excel reads the Chinese names)."""
    honour_list = _visible_list(request, list_id)
    if honour_list.status != HonourStatus.FINAL or not scope(request.user).manages_site(honour_list.site):
        raise Http404
    header, rows = _export_rows(honour_list)
    filename = f"honours-{honour_list.year}-{honour_list.kind}-{honour_list.pk}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        response = HttpResponse(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = str(honour_list.year)
        sheet.append([f"{honour_list.year} {honour_list.get_kind_display()} · {honour_list.site.name}"])
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


# ---- staff desks ------------------------------------------------------------------------------
def _search_households(user, q: str):
    q = q.strip()
    if not q:
        return Household.objects.none()
    households = Household.objects.visible_to(user).select_related("grid__station")
    return households.filter(
        Q(name__icontains=q) | Q(members__name__icontains=q) | Q(members__phone__contains=q)
    ).distinct()[:20]


def _rule_choices(user):
    choices = []
    for rule in selectors.rules_in_force():
        version = selectors.current_version(rule)
        if version is None or not (
            scope(user).is_superuser or set(rule.awarded_by) & {r for r, _s in scope(user).site_roles}
        ):
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
    form = AwardForm(
        request.POST or None, request.FILES or None, households=households, rules=_rule_choices(request.user)
    )
    if request.method == "POST" and form.is_valid():
        household = get_object_or_404(Household.objects.visible_to(request.user), pk=form.cleaned_data["household"])
        rule = get_object_or_404(Rule.objects.active(), pk=form.cleaned_data["rule"])
        entry = run_service(
            request,
            form,
            services.points_award,
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
    return render(
        request, "points/award.html", {"search": search, "form": form, "households": households, "q": q}, status=status
    )


@staff_required
def fulfil(request: HttpRequest) -> HttpResponse:
    """Type (or scan) the pickup code, see what was reserved, hand it over."""
    form = FulfilForm(request.POST or request.GET or None)
    redemption = None
    if form.is_bound and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            redemption = services.redemption_find_by_code(actor=request.user, pickup_code=code)
        except Redemption.DoesNotExist:
            form.add_error("code", _("No redemption with this code at your sites."))
        if redemption is not None and request.method == "POST":
            done = run_service(
                request, form, services.redemption_fulfil, redemption=redemption, actor=request.user, pickup_code=code
            )
            if done is not None:
                messages.success(
                    request,
                    _("Handed over: %(product)s × %(quantity)s to %(household)s.")
                    % {"product": done.product.name, "quantity": done.quantity, "household": redemption.household.name},
                )
                return redirect("points:fulfil")
            redemption.refresh_from_db()
    queue = selectors.reserved_at_sites_of(request.user)[:30]
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "points/fulfil.html", {"form": form, "redemption": redemption, "queue": queue}, status=status
    )


PRODUCTS_PAGE = 50


@staff_required
def products(request: HttpRequest) -> HttpResponse:
    """Goods of my subtrees with price, stock and what is reserved; restock, edit, add new."""
    page = Paginator(selectors.products_managed_by(request.user), PRODUCTS_PAGE).get_page(request.GET.get("page"))
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
    sites = list(_managed_sites(request.user).only("id", "name", "level", "path").order_by("path"))
    initial_site = next((s.pk for s in sites if s.level == "station"), sites[0].pk if sites else None)
    form = ProductForm(
        request.POST or None, request.FILES or None, sites=sites, initial={"site": initial_site, "is_active": True}
    )
    if request.method == "POST" and form.is_valid():
        site = get_object_or_404(_managed_sites(request.user), pk=form.cleaned_data["site"])
        fields = _product_fields(form)
        product = run_service(
            request,
            form,
            services.product_create,
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
    product = get_object_or_404(selectors.products_managed_by(request.user), pk=product_id)
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
            services.product_update,
            product=product,
            actor=request.user,
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
    product = get_object_or_404(Product.objects.filter(scope(request.user).site_q("site")), pk=product_id)
    form = RestockForm(request.POST)
    if form.is_valid():
        if (
            run_service(
                request,
                None,
                services.product_restock,
                product=product,
                actor=request.user,
                add=form.cleaned_data["add"],
            )
            is not None
        ):
            messages.success(request, _("Stock of %(product)s raised.") % {"product": product.name})
    else:
        messages.error(request, _("Enter a whole number greater than 0."))
    return redirect("points:products")


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    """How points are earned: every active rule with its version history."""
    items = []
    for rule in selectors.rules_in_force():
        items.append({"rule": rule, "current": selectors.current_version(rule), "versions": rule.versions.all()})
    return render(request, "points/rules.html", {"items": items, "is_admin": scope(request.user).is_center_admin})


@login_required
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Center admin: change a rule's points, which makes a new version (old entries keep theirs)."""
    if not scope(request.user).is_center_admin:
        raise PermissionDenied
    rule = get_object_or_404(Rule.objects.prefetch_related(Prefetch("versions")), pk=rule_id)
    form = RuleVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        version = run_service(
            request,
            form,
            services.rule_change_points,
            rule=rule,
            points=form.cleaned_data["points"],
            actor=request.user,
            note=form.cleaned_data["note"],
        )
        if version is not None:
            messages.success(request, _("Version %(number)s of the rule is in force.") % {"number": version.number})
            return redirect("points:rules")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "points/rule_edit.html",
        {"rule": rule, "form": form, "current": selectors.current_version(rule)},
        status=status,
    )
