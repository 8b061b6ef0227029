"""Through the same endpoints, a ministry token reads every province, a provincial staff token
only its province (another province's record is 404, as a missing one is), an enterprise token
only its own units; drafts only to their own enterprise; files only where their record is."""

import hashlib
import uuid

import pytest
from django.urls import reverse

from tests.api.conftest import DETAIL_OF, PDF, token_client
from tests.factories import accounts as users

pytestmark = pytest.mark.django_db

SCOPED = sorted(DETAIL_OF)
# Records every staff member may see whatever their province: the reference tables.
SHARED = ("province", "industry")


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row.get("id") or row.get("code") for row in response.json()["results"]}


def detail(basename: str, record) -> str:
    return reverse(f"api:{basename}-detail", kwargs={"public_id": record.public_id})


def listed(api, basename: str, **params) -> set[str]:
    return ids(api.get(reverse(f"api:{basename}-list"), params))


def public_ids(records) -> set[str]:
    return {str(record.public_id) for record in records}


@pytest.fixture
def shandong_api(world):
    return token_client(users.staff(world.shandong, username="sd-api"))


@pytest.fixture
def ministry_api(world):
    return token_client(users.ministry())


@pytest.mark.parametrize("basename", SCOPED)
def test_provincial_token_lists_only_its_province(world, shandong_api, basename):
    kind = DETAIL_OF[basename]
    assert listed(shandong_api, basename) == public_ids(world.all("370000", kind))


@pytest.mark.parametrize("basename", SCOPED)
def test_provincial_token_gets_404_for_another_provinces_record(world, shandong_api, basename):
    own = world.first("370000", DETAIL_OF[basename])
    other = world.first("440000", DETAIL_OF[basename])
    assert shandong_api.get(detail(basename, own)).status_code == 200
    response = shandong_api.get(detail(basename, other))
    assert response.status_code == 404
    missing = reverse(f"api:{basename}-detail", kwargs={"public_id": uuid.uuid4()})
    assert shandong_api.get(missing).json() == response.json()


@pytest.mark.parametrize("basename", SCOPED)
def test_ministry_token_lists_every_province(world, ministry_api, basename):
    kind = DETAIL_OF[basename]
    everything = public_ids(world.all("370000", kind)) | public_ids(world.all("440000", kind))
    assert listed(ministry_api, basename) == everything


@pytest.mark.parametrize("basename", SHARED)
def test_reference_tables_are_the_same_for_every_province(world, shandong_api, basename):
    guangdong_api = token_client(users.staff(world.guangdong, username="gd-api"))
    assert listed(shandong_api, basename) == listed(guangdong_api, basename)
    assert "440000" in listed(shandong_api, "province")


def test_emissions_follow_their_unit(world, shandong_api):
    units = public_ids(world.records["370000"].enterprises)
    shown = shandong_api.get(reverse("api:annual-emissions-list")).json()["results"]
    assert {row["enterprise"] for row in shown} == units
    assert {row["province"] for row in shown} == {"370000"}


def test_city_staff_token_sees_only_its_city(world):
    jinan_api = token_client(users.staff(world.shandong, city=world.jinan, username="jn-api"))
    units = world.records["370000"].enterprises
    assert listed(jinan_api, "enterprise") == public_ids(
        [unit for unit in units if unit.city == world.jinan]
    )


def test_enterprise_token_sees_only_its_own_unit(world):
    own, neighbour = world.records["370000"].enterprises[:2]
    api = token_client(users.enterprise_user(own, username="ent-api"))
    assert listed(api, "enterprise") == {str(own.public_id)}
    assert api.get(detail("enterprise", neighbour)).status_code == 404
    certifications = listed(api, "monthly-certification")
    assert str(world.first("370000", "certifications").public_id) in certifications
    assert str(world.first("440000", "certifications").public_id) not in certifications


def test_a_token_without_a_role_sees_nothing(world):
    api = token_client(users.UserFactory(username="no-role-api"))
    assert listed(api, "enterprise") == set()
    assert listed(api, "obligation") == set()


