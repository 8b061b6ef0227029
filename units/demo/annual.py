"""Annual emission reports and data quality control plans in the demo, as of a day.

`seed_annual(scale, today)` gives every demo unit the calendar asks for them (its
`annual_report` and `quality_control_plan` obligations) last year's annual emission report, due
March 31, and next year's data quality control plan, due December 31, in step with the calendar
that seed_deadlines has decided:

- an obligation the demo calendar met was met by the submission, made exactly then
  (`submitted_at` is the obligation's `met_at`), so on time or late as the calendar says. A unit
  of the other key industries meets its supplementary data report's obligation with the same
  report: the earlier of the two dates is the submission, and whichever of the two the calendar
  left unmet is marked met the way deadlines.services.fulfil marks it;
- an obligation not due yet: each unit submits on a day of its own within the SUBMISSION_WINDOW
  days before the due date, so the nearer the date, the more have submitted (about half of the
  plans five weeks before); its obligation is marked met as fulfil marks it (status, met_at,
  met_by, fulfilment naming the record);
- an obligation overdue, or not met by `today`: a draft (some units), or nothing yet.

Staff review a submission some days later, when that day is before `today`: most are accepted,
a few returned with a comment naming the figure or the section to correct (and not corrected
yet). Accepting a report writes the year's reported emissions of the unit, as
reporting.reports.accept does. The demo logins' units keep a returned report (when theirs was
submitted) and an unsubmitted plan, so that their home pages have both to act on.

The figures of a report: for a unit that certifies monthly, its twelve months from the profile
of units.demo.reporting (what its monthly certifications would hold), added up and weighted as
reporting.reports.start prefills a report from certified months; for a unit of the other key
industries, its total emissions (the year's reported figure in its emissions history) and its
output. The demo has no monthly certifications before this year, so last year's reports are
evaluated, as the services do, against no counted months: every market unit's report carries the
"months not certified" warning, which the enterprise explained. Findings, emissions, calculation,
reconciliation and supplementary data are reporting.reports.evaluate's, the services' function.

Which unit gets what follows a hash of its credit code, the same on every machine and run. A unit
and year with a version already is left alone, so a rerun changes nothing; with a later `today`,
a draft this demo left (unchanged) is replaced by the submission the calendar now records. Writes
go straight to the database in bulk, without audit events or e-mails: this is demo data.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.utils import timezone, translation

from deadlines.models import Obligation, ObligationKind, ObligationStatus
from reporting import annual, reports, validation
from reporting.models import (
    AnnualReport,
    DataItem,
    DataItemSchema,
    MonthlyCertification,
    PlanSection,
    QualityControlPlan,
    Severity,
    SubmissionStatus,
)
from units.demo.annual_texts import (
    BOUNDARY,
    FACILITIES_FALLBACK,
    GRID_T_PER_MWH,
    INTENSITY,
    MONTHS_NOTE,
    PARAMETERS,
    PLAN_MISTAKES,
    QA_QC,
    RANGE_NOTE,
    RECONCILIATION_NOTE,
    REPORT_MISTAKES,
    RESPONSIBILITIES,
)
from units.demo.data import BATCH_SIZE, SMALL_PROVINCES, Scale
from units.demo.deadlines import FULFILMENT as CALENDAR_FULFILMENT
from units.demo.geography import PROVINCE_INFO
from units.demo.planning import plan
from units.demo.reporting import (
    SEASON,
    SHANGHAI,
    UPDATE_CHUNK,
    Unit,
    _demo_login_units,
    _reviewers,
    _set_times,
    _units,
    month_values,
    office_hours,
    partial,
    profile,
    rng,
    share,
)
from units.models import (
    AnnualEmissions,
    Cooling,
    EmissionsSource,
    Enterprise,
    Facility,
    FacilityCategory,
    Fuel,
    Industry,
)

MET = (ObligationStatus.MET_ON_TIME, ObligationStatus.MET_LATE)
SUBMISSION_WINDOW = 70  # days before the due date over which the units submit
# Out of 100: reviewed submissions returned; unsubmitted units with a draft; drafts complete.
RETURNED = {"report": 6, "plan": 10}
DRAFTED = 40
COMPLETE_DRAFT = 50
REVIEW_DAYS = {"report": 30, "plan": 20}  # staff review 2..N days after submission
FORCED_REVIEW_DAYS = 2


@dataclass(frozen=True)
class Kind:
    """A yearly submission: its model, the obligations one submission meets (the first is its
    own, which decides whether the unit is asked) and the fulfilment label of its records."""

    name: str
    model: type
    obligations: tuple[str, ...]
    label: str


REPORT = Kind(
    "report",
    AnnualReport,
    (ObligationKind.ANNUAL_REPORT, ObligationKind.SUPPLEMENTARY_REPORT),
    "reporting.annualreport",
)
PLAN = Kind(
    "plan",
    QualityControlPlan,
    (ObligationKind.QUALITY_CONTROL_PLAN,),
    "reporting.qualitycontrolplan",
)


@dataclass(frozen=True)
class AnnualResult:
    today: date
    report_year: int
    plan_year: int
    reports: dict[str, int]  # report versions created by this run, by status
    plans: dict[str, int]  # plan versions created by this run, by status
    late: int  # reports submitted after their due date
    with_warnings: int  # submitted reports whose warnings the enterprise explained
    obligations_met: int  # obligations this run marked met


@dataclass(frozen=True)
class Due:
    """One of a unit's obligations, as the calendar has it."""

    pk: int
    kind: str
    due_on: date
    status: str
    met_at: datetime | None
    fulfilment: str


