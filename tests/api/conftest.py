"""A small world for the REST API: units in Shandong and Guangdong with every kind of record the
API serves (and a draft or unpublished one of each kind it must hide), and token clients."""

import hashlib
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import issue_api_token
from config.api import router
from reporting.models import (
    EvidenceFile,
    MonthlyCertification,
    QualityControlPlan,
    ReportAttachment,
    SubmissionStatus,
)
from tests.api import world_allowances, world_snapshots, world_statistics, world_verification
from tests.factories import accounts as users
from tests.factories.deadlines import ObligationFactory, monthly_certification
from tests.factories.reporting import AnnualReportFactory, schema
from tests.factories.units import (
    AnnualEmissionsFactory,
    CityFactory,
    EnterpriseFactory,
    FacilityFactory,
    province,
)
from units.models import Decision, ListEntry, ListScope, ListStatus, UnitList

SUBMITTED = SubmissionStatus.SUBMITTED
PDF = b"%PDF-1.4 lab report"


def routes() -> list[tuple[str, type, str]]:
    """Every resource of the router: a route added to any app's api/urls.py is covered."""
    return list(router.registry)


def token_client(user) -> APIClient:
    """An API client sending the user's (new) token and asking for English, the language the
    tests read refusals in (the site's default is Chinese; a test may ask for another)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(actor=None, user=user)}")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def api_as():
    """`api_as(user)`: an API client sending that user's (new) token."""
    return token_client


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@dataclass
class ProvinceRecords:
    """One province's records of every kind the API serves (the first unit's, for details)."""

    enterprises: list = field(default_factory=list)
    certifications: list = field(default_factory=list)
    drafts: list = field(default_factory=list)
    evidence: list = field(default_factory=list)
    reports: list = field(default_factory=list)
    attachments: list = field(default_factory=list)
    plans: list = field(default_factory=list)
    obligations: list = field(default_factory=list)
    lists: list = field(default_factory=list)
    entries: list = field(default_factory=list)
    # The areas' records by kind (tests/api/world_*.py): `records.of(kind)`.
    more: dict = field(default_factory=dict)

    def of(self, kind: str) -> list:
        """The records of a kind, whether a field above or an area's."""
        if kind in self.more or not hasattr(self, kind):
            return self.more.setdefault(kind, [])
        return getattr(self, kind)


def _evidence(certification, uploader) -> EvidenceFile:
    return EvidenceFile.objects.create(
        certification=certification,
        kind="lab_report",
        item_code="coal_ncv",
        file=ContentFile(PDF, name="化验报告.pdf"),
        original_name="化验报告.pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        uploaded_by=uploader,
    )


def _attachment(report, uploader) -> ReportAttachment:
    return ReportAttachment.objects.create(
        report=report,
        kind="report",
        file=ContentFile(PDF, name="年度报告.pdf"),
        original_name="年度报告.pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        uploaded_by=uploader,
    )


def _certification(enterprise, *, month, status=SUBMITTED, version=1) -> MonthlyCertification:
    return MonthlyCertification.objects.create(
        enterprise=enterprise,
        year=2026,
        month=month,
        version=version,
        status=status,
        schema=schema(enterprise.industry.sector),
        values={"coal_consumption": "100000", "coal_ncv": "21"},
        emissions="210000.50",
        formula_version="power-2022-v1",
        submitted_at=None if status == SubmissionStatus.DRAFT else timezone.now(),
    )


def _plan(enterprise, *, status=SUBMITTED, version=1) -> QualityControlPlan:
    return QualityControlPlan.objects.create(
        enterprise=enterprise,
        year=2027,
        version=version,
        status=status,
        content={"boundary": "全厂"},
    )


def _published_list(province_) -> UnitList:
    unit_list, _created = UnitList.objects.get_or_create(
        province=province_,
        year=2026,
        revision=1,
        defaults={"status": ListStatus.PUBLISHED, "published_at": timezone.now()},
    )
    return unit_list


