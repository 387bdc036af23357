from django.conf import settings
from django.urls import include, path

from activities import views

app_name = "activities"
urlpatterns = [
    path("menu/", views.menu, name="menu"),
    path("menu/<int:pk>/", views.menu_item, name="menu_item"),
    path("menu/<int:pk>/order/", views.order_new, name="order_new"),
    path("menu/manage/", views.menu_manage, name="menu_manage"),
    path("menu/manage/new/", views.menu_item_edit, name="menu_item_new"),
    path("menu/manage/<int:pk>/", views.menu_item_edit, name="menu_item_edit"),
    path("orders/mine/", views.my_orders, name="my_orders"),
    path("orders/queue/", views.queue, name="queue"),
    path("orders/team/", views.team_orders, name="team_orders"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path(
        "orders/<int:pk>/<str:action>/",
        views.order_action,
        name="order_action",
    ),
    path("wishes/", views.wishes, name="wishes"),
    path("wishes/new/", views.wish_new, name="wish_new"),
    path("wishes/<int:pk>/claim/", views.wish_claim, name="wish_claim"),
    path("", include("activities.sessions.urls")),  # scheduled activities
]

if settings.ORDERS_BENCH_VIEWS:  # benchmarks only; see bench/orders_bench.py
    from activities.bench_views import bare_menu

    urlpatterns.append(path("bench/menu/", bare_menu, name="bench_menu"))
