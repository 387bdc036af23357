"""Pages of service certificates and hours exports; the public verification page; the PDF.

The PDF is made with WeasyPrint from the same HTML as the print page (templates/volunteers/
certificates/_sheet.html), with the Noto CJK font named in its CSS, so the Chinese glyphs are
embedded (subset) and the file renders the same on any machine.
"""

from __future__ import annotations

import datetime
import logging
from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from practice_center.exceptions import DomainError, NotAllowed
from practice_center.exports import FORMATS, Sheet, export_response
from practice_center.forms import add_service_errors
from practice_center.models import Site, User
from practice_center.pages import qr_svg
from practice_center.scoping import scope
from practice_center.text import int_param
from volunteers import certificates as service
from volunteers.certificate_permissions import (
    certificate_actions_for,
    may_export_hours,
    may_export_site_hours,
    may_read_certificates,
)
from volunteers.models import Certificate, RecordStatus, ServiceRecord, Team, Volunteer

LIST_LIMIT = 50


# ---- forms --------------------------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PeriodForm(forms.Form):
    """The period of a certificate: two local dates, both included."""

    date_from = forms.DateField(label=gettext_lazy("From"), widget=DateInput())
    date_to = forms.DateField(label=gettext_lazy("To (included)"), widget=DateInput())


class HoursExportForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=gettext_lazy("To (included)"), required=False, widget=DateInput())
    format = forms.ChoiceField(
        label=gettext_lazy("File type"),
        choices=[("xlsx", gettext_lazy("Excel (.xlsx)")), ("csv", gettext_lazy("CSV (.csv)"))],
        initial="xlsx",
        widget=forms.RadioSelect,
    )


def _this_year() -> dict[str, datetime.date]:
    today = timezone.localdate()
    return {"date_from": today.replace(month=1, day=1), "date_to": today}


# ---- shared lookups ------------------------------------------------------------------------------


def _volunteer_for(request: HttpRequest, pk: int) -> Volunteer:
    """The volunteer if the caller may see them (else 404) and read their certificates (else 403)."""
    volunteer = get_object_or_404(Volunteer.objects.visible_to(request.user).select_related("site", "user"), pk=pk)
    if not may_read_certificates(request.user, volunteer):
        raise PermissionDenied
    return volunteer


def _certificate_for(request: HttpRequest, pk: int, code: str) -> Certificate:
    volunteer = _volunteer_for(request, pk)
    normal = service.normalize_code(code)
    if normal is None:
        raise Http404
    return get_object_or_404(Certificate.objects.select_related("site", "volunteer"), volunteer=volunteer, code=normal)


def verify_url(request: HttpRequest, certificate: Certificate) -> str:
    """The absolute public address of the certificate (what its QR code encodes)."""
    return request.build_absolute_uri(reverse("certificate_verify", args=[certificate.code]))


def _sheet_context(request: HttpRequest, certificate: Certificate, status: str) -> dict:
    url = verify_url(request, certificate)
    content = certificate.content
    return {
        "certificate": certificate,
        "content": content,
        "status": status,
        "status_label": service.STATUS_LABELS[status],
        "valid": status == service.VALID,
        "formatted_code": service.format_code(certificate.code),
        "categories": [{"name": service.category_name(c), "hours": c["hours"]} for c in content["by_category"]],
        "star_range": range(int(content.get("star_level", 0))),
        "verify_url": url,
        "qr": qr_svg(url, scale=4),
    }


# WeasyPrint reports every step at INFO; a request log needs none of it.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def certificate_pdf_bytes(request: HttpRequest, certificate: Certificate) -> bytes:
    """The certificate as a one-page A4 PDF in the active language, fonts embedded."""
    from weasyprint import HTML

    html = render_to_string(
        "volunteers/certificates/pdf.html",
        _sheet_context(request, certificate, service.status_of(certificate)),
        request=request,
    )
    return HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()


