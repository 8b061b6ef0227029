"""The four-eyes rule of a record that one staff member prepares or submits and a different one
approves: who counts as the second person, and which step the record's status allows.

Each app keeps its own wording (passed in here), its row lock and its audit event.
"""

from collections.abc import Mapping
from typing import Any

from core.errors import DomainError


def second_person(actor_user_id: int | None, *involved_ids: int | None) -> bool:
    """Whether the actor is someone other than everyone involved so far (preparer, submitter)."""
    return actor_user_id is not None and actor_user_id not in involved_ids


def require_second_person(
    actor_user_id: int | None, *involved_ids: int | None, message: str
) -> None:
    if not second_person(actor_user_id, *involved_ids):
        raise DomainError(message)


def require_status(
    record: Any,
    allowed: str,
    *,
    otherwise: str,
    explanations: Mapping[str, str] | None = None,
) -> None:
    """Refuse a step the record's status does not allow: with the explanation of its current
    status where there is one (final, with its approver), else `otherwise`, which may name the
    status's label as %(status)s."""
    if record.status == allowed:
        return
    if explanations and record.status in explanations:
        raise DomainError(explanations[record.status])
    raise DomainError(otherwise % {"status": record.get_status_display()})
