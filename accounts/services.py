import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, hash_token
from core import audit
from core.models import AuditAction


@transaction.atomic
def issue_api_token(*, actor, user) -> str:
    """Issue (or re-issue) the user's one API token; returns the raw token, which is not stored."""
    raw = secrets.token_urlsafe(32)
    token, _created = ApiToken.objects.update_or_create(
        user=user,
        defaults={
            "key_hash": hash_token(raw),
            "prefix": raw[:8],
            "revoked_at": None,
            "last_used_at": None,
        },
    )
    audit.record(actor=actor, action=AuditAction.TOKEN, target=token, note=f"{raw[:8]}…")
    return raw


@transaction.atomic
def revoke_api_token(*, actor, user) -> bool:
    token = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True).first()
    if token is None:
        return False
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        action=AuditAction.STATUS,
        target=token,
        changes={"revoked_at": {"before": None, "after": token.revoked_at.isoformat()}},
    )
    return True


def set_language(*, user, language: str) -> None:
    """Remember a signed-in user's language for the e-mails and reminders sent to them."""
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
