"""Bulk snapshots: a zip of CSV files per dataset, year and province (or the country), whose
manifest's checksums and row counts match its files; built by a task, by beat every night and
by a command; listed and served by the API only to those who may see every row inside."""

import csv
import hashlib
import io
import json
import zipfile
from datetime import date
from decimal import Decimal
from importlib import import_module

import pytest
from celery.schedules import crontab
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone

from config import celery_app
from core import datasets, snapshots, tasks
from core.models import AuditEvent, Snapshot, SnapshotStatus
from quotas.models import AllocationBatch, BatchStatus, Step
from tests.api.conftest import token_client
from tests.factories import accounts as users
from tests.factories.quotas_settlement import AllocationFactory, SettlementFactory, SurrenderFactory
from tests.factories.reporting import AnnualReportFactory
from tests.factories.units import EnterpriseFactory, FacilityFactory, industry, province
from tests.factories.verification import AssignmentFactory, InstitutionFactory
from verification.models import AssignmentStatus, VerifiedActivity, VerifiedFigures

pytestmark = pytest.mark.django_db

SHANDONG, GUANGDONG = "370000", "440000"


def build(dataset: str, year: int = 2026, code: str | None = None) -> Snapshot:
    snapshot = snapshots.build(dataset=dataset, year=year, province_code=code)
    assert (snapshot.status, snapshot.error) == (SnapshotStatus.READY, ""), snapshot.error
    return snapshot


def opened(snapshot: Snapshot) -> zipfile.ZipFile:
    with snapshot.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def table(snapshot: Snapshot, name: str) -> list[dict[str, str]]:
    raw = opened(snapshot).read(name)
    assert raw.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def ids(rows: list[dict], column: str = "id") -> set[str]:
    return {row[column] for row in rows}


def public_ids(records) -> set[str]:
    return {str(record.public_id) for record in records}


def detail(snapshot: Snapshot, name: str = "detail") -> str:
    return reverse(f"api:snapshot-{name}", kwargs={"public_id": snapshot.public_id})


def figure(facility, item: str, value: str, unit: str) -> dict:
    """One line of verified activity data as confirmation stores it."""
    return {
        "facility": facility.pk,
        "facility_name": facility.name,
        "item": item,
        "value": value,
        "unit": unit,
    }


@pytest.fixture
def compliance(world):
    """Beside the world's own: a Shandong unit whose 2025 verification is confirmed (with its
    frozen activity data) and one whose verification is in progress (draft figures); an
    allocation whose determination is approved but issuance not, one still a draft; a
    settlement with a surrender."""
    confirmed_unit, working_unit = (EnterpriseFactory(province=world.shandong) for _ in range(2))
    facility = FacilityFactory(enterprise=confirmed_unit, name="9号机组")
    assignment = AssignmentFactory(
        report=AnnualReportFactory(enterprise=confirmed_unit),
        institution=InstitutionFactory(provinces=[world.shandong]),
        status=AssignmentStatus.CONFIRMED,
        verified_emissions=Decimal("2400000.00"),
    )
    VerifiedFigures.objects.create(
        assignment=assignment,
        enterprise=confirmed_unit,
        year=2025,
        emissions=Decimal("2400000.00"),
        activity=[figure(facility, "power_generated", "3000000.0000", "MWh")],
        confirmed_on=date(2026, 6, 20),
    )
    working = AssignmentFactory(
        report=AnnualReportFactory(enterprise=working_unit),
        verified_emissions=Decimal("999.00"),
    )
    VerifiedActivity.objects.create(
        assignment=working,
        facility=FacilityFactory(enterprise=working_unit),
        item_code="power_generated",
        value=Decimal("999"),
        unit="MWh",
    )
    staff = users.staff(world.shandong, username="sd-allocation")

    def batch(step, status, sector):
        return AllocationBatch.objects.create(
            province=world.shandong, year=2025, sector=sector, step=step, status=status,
            prepared_by=staff,
        )  # fmt: skip

    # The world's units are power units with batches of their own: these are cement units.
    cement = industry("3011", "cement")
    determined, drafted = (
        EnterpriseFactory(province=world.shandong, industry=cement) for _ in range(2)
    )
    allocation = AllocationFactory(
        enterprise=determined,
        determination_batch=batch(Step.DETERMINATION, BatchStatus.APPROVED, "cement"),
        allocation_batch=batch(Step.ALLOCATION, BatchStatus.SUBMITTED, "cement"),
    )
    AllocationFactory(enterprise=drafted, pre_allocation_batch=None)
    settlement = SettlementFactory(enterprise=determined)
    SurrenderFactory(settlement=settlement)
    return {
        "assignment": assignment,
        "working": working,
        "allocation": allocation,
        "drafted": drafted,
        "settlement": settlement,
    }


