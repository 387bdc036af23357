"""/api/v1/ routes of the monthly reports and the dashboard."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from reports.api import DashboardView, MonthlyReportViewSet

router = SimpleRouter()
router.register("reports/monthly", MonthlyReportViewSet, basename="monthly-report")

urlpatterns = [path("reports/dashboard/", DashboardView.as_view(), name="reports-dashboard"), *router.urls]
