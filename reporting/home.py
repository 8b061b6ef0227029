"""An enterprise user's yearly work for the home page: the data quality control plans and the
annual emission reports the calendar asks for and that are not submitted yet, the versions the
province returned, and the drafts. Three queries, however many units, years and versions."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from accounts import scoping
from deadlines.models import Obligation, ObligationKind
from reporting import plans, reports
from reporting.models import AnnualReport, QualityControlPlan, SubmissionStatus
from units.models import Enterprise

# What the home page shows of a version: enough for its sentence and its link.
FIELDS = ("public_id", "enterprise_id", "year", "version", "status", "review_comment")


@dataclass(frozen=True)
class Due:
    """A plan or report of a unit and year that the calendar asks for and that is not submitted:
    to start, or to finish when `draft` is there."""

    enterprise: Enterprise
    year: int
    obligation: Obligation
    draft: QualityControlPlan | AnnualReport | None


@dataclass(frozen=True)
class Open:
    """A version that waits for the enterprise: returned by the province, or a draft that no
    due item already names."""

    enterprise: Enterprise
    record: QualityControlPlan | AnnualReport


@dataclass(frozen=True)
class Work:
    due: list[Due] = field(default_factory=list)
    returned: list[Open] = field(default_factory=list)
    drafts: list[Open] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.due or self.returned or self.drafts)


@dataclass(frozen=True)
class YearlyWork:
    plans: Work
    reports: Work


def yearly_work(*, actor: scoping.Actor, enterprises: list[Enterprise], today: date) -> YearlyWork:
    """What the units' users must do about plans (the coming year's, due Dec 31) and annual
    reports (last year's, due Mar 31). What is due comes from the calendar alone: a unit the
    calendar has no such obligation for is not asked, and a met obligation asks nothing."""
    by_pk = {enterprise.pk: enterprise for enterprise in enterprises}
    plan_kind, report_kind = ObligationKind.QUALITY_CONTROL_PLAN, ObligationKind.ANNUAL_REPORT
    unmet = (
        scoping.visible(actor, Obligation)
        .unmet()
        .filter(enterprise__in=list(by_pk))
        .filter(
            Q(kind=plan_kind, period_start__in=_starts(plans.plan_years(today)))
            | Q(kind=report_kind, period_start__in=_starts(reports.report_years(today)))
        )
        .order_by("due_on", "pk")
    )
    obligations: dict[str, list[Obligation]] = {plan_kind: [], report_kind: []}
    for obligation in unmet:
        obligations[obligation.kind].append(obligation)
    return YearlyWork(
        plans=_work(actor, QualityControlPlan, obligations[plan_kind], by_pk),
        reports=_work(actor, AnnualReport, obligations[report_kind], by_pk),
    )


def _starts(years: list[int]) -> list[date]:
    return [date(year, 1, 1) for year in years]


def _work(actor, model, obligations: list[Obligation], by_pk: dict[int, Enterprise]) -> Work:
    versions = list(
        scoping.visible(actor, model)
        .filter(enterprise__in=list(by_pk))
        .exclude(status=SubmissionStatus.SUPERSEDED)
        .only(*FIELDS)
        .order_by("year", "enterprise__name_zh", "version")
    )
    drafts = {(v.enterprise_id, v.year): v for v in versions if v.status == SubmissionStatus.DRAFT}
    # A unit and year with a standing version has submitted, whatever the calendar still says.
    submitted = {(v.enterprise_id, v.year) for v in versions if v.status in plans.STANDING}
    due = [
        Due(by_pk[o.enterprise_id], o.period_start.year, o, drafts.get(key))
        for o in obligations
        if (key := (o.enterprise_id, o.period_start.year)) not in submitted
    ]
    named = {item.draft.pk for item in due if item.draft}
    return Work(
        due=due,
        returned=[
            Open(by_pk[v.enterprise_id], v)
            for v in versions
            if v.status == SubmissionStatus.RETURNED and (v.enterprise_id, v.year) not in drafts
        ],
        drafts=[
            Open(by_pk[v.enterprise_id], v)
            for v in versions
            if v.status == SubmissionStatus.DRAFT and v.pk not in named
        ],
    )
