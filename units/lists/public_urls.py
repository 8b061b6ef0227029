"""The public disclosure under /lists/ (no login)."""

from django.urls import path, register_converter

from units.lists import public_views


class ProvinceCodeConverter:
    """A GB/T 2260 province code: six digits, so that /lists/2027/xlsx/ is never a province."""

    regex = "[0-9]{6}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(ProvinceCodeConverter, "province_code")

app_name = "lists"

urlpatterns = [
    path("", public_views.index, name="index"),
    path("<int:year>/", public_views.national, name="national"),
    path("<int:year>/xlsx/", public_views.national_xlsx, name="national-xlsx"),
    path("<int:year>/pdf/", public_views.national_pdf, name="national-pdf"),
    path("<int:year>/<province_code:code>/", public_views.province, name="province"),
    path("<int:year>/<province_code:code>/xlsx/", public_views.province_xlsx, name="province-xlsx"),
    path("<int:year>/<province_code:code>/pdf/", public_views.province_pdf, name="province-pdf"),
]
