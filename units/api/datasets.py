"""The units app's bulk snapshot dataset (core.datasets): the registry of key emission units
with their facilities and emissions, and the year's published list."""

from django.utils.translation import gettext_lazy as _

from core.datasets import CsvFile, Dataset, columns
from units.models import AnnualEmissions, Enterprise, Facility, ListEntry, ListStatus


def _enterprises(year: int):
    # The registry as it stands: units are not kept per year.
    return Enterprise.objects.all()


def _facilities(year: int):
    return Facility.objects.all()


def _emissions(year: int):
    return AnnualEmissions.objects.filter(year=year)


def _entries(year: int):
    return ListEntry.objects.filter(unit_list__year=year, unit_list__status=ListStatus.PUBLISHED)


datasets = [
    Dataset(
        name="units",
        title=_("Key emission units and the published list"),
        files=(
            CsvFile(
                name="enterprises.csv",
                columns=columns(
                    ("id", "public_id"),
                    "uscc",
                    "name_zh",
                    "name_en",
                    ("province", "province__code"),
                    ("city_code", "city__code"),
                    ("city", "city__name_zh"),
                    ("industry_code", "industry__code"),
                    ("sector", "industry__sector"),
                    "status",
                    "address",
                    "contact_name",
                    "contact_phone",
                    "contact_email",
                    "is_in_pilot_market",
                    ("merged_into", "merged_into__public_id"),
                    "updated_at",
                ),
                rows=_enterprises,
                province="province",
                order=("uscc",),
            ),
            CsvFile(
                name="facilities.csv",
                columns=columns(
                    ("id", "public_id"),
                    ("enterprise", "enterprise__public_id"),
                    ("uscc", "enterprise__uscc"),
                    "name",
                    "category",
                    "capacity",
                    "capacity_unit",
                    "fuel",
                    "cooling",
                    "commissioned_on",
                ),
                rows=_facilities,
                province="enterprise__province",
                order=("enterprise__uscc", "name"),
            ),
            CsvFile(
                name="annual_emissions.csv",
                columns=columns(
                    ("enterprise", "enterprise__public_id"),
                    ("uscc", "enterprise__uscc"),
                    ("province", "enterprise__province__code"),
                    "year",
                    "source",
                    "direct_emissions",
                    "indirect_emissions",
                ),
                rows=_emissions,
                province="enterprise__province",
                order=("enterprise__uscc", "source"),
            ),
            CsvFile(
                name="list_entries.csv",
                columns=columns(
                    ("list", "unit_list__public_id"),
                    ("province", "unit_list__province__code"),
                    ("year", "unit_list__year"),
                    ("revision", "unit_list__revision"),
                    ("published_at", "unit_list__published_at"),
                    ("enterprise", "enterprise__public_id"),
                    ("uscc", "published_uscc"),
                    ("name", "published_name"),
                    ("city", "published_city_zh"),
                    ("industry_code", "published_industry_code"),
                    ("industry", "published_industry_zh"),
                    "scope",
                    "decision",
                    "reason_code",
                    "basis_emissions",
                ),
                rows=_entries,
                province="unit_list__province",
                order=("unit_list__province__code", "scope", "published_uscc"),
            ),
        ),
    )
]
