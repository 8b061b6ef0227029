"""Verification in the demo, as of a day: institutions, last year's reports verified, objections
and the yearly evaluation of the institutions in draft.

`seed_verification(scale, today)` runs after the annual reports (units.demo.annual). With Y the
year before `today`'s:

- Institutions: besides the `verifier` login's (units.demo.seeding, serving both demo provinces),
  3-5 in each province with a verifier user each (`verifier-<code>-<n>`); the last one of each
  province is new this year and took only two or three reports, too few to be graded.
- Reports: allowances need every active market unit verified. Their Y-1 reports (the basis of
  Y's pre-allocation) are written as last cycle's, accepted; and a market unit whose Y report
  the annual demo left unsubmitted (a draft of its own, or nothing) or returned, submitted it
  late (or corrected it) in April and it was accepted before its verification, written as
  reporting.reports would: the calendar's obligation met late, the reported emissions written.
- Assignments: every accepted report of Y-1 and Y, to one institution and its verifier, due when
  verification.due_dates.due_dates says. A market unit's verification was confirmed when the
  calendar met its obligation (or late, when the calendar left it unmet); the other key
  industries' (due December 31) are spread over the autumn, so that some are still being worked
  on or wait for the province's confirmation. The `verifier` login's institution keeps exactly
  one in progress. Some had a non-conformity, a few a conclusion returned once. Confirmation
  writes VerifiedFigures with verification.confirmation's activity JSON and the emissions
  history's verified figure of the year, and meets the verification obligation as
  deadlines.services.fulfil would (only one the calendar left unmet).
- Objections, in the demo provinces: each demo login's unit objected to its result, rejected; a
  unit of the other key industries (given a user, `ent-<credit code>`) objected days ago to a
  result confirmed the week before, awaiting the re-review.
- The evaluation of Y+1 (due November 30), prepared by each province's staff on November 16
  through verification.evaluation (the service), some institutions' checklists answered.

Which unit gets what follows hashes of its credit code, the same on every machine and run. A
unit and year with an assignment already is left alone, and so is an existing evaluation, so a
rerun changes nothing. Writes go straight to the database in bulk, without audit events or
notices (the services would take minutes at the national scale), except the evaluation.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import Membership, Role
from accounts.scoping import actor_for
from core.errors import DomainError
from deadlines.models import Obligation, ObligationKind, ObligationStatus
from reporting import reports
from reporting.models import AnnualReport, MonthlyCertification, Severity, SubmissionStatus
from units import uscc
from units.demo.annual import _update, explain, report_rules, report_values
from units.demo.data import DEMO_PASSWORD, SMALL_PROVINCES, Scale
from units.demo.geography import PROVINCE_INFO
from units.demo.lists import ListStaff, ensure_list_staff
from units.demo.planning import _organisation_code, plan
from units.demo.reporting import (
    SHANGHAI,
    Unit,
    _demo_login_units,
    _reviewers,
    _units,
    office_hours,
    partial,
    rng,
    share,
)
from units.demo.seeding import INSTITUTION, Login
from units.models import (
    AnnualEmissions,
    EmissionsSource,
    Enterprise,
    EnterpriseStatus,
    Facility,
    Industry,
    Province,
)
from verification import evaluation, evaluation_figures, workdays
from verification.activity_items import activity_rule
from verification.due_dates import due_dates
from verification.models import (
    Assignment,
    AssignmentStatus,
    EvaluationRound,
    Institution,
    NonConformity,
    NonConformityStatus,
    Objection,
    ObjectionStatus,
    VerifiedActivity,
    VerifiedFigures,
)
from verification.objections import policy_for

MET = (ObligationStatus.MET_ON_TIME, ObligationStatus.MET_LATE)
LATE_FROM = (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)  # what a late report follows
VERIFIER = "verifier-{code}-{n}"
OBJECTOR = "ent-{uscc}"
# Out of 100: verifications with a non-conformity, conclusions returned once, non-conformities
# not rectified (the emissions then estimated conservatively).
NON_CONFORMITY = 25
RETURNED = 8
NOT_RECTIFIED = 10
# A province's institutions: name ({short}: the province's short name, {name}: its name), English
# name, registration kind (91 company, 12 public institution) and the share of the work each
# takes; the shared one of the `verifier` login takes SHARED_WEIGHT, the newcomer (the last)
# NEW_ENTRANT_REPORTS reports.
INSTITUTIONS = (
    ("{short}中环低碳技术服务有限公司", "{short} Zhonghuan Low-Carbon Technical Services", "91", 5),
    ("{name}计量科学研究院", "{short} Institute of Metrology", "12", 4),
    ("{short}绿源节能环保科技有限公司", "{short} Lvyuan Energy Technology", "91", 3),
    ("{short}中碳核查认证有限公司", "{short} Zhongtan Verification and Certification", "91", 3),
    ("{short}华信碳资产评估有限公司", "{short} Huaxin Carbon Asset Assessment", "91", 3),
)
SHARED_WEIGHT = 4
NEW_ENTRANT_REPORTS = 3
# Dates as (month, day) of the year after the reports' year.
LATE_REPORTS_FROM = (4, 8)  # late reports of market units come in over LATE_REPORT_DAYS
LATE_REPORT_DAYS = 30
BASIS_REPORTS_FROM = (3, 5)  # the basis year's reports, over 25 days
OTHER_KEY_FROM = (10, 1)  # other key industries' confirmations, over OTHER_KEY_DAYS
OTHER_KEY_DAYS = 88
AUTUMN_WAIT = 18  # days the province may take to confirm those conclusions
# Days from `today` of the steps (assigned, document review, site visit, activity recorded,
# concluded, confirmed) of the verifications the demo provinces show in each state.
IN_PROGRESS = (-25, -12, -4, 5, 8, 12)
AWAITING = (-40, -30, -20, -12, -5, 6)
CONFIRMED_LATELY = (-45, -36, -28, -20, -12, -6)
EVALUATION_PREPARED = (11, 16)
MIN_DAYS = 14  # from a report's acceptance to the confirmation of its verification
# The activity the verifiers take from the report, per sector (power: generation and heat).
OUTPUT_VALUE = {
    "cement": "clinker_quantity",
    "steel": "crude_steel_output",
    "aluminium": "aluminium_output",
}
REPORT_VALUE = {"power_generated": "power_generated", "heat_supplied": "heat_supplied"}

DOCUMENT_REVIEW = (
    "审阅了{year}年度温室气体排放报告、数据质量控制计划、月度存证数据及燃料购销和计量台账，"
    "排放源和核算边界识别完整，数据来源可追溯。"
)
SITE_VISIT = (
    "现场查看了{facilities}及主要计量器具，抽查了燃料消耗、产量和检测原始记录，"
    "访谈了能源管理和统计负责人。"
)
CONCLUSION = (
    "经文件评审和现场核查，{name}{year}年度排放报告的核算边界、排放源和数据符合核算指南要求，"
    "核查确认的排放量为{emissions} tCO2e。"
)
RETURN_COMMENT = "请补充现场核查所发现问题的整改证据，并核对各设施活动数据与排放报告是否一致。"
NON_CONFORMITIES = (
    (
        "lab_report",
        "部分月份燃料低位发热量检测报告缺少检测机构资质信息。",
        "企业补充提供了检测机构资质证书及原始检测记录。",
    ),
    ("metering", "一台关口计量器具未按期检定。", "企业已完成检定并提交检定证书。"),
    ("output", "产量统计数据与财务结算记录存在差异。", "企业已核对并更正生产统计报表。"),
)
NOT_RECTIFIED_NOTE = "企业未能在规定期限内补充相关证明材料。"
CONSERVATIVE_BASIS = "缺少证明材料的部分按核算指南缺省值保守估算。"
OBJECTION_GROUNDS = "核查确认的排放量未采用本单位提交的实测燃料低位发热量，请求复核。"
OBJECTION_DECISION = (
    "经复核，核查机构未采用的检测报告不符合检测频次要求，核查结论正确，维持原核查结果。"
)


@dataclass(frozen=True)
class VerificationResult:
    today: date
    year: int
    reports: int  # accepted reports this run wrote (the basis year's, and late ones)
    assignments: dict[str, int]  # the year's assignments this run created, by status
    basis_confirmed: int  # the basis year's verifications this run confirmed
    objections: dict[str, int]  # this run's, by status
    evaluations: int  # institutions in the evaluations this run prepared
    obligations_met: int
    logins: tuple[Login, ...]


@dataclass(frozen=True)
class Inst:
    pk: int
    verifier: int  # the user on its teams
    weight: int
    new: bool = False  # this year's newcomer
    shared: bool = False  # the `verifier` login's, serving both demo provinces


@dataclass
class Story:
    """One unit-year's verification and when each step happened; a step on or after `today` has
    not happened yet."""

    unit: Unit
    year: int
    report: AnnualReport
    institution: Inst
    due: date | None
    assigned_at: datetime
    reviewed_at: datetime
    visited_at: datetime
    recorded_at: datetime
    concluded_at: datetime
    confirmed_at: datetime
    first_concluded_at: datetime | None = None  # before the conclusion was returned
    non_conformity: tuple | None = None
    rectified: bool = True
    emissions: Decimal = Decimal(0)
    row: Assignment | None = None

    @property
    def returned_at(self) -> datetime | None:
        if self.first_concluded_at is None:
            return None
        return self.first_concluded_at + timedelta(days=1)


@dataclass
class Context:
    today: date
    year: int
    units: dict[int, Unit]
    staff: dict[int, object]  # province id -> Team
    reviewers: dict[int, int]
    institutions: dict[int, list[Inst]]
    demo_logins: set[int]
    met: int = 0  # obligations this run marked met


@transaction.atomic
def seed_verification(
    scale: Scale, *, today: date, staff: ListStaff | None = None
) -> VerificationResult:
    """Last year's verification in the scale's provinces as of `today` (see the module)."""
    year = today.year - 1
    staff = staff or ensure_list_staff(scale)
    provinces = {p.code: p for p in Province.objects.filter(code__in=_codes(scale))}
    institutions = ensure_institutions(provinces)
    usccs = [spec.uscc for spec in plan(scale)]
    ids = set(Enterprise.objects.filter(uscc__in=usccs).values_list("pk", flat=True))
    objectors = _ensure_objectors(provinces, ids, year)
    ctx = Context(
        today=today,
        year=year,
        units=_units(ids),
        staff={provinces[code].pk: team for code, team in staff.teams.items() if code in provinces},
        reviewers=_reviewers({p.pk for p in provinces.values()}),
        institutions=institutions,
        demo_logins=_demo_login_units(),
    )
    market = _market(ids)
    written = _accepted_reports(ctx, market, year - 1, late=False)
    written += _accepted_reports(ctx, market, year, late=True)
    basis = _stories(ctx, ids, year - 1)
    stories = _stories(ctx, ids, year)
    _force(ctx, stories, objectors)
    met = ctx.met + _write(ctx, basis + stories)
    objections = _objections(ctx, stories, objectors)
    evaluated = _evaluations(ctx, provinces)
    happened = [s for s in stories if s.row is not None]
    return VerificationResult(
        today=today,
        year=year,
        reports=written,
        assignments=dict(Counter(s.row.status for s in happened)),
        basis_confirmed=sum(1 for s in basis if s.row is not None),
        objections=dict(Counter(o.status for o in objections)),
        evaluations=evaluated,
        obligations_met=met,
        logins=(
            Login(
                VERIFIER.format(code="<code>", n="<n>"),
                Role.VERIFIER,
                f"each province's own institutions (e.g. "
                f"{VERIFIER.format(code=SMALL_PROVINCES[0], n=1)})",
            ),
        ),
    )


def _codes(scale: Scale) -> tuple[str, ...]:
    return SMALL_PROVINCES if scale == "small" else tuple(PROVINCE_INFO)


def _market(ids: set[int]) -> set[int]:
    """The active units of the market sectors: what allocation covers."""
    return set(
        Enterprise.objects.filter(
            pk__in=ids, status=EnterpriseStatus.ACTIVE, industry__is_market_sector=True
        ).values_list("pk", flat=True)
    )


def _day(month_day: tuple[int, int], year: int) -> date:
    return date(year, *month_day)


def _local(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


# --- Institutions and their verifiers -------------------------------------------------------------


def ensure_institutions(provinces: dict[str, Province]) -> dict[int, list[Inst]]:
    """The institutions of each province (by province id) with the user on their teams, the
    shared one of the `verifier` login first where it serves; existing ones are kept."""
    wanted: dict[str, tuple] = {}
    for code, province in provinces.items():
        for n, (name, name_en, kind, weight) in enumerate(_institutions(code), start=1):
            stem = _organisation_code(rng(code, n, "institution"))
            info = PROVINCE_INFO[code]
            wanted[uscc.make(f"{kind}{code}{stem}")] = (
                province, n, name.format(short=info.short_zh, name=info.name_zh),
                name_en.format(short=info.short_en), weight,
            )  # fmt: skip
    existing = set(Institution.objects.filter(uscc__in=wanted).values_list("uscc", flat=True))
    created = Institution.objects.bulk_create(
        [
            Institution(
                uscc=code,
                name_zh=name,
                name_en=name_en,
                qualifications="温室气体排放核查技术服务（演示数据）",
                contact_email=f"{VERIFIER.format(code=province.code, n=n)}@example.com",
            )
            for code, (province, n, name, name_en, _weight) in wanted.items()
            if code not in existing
        ]
    )
    Institution.provinces.through.objects.bulk_create(
        [
            Institution.provinces.through(institution_id=row.pk, province_id=wanted[row.uscc][0].pk)
            for row in created
        ]
    )
    pks = dict(Institution.objects.filter(uscc__in=wanted).values_list("uscc", "pk"))
    users = _ensure_verifiers(
        {
            VERIFIER.format(code=province.code, n=n): (pks[code], province.code, n)
            for code, (province, n, _name, _en, _weight) in wanted.items()
        }
    )
    found: dict[int, list[Inst]] = defaultdict(list)
    for code, (province, n, _name, _en, weight) in sorted(wanted.items(), key=lambda w: w[1][1]):
        last = n == len(_institutions(province.code))
        user = users[VERIFIER.format(code=province.code, n=n)]
        found[province.pk].append(Inst(pks[code], user, weight, new=last))
    shared = Institution.objects.filter(uscc=INSTITUTION["uscc"]).first()
    verifier = Membership.objects.filter(role=Role.VERIFIER, user__username="verifier").first()
    if shared is not None and verifier is not None:
        for province_id in shared.provinces.values_list("pk", flat=True):
            if province_id in found:
                found[province_id].insert(
                    0, Inst(shared.pk, verifier.user_id, SHARED_WEIGHT, shared=True)
                )
    return dict(found)


def _institutions(code: str) -> list[tuple]:
    """The province's 3-5 institutions, in a rotation of the names of its own."""
    count = 3 + share(code, "institutions") % 3
    start = share(code, "institution names") % len(INSTITUTIONS)
    return [INSTITUTIONS[(start + i) % len(INSTITUTIONS)] for i in range(count)]