def _entry(unit_list, enterprise) -> ListEntry:
    return ListEntry.objects.create(
        unit_list=unit_list,
        enterprise=enterprise,
        scope=ListScope.MARKET,
        proposed=Decision.CONTINUING,
        decision=Decision.CONTINUING,
        reason_code="above_threshold",
        explanation={"threshold_t": "26000.00"},
        basis_emissions="1000000.00",
        published_name=enterprise.name_zh,
        published_uscc=enterprise.uscc,
        published_city_zh=enterprise.city.name_zh if enterprise.city else "",
        published_industry_code=enterprise.industry.code,
        published_industry_zh=enterprise.industry.name_zh,
    )


# The API's areas beyond units, reporting and deadlines: each module adds its records to every
# unit the world grows (`grow(world, province, unit, records)`) and names its resources' record
# kinds (DETAIL_OF) and pinned list query counts (QUERIES).
AREAS = (world_verification, world_allowances, world_statistics, world_snapshots)


class World:
    """Builds units with all their records; `grow(n)` adds n more units to each province."""

    def __init__(self):
        self.shandong = province("370000")
        self.guangdong = province("440000")
        self.jinan = CityFactory(province=self.shandong, name_zh="济南市", code="370100")
        self.qingdao = CityFactory(province=self.shandong, name_zh="青岛市", code="370200")
        self.guangzhou = CityFactory(province=self.guangdong, name_zh="广州市", code="440100")
        self.uploader = users.UserFactory(username="api-uploader")
        self.records = {
            self.shandong.code: ProvinceRecords(),
            self.guangdong.code: ProvinceRecords(),
        }
        # Each province's published list, and an unpublished one the API never shows.
        self.unpublished = UnitList.objects.create(
            province=self.shandong, year=2028, status=ListStatus.DRAFT
        )
        self.size = 0

    def grow(self, n: int = 1) -> "World":
        for _ in range(n):
            self._unit(self.shandong, self.jinan if self.size % 2 == 0 else self.qingdao)
            self._unit(self.guangdong, self.guangzhou)
            self.size += 1
        return self

    def _unit(self, province_, city) -> None:
        records = self.records[province_.code]
        unit = EnterpriseFactory(province=province_, city=city)
        FacilityFactory(enterprise=unit)
        FacilityFactory(enterprise=unit)
        AnnualEmissionsFactory(enterprise=unit, year=2025)
        certification = _certification(unit, month=9)
        draft = _certification(unit, month=10, status=SubmissionStatus.DRAFT)
        evidence = _evidence(certification, self.uploader)
        _evidence(draft, self.uploader)
        report = AnnualReportFactory(enterprise=unit)
        records.enterprises.append(unit)
        records.certifications.append(certification)
        records.drafts.extend([draft, _plan(unit, status=SubmissionStatus.DRAFT, version=2)])
        records.evidence.append(evidence)
        records.reports.append(report)
        records.attachments.append(_attachment(report, self.uploader))
        records.plans.append(_plan(unit))
        records.obligations.append(monthly_certification(unit, month=9))
        records.obligations.append(ObligationFactory(enterprise=unit))
        unit_list = _published_list(province_)
        records.lists = [unit_list]
        records.entries.append(_entry(unit_list, unit))
        if province_ == self.shandong:
            _entry(self.unpublished, unit)
        for area in AREAS:
            area.grow(self, province_, unit, records)

    def all(self, code: str, kind: str) -> list:
        return self.records[code].of(kind)

    def first(self, code: str, kind: str):
        return self.all(code, kind)[0]


@pytest.fixture
def world(db) -> World:
    return World().grow(2)


# The detail URL of each resource's first Shandong record, and how to find it in the world.
DETAIL_OF = {
    "enterprise": "enterprises",
    "unit-list": "lists",
    "list-entry": "entries",
    "monthly-certification": "certifications",
    "evidence-file": "evidence",
    "annual-report": "reports",
    "report-attachment": "attachments",
    "quality-control-plan": "plans",
    "obligation": "obligations",
}
for _area in AREAS:
    DETAIL_OF.update(_area.DETAIL_OF)
