"""The objection panel of an assignment's page (filing, the window, the decision).

What the reader may do is worked out from the request's user: the enterprise's own users see
the window's last day and, while it is open, the form to object; the province's staff see the
objection and, until decided, the form to decide; everyone who may see the assignment sees the
decision."""

from django import template

from accounts import scoping
from verification import objections
from verification.models import AssignmentStatus, ObjectionStatus
from verification.objection_forms import DecisionForm, ObjectionForm

register = template.Library()


@register.inclusion_tag("verification/_objection_panel.html", takes_context=True)
def objection_panel(context, assignment):
    actor = scoping.actor_for(context["request"].user)
    window = objections.objection_window(assignment)
    if assignment.status != AssignmentStatus.CONFIRMED or window is None:
        return {"shown": False}
    today = objections.today()
    objection = objections.objection_for(actor=actor, assignment=assignment)
    is_own = assignment.enterprise_id in actor.enterprise_ids
    may_file = is_own and objection is None and window.is_open(today)
    may_decide = (
        objection is not None
        and objection.status == ObjectionStatus.FILED
        and objections.is_decider(actor, assignment)
    )
    return {
        "shown": True,
        "assignment": assignment,
        "objection": objection,
        "window": window,
        "today": today,
        "is_own": is_own,
        "window_open": window.is_open(today),
        "objection_form": ObjectionForm() if may_file else None,
        "decision_form": DecisionForm() if may_decide else None,
        "decided": objection is not None and objection.status != ObjectionStatus.FILED,
        "late": objection is not None and objections.decided_late(objection),
        "overdue": objection is not None and objections.is_overdue(objection, today),
        "csrf_token": context.get("csrf_token"),
    }