def _ensure_verifiers(wanted: dict[str, tuple[int, str, int]]) -> dict[str, int]:
    """A verifier user of each institution (one password hash for all of them)."""
    User = get_user_model()
    existing = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
    User.objects.bulk_create(
        [
            User(
                username=username,
                first_name=f"{PROVINCE_INFO[code].short_zh}核查员{n}",
                email=f"{username}@example.com",
                password=_password(),
            )
            for username, (_pk, code, n) in wanted.items()
            if username not in existing
        ]
    )
    users = dict(User.objects.filter(username__in=wanted).values_list("username", "pk"))
    members = set(
        Membership.objects.filter(role=Role.VERIFIER, user__in=users.values()).values_list(
            "user_id", flat=True
        )
    )
    Membership.objects.bulk_create(
        [
            Membership(user_id=users[username], role=Role.VERIFIER, institution_id=pk)
            for username, (pk, _code, _n) in wanted.items()
            if users[username] not in members
        ]
    )
    return users


@functools.cache
def _password() -> str:
    """The demo password hashed once: hashing takes a good part of a second each time."""
    return make_password(DEMO_PASSWORD)


def _ensure_objectors(provinces: dict[str, Province], ids: set[int], year: int) -> dict[int, int]:
    """In each demo province, the unit of the other key industries that objects to a result
    confirmed last week (the first by its hash with an accepted report), given a user of its
    own: enterprise id -> user id."""
    rows = AnnualReport.objects.filter(
        enterprise__in=ids,
        enterprise__province__code__in=[code for code in SMALL_PROVINCES if code in provinces],
        enterprise__industry__is_market_sector=False,
        year=year,
        status=SubmissionStatus.ACCEPTED,
    ).values_list(
        "enterprise_id", "enterprise__uscc", "enterprise__province_id", "enterprise__name_zh"
    )
    chosen: dict[int, tuple] = {}
    for pk, code, province_id, name in rows:
        key = rng(code, year, "objector").random()
        if province_id not in chosen or key < chosen[province_id][0]:
            chosen[province_id] = (key, pk, code, name)
    objectors = {}
    for _key, pk, code, name in chosen.values():
        username = OBJECTOR.format(uscc=code.lower())
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            user = get_user_model().objects.create(
                username=username, first_name=name, email=f"{username}@example.com",
                password=_password(),
            )  # fmt: skip
        Membership.objects.get_or_create(
            user=user, role=Role.ENTERPRISE_USER, enterprise_id=pk,
            province=None, city=None, institution=None,
        )  # fmt: skip
        objectors[pk] = user.pk
    return objectors


