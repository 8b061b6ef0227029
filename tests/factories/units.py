import factory

from units import uscc
from units.models import AnnualEmissions, City, Enterprise, Facility, Industry, Province


def province(code: str) -> Province:
    return Province.objects.get(code=code)


def industry(code: str = "4411", sector: str = "power") -> Industry:
    return Industry.objects.get(code=code, sector=sector)


def uscc_for(number: int, region: str = "370100") -> str:
    """A valid code whose subject identifier encodes `number` (unique per number)."""
    return uscc.make(f"91{region}{number:09d}")


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("province", "name_zh")

    province = factory.LazyFunction(lambda: province("370000"))
    name_zh = factory.Sequence(lambda n: f"测试市{n}")
    name_en = factory.Sequence(lambda n: f"Test City {n}")


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    uscc = factory.Sequence(lambda n: uscc_for(n + 1))
    name_zh = factory.Sequence(lambda n: f"测试发电有限公司{n}")
    name_en = factory.Sequence(lambda n: f"Test Power Co. {n}")
    province = factory.LazyFunction(lambda: province("370000"))
    industry = factory.LazyFunction(industry)
    city = None


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility

    enterprise = factory.SubFactory(EnterpriseFactory)
    name = factory.Sequence(lambda n: f"{n}号机组")
    category = "generating_unit"
    capacity = 600
    capacity_unit = "MW"
    fuel = "coal"
    cooling = "water"


class AnnualEmissionsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualEmissions

    enterprise = factory.SubFactory(EnterpriseFactory)
    year = 2025
    source = "verified"
    direct_emissions = 1_000_000
