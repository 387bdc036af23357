"""Pages of scheduled activities, included into the `activities` namespace (activities/urls.py)."""

from django.urls import path

from activities.sessions import views

urlpatterns = [
    path("calendar/", views.calendar, name="session_calendar"),
    path("sessions/mine/", views.mine, name="my_sessions"),
    path("sessions/manage/", views.manage, name="session_manage"),
    path("sessions/new/", views.edit, name="session_new"),
    path("sessions/<int:pk>/", views.detail, name="session_detail"),
    path("sessions/<int:pk>/enroll/", views.enroll, name="session_enroll"),
    path("sessions/<int:pk>/withdraw/", views.withdraw, name="session_withdraw"),
    path("sessions/<int:pk>/calendar.ics", views.event_ics, name="session_ics"),
    path("sessions/<int:pk>/check-in/", views.check_in, name="session_check_in"),
    path("sessions/<int:pk>/edit/", views.edit, name="session_edit"),
    path("sessions/<int:pk>/attendees/", views.attendees, name="session_attendees"),
    path("sessions/<int:pk>/sign-in-sheet/", views.sign_in_sheet, name="session_sign_in_sheet"),
    path("sessions/<int:pk>/door/", views.door, name="session_door"),
    path("sessions/<int:pk>/summary/", views.summary, name="session_summary"),
    path("sessions/<int:pk>/photos/<int:photo_id>/", views.photo, name="session_photo"),
    path("sessions/<int:pk>/<str:action>/", views.act, name="session_action"),
]
