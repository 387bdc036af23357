"""Pages of scheduled activities: the calendar, the detail with 报名, my activities, check-in
from the door QR; for staff: create/edit/publish/cancel/finish, attendees, the door QR page,
the sign-in sheet, the export, the summary with photos.

Views parse, call one service or selector, respond; wrong state → a message, wrong person →
403, invisible → 404, bad input → form errors. Every page works without JavaScript.
"""

from __future__ import annotations

import datetime
from typing import cast

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activities.models import (
    Activity,
    ActivityPhoto,
    ActivityStatus,
    Category,
    Enrollment,
    EnrollmentStatus,
    MenuItem,
    Theme,
)
from activities.sessions import checkin, ical, permissions, selectors, services
from activities.sessions.exceptions import NotEnrolled
from activities.sessions.forms import ActivityForm, PhoneCheckInForm, PhotoForm, SummaryForm
from practice_center.exceptions import DomainError, NotAllowed
from practice_center.exports import FORMATS, Sheet, export_response
from practice_center.forms import add_service_errors
from practice_center.models import Site, User
from practice_center.scoping import scope
from practice_center.text import int_param
from volunteers.models import Team


def _visible(request, pk: int) -> Activity:
    return get_object_or_404(
        Activity.objects.visible_to(request.user).select_related("site", "category", "theme", "team"), pk=pk
    )


def _managed(request, pk: int) -> Activity:
    """An activity the user manages; 404 if invisible, 403 if visible but not theirs."""
    activity = _visible(request, pk)
    if not permissions.may_manage(request.user, activity):
        raise PermissionDenied
    return activity


def _message(exc) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return " ".join(str(m) for ms in exc.message_dict.values() for m in ms)
        return " ".join(str(m) for m in exc.messages)
    return str(exc.message)


# ---- the calendar --------------------------------------------------------------------------------


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    sites = list(selectors.calendar_sites(request.user))
    site_id = int_param(request.GET.get("site", ""))
    site = next((s for s in sites if s.pk == site_id), None) if site_id else None
    site = site or selectors.default_site(request.user) or (sites[0] if sites else None)
    today = timezone.localdate()
    year, month = today.year, today.month
    raw = request.GET.get("month", "")
    if raw:
        try:
            parsed = datetime.datetime.strptime(raw[:7], "%Y-%m")
            if 2000 <= parsed.year <= 2100:
                year, month = parsed.year, parsed.month
        except ValueError:
            pass
    category = int_param(request.GET.get("category", ""))
    theme = int_param(request.GET.get("theme", ""))
    activities = (
        selectors.calendar_month(request.user, site=site, year=year, month=month, category=category, theme=theme)
        if site
        else []
    )
    first = datetime.date(year, month, 1)
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    themes = list(Theme.objects.for_site(site).order_by("-starts_on")[:50]) if site else []
    return render(
        request,
        "activities/sessions/calendar.html",
        {
            "site": site,
            "sites": sites,
            "month": first,
            "previous": previous,
            "following": following,
            "weeks": selectors.month_grid(year, month, activities),
            "activities": activities,
            "categories": list(Category.objects.all()),
            "themes": themes,
            "category": category,
            "theme": theme,
            "today": today,
            "may_create": scope(request.user).is_staff_anywhere,
        },
    )


# ---- one activity ---------------------------------------------------------------------------------


def _grid_people(user, activity):
    """Residents a grid worker may sign up for this activity (their grid's), or None."""
    grid_ids = scope(user).grid_ids
    if not grid_ids:
        return None
    return list(User.objects.filter(household__grid_id__in=grid_ids, is_active=True).order_by("name", "username")[:300])


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _visible(request, pk)
    activity = (
        selectors.with_counts(Activity.objects.filter(pk=activity.pk))
        .select_related("site", "category", "theme", "team")
        .get()
    )
    mine = Enrollment.objects.filter(activity=activity, person=cast(User, request.user)).first()  # login_required
    actions = permissions.actions_for(request.user, activity, mine)
    return render(
        request,
        "activities/sessions/detail.html",
        {
            "activity": activity,
            "seats_left": selectors.seats_left(activity),
            "mine": mine,
            "rank": services.waitlist_rank(mine) if mine else None,
            "actions": actions,
            "photos": list(activity.photos.all()),
            "grid_people": _grid_people(request.user, activity)
            if activity.status == ActivityStatus.PUBLISHED
            else None,
            "no_shows": selectors.no_shows(activity) if "attendees" in actions and activity.is_past else None,
        },
    )


