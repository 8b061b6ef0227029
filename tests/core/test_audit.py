import pytest
from django.core.exceptions import ValidationError

from accounts.scoping import actor_for
from core import audit
from core.models import AuditEvent
from units.models import Enterprise
from units.services import update_enterprise

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(shandong_enterprise, shandong_staff):
    return audit.record(
        actor=shandong_staff, action="update", target=shandong_enterprise, tenant_code="370000"
    )


def test_events_cannot_be_changed_or_deleted(event):
    event.note = "rewritten"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).note == ""


def test_event_records_who_what_and_target(event, shandong_enterprise):
    assert event.actor_name == "shandong-staff"
    assert event.target_type == "units.enterprise"
    assert event.target_id == str(shandong_enterprise.pk)
    assert list(AuditEvent.objects.for_target(shandong_enterprise)) == [event]


def test_diff_keeps_only_changed_fields():
    assert audit.diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {
        "b": {"before": 2, "after": 3},
        "c": {"before": None, "after": 4},
    }


def test_a_failed_service_leaves_no_event(shandong_staff, shandong_enterprise):
    with pytest.raises(ValidationError):
        update_enterprise(
            actor=actor_for(shandong_staff), enterprise=shandong_enterprise, changes={"uscc": "bad"}
        )
    assert not AuditEvent.objects.exists()
    assert Enterprise.objects.get(pk=shandong_enterprise.pk).uscc == shandong_enterprise.uscc
