"""Allowances in the demo, as of a day: last year's allocation pre-allocated, determined and
issued, and its settlement in progress.

`seed_quotas(scale, today)` runs after the verification (units.demo.verification), whose
confirmed figures the allocation reads. With Y the year before `today`'s, for every province of
the scale and every sector with a Y allocation plan, the year's steps whose day has passed:

- pre-allocation (steel, cement, aluminium by April 10; power by June 30, from Y-1's verified
  data), determination (by September 20, from Y's confirmed verification) and issuance (by
  September 30): each batch drafted and submitted by the province's staff login (`shandong`,
  `staff-<code>`), the issuance recorded by it, and approved by the second pair of eyes
  (`shandong-approver`, `approver-<code>`). In the demo provinces through the real services
  (quotas.pre_allocation, quotas.determination, quotas.issuance and quotas.batch_workflow), one
  step after the other, audited and notified; elsewhere (the national scale) the approved steps
  are written at once as those services write them, with their own functions computing the
  figures, lines and inputs (without their audit events and notices): through the services they
  took a quarter of an hour. A batch whose units' data are missing stays a draft naming them, as
  the services keep it;
- settlement (due December 31): opened on October 9 by quotas.settlement_opening's service, and
  the units surrender over the autumn, most in one go, some with allowances of Y-1 or CCERs as
  well; by late November about two in three have settled and a few have surrendered a part. The
  demo logins' units keep theirs open with a part surrendered. The surrenders are written in
  bulk, each checked by the service's own rules, as record_surrender writes them (without audit
  events).

The services stamp the present moment; each step is then dated as of the story (the batch's
submission and approval, the obligations the approval met, the units' notices), as
units.demo.lists dates the lists. The notices are marked as e-mailed (the earlier steps' as
read): the e-mail task is not queued. Steps are taken only on days before the earlier of `today`
and the real date, which the services check dates against. What exists is left as it is (an
open settlement with only the demo's surrenders is completed as its days pass), so a rerun
changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils import timezone

from accounts.scoping import actor_for
from core.errors import DomainError
from deadlines import services as deadline_services
from deadlines.models import Notification, Obligation, ObligationKind, ObligationStatus
from quotas import (
    batch_access,
    batch_workflow,
    calculation,
    determination,
    drafting,
    inputs,
    issuance,
    pre_allocation,
    settlement_opening,
)
from quotas.models import (
    BATCH_OF_STEP,
    Adjustment,
    Allocation,
    AllocationBatch,
    AllocationPlan,
    BatchStatus,
    PreAllocationBasis,
    Settlement,
    SettlementStatus,
    Step,
    Surrender,
    SurrenderKind,
)
from quotas.surrenders import surrender_refusals, tallies_of
from units.demo.annual import _update
from units.demo.data import SMALL_PROVINCES, Scale
from units.demo.geography import PROVINCE_INFO
from units.demo.lists import ListStaff, Team, _no_email_task, ensure_list_staff
from units.demo.reporting import SHANGHAI, _demo_login_units, office_hours, rng, share
from units.demo.verification import _meet
from units.models import Province
from verification.models import VerifiedFigures

# The steps' days as (month, day) of the year after the compliance year: drafted, submitted (an
# issuance: also the day it records), approved.
PRE_ALLOCATION_DAYS = {
    "power": ((6, 15), (6, 22), (6, 24)),
    "other": ((4, 1), (4, 7), (4, 8)),
}
DETERMINATION_DAYS = ((9, 7), (9, 10), (9, 14))
ALLOCATION_DAYS = ((9, 24), (9, 28), (9, 29))
SETTLEMENTS_OPENED = (10, 9)
SURRENDERS_FROM = (10, 12)
SURRENDER_DAYS = 80  # to December 31
# The day a unit settles: SURRENDERS_FROM + SURRENDER_DAYS × u^SKEW (u uniform), so that about
# two in three have settled by late November.
SKEW = 1.4
# Out of 100 units: surrendering CCERs as well, allowances of the year before as well, and of
# those not yet settled, having surrendered a part.
CCER = 20
OLD_VINTAGE = 25
PARTLY = 40
LOGIN_PART_DAY = (11, 16)  # the demo logins' units surrendered a part then
LOGIN_SETTLES = (12, 22)
DRAFT_CREATORS = {
    Step.PRE_ALLOCATION: pre_allocation.draft_pre_allocation,
    Step.DETERMINATION: determination.draft_determination,
    Step.ALLOCATION: issuance.draft_allocation,
}
# The provinces whose steps go through the services one by one, audited and notified (the demo
# logins'); elsewhere the approved steps are written in bulk, as the services would write them:
# through the services they took a quarter of an hour at the national scale.
SERVICES = SMALL_PROVINCES
READ_LATER = (Step.PRE_ALLOCATION, Step.DETERMINATION)  # their notices read a day later


@dataclass(frozen=True)
class QuotasResult:
    today: date
    year: int
    approved: dict[str, int]  # batches this run approved, by step
    waiting: tuple[str, ...]  # batches left as drafts for missing data: what is missing
    issued: int  # allocations this run issued
    opened: int  # settlements this run opened
    settled: int  # settlements this run settled
    partly: int  # settlements with a part this run surrendered, still open


@dataclass
class Run:
    year: int
    limit: date  # steps happen on days before this one
    started: datetime
    approved: Counter = field(default_factory=Counter)
    waiting: list[str] = field(default_factory=list)
    issued: int = 0
    opened: int = 0
    settled: int = 0
    partly: int = 0
    batches: list[AllocationBatch] = field(default_factory=list)


@transaction.atomic
def seed_quotas(scale: Scale, *, today: date, staff: ListStaff | None = None) -> QuotasResult:
    """Last year's allowances in the scale's provinces as of `today` (see the module)."""
    staff = staff or ensure_list_staff(scale)
    run = Run(
        year=today.year - 1,
        limit=min(today, timezone.localdate()),
        started=timezone.now(),
    )
    codes = SMALL_PROVINCES if scale == "small" else tuple(PROVINCE_INFO)
    sectors = list(
        AllocationPlan.objects.filter(year=run.year)
        .order_by("sector")
        .values_list("sector", flat=True)
    )
    with _no_email_task(), _calendar_in_place():
        for province in Province.objects.filter(code__in=codes).order_by("code"):
            team = staff.teams[province.code]
            for sector in sectors:
                _allocate(run, province, sector, team, bulk=province.code not in SERVICES)
            _settle(run, province, team)
    _quiet(run.batches)
    return QuotasResult(
        today=today,
        year=run.year,
        approved=dict(run.approved),
        waiting=tuple(run.waiting),
        issued=run.issued,
        opened=run.opened,
        settled=run.settled,
        partly=run.partly,
    )


@contextmanager
def _calendar_in_place() -> Iterator[None]:
    """deadlines.services.fulfil first creates whatever obligations of the unit are missing; the
    demo calendar created them all for `today` already, so that step is left out while the demo
    approves and settles (it was most of the time at the national scale)."""
    generate = deadline_services.generate_obligations
    deadline_services.generate_obligations = lambda **kwargs: 0
    try:
        yield
    finally:
        deadline_services.generate_obligations = generate


def _moment(run: Run, month_day: tuple[int, int], *key: object) -> datetime:
    return office_hours(date(run.year + 1, *month_day), rng(*key, run.year, month_day))


def _local(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


# --- Allocation -----------------------------------------------------------------------------------


def _allocate(run: Run, province: Province, sector: str, team: Team, *, bulk: bool) -> None:
    """The sector's batches in the province, step after step while their days have passed:
    through the services, or (`bulk`) the approved steps written at once as they would."""
    plan = AllocationPlan.objects.prefetch_related("benchmarks").get(year=run.year, sector=sector)
    if not drafting.covered_enterprises(province, sector):
        return
    steps = [
        (Step.DETERMINATION, DETERMINATION_DAYS, plan.year),
        (Step.ALLOCATION, ALLOCATION_DAYS, plan.year),
    ]
    if plan.pre_allocation_basis != PreAllocationBasis.NONE:
        days = PRE_ALLOCATION_DAYS.get(sector, PRE_ALLOCATION_DAYS["other"])
        steps.insert(0, (Step.PRE_ALLOCATION, days, plan.basis_year))
    steps = [
        (step, tuple(_moment(run, day, province.code, sector, step) for day in days), data_year)
        for step, days, data_year in steps
    ]
    if bulk:
        _approve_in_bulk(run, province, plan, team, steps)
    for step, times, data_year in steps:
        if not _take(run, province, sector, step, times, team, data_year):
            break
    _date_allocations(run, province, sector, steps[0][1][0])


def _approve_in_bulk(run: Run, province: Province, plan, team: Team, steps: list[tuple]) -> None:
    """The steps approved by `run.limit`, for a sector not begun yet, written as the services
    would have: the figures, lines and inputs by their own functions, the batches prepared,
    submitted and approved by the two staff members, the calendar's obligations met; without
    their audit events and notices. A step with missing data, and a sector with adjustments to
    net, are left to the services."""
    sector = plan.sector
    if AllocationBatch.objects.filter(province=province, year=run.year, sector=sector).exists():
        return
    if Adjustment.objects.filter(
        year=run.year, enterprise__province=province, enterprise__industry__sector=sector
    ).exists():
        return
    enterprises = drafting.covered_enterprises(province, sector)
    rules = inputs.rules_of(plan)
    rows = {e.pk: Allocation(enterprise=e, year=run.year, plan=plan) for e in enterprises}
    approved_steps, pre_batch = [], None
    for step, (drafted, submitted, approved), data_year in steps:
        if _local(approved) >= run.limit:
            break
        figures = {}
        if step != Step.ALLOCATION:
            figures = _figures(plan, rules, enterprises, step, data_year)
            if figures is None:
                break
        batch = AllocationBatch.objects.create(
            province=province, year=run.year, sector=sector, step=step,
            status=BatchStatus.APPROVED, prepared_by=team.staff, submitted_by=team.staff,
            submitted_at=submitted, approved_by=team.approver, approved_at=approved,
        )  # fmt: skip
        _date_batch(batch, created=drafted, updated=approved)
        for pk, row in rows.items():
            setattr(row, BATCH_OF_STEP[step], batch)
            if step == Step.PRE_ALLOCATION:
                data, result = figures[pk]
                row.pre_allocated = result.total
                row.pre_allocation_lines = drafting.lines_json(result)
                row.pre_allocation_inputs = inputs.as_inputs_json(plan, rules, data)
            elif step == Step.DETERMINATION:
                data, result = figures[pk]
                determination.fill_determination(row, plan, rules, data, result, [], pre_batch)
            else:
                row.issued, row.issued_on = row.to_issue, _local(submitted)
        approved_steps.append((step, batch, approved))
        pre_batch = batch if step == Step.PRE_ALLOCATION else pre_batch
    if not approved_steps:
        return
    Allocation.objects.bulk_create(rows.values())
    for step, batch, approved in approved_steps:
        _meet(
            [
                (pk, due_on, approved, team.approver.pk, f"quotas.allocationbatch:{batch.pk}")
                for pk, due_on in Obligation.objects.filter(
                    kind=batch_workflow.OBLIGATION_OF_STEP[step],
                    enterprise__in=rows,
                    period_start=date(run.year, 1, 1),
                )
                .exclude(status__in=(ObligationStatus.MET_ON_TIME, ObligationStatus.MET_LATE))
                .values_list("pk", "due_on")
            ]
        )
        run.approved[step] += 1
        run.issued += len(rows) if step == Step.ALLOCATION else 0


def _figures(plan, rules, enterprises, step, data_year) -> dict[int, tuple] | None:
    """Each enterprise's inputs and result for a pre-allocation or determination, computed as
    draft_pre_allocation and draft_determination compute them; None when data are missing."""

    def pre_allocate(data):
        return calculation.pre_allocate(rules, data.facilities, basis_emissions=data.emissions)

    def determine(data):
        return calculation.allocate(rules, data.facilities, verified_emissions=data.emissions)

    formula = pre_allocate if step == Step.PRE_ALLOCATION else determine
    gathered = inputs.gather(plan, enterprises, data_year=data_year)
    figures = {}
    for enterprise in enterprises:
        data = gathered[enterprise.pk]
        result = drafting.compute_figure(data, formula)
        if result is None:
            return None
        figures[enterprise.pk] = (data, result)
    return figures


def _take(run, province, sector, step, times, team, data_year) -> bool:
    """Take the step as far as its days allow; whether it is approved."""
    drafted, submitted, approved = times
    staff, approver = actor_for(team.staff), actor_for(team.approver)
    batch = AllocationBatch.objects.filter(
        province=province, year=run.year, sector=sector, step=step
    ).first()
    redraft = batch is not None and batch.status == BatchStatus.DRAFT and _stale(batch, data_year)
    if batch is None or redraft:
        if _local(drafted) >= run.limit:
            return False
        try:
            draft = DRAFT_CREATORS[step]
            batch = draft(actor=staff, province=province, year=run.year, sector=sector)
        except DomainError as error:
            run.waiting.append(f"{province.name_zh} {sector} {step}: {error}")
            return False
        _date_batch(batch, created=drafted if not redraft else None, updated=drafted)
    if batch.status == BatchStatus.DRAFT:
        if _local(submitted) >= run.limit:
            return False
        if step == Step.ALLOCATION:
            issuance.record_issuance(actor=staff, batch=batch, issued_on=_local(submitted))
        missing = _missing(batch)
        if missing:
            run.waiting.append(f"{province.name_zh} {sector} {step}: {'、'.join(missing)}")
            return False
        batch = batch_workflow.submit_batch(actor=staff, batch=batch)
        _date_batch(batch, submitted=submitted, updated=submitted)
    if batch.status == BatchStatus.SUBMITTED:
        if _local(approved) >= run.limit:
            return False
        batch = batch_workflow.approve_batch(actor=approver, batch=batch)
        _date_batch(batch, approved=approved, updated=approved)
        _date_obligations(batch, approved)
        run.approved[step] += 1
        run.batches.append(batch)
        if step == Step.ALLOCATION:
            run.issued += batch_access.allocations_in(batch).count()
    return batch.status == BatchStatus.APPROVED


def _missing(batch: AllocationBatch) -> list[str]:
    """The units of a draft whose data are missing (an issuance has none)."""
    if batch.step == Step.ALLOCATION:
        return []
    stored = {Step.PRE_ALLOCATION: "pre_allocation_inputs"}.get(batch.step, "determination_inputs")
    return [
        name
        for name, inputs in batch_access.allocations_in(batch)
        .order_by("enterprise__name_zh")
        .values_list("enterprise__name_zh", stored)
        if (inputs or {}).get("missing")
    ]


def _stale(batch: AllocationBatch, data_year: int) -> bool:
    """A draft that lacked units' data which are there now: it is drafted again."""
    if not _missing(batch):
        return False
    covered = [e.pk for e in drafting.covered_enterprises(batch.province, batch.sector)]
    found = VerifiedFigures.objects.filter(enterprise__in=covered, year=data_year).count()
    return found == len(covered)


