"""/api/v1/ endpoints of the menu, orders and wishes (API.md, "Menu and orders").

Viewsets restrict their queryset with `visible_to`; each workflow action has its own input
serializer, calls one service and answers 200 with the whole order. Domain errors become 409
with a code, NotAllowed 403, Django ValidationError 400 (practice_center.api.errors).
"""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from activities import permissions, selectors, services
from activities.models import Category, MenuItem, Order, OrderEvent, OrderStatus
from practice_center.api.base import ScopedGenericViewSet, ScopedReadOnlyViewSet
from practice_center.exceptions import NotAllowed
from practice_center.models import Site, User
from practice_center.text import int_param, mask_name
from volunteers.models import Team, Volunteer

# ---- output ---------------------------------------------------------------------------------------


MENU_ITEM_COLUMNS = (
    *("id", "site_id", "category_id", "title", "description", "suits", "duration_minutes", "team_id", "is_active"),
    *("site__name", "category__code", "category__name_zh", "category__name_en"),
)


class CategorySerializer(serializers.Serializer):
    """A service category; `name` is in the request's language."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    is_platform = serializers.BooleanField()


class MenuItemSerializer(serializers.ModelSerializer):
    site_name = serializers.CharField(source="site.name", read_only=True)
    category_code = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)

    class Meta:
        model = MenuItem
        fields = [
            "id",
            "site",
            "site_name",
            "category",
            "category_code",
            "category_name",
            "title",
            "description",
            "suits",
            "duration_minutes",
            "team",
            "is_active",
        ]


class OrderEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    # Plain strings: "" (no status before the order was placed) is not one of the statuses.
    action = serializers.CharField(read_only=True)
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)

    class Meta:
        model = OrderEvent
        fields = ["action", "from_status", "to_status", "actor", "note", "at"]

    def get_actor(self, event: OrderEvent) -> str | None:
        return event.actor.display_name if event.actor is not None else None


class OrderSerializer(serializers.ModelSerializer):
    resident_name = serializers.CharField(source="resident.display_name", read_only=True)
    site_name = serializers.CharField(source="site.name", read_only=True)
    team_name = serializers.SerializerMethodField()
    volunteers: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "kind",
            "status",
            "resident",
            "resident_name",
            "placed_by",
            "site",
            "site_name",
            "menu_item",
            "category",
            "title",
            "description",
            "preferred_time",
            "address",
            "is_public",
            "team",
            "team_name",
            "volunteers",
            "summary",
            "hours",
            "stars",
            "comment",
            "reason",
            "created_at",
            "dispatched_at",
            "accepted_at",
            "completed_at",
            "rated_at",
            "closed_at",
        ]
        read_only_fields = fields

    def get_team_name(self, order: Order) -> str | None:
        return order.team.name if order.team is not None else None


class OrderDetailSerializer(OrderSerializer):
    events = OrderEventSerializer(many=True, read_only=True)

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "events"]
        read_only_fields = fields


class WishSerializer(serializers.ModelSerializer):
    """A wish on the wall: the resident's name masked."""

    resident_name = serializers.SerializerMethodField()
    site_name = serializers.CharField(source="site.name", read_only=True)

    class Meta:
        model = Order
        fields = ["id", "status", "title", "description", "resident_name", "site", "site_name", "team", "created_at"]
        read_only_fields = fields

    def get_resident_name(self, order: Order) -> str:
        return mask_name(order.resident.display_name)


class SuggestionSerializer(serializers.Serializer):
    team = serializers.IntegerField(source="team.pk")
    name = serializers.CharField(source="team.name")
    site = serializers.IntegerField(source="team.site_id")
    score = serializers.FloatField()
    skill_members = serializers.IntegerField()
    open_orders = serializers.IntegerField()
    distance = serializers.CharField()
    km = serializers.FloatField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())


# ---- input ----------------------------------------------------------------------------------------


class OrderCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["menu", "wish"], default="menu")
    menu_item = serializers.PrimaryKeyRelatedField(queryset=MenuItem.objects.all(), required=False)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    preferred_time = serializers.DateTimeField(required=False, allow_null=True, default=None)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    is_public = serializers.BooleanField(required=False, default=True)
    resident = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False)

    def validate(self, attrs):
        if attrs["kind"] == "menu" and not attrs.get("menu_item"):
            raise ValidationError({"menu_item": ["Choose a menu item."]})
        if attrs["kind"] == "wish" and not (attrs.get("title") or "").strip():
            raise ValidationError({"title": ["Say in a few words what you wish for."]})
        return attrs


class DispatchSerializer(serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.filter(is_active=True))
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AcceptSerializer(serializers.Serializer):
    volunteers = serializers.PrimaryKeyRelatedField(queryset=Volunteer.objects.all(), many=True, allow_empty=False)


class ReasonRequiredSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ReasonOptionalSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CompleteSerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=4000)
    hours = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("24"))


class RateSerializer(serializers.Serializer):
    stars = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ClaimSerializer(serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.filter(is_active=True))


# ---- views ----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("site", OpenApiTypes.INT, description="Only items of this site."),
            OpenApiParameter("category", OpenApiTypes.STR, description="Category id or code."),
            OpenApiParameter("q", OpenApiTypes.STR, description="Search in title, description, who it suits."),
        ]
    )
)
class CategoryViewSet(ScopedReadOnlyViewSet):
    """Service categories, `name` in the request's language (`?lang=en` or the language cookie)."""

    serializer_class = CategorySerializer
    queryset = Category.objects.order_by("sort_order", "id")


class MenuItemViewSet(ScopedReadOnlyViewSet):
    """The menu on offer at the caller's station and the sites above it (staff: their subtree's too)."""

    serializer_class = MenuItemSerializer
    filter_backends: list = []
    queryset = MenuItem.objects.all()

    def get_queryset(self):
        params = self.request.query_params
        site = params.get("site", "")
        items = selectors.filter_menu(
            super().get_queryset(),
            category=params.get("category", "")[:32],
            q=params.get("q", "")[:100],
            site=int_param(site),
        )
        # The hottest read of the portal: fetch only the columns the serializer shows
        # (not the sites' JSON rooms and checklists, nor the serving team's row).
        return (
            items.select_related(None)
            .select_related("site", "category")
            .only(*MENU_ITEM_COLUMNS)
            .order_by("category__sort_order", "title", "id")
        )


