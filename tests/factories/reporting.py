import factory
from django.utils import timezone

from reporting.models import AnnualReport, DataItemSchema, SubmissionStatus
from tests.factories.units import EnterpriseFactory


def schema(sector: str = "power") -> DataItemSchema:
    return DataItemSchema.objects.filter(sector=sector).order_by("-year").first()


class AnnualReportFactory(factory.django.DjangoModelFactory):
    """An accepted 2025 annual report of a power unit (what verification verifies)."""

    class Meta:
        model = AnnualReport

    enterprise = factory.SubFactory(EnterpriseFactory)
    year = 2025
    version = 1
    status = SubmissionStatus.ACCEPTED
    schema = factory.LazyAttribute(lambda report: schema(report.enterprise.industry.sector))
    values = factory.LazyFunction(
        lambda: {
            "coal_consumption": "1200000",
            "coal_ncv": "21",
            "coal_carbon_content": "0.02694",
            "coal_oxidation_rate": "98",
            "power_generated": "3000000",
            "power_supplied": "2820000",
            "operating_hours": "6000",
            "load_factor": "70",
        }
    )
    emissions = 2_439_470.88
    formula_version = "power-2022-v1"
    submitted_at = factory.LazyFunction(timezone.now)
