"""/api/v1/: the organisation's endpoints plus each app's `api_urls`."""

from django.urls import include, path

urlpatterns = [
    path("", include("practice_center.api.org_urls")),
    path("", include("volunteers.api_urls")),
    path("", include("activities.api_urls")),
    path("", include("points.api_urls")),
    path("", include("reports.api_urls")),
]
