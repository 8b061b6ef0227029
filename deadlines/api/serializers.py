from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import DescribedModelSerializer
from deadlines.models import Obligation


class ObligationSerializer(DescribedModelSerializer):
    """One thing one enterprise or province must do for one period, by one date."""

    id = serializers.UUIDField(
        source="public_id",
        read_only=True,
        help_text=_("The record's public identifier (UUID); the API addresses records by it."),
    )
    url = serializers.HyperlinkedIdentityField(
        view_name="api:obligation-detail",
        lookup_field="public_id",
        help_text=_("This record in the API."),
    )
    party = serializers.CharField(
        source="rule.party",
        read_only=True,
        help_text=_("Who acts: enterprise or province."),
    )
    province = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("The province (GB/T 2260 code).")
    )
    enterprise = serializers.SlugRelatedField(
        slug_field="public_id",
        read_only=True,
        allow_null=True,
        help_text=_("The unit (id) that must act; null for a province's own obligation."),
    )
    enterprise_name = serializers.CharField(
        source="enterprise.name_zh",
        read_only=True,
        allow_null=True,
        help_text=_("The unit's name; null for a province's own obligation."),
    )

    class Meta:
        model = Obligation
        fields = [
            "id",
            "url",
            "kind",
            "party",
            "province",
            "enterprise",
            "enterprise_name",
            "period_start",
            "period_end",
            "original_due_on",
            "due_on",
            "status",
            "met_at",
            "created_at",
            "updated_at",
        ]
