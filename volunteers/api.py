"""REST API of volunteers, teams and service records (mounted under /api/v1/).

Every queryset starts from the model's `visible_to(user)`; objects outside the caller's scope
are 404. State changes go through `volunteers.services`; their domain errors become 409 and
NotAllowed 403 in `practice_center.api.errors`.
"""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django.db.models import Count, DecimalField, OuterRef, Prefetch, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from practice_center.api.base import ScopedGenericViewSet, ScopedReadOnlyViewSet
from practice_center.models import Site
from volunteers import services
from volunteers.models import (
    RecordStatus,
    ServiceRecord,
    Team,
    TeamMembership,
    Volunteer,
    VolunteerStatus,
)
from volunteers.serializers import (
    ServiceRecordSerializer,
    ServiceRecordVerifySerializer,
    TeamDetailSerializer,
    TeamSerializer,
    VolunteerDetailSerializer,
    VolunteerRegisterSerializer,
    VolunteerSerializer,
)

CONFLICT = OpenApiResponse(description='The state forbids it: `{"detail", "code"}`.')
FORBIDDEN = OpenApiResponse(description="You may not do this.")


def _verified_hours():
    """Sum of verified hours as a subquery, so joins made by `visible_to` never multiply it."""
    total = (
        ServiceRecord.objects.filter(volunteer=OuterRef("pk"), status=RecordStatus.VERIFIED)
        .order_by()
        .values("volunteer")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    field = DecimalField(max_digits=10, decimal_places=2)
    return Coalesce(Subquery(total, output_field=field), Value(Decimal("0")), output_field=field)


def _with_hours(volunteers):
    """Volunteers with what the serializers read (no query per row)."""
    return (
        volunteers.select_related("site", "user__household__grid__station")
        .annotate(hours_verified=_verified_hours())
        .order_by("id")
    )


class _SubtreeFilter(django_filters.ModelChoiceFilter):
    """`?site=<id>`: rows whose site lies in that site's subtree (the site itself included)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Site.objects.all())
        kwargs.setdefault("help_text", _("Only rows of this site and the sites under it."))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__path__startswith": value.path})


class VolunteerFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=VolunteerStatus.choices)
    site = _SubtreeFilter(field_name="site")

    class Meta:
        model = Volunteer
        fields = ["status", "site"]


class VolunteerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Volunteers: register yourself, staff list and approve their station's volunteers."""

    filterset_class = VolunteerFilter
    queryset = Volunteer.objects.all()

    def get_queryset(self):
        qs = _with_hours(super().get_queryset())
        if self.action != "list":
            qs = qs.prefetch_related(Prefetch("teams", queryset=Team.objects.filter(is_active=True).order_by("id")))
        return qs

    def get_serializer_class(self):
        return VolunteerSerializer if self.action == "list" else VolunteerDetailSerializer

    def _answer(self, volunteer: Volunteer, code: int = status.HTTP_200_OK) -> Response:
        """The whole volunteer, re-read with hours, teams and the caller's view of the phone."""
        fresh = self.get_queryset().get(pk=volunteer.pk)
        return Response(VolunteerDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        request=VolunteerRegisterSerializer,
        responses={201: VolunteerDetailSerializer, 400: OpenApiResponse(description="Bad input."), 409: CONFLICT},
        description="Register the caller as a volunteer of their station; staff approve it. "
        "A second registration answers 409 `already_registered`.",
    )
    def create(self, request):
        serializer = VolunteerRegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        volunteer = services.volunteer_register(user=request.user, **serializer.validated_data)
        return self._answer(volunteer, status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: VolunteerDetailSerializer, 403: FORBIDDEN, 409: CONFLICT},
        description="Staff of the volunteer's station (or above) approve a pending registration.",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        volunteer = services.volunteer_approve(volunteer=self.get_object(), actor=request.user)
        return self._answer(volunteer)

    @extend_schema(
        request=None,
        responses={200: VolunteerDetailSerializer, 403: FORBIDDEN, 409: CONFLICT},
        description="Staff of the volunteer's station (or above) reject a pending registration.",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        volunteer = services.volunteer_reject(volunteer=self.get_object(), actor=request.user)
        return self._answer(volunteer)


class RecordFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RecordStatus.choices)

    class Meta:
        model = ServiceRecord
        fields = ["status"]


class VolunteerServiceRecordList(generics.ListAPIView):
    """A volunteer's service records, newest first (`?status=`)."""

    serializer_class = ServiceRecordSerializer
    filterset_class = RecordFilter
    queryset = ServiceRecord.objects.none()  # for the schema; get_queryset scopes it

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ServiceRecord.objects.none()
        volunteer = get_object_or_404(Volunteer.objects.visible_to(self.request.user), pk=self.kwargs["volunteer_pk"])
        return ServiceRecord.objects.filter(volunteer=volunteer).order_by("-served_on", "-id")


class ServiceRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Service records the caller may see; staff certify them with `verify`."""

    serializer_class = ServiceRecordSerializer
    filterset_class = RecordFilter
    queryset = ServiceRecord.objects.order_by("-served_on", "-id")

    @extend_schema(
        request=ServiceRecordVerifySerializer,
        responses={200: ServiceRecordSerializer, 403: FORBIDDEN, 409: CONFLICT},
        description="Staff of the volunteer's station certify (`approve: true`) or reject the hours.",
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        record = self.get_object()
        serializer = ServiceRecordVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.service_record_verify(
            record=record, actor=request.user, approve=serializer.validated_data["approve"]
        )
        return Response(ServiceRecordSerializer(record, context=self.get_serializer_context()).data)


class TeamFilter(django_filters.FilterSet):
    site = _SubtreeFilter(field_name="site")

    class Meta:
        model = Team
        fields = ["site"]


class TeamViewSet(ScopedReadOnlyViewSet):
    """Volunteer teams; `?site=` lists the teams of that site's subtree."""

    filterset_class = TeamFilter
    queryset = Team.objects.all()

    def get_queryset(self):
        qs = (
            super()
            .get_queryset()
            .select_related("site", "leader")
            .annotate(member_count=Count("memberships"))
            .order_by("site__path", "name")
        )
        if self.action == "retrieve":
            members = TeamMembership.objects.select_related("volunteer").order_by("joined_at", "id")
            qs = qs.prefetch_related(Prefetch("memberships", queryset=members))
        return qs

    def get_serializer_class(self):
        return TeamDetailSerializer if self.action == "retrieve" else TeamSerializer
