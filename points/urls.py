"""Pages of the points app, mounted at /points/."""

from django.urls import path

from points import views

app_name = "points"
urlpatterns = [
    path("", views.home, name="home"),
    path("ledger/", views.ledger, name="ledger"),
    path("shop/", views.shop, name="shop"),
    path("shop/<int:product_id>/redeem/", views.redeem, name="redeem"),
    path("shop/<int:product_id>/picture/", views.product_picture, name="product_picture"),
    path("redemptions/", views.redemptions, name="redemptions"),
    path("redemptions/<int:redemption_id>/cancel/", views.redemption_cancel, name="redemption_cancel"),
    path("ranking/", views.ranking_page, name="ranking"),
    path("honours/", views.honours, name="honours"),
    path("honours/freeze/", views.honour_freeze, name="honour_freeze"),
    path("honours/<int:list_id>/", views.honour_detail, name="honour_detail"),
    path("honours/<int:list_id>/object/", views.honour_object, name="honour_object"),
    path("honours/<int:list_id>/export.<str:fmt>", views.honour_export, name="honour_export"),
    path("honours/<int:list_id>/<str:action>/", views.honour_action, name="honour_action"),
    path("objections/<int:objection_id>/answer/", views.objection_answer, name="objection_answer"),
    path("staff/award/", views.award, name="award"),
    path("staff/fulfil/", views.fulfil, name="fulfil"),
    path("staff/products/", views.products, name="products"),
    path("staff/products/new/", views.product_new, name="product_new"),
    path("staff/products/<int:product_id>/edit/", views.product_edit, name="product_edit"),
    path("staff/products/<int:product_id>/restock/", views.product_restock, name="product_restock"),
    path("staff/entries/<int:entry_id>/attachment/", views.entry_attachment, name="entry_attachment"),
    path("rules/", views.rules, name="rules"),
    path("rules/<int:rule_id>/edit/", views.rule_edit, name="rule_edit"),
]