def _date_batch(batch: AllocationBatch, *, updated: datetime, **moments: datetime | None) -> None:
    """The batch's moments as of the story (the services stamped the present one)."""
    values = {f"{name}_at": at for name, at in moments.items() if at is not None}
    AllocationBatch.objects.filter(pk=batch.pk).update(updated_at=updated, **values)
    for name, value in values.items():
        setattr(batch, name, value)


def _date_obligations(batch: AllocationBatch, approved: datetime) -> None:
    """The obligations the approval met (those the calendar left unmet), met on its day."""
    rows = Obligation.objects.filter(
        kind=batch_workflow.OBLIGATION_OF_STEP[batch.step],
        province=batch.province_id,
        period_start=date(batch.year, 1, 1),
        fulfilment=f"quotas.allocationbatch:{batch.pk}",
    )
    _update(
        Obligation,
        {"status": "varchar", "met_at": "timestamptz"},
        [
            (
                pk,
                ObligationStatus.MET_ON_TIME
                if _local(approved) <= due_on
                else ObligationStatus.MET_LATE,
                approved,
            )
            for pk, due_on in rows.values_list("pk", "due_on")
        ],
    )


def _date_allocations(run: Run, province: Province, sector: str, first: datetime | None) -> None:
    """The sector's allocations created by this run were created on the first step's day, and
    last changed by the last step approved."""
    rows = Allocation.objects.filter(
        year=run.year, enterprise__province=province, enterprise__industry__sector=sector
    )
    batches = AllocationBatch.objects.filter(
        province=province, year=run.year, sector=sector, updated_at__lt=run.started
    )
    last = batches.order_by("-updated_at").values_list("updated_at", flat=True).first()
    if first is None or last is None:
        return
    rows.filter(created_at__gte=run.started).update(created_at=first)
    rows.filter(updated_at__gte=run.started).update(updated_at=last)