class TestTheZip:
    @pytest.mark.usefixtures("compliance")
    def test_the_snapshots_checksums_match_its_files(self):
        for dataset in datasets.registry():
            built = [
                self.check(build(dataset, year, code), dataset, year, code)
                for year in (2025, 2026)
                for code in (None, SHANDONG)
            ]
            assert any(built), f"{dataset}: no rows to check"

    @staticmethod
    def check(snapshot: Snapshot, dataset: str, year: int, code: str | None) -> int:
        with snapshot.file.open("rb") as handle:
            content = handle.read()
        assert hashlib.sha256(content).hexdigest() == snapshot.sha256
        assert len(content) == snapshot.size
        archive = zipfile.ZipFile(io.BytesIO(content))
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest == snapshot.manifest
        assert (manifest["dataset"], manifest["year"], manifest["province"]) == (
            dataset,
            year,
            code,
        )
        names = [entry["name"] for entry in manifest["files"]]
        assert names == [csv_file.name for csv_file in datasets.get(dataset).files]
        assert sorted(archive.namelist()) == sorted([*names, "manifest.json", "SHA256SUMS"])
        for entry in manifest["files"]:
            raw = archive.read(entry["name"])
            assert hashlib.sha256(raw).hexdigest() == entry["sha256"]
            assert len(raw) == entry["bytes"]
            assert len(table(snapshot, entry["name"])) == entry["rows"]
        assert snapshot.row_count == sum(entry["rows"] for entry in manifest["files"])
        return snapshot.row_count
        sums = dict(
            reversed(line.split("  ")) for line in archive.read("SHA256SUMS").decode().splitlines()
        )
        for name in [*names, "manifest.json"]:
            assert sums[name] == hashlib.sha256(archive.read(name)).hexdigest()

    def test_csv_is_utf8_with_a_bom_and_a_header_row_excel_reads(self, world):
        snapshot = build("units", code=SHANDONG)
        raw = opened(snapshot).read("enterprises.csv")
        assert raw.startswith(b"\xef\xbb\xbf")
        header = raw.decode("utf-8-sig").splitlines()[0]
        assert header.startswith("id,uscc,name_zh,name_en,province")
        names = {row["name_zh"] for row in table(snapshot, "enterprises.csv")}
        assert names == {unit.name_zh for unit in world.all(SHANDONG, "enterprises")}

    def test_a_rebuild_of_unchanged_data_has_the_same_file_checksums(self, world):
        first = build("reporting", code=SHANDONG).manifest["files"]
        again = build("reporting", code=SHANDONG).manifest["files"]
        assert again == first
        rebuilt = Snapshot.objects.filter(dataset="reporting", year=2026, province__code=SHANDONG)
        assert rebuilt.count() == 1


