from django.urls import include, path

from volunteers import certificate_urls, views

app_name = "volunteers"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("me/", views.mine, name="mine"),
    path("pending/", views.pending, name="pending"),
    path("records/", views.records, name="records"),
    path("records/<int:pk>/verify/", views.verify_record, name="verify_record"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<int:pk>/", views.team_detail, name="team_detail"),
    path("teams/<int:pk>/leader/", views.team_leader, name="team_leader"),
    path("", include(certificate_urls)),
    path("<int:pk>/", views.volunteer_detail, name="detail"),
    path("<int:pk>/decide/", views.decide, name="decide"),
]
