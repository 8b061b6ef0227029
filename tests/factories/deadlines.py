"""Obligations, extension requests, notifications and calendar feeds for the deadline tests.

The national rules come from the 2026 notice's data migration; `national_rule()` picks one.
"""

from datetime import timedelta

import factory

from deadlines import services
from deadlines.models import (
    DeadlineRule,
    ExtensionRequest,
    Notification,
    NotificationKind,
    Obligation,
    ObligationStatus,
)
from tests.factories.units import EnterpriseFactory, province


def national_rule(kind: str, *, year: int = 2026, **lookup) -> DeadlineRule:
    """The one national rule of `year` for `kind` (narrow with e.g. market_scope="market")."""
    return DeadlineRule.objects.get(year=year, kind=kind, province__isnull=True, **lookup)


def annual_report_rule() -> DeadlineRule:
    return national_rule("annual_report", market_scope="market")


class ObligationFactory(factory.django.DjangoModelFactory):
    """An enterprise's obligation under a national rule, for the rule's first period unless
    `period` (an index into `rule.periods()`, e.g. 9 for October of a monthly rule) is given."""

    class Meta:
        model = Obligation

    class Params:
        period = 0

    rule = factory.LazyFunction(annual_report_rule)
    kind = factory.LazyAttribute(lambda o: o.rule.kind)
    enterprise = factory.SubFactory(EnterpriseFactory)
    province = factory.LazyAttribute(
        lambda o: o.enterprise.province if o.enterprise else province("370000")
    )
    period_start = factory.LazyAttribute(lambda o: o.rule.periods()[o.period][0])
    period_end = factory.LazyAttribute(lambda o: o.rule.periods()[o.period][1])
    original_due_on = factory.LazyAttribute(lambda o: o.rule.due_on(o.period_end))
    due_on = factory.LazyAttribute(lambda o: o.original_due_on)
    status = ObligationStatus.OPEN


def monthly_certification(enterprise, *, month: int, **kwargs) -> Obligation:
    """The monthly certification of `enterprise` for `month` of 2026 (due 40 days later)."""
    return ObligationFactory(
        rule=national_rule("monthly_certification"),
        enterprise=enterprise,
        period=month - 1,
        **kwargs,
    )


class ExtensionRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExtensionRequest

    obligation = factory.SubFactory(ObligationFactory)
    requested_by = None
    requested_due_on = factory.LazyAttribute(lambda o: o.obligation.due_on + timedelta(days=30))
    reason = "锅炉检修，数据需要复核。"


def obligation_context(obligation: Obligation, **extra) -> dict:
    """The context a reminder about one obligation carries (as deadlines.reminders builds it)."""
    return {
        "obligation": str(obligation.public_id),
        "kind": obligation.kind,
        "due_on": obligation.due_on.isoformat(),
        "period_start": obligation.period_start.isoformat(),
        "period_end": obligation.period_end.isoformat(),
        **extra,
    }


class NotificationFactory(factory.django.DjangoModelFactory):
    """A reminder about `obligation` to `recipient`."""

    class Meta:
        model = Notification

    recipient = None
    kind = NotificationKind.REMINDER
    obligation = factory.SubFactory(ObligationFactory)
    context = factory.LazyAttribute(lambda o: obligation_context(o.obligation, step=-7))
    dedupe_key = factory.Sequence(lambda n: f"test:{n}")


def calendar_token(actor) -> str:
    """A new calendar feed for the actor's user, returning the secret token."""
    return services.create_calendar_feed(actor=actor)
