import factory

from tests.factories.units import uscc_for
from verification.models import Institution


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
