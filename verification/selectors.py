"""Reads of verification institutions, scoped through accounts.scoping."""

from django.db.models import QuerySet

from accounts import scoping
from verification.models import Institution


def my_institutions(*, actor: scoping.Actor) -> QuerySet[Institution]:
    return (
        scoping.visible(actor, Institution)
        .filter(pk__in=actor.institution_ids)
        .prefetch_related("provinces")
        .order_by("name_zh")
    )