@dataclass(frozen=True)
class Existing:
    draft_pk: int | None
    draft_data: dict | None
    first: tuple[int, datetime, int | None] | None  # the first submission: pk, when, by whom


@dataclass
class Version:
    """A report or plan version as the demo writes it."""

    kind: Kind
    unit: Unit
    year: int
    status: str
    data: dict  # a report's values, a plan's content
    created_at: datetime
    updated_at: datetime
    dues: list[Due]
    explanations: dict[str, str] = field(default_factory=dict)
    submitted_at: datetime | None = None
    reviewed_at: datetime | None = None
    reviewed_by: int | None = None
    review_comment: str = ""
    found: list[validation.Found] = field(default_factory=list)
    row: AnnualReport | QualityControlPlan | None = None


@dataclass(frozen=True)
class Facts:
    """What a plan says about its unit besides the sector."""

    name_zh: str
    contact_name: str
    industry_id: int
    facilities: str  # as reporting.plans.facilities_text writes them


@dataclass
class Context:
    """What the stories need, loaded once."""

    today: date
    year: int
    units: dict[int, Unit]
    facts: dict[int, Facts]
    dues: dict[int, list[Due]]
    existing: dict[int, Existing]
    reviewers: dict[int, int]
    demo_logins: set[int]


# --- Figures and texts ----------------------------------------------------------------------


def _text(value: Decimal) -> str:
    return format(value, "f")


@dataclass(frozen=True)
class ReportRules:
    schemas: dict[str, DataItemSchema]  # by sector, as reporting.services.schema_for picks
    items: dict[int, list[DataItem]]
    tolerance: Decimal
    monthly: list  # the national rules asking for monthly certifications that year
    supplementary: list  # and for the supplementary data report


def report_rules(year: int) -> ReportRules:
    schemas: dict[str, DataItemSchema] = {}
    rows = list(DataItemSchema.objects.order_by("sector", "year"))
    for schema in rows:  # the latest of the year or before, else the first one
        if schema.year <= year or schema.sector not in schemas:
            schemas[schema.sector] = schema
    items: dict[int, list[DataItem]] = defaultdict(list)
    for item in DataItem.objects.filter(schema__in=list(schemas.values())):
        items[item.schema_id].append(item)
    return ReportRules(
        schemas,
        dict(items),
        reports.tolerance(),
        reports.national_rules("monthly_certification", year),
        reports.national_rules("supplementary_report", year + 1),
    )


