"""Organisation endpoints: log in for a token, who am I, the site tree, the categories."""

from __future__ import annotations

import django_filters
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from practice_center import registry
from practice_center.api.base import ScopedReadOnlyViewSet
from practice_center.api.serializers import (
    MeSerializer,
    SiteDetailSerializer,
    SiteSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)
from practice_center.api.tokens import token_create
from practice_center.auth import login_retry_after
from practice_center.models import Site, SiteLevel
from practice_center.scoping import home_station, scope


class TokenView(APIView):
    """Trade a user name (or phone number) and password for an API token."""

    authentication_classes: list = []  # a login needs no session, so no CSRF either
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(description="Wrong user name or password."),
            429: OpenApiResponse(description="Too many failed log-ins; wait Retry-After seconds."),
        },
        auth=[],
        operation_id="auth_token_create",
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request, username=serializer.validated_data["username"], password=serializer.validated_data["password"]
        )
        if user is None and (retry := login_retry_after(request)):
            raise Throttled(wait=retry)  # 429 with Retry-After: the same limits as the log-in page
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": [_("The user name or phone number and password do not match.")]}
            )
        return Response({"token": token_create(user=user)})


def me_data(user) -> dict:
    """What GET /me/ answers: the caller, the roles merged from assignments and team leadership."""
    sc = scope(user)
    roles: list[dict] = [{"role": role, "site": site.pk} for role, site in sc.site_roles]
    roles += [{"role": role, "grid": grid_id} for role, grid_id, _station in sc.grid_roles]
    roles += [{"role": "team_leader", "team": team_id} for team_id in sc.team_ids_led]
    station = home_station(user)
    return {
        "volunteer": None,
        **registry.me_fields(user),
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "phone": user.phone,
        "roles": roles,
        "household": user.household_id,
        "station": station.pk if station else None,
        "is_superuser": user.is_superuser,
        "elderly_mode": user.elderly_mode,
    }


class MeView(APIView):
    """The caller's identity, roles, household, station and volunteer profile."""

    @extend_schema(responses={200: MeSerializer}, operation_id="me_retrieve")
    def get(self, request):
        return Response(MeSerializer(me_data(request.user)).data)


class SiteFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=SiteLevel.choices, help_text=_("Only sites of this level."))
    parent = django_filters.ModelChoiceFilter(
        queryset=Site.objects.all(), help_text=_("Only the direct children of this site.")
    )

    class Meta:
        model = Site
        fields = ["level", "parent"]


class SiteViewSet(ScopedReadOnlyViewSet):
    """The site tree (center, institutes, stations, points, bases). Public to every signed-in person."""

    filterset_class = SiteFilter
    queryset = Site.objects.order_by("path")

    def get_serializer_class(self):
        return SiteDetailSerializer if self.action == "retrieve" else SiteSerializer

    def retrieve(self, request, *args, **kwargs):
        site = self.get_object()
        ancestors = list(Site.objects.ancestors(site, include_self=False))
        return Response(SiteDetailSerializer(site, context={"request": request, "ancestors": ancestors}).data)
