"""Pages of the points app, mounted at /points/."""

from django.urls import path

from points.views import honours, resident, rules, staff

app_name = "points"
urlpatterns = [
    path("", resident.home, name="home"),
    path("ledger/", resident.ledger, name="ledger"),
    path("shop/", resident.shop_page, name="shop"),
    path("shop/<int:product_id>/redeem/", resident.redeem, name="redeem"),
    path("shop/<int:product_id>/picture/", resident.product_picture, name="product_picture"),
    path("redemptions/", resident.redemptions, name="redemptions"),
    path("redemptions/<int:redemption_id>/cancel/", resident.redemption_cancel, name="redemption_cancel"),
    path("ranking/", resident.ranking_page, name="ranking"),
    path("honours/", honours.honours, name="honours"),
    path("honours/freeze/", honours.honour_freeze, name="honour_freeze"),
    path("honours/<int:list_id>/", honours.honour_detail, name="honour_detail"),
    path("honours/<int:list_id>/object/", honours.honour_object, name="honour_object"),
    path("honours/<int:list_id>/export.<str:fmt>", honours.honour_export, name="honour_export"),
    path("honours/<int:list_id>/<str:action>/", honours.honour_action, name="honour_action"),
    path("objections/<int:objection_id>/answer/", honours.objection_answer, name="objection_answer"),
    path("staff/award/", staff.award, name="award"),
    path("staff/fulfil/", staff.fulfil, name="fulfil"),
    path("staff/products/", staff.products, name="products"),
    path("staff/products/new/", staff.product_new, name="product_new"),
    path("staff/products/<int:product_id>/edit/", staff.product_edit, name="product_edit"),
    path("staff/products/<int:product_id>/restock/", staff.product_restock, name="product_restock"),
    path("staff/entries/<int:entry_id>/attachment/", staff.entry_attachment, name="entry_attachment"),
    path("rules/", rules.rules, name="rules"),
    path("rules/<int:rule_id>/edit/", rules.rule_edit, name="rule_edit"),
]
