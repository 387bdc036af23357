"""/api/v1/ endpoints of scheduled activities (API.md, "Volunteers and activities").

The viewset inherits the scoped base (every queryset is `Activity.objects.visible_to(user)`);
each workflow step has its own input serializer and calls one service. Domain errors become
409 with a code, NotAllowed 403, Django ValidationError 400 (practice_center.api.errors).
The site feed (`GET /sites/{id}/calendar.ics`) is a plain view: public, no log-in.
"""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from activities.models import Activity, ActivityStatus, Category, Enrollment, MenuItem, OpenTo, Theme
from activities.sessions import checkin, ical, permissions, selectors, services
from practice_center.api.base import ScopedGenericViewSet
from practice_center.models import Site, User
from practice_center.text import int_param
from volunteers.models import Team

# ---- output ---------------------------------------------------------------------------------------


class ActivitySerializer(serializers.ModelSerializer):
    site_name = serializers.CharField(source="site.name", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    theme_name = serializers.SerializerMethodField()
    enrolled_count = serializers.IntegerField(read_only=True)
    waitlist_count = serializers.IntegerField(read_only=True)
    seats_left = serializers.SerializerMethodField()
    my_status = serializers.SerializerMethodField()
    my_position = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = [
            *("id", "title", "site", "site_name", "category", "category_name", "theme", "theme_name"),
            *("starts_at", "ends_at", "place", "capacity", "waitlist", "signup_closes_at", "open_to"),
            *("enrolled_count", "waitlist_count", "seats_left", "status", "my_status", "my_position"),
            *("description", "menu_item", "team", "cancel_reason", "summary", "published_at"),
        ]
        read_only_fields = fields

    def get_theme_name(self, activity: Activity) -> str | None:
        return activity.theme.name if activity.theme is not None else None

    def get_seats_left(self, activity: Activity) -> int | None:
        return selectors.seats_left(activity)

    def _mine(self, activity: Activity) -> Enrollment | None:
        return self.context.get("mine", {}).get(activity.pk)

    def get_my_status(self, activity: Activity) -> str | None:
        mine = self._mine(activity)
        return mine.my_status if mine else None

    def get_my_position(self, activity: Activity) -> int | None:
        mine = self._mine(activity)
        return getattr(mine, "rank", None) if mine is not None else None


class AttendeeSerializer(serializers.ModelSerializer):
    person = serializers.IntegerField(source="person_id")
    name = serializers.CharField(source="person.display_name")
    position = serializers.IntegerField(source="rank", allow_null=True)

    class Meta:
        model = Enrollment
        fields = ["person", "name", "status", "position", "checked_in_at", "created_at"]


# ---- input ----------------------------------------------------------------------------------------


class ActivityInputSerializer(serializers.Serializer):
    site = serializers.PrimaryKeyRelatedField(queryset=Site.objects.filter(is_active=True))
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=8000, required=False, allow_blank=True, default="")
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    theme = serializers.PrimaryKeyRelatedField(queryset=Theme.objects.all(), required=False, allow_null=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    capacity = serializers.IntegerField(min_value=1, max_value=100_000, required=False, allow_null=True)
    waitlist = serializers.BooleanField(required=False, default=True)
    signup_closes_at = serializers.DateTimeField(required=False, allow_null=True)
    open_to = serializers.ChoiceField(choices=OpenTo.choices, required=False, default=OpenTo.STATION)
    menu_item = serializers.PrimaryKeyRelatedField(queryset=MenuItem.objects.all(), required=False, allow_null=True)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)


class ActivityPatchSerializer(ActivityInputSerializer):
    site = None  # type: ignore[assignment]  # an activity stays at its site; DRF drops a field set to None, the stubs do not know it

    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class PersonSerializer(serializers.Serializer):
    person = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), required=False)


class CheckInSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=12, required=False, allow_blank=True)
    person = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), required=False)

    def validate(self, attrs):
        if not attrs.get("code") and not attrs.get("person"):
            raise ValidationError({"code": ["Scan the code at the door, or name the person (staff)."]})
        return attrs


def _date(params, name: str) -> datetime.date | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw[:10])
    except ValueError as exc:
        raise ValidationError({name: ["Enter a date as YYYY-MM-DD."]}) from exc


