"""Pages of the organisation: home, accounts, sites, households, display preferences."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import admin, messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from practice_center import registry, services, throttle
from practice_center.auth import login_retry_after
from practice_center.forms import LoginForm, RegisterForm, add_service_errors
from practice_center.models import Household, Site, SiteLevel, User
from practice_center.navigation import home_actions
from practice_center.permissions import may_manage_site, phone_for
from practice_center.scoping import home_station, scope
from practice_center.text import int_param


def _safe_next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or fallback
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


# ---- home ---------------------------------------------------------------------------------


@dataclass
class StationFigures:
    """One row of the staff overview: a station's households plus what the upper apps count
    (`practice_center.registry.register_station_figures`), read as attributes (0 if none)."""

    station: Site | None
    households: int = 0
    figures: dict[str, int] = field(default_factory=dict)

    def __getattr__(self, name: str) -> int:
        if name.startswith("_") or name in ("station", "households", "figures"):
            raise AttributeError(name)
        return self.figures.get(name, 0)


@dataclass
class Overview:
    """Counts per station of the subtrees a staff member manages, and their totals."""

    rows: list[StationFigures] = field(default_factory=list)
    totals: StationFigures | None = None


def staff_overview(user) -> Overview:
    """One aggregate query per table, grouped by site, whatever the number of stations."""
    stations = list(Site.objects.managed_by(user).filter(level=SiteLevel.STATION, is_active=True))
    if not stations:
        return Overview()
    figures = registry.station_figures(user, stations)
    rows = {station.pk: StationFigures(station=station, figures=figures.get(station.pk, {})) for station in stations}
    households = (
        Household.objects.filter(grid__station__in=stations)
        .values("grid__station_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for counted in households:
        rows[counted["grid__station_id"]].households = counted["n"]
    ordered = [rows[s.pk] for s in stations]
    totals: dict[str, int] = {}
    for row in ordered:
        for name, count in row.figures.items():
            totals[name] = totals.get(name, 0) + count
    return Overview(
        rows=ordered,
        totals=StationFigures(station=None, households=sum(r.households for r in ordered), figures=totals),
    )


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "welcome.html")
    sc = scope(request.user)
    overview = staff_overview(request.user) if sc.is_staff_anywhere else None
    return render(
        request,
        "home.html",
        {
            "actions": home_actions(request),
            "overview": overview,
            "is_network_view": sc.is_center_admin,
            **registry.home_context(request),  # panels of the apps above (the reports dashboard)
        },
    )


@require_POST
def elderly_mode(request: HttpRequest) -> HttpResponse:
    """Switch extra-large text on or off: remembered in a cookie, and on the profile if logged in."""
    enabled = request.POST.get("enabled") == "1"
    if request.user.is_authenticated:
        services.user_set_elderly_mode(user=request.user, enabled=enabled)
    response = redirect(_safe_next(request))
    response.set_cookie("elderly", "1" if enabled else "0", max_age=365 * 24 * 3600, samesite="Lax")
    return response


# ---- accounts -----------------------------------------------------------------------------

# Service field names that the form shows under another name.
_SERVICE_TO_FORM_FIELD = {"password": "password1", "household": "join_code", "username": "phone"}


def register(request: HttpRequest) -> HttpResponse:
    """A resident creates an account, founds or joins a household, and is logged in."""
    if request.user.is_authenticated:
        return redirect("home")
    form = RegisterForm(request.POST or None)
    join_key = None
    phone_key = throttle.register_phone_key(ip=throttle.client_ip(request)) if request.method == "POST" else None
    if phone_key is not None and (locked := throttle.retry_after([phone_key])):
        form.phone_throttled_message = throttle.message(locked)
    if request.method == "POST" and request.POST.get("household_mode") == RegisterForm.JOIN:
        # Join codes are short: count wrong ones per address, and stop looking them up after the limit.
        join_key = throttle.join_code_key(ip=throttle.client_ip(request))
        if locked := throttle.retry_after([join_key]):
            form.join_code_throttled_message = throttle.message(locked)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.resident_register(
                username=data["phone"],
                phone=data["phone"],
                name=data["name"].strip(),
                password=data["password1"],
                grid=data["grid"],
                household=data.get("household"),
                household_name=data.get("household_name") or "",
                household_category=data.get("household_category") or "local",
                address=(data.get("address") or "").strip(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc, field_map=_SERVICE_TO_FORM_FIELD)
        else:
            login(request, user, backend="practice_center.auth.PhoneOrUsernameBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("home")
    retry = 0
    if phone_key is not None:
        if form.has_error("phone", "throttled"):
            retry = throttle.retry_after([phone_key])
        elif form.has_error("phone", "taken") and (retry := throttle.record_failure([phone_key])):
            form.add_error("phone", throttle.message(retry))  # this answer was the last one allowed
    if join_key is not None and not retry:
        if form.has_error("join_code", "throttled"):
            retry = throttle.retry_after([join_key])
        elif form.has_error("join_code", "unknown_join_code") and (retry := throttle.record_failure([join_key])):
            form.add_error("join_code", throttle.message(retry))  # this guess was the last one allowed
    # The refusal also heads the form: the join-code field is far down a phone's screen.
    context = {"form": form, "throttled": throttle.message(retry) if retry else ""}
    response = render(request, "accounts/register.html", context, status=429 if retry else 200)
    if retry:
        response["Retry-After"] = str(retry)
    return response


class LoginView(auth_views.LoginView):
    """Django's log-in page behind the brute-force limits of practice_center/throttle.py.

    While a limit holds (per address + user name, or per address) the page answers 429 with
    Retry-After and the typed user name, and the password is never checked.
    """

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        ip = throttle.client_ip(request)
        # Checked before the form, so a locked form never calls authenticate() at all.
        self.retry_after = throttle.retry_after(throttle.login_keys(ip=ip, username=request.POST.get("username", "")))
        return super().post(request, *args, **kwargs)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if self.request.method == "POST" and self.retry_after:
            form.throttled_message = throttle.message(self.retry_after)
        return form

    def form_invalid(self, form):
        # The backend counted this failure; if it was the last one allowed, say so now.
        if not self.retry_after and (retry := login_retry_after(self.request)):
            form.add_error(None, throttle.message(retry))
            self.retry_after = retry
        response = self.render_to_response(self.get_context_data(form=form), status=429 if self.retry_after else 200)
        if self.retry_after:
            response["Retry-After"] = str(self.retry_after)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The person's own page: own phone in full, household, its members and join code."""
    user = User.objects.select_related("household__grid__station").get(pk=request.user.pk)
    members: list[User] = []
    if user.household is not None:
        members = list(user.household.members.order_by("date_joined", "pk").only("pk", "name", "username"))
    return render(request, "accounts/profile.html", {"person": user, "household": user.household, "members": members})


