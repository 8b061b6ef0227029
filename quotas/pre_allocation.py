"""Pre-allocation of allowances (issue 7 item 2): from the plan's basis year's verified data,
the plan's ratio of its formula (or of the basis year's verified emissions), per facility and
summed per enterprise. Approval (quotas.batch_workflow) meets the calendar's pre-allocation
obligation of each enterprise and makes its PDF notice available.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import scoping
from core.errors import DomainError
from quotas import inputs
from quotas.batch_access import require_staff
from quotas.drafting import StepFields, batch_of, calculate_step, lines_json, open_draft, plan_for
from quotas.models import AllocationBatch, PreAllocationBasis, Step
from units.models import Province

PRE_ALLOCATION_FIELDS = StepFields(
    audited=("plan", "pre_allocated"),
    saved=(
        "plan",
        "pre_allocated",
        "pre_allocation_lines",
        "pre_allocation_inputs",
        "pre_allocation_batch",
    ),
    cleared={
        "pre_allocated": None,
        "pre_allocation_lines": [],
        "pre_allocation_inputs": {},
        "pre_allocation_batch": None,
    },
)


@transaction.atomic
def draft_pre_allocation(
    *, actor: scoping.Actor, province: Province, year: int, sector: str
) -> AllocationBatch:
    """Draft (or refresh the draft of) the pre-allocation of the province's covered units:
    the plan's ratio of its formula on the basis year's verified data (or of the basis year's
    verified emissions), per facility and summed per enterprise."""
    require_staff(actor, province.pk)
    plan = plan_for(year, sector)
    if plan.pre_allocation_basis == PreAllocationBasis.NONE:
        raise DomainError(
            _("The %(year)d plan of this sector has no pre-allocation.") % {"year": year},
            field="step",
        )
    if batch_of(province, year, sector, Step.DETERMINATION) is not None:
        raise DomainError(
            _("The determination of this sector and year has begun: the pre-allocation is final.")
        )
    batch = open_draft(actor, province, year, sector, Step.PRE_ALLOCATION)

    def fill(allocation, rules, data, result):
        allocation.pre_allocated = result.total if result else None
        allocation.pre_allocation_lines = lines_json(result)
        allocation.pre_allocation_inputs = inputs.as_inputs_json(plan, rules, data)

    calculate_step(
        actor, batch, plan, data_year=plan.basis_year, fields=PRE_ALLOCATION_FIELDS, fill=fill
    )
    return batch
