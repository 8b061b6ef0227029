"""Helpers for the calendar tests: industries of every coverage, users with e-mail addresses."""

from datetime import date

from deadlines.models import Obligation
from tests.factories import accounts as users
from units.models import Industry

MARKET_SECTORS = ("power", "steel", "cement", "aluminium")


def industry_for(sector: str, *, market: bool | None = None) -> Industry:
    """An industry of `sector`, in the market as its sector is unless `market` says otherwise.
    A steel or cement industry outside the market is made up: the reference data has none."""
    if market is None:
        market = sector in MARKET_SECTORS
    found = Industry.objects.filter(sector=sector, is_market_sector=market).order_by("code").first()
    if found is not None:
        return found
    return Industry.objects.create(
        code="3199" if sector == "steel" else "3099",
        sector=sector,
        is_market_sector=market,
        name_zh=f"测试{sector}",
        name_en=f"Test {sector} outside the market",
    )


def mailable(user, *, language: str = "zh-hans"):
    """Give a persona an e-mail address and a language."""
    user.email = f"{user.username}@example.cn"
    user.language = language
    user.save(update_fields=["email", "language"])
    return user


def unit_user(enterprise, username: str, *, language: str = "zh-hans"):
    return mailable(users.enterprise_user(enterprise, username=username), language=language)


def staff_user(province, username: str, *, city=None, language: str = "zh-hans"):
    return mailable(users.staff(province, city=city, username=username), language=language)


def obligation(enterprise, kind: str, **lookup) -> Obligation:
    return Obligation.objects.get(enterprise=enterprise, kind=kind, **lookup)


def due_dates(queryset) -> set[tuple[str, date]]:
    """The (kind, due date) of each obligation, checking that none comes twice (say a unit
    matched by two rules of the same kind)."""
    rows = list(queryset.values_list("kind", "due_on"))
    assert len(rows) == len(set(rows)), f"duplicate obligations: {sorted(rows)}"
    return set(rows)
