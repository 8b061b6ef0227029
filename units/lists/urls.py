"""Staff pages of the annual list, included into the `units` namespace (no app_name of their
own): `units:lists`, `units:list-detail`, ..."""

from django.urls import path

from units.lists import views

urlpatterns = [
    path("", views.unit_lists, name="lists"),
    path("formulate/", views.list_formulate, name="list-formulate"),
    path("<uuid:public_id>/", views.list_detail, name="list-detail"),
    path("<uuid:public_id>/recalculate/", views.list_recalculate, name="list-recalculate"),
    path("<uuid:public_id>/submit/", views.list_submit, name="list-submit"),
    path("<uuid:public_id>/return/", views.list_return, name="list-return"),
    path("<uuid:public_id>/approve/", views.list_approve, name="list-approve"),
    path("<uuid:public_id>/publish/", views.list_publish, name="list-publish"),
    path("<uuid:public_id>/revise/", views.list_revise, name="list-revise"),
    path("<uuid:public_id>/compare/", views.list_compare, name="list-compare"),
    path("<uuid:public_id>/xlsx/", views.list_xlsx, name="list-xlsx"),
    path("entries/<uuid:public_id>/override/", views.entry_override, name="list-entry-override"),
]
