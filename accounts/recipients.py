"""Who is told about a unit's record: its own users, and the staff who can see it (the
province-wide staff and those of the unit's city). Notices in every app ask here."""

from collections import defaultdict

from django.db.models import Q

from accounts.models import Membership, Role


def enterprise_users(enterprise_ids) -> dict[int, list[int]]:
    """Active users of each unit, keyed by the unit's id."""
    users: dict[int, list[int]] = defaultdict(list)
    for enterprise_id, user_id in Membership.objects.filter(
        role=Role.ENTERPRISE_USER, enterprise__in=list(enterprise_ids), user__is_active=True
    ).values_list("enterprise_id", "user_id"):
        users[enterprise_id].append(user_id)
    return users


def staff_users(*, province_id: int, city_id: int | None) -> list[int]:
    """Active staff who can see a unit of that province and city."""
    return list(
        Membership.objects.filter(
            Q(city__isnull=True) | Q(city=city_id),
            role=Role.PROVINCIAL_STAFF,
            province=province_id,
            user__is_active=True,
        ).values_list("user_id", flat=True)
    )
