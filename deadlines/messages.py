"""What a notification says, in the reader's language, and where it leads."""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from deadlines.models import Notification, NotificationKind, ObligationKind


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    url: str
    action_required: bool


def _kind_label(kind: str) -> str:
    return str(ObligationKind(kind).label) if kind in ObligationKind.values else kind


def _period(context: dict) -> str:
    start, end = context.get("period_start", ""), context.get("period_end", "")
    if start[5:7] == "01" and end[5:7] == "12":
        return start[:4]
    return start[:7]


def _when(due_on: str, today: date) -> str:
    days = (date.fromisoformat(due_on) - today).days
    if days > 0:
        return ngettext(
            "due in %(days)d day, on %(date)s", "due in %(days)d days, on %(date)s", days
        ) % {
            "days": days,
            "date": due_on,
        }
    if days == 0:
        return _("due today, %(date)s") % {"date": due_on}
    return ngettext(
        "overdue by %(days)d day (due %(date)s)", "overdue by %(days)d days (due %(date)s)", -days
    ) % {"days": -days, "date": due_on}


def describe(notification: Notification, *, today: date) -> Message:
    context = notification.context
    if notification.kind == NotificationKind.DIGEST:
        return _digest(context)
    if notification.kind in (
        NotificationKind.EXTENSION_REQUESTED,
        NotificationKind.EXTENSION_DECIDED,
    ):
        return _extension(notification)
    if notification.kind in (NotificationKind.LIST_INCLUDED, NotificationKind.LIST_REMOVED):
        return _list_notice(notification)
    if notification.kind in VERIFICATION_KINDS:
        return _verification_notice(notification)
    if notification.kind == NotificationKind.ALLOCATION_NOTICE:
        return _allocation_notice(notification)
    what = f"{_kind_label(context['kind'])} {_period(context)}"
    when = _when(context["due_on"], today)
    if "open_count" in context:
        body = ngettext(
            "%(count)d unit still to be done.",
            "%(count)d units still to be done.",
            context["open_count"],
        ) % {"count": context["open_count"]}
        url = (
            reverse("deadlines:province-obligations")
            + "?"
            + urlencode({"kind": context["kind"], "due_on": context["due_on"], "status": "unmet"})
        )
    else:
        body = _("Please complete it and submit it before the due date.")
        url = reverse("deadlines:obligation-detail", kwargs={"public_id": context["obligation"]})
    title = _("Action required: %(what)s, %(when)s") % {"what": what, "when": when}
    return Message(title=title, body=body, url=url, action_required=True)


def _digest(context: dict) -> Message:
    lines = [
        f"{_kind_label(kind)}: {count}"
        for kind, count in sorted(context.get("overdue", {}).items())
    ]
    title = ngettext(
        "Overdue in your area on %(date)s: %(count)d obligation",
        "Overdue in your area on %(date)s: %(count)d obligations",
        context["total"],
    ) % {"date": context["date"], "count": context["total"]}
    return Message(
        title=title, body="; ".join(lines), url=reverse("deadlines:overdue"), action_required=True
    )


def _extension(notification: Notification) -> Message:
    context = notification.context
    what = f"{_kind_label(context['kind'])} {_period(context)}"
    url = reverse("deadlines:obligation-detail", kwargs={"public_id": context["obligation"]})
    if notification.kind == NotificationKind.EXTENSION_REQUESTED:
        title = _("Action required: extension requested for %(what)s by %(enterprise)s") % {
            "what": what,
            "enterprise": context.get("enterprise", ""),
        }
        return Message(title=title, body=context.get("reason", ""), url=url, action_required=True)
    if context.get("granted_due_on"):
        title = _("Extension granted for %(what)s: new due date %(date)s") % {
            "what": what,
            "date": context["granted_due_on"],
        }
    else:
        title = _("Extension refused for %(what)s") % {"what": what}
    return Message(title=title, body=context.get("note", ""), url=url, action_required=False)


