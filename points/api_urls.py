"""/api/v1/points/...: the ledger, rules, awards, the shop and rankings."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from points.api import AccountView, AwardCreate, EntryCorrect, EntryList, ProductViewSet, RedemptionViewSet, RuleList
from points.api_rankings import RankingView

router = SimpleRouter()
router.register("points/products", ProductViewSet, basename="points-product")
router.register("points/redemptions", RedemptionViewSet, basename="points-redemption")

urlpatterns = [
    path("points/account/", AccountView.as_view(), name="points-account"),
    path("points/entries/", EntryList.as_view(), name="points-entries"),
    path("points/entries/<int:pk>/correct/", EntryCorrect.as_view(), name="points-entry-correct"),
    path("points/rules/", RuleList.as_view(), name="points-rules"),
    path("points/awards/", AwardCreate.as_view(), name="points-awards"),
    path("points/rankings/", RankingView.as_view(), name="points-rankings"),
    *router.urls,
]
