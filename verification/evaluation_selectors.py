"""The reads behind the evaluation pages, scoped through accounts.scoping: for staff, the
provinces they may evaluate, the rounds, one round with its institutions ranked and its history;
for the public (no login), published rounds only, never a draft."""

from django.db.models import Case, CharField, Count, Q, QuerySet, When
from django.db.models.functions import Cast

from accounts import scoping
from core.errors import NotFound
from core.models import AuditEvent, target_label
from units.models import Province
from verification.models import EvaluationRound, EvaluationStatus, InstitutionEvaluation

# Graded institutions first, best total first; those not graded (too few reports) after them.
RANKING = (Case(When(grade="", then=1), default=0).asc(), "-total", "institution__name_zh")


def provinces_to_evaluate(*, actor: scoping.Actor) -> QuerySet[Province]:
    """Provinces whose evaluation the actor may prepare: province-wide staff's own, or all for
    administrators."""
    if actor.is_administrator:
        return Province.objects.order_by("code")
    own = [province for province, city in actor.staff_scopes if city is None]
    return Province.objects.filter(pk__in=own).order_by("code")


def rounds_for(*, actor: scoping.Actor) -> QuerySet[EvaluationRound]:
    return (
        scoping.visible(actor, EvaluationRound)
        .select_related("province", "prepared_by", "approved_by")
        .annotate(institutions=Count("evaluations"))
        .order_by("-year", "province__code")
    )


def round_detail(*, actor: scoping.Actor, public_id) -> EvaluationRound:
    return scoping.get_visible(
        actor,
        EvaluationRound.objects.select_related("province", "scheme", "prepared_by", "approved_by"),
        public_id=public_id,
    )


def evaluations_of(
    *, actor: scoping.Actor, round_: EvaluationRound
) -> QuerySet[InstitutionEvaluation]:
    return (
        scoping.visible(actor, InstitutionEvaluation)
        .filter(round=round_)
        .select_related("institution")
        .order_by(*RANKING)
    )


def evaluation_in(
    *, actor: scoping.Actor, round_: EvaluationRound, institution_public_id
) -> InstitutionEvaluation:
    return scoping.get_visible(
        actor,
        InstitutionEvaluation.objects.filter(round=round_).select_related("round", "institution"),
        institution__public_id=institution_public_id,
    )


def history(*, actor: scoping.Actor, round_: EvaluationRound) -> QuerySet[AuditEvent]:
    scoping.get_visible(actor, EvaluationRound, pk=round_.pk)
    evaluation_ids = round_.evaluations.order_by().values(key=Cast("pk", CharField()))
    return AuditEvent.objects.filter(
        Q(target_type=target_label(EvaluationRound), target_id=str(round_.pk))
        | Q(target_type=target_label(InstitutionEvaluation), target_id__in=evaluation_ids)
    )


def published_rounds(*, year: int | None = None) -> QuerySet[EvaluationRound]:
    """The public index: published evaluations only (no login, never a draft)."""
    rounds = EvaluationRound.objects.filter(status=EvaluationStatus.PUBLISHED).select_related(
        "province"
    )
    if year is not None:
        rounds = rounds.filter(year=year)
    return rounds.annotate(institutions=Count("evaluations")).order_by("-year", "province__code")


def published_round(*, year: int, province_code: str) -> EvaluationRound:
    found = published_rounds(year=year).filter(province__code=province_code).first()
    if found is None:
        raise NotFound("not found")
    return found


def published_evaluations(round_: EvaluationRound) -> QuerySet[InstitutionEvaluation]:
    if round_.status != EvaluationStatus.PUBLISHED:
        raise NotFound("not found")
    return round_.evaluations.select_related("institution").order_by(*RANKING)