@login_required
@require_POST
def enroll(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _visible(request, pk)
    user = person = cast(User, request.user)  # login_required
    person_id = int_param(request.POST.get("person", ""))
    if person_id and person_id != user.pk:
        person = get_object_or_404(User, pk=person_id, is_active=True)
    try:
        enrollment = services.enrollment_create(activity=activity, person=person, actor=user)
    except (DomainError, NotAllowed, ValidationError) as exc:
        messages.error(request, _message(exc))
    else:
        if enrollment.status == EnrollmentStatus.ENROLLED:
            messages.success(request, _("Signed up. See you there!"))
        else:
            messages.info(
                request,
                _("The activity is full: you are number %(n)d on the waiting list. We tell you when a seat frees up.")
                % {"n": services.waitlist_rank(enrollment)},
            )
    return redirect("activities:session_detail", pk=activity.pk)


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _visible(request, pk)
    user = person = cast(User, request.user)  # login_required
    person_id = int_param(request.POST.get("person", ""))
    if person_id and person_id != user.pk:
        person = get_object_or_404(User, pk=person_id)
    try:
        services.enrollment_withdraw(activity=activity, person=person, actor=user)
    except (DomainError, NotAllowed, ValidationError) as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("You are no longer signed up."))
    return redirect("activities:session_detail", pk=activity.pk)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    return render(request, "activities/sessions/mine.html", selectors.my_activities(request.user))


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path)


