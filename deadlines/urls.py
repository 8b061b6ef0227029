from django.urls import path

from deadlines import views

app_name = "deadlines"

urlpatterns = [
    path("deadlines/", views.my_obligations, name="mine"),
    path("deadlines/province/", views.province_obligations, name="province-obligations"),
    path("deadlines/overdue/", views.overdue, name="overdue"),
    path("deadlines/calendar/", views.month_calendar, name="calendar"),
    path("deadlines/rules/", views.rules, name="rules"),
    path(
        "deadlines/rules/<uuid:public_id>/internal/",
        views.internal_deadline_add,
        name="internal-add",
    ),
    path(
        "deadlines/obligations/<uuid:public_id>/", views.obligation_detail, name="obligation-detail"
    ),
    path("deadlines/obligations/<uuid:public_id>/met/", views.obligation_mark_met, name="mark-met"),
    path(
        "deadlines/obligations/<uuid:public_id>/extension/",
        views.extension_request,
        name="extension-request",
    ),
    path(
        "deadlines/extensions/<uuid:public_id>/decide/",
        views.extension_decide,
        name="extension-decide",
    ),
    path("deadlines/feed/", views.feed_settings, name="feed"),
    path("calendar/<uuid:user>/<str:token>.ics", views.ical, name="ical"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read-all/", views.inbox_mark_all_read, name="inbox-read-all"),
    path("inbox/<uuid:public_id>/", views.inbox_open, name="inbox-open"),
]
