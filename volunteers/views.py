"""Pages of the volunteers app: registration, my volunteer page, approvals, hours, teams."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from practice_center.exceptions import DomainError, NotAllowed
from practice_center.forms import add_service_errors
from practice_center.models import Site
from practice_center.scoping import home_station, scope
from practice_center.text import int_param
from volunteers import services
from volunteers.forms import AddMemberForm, DecisionForm, TeamCreateForm, VolunteerRegisterForm
from volunteers.milestones import recent_team_milestones
from volunteers.models import RecordStatus, ServiceRecord, Team, TeamMembership, Volunteer, VolunteerStatus
from volunteers.selectors import star_level_for

PAGE_SIZE = 50


def _require_staff(request: HttpRequest):
    sc = scope(request.user)
    if not sc.is_staff_anywhere:
        raise PermissionDenied
    return sc


def _site_filter(request: HttpRequest) -> Site | None:
    site_id = request.GET.get("site", "")
    site_pk = int_param(site_id)
    return Site.objects.filter(pk=site_pk).first() if site_pk is not None else None


def _show_message(request: HttpRequest, exc: Exception) -> None:
    messages.error(request, str(getattr(exc, "message", exc)))


# ---- a resident's own volunteer life ------------------------------------------------------------


@login_required
def register(request: HttpRequest) -> HttpResponse:
    if Volunteer.objects.filter(user=request.user).exists():
        messages.info(request, _("You are already registered as a volunteer."))
        return redirect("volunteers:mine")
    station = home_station(request.user)
    form = VolunteerRegisterForm(request.POST or None, initial={"real_name": request.user.name})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.volunteer_register(
                user=request.user,
                real_name=data["real_name"],
                skills=data["all_skills"],
                availability=data.get("availability") or "",
                is_party_member=data.get("is_party_member", False),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except DomainError as exc:
            _show_message(request, exc)
            return redirect("volunteers:mine")
        else:
            messages.success(request, _("Thank you! Your station will review your registration."))
            return redirect("volunteers:mine")
    return render(request, "volunteers/register.html", {"form": form, "station": station})


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    volunteer = Volunteer.objects.filter(user=request.user).with_verified_hours().select_related("site").first()
    if volunteer is None:
        return render(request, "volunteers/mine.html", {"volunteer": None})
    return render(request, "volunteers/mine.html", _volunteer_context(volunteer))


def _volunteer_context(volunteer: Volunteer) -> dict:
    hours = volunteer.hours_verified or 0
    records = list(volunteer.service_records.order_by("-served_on", "-id")[:PAGE_SIZE])
    teams = list(volunteer.teams.filter(is_active=True).select_related("site", "leader"))
    return {
        "volunteer": volunteer,
        "verified_hours": hours,
        "stars": star_level_for(hours),
        "star_range": range(star_level_for(hours)),
        "teams": teams,
        "records": records,
    }


@login_required
def volunteer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A volunteer's page for staff of the station (and for the volunteer and their leaders)."""
    volunteer = get_object_or_404(
        Volunteer.objects.visible_to(request.user).with_verified_hours().select_related("site", "user"), pk=pk
    )
    context = _volunteer_context(volunteer)
    sc = scope(request.user)
    context["can_decide"] = sc.manages_site(volunteer.site) and volunteer.status == VolunteerStatus.PENDING
    context["phone"] = (
        volunteer.user.phone
        if volunteer.user_id == request.user.pk or sc.manages_site(volunteer.site)
        else volunteer.user.masked_phone
    )
    return render(request, "volunteers/detail.html", context)


# ---- staff: approvals and hours ---------------------------------------------------------------