# --- Settlement -----------------------------------------------------------------------------------


def _settle(run: Run, province: Province, team: Team) -> None:
    """Open the year's settlements on their day, then the surrenders whose days have passed."""
    opened = _moment(run, SETTLEMENTS_OPENED, province.code, "settlements")
    if _local(opened) >= run.limit:
        return
    staff = actor_for(team.staff)
    waiting = (
        Allocation.objects.filter(
            year=run.year, enterprise__province=province, determined__isnull=False
        )
        .exclude(enterprise__settlements__year=run.year)
        .filter(enterprise__verified_figures__year=run.year)
    )
    if waiting.exists():
        result = settlement_opening.open_settlements(actor=staff, province=province, year=run.year)
        run.opened += result.created
        Settlement.objects.filter(
            enterprise__province=province, year=run.year, created_at__gte=run.started
        ).update(created_at=opened, updated_at=opened)
    _surrender(run, province, team)


def _surrender(run: Run, province: Province, team: Team) -> None:
    """The surrenders whose days have passed, of the open settlements that have only the
    demo's (or none), written in bulk as quotas.surrenders.record_surrender would: each checked
    by its rules (`surrender_refusals`), the settlement settled on the day the last one covers
    the obligation, on time or late, and its calendar obligation met as
    deadlines.services.fulfil marks it."""
    logins = _demo_login_units()
    rows = list(
        Settlement.objects.filter(
            enterprise__province=province, year=run.year, status=SettlementStatus.OPEN
        )
        .select_related("enterprise")
        .prefetch_related("surrenders")
        .order_by("enterprise__uscc")
    )
    tallies = tallies_of(rows)
    surrenders, dated, settled, partly = [], [], [], []
    for row in rows:
        tally, code = tallies[row.pk], row.enterprise.uscc
        done = {s.registry_reference for s in row.surrenders.all()}
        if any(not ref.startswith(_reference(run, code, "")) for ref in done):
            continue  # someone else's surrenders: not the demo's to complete
        parts = _surrenders(run, row, row.enterprise_id in logins, tally.ccer_allowed)
        added = 0
        for n, (kind, vintage, quantity, day) in enumerate(parts, start=1):
            if _reference(run, code, n) in done:
                continue
            if day >= run.limit:
                break
            refused = surrender_refusals(
                tally, kind=kind, quantity=quantity, vintage=vintage, on=day
            )
            if refused:
                raise ValueError(f"demo surrender of {code}: {refused}")
            surrenders.append(
                Surrender(
                    settlement=row, kind=kind, vintage=vintage, quantity=quantity,
                    surrendered_on=day, registry_reference=_reference(run, code, n),
                    recorded_by=team.staff,
                )
            )  # fmt: skip
            dated.append(office_hours(day, rng(code, day)))
            tally.add(kind, quantity, day)
            added += 1
        if added and tally.covered:
            on_time = tally.last_on <= row.due_on
            row.status = SettlementStatus.ON_TIME if on_time else SettlementStatus.LATE
            row.settled_on = tally.last_on
            settled.append((row, dated[-1]))
            run.settled += 1
        elif added:
            run.partly += 1
            partly.append((row.pk, dated[-1]))
    Surrender.objects.bulk_create(surrenders)
    _update(
        Surrender,
        {"created_at": "timestamptz"},
        [(row.pk, at) for row, at in zip(surrenders, dated, strict=True)],
    )
    _update(
        Settlement,
        {"status": "varchar", "settled_on": "date", "updated_at": "timestamptz"},
        [(row.pk, row.status, row.settled_on, at) for row, at in settled],
    )
    _update(Settlement, {"updated_at": "timestamptz"}, partly)
    _meet_settlements([row for row, _at in settled], team)