class TestVisibleRowsOnly:
    def test_a_province_snapshot_holds_its_province_and_no_draft(self, world):
        snapshot = build("reporting", code=SHANDONG)
        certifications = table(snapshot, "monthly_certifications.csv")
        assert ids(certifications) == public_ids(world.all(SHANDONG, "certifications"))
        assert ids(certifications).isdisjoint(public_ids(world.all(SHANDONG, "drafts")))
        assert {row["province"] for row in certifications} == {SHANDONG}
        evidence = table(snapshot, "evidence_files.csv")
        assert ids(evidence) == public_ids(world.all(SHANDONG, "evidence"))
        stored = world.first(SHANDONG, "evidence")
        row = next(row for row in evidence if row["id"] == str(stored.public_id))
        assert (row["sha256"], row["size"]) == (stored.sha256, str(stored.size))
        reports = build("reporting", 2025, SHANDONG)  # the world's reports are of 2025
        assert ids(table(reports, "annual_reports.csv")) == public_ids(
            world.all(SHANDONG, "reports")
        )
        assert ids(table(reports, "report_attachments.csv")) == public_ids(
            world.all(SHANDONG, "attachments")
        )
        values = json.loads(certifications[0]["values"])
        assert values == {"coal_consumption": "100000", "coal_ncv": "21"}

    def test_a_national_snapshot_holds_every_province(self, world):
        snapshot = build("units")
        everyone = world.all(SHANDONG, "enterprises") + world.all(GUANGDONG, "enterprises")
        assert ids(table(snapshot, "enterprises.csv")) == public_ids(everyone)
        assert snapshot.province is None

    def test_an_unpublished_list_is_not_in_the_snapshot(self, world):
        assert world.unpublished.entries.exists()
        assert table(build("units", year=2028), "list_entries.csv") == []
        entries = table(build("units", code=SHANDONG), "list_entries.csv")
        assert ids(entries, "enterprise") == public_ids(world.all(SHANDONG, "enterprises"))

    def test_only_confirmed_verification_results(self, world, compliance):
        snapshot = build("verification", year=2025, code=SHANDONG)
        results = table(snapshot, "results.csv")
        confirmed = VerifiedFigures.objects.filter(year=2025, enterprise__province=world.shandong)
        assert ids(results, "assignment") == {
            str(figures.assignment.public_id) for figures in confirmed
        }
        assert str(compliance["assignment"].public_id) in ids(results, "assignment")
        assert str(compliance["working"].public_id) not in ids(results, "assignment")
        assert "999.00" not in {row["verified_emissions"] for row in results}
        activity = table(snapshot, "verified_activity.csv")
        mine = [
            row for row in activity if row["assignment"] == str(compliance["assignment"].public_id)
        ]
        assert [(r["facility_name"], r["item"], r["value"], r["unit"]) for r in mine] == [
            ("9号机组", "power_generated", "3000000.0000", "MWh")
        ]
        assert ids(activity, "assignment") <= ids(results, "assignment")

    def test_an_allocation_figure_appears_only_once_approved(self, world, compliance):
        snapshot = build("allowances", year=2025, code=SHANDONG)
        allocations = {row["id"]: row for row in table(snapshot, "allocations.csv")}
        row = allocations[str(compliance["allocation"].public_id)]
        assert row["determined"] == "1000000"
        assert row["issued"] == row["issued_on"] == row["pre_allocated"] == ""
        drafted = compliance["drafted"].allocations.get()
        assert str(drafted.public_id) not in allocations
        assert drafted.determined and drafted.issued
        settlements = ids(table(snapshot, "settlements.csv"))
        assert str(compliance["settlement"].public_id) in settlements
        surrendered = table(snapshot, "surrenders.csv")
        assert {row["settlement"] for row in surrendered} <= settlements
        assert str(compliance["settlement"].public_id) in {r["settlement"] for r in surrendered}


class TestFailure:
    @staticmethod
    def break_rows(monkeypatch):
        def half_then_fail(csv_file, year, province):
            yield ("half", "a", "row")
            raise RuntimeError("disk full")

        monkeypatch.setattr(snapshots, "_lines", half_then_fail)

    def test_a_first_build_that_fails_is_failed_with_its_error_and_no_file(
        self, world, monkeypatch, ministry_user
    ):
        self.break_rows(monkeypatch)
        snapshot = snapshots.build(dataset="units", year=2027, province_code=SHANDONG)
        assert snapshot.status == SnapshotStatus.FAILED
        assert snapshot.error == "RuntimeError: disk full"
        assert not snapshot.file and snapshot.sha256 == "" and snapshot.failed_at
        response = token_client(ministry_user).get(detail(snapshot, "download"))
        assert response.status_code == 409
        assert "not ready" in response.json()["detail"]

    def test_a_rebuild_that_fails_keeps_serving_the_previous_file(
        self, world, monkeypatch, ministry_user
    ):
        good = build("units", code=SHANDONG)
        self.break_rows(monkeypatch)
        failed = snapshots.build(dataset="units", year=2026, province_code=SHANDONG)
        assert failed.status == SnapshotStatus.READY
        assert (failed.file.name, failed.sha256, failed.built_at) == (
            good.file.name,
            good.sha256,
            good.built_at,
        )
        assert failed.error == "RuntimeError: disk full"
        response = token_client(ministry_user).get(detail(failed, "download"))
        assert response.status_code == 200
        shown = token_client(ministry_user).get(detail(failed)).json()
        assert shown["error"] == "RuntimeError: disk full"
        assert shown["sha256"] == good.sha256
        monkeypatch.undo()
        assert build("units", code=SHANDONG).error == ""

    def test_a_database_error_midway_is_recorded(self, world, monkeypatch):
        broken = datasets.Dataset(
            name="units",
            title="broken",
            files=(
                datasets.CsvFile(
                    name="boom.csv",
                    columns=(datasets.Column("boom", RawSQL("1 / (id - id)", [])),),
                    rows=lambda year: Snapshot._meta.get_field(
                        "province"
                    ).related_model.objects.all(),
                    province="pk",
                ),
            ),
        )
        monkeypatch.setitem(datasets.registry(), "units", broken)
        snapshot = snapshots.build(dataset="units", year=2026)
        assert snapshot.status == SnapshotStatus.FAILED
        assert "division by zero" in snapshot.error
        assert AuditEvent.objects.for_target(snapshot).exists()

    def test_a_rebuild_replaces_the_old_file_after_commit(
        self, world, django_capture_on_commit_callbacks
    ):
        old = build("obligations", 2025, SHANDONG)
        storage = old.file.storage
        with django_capture_on_commit_callbacks(execute=True):
            new = build("obligations", 2025, SHANDONG)
        assert new.file.name != old.file.name
        assert storage.exists(new.file.name)
        assert not storage.exists(old.file.name)


