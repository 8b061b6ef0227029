"""The objection panel of an assignment's page (filing, the window, the decision)."""

from django import template

register = template.Library()


@register.inclusion_tag("verification/_objection_panel.html", takes_context=True)
def objection_panel(context, assignment):
    return {"assignment": assignment}
