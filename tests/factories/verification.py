import factory

from tests.factories.accounts import UserFactory
from tests.factories.reporting import AnnualReportFactory
from tests.factories.units import uscc_for
from verification.models import Assignment, AssignmentStatus, Institution, Relationship


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution
        skip_postgeneration_save = True

    name_zh = factory.Sequence(lambda n: f"测试核查技术服务机构{n}")
    uscc = factory.Sequence(lambda n: uscc_for(900_000 + n, region="110100"))

    @factory.post_generation
    def provinces(self, create, extracted, **kwargs):
        if create and extracted:
            self.provinces.set(extracted)


class RelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Relationship

    institution = factory.SubFactory(InstitutionFactory)
    enterprise = factory.SubFactory("tests.factories.units.EnterpriseFactory")
    kind = "consultancy"
    declared_by = factory.SubFactory(UserFactory)
    from_year = 2024
    to_year = None


class AssignmentFactory(factory.django.DjangoModelFactory):
    """An assignment of an accepted annual report; pass `report=` to choose the unit."""

    class Meta:
        model = Assignment
        skip_postgeneration_save = True

    report = factory.SubFactory(AnnualReportFactory)
    enterprise = factory.SelfAttribute("report.enterprise")
    year = factory.SelfAttribute("report.year")
    institution = factory.SubFactory(InstitutionFactory)
    status = AssignmentStatus.ASSIGNED
    assigned_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def team(self, create, extracted, **kwargs):
        if create and extracted:
            self.team.set(extracted)
