from django.urls import include, path

from units import import_views, views

app_name = "units"

urlpatterns = [
    path("enterprises/", views.enterprise_list, name="enterprise-list"),
    path("enterprises/new/", views.enterprise_create, name="enterprise-create"),
    path("enterprises/import/", import_views.enterprise_import, name="enterprise-import"),
    path(
        "enterprises/import/template/",
        import_views.enterprise_import_template,
        name="enterprise-import-template",
    ),
    path(
        "enterprises/import/errors/",
        import_views.enterprise_import_errors,
        name="enterprise-import-errors",
    ),
    path("enterprises/<uuid:public_id>/", views.enterprise_detail, name="enterprise-detail"),
    path("enterprises/<uuid:public_id>/edit/", views.enterprise_edit, name="enterprise-edit"),
    path("enterprises/<uuid:public_id>/facilities/new/", views.facility_add, name="facility-add"),
    path(
        "enterprises/<uuid:public_id>/emissions/", views.emissions_record, name="emissions-record"
    ),
    path("facilities/<uuid:public_id>/edit/", views.facility_edit, name="facility-edit"),
    path("lists/", include("units.lists.urls")),
]
