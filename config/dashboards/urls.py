from django.urls import path

from config.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.province, name="province"),
    path("national/", views.national_rollup, name="national"),
    path("national/xlsx/", views.national_xlsx, name="national-xlsx"),
    path("<str:code>/", views.province_detail, name="province-detail"),
    path("<str:code>/xlsx/", views.province_xlsx, name="province-xlsx"),
]
