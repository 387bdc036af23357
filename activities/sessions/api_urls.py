"""/api/v1/ routes of scheduled activities (included by activities/api_urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from activities.sessions.api import ActivityViewSet, site_calendar_ics

router = SimpleRouter()
router.register("activities", ActivityViewSet, basename="activity")

urlpatterns = [
    path("sites/<int:pk>/calendar.ics", site_calendar_ics, name="site-calendar-ics"),
    *router.urls,
]
