"""seed_demo: what the small scale creates, and that it is valid, idempotent and deterministic.

The national scale is too slow for the unit tests; its in-memory plan is checked instead.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F

from accounts.models import Membership, Role, User
from units import demo, uscc
from units.models import AnnualEmissions, City, Enterprise, EnterpriseStatus, Facility
from verification.models import Institution

pytestmark = pytest.mark.django_db

LOGINS = ("admin", "ministry", "shandong", "guangdong", "ent-shandong", "ent-guangdong", "verifier")
MARKET_SECTORS = {"power", "steel", "cement", "aluminium"}


def seed(scale: str = "small") -> str:
    out = StringIO()
    call_command("seed_demo", scale=scale, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    models = (Enterprise, Facility, AnnualEmissions, City, User, Membership, Institution)
    return {model.__name__: model.objects.count() for model in models}


def test_small_seeds_about_thirty_units_in_each_of_two_provinces():
    seed()

    per_province = {
        code: Enterprise.objects.filter(province__code=code) for code in demo.SMALL_PROVINCES
    }
    assert Enterprise.objects.count() == 60
    for enterprises in per_province.values():
        sectors = set(enterprises.values_list("industry__sector", flat=True))
        assert enterprises.count() == 30
        assert sectors >= MARKET_SECTORS
        assert sectors - MARKET_SECTORS, "some reporting-only industries too"


def test_small_creates_every_city_of_shandong_and_guangdong():
    seed()

    assert City.objects.filter(province__code="370000").count() == 16
    assert City.objects.filter(province__code="440000").count() == 21
    assert City.objects.get(name_zh="济南市").code == "370100"
    assert not Enterprise.objects.exclude(city__province=F("province")).exists()


def test_each_unit_has_facilities_and_three_years_of_emissions():
    seed()

    for enterprise in Enterprise.objects.prefetch_related("facilities", "annual_emissions"):
        history = {(row.year, row.source) for row in enterprise.annual_emissions.all()}
        assert 1 <= len(enterprise.facilities.all()) <= 4
        assert {(2023, "verified"), (2024, "verified")} <= history
        if enterprise.status == EnterpriseStatus.ACTIVE:
            assert {(2025, "reported"), (2025, "verified")} <= history


def test_each_province_has_units_that_make_list_formulation_interesting():
    seed()

    for code in demo.SMALL_PROVINCES:
        enterprises = Enterprise.objects.filter(province__code=code)
        below = enterprises.filter(
            annual_emissions__year=2025,
            annual_emissions__source="verified",
            annual_emissions__direct_emissions__lt=demo.THRESHOLD_T,
        )
        assert below.exists()
        assert enterprises.filter(status=EnterpriseStatus.CLOSED).exists()
        merged = enterprises.get(status=EnterpriseStatus.MERGED)
        assert merged.merged_into.province_id == merged.province_id


def test_every_code_is_a_valid_unified_social_credit_code():
    seed()

    codes = [
        *Enterprise.objects.values_list("uscc", flat=True),
        *Institution.objects.values_list("uscc", flat=True),
    ]
    assert all(uscc.check(code).is_valid for code in codes)


def test_seven_demo_logins_work_with_the_demo_password():
    seed()

    users = {user.username: user for user in User.objects.filter(username__in=LOGINS)}
    assert set(users) == set(LOGINS)
    assert all(user.check_password(demo.DEMO_PASSWORD) for user in users.values())
    assert users["admin"].is_superuser and users["admin"].is_staff


def test_demo_logins_have_the_scope_of_their_role():
    seed()

    def membership(username: str) -> Membership:
        return Membership.objects.get(user__username=username)

    assert membership("ministry").role == Role.MINISTRY_REVIEWER
    assert membership("shandong").province.code == "370000"
    assert membership("guangdong").province.code == "440000"
    for username, code in (("ent-shandong", "370000"), ("ent-guangdong", "440000")):
        enterprise = membership(username).enterprise
        assert (enterprise.province.code, enterprise.industry.sector) == (code, "power")
    institution = membership("verifier").institution
    assert set(institution.provinces.values_list("code", flat=True)) == {"370000", "440000"}


def test_running_it_again_changes_nothing():
    seed()
    before = row_counts()

    output = seed()

    assert row_counts() == before
    assert "0 enterprises" in output


def test_it_coexists_with_a_city_that_already_exists(jinan):
    seed()

    assert City.objects.filter(province__code="370000", name_zh="济南市").count() == 1


def test_the_seeded_units_are_exactly_the_deterministic_plan():
    seed()

    seeded = sorted(Enterprise.objects.values_list("uscc", "name_zh"))
    assert seeded == sorted((spec.uscc, spec.name_zh) for spec in demo.plan("small"))


def test_the_plan_is_the_same_every_time():
    assert demo.plan("small") == demo.plan("small")


def test_the_small_scale_is_the_start_of_the_national_one():
    national = set(demo.plan("national"))

    assert set(demo.plan("small")) <= national


def test_national_counts_match_the_scale_figures():
    counts = demo.national_counts()
    totals = {code: sum(sectors.values()) for code, sectors in counts.items()}

    assert len(counts) == 32
    assert sum(c["power"] for c in counts.values()) == 2200
    assert sum(c["steel"] + c["cement"] + c["aluminium"] for c in counts.values()) == 1500
    assert sum(totals.values()) == 6200
    assert max(totals, key=totals.get) == "370000"


def test_it_prints_the_run_time_and_the_logins():
    output = seed()

    assert output.startswith("seed_demo small: 60 enterprises, ")
    assert all(username in output for username in LOGINS)
    assert demo.DEMO_PASSWORD in output


@pytest.mark.parametrize(
    ("username", "heading", "sees"),
    [
        ("admin", "National overview", None),
        ("ministry", "National overview", None),
        ("shandong", "Provincial home", "370000"),
        ("guangdong", "Provincial home", "440000"),
        ("ent-shandong", "Enterprise home", "370000"),
        ("ent-guangdong", "Enterprise home", "440000"),
        ("verifier", "Verifier home", None),
    ],
)
def test_each_demo_login_lands_on_its_role_home(client, username, heading, sees):
    seed()
    response = client.post(
        "/accounts/login/",
        {"username": username, "password": demo.DEMO_PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert f"<h1>{heading}" in response.content.decode()
    listed = client.get("/units/enterprises/", HTTP_ACCEPT_LANGUAGE="en").context["page"].paginator
    provinces = {enterprise.province.code for enterprise in listed.object_list}
    if sees is not None:
        assert provinces == {sees}
    elif username == "verifier":
        assert provinces == set()
    else:
        assert provinces == set(demo.SMALL_PROVINCES)