@login_required
def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Add to my calendar": one event as .ics."""
    activity = _visible(request, pk)
    if activity.status == ActivityStatus.DRAFT:
        raise Http404
    body = ical.build(
        [activity],
        name=activity.title,
        host=request.get_host().split(":")[0],
        url_of=lambda a: _absolute(request, reverse("activities:session_detail", args=[a.pk])),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="activity-{activity.pk}.ics"'
    return response


# ---- check-in from the door QR --------------------------------------------------------------------


@login_required
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """The URL in the door QR. GET shows one big button (a tiny script presses it); POST checks in."""
    activity = _visible(request, pk)
    user = cast(User, request.user)  # login_required
    code = (request.POST.get("code") or request.GET.get("code") or "")[:12]
    result, error, not_enrolled = None, None, False
    if request.method == "POST":
        try:
            result = services.check_in_with_code(activity=activity, person=user, code=code)
        except NotEnrolled as exc:  # a walk-in: show the way to sign up instead of a dead button
            error, not_enrolled = _message(exc), True
        except (DomainError, NotAllowed, ValidationError) as exc:
            error = _message(exc)
    else:
        existing = Enrollment.objects.filter(activity=activity, person=user, checked_in_at__isnull=False).first()
        result = existing
    return render(
        request,
        "activities/sessions/check_in.html",
        {"activity": activity, "code": code, "result": result, "error": error, "not_enrolled": not_enrolled},
        status=400 if error and request.method == "POST" else 200,
    )


# ---- staff ----------------------------------------------------------------------------------------


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    """Activities of the managed subtrees, upcoming first then recent (drafts too)."""
    if not scope(request.user).is_staff_anywhere:
        raise PermissionDenied
    since = timezone.now() - datetime.timedelta(days=60)
    rows = list(
        selectors.with_counts(
            Activity.objects.managed_by(request.user).filter(ends_at__gte=since).select_related("site", "theme")
        ).order_by("starts_at", "id")[:300]
    )
    for activity in rows:
        activity.seats_left = selectors.seats_left(activity)
    return render(request, "activities/sessions/manage.html", {"activities": rows})


def _form_choices(user, site: Site | None):
    sites = Site.objects.managed_by(user).filter(is_active=True).order_by("path")
    if site is None:
        return {"sites": sites, "menu_items": MenuItem.objects.none(), "teams": Team.objects.none()}
    return {
        "sites": sites,
        "menu_items": MenuItem.objects.filter(site_id__in=site.ancestor_ids(), is_active=True).order_by("title"),
        "teams": Team.objects.filter(is_active=True).filter(site__path__startswith=site.path)
        | Team.objects.filter(is_active=True, site_id__in=site.ancestor_ids()),
    }


@login_required
def edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    activity = _managed(request, pk) if pk else None
    if activity is not None and not permissions.may_edit(request.user, activity):
        messages.error(request, _("A finished or cancelled activity cannot be edited."))
        return redirect("activities:session_detail", pk=activity.pk)
    if activity is None and not scope(request.user).is_staff_anywhere:
        raise PermissionDenied
    site = activity.site if activity else None
    if activity is None:
        site_id = int_param(request.POST.get("site", "") or request.GET.get("site", ""))
        site = Site.objects.managed_by(request.user).filter(pk=site_id).first() if site_id else None
        site = site or selectors.default_site(request.user)
    initial = {}
    if activity is not None:
        initial = {
            name: getattr(activity, name)
            for name in ("title", "category", "theme", "description", "place", "capacity", "waitlist", "open_to")
        }
        initial.update(
            starts_at=timezone.localtime(activity.starts_at),
            ends_at=timezone.localtime(activity.ends_at),
            signup_closes_at=timezone.localtime(activity.signup_closes_at) if activity.signup_closes_at else None,
            menu_item=activity.menu_item,
            team=activity.team,
        )
    else:
        initial = {"site": site, "waitlist": True}
    form = ActivityForm(
        request.POST or None, initial=initial, editing=activity is not None, **_form_choices(request.user, site)
    )
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        try:
            if activity is None:
                chosen = values.pop("site")
                activity = services.activity_create(actor=cast(User, request.user), site=chosen, **values)
                messages.success(request, _("The activity is saved as a draft. Publish it when it is ready."))
            else:
                services.activity_update(activity=activity, actor=cast(User, request.user), **values)
                messages.success(request, _("Changes saved."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        except (DomainError, NotAllowed) as exc:
            form.add_error(None, str(exc.message))
        else:
            return redirect("activities:session_detail", pk=activity.pk)
    rooms = site.rooms if site is not None and isinstance(site.rooms, list) else []
    return render(request, "activities/sessions/form.html", {"form": form, "activity": activity, "rooms": rooms})


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """publish, cancel (with a reason) or finish."""
    activity = _managed(request, pk)
    try:
        if action == "publish":
            services.activity_publish(activity=activity, actor=cast(User, request.user))
            messages.success(request, _("Published: residents can now sign up."))
        elif action == "cancel":
            reason = request.POST.get("reason", "")[:2000]
            services.activity_cancel(activity=activity, actor=cast(User, request.user), reason=reason)
            messages.success(request, _("Cancelled. Everyone signed up or waiting is told."))
        elif action == "finish":
            services.activity_finish(activity=activity, actor=cast(User, request.user))
            messages.success(request, _("Finished. The serving team's hours wait for verification."))
        else:
            raise Http404
    except (DomainError, NotAllowed, ValidationError) as exc:
        messages.error(request, _message(exc))
    return redirect("activities:session_detail", pk=activity.pk)


@login_required
def attendees(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed(request, pk)
    fmt = request.GET.get("format", "")
    rows = selectors.attendees(activity)
    if fmt in FORMATS:
        header = [
            _("Name"),
            _("Phone"),
            _("Household"),
            _("Status"),
            _("Place on the waiting list"),
            _("Checked in at"),
            _("Signed up at"),
            _("Signed up by"),
        ]
        data = [
            [
                e.person.display_name,
                e.person.phone or "",
                e.person.household.name if e.person.household is not None else "",
                e.get_status_display(),
                e.rank or "",
                e.checked_in_at,
                e.created_at,
                e.signed_up_by.display_name if e.signed_up_by is not None and e.signed_up_by_id != e.person_id else "",
            ]
            for e in rows
        ]
        return export_response(
            fmt, filename=f"activity-{activity.pk}-attendees", sheets=[Sheet(activity.title[:30], header, data)]
        )
    phone_form = PhoneCheckInForm(request.POST or None)
    if request.method == "POST":
        person = None
        person_id = int_param(request.POST.get("person", ""))
        if person_id:
            person = next((e.person for e in rows if e.person_id == person_id), None)
        elif phone_form.is_valid():
            person = services.person_by_phone(phone_form.cleaned_data["phone"])
        if person is None:
            messages.error(request, _("Nobody signed up has this phone number."))
        else:
            try:
                services.check_in_by_staff(activity=activity, person=person, actor=cast(User, request.user))
            except (DomainError, NotAllowed, ValidationError) as exc:
                messages.error(request, _message(exc))
            else:
                messages.success(request, _("%(name)s is checked in.") % {"name": person.display_name})
        return redirect("activities:session_attendees", pk=activity.pk)
    counts = {
        "enrolled": sum(e.status == EnrollmentStatus.ENROLLED for e in rows),
        "waitlisted": sum(e.status == EnrollmentStatus.WAITLISTED for e in rows),
        "checked_in": sum(e.checked_in_at is not None for e in rows),
    }
    return render(
        request,
        "activities/sessions/attendees.html",
        {
            "activity": activity,
            "rows": rows,
            "counts": counts,
            "no_shows": counts["enrolled"] - counts["checked_in"] if activity.is_past else None,
            "phone_form": phone_form,
            "may_check_in": activity.status in (ActivityStatus.PUBLISHED, ActivityStatus.FINISHED),
        },
    )


@login_required
def sign_in_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable A4 sign-in sheet (签到表): the enrolled, with an empty column to sign."""
    activity = _managed(request, pk)
    rows = [e for e in selectors.attendees(activity) if e.status == EnrollmentStatus.ENROLLED]
    blanks = range(max(10, 25 - len(rows) % 25) if len(rows) < 25 else 5)
    return render(
        request, "activities/sessions/sign_in_sheet.html", {"activity": activity, "rows": rows, "blanks": blanks}
    )


def qr_svg(url: str, *, scale: int = 10) -> str:
    """The QR of `url` as inline SVG markup (segno), black on white, for the door page."""
    return segno.make(url, error="m").svg_inline(scale=scale, dark="#000", light="#fff", omitsize=True)


@login_required
def door(request: HttpRequest, pk: int) -> HttpResponse:
    """The door page: a big QR of the check-in URL with the current code; reloads itself."""
    activity = _managed(request, pk)
    opens, closes = checkin.window(activity)
    now = timezone.now()
    is_open = activity.status == ActivityStatus.PUBLISHED and opens <= now <= closes
    code, valid_until = checkin.current_code(activity.pk)
    url = _absolute(request, reverse("activities:session_check_in", args=[activity.pk])) + f"?code={code}"
    refresh = max(5, min(30, int((valid_until - now).total_seconds()) - 60))
    return render(
        request,
        "activities/sessions/door.html",
        {
            "activity": activity,
            "is_open": is_open,
            "opens": opens,
            "closes": closes,
            "code": code,
            "url": url,
            "qr": mark_safe(qr_svg(url)) if is_open else "",  # noqa: S308 - segno's own SVG markup
            "refresh": refresh,
            "checked_in": activity.enrollments.filter(checked_in_at__isnull=False).count(),
        },
    )


@login_required
def summary(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed(request, pk)
    if not permissions.may_summarise(request.user, activity):
        raise PermissionDenied
    summary_form = SummaryForm(initial={"summary": activity.summary})
    photo_form = PhotoForm()
    if request.method == "POST":
        try:
            if "image" in request.FILES:
                photo_form = PhotoForm(request.POST, request.FILES)
                if photo_form.is_valid():
                    services.photo_add(
                        activity=activity,
                        actor=cast(User, request.user),
                        upload=photo_form.cleaned_data["image"],
                        caption=photo_form.cleaned_data["caption"],
                    )
                    messages.success(request, _("Photo added."))
                    return redirect("activities:session_summary", pk=activity.pk)
            else:
                summary_form = SummaryForm(request.POST)
                if summary_form.is_valid():
                    services.activity_summarise(
                        activity=activity, actor=cast(User, request.user), summary=summary_form.cleaned_data["summary"]
                    )
                    messages.success(request, _("Summary saved."))
                    return redirect("activities:session_detail", pk=activity.pk)
        except ValidationError as exc:
            add_service_errors(photo_form if "image" in request.FILES else summary_form, exc)
        except (DomainError, NotAllowed) as exc:
            messages.error(request, str(exc.message))
    return render(
        request,
        "activities/sessions/summary.html",
        {
            "activity": activity,
            "summary_form": summary_form,
            "photo_form": photo_form,
            "photos": list(activity.photos.all()),
        },
    )


@login_required
def photo(request: HttpRequest, pk: int, photo_id: int) -> FileResponse:
    """A photo of an activity for whoever may see the activity: the phone-sized copy (the kept
    copy, at most PHOTO_KEEP_EDGE px, only with ?size=full for staff). Served by the portal, as
    nothing serves MEDIA_URL once DEBUG is off."""
    activity = _visible(request, pk)
    item = get_object_or_404(ActivityPhoto, pk=photo_id, activity=activity)
    wants_full = request.GET.get("size") == "full" and permissions.may_manage(request.user, activity)
    field = item.image if wants_full or not item.phone_image else item.phone_image
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, filename=(field.name or "").rsplit("/", 1)[-1])
    response["Cache-Control"] = "private, max-age=3600"
    return response
