"""REST API of service certificates (mounted under /api/v1/, see shared/API.md).

- `GET|POST /volunteers/{id}/certificates/`: the volunteer's certificates; ask for one with
  `{"from", "to"}` (the volunteer, or staff of their subtree) → 201 (200 when the same facts
  were certified already: a repeat returns that certificate);
- `GET /volunteers/{id}/certificates/{code}.pdf`: the PDF;
- `GET /certificates/{code}/` (no log-in): the facts with the name masked, and `valid`.
"""

from __future__ import annotations

from typing import cast

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from practice_center.api.base import ScopedQuerysetMixin
from volunteers import certificates as service
from volunteers.certificate_permissions import may_read_certificates
from volunteers.certificate_views import pdf_response, verify_url
from volunteers.models import Certificate, Volunteer

FORBIDDEN = OpenApiResponse(description="You may not do this.")
CONFLICT = OpenApiResponse(description='The state forbids it: `{"detail", "code"}`.')


class CertificateRequestSerializer(serializers.Serializer):
    """`{"from": "2026-01-01", "to": "2026-06-30"}`: local dates (Asia/Shanghai), both included."""

    def get_fields(self):
        # "from" is a Python keyword, so the fields are declared here rather than as attributes.
        return {
            "from": serializers.DateField(help_text="First day (included)."),
            "to": serializers.DateField(help_text="Last day (included), not after today."),
        }


class CategoryHoursSerializer(serializers.Serializer):
    name = serializers.CharField()
    hours = serializers.DecimalField(max_digits=9, decimal_places=2)


class CertificateSerializer(serializers.ModelSerializer):
    """A certificate as its volunteer and staff see it (the full name)."""

    formatted_code = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The public verification page (what the QR code opens).")
    api_url = serializers.SerializerMethodField(help_text="The public verification endpoint.")
    pdf_url = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField(help_text="valid, superseded or altered.")
    valid = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()
    teams = serializers.SerializerMethodField()
    by_category = serializers.SerializerMethodField()
    star_level = serializers.SerializerMethodField()
    site = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "code",
            "formatted_code",
            "url",
            "api_url",
            "pdf_url",
            "status",
            "valid",
            "volunteer",
            "name",
            "teams",
            "period_from",
            "period_to",
            "hours",
            "by_category",
            "star_level",
            "site",
            "issued_at",
            "content_hash",
        ]

    def _status(self, obj: Certificate) -> str:
        statuses = cast(dict, self.context).setdefault("statuses", {})
        if obj.pk not in statuses:
            statuses.update(service.statuses_of([obj]))
        return statuses[obj.pk]

    def get_formatted_code(self, obj) -> str:
        return service.format_code(obj.code)

    def get_url(self, obj) -> str:
        return verify_url(self.context["request"], obj)

    def get_api_url(self, obj) -> str:
        return self.context["request"].build_absolute_uri(reverse("certificate-public", args=[obj.code]))

    def get_pdf_url(self, obj) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("volunteer-certificate-pdf", args=[obj.volunteer_id, obj.code])
        )

    def get_status(self, obj) -> str:
        return self._status(obj)

    def get_valid(self, obj) -> bool:
        return self._status(obj) == service.VALID

    def get_name(self, obj) -> str:
        return obj.content["volunteer"]["name"]

    def get_teams(self, obj) -> list[str]:
        return list(obj.content.get("teams", []))

    def get_by_category(self, obj) -> list[dict]:
        return [{"name": service.category_name(c), "hours": c["hours"]} for c in obj.content.get("by_category", [])]

    def get_star_level(self, obj) -> int:
        return int(obj.content.get("star_level", 0))

    def get_site(self, obj) -> dict:
        return {"id": obj.site_id, "name": obj.content["site"]["name"]}


