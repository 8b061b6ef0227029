"""Template filters that show stored data in the reader's language."""

from django import template
from django.utils.translation import get_language

from core import audit

register = template.Library()


@register.filter
def localized_name(obj) -> str:
    """`name_en` for English readers when there is one, else the official `name_zh`."""
    if obj is None:
        return ""
    english = getattr(obj, "name_en", "")
    if english and (get_language() or "").startswith("en"):
        return english
    return getattr(obj, "name_zh", str(obj))


@register.filter
def change_lines(event) -> list[audit.ChangeLine]:
    return audit.describe_changes(event)
