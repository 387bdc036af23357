from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from practice_center import audit_views, notification_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("elderly-mode/", views.elderly_mode, name="elderly_mode"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/register/", views.register, name="register"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("sites/", views.site_list, name="site_list"),
    path("sites/<int:pk>/", views.site_detail, name="site_detail"),
    path("households/", views.household_list, name="household_list"),
    path("audit/", audit_views.audit_search, name="audit_search"),
    # The notification inbox (practice_center/notification_views.py).
    path("notifications/", include((notification_views.urls, "notifications"))),
]
