"""Every write to the annual list: formulation, overrides, the four-eyes workflow, publication
(with its obligation and notices) and correction by revision. Each takes the acting user, runs
in one transaction and is audited."""

from collections import defaultdict
from datetime import date

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import scoping
from core import audit, four_eyes
from core.errors import DomainError, PermissionDenied
from core.models import AuditAction
from deadlines import services as deadlines
from units.lists.inclusion import Proposal, UnitFacts, evaluate
from units.lists.notices import notify_publication
from units.models import (
    AnnualEmissions,
    Decision,
    Enterprise,
    Facility,
    InclusionRule,
    ListEntry,
    ListStatus,
    Province,
    UnitList,
)

LIST_FIELDS = ("status", "revision", "submitted_by", "approved_by", "published_at")
INCLUDED = (Decision.NEW, Decision.CONTINUING)
FROZEN_FIELDS = [
    "published_name",
    "published_uscc",
    "published_city_zh",
    "published_city_en",
    "published_industry_code",
    "published_industry_zh",
    "published_industry_en",
]


def _require_staff(actor: scoping.Actor, province: Province) -> None:
    """Lists are the provincial department's: province-wide staff (or administrators) only."""
    if not (actor.is_administrator or scoping.staff_covers(actor, province.pk, None)):
        raise PermissionDenied(_("Only the province's staff can work on its list."))


def _lock(actor: scoping.Actor, unit_list: UnitList) -> UnitList:
    locked = scoping.get_visible(
        actor,
        UnitList.objects.select_for_update(of=("self",)).select_related("province"),
        pk=unit_list.pk,
    )
    _require_staff(actor, locked.province)
    return locked


def _record(actor, unit_list, before, *, action=AuditAction.STATUS, note=""):
    audit.record(
        actor=actor.user,
        action=action,
        target=unit_list,
        tenant_code=unit_list.province.code,
        changes=audit.diff(before, audit.snapshot(unit_list, LIST_FIELDS)),
        note=note,
    )


def previous_published(province: Province, year: int) -> UnitList | None:
    return UnitList.objects.filter(
        province=province, year=year - 1, status=ListStatus.PUBLISHED
    ).first()


def _facts(province: Province, year: int) -> tuple[list[Enterprise], dict[int, UnitFacts]]:
    """Everything the rules need about every unit of the province, in a fixed number of queries."""
    enterprises = list(
        Enterprise.objects.filter(province=province).select_related("industry", "merged_into")
    )
    ids = [e.pk for e in enterprises]
    verified, reported = defaultdict(dict), defaultdict(dict)
    rows = AnnualEmissions.objects.filter(enterprise__in=ids, year__lte=year).values_list(
        "enterprise_id", "year", "source", "direct_emissions"
    )
    for enterprise_id, row_year, source, direct in rows:
        (verified if source == "verified" else reported)[enterprise_id][row_year] = direct
    commissioned = defaultdict(list)
    for enterprise_id, day in Facility.objects.filter(
        enterprise__in=ids, commissioned_on__isnull=False
    ).values_list("enterprise_id", "commissioned_on"):
        commissioned[enterprise_id].append(day)
    previous = previous_published(province, year)
    on_previous = set(
        previous.entries.filter(decision__in=INCLUDED).values_list("enterprise_id", flat=True)
        if previous
        else []
    )
    facts = {
        e.pk: UnitFacts(
            status=e.status,
            verified=verified[e.pk],
            reported=reported[e.pk],
            commissioned=commissioned[e.pk],
            on_previous_list=e.pk in on_previous,
            merged_into=str(e.merged_into or ""),
        )
        for e in enterprises
    }
    return enterprises, facts


def propose(province: Province, year: int) -> dict[int, Proposal]:
    """The rules' proposal for every unit of the province that a rule of that year covers."""
    rules = {rule.sector: rule for rule in InclusionRule.objects.filter(list_year=year)}
    if not rules:
        raise DomainError(
            _("There are no inclusion rules for %(year)d yet; an administrator adds them.")
            % {"year": year}
        )
    enterprises, facts = _facts(province, year)
    return {
        e.pk: evaluate(rules[e.industry.sector], facts[e.pk])
        for e in enterprises
        if e.industry.sector in rules
    }


