"""Who may act on settlements, and the statuses and audited fields the settlement modules share.
Province-wide work (opening, importing, closing) is for staff of the whole province; a
settlement is written by staff who may change it, with its row locked. A settlement is settled
on time or late; it accepts surrenders while open, and after the close as the ordered
correction.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts import scoping
from core.errors import NotFound, PermissionDenied
from quotas.models import Settlement, SettlementStatus
from units.models import Province

SETTLEMENT_FIELDS = (
    "verified_emissions",
    "allocated",
    "obligation",
    "cap_rule",
    "due_on",
    "status",
    "settled_on",
)
SETTLED = (SettlementStatus.ON_TIME, SettlementStatus.LATE)
# Surrenders are still accepted while open, and after the close as the ordered correction.
ACCEPTS_SURRENDERS = (SettlementStatus.OPEN, SettlementStatus.NOT_SETTLED)


def require_province_staff(actor: scoping.Actor, province: Province) -> None:
    """Province-wide work (opening, importing, closing) is for staff of the whole province."""
    if scoping.can_create(actor, Settlement, province_id=province.pk, city_id=None):
        return
    if actor.sees_all_provinces or province.pk in actor.province_ids:
        raise PermissionDenied(_("Only provincial staff of the whole province can do this."))
    raise NotFound("not found")


def lock_settlement(actor: scoping.Actor, settlement: Settlement) -> Settlement:
    queryset = Settlement.objects.select_for_update(of=("self",)).select_related(
        "enterprise__province"
    )
    settlement = scoping.get_visible(actor, queryset, pk=settlement.pk)
    if not scoping.can_change(actor, settlement):
        raise PermissionDenied(_("Only provincial staff record settlements."))
    return settlement