class TestTasksAndCommand:
    def test_the_task_builds_one_snapshot(self, world):
        tasks.build_snapshot.apply(args=("obligations", 2026, GUANGDONG)).get()
        snapshot = Snapshot.objects.get(dataset="obligations", year=2026, province__code=GUANGDONG)
        assert snapshot.status == SnapshotStatus.READY
        due = [o for o in world.all(GUANGDONG, "obligations") if o.period_start.year == 2026]
        assert due and snapshot.row_count == len(due)

    def test_the_nightly_task_queues_every_dataset_nationally_and_per_province(self, monkeypatch):
        queued = []
        monkeypatch.setattr(tasks.build_snapshot, "delay", lambda *args: queued.append(args))
        count = tasks.build_snapshots()
        names = list(datasets.registry())
        today = timezone.localdate()
        assert count == len(queued) == 2 * len(names) * 33
        assert {year for _name, year, _code in queued} == {today.year, today.year - 1}
        assert ("units", today.year, None) in queued
        assert ("allowances", today.year - 1, SHANDONG) in queued

    def test_beat_runs_it_at_half_past_two_shanghai_time(self):
        entry = celery_app.conf.beat_schedule["snapshots-nightly"]
        assert entry["task"] == "core.tasks.build_snapshots"
        assert entry["task"] in celery_app.tasks
        assert entry["schedule"] == crontab(hour=2, minute=30)
        assert celery_app.conf.timezone == "Asia/Shanghai"

    def test_the_command_builds_synchronously(self, world):
        out = io.StringIO()
        call_command(
            "build_snapshots", "--year", "2026", "--dataset", "units", "--province", SHANDONG,
            stdout=out,
        )  # fmt: skip
        assert "ready   units 2026 370000" in out.getvalue()
        call_command("build_snapshots", "--year", "2026", "--dataset", "units", "--national",
                     stdout=out)  # fmt: skip
        built = Snapshot.objects.filter(dataset="units", year=2026, status=SnapshotStatus.READY)
        assert set(built.values_list("province__code", flat=True)) == {SHANDONG, GUANGDONG, None}

    def test_the_command_fails_loudly(self, world, monkeypatch):
        with pytest.raises(CommandError, match="no snapshot dataset named 'nope'"):
            call_command("build_snapshots", "--dataset", "nope")
        TestFailure.break_rows(monkeypatch)
        with pytest.raises(CommandError, match="1 of 1 snapshots failed"):
            call_command(
                "build_snapshots", "--year", "2027", "--dataset", "units", "--national",
                stdout=io.StringIO(), stderr=io.StringIO(),
            )  # fmt: skip


