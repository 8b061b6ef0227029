"""Forms of the staff list pages: they parse; the services decide (reasons, four eyes, status)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.templatetags.presentation import localized_name
from units.models import Decision, ListScope, Province, Sector


class FormulateForm(forms.Form):
    province = forms.ModelChoiceField(
        label=_("Province"), queryset=Province.objects.none(), to_field_name="code", required=False
    )
    year = forms.IntegerField(label=_("List year"), min_value=2000, max_value=2100)

    def __init__(self, *args, provinces, year, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = provinces
        self.fields["province"].label_from_instance = localized_name
        self.fields["year"].initial = year
        first_two = list(provinces[:2])
        self.has_provinces = bool(first_two)
        self.only_province = first_two[0] if len(first_two) == 1 else None
        self.fields["province"].initial = self.only_province
        self.fields["province"].empty_label = None if self.only_province else "—"

    def clean_province(self):
        province = self.cleaned_data["province"] or self.only_province
        if province is None:
            raise forms.ValidationError(_("Choose the province."), code="required")
        return province


class EntryFilterForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("", _("All decisions")), *Decision.choices], required=False
    )
    scope = forms.ChoiceField(
        label=_("Scope"), choices=[("", _("All scopes")), *ListScope.choices], required=False
    )
    sector = forms.ChoiceField(
        label=_("Sector"), choices=[("", _("All sectors")), *Sector.choices], required=False
    )
    overridden = forms.BooleanField(label=_("Overridden only"), required=False)
    q = forms.CharField(label=_("Unit name or code"), required=False, max_length=100)


class OverrideForm(forms.Form):
    """The reason is required when the decision departs from the proposal: the service says so,
    naming the field, because only it knows the proposal at the moment of the change."""

    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    reason = forms.CharField(
        label=_("Reason for overriding"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReturnForm(forms.Form):
    note = forms.CharField(
        label=_("What needs changing"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RevisionForm(forms.Form):
    reason = forms.CharField(
        label=_("What the correction is for"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