class PublicCertificateSerializer(serializers.Serializer):
    """What anyone may read: the facts with the name masked, and whether it is still valid."""

    code = serializers.CharField()
    formatted_code = serializers.CharField()
    valid = serializers.BooleanField()
    status = serializers.CharField(help_text="valid, superseded or altered.")
    name = serializers.CharField(help_text="The volunteer's name, masked (张*明).")
    teams = serializers.ListField(child=serializers.CharField())
    site = serializers.CharField(help_text="The issuing station.")
    period_from = serializers.DateField()
    period_to = serializers.DateField()
    hours = serializers.DecimalField(max_digits=9, decimal_places=2)
    by_category = CategoryHoursSerializer(many=True)
    star_level = serializers.IntegerField()
    issued_at = serializers.DateTimeField()
    content_hash = serializers.CharField(help_text="SHA-256 of the certificate's frozen content.")


def _volunteer(request, volunteer_pk: int) -> Volunteer:
    volunteer = get_object_or_404(
        Volunteer.objects.visible_to(request.user).select_related("site", "user"), pk=volunteer_pk
    )
    if not may_read_certificates(request.user, volunteer):
        from rest_framework.exceptions import PermissionDenied

        raise PermissionDenied()
    return volunteer


class VolunteerCertificates(ScopedQuerysetMixin, generics.ListCreateAPIView):
    """A volunteer's service certificates, newest first; POST asks for a new one."""

    queryset = Certificate.objects.select_related("site")
    serializer_class = CertificateSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Certificate.objects.none()
        volunteer = _volunteer(self.request, self.kwargs["volunteer_pk"])
        return super().get_queryset().filter(volunteer=volunteer).order_by("-issued_at", "-id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = self.get_serializer_context()
        context["statuses"] = service.statuses_of(page)
        return self.get_paginated_response(CertificateSerializer(page, many=True, context=context).data)

    @extend_schema(
        request=CertificateRequestSerializer,
        responses={
            201: CertificateSerializer,
            200: OpenApiResponse(CertificateSerializer, description="The same facts were certified already."),
            400: OpenApiResponse(description="Bad period, or no verified hours in it."),
            403: FORBIDDEN,
            404: OpenApiResponse(description="No such volunteer in your view."),
            409: CONFLICT,
        },
        description="Certify the volunteer's verified hours from `from` to `to` (local dates, both included). "
        "The volunteer, or staff of the volunteer's station or a site above it.",
    )
    def create(self, request, *args, **kwargs):
        volunteer = _volunteer(request, self.kwargs["volunteer_pk"])
        serializer = CertificateRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        certificate = service.certificate_issue(
            volunteer=volunteer,
            date_from=serializer.validated_data["from"],
            date_to=serializer.validated_data["to"],
            actor=request.user,
        )
        code = status.HTTP_201_CREATED if certificate.just_issued else status.HTTP_200_OK
        return Response(CertificateSerializer(certificate, context=self.get_serializer_context()).data, status=code)


class CertificatePdf(APIView):
    """The certificate as a PDF (A4, Chinese fonts embedded), for the volunteer and staff."""

    @extend_schema(
        operation_id="volunteers_certificates_pdf",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, 403: FORBIDDEN, 404: OpenApiResponse()},
    )
    def get(self, request, volunteer_pk: int, code: str):
        volunteer = _volunteer(request, volunteer_pk)
        normal = service.normalize_code(code)
        if normal is None:
            raise Http404
        certificate = get_object_or_404(
            Certificate.objects.visible_to(request.user).select_related("site"), volunteer=volunteer, code=normal
        )
        return pdf_response(request, certificate)


class PublicCertificate(APIView):
    """Anyone checks a certificate by its code: the facts (name masked) and `valid`."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: PublicCertificateSerializer, 404: OpenApiResponse(description="No such code.")})
    def get(self, request, code: str):
        certificate = service.find_by_code(code)
        if certificate is None:
            raise Http404
        view = service.public_view(certificate)
        data = {
            "code": view.code,
            "formatted_code": view.formatted_code,
            "valid": view.valid,
            "status": view.status,
            "name": view.name,
            "teams": view.teams,
            "site": view.site,
            "period_from": view.period_from,
            "period_to": view.period_to,
            "hours": view.hours,
            "by_category": view.by_category,
            "star_level": view.star_level,
            "issued_at": view.issued_at,
            "content_hash": view.content_hash,
        }
        return Response(data)