def report_values(unit: Unit, year: int, items: list[DataItem], reported: Decimal | None) -> dict:
    """The year's figures as the enterprise types them."""
    if unit.sector in SEASON:
        shape = profile(unit)
        # The demo's figures are numbers: Decimal() rather than validation.parse, for speed.
        months = [
            {code: Decimal(text) for code, text in month_values(unit, shape, year, m).items()}
            for m in range(1, 13)
        ]
        return {code: _text(v) for code, v in annual.monthly_reference(items, months).items()}
    r = rng(unit.uscc, year, "annual report")
    if reported is None:
        reported = unit.annual_t * Decimal(repr(r.uniform(0.97, 1.04)))
    total = reported.quantize(Decimal("0.01"), ROUND_HALF_UP)
    low, high = INTENSITY.get(unit.sector, (0.5, 1.5))
    output = float(total) / r.uniform(low, high)
    values = {"total_emissions": _text(total), "main_output": _text(_round(output, 0))}
    if unit.sector != "aviation":
        electricity = float(total) * r.uniform(0.15, 0.45) / GRID_T_PER_MWH
        values["purchased_electricity"] = _text(_round(electricity, 1))
    return values


def _round(value: float, places: int) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def report_mistake(unit: Unit, values: dict[str, str], year: int) -> tuple[dict, str]:
    """The values with one figure off, and the reviewer's comment on it."""
    r = rng(unit.uscc, year, "report mistake")
    choices = [
        m
        for m in REPORT_MISTAKES.get(unit.sector, REPORT_MISTAKES["other"])
        if m[0] in values and Decimal(values[m[0]]) != 0
    ]
    code, factor, comment = r.choice(choices)
    right = Decimal(values[code])
    wrong = (right * Decimal(repr(factor))).quantize(
        Decimal(1).scaleb(right.as_tuple().exponent), ROUND_HALF_UP
    )
    return {**values, code: _text(wrong)}, comment.format(value=values[code])


def explain(found: list[validation.Found]) -> dict[str, str]:
    """The enterprise's explanation of each warning of its report."""
    explanations = {}
    for finding in found:
        if finding.severity != Severity.WARNING:
            continue
        if finding.rule == "months_not_certified":
            text = MONTHS_NOTE.format(months="、".join(str(m) for m in finding.params["months"]))
        elif finding.rule == "reconciliation":
            text = RECONCILIATION_NOTE
        else:
            text = RANGE_NOTE
        explanations[finding.key] = text
    return explanations


def plan_content(unit: Unit, facts: Facts) -> dict[str, str]:
    """Every section of the unit's plan."""
    sector = unit.sector if unit.sector in BOUNDARY else "power"
    return {
        PlanSection.BOUNDARY: BOUNDARY[sector].format(name=facts.name_zh),
        PlanSection.FACILITIES: facts.facilities or FACILITIES_FALLBACK,
        PlanSection.PARAMETERS: PARAMETERS[sector],
        PlanSection.RESPONSIBILITIES: RESPONSIBILITIES.format(
            contact=facts.contact_name or "本单位安全环保部负责人"
        ),
        PlanSection.QA_QC: QA_QC,
    }


def plan_mistake(unit: Unit, content: dict[str, str], year: int) -> tuple[dict, str]:
    section, comment = rng(unit.uscc, year, "plan mistake").choice(PLAN_MISTAKES)
    return {**content, section: content[section].split("；")[0] + "。"}, comment


def _report_figures(unit, year, items, reported) -> tuple[dict, dict]:
    truth = report_values(unit, year, items, reported)
    return truth, partial(truth, items)


def _plan_figures(unit: Unit, facts: Facts) -> tuple[dict, dict]:
    content = plan_content(unit, facts)
    return content, plan_draft(content)


def plan_draft(content: dict[str, str]) -> dict[str, str]:
    """A plan started but not finished: the facilities as the start prefilled them, and the
    boundary."""
    return {key: content[key] for key in (PlanSection.FACILITIES, PlanSection.BOUNDARY)}


# --- The story of each unit -----------------------------------------------------------------


def submission_time(kind: Kind, unit: Unit, dues: list[Due], ctx: Context, *, forced: bool):
    """When the unit submitted: the calendar's date if it met the obligation, a day of the
    unit's own before a due date still ahead, or None (not yet). False: the obligation was met
    some other way, so the record is not the demo's to write."""
    ours = [
        due.met_at
        for due in dues
        if due.status in MET
        and due.met_at is not None
        and (due.fulfilment == CALENDAR_FULFILMENT or due.fulfilment.startswith(f"{kind.label}:"))
    ]
    if ours:
        return min(ours)
    if any(due.status in MET for due in dues):
        return False
    own = dues[0]
    day = own.due_on - timedelta(days=1 + _spread(kind, unit, ctx.year))
    if forced or own.due_on < ctx.today or day >= ctx.today:
        return None
    return office_hours(day, rng(unit.uscc, ctx.year, kind.name, "submitted"))


