import factory

from accounts.models import Membership, Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("demo-pass-2026")


def staff(province, *, city=None, username=None) -> User:
    user = UserFactory(username=username or f"staff-{province.code}-{getattr(city, 'pk', 'all')}")
    Membership.objects.create(user=user, role=Role.PROVINCIAL_STAFF, province=province, city=city)
    return user


def enterprise_user(*enterprises, username=None) -> User:
    user = UserFactory(username=username or f"ent-{enterprises[0].pk}")
    for enterprise in enterprises:
        Membership.objects.create(user=user, role=Role.ENTERPRISE_USER, enterprise=enterprise)
    return user


def verifier(institution, *, username=None) -> User:
    user = UserFactory(username=username or f"verifier-{institution.pk}")
    Membership.objects.create(user=user, role=Role.VERIFIER, institution=institution)
    return user


def ministry(*, username="ministry-reviewer") -> User:
    user = UserFactory(username=username)
    Membership.objects.create(user=user, role=Role.MINISTRY_REVIEWER)
    return user


def administrator(*, username="administrator") -> User:
    user = UserFactory(username=username, is_staff=True, is_superuser=True)
    return user
