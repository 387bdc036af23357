"""/api/v1/ routes of the menu, orders and wishes."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from activities.api import CategoryViewSet, MenuItemViewSet, OrderViewSet, WishViewSet

router = SimpleRouter()
router.register("categories", CategoryViewSet, basename="category")
router.register("menu-items", MenuItemViewSet, basename="menu-item")
router.register("orders", OrderViewSet, basename="order")
router.register("wishes", WishViewSet, basename="wish")

urlpatterns = [*router.urls, path("", include("activities.sessions.api_urls"))]  # scheduled activities