def _spread(kind: Kind, unit: Unit, year: int) -> int:
    return rng(unit.uscc, year, kind.name, "day").randrange(SUBMISSION_WINDOW)


def story(kind: Kind, unit: Unit, ctx: Context, truth: dict, draft: dict) -> list[Version]:
    """The unit's versions of the year: submitted (and perhaps reviewed), or a draft."""
    dues = ctx.dues[unit.id]
    r = rng(unit.uscc, ctx.year, kind.name, "story")
    login = unit.id in ctx.demo_logins
    submitted_at = submission_time(kind, unit, dues, ctx, forced=login and kind is PLAN)
    if submitted_at is False:
        return []
    if submitted_at is None:
        if not login and share(unit.uscc, ctx.year, kind.name, "draft") >= DRAFTED:
            return []
        reference = dues[0].due_on - timedelta(days=_spread(kind, unit, ctx.year))
        created = office_hours(reference - timedelta(days=1 + r.randrange(20)), r)
        if created.date() >= ctx.today:
            return []
        complete = share(unit.uscc, ctx.year, kind.name, "complete") < COMPLETE_DRAFT
        return [
            Version(
                kind, unit, ctx.year, SubmissionStatus.DRAFT, truth if complete else draft,
                created, created + timedelta(hours=2), dues,
            )
        ]  # fmt: skip
    forced = login and kind is REPORT
    returned = forced or share(unit.uscc, ctx.year, kind.name, "review") < RETURNED[kind.name]
    mistake = report_mistake if kind is REPORT else plan_mistake
    data, comment = mistake(unit, truth, ctx.year) if returned else (truth, "")
    started = submitted_at - timedelta(days=1 + r.randrange(4), hours=r.randrange(6))
    version = Version(
        kind, unit, ctx.year, SubmissionStatus.SUBMITTED, data, started, submitted_at, dues,
        submitted_at=submitted_at,
    )  # fmt: skip
    delay = FORCED_REVIEW_DAYS if forced else 2 + r.randrange(REVIEW_DAYS[kind.name] - 1)
    reviewed_at = office_hours(submitted_at.astimezone(SHANGHAI).date() + timedelta(delay), r)
    if reviewed_at.date() < ctx.today:
        version.reviewed_at = version.updated_at = reviewed_at
        version.reviewed_by = ctx.reviewers.get(unit.province_id)
        version.status = SubmissionStatus.RETURNED if returned else SubmissionStatus.ACCEPTED
        version.review_comment = comment if returned else ""
    return [version]


# --- Loading ----------------------------------------------------------------------------------


def _dues(scale: Scale, usccs: list[str], kind: Kind, year: int) -> dict[int, list[Due]]:
    """Each demo unit's obligations of the kind and year, its own first; units the calendar does
    not ask for the record itself are left out."""
    codes = SMALL_PROVINCES if scale == "small" else tuple(PROVINCE_INFO)
    rows = Obligation.objects.filter(
        kind__in=kind.obligations,
        period_start=date(year, 1, 1),
        province__code__in=codes,
        enterprise__uscc__in=usccs,
    ).values_list("enterprise_id", "pk", "kind", "due_on", "status", "met_at", "fulfilment")
    found: dict[int, list[Due]] = defaultdict(list)
    for enterprise_id, *rest in rows.order_by("enterprise_id", "pk"):
        found[enterprise_id].append(Due(*rest))
    own = kind.obligations[0]
    return {
        enterprise_id: sorted(dues, key=lambda due: due.kind != own)
        for enterprise_id, dues in found.items()
        if any(due.kind == own for due in dues)
    }