class TestDrafts:
    def test_staff_and_ministry_never_see_a_draft(self, world, shandong_api, ministry_api):
        drafts = public_ids(world.records["370000"].drafts)
        for api in (shandong_api, ministry_api):
            seen = listed(api, "monthly-certification") | listed(api, "quality-control-plan")
            assert seen.isdisjoint(drafts)
            for draft in world.records["370000"].drafts:
                assert api.get(self.url(draft)).status_code == 404

    def test_the_enterprise_sees_its_own_drafts(self, world):
        unit = world.records["370000"].enterprises[0]
        api = token_client(users.enterprise_user(unit, username="ent-drafts"))
        draft = world.first("370000", "drafts")
        assert str(draft.public_id) in listed(api, "monthly-certification", standing="false")
        assert api.get(self.url(draft)).status_code == 200

    def test_evidence_of_a_draft_is_hidden_from_staff(self, world, shandong_api):
        draft = world.first("370000", "drafts")
        seen = listed(shandong_api, "evidence-file")
        assert seen.isdisjoint(public_ids(draft.evidence.all()))

    @staticmethod
    def url(draft) -> str:
        basename = {
            "monthlycertification": "monthly-certification",
            "qualitycontrolplan": "quality-control-plan",
        }[draft._meta.model_name]
        return detail(basename, draft)


def test_unpublished_lists_and_their_entries_are_not_served(world, ministry_api):
    assert str(world.unpublished.public_id) not in listed(ministry_api, "unit-list")
    assert ministry_api.get(detail("unit-list", world.unpublished)).status_code == 404
    assert listed(ministry_api, "list-entry", list=str(world.unpublished.public_id)) == set()


class TestFiles:
    @pytest.mark.parametrize(
        ("basename", "kind"), [("evidence-file", "evidence"), ("report-attachment", "attachments")]
    )
    def test_reviewer_downloads_the_bytes_that_match_the_listed_hash(
        self, world, ministry_api, basename, kind
    ):
        stored = world.first("440000", kind)
        shown = ministry_api.get(detail(basename, stored)).json()
        assert (shown["size"], shown["sha256"]) == (len(PDF), hashlib.sha256(PDF).hexdigest())
        for accept in ("*/*", "application/octet-stream"):
            response = ministry_api.get(shown["download_url"], HTTP_ACCEPT=accept)
            assert response.status_code == 200
            assert b"".join(response.streaming_content) == PDF
            assert "attachment" in response["Content-Disposition"]

    @pytest.mark.parametrize(
        ("basename", "kind"), [("evidence-file", "evidence"), ("report-attachment", "attachments")]
    )
    def test_another_provinces_file_is_404(self, world, shandong_api, basename, kind):
        other = world.first("440000", kind)
        url = reverse(f"api:{basename}-download", kwargs={"public_id": other.public_id})
        assert shandong_api.get(url).status_code == 404
        own = world.first("370000", kind)
        url = reverse(f"api:{basename}-download", kwargs={"public_id": own.public_id})
        assert shandong_api.get(url).status_code == 200

    def test_files_are_listed_on_their_record(self, world, ministry_api):
        certification = world.first("370000", "certifications")
        shown = ministry_api.get(detail("monthly-certification", certification)).json()
        evidence = world.first("370000", "evidence")
        assert [row["id"] for row in shown["evidence"]] == [str(evidence.public_id)]
        assert shown["evidence"][0]["sha256"] == evidence.sha256
        report = world.first("370000", "reports")
        shown = ministry_api.get(detail("annual-report", report)).json()
        assert [row["size"] for row in shown["attachments"]] == [len(PDF)]

    def test_a_file_missing_from_storage_is_404(self, world, ministry_api):
        stored = world.first("370000", "evidence")
        stored.file.delete(save=False)
        url = reverse("api:evidence-file-download", kwargs={"public_id": stored.public_id})
        assert ministry_api.get(url).status_code == 404
