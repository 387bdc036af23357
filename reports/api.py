"""REST endpoints of the monthly reports and the network dashboard (shared/API.md, "Reports").

Each workflow action validates its input with one serializer, calls one service and answers
200 with the whole report. Domain errors become 409, NotAllowed 403, ValidationError 400
(practice_center/api/errors.py).
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from practice_center.api.base import ScopedReadOnlyViewSet
from practice_center.exports import FORMATS, export_response
from practice_center.models import Site
from practice_center.scoping import scope
from practice_center.text import int_param
from reports import permissions, selectors, services
from reports.exports import export_filename, report_sheets
from reports.figures import parse_month
from reports.models import MonthlyReport, ReportEvent, ReportStatus

PERSONAL_KEYS = ("top_households",)


def public_summary(figures: dict) -> dict:
    """The figures without personal data (for residents): no household names."""
    summary = {k: v for k, v in (figures or {}).items() if k not in PERSONAL_KEYS}
    if isinstance(summary.get("previous"), dict):
        summary["previous"] = {k: v for k, v in summary["previous"].items() if k not in PERSONAL_KEYS}
    return summary


class ReportEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = ReportEvent
        fields = ["action", "from_status", "to_status", "actor", "note", "at"]

    def get_actor(self, event: ReportEvent) -> str | None:
        return event.actor.display_name if event.actor_id else None


class MonthlyReportSerializer(serializers.ModelSerializer):
    site_name = serializers.CharField(source="site.name", read_only=True)
    month = serializers.SerializerMethodField()
    figures = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    comment = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta:
        model = MonthlyReport
        fields = [
            "id",
            "site",
            "site_name",
            "month",
            "status",
            "figures",
            "figures_taken_at",
            "narrative",
            "highlights",
            "comment",
            "events",
            "actions",
        ]

    def _user(self):
        return self.context["request"].user

    def _details(self, report: MonthlyReport) -> bool:
        return permissions.may_view_details(self._user(), report)

    def get_month(self, report: MonthlyReport) -> str:
        return report.month_label

    def get_figures(self, report: MonthlyReport) -> dict:
        return report.figures if self._details(report) else public_summary(report.figures)

    def get_events(self, report: MonthlyReport) -> list[dict]:
        if not self._details(report):
            return []
        return ReportEventSerializer(report.events.all(), many=True).data

    def get_comment(self, report: MonthlyReport) -> str:
        return report.comment if self._details(report) else ""

    def get_actions(self, report: MonthlyReport) -> list[str]:
        return sorted(permissions.actions_for(self._user(), report))


class SubmitSerializer(serializers.Serializer):
    narrative = serializers.CharField(max_length=services.MAX_TEXT, allow_blank=True, trim_whitespace=True)
    highlights = serializers.CharField(max_length=services.MAX_TEXT, required=False, allow_blank=True)


class CommentRequiredSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=services.MAX_TEXT)


class CommentOptionalSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=services.MAX_TEXT, required=False, allow_blank=True, default="")


class EmptySerializer(serializers.Serializer):
    pass


def _workflow(serializer_class, summary: str):
    return extend_schema(request=serializer_class, responses={200: MonthlyReportSerializer}, summary=summary)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("site", OpenApiTypes.INT, description="Reports of this site's subtree."),
            OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM"),
            OpenApiParameter("status", OpenApiTypes.STR, enum=ReportStatus.values),
        ]
    )
)
class MonthlyReportViewSet(ScopedReadOnlyViewSet):
    """Monthly reports the caller may see (staff: their subtrees and every published bulletin;
    residents: published summaries of their station and above) and the review steps."""

    queryset = MonthlyReport.objects.select_related("site").prefetch_related("events__actor")
    serializer_class = MonthlyReportSerializer
    filter_backends: list = []

    def get_queryset(self):
        reports = super().get_queryset()
        if self.action != "list":
            return reports
        params = self.request.query_params
        errors = {}
        site = None
        if params.get("site"):
            site_id = int_param(params["site"])
            if site_id is None:
                errors["site"] = ["A site id is a number."]
            else:
                site = Site.objects.filter(pk=site_id).first()
                if site is None:
                    return reports.none()
        month = None
        if params.get("month"):
            month = parse_month(params["month"])
            if month is None:
                errors["month"] = ["A month is written YYYY-MM."]
        status_ = params.get("status") or None
        if status_ and status_ not in ReportStatus.values:
            errors["status"] = [f"Unknown status; one of {', '.join(ReportStatus.values)}."]
        if errors:
            raise ValidationError(errors)
        if month is not None:
            reports = reports.filter(month=month)
        if site is not None:
            reports = reports.filter(site__path__startswith=site.path)
        if status_:
            reports = reports.filter(status=status_)
        return reports.order_by("-month", "site__path")

    def perform_content_negotiation(self, request, force=False):
        # `?format=xlsx|csv` of the export (the contract) is also DRF's format override: the
        # export picks its own content type, so skip negotiation there.
        if self.action == "export":
            renderer = self.get_renderers()[0]
            return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force)

    def _answer(self, report: MonthlyReport) -> Response:
        # Not through visible_to: the actor is answered with what they just changed.
        fresh = MonthlyReport.objects.select_related("site").prefetch_related("events__actor").get(pk=report.pk)
        return Response(MonthlyReportSerializer(fresh, context=self.get_serializer_context()).data)

    def _input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @_workflow(SubmitSerializer, "Submit with the narrative (staff of the site)")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        report = self.get_object()
        v = self._input(SubmitSerializer)
        return self._answer(
            services.report_submit(
                report=report, actor=request.user, narrative=v["narrative"], highlights=v.get("highlights")
            )
        )

    @_workflow(CommentRequiredSerializer, "Return with a comment (center admin)")
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_report(self, request, pk=None):
        report = self.get_object()
        v = self._input(CommentRequiredSerializer)
        return self._answer(services.report_return(report=report, actor=request.user, comment=v["comment"]))

    @_workflow(CommentOptionalSerializer, "Approve (center admin)")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        report = self.get_object()
        v = self._input(CommentOptionalSerializer)
        return self._answer(services.report_approve(report=report, actor=request.user, comment=v["comment"]))

    @_workflow(EmptySerializer, "Publish as the bulletin (center admin)")
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        report = self.get_object()
        return self._answer(services.report_publish(report=report, actor=request.user))

    @extend_schema(
        parameters=[OpenApiParameter("format", OpenApiTypes.STR, enum=list(FORMATS))],
        responses={200: OpenApiTypes.BINARY},
        summary="Excel (a sheet per table) or CSV (utf-8-sig)",
    )
    @action(detail=True, methods=["get"], url_path="export")
    def export(self, request, pk=None):
        report = self.get_object()
        fmt = request.query_params.get("format", "xlsx")
        if fmt not in FORMATS:
            raise ValidationError({"format": ["One of xlsx, csv."]})
        if not permissions.may_export(request.user, report):
            raise PermissionDenied()
        return export_response(fmt, filename=export_filename(report), sheets=report_sheets(report))


class DashboardView(APIView):
    """This month so far for the caller's subtree (staff): the report's figure keys, `previous`
    (the same days of last month), `by_site` (a row per child site), overdue orders, lagging
    stations and the six-haves gaps."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("site", OpenApiTypes.INT, description="A site you manage (default: your highest).")
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        if not scope(request.user).is_staff_anywhere:
            raise PermissionDenied()
        raw = request.query_params.get("site")
        site_id = None
        if raw:
            site_id = int_param(raw)
            if site_id is None:
                raise ValidationError({"site": ["A site id is a number."]})
        site = selectors.dashboard_site(request.user, site_id)
        if site is None:
            raise Http404
        board = selectors.dashboard(site)
        return Response(
            {
                "site": site.pk,
                "site_name": site.name,
                **board.figures,
                "overdue": {
                    "count": board.overdue_count,
                    "oldest": [
                        {
                            "id": o.pk,
                            "title": o.title,
                            "site": o.site_id,
                            "status": o.status,
                            "since": o.status_changed_at,
                        }
                        for o in board.overdue
                    ],
                },
                "stations": [
                    {
                        "site": s.site.pk,
                        "name": s.site.name,
                        "orders": s.orders,
                        "on_time_rate": s.on_time_rate,
                        "rating_mean": s.rating_mean,
                        "lagging": s.lagging,
                        "checklist_gaps": s.gaps,
                    }
                    for s in board.stations
                ],
            }
        )
