"""What the inbox says for notices other apps send: each kind has its own wording and leads to
its record (a kind without a describer used to fall into the deadline wording and fail)."""

import uuid
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from deadlines.messages import describe
from deadlines.models import Notification, NotificationKind

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 27)


def message(kind, context, language="en"):
    with translation.override(language):
        return describe(Notification(kind=kind, context=context), today=TODAY)


@pytest.mark.parametrize("kind", [NotificationKind.LIST_INCLUDED, NotificationKind.LIST_REMOVED])
def test_list_notices_lead_to_the_published_list(kind):
    context = {"year": 2027, "province": "370000", "decision": "new", "scope": "market"}
    notice = message(kind, context)
    assert "2027" in notice.title
    assert notice.url == reverse("lists:province", kwargs={"year": 2027, "code": "370000"})


def test_allocation_notices_name_the_figure_and_the_review_deadline():
    allocation = str(uuid.uuid4())
    url = reverse("quotas:allocation-detail", kwargs={"public_id": allocation})
    context = {"year": 2025, "allocation": allocation, "tonnes": "2,540,847"}
    pre = message(NotificationKind.ALLOCATION_NOTICE, {**context, "step": "pre_allocation"})
    assert pre.title == "Your 2025 allowances are pre-allocated: 2,540,847 t"
    determined = message(
        NotificationKind.ALLOCATION_NOTICE,
        {**context, "step": "determination", "window_days": 7, "review_until": "2026-09-29"},
    )
    assert "7 working days, by 2026-09-29" in determined.body
    assert pre.url == determined.url == url
    issued = message(
        NotificationKind.ALLOCATION_NOTICE,
        {**context, "step": "allocation", "issued_on": "2026-09-30"},
        language="zh-hans",
    )
    assert "2,540,847" in issued.title and "2026-09-30" in issued.body


@pytest.mark.parametrize(
    ("kind", "action_required"),
    [
        (NotificationKind.VERIFICATION_ASSIGNED, True),
        (NotificationKind.CONCLUSION_SUBMITTED, True),
        (NotificationKind.VERIFICATION_RETURNED, True),
        (NotificationKind.VERIFICATION_RESULT, False),
        (NotificationKind.OBJECTION_FILED, True),
        (NotificationKind.OBJECTION_DECIDED, False),
    ],
)
def test_verification_notices_lead_to_the_assignment(kind, action_required):
    assignment = str(uuid.uuid4())
    notice = message(kind, {"enterprise": "山东测试电厂", "year": 2025, "assignment": assignment})
    assert notice.action_required is action_required
    assert notice.url == reverse("verification:assignment-detail", kwargs={"public_id": assignment})
