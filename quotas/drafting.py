"""Drafting a pre-allocation or a determination: the plan of the year and sector, the covered
enterprises (the province's active units of the plan's sector, in the market), the draft batch
opened (or refreshed while a draft), and each covered enterprise's figure computed and stored on
its Allocation with the lines and every input (quotas.inputs), so `quotas.recompute` gives the
same figures from the stored inputs alone. An enterprise whose data is missing is kept in the
batch with the missing item named; a batch with such an enterprise cannot be submitted. New and
changed figures are audited (before/after); enterprises no longer covered leave the draft.
"""

from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.errors import DomainError
from core.models import AuditAction
from quotas import calculation, inputs
from quotas.batch_access import BATCH_FIELDS, record_batch, require_status
from quotas.models import (
    BATCH_OF_STEP,
    Allocation,
    AllocationBatch,
    AllocationPlan,
    BatchStatus,
    Step,
)
from units.models import Enterprise, EnterpriseStatus, Province


def plan_for(year: int, sector: str) -> AllocationPlan:
    plan = AllocationPlan.objects.prefetch_related("benchmarks").filter(year=year, sector=sector)
    found = plan.first()
    if found is None:
        raise DomainError(
            _("There is no %(year)d allocation plan for this sector; an administrator enters it.")
            % {"year": year},
            field="sector",
        )
    return found


def covered_enterprises(province: Province, sector: str) -> list[Enterprise]:
    """The province's active units of the sector in the trading market, facilities prefetched."""
    return list(
        Enterprise.objects.filter(
            province=province,
            status=EnterpriseStatus.ACTIVE,
            industry__sector=sector,
            industry__is_market_sector=True,
        )
        .select_related("province")
        .prefetch_related("facilities")
        .order_by("name_zh", "pk")
    )


def batch_of(province: Province, year: int, sector: str, step: str) -> AllocationBatch | None:
    return AllocationBatch.objects.filter(
        province=province, year=year, sector=sector, step=step
    ).first()


def open_draft(actor, province: Province, year: int, sector: str, step: str):
    """The draft batch of the step, created if there is none; refused once submitted. Drafting
    is serialised per province (its row locked) so two staff cannot create the batch twice."""
    Province.objects.select_for_update().filter(pk=province.pk).first()
    batch = (
        AllocationBatch.objects.select_for_update()
        .select_related("province")
        .filter(province=province, year=year, sector=sector, step=step)
        .first()
    )
    if batch is None:
        batch = AllocationBatch.objects.create(
            province=province, year=year, sector=sector, step=step, prepared_by=actor.user
        )
        record_batch(actor, batch, {}, action=AuditAction.CREATE)
        return batch
    require_status(batch, BatchStatus.DRAFT)
    if batch.prepared_by_id != actor.user.pk:
        before = audit.snapshot(batch, BATCH_FIELDS)
        batch.prepared_by = actor.user
        batch.save(update_fields=["prepared_by", "updated_at"])
        record_batch(actor, batch, before, action=AuditAction.UPDATE)
    return batch


def _allocations_for(year: int, enterprises: list[Enterprise], batch_field: str, batch) -> dict:
    """The year's allocations of the covered enterprises and those already in the batch,
    locked, by enterprise id."""
    rows = (
        Allocation.objects.select_for_update(of=("self",))
        .filter(
            Q(year=year, enterprise__in=[e.pk for e in enterprises]) | Q(**{batch_field: batch})
        )
        # The plan too: the audit snapshot names it.
        .select_related("enterprise", "plan")
    )
    return {row.enterprise_id: row for row in rows}


def lines_json(result: calculation.Result | None) -> list[dict]:
    return [line.as_json() for line in result.lines] if result else []


def _save_allocations(actor, batch, rows: list[tuple], fields: tuple, model_fields: list):
    """Create or update the allocations (rows of allocation, figures before, is new), auditing
    each that is new or whose figures changed."""
    now = timezone.now()
    for allocation, _before, is_new in rows:
        if not is_new:
            allocation.updated_at = now
    Allocation.objects.bulk_create([row[0] for row in rows if row[2]])
    Allocation.objects.bulk_update(
        [row[0] for row in rows if not row[2]], [*model_fields, "updated_at"]
    )
    events = []
    for allocation, before, is_new in rows:
        after = {**audit.snapshot(allocation, fields), "missing": missing_of(allocation, batch)}
        changes = audit.diff(before, after)
        if changes or is_new:
            events.append(
                audit.build(
                    actor=actor.user,
                    action=AuditAction.CALCULATE,
                    target=allocation,
                    tenant_code=batch.province.code,
                    changes=changes,
                    note=f"quotas.allocationbatch:{batch.pk} {batch.step}",
                )
            )
    audit.record_many(events)


