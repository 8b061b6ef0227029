"""Writing the demo: `seed(scale)` adds whatever of the plan is missing, then the demo logins.

Rows are keyed on the unified social credit code, so running it again is safe and widening the
scale from small to national only adds the rest. Writes go straight through the ORM with
bulk_create: this is demo data, not a user action, so the services and their audit trail are
bypassed on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.models import Membership, Role
from units import uscc
from units.demo.data import BATCH_SIZE, DEMO_PASSWORD, INDUSTRY_STANDARD, SMALL_PROVINCES, Scale
from units.demo.geography import PROVINCE_INFO
from units.demo.planning import _organisation_check, plan
from units.demo.specs import EmissionsSpec, EnterpriseSpec, FacilitySpec
from units.models import (
    AnnualEmissions,
    City,
    Enterprise,
    EnterpriseStatus,
    Facility,
    Industry,
    Province,
)
from verification.models import Institution


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    scope: str


@dataclass(frozen=True)
class SeedResult:
    enterprises: int
    facilities: int
    emissions: int
    already_present: int
    logins: tuple[Login, ...]


@transaction.atomic
def seed(scale: Scale) -> SeedResult:
    """Write the demo data of a scale that is not there yet, and the demo logins."""
    specs = plan(scale)
    codes = SMALL_PROVINCES if scale == "small" else tuple(PROVINCE_INFO)
    provinces = {p.code: p for p in Province.objects.filter(code__in=codes)}
    cities = _ensure_cities(provinces)
    existing = set(
        Enterprise.objects.filter(uscc__in=[s.uscc for s in specs]).values_list("uscc", flat=True)
    )
    new = [spec for spec in specs if spec.uscc not in existing]
    enterprises = _create_enterprises(new, provinces, cities)
    _link_mergers(new, enterprises)
    facilities = Facility.objects.bulk_create(
        [_facility(enterprises[s.uscc], f) for s in new for f in s.facilities],
        batch_size=BATCH_SIZE,
    )
    emissions = AnnualEmissions.objects.bulk_create(
        [_emissions_row(enterprises[s.uscc], e) for s in new for e in s.emissions],
        batch_size=BATCH_SIZE,
    )
    return SeedResult(
        enterprises=len(enterprises),
        facilities=len(facilities),
        emissions=len(emissions),
        already_present=len(existing),
        logins=ensure_logins(specs, provinces),
    )


def _ensure_cities(provinces: dict[str, Province]) -> dict[tuple[str, str], City]:
    City.objects.bulk_create(
        [
            City(province=province, code=city.code, name_zh=city.name_zh, name_en=city.name_en)
            for code, province in provinces.items()
            for city in PROVINCE_INFO[code].cities
        ],
        ignore_conflicts=True,  # an existing city of the same name is kept as it is
    )
    rows = City.objects.filter(province__in=provinces.values()).select_related("province")
    return {(city.province.code, city.name_zh): city for city in rows}


def _create_enterprises(
    specs: list[EnterpriseSpec], provinces: dict[str, Province], cities: dict[tuple[str, str], City]
) -> dict[str, Enterprise]:
    industries = {
        (i.sector, i.code): i for i in Industry.objects.filter(standard=INDUSTRY_STANDARD)
    }
    rows = [
        Enterprise(
            uscc=spec.uscc,
            name_zh=spec.name_zh,
            name_en=spec.name_en,
            province=provinces[spec.province_code],
            city=cities[spec.province_code, spec.city_name_zh],
            industry=industries[spec.sector, spec.industry_code],
            status=spec.status,
            address=spec.address,
            contact_name=spec.contact_name,
            contact_email=spec.contact_email,
            is_in_pilot_market=spec.is_in_pilot_market,
        )
        for spec in specs
    ]
    return {e.uscc: e for e in Enterprise.objects.bulk_create(rows, batch_size=BATCH_SIZE)}


def _link_mergers(specs: list[EnterpriseSpec], created: dict[str, Enterprise]) -> None:
    merged = [spec for spec in specs if spec.merged_into_uscc]
    targets = dict(
        Enterprise.objects.filter(uscc__in=[s.merged_into_uscc for s in merged]).values_list(
            "uscc", "pk"
        )
    )
    for spec in merged:
        created[spec.uscc].merged_into_id = targets[spec.merged_into_uscc]
    Enterprise.objects.bulk_update(
        [created[s.uscc] for s in merged], ["merged_into"], batch_size=BATCH_SIZE
    )


def _facility(enterprise: Enterprise, spec: FacilitySpec) -> Facility:
    return Facility(
        enterprise=enterprise,
        name=spec.name,
        category=spec.category,
        capacity=spec.capacity,
        capacity_unit=spec.capacity_unit,
        fuel=spec.fuel,
        cooling=spec.cooling,
        commissioned_on=spec.commissioned_on,
    )


def _emissions_row(enterprise: Enterprise, spec: EmissionsSpec) -> AnnualEmissions:
    return AnnualEmissions(
        enterprise=enterprise,
        year=spec.year,
        source=spec.source,
        direct_emissions=spec.direct,
        indirect_emissions=spec.indirect,
    )


# --- Logins ---------------------------------------------------------------------------------

INSTITUTION = {
    # A public institution (事业单位): registration authority 1, category 2.
    "uscc": uscc.make("12370000" + "49500312" + _organisation_check("49500312")),
    "name_zh": "山东省环科院碳核查技术服务中心",
    "name_en": "Carbon Verification Service Centre, Shandong Academy of Environmental Sciences",
    "qualifications": "温室气体排放核查；发电、钢铁、水泥、电解铝行业技术服务（演示数据）",
    "contact_name": "孙立新",
    "contact_email": "verify@example.com",
}


def ensure_logins(specs: list[EnterpriseSpec], provinces: dict[str, Province]) -> tuple[Login, ...]:
    """The seven demo users; existing ones are updated in place, never duplicated."""
    shandong, guangdong = provinces["370000"], provinces["440000"]
    institution, _created = Institution.objects.update_or_create(
        uscc=INSTITUTION["uscc"], defaults={k: v for k, v in INSTITUTION.items() if k != "uscc"}
    )
    institution.provinces.add(shandong, guangdong)
    ent_shandong = _demo_enterprise(specs, shandong)
    ent_guangdong = _demo_enterprise(specs, guangdong)

    _user("admin", "系统管理员", superuser=True)
    _member("ministry", "生态环境部审核员", Role.MINISTRY_REVIEWER)
    _member("shandong", "山东省生态环境厅经办人", Role.PROVINCIAL_STAFF, province=shandong)
    _member("guangdong", "广东省生态环境厅经办人", Role.PROVINCIAL_STAFF, province=guangdong)
    _member("ent-shandong", ent_shandong.name_zh, Role.ENTERPRISE_USER, enterprise=ent_shandong)
    _member("ent-guangdong", ent_guangdong.name_zh, Role.ENTERPRISE_USER, enterprise=ent_guangdong)
    _member("verifier", institution.name_zh, Role.VERIFIER, institution=institution)
    return (
        Login("admin", "administrator (superuser)", "all provinces"),
        Login("ministry", Role.MINISTRY_REVIEWER, "all provinces, read-only review"),
        Login("shandong", Role.PROVINCIAL_STAFF, shandong.name_zh),
        Login("guangdong", Role.PROVINCIAL_STAFF, guangdong.name_zh),
        Login("ent-shandong", Role.ENTERPRISE_USER, ent_shandong.name_zh),
        Login("ent-guangdong", Role.ENTERPRISE_USER, ent_guangdong.name_zh),
        Login("verifier", Role.VERIFIER, institution.name_zh),
    )


def _demo_enterprise(specs: list[EnterpriseSpec], province: Province) -> Enterprise:
    """The province's first active power unit (always its first unit, so both scales agree)."""
    first = next(
        spec
        for spec in specs
        if spec.province_code == province.code
        and spec.sector == "power"
        and spec.status == EnterpriseStatus.ACTIVE
    )
    return Enterprise.objects.get(uscc=first.uscc)


def _user(username: str, display_name: str, *, superuser: bool = False):
    user, created = get_user_model().objects.update_or_create(
        username=username,
        defaults={
            "first_name": display_name,
            "email": f"{username}@example.com",
            "is_staff": superuser,
            "is_superuser": superuser,
            "is_active": True,
        },
    )
    # Checked rather than reset on every run: resetting would log the demo users out.
    if created or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _member(username: str, display_name: str, role: str, **scope: object) -> None:
    # Every scope field is named so that a narrower membership is not mistaken for this one.
    scope = {"province": None, "city": None, "enterprise": None, "institution": None} | scope
    Membership.objects.get_or_create(user=_user(username, display_name), role=role, **scope)