def _existing(kind: Kind, unit_ids: set[int], year: int) -> dict[int, Existing]:
    """What the units have of the year already: a lone draft (with its content, which decides
    whether it is the demo's own) or their first submission."""
    rows = kind.model.objects.filter(enterprise__in=unit_ids, year=year)
    versions: dict[int, list[tuple]] = defaultdict(list)
    for enterprise_id, *row in rows.values_list(
        "enterprise_id", "pk", "status", "submitted_at", "submitted_by_id"
    ):
        versions[enterprise_id].append(row)
    lone = [
        found[0][0]
        for found in versions.values()
        if len(found) == 1 and found[0][1] == SubmissionStatus.DRAFT
    ]
    data_field = "values" if kind is REPORT else "content"
    drafts = dict(kind.model.objects.filter(pk__in=lone).values_list("pk", data_field))
    result = {}
    for enterprise_id, found in versions.items():
        submitted = sorted((at, pk, by) for pk, _status, at, by in found if at is not None)
        draft_pk = found[0][0] if len(found) == 1 and found[0][0] in drafts else None
        result[enterprise_id] = Existing(
            draft_pk=draft_pk,
            draft_data=drafts.get(draft_pk),
            first=(submitted[0][1], submitted[0][0], submitted[0][2]) if submitted else None,
        )
    return result


def _context(scale: Scale, usccs: list[str], kind: Kind, year: int, today: date) -> Context:
    dues = _dues(scale, usccs, kind, year)
    units = _units(set(dues))
    return Context(
        today=today,
        year=year,
        units=units,
        facts=_facts(set(units), with_facilities=kind is PLAN),
        dues=dues,
        existing=_existing(kind, set(units), year),
        reviewers=_reviewers({unit.province_id for unit in units.values()}),
        demo_logins=_demo_login_units(),
    )


def _facts(unit_ids: set[int], *, with_facilities: bool) -> dict[int, Facts]:
    """Names, contacts, industries and (for the plans) the facilities section, from rows
    rather than model instances: thousands of get_FOO_display() calls took seconds."""
    facilities: dict[int, list[str]] = defaultdict(list)
    if with_facilities:
        with translation.override("zh-hans"):
            labels = {
                field: {value: str(label) for value, label in choices.choices}
                for field, choices in (
                    ("category", FacilityCategory),
                    ("fuel", Fuel),
                    ("cooling", Cooling),
                )
            }
        rows = Facility.objects.filter(enterprise__in=unit_ids).values_list(
            "enterprise_id", "name", "category", "capacity", "capacity_unit", "fuel", "cooling"
        )
        for enterprise_id, name, category, capacity, unit, fuel, cooling in rows.order_by(
            "enterprise", "name"
        ):
            facilities[enterprise_id].append(
                f"{name}: {labels['category'][category]}, {capacity} {unit}, "
                f"{labels['fuel'][fuel]}, {labels['cooling'][cooling]}"
            )
    rows = Enterprise.objects.filter(pk__in=unit_ids).values_list(
        "pk", "name_zh", "contact_name", "industry_id"
    )
    return {
        pk: Facts(name_zh, contact_name, industry_id, "\n".join(facilities[pk]))
        for pk, name_zh, contact_name, industry_id in rows
    }


# --- The seeding ------------------------------------------------------------------------------


@transaction.atomic
def seed_annual(scale: Scale, *, today: date) -> AnnualResult:
    """Last year's annual reports and next year's plans of the demo units, as of `today`."""
    report_year, plan_year = today.year - 1, today.year + 1
    usccs = [spec.uscc for spec in plan(scale)]
    reported = _seed_reports(_context(scale, usccs, REPORT, report_year, today))
    planned = _seed_plans(_context(scale, usccs, PLAN, plan_year, today))
    obligations = _meet(reported.versions + planned.versions, reported.heal + planned.heal)
    _accepted_emissions([v for v in reported.versions if v.status == SubmissionStatus.ACCEPTED])
    return AnnualResult(
        today=today,
        report_year=report_year,
        plan_year=plan_year,
        reports=dict(Counter(v.status for v in reported.versions)),
        plans=dict(Counter(v.status for v in planned.versions)),
        late=sum(
            1
            for v in reported.versions
            if v.submitted_at and v.submitted_at.astimezone(SHANGHAI).date() > v.dues[0].due_on
        ),
        with_warnings=sum(
            1
            for v in reported.versions
            if v.submitted_at and any(f.severity == Severity.WARNING for f in v.found)
        ),
        obligations_met=obligations,
    )