def pdf_response(request: HttpRequest, certificate: Certificate) -> HttpResponse:
    response = HttpResponse(certificate_pdf_bytes(request, certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{certificate.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# ---- a volunteer's certificates ----------------------------------------------------------------


@login_required
def my_certificates(request: HttpRequest) -> HttpResponse:
    volunteer = Volunteer.objects.filter(user_id=request.user.pk or 0).only("pk").first()
    if volunteer is None:
        return redirect("volunteers:mine")
    return redirect("volunteers:certificates", pk=volunteer.pk)


@login_required
@require_http_methods(["GET", "POST"])
def certificate_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The volunteer's certificates (newest first) and the form that asks for a new one."""
    volunteer = _volunteer_for(request, pk)
    actions = certificate_actions_for(request.user, volunteer)
    form = PeriodForm(request.POST or None, initial=_this_year())
    if request.method == "POST":
        if "issue" not in actions:
            raise PermissionDenied
        if form.is_valid():
            try:
                certificate = service.certificate_issue(
                    volunteer=volunteer,
                    date_from=form.cleaned_data["date_from"],
                    date_to=form.cleaned_data["date_to"],
                    actor=cast(User, request.user),  # login_required
                )
            except ValidationError as exc:
                # The service names the fields as the API does.
                add_service_errors(form, exc, field_map={"from": "date_from", "to": "date_to"})
            except DomainError as exc:
                messages.error(request, str(exc.message))
            except NotAllowed as exc:
                raise PermissionDenied(str(exc.message))
            else:
                return redirect("volunteers:certificate_detail", pk=volunteer.pk, code=certificate.code)
    items = list(volunteer.certificates.select_related("site")[:LIST_LIMIT])
    statuses = service.statuses_of(items)
    rows = [
        {
            "certificate": c,
            "formatted_code": service.format_code(c.code),
            "status": statuses[c.pk],
            "status_label": service.STATUS_LABELS[statuses[c.pk]],
        }
        for c in items
    ]
    return render(
        request,
        "volunteers/certificates/list.html",
        {
            "volunteer": volunteer,
            "form": form,
            "rows": rows,
            "actions": actions,
            "is_self": volunteer.user_id == request.user.pk,
        },
    )


@login_required
def certificate_detail(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """The print page of one certificate (the full name; the same sheet as the PDF)."""
    certificate = _certificate_for(request, pk, code)
    context = _sheet_context(request, certificate, service.status_of(certificate))
    context["volunteer"] = certificate.volunteer
    return render(request, "volunteers/certificates/detail.html", context)


@login_required
def certificate_pdf(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    return pdf_response(request, _certificate_for(request, pk, code))


# ---- public verification ----------------------------------------------------------------------


@never_cache
def certificate_lookup(request: HttpRequest) -> HttpResponse:
    """Type a code from paper: a well-formed one goes to its page (which may answer 404)."""
    text = request.GET.get("code", "")
    error = ""
    if text:
        code = service.normalize_code(text)
        if code is not None:
            return redirect("certificate_verify", code=code)
        error = _("A certificate code has 16 letters and digits, such as ABCD-EFGH-JKMN-PQRS.")
    return render(request, "volunteers/certificates/lookup.html", {"text": text[:64], "error": error})


@never_cache
def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone (no log-in) checks a certificate: its facts with the name masked, when it was
    issued, and whether it is still valid. An unknown or malformed code answers 404."""
    certificate = service.find_by_code(code)
    if certificate is None:
        raise Http404
    view = service.public_view(certificate)
    return render(request, "volunteers/certificates/verify.html", {"view": view, "star_range": range(view.star_level)})


# ---- hours exports ----------------------------------------------------------------------------


def _export_scope(request: HttpRequest):
    """(records, volunteer, team, site, chosen) the caller may export, from ?volunteer=, ?team=,
    ?site=. Staff: their subtree; anyone else: their own records only."""
    sc = scope(request.user)
    records = ServiceRecord.objects.visible_to(request.user).filter(status=RecordStatus.VERIFIED)
    if not sc.is_staff_anywhere:
        records = records.filter(volunteer__user=request.user)
    volunteer = team = site = None
    if (volunteer_pk := int_param(request.GET.get("volunteer"))) is not None:
        volunteer = get_object_or_404(
            Volunteer.objects.visible_to(request.user).select_related("site"), pk=volunteer_pk
        )
        if not may_export_hours(request.user, volunteer):
            raise PermissionDenied
        records = records.filter(volunteer=volunteer)
    if (team_pk := int_param(request.GET.get("team"))) is not None:
        team = get_object_or_404(Team.objects.visible_to(request.user).select_related("site"), pk=team_pk)
        if not may_export_site_hours(request.user, team.site):
            raise PermissionDenied
        records = records.filter(volunteer__memberships__team=team)
    if (site_pk := int_param(request.GET.get("site"))) is not None:
        site = get_object_or_404(Site.objects.all(), pk=site_pk)
        if not may_export_site_hours(request.user, site):
            raise PermissionDenied
        records = records.filter(volunteer__site__path__startswith=site.path)
    return records, volunteer, team, site


HEADER = (
    gettext_lazy("Date"),
    gettext_lazy("Volunteer"),
    gettext_lazy("Activity or order"),
    gettext_lazy("Source"),
    gettext_lazy("Category"),
    gettext_lazy("Hours"),
    gettext_lazy("Verified by"),
    gettext_lazy("Verified at"),
)


@login_required
def hours_export(request: HttpRequest) -> HttpResponse:
    """Verified hours as Excel or CSV, for a volunteer, a team, a site and a period.

    Without `format` (or with a bad one) the page shows the form; with it, the file."""
    records, volunteer, team, site = _export_scope(request)
    if volunteer is None and team is None and site is None and not scope(request.user).is_staff_anywhere:
        volunteer = Volunteer.objects.filter(user_id=request.user.pk or 0).first()
        if volunteer is None:
            return redirect("volunteers:mine")
    form = HoursExportForm(request.GET if "format" in request.GET else None, initial={"format": "xlsx", **_this_year()})
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["date_from"]:
            records = records.filter(served_on__gte=data["date_from"])
        if data["date_to"]:
            records = records.filter(served_on__lte=data["date_to"])
        if team is not None:
            records = records.distinct()
        rows = service.hours_rows(records)
        body = [
            [
                r["date"],
                r["volunteer"],
                r["what"],
                r["source"],
                r["category"],
                r["hours"],
                r["verified_by"],
                r["verified_at"],
            ]
            for r in rows
        ]
        total = sum((r["hours"] for r in rows), start=0)
        body.append(["", "", "", "", _("Total"), total, "", ""])
        subject = (volunteer and volunteer.real_name) or (team and team.name) or (site and site.name) or _("hours")
        stamp = timezone.localdate().isoformat()
        return export_response(
            data["format"],
            filename=f"{_('service-hours')}-{subject}-{stamp}",
            sheets=[Sheet(title=str(_("Service hours")), header=[str(h) for h in HEADER], rows=body)],
        )
    staff_sites = (
        Site.objects.managed_by(request.user).order_by("path")[:200] if scope(request.user).is_staff_anywhere else []
    )
    return render(
        request,
        "volunteers/certificates/export.html",
        {
            "form": form,
            "volunteer": volunteer,
            "team": team,
            "site": site,
            "staff_sites": staff_sites,
            "formats": FORMATS,
        },
    )