# --- Accepted reports: the basis year's, and market units' late ones ------------------------------


def _accepted_reports(ctx: Context, market: set[int], year: int, *, late: bool) -> int:
    """Accepted reports of `year` for the market units without one, as the services would have
    written them (see the module); how many were written."""
    rules = report_rules(year)
    versions: dict[int, list[AnnualReport]] = defaultdict(list)
    for report in AnnualReport.objects.filter(enterprise__in=market, year=year).order_by("version"):
        versions[report.enterprise_id].append(report)
    dues = _annual_dues(market, year)
    months = _month_rows(market, year)
    figures = {
        (pk, source): tonnes
        for pk, source, tonnes in AnnualEmissions.objects.filter(
            enterprise__in=market, year=year
        ).values_list("enterprise_id", "source", "direct_emissions")
    }
    industries = dict(Enterprise.objects.filter(pk__in=market).values_list("pk", "industry_id"))
    monthly = _applies(rules.monthly, industries)
    supplementary = _applies(rules.supplementary, industries)
    written: list[tuple[AnnualReport, datetime]] = []
    superseded = []
    for pk in sorted(market):
        unit = ctx.units.get(pk)
        schema = rules.schemas.get(unit.sector) if unit else None
        verified = figures.get((pk, EmissionsSource.VERIFIED))
        if schema is None or verified is None or (late and pk not in dues):
            continue
        found = versions.get(pk, [])
        if found and (not late or found[-1].status not in LATE_FROM):
            continue
        if not late:
            unit = dataclasses.replace(unit, annual_t=verified)
        items = rules.items[schema.pk]
        truth = report_values(unit, year, items, figures.get((pk, EmissionsSource.REPORTED)))
        report = _starting_version(found, truth, items)
        submitted, reviewed = _report_times(unit, year, found, late=late)
        if report is None or _local(reviewed) >= ctx.today:
            continue
        report.enterprise_id, report.year, report.schema, report.values = pk, year, schema, truth
        found = reports.evaluate(
            report,
            items=items,
            months=reports.counted_months(items, months.get(pk, [])) if pk in monthly else None,
            tolerance_pct=rules.tolerance,
            with_supplementary=pk in supplementary,
        )
        if any(f.severity == Severity.ERROR for f in found):
            raise ValueError(f"demo report of {unit.uscc} {year} has errors")
        report.explanations = explain(found)
        report.status = SubmissionStatus.ACCEPTED
        report.submitted_at, report.submitted_by_id = submitted, unit.submitted_by
        report.reviewed_at, report.reviewed_by_id = reviewed, ctx.reviewers.get(unit.province_id)
        started = submitted - timedelta(days=1 + rng(unit.uscc, year, "draft").randrange(4))
        if report.supersedes is not None:  # the correction starts once the version is returned
            started = max(started, report.supersedes.reviewed_at + timedelta(hours=1))
        written.append((report, report.created_at or started))
        if report.supersedes_id is not None:
            superseded.append((report.supersedes_id, SubmissionStatus.SUPERSEDED, submitted))
    drafts = [report for report, _at in written if report.pk is not None]
    # The corrected versions step aside first: one standing version per unit and year.
    _update(AnnualReport, {"status": "varchar", "updated_at": "timestamptz"}, superseded)
    AnnualReport.objects.bulk_create([report for report, _at in written if report.pk is None])
    AnnualReport.objects.bulk_update(
        drafts,
        ["values", "explanations", "emissions", "calculation", "formula_version", "findings",
         "reconciliation", "months_certified", "supplementary", "status", "submitted_at",
         "submitted_by", "reviewed_at", "reviewed_by"],
    )  # fmt: skip
    _update(
        AnnualReport,
        {"created_at": "timestamptz", "updated_at": "timestamptz"},
        [(report.pk, at, report.reviewed_at) for report, at in written],
    )
    ctx.met += _meet_annual([report for report, _at in written], dues)
    _reported_emissions([report for report, _at in written], year)
    return len(written)