def _list_notice(notification: Notification) -> Message:
    context = notification.context
    url = reverse("lists:province", kwargs={"year": context["year"], "code": context["province"]})
    if notification.kind == NotificationKind.LIST_REMOVED:
        title = _("Your unit is removed from the %(year)d list of key emission units") % {
            "year": context["year"]
        }
        body = _(
            "From %(year)d your unit is no longer managed as a key emission unit of the national "
            "carbon market. Obligations of earlier years (reports, verification, settlement) "
            "still apply."
        ) % {"year": context["year"]}
        return Message(title=title, body=body, url=url, action_required=False)
    if context.get("scope") == "reporting_only":
        title = _("Your unit is under annual emission reporting management for %(year)d") % {
            "year": context["year"]
        }
        body = _(
            "Obligations: submit the annual greenhouse gas emission report and the supplementary "
            "data report by March 31 and accept verification. Rights: see the published list and "
            "ask the provincial department to review a decision you disagree with."
        )
    else:
        title = _("Action required: your unit is on the %(year)d list of key emission units") % {
            "year": context["year"]
        }
        body = _(
            "Obligations: keep a data quality control plan, certify monthly accounting data "
            "within 40 days after each month, report annual emissions by March 31, accept "
            "verification, and surrender allowances for your verified emissions by the settlement"
            " deadline. Rights: receive allocated allowances, trade them on the national market, "
            "and ask the provincial department to review a decision you disagree with."
        )
    return Message(title=title, body=body, url=url, action_required=True)


VERIFICATION_KINDS = (
    NotificationKind.CONCLUSION_SUBMITTED,
    NotificationKind.VERIFICATION_ASSIGNED,
    NotificationKind.VERIFICATION_RETURNED,
    NotificationKind.VERIFICATION_RESULT,
    NotificationKind.OBJECTION_FILED,
    NotificationKind.OBJECTION_DECIDED,
)


def _verification_notice(notification: Notification) -> Message:
    """Verification notices; the context holds the unit's name, the year, the assignment's
    public id and, per kind, the figures or the comment."""
    context = notification.context
    facts = {"enterprise": context.get("enterprise", ""), "year": context.get("year", "")}
    url = reverse(
        "verification:assignment-detail", kwargs={"public_id": context.get("assignment", "")}
    )
    kind = notification.kind
    if kind == NotificationKind.VERIFICATION_ASSIGNED:
        title = _("Action required: verify the %(year)s annual report of %(enterprise)s") % facts
        body = _("Due by %(date)s.") % {"date": context.get("due_on", "")}
        return Message(title=title, body=body, url=url, action_required=True)
    if kind == NotificationKind.CONCLUSION_SUBMITTED:
        title = (
            _("Action required: confirm or return the verification of %(enterprise)s %(year)s")
            % facts
        )
        body = _("%(institution)s submitted its conclusion: %(emissions)s tCO2e verified.") % {
            "institution": context.get("institution", ""),
            "emissions": context.get("emissions", ""),
        }
        return Message(title=title, body=body, url=url, action_required=True)
    if kind == NotificationKind.VERIFICATION_RETURNED:
        title = (
            _("Action required: correct the verification conclusion for %(enterprise)s %(year)s")
            % facts
        )
        return Message(title=title, body=context.get("comment", ""), url=url, action_required=True)
    if kind == NotificationKind.VERIFICATION_RESULT:
        title = _("Verification result of your %(year)s emissions: %(emissions)s tCO2e") % {
            **facts,
            "emissions": context.get("emissions", ""),
        }
        body = _(
            "If you disagree, you may ask for a re-review by %(date)s (%(days)s working days)."
        ) % {"date": context.get("objection_until", ""), "days": context.get("window_days", "")}
        return Message(title=title, body=body, url=url, action_required=False)
    if kind == NotificationKind.OBJECTION_FILED:
        title = _("Action required: %(enterprise)s objects to its %(year)s verification result") % (
            facts
        )
        body = _("Decide by %(date)s.") % {"date": context.get("decide_by", "")}
        return Message(title=title, body=body, url=url, action_required=True)
    title = _("Re-review decision on your %(year)s verification result: %(outcome)s") % {
        **facts,
        "outcome": context.get("outcome", ""),
    }
    return Message(title=title, body=context.get("decision", ""), url=url, action_required=False)


def _allocation_notice(notification: Notification) -> Message:
    """An approved pre-allocation, determination or issuance of a unit's allowances."""
    context = notification.context
    url = reverse("quotas:allocation-detail", kwargs={"public_id": context.get("allocation", "")})
    facts = {"year": context.get("year", ""), "tonnes": context.get("tonnes", "")}
    step = context.get("step")
    if step == "pre_allocation":
        title = _("Your %(year)s allowances are pre-allocated: %(tonnes)s t") % facts
        body = _("The notice with the calculation line by line is on the allocation page.")
    elif step == "determination":
        title = _("Your %(year)s allowances are determined: %(tonnes)s t") % facts
        body = _("You may ask for a review within %(days)s working days, by %(date)s.") % {
            "days": context.get("window_days", ""),
            "date": context.get("review_until", ""),
        }
    else:
        title = _("Your %(year)s allowances are issued: %(tonnes)s t") % facts
        body = _("Issued on %(date)s.") % {"date": context.get("issued_on", "")}
    return Message(title=title, body=body, url=url, action_required=False)