def _id_param(params, name: str) -> int | None:
    raw = params.get(name)
    if not raw:
        return None
    value = int_param(raw)
    if value is None:
        raise ValidationError({name: ["An id is a number."]})
    return value


# ---- views ----------------------------------------------------------------------------------------

ENROLL_ANSWER = inline_serializer(
    "EnrollAnswer", {"status": serializers.CharField(), "position": serializers.IntegerField(required=False)}
)
CHECK_IN_ANSWER = inline_serializer(
    "CheckInAnswer", {"status": serializers.CharField(), "at": serializers.DateTimeField()}
)
CODE_ANSWER = inline_serializer(
    "CheckInCode",
    {"code": serializers.CharField(), "url": serializers.URLField(), "valid_until": serializers.DateTimeField()},
)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("site", OpenApiTypes.INT, description="Activities of this site's subtree."),
            OpenApiParameter("from", OpenApiTypes.DATE, description="Starting on or after this day."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Starting on or before this day."),
            OpenApiParameter("category", OpenApiTypes.INT),
            OpenApiParameter("theme", OpenApiTypes.INT),
            OpenApiParameter("mine", OpenApiTypes.INT, enum=[1], description="Only those I signed up for."),
            OpenApiParameter("status", OpenApiTypes.STR, enum=ActivityStatus.values, description="Default: published."),
        ]
    ),
    create=extend_schema(request=ActivityInputSerializer, responses={201: ActivitySerializer}),
    partial_update=extend_schema(request=ActivityPatchSerializer, responses={200: ActivitySerializer}),
)
class ActivityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedGenericViewSet,
):
    """Scheduled activities the caller may see, sign-up, check-in and the staff's steps."""

    queryset = Activity.objects.all()
    serializer_class = ActivitySerializer
    filter_backends: list = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        activities = selectors.with_counts(super().get_queryset().select_related("site", "category", "theme"))
        if self.action != "list":
            return activities
        params = self.request.query_params
        wanted = params.get("status") or ActivityStatus.PUBLISHED
        if wanted not in ActivityStatus.values:
            raise ValidationError({"status": [f"One of {', '.join(ActivityStatus.values)}."]})
        activities = activities.filter(status=wanted)
        site = _id_param(params, "site")
        if site is not None:
            path = Site.objects.filter(pk=site).values_list("path", flat=True).first()
            activities = activities.filter(site__path__startswith=path) if path else activities.none()
        start, end = _date(params, "from"), _date(params, "to")
        if start:
            activities = activities.filter(starts_at__date__gte=start)
        if end:
            activities = activities.filter(starts_at__date__lte=end)
        category = _id_param(params, "category")
        if category is not None:
            activities = activities.filter(category_id=category)
        theme = _id_param(params, "theme")
        if theme is not None:
            activities = activities.filter(theme_id=theme)
        if params.get("mine") == "1":
            activities = activities.filter(
                pk__in=Enrollment.objects.filter(person_id=self.request.user.pk).active().values("activity_id")
            )
        elif not (start or end):
            activities = activities.filter(ends_at__gte=timezone.now())
        return activities.order_by("starts_at", "id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        mine = selectors.my_enrollments(request.user, [a.pk for a in page])
        data = ActivitySerializer(page, many=True, context={**self.get_serializer_context(), "mine": mine}).data
        return self.get_paginated_response(data)

    def _answer(self, activity: Activity, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.with_counts(
            Activity.objects.filter(pk=activity.pk).select_related("site", "category", "theme")
        ).get()
        mine = selectors.my_enrollments(self.request.user, [fresh.pk])
        return Response(ActivitySerializer(fresh, context={"mine": mine}).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._answer(self.get_object())

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def create(self, request, *args, **kwargs):
        values = self._input(ActivityInputSerializer)
        site = values.pop("site")
        return self._answer(
            services.activity_create(actor=request.user, **{"site": site, **values}), status.HTTP_201_CREATED
        )

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            raise Http404
        activity = self.get_object()
        serializer = ActivityPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(
            services.activity_update(activity=activity, actor=request.user, **serializer.validated_data)
        )

    @extend_schema(request=None, responses={200: ActivitySerializer}, summary="Publish (staff)")
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._answer(services.activity_publish(activity=self.get_object(), actor=request.user))

    @extend_schema(request=ReasonSerializer, responses={200: ActivitySerializer}, summary="Cancel (staff)")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        activity = self.get_object()
        reason = self._input(ReasonSerializer)["reason"]
        return self._answer(services.activity_cancel(activity=activity, actor=request.user, reason=reason))

    @extend_schema(request=None, responses={200: ActivitySerializer}, summary="Finish (staff)")
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        return self._answer(services.activity_finish(activity=self.get_object(), actor=request.user))

    @extend_schema(request=PersonSerializer, responses={200: ENROLL_ANSWER}, summary="Sign up")
    @action(detail=True, methods=["post"])
    def enroll(self, request, pk=None):
        activity = self.get_object()
        person = self._input(PersonSerializer).get("person") or request.user
        enrollment = services.enrollment_create(activity=activity, person=person, actor=request.user)
        answer = {"status": enrollment.status}
        if enrollment.position:
            answer["position"] = services.waitlist_rank(enrollment)
        return Response(answer)

    @extend_schema(request=PersonSerializer, responses={200: ENROLL_ANSWER}, summary="Withdraw")
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        activity = self.get_object()
        person = self._input(PersonSerializer).get("person") or request.user
        enrollment = services.enrollment_withdraw(activity=activity, person=person, actor=request.user)
        return Response({"status": enrollment.status})

    @extend_schema(request=None, responses={200: CODE_ANSWER}, summary="The door code (staff)")
    @action(detail=True, methods=["get"], url_path="check-in-code", url_name="check-in-code")
    def check_in_code(self, request, pk=None):
        activity = self.get_object()
        if not permissions.may_manage(request.user, activity):
            raise PermissionDenied()
        code, valid_until = checkin.current_code(activity.pk)
        path = reverse("activities:session_check_in", args=[activity.pk])
        opens, closes = checkin.window(activity)
        return Response(
            {
                "code": code,
                "url": request.build_absolute_uri(path) + f"?code={code}",
                "valid_until": valid_until,
                "window_opens": opens,
                "window_closes": closes,
            }
        )

    @extend_schema(request=CheckInSerializer, responses={200: CHECK_IN_ANSWER}, summary="Check in")
    @action(detail=True, methods=["post"], url_path="check-in", url_name="check-in")
    def check_in(self, request, pk=None):
        activity = self.get_object()
        values = self._input(CheckInSerializer)
        if values.get("person"):
            enrollment = services.check_in_by_staff(activity=activity, person=values["person"], actor=request.user)
        else:
            enrollment = services.check_in_with_code(activity=activity, person=request.user, code=values["code"])
        return Response({"status": "checked_in", "at": enrollment.checked_in_at})

    @extend_schema(request=None, responses={200: AttendeeSerializer(many=True)}, summary="Attendees (staff)")
    @action(detail=True, methods=["get"])
    def attendees(self, request, pk=None):
        activity = self.get_object()
        if not permissions.may_manage(request.user, activity):
            raise PermissionDenied()
        return Response(AttendeeSerializer(selectors.attendees(activity), many=True).data)


FEED_LIMIT = 2000  # events in one feed (about 5 a day over the feed's 13 months)
FEED_CACHE_SECONDS = 600


@require_GET
def site_calendar_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """`GET /api/v1/sites/{id}/calendar.ics`: the public feed of a site and its subtree (no log-in)."""
    site = get_object_or_404(Site.objects.filter(is_active=True), pk=pk)
    host = request.get_host().split(":")[0]
    feed = selectors.feed_activities(site)
    # Phone calendars poll the feed; build it again only when an activity in it changed.
    version = feed.order_by().aggregate(n=Count("pk"), last=Max("updated_at"))
    stamp = version["last"].timestamp() if version["last"] else 0
    key = f"sessions:ics:{site.pk}:{host}:{version['n']}:{stamp}:{translation.get_language()}"
    body = cache.get(key)
    if body is None:
        body = ical.build(
            feed[:FEED_LIMIT],
            name=site.name,
            host=host,
            url_of=lambda a: request.build_absolute_uri(reverse("activities:session_detail", args=[a.pk])),
        )
        cache.set(key, body, FEED_CACHE_SECONDS)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="site-{site.pk}.ics"'
    response["Cache-Control"] = "public, max-age=300"
    return response