def _starting_version(found: list[AnnualReport], truth: dict, items) -> AnnualReport | None:
    """What the late submission is: the demo's own draft (unchanged), a correction of a returned
    version, or a first version; None when the report is in someone else's hands."""
    if not found:
        return AnnualReport(version=1)
    latest = found[-1]
    if latest.status == SubmissionStatus.DRAFT and len(found) == 1:
        return latest if latest.values in (truth, partial(truth, items)) else None
    if latest.status == SubmissionStatus.RETURNED:
        return AnnualReport(version=latest.version + 1, supersedes=latest)
    return None


def _report_times(unit: Unit, year: int, found: list, *, late: bool) -> tuple[datetime, datetime]:
    """When the report was submitted and accepted."""
    r = rng(unit.uscc, year, "accepted report")
    if late:
        day = _day(LATE_REPORTS_FROM, year + 1) + timedelta(days=r.randrange(LATE_REPORT_DAYS))
        returned = [_local(v.reviewed_at) for v in found if v.reviewed_at]
        if returned:
            day = max(day, max(returned) + timedelta(days=3 + r.randrange(5)))
        review_days = 3 + r.randrange(10)
    else:
        day = _day(BASIS_REPORTS_FROM, year + 1) + timedelta(days=r.randrange(25))
        review_days = 5 + r.randrange(20)
    return office_hours(day, r), office_hours(day + timedelta(days=review_days), r)


def _applies(rules: list, industries: dict[int, int]) -> set[int]:
    """The units (of {unit id: industry id}) a calendar rule of the list applies to."""
    by_industry = {
        industry.pk: reports.applies(rules, Enterprise(industry=industry))
        for industry in Industry.objects.filter(pk__in=set(industries.values()))
    }
    return {pk for pk, industry in industries.items() if by_industry[industry]}


def _annual_dues(units: set[int], year: int) -> dict[int, list[tuple]]:
    """Each unit's annual report obligation of the year and its supplementary data report's
    (one report meets both), as (pk, due_on, status)."""
    dues: dict[int, list[tuple]] = defaultdict(list)
    rows = Obligation.objects.filter(
        enterprise__in=units,
        kind__in=(ObligationKind.ANNUAL_REPORT, ObligationKind.SUPPLEMENTARY_REPORT),
        period_start=date(year, 1, 1),
    ).values_list("enterprise_id", "pk", "due_on", "status")
    for enterprise_id, *due in rows.order_by("pk"):
        dues[enterprise_id].append(tuple(due))
    return dues