def missing_of(allocation: Allocation, batch: AllocationBatch) -> str:
    stored = (
        allocation.pre_allocation_inputs
        if batch.step == Step.PRE_ALLOCATION
        else allocation.determination_inputs
    )
    return "; ".join((stored or {}).get("missing", []))


def _summary(batch: AllocationBatch) -> dict:
    field = {
        Step.PRE_ALLOCATION: "pre_allocated",
        Step.DETERMINATION: "to_issue",
        Step.ALLOCATION: "issued",
    }[batch.step]
    rows = Allocation.objects.filter(**{BATCH_OF_STEP[batch.step]: batch})
    figures = rows.aggregate(units=Count("pk"), total=Sum(field))
    total = figures["total"]
    return {"units": figures["units"], "total": None if total is None else str(total)}


def _release(actor, batch: AllocationBatch, allocations: list[Allocation], step_fields: dict):
    """Take allocations of enterprises no longer covered out of the draft batch (audited)."""
    events = []
    for allocation in allocations:
        before = audit.snapshot(allocation, tuple(step_fields))
        for name, value in step_fields.items():
            setattr(allocation, name, value)
        allocation.save(update_fields=[*step_fields, "updated_at"])
        events.append(
            audit.build(
                actor=actor.user,
                action=AuditAction.CALCULATE,
                target=allocation,
                tenant_code=batch.province.code,
                changes=audit.diff(before, audit.snapshot(allocation, tuple(step_fields))),
                note=f"quotas.allocationbatch:{batch.pk} no longer covered",
            )
        )
    audit.record_many(events)


@dataclass(frozen=True)
class StepFields:
    """What a drafted step writes on an Allocation: the figures audited, every field saved,
    and the values that take an enterprise no longer covered out of the draft."""

    audited: tuple
    saved: tuple
    cleared: dict


def _covered(province: Province, sector: str) -> list[Enterprise]:
    enterprises = covered_enterprises(province, sector)
    if not enterprises:
        raise DomainError(
            _("The province has no active unit of this sector in the market."), field="sector"
        )
    return enterprises


def calculate_step(actor, batch, plan, *, data_year: int, fields: StepFields, fill) -> None:
    """Compute the step for every covered enterprise from the data year's verified data:
    `fill(allocation, rules, inputs, result)` sets the step's figures, lines and inputs. New
    and changed figures are audited; enterprises no longer covered leave the draft."""
    enterprises = _covered(batch.province, batch.sector)
    rules = inputs.rules_of(plan)
    gathered = inputs.gather(plan, enterprises, data_year=data_year)
    batch_field = BATCH_OF_STEP[batch.step]
    existing = _allocations_for(batch.year, enterprises, batch_field, batch)
    formula = (
        (lambda d: calculation.pre_allocate(rules, d.facilities, basis_emissions=d.emissions))
        if batch.step == Step.PRE_ALLOCATION
        else (lambda d: calculation.allocate(rules, d.facilities, verified_emissions=d.emissions))
    )
    rows = []
    for enterprise in enterprises:
        allocation = existing.pop(enterprise.pk, None) or Allocation(
            enterprise=enterprise, year=batch.year, plan=plan
        )
        in_batch = getattr(allocation, f"{batch_field}_id") == batch.pk
        before = {
            **audit.snapshot(allocation, fields.audited),
            "missing": missing_of(allocation, batch) if in_batch else "",
        }
        data = gathered[enterprise.pk]
        allocation.plan = plan
        fill(allocation, rules, data, compute_figure(data, formula))
        setattr(allocation, batch_field, batch)
        rows.append((allocation, before, allocation.pk is None))
    _save_allocations(actor, batch, rows, fields.audited, list(fields.saved))
    _release(actor, batch, list(existing.values()), fields.cleared)
    record_calculated(actor, batch, plan)


def compute_figure(data: inputs.EnterpriseInputs, formula) -> calculation.Result | None:
    """The figure, or None with the missing item named in the inputs."""
    if data.missing:
        return None
    try:
        return formula(data)
    except calculation.MissingData as error:
        data.missing.append(str(error))
        return None


def record_calculated(actor, batch: AllocationBatch, plan: AllocationPlan) -> None:
    audit.record(
        actor=actor.user,
        action=AuditAction.CALCULATE,
        target=batch,
        tenant_code=batch.province.code,
        changes={"summary": {"before": None, "after": _summary(batch)}},
        note=f"plan {plan.year} {plan.sector}",
    )
