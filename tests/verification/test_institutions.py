"""Verification institutions: registering and editing them, their verifiers, the relationships
they declare with enterprises; bad input, other provinces' and other institutions' users, the
list's query count."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.models import Membership
from accounts.scoping import actor_for
from core.errors import PermissionDenied
from core.models import AuditEvent
from tests.factories import accounts as users
from tests.factories.units import EnterpriseFactory, uscc_for
from tests.factories.verification import (
    AssignmentFactory,
    InstitutionFactory,
    RelationshipFactory,
)
from tests.factories.verification_assignments import accepted_report
from verification import institutions
from verification.models import Institution, Relationship

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
LIST = reverse("verification:institutions")
NEW = reverse("verification:institution-new")
CODE = uscc_for(777, region="370100")


@pytest.fixture(autouse=True)
def english():
    """Services word their refusals in the active language; pages choose it per request."""
    with translation.override("en"):
        yield


def url(name, obj):
    return reverse(f"verification:{name}", kwargs={"public_id": obj.public_id})


def body(response) -> str:
    return response.content.decode()


def form_data(province, **overrides):
    return {
        "name_zh": "山东碳核查技术服务有限公司",
        "name_en": "Shandong Carbon Verification Co.",
        "uscc": CODE.lower(),
        "qualifications": "CNAS 认可",
        "contact_name": "王工",
        "contact_phone": "0531-12345678",
        "contact_email": "wang@example.cn",
        "provinces": [province.pk],
        **overrides,
    }


def state(institution):
    institution.refresh_from_db()
    return (
        institution.name_zh,
        sorted(institution.provinces.values_list("code", flat=True)),
        Membership.objects.count(),
        Relationship.objects.count(),
        AuditEvent.objects.count(),
    )


class TestRegister:
    def test_staff_register_an_institution_serving_their_province(
        self, client_as, shandong_staff, shandong
    ):
        client = client_as(shandong_staff)
        assert client.get(NEW, **EN).status_code == 200
        response = client.post(NEW, form_data(shandong))
        assert response.status_code == 302
        institution = Institution.objects.get()
        assert institution.uscc == CODE  # upper-cased
        assert list(institution.provinces.all()) == [shandong]
        assert response.url == url("institution-detail", institution)
        event = AuditEvent.objects.for_target(institution).get()
        assert event.tenant_code == "370000"
        assert event.changes["provinces"] == {"before": None, "after": ["370000"]}
        page = body(client.get(response.url, **EN))
        assert "Shandong Carbon Verification Co." in page and "CNAS 认可" in page
        assert client.get(response.url, **ZH).status_code == 200

    def test_bad_input_names_the_field_and_saves_nothing(self, client_as, shandong_staff, shandong):
        client = client_as(shandong_staff)
        response = client.post(NEW, form_data(shandong, uscc="91370100MA3C00000X"), **EN)
        assert response.status_code == 400
        assert response.context["form"].errors.keys() == {"uscc"}
        response = client.post(NEW, form_data(shandong, provinces=[]), **EN)
        assert response.status_code == 400 and "provinces" in response.context["form"].errors
        InstitutionFactory(uscc=CODE, provinces=[])
        response = client.post(NEW, form_data(shandong), **EN)
        assert response.status_code == 400 and "uscc" in response.context["form"].errors
        assert Institution.objects.count() == 1 and not AuditEvent.objects.exists()

    def test_staff_cannot_register_for_another_province(self, client_as, shandong_staff, guangdong):
        response = client_as(shandong_staff).post(NEW, form_data(guangdong), **EN)
        assert response.status_code == 400  # not a choice offered
        data = institutions.InstitutionData(name_zh="广东机构", uscc=CODE, provinces=(guangdong,))
        with pytest.raises(PermissionDenied):
            institutions.register_institution(actor=actor_for(shandong_staff), data=data)
        assert not Institution.objects.exists()

    @pytest.mark.parametrize(
        "persona", ["jinan_staff", "verifier_user", "shandong_enterprise_user", "ministry_user"]
    )
    def test_other_roles_cannot_register(self, request, client_as, persona, shandong):
        client = client_as(request.getfixturevalue(persona))
        assert client.get(NEW).status_code == 403
        assert client.post(NEW, form_data(shandong)).status_code == 403
        assert not Institution.objects.filter(uscc=CODE).exists()

    def test_an_administrator_registers_for_any_province(self, client_as, admin_user, guangdong):
        assert client_as(admin_user).post(NEW, form_data(guangdong)).status_code == 302
        assert list(Institution.objects.get().provinces.all()) == [guangdong]


class TestEdit:
    def test_staff_edit_and_keep_the_other_provinces_served(
        self, client_as, shandong_staff, institution, shandong, guangdong
    ):
        institution.provinces.add(guangdong)
        client = client_as(shandong_staff)
        edit = url("institution-edit", institution)
        assert client.get(edit, **EN).status_code == 200
        response = client.post(
            edit, form_data(shandong, uscc=institution.uscc, contact_name="李工")
        )
        assert response.status_code == 302
        institution.refresh_from_db()
        assert institution.contact_name == "李工"
        assert sorted(institution.provinces.values_list("code", flat=True)) == [
            "370000",
            "440000",
        ]
        event = AuditEvent.objects.for_target(institution).get()
        assert event.changes["contact_name"] == {"before": "", "after": "李工"}
        response = client.post(edit, form_data(shandong, uscc=institution.uscc, provinces=[]))
        assert response.status_code == 302 and response.url == LIST  # no longer serves Shandong
        assert list(institution.provinces.values_list("code", flat=True)) == ["440000"]

    def test_the_last_province_cannot_be_removed(self, client_as, shandong_staff, institution):
        before = state(institution)
        response = client_as(shandong_staff).post(
            url("institution-edit", institution),
            form_data(institution.provinces.get(), uscc=institution.uscc, provinces=[]),
            **EN,
        )
        assert response.status_code == 400 and "provinces" in response.context["form"].errors
        assert state(institution) == before

    def test_bad_input_is_400_and_nothing_changes(self, client_as, shandong_staff, institution):
        before = state(institution)
        response = client_as(shandong_staff).post(
            url("institution-edit", institution),
            form_data(institution.provinces.get(), name_zh="", contact_email="not-an-email"),
        )
        assert response.status_code == 400
        assert response.context["form"].errors.keys() == {"name_zh", "contact_email"}
        assert state(institution) == before

    def test_another_province_gets_404_and_its_verifier_403(
        self, client_as, guangdong_staff, verifier_user, institution, shandong
    ):
        before = state(institution)
        edit = url("institution-edit", institution)
        data = form_data(shandong, uscc=institution.uscc, name_zh="改名")
        assert client_as(guangdong_staff).post(edit, data).status_code == 404
        assert (
            client_as(guangdong_staff).get(url("institution-detail", institution)).status_code
            == 404
        )
        assert client_as(verifier_user).post(edit, data).status_code == 403
        assert state(institution) == before


class TestVerifiers:
    def test_staff_create_a_verifier_user(self, client_as, shandong_staff, institution):
        response = client_as(shandong_staff).post(
            url("verifier-add", institution),
            {
                "username": "zhang-verifier",
                "name": "张三",
                "email": "zhang@example.cn",
                "password": "Hecha-2026-long",
            },
        )
        assert response.status_code == 302
        user = get_user_model().objects.get(username="zhang-verifier")
        assert user.check_password("Hecha-2026-long") and user.first_name == "张三"
        assert actor_for(user).institution_ids == frozenset({institution.pk})
        assert AuditEvent.objects.filter(target_type="accounts.membership").count() == 1
        assert "zhang-verifier" in body(
            client_as(shandong_staff).get(url("institution-detail", institution), **EN)
        )

    def test_an_existing_user_without_a_role_is_attached(
        self, client_as, shandong_staff, institution, no_role_user
    ):
        response = client_as(shandong_staff).post(
            url("verifier-add", institution), {"username": "nobody"}
        )
        assert response.status_code == 302
        assert actor_for(no_role_user).institution_ids == frozenset({institution.pk})

    def test_refusals_are_400_and_save_nothing(
        self, client_as, shandong_staff, institution, verifier_user, shandong_enterprise_user
    ):
        client = client_as(shandong_staff)
        add = url("verifier-add", institution)
        before = state(institution)
        cases = [
            ({"username": "new-user"}, "password"),  # a new user needs a password
            ({"username": "new-user", "password": "123"}, "password"),  # too weak
            ({"username": "ent-shandong-test"}, "username"),  # holds another role
            ({"username": "verifier-test"}, "username"),  # already this institution's
            ({"username": "nobody2", "password": "x"}, "password"),
            ({"username": "bad name!", "password": "Hecha-2026-long"}, "username"),
        ]
        users.UserFactory(username="nobody2")
        for data, field in cases:
            response = client.post(add, data, **EN)
            assert response.status_code == 400, data
            assert field in response.context["form"].errors, data
        assert state(institution) == before
        assert not get_user_model().objects.filter(username__in=["new-user", "bad name!"]).exists()

    def test_another_province_404_and_verifiers_403(
        self, client_as, guangdong_staff, verifier_user, institution
    ):
        before = state(institution)
        add = url("verifier-add", institution)
        data = {"username": "x-verifier", "password": "Hecha-2026-long"}
        assert client_as(guangdong_staff).post(add, data).status_code == 404
        assert client_as(verifier_user).post(add, data).status_code == 403
        assert state(institution) == before


class TestRelationships:
    def test_staff_record_a_declared_relationship_and_its_end(
        self, client_as, shandong_staff, institution, shandong_enterprise
    ):
        client = client_as(shandong_staff)
        response = client.post(
            url("relationship-new", institution),
            {
                "enterprise": shandong_enterprise.uscc.lower(),
                "kind": "consultancy",
                "from_year": 2023,
                "description": "编制2023年度排放报告",
            },
        )
        assert response.status_code == 302
        relationship = Relationship.objects.get()
        assert (relationship.enterprise, relationship.kind, relationship.to_year) == (
            shandong_enterprise,
            "consultancy",
            None,
        )
        assert relationship.declared_by.username == "shandong-staff"
        page = body(client.get(url("institution-detail", institution), **EN))
        assert "Consultancy or report preparation" in page and "编制2023年度排放报告" in page
        response = client.post(url("relationship-end", relationship), {"to_year": 2024})
        assert response.status_code == 302
        relationship.refresh_from_db()
        assert relationship.to_year == 2024
        assert AuditEvent.objects.for_target(relationship).count() == 2

    def test_bad_input_is_400_and_saves_nothing(
        self, client_as, shandong_staff, institution, guangdong_enterprise, shandong_enterprise
    ):
        client = client_as(shandong_staff)
        new = url("relationship-new", institution)
        base = {"enterprise": shandong_enterprise.uscc, "kind": "equity", "from_year": 2024}
        cases = [
            ({**base, "enterprise": guangdong_enterprise.uscc}, "enterprise"),  # not in the area
            ({**base, "to_year": 2023}, "to_year"),
            ({**base, "kind": "friendship"}, "kind"),
            ({**base, "from_year": 1900}, "from_year"),
        ]
        for data, field in cases:
            response = client.post(new, data, **EN)
            assert response.status_code == 400, data
            assert field in response.context["form"].errors, data
        assert not Relationship.objects.exists() and not AuditEvent.objects.exists()

    def test_ending_refusals(self, client_as, shandong_staff, institution, shandong_enterprise):
        relationship = RelationshipFactory(
            institution=institution, enterprise=shandong_enterprise, from_year=2024
        )
        client = client_as(shandong_staff)
        end = url("relationship-end", relationship)
        assert client.post(end, {"to_year": 2023}, **EN).status_code == 400
        assert client.post(end, {"to_year": ""}, **EN).status_code == 400
        client.post(end, {"to_year": 2025})
        response = client.post(end, {"to_year": 2026}, **EN)
        assert response.status_code == 400 and "already ended in 2025" in body(response)
        relationship.refresh_from_db()
        assert relationship.to_year == 2025

    def test_another_province_404_and_verifiers_403(
        self, client_as, guangdong_staff, verifier_user, institution, shandong_enterprise
    ):
        relationship = RelationshipFactory(institution=institution, enterprise=shandong_enterprise)
        data = {"enterprise": shandong_enterprise.uscc, "kind": "equity", "from_year": 2024}
        assert (
            client_as(guangdong_staff).post(url("relationship-new", institution), data).status_code
            == 404
        )
        assert (
            client_as(guangdong_staff)
            .post(url("relationship-end", relationship), {"to_year": 2025})
            .status_code
            == 404
        )
        assert (
            client_as(verifier_user).post(url("relationship-new", institution), data).status_code
            == 403
        )
        assert (
            client_as(verifier_user)
            .post(url("relationship-end", relationship), {"to_year": 2025})
            .status_code
            == 403
        )
        relationship.refresh_from_db()
        assert relationship.to_year is None and Relationship.objects.count() == 1

    def test_the_declared_relationship_refuses_the_assignment(
        self, shandong_staff, institution, shandong_enterprise
    ):
        with pytest.raises(ValidationError):
            institutions.declare_relationship(
                actor=actor_for(shandong_staff),
                institution=institution,
                enterprise=shandong_enterprise,
                kind="consultancy",
                from_year=2025,
                to_year=2024,
            )
        institutions.declare_relationship(
            actor=actor_for(shandong_staff),
            institution=institution,
            enterprise=shandong_enterprise,
            kind="personnel",
            from_year=2025,
        )
        from verification.assignment_rules import refusals

        [reason] = refusals(accepted_report(shandong_enterprise), institution)
        assert "Shared personnel or family ties" in reason


class TestListAndDetail:
    def test_each_reader_sees_only_the_institutions_in_scope(
        self, client_as, shandong_staff, guangdong_staff, verifier_user, institution, guangdong
    ):
        theirs = InstitutionFactory(provinces=[guangdong], name_zh="广东核查机构")
        both = InstitutionFactory(provinces=[guangdong, institution.provinces.get()])

        def listed(user):
            return set(client_as(user).get(LIST).context["page"])

        assert listed(shandong_staff) == {institution, both}
        assert listed(guangdong_staff) == {theirs, both}
        assert listed(verifier_user) == {institution}
        other = users.verifier(theirs, username="gd-verifier")
        assert client_as(other).get(url("institution-detail", institution)).status_code == 404
        assert (
            client_as(verifier_user).get(url("institution-detail", institution)).status_code == 200
        )

    def test_enterprise_users_may_not_read_the_list(self, client_as, shandong_enterprise_user):
        assert client_as(shandong_enterprise_user).get(LIST).status_code == 403

    def test_detail_lists_the_assignments_in_scope_with_withdraw_links(
        self,
        client_as,
        shandong_staff,
        guangdong_staff,
        institution,
        guangdong,
        shandong_enterprise,
    ):
        institution.provinces.add(guangdong)
        ours = AssignmentFactory(
            report=accepted_report(shandong_enterprise), institution=institution
        )
        theirs = AssignmentFactory(
            report=accepted_report(EnterpriseFactory(province=guangdong, name_zh="广东电厂")),
            institution=institution,
        )
        page = client_as(shandong_staff).get(url("institution-detail", institution), **EN)
        assert list(page.context["page"]) == [ours]
        assert url("assignment-withdraw", ours) in body(page)
        assert url("assignment-withdraw", theirs) not in body(page)
        chinese = client_as(guangdong_staff).get(url("institution-detail", institution), **ZH)
        assert list(chinese.context["page"]) == [theirs]
        assert '<html lang="zh-hans">' in body(chinese)

    def test_list_query_count_does_not_grow(
        self, client_as, shandong_staff, shandong, guangdong, django_assert_num_queries
    ):
        client = client_as(shandong_staff)
        client.get(LIST)

        def make(count):
            for _ in range(count):
                institution = InstitutionFactory(provinces=[shandong, guangdong])
                users.verifier(institution)

        make(2)
        with django_assert_num_queries(10):
            page = client.get(LIST, **EN)
        assert [i.verifier_count for i in page.context["page"]] == [1, 1]
        make(10)
        with django_assert_num_queries(10):
            assert len(client.get(LIST).context["page"]) == 12