@transaction.atomic
def formulate(*, actor: scoping.Actor, province: Province, year: int) -> UnitList:
    """Draft (or refresh the draft of) the province's list for `year` from the rules.

    Overrides made on the draft are kept where the new proposal still differs from them.
    """
    _require_staff(actor, province)
    unit_list = (
        UnitList.objects.select_for_update()
        .filter(
            province=province,
            year=year,
            status__in=[ListStatus.DRAFT, ListStatus.SUBMITTED, ListStatus.APPROVED],
        )
        .first()
    )
    if unit_list is not None and unit_list.status != ListStatus.DRAFT:
        raise DomainError(
            _("The list is with its approver; it can be recalculated once returned to draft.")
        )
    if unit_list is None:
        if UnitList.objects.filter(
            province=province, year=year, status=ListStatus.PUBLISHED
        ).exists():
            raise DomainError(_("This list is published; correct it by starting a revision."))
        unit_list = UnitList.objects.create(province=province, year=year)
    before = dict(
        unit_list.entries.order_by()
        .values_list("decision")
        .annotate(n=Count("pk"))
        .values_list("decision", "n")
    )
    proposals = propose(province, year)
    _apply(unit_list, proposals)
    unit_list.formulated_at = timezone.now()
    unit_list.save(update_fields=["formulated_at", "updated_at"])
    after = dict(
        unit_list.entries.order_by()
        .values_list("decision")
        .annotate(n=Count("pk"))
        .values_list("decision", "n")
    )
    audit.record(
        actor=actor.user,
        action=AuditAction.CALCULATE,
        target=unit_list,
        tenant_code=province.code,
        changes={
            decision: {"before": before.get(decision, 0), "after": after.get(decision, 0)}
            for decision in Decision.values
        },
    )
    return unit_list


def _apply(unit_list: UnitList, proposals: dict[int, Proposal]) -> None:
    existing = {entry.enterprise_id: entry for entry in unit_list.entries.all()}
    fields = ("scope", "proposed", "reason_code", "explanation", "basis_emissions")
    written = (*fields, "decision", "override_reason", "overridden_by_id")
    changed, created = [], []
    for enterprise_id, proposal in proposals.items():
        entry = existing.pop(enterprise_id, None) or ListEntry(
            unit_list=unit_list, enterprise_id=enterprise_id
        )
        before = [getattr(entry, name) for name in written]
        entry.scope = proposal.scope
        entry.proposed = proposal.decision
        entry.reason_code = proposal.reason_code
        entry.explanation = proposal.explanation
        entry.basis_emissions = proposal.basis_emissions
        if not entry.override_reason or entry.decision == proposal.decision:
            entry.decision = proposal.decision
            entry.override_reason = ""
            entry.overridden_by = None
        if entry.pk is None:
            created.append(entry)
        elif [getattr(entry, name) for name in written] != before:
            changed.append(entry)  # a recalculation rewrites only what it changes
    ListEntry.objects.bulk_update(
        changed, [*fields, "decision", "override_reason", "overridden_by"], batch_size=1000
    )
    ListEntry.objects.bulk_create(created, batch_size=1000)
    if existing:
        ListEntry.objects.filter(pk__in=[entry.pk for entry in existing.values()]).delete()


@transaction.atomic
def override(*, actor: scoping.Actor, entry: ListEntry, decision: str, reason: str) -> ListEntry:
    """Replace the rules' proposal for one unit; only on a draft, and only with a written reason."""
    unit_list = _lock(actor, entry.unit_list)
    entry = ListEntry.objects.select_for_update().get(pk=entry.pk, unit_list=unit_list)
    if not unit_list.is_editable:
        raise DomainError(_("Only a draft list can be changed."))
    if decision not in Decision.values:
        raise DomainError(_("Choose a decision."), field="decision")
    if decision != entry.proposed and not reason.strip():
        raise DomainError(_("Say why the rules' proposal is overridden."), field="reason")
    before = audit.snapshot(entry, ("decision", "override_reason"))
    entry.decision = decision
    entry.override_reason = reason.strip() if decision != entry.proposed else ""
    entry.overridden_by = actor.user if decision != entry.proposed else None
    entry.save(update_fields=["decision", "override_reason", "overridden_by", "updated_at"])
    audit.record(
        actor=actor.user,
        action=AuditAction.UPDATE,
        target=entry,
        tenant_code=unit_list.province.code,
        changes=audit.diff(before, audit.snapshot(entry, ("decision", "override_reason"))),
    )
    return entry


def _advance(unit_list: UnitList, *, frm: str, to: str) -> dict:
    """Move the list from one status to the next; returns its audited fields before the move."""
    four_eyes.require_status(
        unit_list, frm, otherwise=_("The list is %(status)s; this step is not possible now.")
    )
    before = audit.snapshot(unit_list, LIST_FIELDS)
    unit_list.status = to
    return before


@transaction.atomic
def submit(*, actor: scoping.Actor, unit_list: UnitList) -> UnitList:
    unit_list = _lock(actor, unit_list)
    if not unit_list.entries.exists():
        raise DomainError(_("Formulate the list before submitting it."))
    before = _advance(unit_list, frm=ListStatus.DRAFT, to=ListStatus.SUBMITTED)
    unit_list.submitted_by = actor.user
    unit_list.submitted_at = timezone.now()
    unit_list.save()
    _record(actor, unit_list, before)
    return unit_list


