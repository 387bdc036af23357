"""Pages of the organisation: home, accounts, sites, households, display preferences."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
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

from practice_center import services, throttle
from practice_center.auth import login_retry_after
from practice_center.forms import LoginForm, RegisterForm, add_service_errors
from practice_center.models import Household, Site, SiteLevel, User
from practice_center.navigation import home_actions
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
    station: Site
    households: int = 0
    volunteers: int = 0
    volunteers_pending: int = 0
    teams: int = 0
    records_pending: int = 0


@dataclass
class Overview:
    """Counts per station of the subtrees a staff member manages, and their totals."""

    rows: list[StationFigures] = field(default_factory=list)
    totals: StationFigures | None = None


def staff_overview(user) -> Overview:
    """One aggregate query per table, grouped by site, whatever the number of stations."""
    from volunteers.models import RecordStatus, ServiceRecord, Team, Volunteer, VolunteerStatus

    sc = scope(user)
    stations = list(Site.objects.managed_by(user).filter(level=SiteLevel.STATION, is_active=True))
    if not stations:
        return Overview()
    rows = {station.pk: StationFigures(station=station) for station in stations}
    by_path = sorted(((s.path, s.pk) for s in stations), key=lambda item: -len(item[0]))

    def station_of(path: str) -> int | None:
        # Teams may hang under a point or base of a station: fold them into that station.
        for prefix, pk in by_path:
            if path.startswith(prefix):
                return pk
        return None

    households = (
        Household.objects.filter(grid__station__in=stations)
        .values("grid__station_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in households:
        rows[row["grid__station_id"]].households = row["n"]
    volunteers = (
        Volunteer.objects.filter(sc.site_q("site"))
        .values("site__path")
        .annotate(
            approved=Count("id", filter=Q(status=VolunteerStatus.APPROVED)),
            pending=Count("id", filter=Q(status=VolunteerStatus.PENDING)),
        )
        .order_by()
    )
    for row in volunteers:
        pk = station_of(row["site__path"])
        if pk is not None:
            rows[pk].volunteers += row["approved"]
            rows[pk].volunteers_pending += row["pending"]
    teams = (
        Team.objects.filter(sc.site_q("site"), is_active=True).values("site__path").annotate(n=Count("id")).order_by()
    )
    for row in teams:
        pk = station_of(row["site__path"])
        if pk is not None:
            rows[pk].teams += row["n"]
    records = (
        ServiceRecord.objects.filter(sc.site_q("volunteer__site"), status=RecordStatus.PENDING)
        .values("volunteer__site__path")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in records:
        pk = station_of(row["volunteer__site__path"])
        if pk is not None:
            rows[pk].records_pending += row["n"]
    ordered = [rows[s.pk] for s in stations]
    totals = StationFigures(
        station=None,
        households=sum(r.households for r in ordered),
        volunteers=sum(r.volunteers for r in ordered),
        volunteers_pending=sum(r.volunteers_pending for r in ordered),
        teams=sum(r.teams for r in ordered),
        records_pending=sum(r.records_pending for r in ordered),
    )
    return Overview(rows=ordered, totals=totals)


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
    members = []
    if user.household_id:
        members = list(user.household.members.order_by("date_joined", "pk").only("pk", "name", "username"))
    return render(request, "accounts/profile.html", {"person": user, "household": user.household, "members": members})


# ---- sites --------------------------------------------------------------------------------


def site_list(request: HttpRequest) -> HttpResponse:
    """The network as a tree (ordered by materialized path, indented by depth)."""
    sites = Site.objects.visible_to(request.user).only("pk", "name", "level", "depth", "address", "path")
    return render(request, "sites/site_list.html", {"sites": sites, "my_station": home_station(request.user)})


def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from volunteers.models import Team

    site = get_object_or_404(Site.objects.visible_to(request.user).select_related("parent"), pk=pk)
    children = Site.objects.visible_to(request.user).filter(parent=site)
    teams = (
        Team.objects.visible_to(request.user)
        .filter(site=site)
        .select_related("leader")
        .annotate(member_count=Count("memberships"))
    )
    return render(
        request,
        "sites/site_detail.html",
        {
            "site": site,
            "ancestors": Site.objects.ancestors(site, include_self=False),
            "children": children,
            "teams": teams,
            "can_manage": scope(request.user).manages_site(site),
        },
    )


# ---- households (grid workers and staff) ----------------------------------------------------


@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    """The households a grid worker looks after, or those of a staff member's subtree."""
    sc = scope(request.user)
    if not (sc.is_staff_anywhere or sc.grid_roles):
        raise Http404
    households = Household.objects.visible_to(request.user)
    if not sc.is_staff_anywhere:
        households = households.filter(grid_id__in=sc.grid_ids)
    site_id = request.GET.get("site", "")
    site = None
    if int_param(site_id) is not None:
        site = Site.objects.filter(pk=int_param(site_id)).first()
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
    show_phones = sc.is_staff_anywhere
    return render(
        request,
        "households/household_list.html",
        {"page": page, "site": site, "query": query, "show_phones": show_phones},
    )


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's log-in page under the same limits as the portal's (the backend counts):
    while locked it answers 429 with Retry-After and a message, and the password is not checked."""
    from django.contrib import admin

    response = admin.site.login(request)
    if retry := login_retry_after(request):
        messages.error(request, throttle.message(retry))
        response = admin.site.login(request)  # again, to show the message (locked: no password check)
        response.status_code = 429
        response["Retry-After"] = str(retry)
    return response