def _month_rows(units: set[int], year: int) -> dict[int, list[tuple]]:
    """The year's counted monthly certifications of each unit, as reports.start finds them."""
    rows: dict[int, list[tuple]] = defaultdict(list)
    for enterprise_id, *row in MonthlyCertification.objects.filter(
        enterprise__in=units, year=year, status__in=reports.COUNTED
    ).values_list("enterprise_id", "month", "values", "emissions"):
        rows[enterprise_id].append(tuple(row))
    return rows


def _meet_annual(written: list[AnnualReport], dues: dict[int, list[tuple]]) -> int:
    """The obligations the reports met, as deadlines.services.fulfil marks them (those the
    calendar left unmet)."""
    return _meet(
        [
            (pk, due_on, report.submitted_at, report.submitted_by_id,
             f"reporting.annualreport:{report.pk}")
            for report in written
            for pk, due_on, status in dues.get(report.enterprise_id, [])
            if status not in MET
        ]
    )  # fmt: skip


def _meet(rows: list[tuple]) -> int:
    """Mark obligations met, given as (pk, due_on, met_at, met_by, fulfilment): on time or late
    by the day in Beijing, as deadlines.services.fulfil does."""
    now = datetime.now(tz=SHANGHAI)
    _update(
        Obligation,
        {
            "status": "varchar",
            "met_at": "timestamptz",
            "met_by_id": "bigint",
            "fulfilment": "varchar",
            "updated_at": "timestamptz",
        },
        [
            (pk, _met_status(met_at, due_on), met_at, met_by, fulfilment, now)
            for pk, due_on, met_at, met_by, fulfilment in rows
        ],
    )
    return len(rows)


def _met_status(met_at: datetime, due_on: date) -> str:
    on_time = _local(met_at) <= due_on
    return ObligationStatus.MET_ON_TIME if on_time else ObligationStatus.MET_LATE


def _reported_emissions(written: list[AnnualReport], year: int) -> None:
    """The accepted reports' emissions become the year's reported figures, as
    reporting.reports.accept writes them."""
    existing = dict(
        AnnualEmissions.objects.filter(
            enterprise__in=[r.enterprise_id for r in written],
            year=year,
            source=EmissionsSource.REPORTED,
        ).values_list("enterprise_id", "pk")
    )
    _update(
        AnnualEmissions,
        {"direct_emissions": "numeric"},
        [(existing[r.enterprise_id], r.emissions) for r in written if r.enterprise_id in existing],
    )
    AnnualEmissions.objects.bulk_create(
        [
            AnnualEmissions(
                enterprise_id=r.enterprise_id,
                year=year,
                source=EmissionsSource.REPORTED,
                direct_emissions=r.emissions,
            )
            for r in written
            if r.enterprise_id not in existing
        ]
    )


# --- The verifications ----------------------------------------------------------------------------


def _stories(ctx: Context, ids: set[int], year: int) -> list[Story]:
    """The verification of every accepted report of the year without an assignment yet."""
    held = Assignment.objects.filter(enterprise__in=ids, year=year).values("enterprise")
    accepted = list(
        AnnualReport.objects.filter(enterprise__in=ids, year=year, status=SubmissionStatus.ACCEPTED)
        .exclude(enterprise__in=held)
        .select_related("enterprise__industry")
    )
    due = due_dates(accepted)
    obligations = {
        enterprise_id: (status, met_at)
        for enterprise_id, status, met_at in Obligation.objects.filter(
            kind=ObligationKind.VERIFICATION,
            enterprise__in=[report.enterprise_id for report in accepted],
            period_start=date(year, 1, 1),
        ).values_list("enterprise_id", "status", "met_at")
    }
    emissions = dict(
        AnnualEmissions.objects.filter(
            enterprise__in=[report.enterprise_id for report in accepted],
            year=year,
            source=EmissionsSource.VERIFIED,
        ).values_list("enterprise_id", "direct_emissions")
    )
    newcomer_took: Counter[int] = Counter()
    stories = []
    for report in sorted(accepted, key=lambda r: rng(r.enterprise.uscc, year, "order").random()):
        unit = ctx.units.get(report.enterprise_id)
        if unit is None or report.enterprise_id not in emissions:
            continue
        institution = _institution(ctx, unit, year, newcomer_took)
        if institution is None:
            continue
        story = _timeline(
            ctx, unit, year, report, institution, due[report.pk],
            obligations.get(report.enterprise_id, (None, None)),
        )  # fmt: skip
        story.emissions = emissions[report.enterprise_id].quantize(Decimal("0.01"))
        stories.append(story)
    return stories


def _institution(ctx: Context, unit: Unit, year: int, newcomer_took: Counter) -> Inst | None:
    """The newcomer of this year takes the first reports, up to NEW_ENTRANT_REPORTS; the other
    institutions share the rest by weight."""
    choices = ctx.institutions.get(unit.province_id, [])
    newcomer = next((inst for inst in choices if inst.new), None)
    if year == ctx.year and newcomer and newcomer_took[unit.province_id] < NEW_ENTRANT_REPORTS:
        newcomer_took[unit.province_id] += 1
        return newcomer
    others = [inst for inst in choices if not inst.new]
    if not others:
        return None
    return rng(unit.uscc, year, "institution").choices(
        others, weights=[inst.weight for inst in others]
    )[0]


