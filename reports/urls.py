"""Pages of the monthly reports (/reports/...)."""

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("period/", views.period_view, name="period"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/print/", views.report_print, name="print"),
    path("<int:pk>/export.<str:fmt>", views.report_export, name="export"),
    path("<int:pk>/<str:action>/", views.report_act, name="act"),
]
