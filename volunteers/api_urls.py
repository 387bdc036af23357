"""/api/v1/ endpoints of volunteers, teams and service records."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from volunteers import certificate_urls
from volunteers.api import ServiceRecordViewSet, TeamViewSet, VolunteerServiceRecordList, VolunteerViewSet

router = SimpleRouter()
router.register("volunteers", VolunteerViewSet, basename="volunteer")
router.register("teams", TeamViewSet, basename="team")
router.register("service-records", ServiceRecordViewSet, basename="service-record")

urlpatterns = [
    path(
        "volunteers/<int:volunteer_pk>/service-records/",
        VolunteerServiceRecordList.as_view(),
        name="volunteer-service-records",
    ),
    path("", include(certificate_urls.api_urlpatterns)),
    *router.urls,
]