def _timeline(ctx, unit, year, report, institution, due, obligation) -> Story:
    """When each step happened: the confirmation when the calendar met the obligation, else on
    a day of the unit's own (after the due date if the calendar says it is overdue); the work
    before it, after the report's acceptance."""
    r = rng(unit.uscc, year, "verification")
    accepted_on = _local(report.reviewed_at)
    status, met_at = obligation
    if met_at is not None and (_local(met_at) - accepted_on).days >= MIN_DAYS:
        confirmed_at = met_at
    else:
        if _summer(due, year) and status == ObligationStatus.MISSED:
            day = due + timedelta(days=3 + r.randrange(25))
        elif _summer(due, year):
            day = due - timedelta(days=2 + r.randrange(30))
        else:
            day = _day(OTHER_KEY_FROM, year + 1) + timedelta(days=r.randrange(OTHER_KEY_DAYS))
        earliest = accepted_on + timedelta(days=MIN_DAYS)
        confirmed_at = office_hours(max(day, earliest + timedelta(days=r.randrange(10))), r)
    wait = 6 if _summer(due, year) else AUTUMN_WAIT
    steps = _steps(accepted_on, confirmed_at, r, wait)
    story = Story(unit, year, report, institution, due, *steps)
    if share(unit.uscc, year, "non-conformity") < NON_CONFORMITY:
        story.non_conformity = NON_CONFORMITIES[r.randrange(len(NON_CONFORMITIES))]
        story.rectified = share(unit.uscc, year, "rectified") >= NOT_RECTIFIED
    returned = share(unit.uscc, year, "returned") < RETURNED
    if returned and _local(story.concluded_at) - _local(story.recorded_at) >= timedelta(days=3):
        story.first_concluded_at = story.recorded_at + timedelta(days=1)
    return story


def _summer(due: date | None, year: int) -> bool:
    """Whether the verification was due before the autumn (the market sectors, and steel and
    cement not yet in the market), rather than by the end of the year."""
    return due is not None and due < _day(OTHER_KEY_FROM, year + 1)


