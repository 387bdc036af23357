"""Pages of the volunteers app: registration, my volunteer page, approvals, hours, teams."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from practice_center.models import Site
from practice_center.pages import run_service, staff_required
from practice_center.scoping import home_station, scope
from practice_center.text import int_param
from volunteers import permissions, services
from volunteers.forms import AddMemberForm, DecisionForm, TeamCreateForm, VolunteerRegisterForm
from volunteers.milestones import recent_team_milestones
from volunteers.models import RecordStatus, ServiceRecord, Team, TeamMembership, Volunteer, VolunteerStatus
from volunteers.stars import star_level_for

PAGE_SIZE = 50


def _site_filter(request: HttpRequest) -> Site | None:
    site_pk = int_param(request.GET.get("site", ""))
    return Site.objects.filter(pk=site_pk).first() if site_pk is not None else None


# ---- a resident's own volunteer life ------------------------------------------------------------


@login_required
def register(request: HttpRequest) -> HttpResponse:
    """A resident asks to become a volunteer of their station."""
    if Volunteer.objects.filter(user_id=request.user.pk or 0).exists():
        messages.info(request, _("You are already registered as a volunteer."))
        return redirect("volunteers:mine")
    station = home_station(request.user)
    form = VolunteerRegisterForm(request.POST or None, initial={"real_name": getattr(request.user, "name", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        volunteer = run_service(
            request,
            form,
            services.volunteer_register,
            user=request.user,
            real_name=data["real_name"],
            skills=data["all_skills"],
            availability=data.get("availability") or "",
            is_party_member=data.get("is_party_member", False),
        )
        if volunteer is not None:
            messages.success(request, _("Thank you! Your station will review your registration."))
            return redirect("volunteers:mine")
        if not form.errors:  # a domain error (already registered): shown as a message
            return redirect("volunteers:mine")
    return render(request, "volunteers/register.html", {"form": form, "station": station})


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The person's own volunteer page: status, verified hours, stars, teams and records."""
    volunteer = (
        Volunteer.objects.filter(user_id=request.user.pk or 0).with_verified_hours().select_related("site").first()
    )
    if volunteer is None:
        return render(request, "volunteers/mine.html", {"volunteer": None})
    return render(request, "volunteers/mine.html", _volunteer_context(volunteer))


def _volunteer_context(volunteer: Volunteer) -> dict:
    hours = getattr(volunteer, "hours_verified", None) or 0
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
    context["can_decide"] = permissions.may_decide_volunteer(request.user, volunteer)
    context["phone"] = permissions.volunteer_phone(request.user, volunteer)
    return render(request, "volunteers/detail.html", context)


# ---- staff: approvals and hours ---------------------------------------------------------------


