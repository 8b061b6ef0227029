"""Public pages: published evaluations of verification institutions, under /evaluations/."""

from django.urls import path

from verification import public_views

app_name = "evaluations"

urlpatterns = [
    path("", public_views.index, name="index"),
    path("<int:year>/<str:code>/", public_views.province, name="province"),
    path("<int:year>/<str:code>/xlsx/", public_views.province_xlsx, name="province-xlsx"),
    path("<int:year>/<str:code>/pdf/", public_views.province_pdf, name="province-pdf"),
]
