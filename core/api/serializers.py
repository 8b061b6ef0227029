"""Serializers whose every field is described in the OpenAPI schema."""

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


def describe(model: type[models.Model], source: str):
    """The model's own words for a (dotted) source: its help text, else its verbose name."""
    *hops, last = source.split(".")
    try:
        for hop in hops:
            model = model._meta.get_field(hop).related_model
        field = model._meta.get_field(last)
    except (FieldDoesNotExist, AttributeError):
        return None
    if field.auto_created and not field.concrete:  # a reverse relation: its rows
        return capfirst(field.related_model._meta.verbose_name_plural)
    return field.help_text or capfirst(field.verbose_name)


class DescribedModelSerializer(serializers.ModelSerializer):
    """A model serializer whose fields without a `help_text` take the model field's help text or
    verbose name. A field that has neither (a method field, say) must be given a `help_text`:
    building the serializer says which one lacks it."""

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            if field.help_text:
                continue
            field.help_text = describe(self.Meta.model, field.source or name)
            if not field.help_text:
                raise ImproperlyConfigured(f"{type(self).__name__}.{name} needs a help_text")
        return fields


class UnitRecordSerializer(DescribedModelSerializer):
    """What a key emission unit's record (a submission, a verification, an allocation, a
    settlement: any model with an `enterprise`) shows of its unit: its id, code, name, province
    and sector. Core names no model: the fields are sources read on the record."""

    enterprise = serializers.UUIDField(
        source="enterprise.public_id", read_only=True, help_text=_("The unit (id).")
    )
    enterprise_name = serializers.CharField(
        source="enterprise.name_zh", read_only=True, help_text=_("The unit's name.")
    )
    uscc = serializers.CharField(
        source="enterprise.uscc",
        read_only=True,
        help_text=_("The unit's unified social credit code."),
    )
    province = serializers.CharField(
        source="enterprise.province.code",
        read_only=True,
        help_text=_("The unit's province (GB/T 2260 code)."),
    )
    sector = serializers.CharField(
        source="enterprise.industry.sector", read_only=True, help_text=_("The unit's sector.")
    )