@staff_required
def pending(request: HttpRequest) -> HttpResponse:
    """Registrations waiting for the staff member's decision (`?site=` narrows to a subtree)."""
    site = _site_filter(request)
    volunteers = Volunteer.objects.managed_by(request.user).filter(status=VolunteerStatus.PENDING)
    if site is not None:
        volunteers = volunteers.filter(site__path__startswith=site.path)
    volunteers = volunteers.select_related("site", "user").order_by("created_at", "pk")
    page = Paginator(volunteers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "volunteers/pending.html", {"page": page, "site": site})


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff approve or reject one registration."""
    volunteer = get_object_or_404(Volunteer.objects.visible_to(request.user), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("volunteers:pending")
    if form.cleaned_data["decision"] == "approve":
        if run_service(request, None, services.volunteer_approve, volunteer=volunteer, actor=request.user):
            messages.success(request, _("%(name)s is now an approved volunteer.") % {"name": volunteer.real_name})
    elif run_service(request, None, services.volunteer_reject, volunteer=volunteer, actor=request.user):
        messages.success(request, _("The registration of %(name)s was rejected.") % {"name": volunteer.real_name})
    return redirect("volunteers:pending")


@staff_required
def records(request: HttpRequest) -> HttpResponse:
    """Service records waiting for the station's staff to verify."""
    site = _site_filter(request)
    rows = ServiceRecord.objects.managed_by(request.user).filter(status=RecordStatus.PENDING)
    if site is not None:
        rows = rows.filter(volunteer__site__path__startswith=site.path)
    rows = rows.select_related("volunteer__site").order_by("served_on", "pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "volunteers/records.html", {"page": page, "site": site})


@login_required
@require_POST
def verify_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff certify or reject one record of hours."""
    record = get_object_or_404(ServiceRecord.objects.managed_by(request.user), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("volunteers:records")
    approve = form.cleaned_data["decision"] == "approve"
    if run_service(request, None, services.service_record_verify, record=record, actor=request.user, approve=approve):
        messages.success(request, _("The record was decided."))
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
    """A team, its members (phones as `permissions.may_see_volunteer_phone` allows) and, for its
    leader and staff, the form to add a member."""
    team = get_object_or_404(Team.objects.visible_to(request.user).select_related("site", "leader"), pk=pk)
    manages = permissions.may_name_leader(request.user, team)
    memberships = list(
        team.memberships.select_related("volunteer__user__household__grid__station").order_by("joined_at", "pk")
    )
    for membership in memberships:
        membership.phone_shown = permissions.may_see_volunteer_phone(request.user, membership.volunteer, team=team)
    form = None
    if permissions.may_add_member(request.user, team):
        form = AddMemberForm(request.POST or None, candidates=_member_candidates(team), show_list=manages)
        if request.method == "POST" and form.is_valid():
            chosen = form.cleaned_data["chosen"]
            if run_service(request, None, services.team_add_member, team=team, volunteer=chosen, actor=request.user):
                messages.success(request, _("%(name)s joined the team.") % {"name": chosen.real_name})
                return redirect("volunteers:team_detail", pk=team.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "volunteers/team_detail.html",
        {
            "team": team,
            "memberships": memberships,
            "form": form,
            "manages": manages,
            "milestones": recent_team_milestones(team),  # star milestones (volunteers/milestones.py)
        },
    )


@login_required
@require_POST
def team_leader(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff name a member as the team's leader."""
    team = get_object_or_404(Team.objects.visible_to(request.user).select_related("site"), pk=pk)
    if not permissions.may_name_leader(request.user, team):
        raise PermissionDenied
    volunteer_pk = int_param(request.POST.get("volunteer", ""))
    membership = (
        TeamMembership.objects.filter(team=team, volunteer_id=volunteer_pk).select_related("volunteer").first()
        if volunteer_pk is not None
        else None
    )
    if membership is None:
        messages.error(request, _("Choose a member of the team."))
        return redirect("volunteers:team_detail", pk=team.pk)
    volunteer = membership.volunteer
    if run_service(request, None, services.team_set_leader, team=team, volunteer=volunteer, actor=request.user):
        messages.success(request, _("%(name)s now leads the team.") % {"name": membership.volunteer.real_name})
    return redirect("volunteers:team_detail", pk=team.pk)


@staff_required
def team_create(request: HttpRequest) -> HttpResponse:
    """Staff create a team at a site of their subtree, optionally naming its leader."""
    sites = Site.objects.managed_by(request.user).filter(is_active=True).order_by("path")
    volunteers = (
        Volunteer.objects.managed_by(request.user).approved().select_related("user", "site").order_by("real_name")
    )
    initial = {}
    site = _site_filter(request)
    if site is not None:
        initial["site"] = site.pk
    form = TeamCreateForm(request.POST or None, sites=sites, volunteers=volunteers, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            team = run_service(
                request,
                form,
                services.team_create,
                site=data["site"],
                name=data["name"],
                description=data.get("description") or "",
                leader=data.get("leader"),
                actor=request.user,
            )
        except IntegrityError:  # the same name was taken a moment ago
            form.add_error("name", _("This site already has a team of that name."))
            team = None
        if team is not None:
            messages.success(request, _("The team was created."))
            return redirect("volunteers:team_detail", pk=team.pk)
    return render(request, "volunteers/team_create.html", {"form": form})
