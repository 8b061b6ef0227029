"""The staff pages of the annual list: every page and action through the browser's view of it,
bad input, the four-eyes rule, publication's side effects, revisions, other provinces and every
role, and pinned query counts."""

import io
from datetime import date

import openpyxl
import pytest
from django.urls import reverse

from accounts.scoping import actor_for
from core.models import AuditEvent
from deadlines.generation import generate_obligations
from deadlines.models import Notification, Obligation
from tests.factories import accounts as users
from tests.factories.units import AnnualEmissionsFactory, EnterpriseFactory, industry
from units.lists import services
from units.models import Decision, Enterprise, ListEntry, ListStatus, UnitList

pytestmark = pytest.mark.django_db

THRESHOLD = 26_000


# --- set-up ------------------------------------------------------------------------------------


@pytest.fixture
def client_as(client):
    """Log a persona in, reading the pages in English (messages are asserted in their source)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def approver(shandong):
    return users.staff(shandong, username="shandong-approver")


def unit(province, *, city=None, emissions=None, year=2025, sector="power", **fields):
    """A unit with its verified direct emissions of `year` (none if `emissions` is None)."""
    code = {"power": "4411", "chemical": "2614", "steel": "3120"}[sector]
    enterprise = EnterpriseFactory(
        province=province, city=city, industry=industry(code, sector), **fields
    )
    if emissions is not None:
        AnnualEmissionsFactory(enterprise=enterprise, year=year, direct_emissions=emissions)
    return enterprise


@pytest.fixture
def units(shandong, jinan, qingdao, shandong_enterprise):
    """Shandong's units for the 2027 list (2025 verified emissions): one new at exactly the
    threshold, one just below, one of a reporting-only industry."""
    AnnualEmissionsFactory(enterprise=shandong_enterprise, year=2025, direct_emissions=THRESHOLD)
    return {
        "big": shandong_enterprise,
        "small": unit(shandong, city=qingdao, emissions=THRESHOLD - 1, name_zh="青岛小电厂"),
        "chemical": unit(
            shandong, city=jinan, emissions=90_000, sector="chemical", name_zh="济南甲醇厂"
        ),
    }


def formulate(user, province, year=2027) -> UnitList:
    return services.formulate(actor=actor_for(user), province=province, year=year)


def publish(unit_list, *, by, approver) -> UnitList:
    services.submit(actor=actor_for(by), unit_list=unit_list)
    services.approve(actor=actor_for(approver), unit_list=unit_list)
    return services.publish(actor=actor_for(by), unit_list=unit_list)


def entry_of(unit_list, enterprise) -> ListEntry:
    return ListEntry.objects.get(unit_list=unit_list, enterprise=enterprise)


@pytest.fixture
def draft(units, shandong, shandong_staff) -> UnitList:
    return formulate(shandong_staff, shandong)


@pytest.fixture
def submitted(draft, shandong_staff) -> UnitList:
    return services.submit(actor=actor_for(shandong_staff), unit_list=draft)


@pytest.fixture
def published(draft, shandong_staff, approver) -> UnitList:
    return publish(draft, by=shandong_staff, approver=approver)


@pytest.fixture
def guangdong_list(guangdong, guangdong_staff, guangzhou) -> UnitList:
    unit(guangdong, city=guangzhou, emissions=500_000, name_zh="广州大电厂")
    return formulate(guangdong_staff, guangdong)


def url(name, obj) -> str:
    return reverse(f"units:{name}", kwargs={"public_id": obj.public_id})


def state(unit_list) -> tuple:
    unit_list.refresh_from_db()
    entries = unit_list.entries.order_by("pk").values_list("decision", "override_reason")
    return unit_list.status, unit_list.submitted_by_id, unit_list.approved_by_id, list(entries)


# --- the lists ---------------------------------------------------------------------------------


class TestLists:
    def test_staff_see_their_province_with_counts_and_a_formulate_form(
        self, client_as, shandong_staff, draft, guangdong_list
    ):
        response = client_as(shandong_staff).get(reverse("units:lists"))
        assert response.status_code == 200
        assert list(response.context["lists"]) == [draft]
        row = response.context["lists"][0]
        assert (row.included, row.removed) == (2, 0)  # the big unit and the chemical one
        form = response.context["formulate_form"]
        assert form["year"].value() == 2027
        assert [p.code for p in form.fields["province"].queryset] == ["370000"]
        assert draft.get_absolute_url() in response.content.decode()

    def test_formulate_drafts_the_list_from_the_rules(
        self, client_as, shandong_staff, shandong, units
    ):
        response = client_as(shandong_staff).post(reverse("units:list-formulate"), {"year": 2027})
        unit_list = UnitList.objects.get(province=shandong, year=2027)
        assert response.status_code == 302
        assert response["Location"] == unit_list.get_absolute_url()
        assert unit_list.status == ListStatus.DRAFT
        decisions = dict(unit_list.entries.values_list("enterprise", "decision"))
        assert decisions == {
            units["big"].pk: Decision.NEW,
            units["small"].pk: Decision.NOT_INCLUDED,
            units["chemical"].pk: Decision.NEW,
        }
        assert AuditEvent.objects.filter(target_id=str(unit_list.pk), action="calculate").exists()

    @pytest.mark.parametrize("year", ["", "next", "1999"])
    def test_bad_year_is_refused(self, client_as, shandong_staff, units, year):
        response = client_as(shandong_staff).post(reverse("units:list-formulate"), {"year": year})
        assert response.status_code == 400
        assert response.context["formulate_form"].errors["year"]
        assert not UnitList.objects.exists()

    def test_a_year_without_rules_is_refused_with_the_message(
        self, client_as, shandong_staff, units
    ):
        response = client_as(shandong_staff).post(reverse("units:list-formulate"), {"year": 2031})
        assert response.status_code == 400
        message = "There are no inclusion rules for 2031 yet; an administrator adds them."
        assert response.context["formulate_form"].non_field_errors() == [message]
        assert message in response.content.decode()
        assert not UnitList.objects.exists()

    def test_a_published_year_cannot_be_formulated_again(
        self, client_as, shandong_staff, published
    ):
        before = state(published)
        response = client_as(shandong_staff).post(reverse("units:list-formulate"), {"year": 2027})
        assert response.status_code == 400
        assert "This list is published; correct it by starting a revision." in (
            response.content.decode()
        )
        assert state(published) == before
        assert UnitList.objects.count() == 1

    def test_another_provinces_staff_cannot_formulate_it(
        self, client_as, guangdong_staff, units, shandong
    ):
        response = client_as(guangdong_staff).post(
            reverse("units:list-formulate"), {"year": 2027, "province": "370000"}
        )
        assert response.status_code == 404
        assert not UnitList.objects.exists()
        assert not AuditEvent.objects.exists()

    def test_administrators_choose_the_province(self, client_as, admin_user, units, shandong):
        client = client_as(admin_user)
        form = client.get(reverse("units:lists")).context["formulate_form"]
        assert form.fields["province"].queryset.count() == 32
        response = client.post(reverse("units:list-formulate"), {"year": 2027})
        assert response.status_code == 400
        assert response.context["formulate_form"].errors["province"] == ["Choose the province."]
        response = client.post(
            reverse("units:list-formulate"), {"year": 2027, "province": "370000"}
        )
        assert response.status_code == 302
        assert UnitList.objects.get().province == shandong

    @pytest.mark.parametrize(
        "persona", ["ministry_user", "jinan_staff", "shandong_enterprise_user", "verifier_user"]
    )
    def test_roles_without_the_right_to_formulate(self, client_as, request, persona, units):
        client = client_as(request.getfixturevalue(persona))
        assert client.get(reverse("units:lists")).context["formulate_form"] is None
        response = client.post(reverse("units:list-formulate"), {"year": 2027})
        assert response.status_code == 403
        assert not UnitList.objects.exists()

    def test_who_sees_which_lists(
        self, client_as, draft, guangdong_list, ministry_user, jinan_staff, no_role_user
    ):
        def listed(user):
            return set(client_as(user).get(reverse("units:lists")).context["lists"])

        assert listed(ministry_user) == {draft, guangdong_list}
        assert listed(jinan_staff) == {draft}  # read-only for city-bound staff
        assert listed(no_role_user) == set()

    def test_enterprise_users_and_verifiers_see_no_lists(
        self, client_as, draft, shandong_enterprise_user, verifier_user
    ):
        for user in (shandong_enterprise_user, verifier_user):
            assert list(client_as(user).get(reverse("units:lists")).context["lists"]) == []

    def test_anonymous_is_sent_to_login(self, client):
        response = client.get(reverse("units:lists"))
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]

    def test_query_count_does_not_grow_with_lists_or_entries(
        self, client_as, shandong_staff, shandong, approver, django_assert_num_queries
    ):
        client = client_as(shandong_staff)
        client.get(reverse("units:lists"))
        unit(shandong, emissions=100_000, year=2024)
        formulate(shandong_staff, shandong, year=2026)
        with django_assert_num_queries(LISTS_QUERIES):
            client.get(reverse("units:lists"))
        for number in range(40):
            unit(shandong, emissions=50_000 + number, year=2024)
            unit(shandong, emissions=50_000 + number, year=2025)
        last_year = formulate(shandong_staff, shandong, year=2026)
        publish(last_year, by=shandong_staff, approver=approver)
        formulate(shandong_staff, shandong, year=2027)
        with django_assert_num_queries(LISTS_QUERIES):
            response = client.get(reverse("units:lists"))
        assert len(response.context["lists"]) == 2


LISTS_QUERIES = 11


# --- one list ----------------------------------------------------------------------------------


class TestDetail:
    def test_shows_status_summary_entries_and_why(self, client_as, shandong_staff, draft, units):
        response = client_as(shandong_staff).get(url("list-detail", draft))
        assert response.status_code == 200
        page = response.content.decode()
        market, reporting = response.context["sections"]
        assert [entry.enterprise for entry, _ in market["rows"]] == [units["big"], units["small"]]
        assert [entry.enterprise for entry, _ in reporting["rows"]] == [units["chemical"]]
        assert "Annual reporting management" in page
        why = {entry.enterprise: why for entry, why in market["rows"]}
        assert why[units["big"]] == (
            "2025 verified direct emissions 26,000 t, at or above the threshold of 26,000 t."
        )
        assert why[units["small"]] in page.replace("&#x27;", "'")
        summary = {(row["scope"], row["decision"]): row for row in response.context["summary"]}
        assert summary[("market", "new")]["units"] == 1
        assert summary[("market", "not_included")]["emissions"] == THRESHOLD - 1
        assert summary[("reporting_only", "new")]["units"] == 1
        assert reverse("units:list-submit", kwargs={"public_id": draft.public_id}) in page

    def test_filters(self, client_as, shandong_staff, draft, units):
        client = client_as(shandong_staff)
        entry = entry_of(draft, units["small"])
        services.override(
            actor=actor_for(shandong_staff), entry=entry, decision="new", reason="新建机组投产"
        )

        def listed(**params):
            response = client.get(url("list-detail", draft), params)
            return [e.enterprise for s in response.context["sections"] for e, _ in s["rows"]]

        assert listed(decision="not_included") == []
        assert listed(decision="new") == [units["big"], units["small"], units["chemical"]]
        assert listed(scope="reporting_only") == [units["chemical"]]
        assert listed(sector="chemical") == [units["chemical"]]
        assert listed(overridden="on") == [units["small"]]
        assert listed(q="青岛") == [units["small"]]
        assert listed(q=units["chemical"].uscc.lower()) == [units["chemical"]]
        assert listed(decision="bogus") == [units["big"], units["small"], units["chemical"]]

    def test_an_override_is_highlighted_with_its_reason(
        self, client_as, shandong_staff, draft, units
    ):
        entry = entry_of(draft, units["small"])
        services.override(
            actor=actor_for(shandong_staff), entry=entry, decision="new", reason="新建机组投产"
        )
        page = client_as(shandong_staff).get(url("list-detail", draft)).content.decode()
        assert "<mark>New</mark>" in page
        assert "新建机组投产" in page

    def test_history_keeps_an_override_taken_back(self, client_as, shandong_staff, draft, units):
        entry = entry_of(draft, units["small"])
        actor = actor_for(shandong_staff)
        services.override(actor=actor, entry=entry, decision="new", reason="先纳入")
        services.override(actor=actor, entry=entry, decision="not_included", reason="")
        response = client_as(shandong_staff).get(url("list-detail", draft))
        events = list(response.context["history"])
        assert [event.target_id for event in events[:2]] == [str(entry.pk)] * 2
        assert "先纳入" in response.content.decode()

    def test_paginates_each_section_by_fifty(self, client_as, shandong_staff, shandong):
        for number in range(55):
            unit(shandong, emissions=30_000 + number)
        unit_list = formulate(shandong_staff, shandong)
        response = client_as(shandong_staff).get(url("list-detail", unit_list), {"page": 2})
        market, reporting = response.context["sections"]
        assert len(market["rows"]) == 5
        assert market["page"].paginator.count == 55
        assert reporting["page"].paginator.count == 0

    def test_query_count_does_not_grow_with_entries(
        self, client_as, shandong_staff, shandong, jinan, django_assert_num_queries
    ):
        client = client_as(shandong_staff)
        for number in range(3):
            unit(shandong, city=jinan, emissions=30_000 + number)
        unit(shandong, city=jinan, emissions=30_000, sector="chemical")
        unit_list = formulate(shandong_staff, shandong)
        client.get(url("list-detail", unit_list))
        with django_assert_num_queries(DETAIL_QUERIES):
            client.get(url("list-detail", unit_list))
        for number in range(60):
            unit(shandong, city=jinan, emissions=30_000 + number)
            unit(shandong, city=jinan, emissions=40_000 + number, sector="chemical")
        formulate(shandong_staff, shandong)
        for entry in unit_list.entries.all()[:10]:
            services.override(
                actor=actor_for(shandong_staff), entry=entry, decision="removed", reason="核查"
            )
        with django_assert_num_queries(DETAIL_QUERIES):
            response = client.get(url("list-detail", unit_list))
        assert [len(section["rows"]) for section in response.context["sections"]] == [50, 50]

    def test_ministry_reads_without_actions(self, client_as, ministry_user, draft):
        response = client_as(ministry_user).get(url("list-detail", draft))
        assert response.status_code == 200
        assert not response.context["may_act"]
        assert reverse("units:list-submit", kwargs={"public_id": draft.public_id}) not in (
            response.content.decode()
        )

    def test_city_bound_staff_read_without_actions(self, client_as, jinan_staff, draft):
        response = client_as(jinan_staff).get(url("list-detail", draft))
        assert response.status_code == 200
        assert not response.context["may_act"]
        assert not response.context["may_change_entries"]

    @pytest.mark.parametrize(
        "persona",
        ["guangdong_staff", "shandong_enterprise_user", "verifier_user", "no_role_user"],
    )
    def test_others_get_404(self, client_as, request, persona, draft):
        client = client_as(request.getfixturevalue(persona))
        assert client.get(url("list-detail", draft)).status_code == 404


DETAIL_QUERIES = 16


# --- overriding an entry ----------------------------------------------------------------------


class TestOverride:
    def test_override_with_a_reason(self, client_as, shandong_staff, draft, units):
        entry = entry_of(draft, units["small"])
        response = client_as(shandong_staff).post(
            url("list-entry-override", entry),
            {"decision": "new", "reason": "新机组投产，预计超过门槛", "query": "scope=market"},
        )
        assert response.status_code == 302
        assert response["Location"] == draft.get_absolute_url() + "?scope=market"
        entry.refresh_from_db()
        assert (entry.decision, entry.proposed) == ("new", "not_included")
        assert entry.override_reason == "新机组投产，预计超过门槛"
        assert entry.overridden_by == shandong_staff

    def test_override_without_a_reason_is_refused(self, client_as, shandong_staff, draft, units):
        entry = entry_of(draft, units["small"])
        response = client_as(shandong_staff).post(
            url("list-entry-override", entry), {"decision": "new", "reason": "  "}
        )
        assert response.status_code == 400
        form = response.context["override_form"]
        assert form.errors["reason"] == ["Say why the rules' proposal is overridden."]
        assert response.context["override_entry"] == entry
        assert "Say why the rules" in response.content.decode()
        entry.refresh_from_db()
        assert (entry.decision, entry.override_reason) == ("not_included", "")
        assert not AuditEvent.objects.filter(target_id=str(entry.pk)).exists()

    def test_an_unknown_decision_is_refused(self, client_as, shandong_staff, draft, units):
        entry = entry_of(draft, units["small"])
        response = client_as(shandong_staff).post(
            url("list-entry-override", entry), {"decision": "maybe", "reason": "x"}
        )
        assert response.status_code == 400
        assert response.context["override_form"].errors["decision"]
        assert entry_of(draft, units["small"]).decision == "not_included"

    def test_returning_to_the_proposal_needs_no_reason(
        self, client_as, shandong_staff, draft, units
    ):
        entry = entry_of(draft, units["small"])
        services.override(actor=actor_for(shandong_staff), entry=entry, decision="new", reason="试")
        response = client_as(shandong_staff).post(
            url("list-entry-override", entry), {"decision": "not_included", "reason": ""}
        )
        assert response.status_code == 302
        entry.refresh_from_db()
        assert (entry.decision, entry.override_reason, entry.overridden_by) == (
            "not_included",
            "",
            None,
        )

    def test_a_published_list_cannot_be_overridden(
        self, client_as, shandong_staff, published, units
    ):
        entry = entry_of(published, units["small"])
        before = state(published)
        response = client_as(shandong_staff).post(
            url("list-entry-override", entry), {"decision": "new", "reason": "迟到的更正"}
        )
        assert response.status_code == 400
        assert "Only a draft list can be changed." in response.content.decode()
        assert state(published) == before

    def test_a_submitted_list_cannot_be_overridden(self, client_as, approver, submitted, units):
        entry = entry_of(submitted, units["small"])
        response = client_as(approver).post(
            url("list-entry-override", entry), {"decision": "new", "reason": "审批时修改"}
        )
        assert response.status_code == 400
        assert entry_of(submitted, units["small"]).decision == "not_included"

    @pytest.mark.parametrize("persona", ["ministry_user", "jinan_staff"])
    def test_read_only_roles_get_403(self, client_as, request, persona, draft, units):
        entry = entry_of(draft, units["small"])
        events = AuditEvent.objects.count()
        response = client_as(request.getfixturevalue(persona)).post(
            url("list-entry-override", entry), {"decision": "new", "reason": "越权"}
        )
        assert response.status_code == 403
        assert entry_of(draft, units["small"]).decision == "not_included"
        assert AuditEvent.objects.count() == events

    @pytest.mark.parametrize(
        "persona", ["guangdong_staff", "shandong_enterprise_user", "verifier_user", "no_role_user"]
    )
    def test_others_get_404(self, client_as, request, persona, draft, units):
        entry = entry_of(draft, units["small"])
        events = AuditEvent.objects.count()
        response = client_as(request.getfixturevalue(persona)).post(
            url("list-entry-override", entry), {"decision": "new", "reason": "越权"}
        )
        assert response.status_code == 404
        assert entry_of(draft, units["small"]).decision == "not_included"
        assert AuditEvent.objects.count() == events


# --- the workflow -------------------------------------------------------------------------------


class TestWorkflow:
    def test_submit(self, client_as, shandong_staff, draft):
        response = client_as(shandong_staff).post(url("list-submit", draft))
        assert response.status_code == 302
        draft.refresh_from_db()
        assert (draft.status, draft.submitted_by) == (ListStatus.SUBMITTED, shandong_staff)

    def test_an_empty_list_cannot_be_submitted(self, client_as, shandong_staff, shandong):
        empty = formulate(shandong_staff, shandong)  # no units in Shandong
        response = client_as(shandong_staff).post(url("list-submit", empty))
        assert response.status_code == 400
        assert response.context["action_error"] == "Formulate the list before submitting it."
        assert state(empty)[0] == ListStatus.DRAFT

    def test_recalculate_a_draft(self, client_as, shandong_staff, draft, units):
        units["small"].annual_emissions.update(direct_emissions=THRESHOLD)
        response = client_as(shandong_staff).post(url("list-recalculate", draft))
        assert response.status_code == 302
        assert entry_of(draft, units["small"]).decision == Decision.NEW

    def test_a_published_list_cannot_be_recalculated(self, client_as, shandong_staff, published):
        before = state(published)
        events = AuditEvent.objects.count()
        response = client_as(shandong_staff).post(url("list-recalculate", published))
        assert response.status_code == 400
        assert response.context["action_error"] == "Only a draft list can be changed."
        assert state(published) == before
        assert AuditEvent.objects.count() == events

    def test_return_to_draft_needs_a_note(self, client_as, approver, submitted):
        client = client_as(approver)
        response = client.post(url("list-return", submitted), {"note": " "})
        assert response.status_code == 400
        assert response.context["return_form"].errors["note"] == ["Say what needs changing."]
        assert state(submitted)[0] == ListStatus.SUBMITTED
        response = client.post(url("list-return", submitted), {"note": "青岛小电厂请复核"})
        assert response.status_code == 302
        assert state(submitted)[:2] == (ListStatus.DRAFT, None)
        event = AuditEvent.objects.filter(target_id=str(submitted.pk)).latest("pk")
        assert event.note == "青岛小电厂请复核"

    def test_four_eyes_through_the_pages(self, client_as, shandong_staff, approver, submitted):
        client = client_as(shandong_staff)
        page = client.get(url("list-detail", submitted)).content.decode()
        assert url("list-approve", submitted) not in page
        response = client.post(url("list-approve", submitted))
        assert response.status_code == 400
        message = "A list must be approved by someone other than the person who submitted it."
        assert response.context["action_error"] == message
        assert message in response.content.decode()
        assert state(submitted)[0] == ListStatus.SUBMITTED

        client = client_as(approver)
        page = client.get(url("list-detail", submitted)).content.decode()
        assert url("list-approve", submitted) in page
        response = client.post(url("list-approve", submitted))
        assert response.status_code == 302
        submitted.refresh_from_db()
        assert (submitted.status, submitted.approved_by) == (ListStatus.APPROVED, approver)

    def test_publication_meets_the_obligation_and_notifies_the_units(
        self, client_as, shandong, shandong_staff, approver, shandong_enterprise_user, units
    ):
        # Last year's list had a unit that has closed since: it is removed this year.
        closing = unit(shandong, emissions=80_000, year=2024, name_zh="已关停电厂")
        last_year = formulate(shandong_staff, shandong, year=2026)
        publish(last_year, by=shandong_staff, approver=approver)
        Enterprise.objects.filter(pk=closing.pk).update(status="closed")
        closing_user = users.enterprise_user(closing, username="ent-closing")
        small_user = users.enterprise_user(units["small"], username="ent-small")
        generate_obligations(today=date(2026, 10, 1), enterprise_ids=[], province_ids=[shandong.pk])
        unit_list = formulate(shandong_staff, shandong)
        assert entry_of(unit_list, closing).decision == Decision.REMOVED
        services.submit(actor=actor_for(shandong_staff), unit_list=unit_list)
        services.approve(actor=actor_for(approver), unit_list=unit_list)

        response = client_as(shandong_staff).post(url("list-publish", unit_list))
        assert response.status_code == 302
        unit_list.refresh_from_db()
        assert (unit_list.status, unit_list.published_by) == (ListStatus.PUBLISHED, shandong_staff)
        obligation = Obligation.objects.get(
            kind="list_publication",
            province=shandong,
            enterprise__isnull=True,
            period_start=date(2027, 1, 1),
        )
        assert obligation.is_met
        assert obligation.fulfilment == f"units.unitlist:{unit_list.pk}"
        kinds = {
            user: list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))
            for user in (shandong_enterprise_user, closing_user, small_user)
        }
        assert kinds == {
            shandong_enterprise_user: ["list_included"],
            closing_user: ["list_removed"],
            small_user: [],  # not included: not told
        }

    def test_publish_only_an_approved_list(self, client_as, shandong_staff, submitted):
        response = client_as(shandong_staff).post(url("list-publish", submitted))
        assert response.status_code == 400
        assert "this step is not possible now" in response.context["action_error"]
        assert state(submitted)[0] == ListStatus.SUBMITTED

    def test_a_published_list_cannot_be_submitted_again(self, client_as, shandong_staff, published):
        before = state(published)
        response = client_as(shandong_staff).post(url("list-submit", published))
        assert response.status_code == 400
        assert state(published) == before

    def test_revision_flow(self, client_as, shandong_staff, approver, published, units):
        client = client_as(shandong_staff)
        response = client.post(url("list-revise", published), {"reason": ""})
        assert response.status_code == 400
        assert response.context["revision_form"].errors["reason"] == [
            "Say what the correction is for."
        ]
        assert UnitList.objects.count() == 1

        response = client.post(url("list-revise", published), {"reason": "青岛小电厂核查数据更正"})
        revision = UnitList.objects.get(revision=2)
        assert response.status_code == 302
        assert response["Location"] == revision.get_absolute_url()
        assert (revision.status, revision.supersedes) == (ListStatus.DRAFT, published)
        assert "A correction revision of this list is being prepared" in (
            client.get(url("list-detail", published)).content.decode()
        )
        response = client.post(url("list-revise", published), {"reason": "again"})
        assert response.status_code == 400  # one revision at a time

        client.post(
            url("list-entry-override", entry_of(revision, units["small"])),
            {"decision": "new", "reason": "核查数据更正为26,300吨"},
        )
        response = client.get(url("list-detail", revision))
        [(change, before, after)] = response.context["changes"]
        assert (change.enterprise_name, before, after) == ("青岛小电厂", "Not included", "New")
        assert "核查数据更正" in response.content.decode()

        client.post(url("list-submit", revision))
        client_as(approver).post(url("list-approve", revision))
        response = client_as(shandong_staff).post(url("list-publish", revision))
        assert response.status_code == 302
        assert state(revision)[0] == ListStatus.PUBLISHED
        assert state(published)[0] == ListStatus.SUPERSEDED

    def test_a_revision_shows_a_unit_it_no_longer_has(
        self, client_as, shandong_staff, guangdong, published, units
    ):
        revision = services.start_revision(
            actor=actor_for(shandong_staff), unit_list=published, reason="单位迁出山东"
        )
        Enterprise.objects.filter(pk=units["big"].pk).update(province=guangdong, city=None)
        client = client_as(shandong_staff)
        assert client.post(url("list-recalculate", revision)).status_code == 302
        [(change, before, after)] = client.get(url("list-detail", revision)).context["changes"]
        assert (change.uscc, before, after) == (units["big"].uscc, "New", "—")

    WRITES = [
        ("list-recalculate", "draft", {}),
        ("list-submit", "draft", {}),
        ("list-return", "submitted", {"note": "越权退回"}),
        ("list-approve", "submitted", {}),
        ("list-publish", "approved", {}),
        ("list-revise", "published", {"reason": "越权更正"}),
    ]

    @pytest.fixture
    def at(self, draft, shandong_staff, approver):
        """The list brought to the status an action needs."""

        def bring(status):
            steps = {
                "draft": [],
                "submitted": [services.submit],
                "approved": [services.submit, services.approve],
                "published": [services.submit, services.approve, services.publish],
            }[status]
            for step in steps:
                who = approver if step is services.approve else shandong_staff
                step(actor=actor_for(who), unit_list=draft)
            return draft

        return bring

    @pytest.mark.parametrize(("name", "status", "payload"), WRITES)
    @pytest.mark.parametrize(
        "persona", ["guangdong_staff", "shandong_enterprise_user", "verifier_user", "no_role_user"]
    )
    def test_others_get_404_and_nothing_changes(
        self, client_as, request, at, name, status, payload, persona
    ):
        unit_list = at(status)
        before, events = state(unit_list), AuditEvent.objects.count()
        response = client_as(request.getfixturevalue(persona)).post(url(name, unit_list), payload)
        assert response.status_code == 404
        assert state(unit_list) == before
        assert AuditEvent.objects.count() == events
        assert UnitList.objects.count() == 1

    @pytest.mark.parametrize(("name", "status", "payload"), WRITES)
    @pytest.mark.parametrize("persona", ["ministry_user", "jinan_staff"])
    def test_read_only_roles_get_403_and_nothing_changes(
        self, client_as, request, at, name, status, payload, persona
    ):
        unit_list = at(status)
        before, events = state(unit_list), AuditEvent.objects.count()
        response = client_as(request.getfixturevalue(persona)).post(url(name, unit_list), payload)
        assert response.status_code == 403
        assert state(unit_list) == before
        assert AuditEvent.objects.count() == events

    def test_actions_are_post_only(self, client_as, shandong_staff, draft):
        assert client_as(shandong_staff).get(url("list-submit", draft)).status_code == 405
        assert state(draft)[0] == ListStatus.DRAFT


# --- year over year ----------------------------------------------------------------------------


@pytest.fixture
def two_years(shandong, jinan, shandong_staff, approver):
    """2026's published list: a stays, b is closed by 2027 (removed), c falls below once (stays);
    2027 adds d."""
    a = unit(shandong, city=jinan, emissions=100_000, year=2024, name_zh="甲电厂")
    b = unit(shandong, city=jinan, emissions=60_000, year=2024, name_zh="乙电厂")
    c = unit(shandong, city=jinan, emissions=40_000, year=2024, name_zh="丙电厂")
    d = unit(shandong, city=jinan, emissions=20_000, year=2024, name_zh="丁电厂")
    last_year = publish(
        formulate(shandong_staff, shandong, year=2026), by=shandong_staff, approver=approver
    )
    AnnualEmissionsFactory(enterprise=a, year=2025, direct_emissions=110_000)
    Enterprise.objects.filter(pk=b.pk).update(status="closed")
    AnnualEmissionsFactory(enterprise=c, year=2025, direct_emissions=25_000)
    AnnualEmissionsFactory(enterprise=d, year=2025, direct_emissions=30_000)
    this_year = formulate(shandong_staff, shandong)
    return last_year, this_year, {"a": a, "b": b, "c": c, "d": d}


class TestCompare:
    def test_additions_and_removals_with_counts_and_emissions(
        self, client_as, shandong_staff, two_years
    ):
        last_year, this_year, u = two_years
        response = client_as(shandong_staff).get(url("list-compare", this_year))
        assert response.status_code == 200
        comparison = response.context["comparison"]
        assert comparison.previous == last_year
        assert [e.enterprise for e in comparison.added] == [u["d"]]
        assert [e.enterprise for e in comparison.removed] == [u["b"]]
        assert (comparison.count_before, comparison.count_now) == (3, 3)
        assert comparison.emissions_before == 200_000
        assert comparison.emissions_now == 165_000
        assert response.context["emissions_change"] == -35_000
        page = response.content.decode()
        assert "丁电厂" in page and "乙电厂" in page
        assert "165,000" in page and "-35,000" in page

    def test_without_last_years_list(self, client_as, shandong_staff, draft, units):
        response = client_as(shandong_staff).get(url("list-compare", draft))
        comparison = response.context["comparison"]
        assert comparison.previous is None
        assert {e.enterprise for e in comparison.added} == {units["big"]}
        assert "There is no published list for 2026" in response.content.decode()

    def test_query_count_does_not_grow_with_entries(
        self, client_as, shandong_staff, two_years, shandong, approver, django_assert_num_queries
    ):
        _last_year, this_year, _u = two_years
        client = client_as(shandong_staff)
        client.get(url("list-compare", this_year))
        with django_assert_num_queries(COMPARE_QUERIES):
            client.get(url("list-compare", this_year))
        for number in range(30):
            unit(shandong, emissions=30_000 + number, year=2025)
        formulate(shandong_staff, shandong)
        with django_assert_num_queries(COMPARE_QUERIES):
            response = client.get(url("list-compare", this_year))
        assert len(response.context["comparison"].added) == 31

    def test_ministry_reads_it(self, client_as, ministry_user, two_years):
        assert client_as(ministry_user).get(url("list-compare", two_years[1])).status_code == 200

    @pytest.mark.parametrize(
        "persona", ["guangdong_staff", "shandong_enterprise_user", "verifier_user", "no_role_user"]
    )
    def test_others_get_404(self, client_as, request, persona, draft):
        client = client_as(request.getfixturevalue(persona))
        assert client.get(url("list-compare", draft)).status_code == 404


COMPARE_QUERIES = 12


# --- the download ------------------------------------------------------------------------------


class TestXlsx:
    def test_staff_download_a_draft_in_the_disclosure_format(
        self, client_as, shandong_staff, draft, units
    ):
        response = client_as(shandong_staff).get(url("list-xlsx", draft))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert "attachment" in response["Content-Disposition"]
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        market, reporting = workbook.worksheets
        assert "（未公布）" in market["A1"].value
        names = [row[3] for row in market.iter_rows(min_row=4, values_only=True)]
        assert names == [units["big"].name_zh]  # not-included units are not on the list
        assert [row[3] for row in reporting.iter_rows(min_row=4, values_only=True)] == [
            units["chemical"].name_zh
        ]

    def test_a_published_list_is_titled_as_published(self, client_as, shandong_staff, published):
        response = client_as(shandong_staff).get(url("list-xlsx", published))
        title = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]["A1"].value
        assert title == "山东省2027年度全国碳排放权交易市场重点排放单位名录"

    def test_ministry_downloads_too(self, client_as, ministry_user, draft):
        assert client_as(ministry_user).get(url("list-xlsx", draft)).status_code == 200

    @pytest.mark.parametrize(
        "persona", ["guangdong_staff", "shandong_enterprise_user", "verifier_user", "no_role_user"]
    )
    def test_others_get_404(self, client_as, request, persona, draft):
        client = client_as(request.getfixturevalue(persona))
        assert client.get(url("list-xlsx", draft)).status_code == 404
