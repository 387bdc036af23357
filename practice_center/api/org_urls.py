"""/api/v1/ endpoints of the organisation: auth token, me, sites (categories: activities.api_urls)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from practice_center.api import tokens
from practice_center.api.views import MeView, SiteViewSet, TokenView

router = SimpleRouter()
router.register("sites", SiteViewSet, basename="site")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("auth/logout/", tokens.LogoutView.as_view(), name="api-logout"),
    path("auth/logout-all/", tokens.LogoutAllView.as_view(), name="api-logout-all"),
    path("auth/tokens/", tokens.TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<str:prefix>/", tokens.TokenRevokeView.as_view(), name="api-token-revoke"),
    path("me/", MeView.as_view(), name="api-me"),
    *router.urls,
]

# The caller's notifications (practice_center/api/notifications.py).
urlpatterns += [path("", include("practice_center.api.notifications"))]
