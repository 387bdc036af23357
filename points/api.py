"""REST API of civility points (mounted under /api/v1/points/).

Every queryset starts from a model's `visible_to(user)` (the viewsets through
`practice_center.api.base`): households, entries and redemptions outside the caller's scope are
404. Changes go through the modules of `points.services`; their domain errors become 409 with a
code and NotAllowed 403 in `practice_center.api.errors`.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from points import selectors
from points.models import Entry, Product, Redemption, RedemptionStatus, SourceType
from points.rankings import current_year, household_rank
from points.serializers import (
    AccountSerializer,
    AwardInputSerializer,
    CancelInputSerializer,
    CorrectInputSerializer,
    EntrySerializer,
    FulfilInputSerializer,
    ProductSerializer,
    RedemptionInputSerializer,
    RedemptionSerializer,
    RuleSerializer,
)
from points.services import awards, ledger, shop
from practice_center.api.base import ScopedListRetrieveCreateViewSet, ScopedQuerysetMixin, ScopedReadOnlyViewSet
from practice_center.models import Household
from practice_center.text import canonical_code

CONFLICT = OpenApiResponse(description='The state forbids it: `{"detail", "code"}`.')
FORBIDDEN = OpenApiResponse(description="You may not do this.")
MAX_ID = 2**62

HOUSEHOLD_PARAM = OpenApiParameter(
    "household", OpenApiTypes.INT, description="Staff: another household of your stations (default: your own)."
)


def _int_param(request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: [_("Enter a whole number.")]}) from None
    if not 1 <= value <= MAX_ID:
        raise ValidationError({name: [_("Enter a whole number.")]})
    return value


def household_for(request) -> Household:
    """`?household=` if the caller may see it (404 otherwise), else the caller's own."""
    pk = _int_param(request, "household")
    if pk is None:
        if not request.user.household_id:
            raise NotFound(_("You do not belong to a household; staff pass ?household=."))
        pk = request.user.household_id
    household = Household.objects.visible_to(request.user).filter(pk=pk).select_related("grid__station").first()
    if household is None:
        raise NotFound()
    return household


class AccountView(APIView):
    @extend_schema(parameters=[HOUSEHOLD_PARAM], responses=AccountSerializer, summary="A household's balance")
    def get(self, request):
        household = household_for(request)
        data = {
            "household": household.pk,
            "household_name": household.name,
            "balance": selectors.balance_of(household),
            "rank_in_station": household_rank(household=household, period=current_year()),
        }
        return Response(AccountSerializer(data).data)


class EntryList(ScopedQuerysetMixin, generics.ListAPIView):
    """The household's ledger, newest first."""

    serializer_class = EntrySerializer
    queryset = Entry.objects.select_related("rule", "rule_version").order_by("-sequence")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user
            return Entry.objects.none()
        return super().get_queryset().filter(account__household=household_for(self.request))

    @extend_schema(parameters=[HOUSEHOLD_PARAM])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class EntryCorrect(APIView):
    @extend_schema(
        request=CorrectInputSerializer,
        responses={201: EntrySerializer, 403: FORBIDDEN, 409: CONFLICT},
        summary="Correct an entry with a compensating entry (staff)",
    )
    def post(self, request, pk: int):
        entry = get_object_or_404(Entry.objects.visible_to(request.user).select_related("account__household"), pk=pk)
        data = CorrectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        correction = ledger.entry_correct(entry=entry, actor=request.user, reason=data.validated_data["reason"])
        return Response(EntrySerializer(correction).data, status=status.HTTP_201_CREATED)


class RuleList(generics.ListAPIView):
    """The rules in use, with the points each is worth now."""

    serializer_class = RuleSerializer

    def get_queryset(self):
        return selectors.rules_in_force()


class AwardCreate(APIView):
    @extend_schema(
        request=AwardInputSerializer,
        responses={
            201: EntrySerializer,
            403: FORBIDDEN,
            404: OpenApiResponse(description="No such household"),
            409: CONFLICT,
        },
        summary="Award points to a household (staff)",
    )
    def post(self, request):
        data = AwardInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        household = (
            Household.objects.visible_to(request.user).filter(pk=values["household"]).select_related("grid__station")
        ).first()
        if household is None:
            raise NotFound()
        source = values.get("source")
        entry = awards.points_award(
            household=household,
            rule=values["rule"],
            actor=request.user,
            source_type=source["type"] if source else SourceType.MANUAL,
            source_id=source["id"] if source else None,
            quantity=values["quantity"],
            note=values["note"],
            evidence=values["evidence"],
        )
        return Response(EntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class ProductViewSet(ScopedReadOnlyViewSet):
    """Goods of the points supermarket: residents see their station's and those above it."""

    serializer_class = ProductSerializer
    queryset = Product.objects.filter(is_active=True).select_related("site")

    def get_queryset(self):
        queryset = super().get_queryset()
        site_id = _int_param(self.request, "site")
        return queryset if site_id is None else queryset.filter(site_id=site_id)

    @extend_schema(parameters=[OpenApiParameter("site", OpenApiTypes.INT, description="Only goods of this site.")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class RedemptionViewSet(ScopedListRetrieveCreateViewSet):
    """The household's redemptions; staff: those of their sites. Reserve, hand over, cancel."""

    serializer_class = RedemptionSerializer
    queryset = Redemption.objects.select_related("product__site", "household").order_by("-created_at", "-id")

    def get_queryset(self):
        status_filter = self.request.query_params.get("status") or None
        if status_filter is not None and status_filter not in RedemptionStatus.values:
            raise ValidationError({"status": [_("Not a redemption status.")]})
        qs = super().get_queryset()
        if status_filter:
            qs = qs.filter(status=status_filter)
        code = canonical_code(self.request.query_params.get("pickup_code") or "")
        if code:
            qs = qs.filter(pickup_code=code[:16])
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=RedemptionStatus.values),
            OpenApiParameter("pickup_code", OpenApiTypes.STR, description="Staff: find a redemption by its code."),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=RedemptionInputSerializer,
        responses={201: RedemptionSerializer, 403: FORBIDDEN, 409: CONFLICT},
        summary="Redeem points for goods",
    )
    def create(self, request, *args, **kwargs):
        data = RedemptionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = Product.objects.visible_to(request.user).filter(pk=data.validated_data["product"]).first()
        if product is None:
            raise ValidationError({"product": [_("No such item on offer to you.")]})
        redemption = shop.redemption_create(
            user=request.user, product=product, quantity=data.validated_data["quantity"]
        )
        return Response(self.get_serializer(redemption).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=FulfilInputSerializer,
        responses={200: RedemptionSerializer, 403: FORBIDDEN, 409: CONFLICT},
        summary="Hand the goods over against the pickup code (staff)",
    )
    @action(detail=True, methods=["post"])
    def fulfil(self, request, pk=None):
        redemption = self.get_object()
        data = FulfilInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        redemption = shop.redemption_fulfil(
            redemption=redemption, actor=request.user, pickup_code=data.validated_data["pickup_code"]
        )
        return Response(self.get_serializer(redemption).data)

    @extend_schema(
        request=CancelInputSerializer,
        responses={200: RedemptionSerializer, 403: FORBIDDEN, 409: CONFLICT},
        summary="Cancel before pickup: points and stock come back",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        redemption = self.get_object()
        data = CancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        redemption = shop.redemption_cancel(
            redemption=redemption, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(self.get_serializer(redemption).data)