def _meet_settlements(rows: list[Settlement], team: Team) -> None:
    """The settlement obligations the settled ones met (those the calendar left unmet), at noon
    of the day settled, as quotas.surrenders marks them."""
    by_unit = {row.enterprise_id: row for row in rows}
    due = Obligation.objects.filter(
        kind=ObligationKind.SETTLEMENT,
        enterprise__in=by_unit,
        period_start__in={date(row.year, 1, 1) for row in rows},
    ).exclude(status__in=(ObligationStatus.MET_ON_TIME, ObligationStatus.MET_LATE))
    _meet(
        [
            (pk, due_on, _noon(by_unit[enterprise_id].settled_on), team.staff.pk,
             f"quotas.settlement:{by_unit[enterprise_id].pk}")
            for pk, enterprise_id, due_on in due.values_list("pk", "enterprise_id", "due_on")
        ]
    )  # fmt: skip


def _noon(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def _reference(run: Run, code: str, n: int | str) -> str:
    """The registry's reference of the unit's n-th surrender of the year."""
    return f"CEA{run.year}-{code}-{n}"


def _surrenders(run: Run, row: Settlement, login: bool, ccer_allowed: Decimal) -> list[tuple]:
    """The unit's surrenders: (kind, vintage, tonnes, day), in the order they were made; the
    last one completes the obligation."""
    code, year = row.enterprise.uscc, run.year
    r = rng(code, year, "settlement")
    first = date(year + 1, *SURRENDERS_FROM)
    settles = first + timedelta(days=round(SURRENDER_DAYS * r.random() ** SKEW))
    owed = row.obligation
    if login:
        part = (owed * Decimal("0.6")).quantize(Decimal(1), ROUND_DOWN)
        return [
            (SurrenderKind.ALLOWANCE, year, part, date(year + 1, *LOGIN_PART_DAY)),
            (SurrenderKind.ALLOWANCE, year, owed - part, date(year + 1, *LOGIN_SETTLES)),
        ]
    parts = []
    if share(code, year, "partly") < PARTLY:
        early = (owed * Decimal(repr(r.uniform(0.3, 0.7)))).quantize(Decimal(1), ROUND_DOWN)
        day = max(first, settles - timedelta(days=20 + r.randrange(20)))
        parts.append((SurrenderKind.ALLOWANCE, year, early, day))
    if share(code, year, "old vintage") < OLD_VINTAGE:
        rest = owed - sum(p[2] for p in parts)
        old = (rest * Decimal(repr(r.uniform(0.2, 0.5)))).quantize(Decimal(1), ROUND_DOWN)
        parts.append((SurrenderKind.ALLOWANCE, year - 1, old, settles - timedelta(days=2)))
    if share(code, year, "ccer") < CCER:
        wanted = (owed * Decimal(repr(r.uniform(0.02, 0.05)))).quantize(Decimal(1), ROUND_DOWN)
        ccer = min(ccer_allowed, wanted)
        parts.append((SurrenderKind.CCER, None, ccer, settles - timedelta(days=1)))
    rest = owed - sum(p[2] for p in parts)
    parts.append((SurrenderKind.ALLOWANCE, year, rest, settles))
    return sorted((p for p in parts if p[2] >= 1), key=lambda p: p[3])


def _quiet(batches: list[AllocationBatch]) -> None:
    """The approvals' notices to the units: dated as the approval, already e-mailed, and those
    of the earlier steps read the day after."""
    for batch in batches:
        notices = Notification.objects.filter(dedupe_key__startswith=f"allocation:{batch.pk}:")
        notices.update(created_at=batch.approved_at, emailed_at=batch.approved_at)
        if batch.step in READ_LATER:
            notices.update(read_at=batch.approved_at + timedelta(days=1))
