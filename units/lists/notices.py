"""Telling units of a published list: their rights and obligations, or their removal."""

from accounts.models import Membership, Role
from deadlines.models import Notification, NotificationKind
from deadlines.services import notify_many
from units.models import Decision, ListEntry, UnitList

INCLUDED = (Decision.NEW, Decision.CONTINUING)


def _changed_entries(unit_list: UnitList, superseded: UnitList | None) -> list[ListEntry]:
    if superseded is None:
        return list(unit_list.entries.exclude(decision=Decision.NOT_INCLUDED))
    before = dict(superseded.entries.values_list("enterprise_id", "decision"))
    # A correction that takes a listed unit off tells it so, like a removal.
    return [
        entry
        for entry in unit_list.entries.all()
        if before.get(entry.enterprise_id, Decision.NOT_INCLUDED) != entry.decision
        and (entry.decision != Decision.NOT_INCLUDED or before.get(entry.enterprise_id) in INCLUDED)
    ]


def notify_publication(unit_list: UnitList, *, superseded: UnitList | None) -> None:
    """Listed units are told of their rights and obligations, removed ones of their removal;
    a revision tells only the units whose decision it changed."""
    entries = _changed_entries(unit_list, superseded)
    users = {}
    for enterprise_id, user_id in Membership.objects.filter(
        role=Role.ENTERPRISE_USER,
        enterprise__in=[entry.enterprise_id for entry in entries],
        user__is_active=True,
    ).values_list("enterprise_id", "user_id"):
        users.setdefault(enterprise_id, []).append(user_id)
    notify_many(
        [
            Notification(
                recipient_id=user_id,
                kind=NotificationKind.LIST_INCLUDED
                if entry.decision in INCLUDED
                else NotificationKind.LIST_REMOVED,
                context={
                    "year": unit_list.year,
                    "province": unit_list.province.code,
                    "decision": entry.decision,
                    "scope": entry.scope,
                    "revision": unit_list.revision,
                },
                dedupe_key=f"list:{unit_list.pk}:{entry.enterprise_id}:{user_id}",
            )
            for entry in entries
            for user_id in users.get(entry.enterprise_id, ())
        ]
    )
