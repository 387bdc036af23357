"""GET /api/v1/points/rankings/: households ranked by points earned in a period.

Paginated like every list (`count`, `next`, `previous`, `results`); each result is
`{"rank", "household", "household_name", "category", "station", "points", "hours", "is_mine"}`.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView

from points.permissions import may_see_full_names
from points.rankings import BASIS_TEXT, TIE_BREAK_TEXT, parse_category, parse_period, ranking, ranking_site_for
from practice_center.models import Site
from practice_center.text import mask_name


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    household = serializers.IntegerField(source="pk")
    household_name = serializers.SerializerMethodField()
    category = serializers.CharField()
    station = serializers.CharField(source="grid.station.name")
    points = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    is_mine = serializers.SerializerMethodField()

    def get_household_name(self, obj) -> str:
        if self.context.get("full_names") or obj.pk == self.context.get("own_household"):
            return obj.name
        return mask_name(obj.name)

    def get_is_mine(self, obj) -> bool:
        return obj.pk == self.context.get("own_household")


class RankingQuerySerializer(serializers.Serializer):
    site = serializers.IntegerField(required=False, min_value=1)
    category = serializers.CharField(required=False, allow_blank=True)
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    period = serializers.CharField(required=False, allow_blank=True)

    def validate_category(self, value):
        try:
            return parse_category(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc))

    def validate_period(self, value):
        try:
            return parse_period(value) if value else None
        except ValueError as exc:
            raise serializers.ValidationError(str(exc))

    def validate_site(self, value):
        site = Site.objects.filter(pk=value, is_active=True).first()
        if site is None:
            raise serializers.ValidationError(_("No such site."))
        return site


class RankingView(GenericAPIView):
    """Households ranked by points earned in a period (`points.rankings`)."""

    serializer_class = RankingRowSerializer

    @extend_schema(
        operation_id="points_rankings_list",
        description=f"{BASIS_TEXT} {TIE_BREAK_TEXT} Staff rank any site of their subtrees; residents their own "
        "station, with other households' names masked. Default: the caller's station (staff: the highest "
        "managed site) and the current year.",
        parameters=[
            OpenApiParameter("site", OpenApiTypes.INT, description="Rank the households under this site."),
            OpenApiParameter("category", OpenApiTypes.STR, enum=["local", "migrant", "other"]),
            OpenApiParameter("year", OpenApiTypes.INT, description="A calendar year, such as 2026."),
            OpenApiParameter("period", OpenApiTypes.STR, description="A year (2026) or a month (2026-05)."),
        ],
        responses=RankingRowSerializer(many=True),
    )
    def get(self, request):
        query = RankingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        if data.get("year") and data.get("period"):
            raise ValidationError({"period": [_("Give either year or period, not both.")]})
        period = data.get("period") or parse_period(str(data["year"]) if data.get("year") else "")
        site = ranking_site_for(request.user, data.get("site"))
        rows = ranking(site=site, period=period, category=data.get("category", ""))
        page = self.paginate_queryset(rows)
        context = {
            "request": request,
            "own_household": request.user.household_id,
            "full_names": may_see_full_names(request.user, site),
        }
        serializer = RankingRowSerializer(page, many=True, context=context)
        return self.get_paginated_response(serializer.data)

    def get_queryset(self):  # for the schema generator only
        return Site.objects.none()