@transaction.atomic
def return_to_draft(*, actor: scoping.Actor, unit_list: UnitList, note: str) -> UnitList:
    unit_list = _lock(actor, unit_list)
    if not note.strip():
        raise DomainError(_("Say what needs changing."), field="note")
    before = _advance(unit_list, frm=ListStatus.SUBMITTED, to=ListStatus.DRAFT)
    unit_list.submitted_by = None
    unit_list.submitted_at = None
    unit_list.save()
    _record(actor, unit_list, before, note=note.strip())
    return unit_list


@transaction.atomic
def approve(*, actor: scoping.Actor, unit_list: UnitList) -> UnitList:
    """The second pair of eyes: whoever submitted the list cannot approve it."""
    unit_list = _lock(actor, unit_list)
    four_eyes.require_second_person(
        actor.user.pk,
        unit_list.submitted_by_id,
        message=_("A list must be approved by someone other than the person who submitted it."),
    )
    before = _advance(unit_list, frm=ListStatus.SUBMITTED, to=ListStatus.APPROVED)
    unit_list.approved_by = actor.user
    unit_list.approved_at = timezone.now()
    unit_list.save()
    _record(actor, unit_list, before)
    return unit_list


@transaction.atomic
def publish(*, actor: scoping.Actor, unit_list: UnitList) -> UnitList:
    """Publish an approved list: it becomes immutable and public, the province's list obligation
    is met, and every listed unit's users are told of their rights and obligations (removed
    units of their removal)."""
    unit_list = _lock(actor, unit_list)
    before = _advance(unit_list, frm=ListStatus.APPROVED, to=ListStatus.PUBLISHED)
    superseded = unit_list.supersedes
    if superseded is not None:
        superseded_before = audit.snapshot(superseded, LIST_FIELDS)
        superseded.status = ListStatus.SUPERSEDED
        superseded.save(update_fields=["status", "updated_at"])
        _record(actor, superseded, superseded_before, note=f"revision {unit_list.revision}")
    unit_list.published_by = actor.user
    unit_list.published_at = timezone.now()
    unit_list.save()
    _freeze_entries(unit_list)
    _record(actor, unit_list, before)
    deadlines.fulfil(
        actor=actor,
        kind="list_publication",
        province=unit_list.province,
        period_start=date(unit_list.year, 1, 1),
        met_at=unit_list.published_at,
        fulfilment=f"units.unitlist:{unit_list.pk}",
    )
    notify_publication(unit_list, superseded=superseded)
    return unit_list


def _freeze_entries(unit_list: UnitList) -> None:
    """Record each unit's name, code, city and industry as published."""
    entries = list(unit_list.entries.select_related("enterprise__city", "enterprise__industry"))
    for entry in entries:
        enterprise, city, industry = (
            entry.enterprise,
            entry.enterprise.city,
            entry.enterprise.industry,
        )
        entry.published_name = enterprise.name_zh
        entry.published_uscc = enterprise.uscc
        entry.published_city_zh = city.name_zh if city else ""
        entry.published_city_en = city.name_en if city else ""
        entry.published_industry_code = industry.code
        entry.published_industry_zh = industry.name_zh
        entry.published_industry_en = industry.name_en
    ListEntry.objects.bulk_update(entries, FROZEN_FIELDS, batch_size=1000)


@transaction.atomic
def start_revision(*, actor: scoping.Actor, unit_list: UnitList, reason: str) -> UnitList:
    """Correct a published list: a new draft revision with its entries, to be approved and
    published like the first; the published one stays public until then."""
    published = _lock(actor, unit_list)
    if published.status != ListStatus.PUBLISHED:
        raise DomainError(_("Only a published list is corrected by a revision."))
    if not reason.strip():
        raise DomainError(_("Say what the correction is for."), field="reason")
    if UnitList.objects.filter(supersedes=published).exists():
        raise DomainError(_("A revision of this list is already being prepared."))
    revision = UnitList.objects.create(
        province=published.province,
        year=published.year,
        revision=published.revision + 1,
        supersedes=published,
        formulated_at=published.formulated_at,
        correction_reason=reason.strip(),
    )
    ListEntry.objects.bulk_create(
        [
            ListEntry(
                unit_list=revision,
                enterprise_id=entry.enterprise_id,
                scope=entry.scope,
                proposed=entry.proposed,
                decision=entry.decision,
                reason_code=entry.reason_code,
                explanation=entry.explanation,
                basis_emissions=entry.basis_emissions,
                override_reason=entry.override_reason,
                overridden_by_id=entry.overridden_by_id,
            )
            for entry in published.entries.all()
        ]
    )
    audit.record(
        actor=actor.user,
        action=AuditAction.CREATE,
        target=revision,
        tenant_code=revision.province.code,
        changes=audit.diff({}, audit.snapshot(revision, ("revision", "correction_reason"))),
    )
    return revision
