from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import set_language

from practice_center import views

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("elderly-mode/", views.elderly_mode, name="elderly_mode"),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