# ---- sites --------------------------------------------------------------------------------


def site_list(request: HttpRequest) -> HttpResponse:
    """The network as a tree (ordered by materialized path, indented by depth)."""
    sites = Site.objects.visible_to(request.user).only("pk", "name", "level", "depth", "address", "path")
    return render(request, "sites/site_list.html", {"sites": sites, "my_station": home_station(request.user)})


def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A site: its details, place in the tree, children, and what the upper apps add (its teams)."""
    site = get_object_or_404(Site.objects.visible_to(request.user).select_related("parent"), pk=pk)
    children = Site.objects.visible_to(request.user).filter(parent=site)
    return render(
        request,
        "sites/site_detail.html",
        {
            "site": site,
            "ancestors": Site.objects.ancestors(site, include_self=False),
            "children": children,
            "can_manage": may_manage_site(request.user, site),
            **registry.site_page_context(request, site),
        },
    )


# ---- households (grid workers and staff) ----------------------------------------------------


@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    """The households a grid worker looks after, or those of a staff member's subtree."""
    sc = scope(request.user)
    if not (sc.is_staff_anywhere or sc.grid_roles):
        raise Http404
    if sc.is_staff_anywhere:
        households = Household.objects.visible_to(request.user)
    else:
        households = Household.objects.worked_by(request.user)
    site_pk = int_param(request.GET.get("site", ""))
    site = None
    if site_pk is not None:
        site = Site.objects.filter(pk=site_pk).first()
        if site is not None:
            households = households.under(site)
    query = request.GET.get("q", "").strip()[:50]
    if query:
        households = households.filter(Q(name__icontains=query) | Q(address__icontains=query))
    households = households.select_related("grid__station").prefetch_related(
        Prefetch("members", queryset=User.objects.order_by("pk").only("pk", "name", "username", "phone", "household"))
    )
    page = Paginator(households.order_by("grid__station__path", "grid__name", "name", "pk"), 50).get_page(
        request.GET.get("page")
    )
    for household in page.object_list:
        for member in household.members.all():
            member.household = household  # loaded with its grid and station: no query per member
            member.phone_shown = phone_for(request.user, member)
    return render(request, "households/household_list.html", {"page": page, "site": site, "query": query})


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's log-in page under the same limits as the portal's (the backend counts):
    while locked it answers 429 with Retry-After and a message, and the password is not checked."""
    response = admin.site.login(request)
    if retry := login_retry_after(request):
        messages.error(request, throttle.message(retry))
        response = admin.site.login(request)  # again, to show the message (locked: no password check)
        response.status_code = 429
        response["Retry-After"] = str(retry)
    return response
