"""/api/v1/notifications/: the caller's own notifications (anyone else's answer 404)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from practice_center import notifications as service
from practice_center.api.base import ScopedGenericViewSet
from practice_center.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    unread = serializers.BooleanField(source="is_unread", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "data", "created_at", "read_at", "unread"]
        read_only_fields = fields


_TRUE = {"1", "true", "yes"}
_FALSE = {"0", "false", "no", ""}


@extend_schema(tags=["notifications"])
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    serializer_class = NotificationSerializer
    queryset = Notification.objects.order_by("-created_at", "-id")

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list":
            unread = self.request.query_params.get("unread", "").strip().lower()
            if unread not in _TRUE | _FALSE:
                raise ValidationError({"unread": ["Use unread=1 for unread notifications only, or unread=0."]})
            if unread in _TRUE:
                qs = qs.unread()
        return qs

    @extend_schema(
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, description="1: unread notifications only")]
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk=None) -> Response:
        notification = service.notification_mark_read(notification=self.get_object(), user=request.user)
        return Response(NotificationSerializer(notification, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=inline_serializer("ReadAll", {"marked": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": service.notification_mark_all_read(user=request.user)})


router = SimpleRouter()
router.register("notifications", NotificationViewSet, basename="notification")
urlpatterns = router.urls