def _workflow(serializer_class, summary: str):
    return extend_schema(request=serializer_class, responses={200: OrderDetailSerializer}, summary=summary)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=OrderStatus.values),
            OpenApiParameter("site", OpenApiTypes.INT, description="Orders of this site's subtree."),
            OpenApiParameter("mine", OpenApiTypes.INT, enum=[1], description="Only orders I placed or that are mine."),
        ]
    ),
    create=extend_schema(request=OrderCreateSerializer, responses={201: OrderDetailSerializer}),
)
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedGenericViewSet):
    """Orders and micro-wishes the caller may see, and the steps of their workflow."""

    filter_backends: list = []
    queryset = Order.objects.all()

    def get_serializer_class(self):
        return OrderSerializer if self.action == "list" else OrderDetailSerializer

    def get_queryset(self):
        orders = super().get_queryset().select_related("site", "resident", "team")
        if self.action == "list":
            params = self.request.query_params
            status_ = params.get("status")
            if status_:
                if status_ not in OrderStatus.values:
                    raise ValidationError({"status": [f"Unknown status; one of {', '.join(OrderStatus.values)}."]})
                orders = orders.filter(status=status_)
            site = params.get("site")
            if site:
                if int_param(site) is None:
                    raise ValidationError({"site": ["A site id is a number."]})
                path = Site.objects.filter(pk=int_param(site)).values_list("path", flat=True).first()
                orders = orders.filter(site__path__startswith=path) if path else orders.none()
            if params.get("mine") == "1":
                orders = orders.placed_for(self.request.user)
            return orders.prefetch_related("volunteers").order_by("-created_at", "-id")
        return orders.prefetch_related("volunteers", "events__actor")

    def _answer(self, order: Order, code: int = status.HTTP_200_OK) -> Response:
        # Not through visible_to: a leader who just declined no longer sees the order, yet is answered.
        fresh = (
            Order.objects.select_related("site", "resident", "team")
            .prefetch_related("volunteers", "events__actor")
            .get(pk=order.pk)
        )
        return Response(OrderDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        data = OrderCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        resident = v.get("resident") or request.user
        if v["kind"] == "wish":
            order = services.wish_create(
                resident=resident,
                actor=request.user,
                title=v["title"],
                description=v["description"],
                is_public=v["is_public"],
            )
        else:
            order = services.order_create(
                resident=resident,
                actor=request.user,
                menu_item=v["menu_item"],
                description=v["description"],
                preferred_time=v["preferred_time"],
                address=v["address"],
            )
        return self._answer(order, status.HTTP_201_CREATED)

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @_workflow(DispatchSerializer, "Dispatch to a team (staff)")
    # Not named `dispatch`: that is the entry point of every DRF view.
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_to_team(self, request, pk=None):
        order = self.get_object()
        v = self._input(DispatchSerializer)
        return self._answer(services.order_dispatch(order=order, team=v["team"], note=v["note"], actor=request.user))

    @_workflow(AcceptSerializer, "Accept and name the volunteers (team leader)")
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        order = self.get_object()
        v = self._input(AcceptSerializer)
        ids = [volunteer.pk for volunteer in v["volunteers"]]
        return self._answer(services.order_accept(order=order, volunteer_ids=ids, actor=request.user))

    @_workflow(ReasonRequiredSerializer, "Decline with a reason (team leader)")
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        order = self.get_object()
        v = self._input(ReasonRequiredSerializer)
        return self._answer(services.order_decline(order=order, reason=v["reason"], actor=request.user))

    @_workflow(CompleteSerializer, "Mark done with a summary and hours per volunteer (leader or staff)")
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        order = self.get_object()
        v = self._input(CompleteSerializer)
        return self._answer(
            services.order_complete(order=order, summary=v["summary"], hours=v["hours"], actor=request.user)
        )

    @_workflow(RateSerializer, "Rate 1 to 5 stars (the resident)")
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        order = self.get_object()
        v = self._input(RateSerializer)
        return self._answer(
            services.order_rate(order=order, stars=v["stars"], comment=v["comment"], actor=request.user)
        )

    @_workflow(ReasonOptionalSerializer, "Cancel (the resident or staff)")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        order = self.get_object()
        v = self._input(ReasonOptionalSerializer)
        return self._answer(services.order_cancel(order=order, reason=v["reason"], actor=request.user))

    @_workflow(ReasonRequiredSerializer, "Reject with a reason shown to the resident (staff)")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        order = self.get_object()
        v = self._input(ReasonRequiredSerializer)
        return self._answer(services.order_reject(order=order, reason=v["reason"], actor=request.user))

    @extend_schema(responses={200: SuggestionSerializer(many=True)}, summary="Teams ranked for this order (staff)")
    @action(detail=True, methods=["get"], url_path="suggested-teams")
    def suggested_teams(self, request, pk=None):
        order = self.get_object()
        if not permissions.is_station_staff(request.user, order):
            raise NotAllowed()
        full = Order.objects.select_related("site", "category", "menu_item").get(pk=order.pk)
        return Response(SuggestionSerializer(selectors.suggested_teams(full), many=True).data)


class WishViewSet(mixins.ListModelMixin, ScopedGenericViewSet):
    """The public wish wall (names masked) and claiming a wish for a team."""

    serializer_class = WishSerializer
    filter_backends: list = []
    queryset = Order.objects.all()
    visibility = "on_wish_wall_of"

    def get_queryset(self):
        return selectors.wish_wall_of(super().get_queryset())

    @extend_schema(request=ClaimSerializer, responses={200: OrderDetailSerializer}, summary="Claim for a team")
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        wish = self.get_object()
        serializer = ClaimSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = services.wish_claim(order=wish, team=serializer.validated_data["team"], actor=request.user)
        fresh = (
            Order.objects.select_related("site", "resident", "team")
            .prefetch_related("volunteers", "events__actor")
            .get(pk=order.pk)
        )
        return Response(OrderDetailSerializer(fresh, context=self.get_serializer_context()).data)


__all__ = ["CategoryViewSet", "MenuItemViewSet", "OrderViewSet", "WishViewSet"]
