"""How a province's settlements of a year stand: the compliance summary table
(清缴完成和处理情况汇总表, domain-facts §3), its 备注 in the document's Chinese, and the progress
against the year's interim targets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.db.models import Count, Q

from accounts import scoping
from quotas.models import ComplianceTarget, Settlement, SettlementStatus
from quotas.settlement_access import SETTLED
from quotas.settlement_closing import YUAN
from quotas.settlement_selectors import settlements_for, visible_settlements
from quotas.surrenders import tonnes
from units.models import Province


def zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class SummaryRow:
    """One row of the compliance summary table (清缴完成和处理情况汇总表, domain-facts §3)."""

    number: int
    name: str
    on_time: str
    late: str
    not_settled: str
    penalised: str
    remark: str


YES, NO, NOT_APPLICABLE = "是", "否", "—"


def _remark(settlement: Settlement) -> str:
    """The 备注 column, in the document's Chinese."""
    if settlement.status == SettlementStatus.LATE:
        return f"{zh_date(settlement.settled_on)}完成清缴"
    if settlement.status == SettlementStatus.NOT_SETTLED:
        case = getattr(settlement, "case", None)
        if case is None:
            return "未完成清缴"
        return f"未足额清缴{tonnes(case.shortfall)}吨，责令于{zh_date(case.correction_due)}前改正"
    if settlement.status == SettlementStatus.OPEN:
        remaining = settlement.obligation - settlement.surrendered
        return f"清缴期内，尚需清缴{tonnes(max(remaining, 0))}吨"
    return ""


def compliance_summary(*, actor: scoping.Actor, province: Province, year: int) -> list[SummaryRow]:
    """The summary table's rows, one per settlement of the year, in the list's order."""
    rows = []
    for number, settlement in enumerate(
        settlements_for(actor=actor, province=province, year=year), start=1
    ):
        status = settlement.status
        case = getattr(settlement, "case", None)
        not_in_time = status in (SettlementStatus.LATE, SettlementStatus.NOT_SETTLED)
        penalised = case is not None and case.penalty_decided is not None
        rows.append(
            SummaryRow(
                number=number,
                name=settlement.enterprise.name_zh,
                on_time=YES if status == SettlementStatus.ON_TIME else NO,
                late=YES if status == SettlementStatus.LATE else NO,
                not_settled=YES if status == SettlementStatus.NOT_SETTLED else NO,
                penalised=(YES if penalised else NO) if not_in_time else NOT_APPLICABLE,
                remark=_remark(settlement),
            )
        )
    return rows


@dataclass(frozen=True)
class TargetProgress:
    target: ComplianceTarget
    as_of: date
    settled: int
    total: int

    @property
    def share_pct(self) -> Decimal:
        if not self.total:
            return Decimal(0)
        return (Decimal(self.settled) * 100 / self.total).quantize(YUAN, ROUND_HALF_UP)

    @property
    def needed(self) -> int:
        """Enterprises still to settle to reach the target share."""
        wanted = (self.target.share_pct * self.total / 100).to_integral_value(ROUND_CEILING)
        return max(int(wanted) - self.settled, 0)

    @property
    def state(self) -> str:
        if self.total and self.needed == 0:
            return "met"
        return "in_progress" if self.as_of < self.target.by_date else "missed"


def target_progress(
    *, actor: scoping.Actor, province: Province, year: int, today: date
) -> list[TargetProgress]:
    """Each interim target of the year: the share of the province's settlements settled by the
    target date (or by today, before that date) against the target share."""
    targets = list(ComplianceTarget.objects.filter(year=year).order_by("by_date"))
    if not targets:
        return []
    found = visible_settlements(actor).filter(enterprise__province=province, year=year)
    as_of = {target.pk: min(today, target.by_date) for target in targets}
    totals = found.aggregate(
        total=Count("pk"),
        **{
            f"t{target.pk}": Count(
                "pk", filter=Q(status__in=SETTLED, settled_on__lte=as_of[target.pk])
            )
            for target in targets
        },
    )
    return [
        TargetProgress(target, as_of[target.pk], totals[f"t{target.pk}"], totals["total"])
        for target in targets
    ]
