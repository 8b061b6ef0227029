"""E-mailing notifications, each exactly once, in the recipient's language.

A sender claims a chunk of unsent notifications with one UPDATE (a concurrent sender's UPDATE
skips claimed rows), sends them, marks them sent, and takes the next chunk. A claim left by a
sender that died is taken over once it is older than CLAIM_EXPIRY; chunks are small enough to be
sent well within it even over a slow mail server, so a live sender's claim is never taken over.
"""

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from deadlines.messages import describe
from deadlines.models import Notification

CLAIM_EXPIRY = timedelta(hours=1)
CHUNK_SIZE = 5000


def claim_unsent(*, now=None, limit: int | None = None) -> str:
    now = now or timezone.now()
    limit = limit or CHUNK_SIZE
    token = uuid.uuid4().hex
    claimable = Notification.objects.filter(emailed_at__isnull=True).filter(
        Q(email_claim="") | Q(email_claimed_at__lt=now - CLAIM_EXPIRY)
    )
    Notification.objects.filter(pk__in=claimable.order_by("pk").values("pk")[:limit]).filter(
        Q(email_claim="") | Q(email_claimed_at__lt=now - CLAIM_EXPIRY)
    ).update(email_claim=token, email_claimed_at=now)
    return token


def send_claimed(token: str, *, today: date, base_url: str = "") -> int:
    claimed = list(
        Notification.objects.filter(email_claim=token, emailed_at__isnull=True).select_related(
            "recipient"
        )
    )
    messages = [
        _email(notification, today=today, base_url=base_url)
        for notification in claimed
        if notification.recipient.email
    ]
    if messages:
        with get_connection() as connection:
            connection.send_messages(messages)
    Notification.objects.filter(email_claim=token).update(emailed_at=timezone.now())
    return len(claimed), len(messages)


def _email(notification: Notification, *, today: date, base_url: str) -> EmailMultiAlternatives:
    user = notification.recipient
    with translation.override(user.language or settings.LANGUAGE_CODE):
        message = describe(notification, today=today)
        context = {"user": user, "message": message, "link": base_url + message.url}
        body = render_to_string("deadlines/email/notification.txt", context)
    return EmailMultiAlternatives(subject=message.title, body=body, to=[user.email])


def send_pending(*, today: date, base_url: str = "") -> int:
    """Send every unsent notification, chunk by chunk; returns how many e-mails went out."""
    sent = 0
    while True:
        claimed, emailed = send_claimed(claim_unsent(), today=today, base_url=base_url)
        sent += emailed
        if claimed < CHUNK_SIZE:
            return sent
