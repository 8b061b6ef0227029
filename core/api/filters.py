"""Filters every resource shares: ordering that is always stable, and the filter fields the
ministry asks of every list (province, city, industry, year, month, status, updated since)."""

from datetime import UTC

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field
from rest_framework.filters import OrderingFilter


class StableOrderingFilter(OrderingFilter):
    """`?ordering=name,-year` over the names a view offers in `ordering_fields` (a dict of the
    public name to its model path; `ordering` is the default, in public names). Every ordering
    ends with the primary key, so rows that tie keep one order from page to page."""

    ordering_description = _(
        "Comma-separated names to sort by, each optionally prefixed with '-' for descending."
    )

    def get_valid_fields(self, queryset, view, context=None):
        return [(name, name) for name in view.ordering_fields]

    def filter_queryset(self, request, queryset, view):
        terms = self.get_ordering(request, queryset, view) or ()
        paths = [_path(view.ordering_fields, term) for term in terms]
        return queryset.order_by(*paths, "pk")

    def get_schema_operation_parameters(self, view):
        names = ", ".join(view.ordering_fields)
        default = ",".join(getattr(view, "ordering", ()) or ())
        description = (
            f"{self.ordering_description} {_('One of')}: {names}. {_('Default')}: {default}."
        )
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": description,
                "schema": {"type": "string"},
            }
        ]


def _path(fields: dict[str, str], term: str) -> str:
    descending = term.startswith("-")
    path = fields[term.removeprefix("-")]
    return f"-{path}" if descending else path


class IntegerFilter(django_filters.NumberFilter):
    """A whole number within bounds (the generic NumberFilter takes any decimal, which an
    integer column cannot compare with), described in the schema as such."""

    field_class = forms.IntegerField

    def __init__(self, *, min_value: int, max_value: int, help_text, **kwargs):
        super().__init__(min_value=min_value, max_value=max_value, help_text=help_text, **kwargs)
        schema = {"type": "integer", "minimum": min_value, "maximum": max_value}
        extend_schema_field({**schema, "description": help_text})(self)


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, given to the database in UTC: PostgreSQL refuses offsets beyond
    ±15:59 that Python parses, and a time that leaves years 1-9999 in UTC is bad input."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class UpdatedSinceFilter(django_filters.IsoDateTimeFilter):
    """Rows changed at or after an ISO 8601 time: what a client polling for changes asks."""

    field_class = UtcDateTimeField

    def __init__(self, field_name: str = "updated_at", **kwargs):
        kwargs.setdefault(
            "help_text",
            _(
                "Only rows changed at or after this time (ISO 8601, e.g. "
                "2026-10-01T00:00:00+08:00; without an offset, China Standard Time)."
            ),
        )
        super().__init__(field_name=field_name, lookup_expr="gte", **kwargs)


def province_filter(path: str = "province") -> django_filters.Filter:
    return django_filters.CharFilter(
        field_name=f"{path}__code",
        max_length=6,
        help_text=_("Province by its GB/T 2260 code, e.g. 370000 for Shandong."),
    )


def city_filter(path: str = "city") -> django_filters.Filter:
    return django_filters.CharFilter(
        field_name=f"{path}__code",
        max_length=6,
        help_text=_("City (prefecture) by its GB/T 2260 code, e.g. 370100 for Jinan."),
    )


def industry_filter(path: str = "industry") -> django_filters.Filter:
    return django_filters.CharFilter(
        field_name=f"{path}__code",
        max_length=4,
        help_text=_("Industry by its GB/T 4754 code, e.g. 4411 for thermal power."),
    )


def sector_filter(path: str, choices) -> django_filters.Filter:
    return django_filters.ChoiceFilter(
        field_name=f"{path}__sector",
        choices=choices,
        help_text=_("Sector of the industry (power, steel, cement, ...)."),
    )


def year_filter(path: str = "year", **kwargs) -> django_filters.Filter:
    kwargs.setdefault("help_text", _("Year (four digits)."))
    return IntegerFilter(field_name=path, min_value=1900, max_value=2200, **kwargs)


def month_filter(path: str = "month", **kwargs) -> django_filters.Filter:
    kwargs.setdefault("help_text", _("Month of the year, 1 to 12."))
    return IntegerFilter(field_name=path, min_value=1, max_value=12, **kwargs)


def status_filter(choices, path: str = "status", **kwargs) -> django_filters.Filter:
    kwargs.setdefault("help_text", _("Status."))
    return django_filters.ChoiceFilter(field_name=path, choices=choices, **kwargs)


def public_id_filter(path: str, help_text) -> django_filters.Filter:
    return django_filters.UUIDFilter(field_name=f"{path}__public_id", help_text=help_text)