@login_required
def pending(request: HttpRequest) -> HttpResponse:
    sc = _require_staff(request)
    site = _site_filter(request)
    volunteers = Volunteer.objects.filter(sc.site_q("site"), status=VolunteerStatus.PENDING)
    if site is not None:
        volunteers = volunteers.filter(site__path__startswith=site.path)
    volunteers = volunteers.select_related("site", "user").order_by("created_at", "pk")
    page = Paginator(volunteers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "volunteers/pending.html", {"page": page, "site": site})


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = get_object_or_404(Volunteer.objects.visible_to(request.user), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("volunteers:pending")
    try:
        if form.cleaned_data["decision"] == "approve":
            services.volunteer_approve(volunteer=volunteer, actor=request.user)
            messages.success(request, _("%(name)s is now an approved volunteer.") % {"name": volunteer.real_name})
        else:
            services.volunteer_reject(volunteer=volunteer, actor=request.user)
            messages.success(request, _("The registration of %(name)s was rejected.") % {"name": volunteer.real_name})
    except NotAllowed as exc:
        raise PermissionDenied(str(exc.message))
    except DomainError as exc:
        _show_message(request, exc)
    return redirect("volunteers:pending")


@login_required
def records(request: HttpRequest) -> HttpResponse:
    """Service records waiting for the station's staff to verify."""
    sc = _require_staff(request)
    site = _site_filter(request)
    rows = ServiceRecord.objects.filter(sc.site_q("volunteer__site"), status=RecordStatus.PENDING)
    if site is not None:
        rows = rows.filter(volunteer__site__path__startswith=site.path)
    rows = rows.select_related("volunteer__site").order_by("served_on", "pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "volunteers/records.html", {"page": page, "site": site})


@login_required
@require_POST
def verify_record(request: HttpRequest, pk: int) -> HttpResponse:
    sc = scope(request.user)
    record = get_object_or_404(ServiceRecord.objects.filter(sc.site_q("volunteer__site")), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("volunteers:records")
    try:
        services.service_record_verify(
            record=record, actor=request.user, approve=form.cleaned_data["decision"] == "approve"
        )
        messages.success(request, _("The record was decided."))
    except NotAllowed as exc:
        raise PermissionDenied(str(exc.message))
    except DomainError as exc:
        _show_message(request, exc)
    return redirect("volunteers:records")


# ---- teams -----------------------------------------------------------------------------------


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    site = _site_filter(request)
    teams = Team.objects.visible_to(request.user)
    if site is not None:
        teams = teams.under(site)
    teams = (
        teams.select_related("site", "leader")
        .annotate(member_count=Count("memberships"))
        .order_by("site__path", "name")
    )
    page = Paginator(teams, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/team_list.html",
        {"page": page, "site": site, "can_create": scope(request.user).is_staff_anywhere},
    )


def _member_candidates(team: Team):
    station = team.site.station or team.site
    return (
        Volunteer.objects.approved()
        .filter(site__path__startswith=station.path)
        .exclude(memberships__team=team)
        .select_related("user")
        .order_by("real_name", "pk")
    )


@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(Team.objects.visible_to(request.user).select_related("site", "leader"), pk=pk)
    sc = scope(request.user)
    manages = sc.manages_site(team.site)
    leads = sc.leads_team(team.pk)
    memberships = team.memberships.select_related("volunteer__user").order_by("joined_at", "pk")
    form = None
    if manages or leads:
        form = AddMemberForm(request.POST or None, candidates=_member_candidates(team), show_list=manages)
        if request.method == "POST" and form.is_valid():
            try:
                services.team_add_member(team=team, volunteer=form.cleaned_data["chosen"], actor=request.user)
            except NotAllowed as exc:
                raise PermissionDenied(str(exc.message))
            except DomainError as exc:
                _show_message(request, exc)
            else:
                name = form.cleaned_data["chosen"].real_name
                messages.success(request, _("%(name)s joined the team.") % {"name": name})
                return redirect("volunteers:team_detail", pk=team.pk)
    elif request.method == "POST":
        raise PermissionDenied
    show_phones = manages or leads
    return render(
        request,
        "volunteers/team_detail.html",
        {
            "team": team,
            "memberships": memberships,
            "form": form,
            "manages": manages,
            "show_phones": show_phones,
            "milestones": recent_team_milestones(team),  # star milestones (volunteers/milestones.py)
        },
    )


@login_required
@require_POST
def team_leader(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff name a member as the team's leader."""
    team = get_object_or_404(Team.objects.visible_to(request.user).select_related("site"), pk=pk)
    if not scope(request.user).manages_site(team.site):
        raise PermissionDenied
    volunteer_id = request.POST.get("volunteer", "")
    volunteer_pk = int_param(volunteer_id)
    membership = (
        TeamMembership.objects.filter(team=team, volunteer_id=volunteer_pk).select_related("volunteer").first()
        if volunteer_pk is not None
        else None
    )
    if membership is None:
        messages.error(request, _("Choose a member of the team."))
        return redirect("volunteers:team_detail", pk=team.pk)
    try:
        services.team_set_leader(team=team, volunteer=membership.volunteer, actor=request.user)
    except DomainError as exc:
        _show_message(request, exc)
    else:
        messages.success(request, _("%(name)s now leads the team.") % {"name": membership.volunteer.real_name})
    return redirect("volunteers:team_detail", pk=team.pk)


@login_required
def team_create(request: HttpRequest) -> HttpResponse:
    sc = _require_staff(request)
    sites = Site.objects.managed_by(request.user).filter(is_active=True).order_by("path")
    volunteers = (
        Volunteer.objects.approved().filter(sc.site_q("site")).select_related("user", "site").order_by("real_name")
    )
    initial = {}
    site = _site_filter(request)
    if site is not None:
        initial["site"] = site.pk
    form = TeamCreateForm(request.POST or None, sites=sites, volunteers=volunteers, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            team = services.team_create(
                site=data["site"],
                name=data["name"],
                description=data.get("description") or "",
                leader=data.get("leader"),
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except IntegrityError:  # the same name was taken a moment ago
            form.add_error("name", _("This site already has a team of that name."))
        except NotAllowed as exc:
            raise PermissionDenied(str(exc.message))
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The team was created."))
            return redirect("volunteers:team_detail", pk=team.pk)
    return render(request, "volunteers/team_create.html", {"form": form})
