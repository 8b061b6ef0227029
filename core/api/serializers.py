"""Serializers whose every field is described in the OpenAPI schema."""

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.utils.text import capfirst
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