class TestApi:
    @pytest.fixture
    def national(self, world):
        return build("units")

    def test_the_ministry_downloads_the_zip_whose_sha256_is_listed(self, world, national):
        api = token_client(users.ministry())
        for snapshot in (national, world.first(GUANGDONG, "snapshots")):
            shown = api.get(detail(snapshot)).json()
            assert shown["files"] == [
                {key: entry[key] for key in ("name", "rows", "bytes", "sha256")}
                for entry in snapshot.manifest["files"]
            ]
            response = api.get(shown["download_url"], HTTP_ACCEPT="application/json")
            assert response.status_code == 200
            assert response["Content-Type"] == "application/zip"
            assert snapshot.download_name in response["Content-Disposition"]
            content = b"".join(response.streaming_content)
            assert hashlib.sha256(content).hexdigest() == shown["sha256"]
            assert response["Repr-Digest"].startswith("sha-256=:")

    def test_staff_get_404_for_another_province_and_for_the_national_snapshot(
        self, world, national
    ):
        api = token_client(users.staff(world.shandong, username="sd-snap"))
        own, other = world.first(SHANDONG, "snapshots"), world.first(GUANGDONG, "snapshots")
        assert api.get(detail(own, "download")).status_code == 200
        assert api.get(detail(other, "download")).status_code == 404
        assert api.get(detail(national, "download")).status_code == 404
        assert api.get(detail(national)).status_code == 404

    def test_city_staff_enterprise_users_and_verifiers_see_no_snapshot(self, world, national):
        unit = world.first(SHANDONG, "enterprises")
        for user in (
            users.staff(world.shandong, city=world.jinan, username="jn-snap"),
            users.enterprise_user(unit, username="ent-snap"),
            users.verifier(InstitutionFactory(provinces=[world.shandong]), username="ver-snap"),
        ):
            api = token_client(user)
            assert api.get(reverse("api:snapshot-list")).json()["count"] == 0
            own = world.first(SHANDONG, "snapshots")
            assert api.get(detail(own, "download")).status_code == 404

    def test_a_snapshot_not_built_yet_cannot_be_downloaded(self, world):
        waiting = Snapshot.objects.create(dataset="units", year=2030, province=world.shandong)
        api = token_client(users.staff(world.shandong, username="sd-wait"))
        shown = api.get(detail(waiting)).json()
        assert (shown["status"], shown["download_url"], shown["files"]) == ("building", None, [])
        response = api.get(detail(waiting, "download"))
        assert response.status_code == 409
        assert response.json()["detail"] == (
            "This snapshot is not ready (Being built): there is no complete file yet."
        )

    def test_filters(self, world, national):
        api = token_client(users.ministry())

        def listed(**params) -> set[str]:
            rows = api.get(reverse("api:snapshot-list"), params).json()["results"]
            return {row["id"] for row in rows}

        everything = listed()
        assert str(national.public_id) in everything
        assert listed(national="true") == {str(national.public_id)}
        assert listed(province=GUANGDONG) == public_ids(world.all(GUANGDONG, "snapshots"))
        assert listed(dataset="units") == public_ids(Snapshot.objects.filter(dataset="units"))
        assert listed(year=2025) == set()
        assert listed(status="failed") == set()
        assert listed(status="ready") == everything

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"dataset": "nothing"}, "dataset"),
            ({"year": "last"}, "year"),
            ({"status": "x"}, "status"),
        ],
    )
    def test_a_bad_filter_value_is_400_naming_it(self, world, national, params, field):
        response = token_client(users.ministry()).get(reverse("api:snapshot-list"), params)
        assert response.status_code == 400
        assert field in response.json()


@pytest.mark.django_db(transaction=True)
def test_a_build_outside_any_transaction_reads_every_file_from_one_state(monkeypatch):
    """Celery runs the build in autocommit: its CSVs are read in one repeatable-read
    transaction, so a unit added mid-build is in all of its files or in none."""
    seen = []
    write_zip = snapshots.write_zip

    def spy(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SHOW transaction_isolation")
            seen.append(cursor.fetchone()[0])
            cursor.execute("SHOW transaction_read_only")
            seen.append(cursor.fetchone()[0])
        return write_zip(*args, **kwargs)

    monkeypatch.setattr(snapshots, "write_zip", spy)
    # An earlier test outside a transaction may have flushed the data migrations' provinces.
    import_module("units.migrations.0002_load_provinces_and_industries").load(apps, None)
    EnterpriseFactory(province=province(SHANDONG))

    snapshot = snapshots.build(dataset="units", year=2026, province_code=SHANDONG)

    assert (snapshot.status, snapshot.error) == (SnapshotStatus.READY, "")
    assert snapshot.manifest["files"][0]["rows"] == 1
    assert seen == ["repeatable read", "on"]