def _steps(accepted_on: date, confirmed_at: datetime, r, wait: int = 6) -> tuple[datetime, ...]:
    """Assigned, document review, site visit, activity recorded, concluded and confirmed, in
    that order on days of their own between the acceptance and the confirmation (up to `wait`
    days after the conclusion)."""
    confirmed_on = _local(confirmed_at)
    concluded = confirmed_on - timedelta(days=1 + r.randrange(wait))
    visited = concluded - timedelta(days=4 + r.randrange(10))
    reviewed = visited - timedelta(days=2 + r.randrange(8))
    assigned = reviewed - timedelta(days=3 + r.randrange(12))
    if assigned <= accepted_on:
        span = (confirmed_on - accepted_on).days
        assigned, reviewed, visited, concluded = (
            accepted_on + timedelta(days=span * tenths // 10) for tenths in (1, 3, 5, 8)
        )
    recorded = visited + timedelta(days=(concluded - visited).days // 2)
    days = (assigned, reviewed, visited, recorded, concluded)
    return (*(office_hours(day, r) for day in days), confirmed_at)


def _force(ctx: Context, stories: list[Story], objectors: dict[int, int]) -> None:
    """In the demo provinces: the `verifier` login's institution keeps one verification of the
    other key industries in progress (its site visit done, a non-conformity open) and has
    confirmed its others; another institution's conclusion awaits the province; and each
    objector's result was confirmed last week."""
    provinces = _shared_provinces(ctx)
    autumn = sorted(
        (
            s
            for s in stories
            if s.unit.province_id in provinces
            and not _summer(s.due, s.year)
            and s.unit.id not in objectors
        ),
        key=lambda s: rng(s.unit.uscc, s.year, "forced").random(),
    )
    mine = [s for s in autumn if s.institution.shared]
    if not mine and autumn and provinces:
        mine = [autumn[0]]
        mine[0].institution = ctx.institutions[mine[0].unit.province_id][0]
    for n, story in enumerate(mine):
        if n == 0:
            _pin(ctx, story, IN_PROGRESS, open_non_conformity=True)
        elif not _done(ctx, story.confirmed_at):
            _pin(ctx, story, CONFIRMED_LATELY)
    for province_id in provinces:
        theirs = [s for s in autumn if s.unit.province_id == province_id and s not in mine]
        if theirs:
            _pin(ctx, theirs[0], AWAITING)
    for story in stories:
        if story.unit.id in objectors:
            day = ctx.today - timedelta(days=3)
            while workdays.add_working_days(day, 3) >= ctx.today:
                day -= timedelta(days=1)
            _pin(ctx, story, (*CONFIRMED_LATELY[:-1], (day - ctx.today).days))


def _pin(
    ctx: Context, story: Story, offsets: tuple[int, ...], *, open_non_conformity: bool = False
) -> None:
    """The story's steps on days `offsets` from today, if its report was accepted before."""
    if _local(story.report.reviewed_at) >= ctx.today + timedelta(days=offsets[0] - 1):
        return
    r = rng(story.unit.uscc, story.year, "pinned")
    (story.assigned_at, story.reviewed_at, story.visited_at, story.recorded_at,
     story.concluded_at, story.confirmed_at) = (
        office_hours(ctx.today + timedelta(days=days), r) for days in offsets
    )  # fmt: skip
    story.first_concluded_at = None
    story.non_conformity = NON_CONFORMITIES[1] if open_non_conformity else None
    story.rectified = True


def _shared_provinces(ctx: Context) -> set[int]:
    return {pk for pk, insts in ctx.institutions.items() if insts and insts[0].shared}


def _write(ctx: Context, stories: list[Story]) -> int:
    """The assignments as far as each story had come by `today`, with their team, work,
    non-conformities, activity data and, once confirmed, the verified figures; returns the
    obligations met."""
    happened = [s for s in stories if _local(s.assigned_at) < ctx.today]
    for story in happened:
        story.row = _assignment(ctx, story)
    Assignment.objects.bulk_create([s.row for s in happened])
    _update(
        Assignment,
        {"created_at": "timestamptz", "updated_at": "timestamptz"},
        [(s.row.pk, s.assigned_at, _last_step(ctx, s)) for s in happened],
    )
    Assignment.team.through.objects.bulk_create(
        [
            Assignment.team.through(assignment_id=s.row.pk, user_id=s.institution.verifier)
            for s in happened
        ]
    )
    _non_conformities(ctx, happened)
    activity = _activity(ctx, [s for s in happened if _done(ctx, s.recorded_at)])
    confirmed = [s for s in happened if s.row.status == AssignmentStatus.CONFIRMED]
    VerifiedFigures.objects.bulk_create(
        [
            VerifiedFigures(
                assignment=s.row,
                enterprise_id=s.unit.id,
                year=s.year,
                emissions=s.emissions,
                activity=activity[s.row.pk],
                confirmed_on=_local(s.confirmed_at),
            )
            for s in confirmed
        ]
    )
    _verified_emissions(confirmed)
    return _meet_verification(ctx, confirmed)


def _done(ctx: Context, moment: datetime | None) -> bool:
    return moment is not None and _local(moment) < ctx.today


def _last_step(ctx: Context, story: Story) -> datetime:
    steps = (
        story.assigned_at, story.reviewed_at, story.visited_at, story.recorded_at,
        story.first_concluded_at, story.returned_at, story.concluded_at, story.confirmed_at,
    )  # fmt: skip
    return max(step for step in steps if _done(ctx, step))


def _assignment(ctx: Context, story: Story) -> Assignment:
    """The assignment as it stood on `today`, as verification.work and .confirmation leave it."""
    unit, year = story.unit, story.year
    staff = ctx.staff[unit.province_id].staff
    row = Assignment(
        report=story.report,
        enterprise_id=unit.id,
        year=year,
        institution_id=story.institution.pk,
        due_date=story.due,
        assigned_by=staff,
        status=AssignmentStatus.ASSIGNED,
    )
    if _done(ctx, story.reviewed_at):
        row.document_review = DOCUMENT_REVIEW.format(year=year)
        row.document_reviewed_on = _local(story.reviewed_at)
    if _done(ctx, story.visited_at):
        row.site_visit = SITE_VISIT.format(facilities=_facility_words(unit))
        row.site_visited_on = _local(story.visited_at)
    if _done(ctx, story.recorded_at):
        row.verified_emissions = story.emissions
    conclusion = None
    if _done(ctx, story.concluded_at):
        conclusion = story.concluded_at
        row.status = AssignmentStatus.CONCLUDED
    elif _done(ctx, story.returned_at):
        conclusion = story.first_concluded_at
        row.status = AssignmentStatus.RETURNED
    elif _done(ctx, story.first_concluded_at):
        conclusion = story.first_concluded_at
        row.status = AssignmentStatus.CONCLUDED
    if _done(ctx, story.returned_at):
        row.times_returned, row.review_comment = 1, RETURN_COMMENT
    if conclusion is not None:
        row.conclusion = CONCLUSION.format(
            name=story.report.enterprise.name_zh, year=year, emissions=f"{story.emissions:,}"
        )
        if story.non_conformity and not story.rectified:
            row.conservative_basis = CONSERVATIVE_BASIS
        row.concluded_at, row.concluded_by_id = conclusion, story.institution.verifier
    if _done(ctx, story.confirmed_at):
        row.status = AssignmentStatus.CONFIRMED
        row.confirmed_at, row.confirmed_by = story.confirmed_at, staff
    return row


def _facility_words(unit: Unit) -> str:
    return {"power": "各发电机组", "cement": "熟料生产线", "steel": "高炉和转炉"}.get(
        unit.sector, "主要生产设施"
    )


def _non_conformities(ctx: Context, stories: list[Story]) -> None:
    found = [s for s in stories if s.non_conformity and _done(ctx, s.visited_at)]
    rows = []
    for story in found:
        item, description, rectification = story.non_conformity
        row = NonConformity(assignment=story.row, item_code=item, description=description)
        if _done(ctx, story.recorded_at):
            row.status = (
                NonConformityStatus.RECTIFIED
                if story.rectified
                else NonConformityStatus.NOT_RECTIFIED
            )
            row.rectification = rectification if story.rectified else NOT_RECTIFIED_NOTE
            row.closed_on = _local(story.recorded_at)
        rows.append(row)
    NonConformity.objects.bulk_create(rows)
    _update(
        NonConformity,
        {"created_at": "timestamptz", "updated_at": "timestamptz"},
        [
            (row.pk, s.visited_at, s.recorded_at if row.closed_on else s.visited_at)
            for row, s in zip(rows, found, strict=True)
        ],
    )


def _activity(ctx: Context, stories: list[Story]) -> dict[int, list[dict]]:
    """Each assignment's verified activity per facility: the report's figure of each item the
    sector needs, split over the facilities by capacity. Written as VerifiedActivity rows;
    returned (by assignment id) as verification.confirmation writes it into VerifiedFigures."""
    facilities: dict[int, list[tuple]] = defaultdict(list)
    for row in Facility.objects.filter(enterprise__in=[s.unit.id for s in stories]).values_list(
        "enterprise_id", "pk", "name", "category", "capacity"
    ):
        facilities[row[0]].append(row[1:])
    rows, shown = [], {}
    for story in stories:
        rule = activity_rule(story.unit.sector)
        own = sorted(
            (f for f in facilities[story.unit.id] if _needs(rule, f[2])), key=lambda f: f[1]
        )
        if not own:
            shown[story.row.pk] = []
            continue
        weights = [
            float(capacity or 1) * rng(story.unit.uscc, story.year, name).uniform(0.94, 1.06)
            for _pk, name, _category, capacity in own
        ]
        per_item = {
            item.code: _split(_report_figure(story, item.code), weights) for item in rule.items
        }
        shown[story.row.pk] = [
            {
                "facility": pk,
                "facility_name": name,
                "item": item.code,
                "value": format(per_item[item.code][n], "f"),
                "unit": item.unit,
            }
            for n, (pk, name, _category, _capacity) in enumerate(own)
            for item in rule.items
        ]
        rows += [
            VerifiedActivity(
                assignment=story.row,
                facility_id=row["facility"],
                item_code=row["item"],
                value=Decimal(row["value"]),
                unit=row["unit"],
            )
            for row in shown[story.row.pk]
        ]
    VerifiedActivity.objects.bulk_create(rows)
    return shown


def _needs(rule, category: str) -> bool:
    """Whether the sector's rule asks for a facility's activity data (empty: every facility)."""
    return not rule.categories or category in rule.categories


def _report_figure(story: Story, item: str) -> Decimal:
    """The verified report's figure behind an activity item (0 for heat a unit does not sell)."""
    values = story.report.values
    code = REPORT_VALUE.get(item) or OUTPUT_VALUE.get(story.unit.sector, "main_output")
    return Decimal(values.get(code) or "0")


def _split(total: Decimal, weights: list[float]) -> list[Decimal]:
    """The total in parts by weight, to the total's own precision; the parts add up to it."""
    quantum = Decimal(1).scaleb(min(total.as_tuple().exponent, 0))
    whole = sum(weights)
    parts = [
        (total * Decimal(repr(weight / whole))).quantize(quantum, ROUND_HALF_UP)
        for weight in weights[:-1]
    ]
    parts.append(total - sum(parts, Decimal(0)))
    return [part.quantize(Decimal("0.0001")) for part in parts]


def _verified_emissions(confirmed: list[Story]) -> None:
    """The year's verified figure in the emissions history becomes the confirmed one."""
    existing = {
        (enterprise_id, year): (pk, tonnes)
        for pk, enterprise_id, year, tonnes in AnnualEmissions.objects.filter(
            enterprise__in=[s.unit.id for s in confirmed],
            year__in={s.year for s in confirmed},
            source=EmissionsSource.VERIFIED,
        ).values_list("pk", "enterprise_id", "year", "direct_emissions")
    }
    changed = [
        (existing[s.unit.id, s.year][0], s.emissions)
        for s in confirmed
        if (s.unit.id, s.year) in existing and existing[s.unit.id, s.year][1] != s.emissions
    ]
    _update(AnnualEmissions, {"direct_emissions": "numeric"}, changed)
    AnnualEmissions.objects.bulk_create(
        [
            AnnualEmissions(
                enterprise_id=s.unit.id,
                year=s.year,
                source=EmissionsSource.VERIFIED,
                direct_emissions=s.emissions,
            )
            for s in confirmed
            if (s.unit.id, s.year) not in existing
        ]
    )


def _meet_verification(ctx: Context, confirmed: list[Story]) -> int:
    by_unit = {(s.unit.id, date(s.year, 1, 1)): s for s in confirmed}
    rows = Obligation.objects.filter(
        kind=ObligationKind.VERIFICATION,
        enterprise__in=[s.unit.id for s in confirmed],
        period_start__in={key[1] for key in by_unit},
    ).exclude(status__in=MET)
    met = []
    for pk, enterprise_id, period_start, due_on in rows.values_list(
        "pk", "enterprise_id", "period_start", "due_on"
    ):
        story = by_unit.get((enterprise_id, period_start))
        if story is not None:
            staff = ctx.staff[story.unit.province_id].staff
            met.append(
                (pk, due_on, story.confirmed_at, staff.pk,
                 f"verification.assignment:{story.row.pk}")
            )  # fmt: skip
    return _meet(met)


# --- Objections and the evaluation ----------------------------------------------------------------


def _objections(ctx: Context, stories: list[Story], objectors: dict[int, int]) -> list[Objection]:
    """The demo logins' units' objections (decided when the re-review's day has passed) and the
    objectors' (awaiting), filed within the window after confirmation."""
    rows, times = [], []
    for story in stories:
        unit = story.unit
        login = unit.id in ctx.demo_logins
        if not (login or unit.id in objectors) or story.row is None:
            continue
        if story.row.status != AssignmentStatus.CONFIRMED or unit.submitted_by is None:
            continue
        confirmed_on = _local(story.confirmed_at)
        filed_on = workdays.add_working_days(confirmed_on, 2 if login else 3)
        if filed_on >= ctx.today:
            continue
        r = rng(unit.uscc, story.year, "objection")
        row = Objection(
            assignment=story.row,
            grounds=OBJECTION_GROUNDS,
            filed_by_id=objectors.get(unit.id, unit.submitted_by),
            filed_on=filed_on,
            decide_by=workdays.add_working_days(
                filed_on, policy_for(story.year).review_window_days
            ),
        )
        filed_at = office_hours(filed_on, r)
        decided_on = workdays.add_working_days(filed_on, 6)
        if login and decided_on < ctx.today:
            row.status, row.decision = ObjectionStatus.REJECTED, OBJECTION_DECISION
            row.decided_by = ctx.staff[unit.province_id].staff
            row.decided_at = office_hours(decided_on, r)
        rows.append(row)
        times.append((filed_at, row.decided_at or filed_at))
    Objection.objects.bulk_create(rows)
    _update(
        Objection,
        {"created_at": "timestamptz", "updated_at": "timestamptz"},
        [(row.pk, *at) for row, at in zip(rows, times, strict=True)],
    )
    return rows


def _evaluations(ctx: Context, provinces: dict[str, Province]) -> int:
    """Each province's evaluation of Y+1 prepared as a draft by its staff on November 16, the
    checklists of two institutions in three answered (one of them with an item not met)."""
    prepared_on = _day(EVALUATION_PREPARED, ctx.year + 1)
    if prepared_on >= ctx.today:
        return 0
    evaluated = 0
    done = set(
        EvaluationRound.objects.filter(year=ctx.year + 1).values_list("province_id", flat=True)
    )
    for code, province in sorted(provinces.items()):
        if province.pk in done or province.pk not in ctx.staff:
            continue
        actor = actor_for(ctx.staff[province.pk].staff)
        try:
            round_ = evaluation.prepare(actor=actor, province=province, year=ctx.year + 1)
        except DomainError:
            continue  # no conclusion in the province yet: nothing to evaluate
        ranked = list(round_.evaluations.order_by("institution__uscc"))
        for n, row in enumerate(ranked):
            if n % 3 == 2:
                continue
            checklist = evaluation_figures.rubric_of(row).checklist
            answers = {item["code"]: True for item in checklist}
            optional = [item["code"] for item in checklist if not item.get("veto")]
            if n % 3 == 1 and optional:
                answers[optional[-1]] = False
            evaluation.answer_checklist(actor=actor, evaluation=row, answers=answers)
        at = office_hours(prepared_on, rng(code, ctx.year, "evaluation"))
        EvaluationRound.objects.filter(pk=round_.pk).update(created_at=at, updated_at=at)
        evaluated += len(ranked)
    return evaluated