@dataclass
class Written:
    versions: list[Version] = field(default_factory=list)
    # Obligations of existing submissions still unmet (the calendar was rebuilt since): the
    # submission's pk, when and by whom, and the unit's obligations.
    heal: list[tuple[str, int, datetime, int | None, list[Due]]] = field(default_factory=list)
    replaced: list[int] = field(default_factory=list)  # drafts the submissions replace


def _seed_reports(ctx: Context) -> Written:
    year = ctx.year
    rules = report_rules(year)
    industries = Industry.objects.filter(pk__in={facts.industry_id for facts in ctx.facts.values()})
    # Whether the calendar asks for monthly certifications / the supplementary data report,
    # by industry (its sector and market scope).
    monthly, supplementary = set(), set()
    for industry in industries:
        probe = Enterprise(industry=industry)
        if reports.applies(rules.monthly, probe):
            monthly.add(industry.pk)
        if reports.applies(rules.supplementary, probe):
            supplementary.add(industry.pk)
    months = _counted_months(ctx, rules, year)
    reported = dict(
        AnnualEmissions.objects.filter(
            enterprise__in=list(ctx.units), year=year, source=EmissionsSource.REPORTED
        ).values_list("enterprise_id", "direct_emissions")
    )
    written = Written()
    for pk, unit in ctx.units.items():
        schema = rules.schemas.get(unit.sector)
        if schema is None:
            continue
        items = rules.items[schema.pk]
        values = functools.partial(_report_figures, unit, year, items, reported.get(pk))
        versions = _story_unless_present(REPORT, unit, ctx, values, written)
        industry_id = ctx.facts[pk].industry_id
        for version in versions:
            report = AnnualReport(
                enterprise_id=pk, year=year, version=1, schema=schema, values=version.data
            )
            version.found = reports.evaluate(
                report,
                items=items,
                months=months.get(pk) if industry_id in monthly else None,
                tolerance_pct=rules.tolerance,
                with_supplementary=industry_id in supplementary,
            )
            if version.submitted_at:
                if any(f.severity == Severity.ERROR for f in version.found):
                    raise ValueError(f"demo report of {unit.uscc} {year} has errors")
                version.explanations = explain(version.found)
            version.row = report
        written.versions += versions
    _write(REPORT, written)
    return written


def _counted_months(ctx: Context, rules: ReportRules, year: int) -> dict[int, reports.Months]:
    """The year's counted monthly certifications of each unit, as reports.start finds them."""
    rows: dict[int, list[tuple]] = defaultdict(list)
    for enterprise_id, *row in MonthlyCertification.objects.filter(
        enterprise__in=list(ctx.units), year=year, status__in=reports.COUNTED
    ).values_list("enterprise_id", "month", "values", "emissions"):
        rows[enterprise_id].append(row)
    return {
        pk: reports.counted_months(rules.items[rules.schemas[unit.sector].pk], rows.get(pk, []))
        for pk, unit in ctx.units.items()
        if unit.sector in rules.schemas
    }


def _seed_plans(ctx: Context) -> Written:
    year = ctx.year
    written = Written()
    for pk, unit in ctx.units.items():
        content = functools.partial(_plan_figures, unit, ctx.facts[pk])
        versions = _story_unless_present(PLAN, unit, ctx, content, written)
        for version in versions:
            version.row = QualityControlPlan(
                enterprise_id=pk, year=year, version=1, content=version.data
            )
        written.versions += versions
    _write(PLAN, written)
    return written


def _story_unless_present(kind, unit, ctx, figures, written: Written) -> list[Version]:
    """The unit's story, unless it has a version already: then nothing, but a draft of this
    demo's, unchanged, that the calendar has since seen submitted is replaced. `figures()` gives
    the record's content and its unfinished draft's (only when needed: they take time)."""
    here = ctx.existing.get(unit.id)
    if here is not None and here.first is not None:
        written.heal.append((kind.label, *here.first, ctx.dues[unit.id]))
        return []
    if here is not None and here.draft_pk is None:
        return []
    truth, draft = figures()
    if here is None:
        return story(kind, unit, ctx, truth, draft)
    if here.draft_data not in (truth, draft):
        return []
    versions = story(kind, unit, ctx, truth, draft)
    if not versions or versions[0].submitted_at is None:
        return []
    written.replaced.append(here.draft_pk)
    return versions


def _write(kind: Kind, written: Written) -> None:
    kind.model.objects.filter(pk__in=written.replaced).delete()
    rows = []
    for version in written.versions:
        row = version.row
        row.status = version.status
        if kind is REPORT:
            row.explanations = version.explanations
        row.submitted_at = version.submitted_at
        row.submitted_by_id = version.unit.submitted_by if version.submitted_at else None
        row.reviewed_at = version.reviewed_at
        row.reviewed_by_id = version.reviewed_by
        row.review_comment = version.review_comment
        rows.append(row)
    kind.model.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    _set_times(written.versions, kind.model)


def _meet(versions: list[Version], heal: list[tuple]) -> int:
    """Mark the obligations the submissions meet, as deadlines.services.fulfil does: those the
    calendar left unmet, on time or late by the submission's date, met by the submitter,
    fulfilled by the record."""
    submissions = [
        (version.kind.label, version.row.pk, version.submitted_at, version.row.submitted_by_id,
         version.dues)
        for version in versions
        if version.submitted_at is not None
    ] + heal  # fmt: skip
    now = timezone.now()
    changed = []
    for label, pk, submitted_at, by, dues in submissions:
        for due in dues:
            if due.status in MET:
                continue
            on_time = submitted_at.astimezone(SHANGHAI).date() <= due.due_on
            status = ObligationStatus.MET_ON_TIME if on_time else ObligationStatus.MET_LATE
            changed.append((due.pk, status, submitted_at, by, f"{label}:{pk}", now))
    _update(
        Obligation,
        {
            "status": "varchar",
            "met_at": "timestamptz",
            "met_by_id": "bigint",
            "fulfilment": "varchar",
            "updated_at": "timestamptz",
        },
        changed,
    )
    return len(changed)


def _accepted_emissions(versions: list[Version]) -> None:
    """The accepted reports' emissions become the years' reported figures, as reports.accept
    writes them."""
    if not versions:
        return
    existing = {
        (enterprise_id, year): pk
        for pk, enterprise_id, year in AnnualEmissions.objects.filter(
            enterprise__in=[v.unit.id for v in versions],
            year__in={v.year for v in versions},
            source=EmissionsSource.REPORTED,
        ).values_list("pk", "enterprise_id", "year")
    }
    updates, new = [], []
    for version in versions:
        key = (version.unit.id, version.year)
        if key in existing:
            updates.append((existing[key], version.row.emissions))
        else:
            new.append(
                AnnualEmissions(
                    enterprise_id=version.unit.id,
                    year=version.year,
                    source=EmissionsSource.REPORTED,
                    direct_emissions=version.row.emissions,
                )
            )
    _update(AnnualEmissions, {"direct_emissions": "numeric"}, updates)
    AnnualEmissions.objects.bulk_create(new, batch_size=BATCH_SIZE)


def _update(model, columns: dict[str, str], rows: list[tuple]) -> None:
    """Set `columns` (attribute name: PostgreSQL type) of rows given as (pk, *values). On
    PostgreSQL one UPDATE from arrays per UPDATE_CHUNK rows, as units.demo.deadlines does."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        names = [model._meta.get_field(column).name for column in columns]
        objects = [model(pk=row[0], **dict(zip(columns, row[1:], strict=True))) for row in rows]
        model.objects.bulk_update(objects, names, batch_size=BATCH_SIZE)
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = [quote(model._meta.get_field(column).column) for column in columns]
    statement = (
        f"UPDATE {table} SET {', '.join(f'{name} = v.{name}' for name in names)} "
        f"FROM unnest(%s::bigint[], {', '.join(f'%s::{kind}[]' for kind in columns.values())}) "
        f"AS v(id, {', '.join(names)}) WHERE {table}.id = v.id"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPDATE_CHUNK):
            chunk = rows[start : start + UPDATE_CHUNK]
            cursor.execute(statement, [list(column) for column in zip(*chunk, strict=True)])
