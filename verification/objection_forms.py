"""Forms of the objection panel, the objections list and the holidays page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from verification.models import ObjectionStatus


class ObjectionForm(forms.Form):
    grounds = forms.CharField(
        label=_("Grounds of the objection"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("Which figures you dispute and why, with the evidence you rely on."),
    )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (ObjectionStatus.UPHELD, _("Uphold the objection")),
            (ObjectionStatus.REJECTED, _("Reject the objection")),
        ],
        widget=forms.RadioSelect,
    )
    decision = forms.CharField(
        label=_("Decision and reasons"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("Sent to the enterprise; the decision is final."),
    )
    revised_emissions = forms.DecimalField(
        label=_("Revised verified emissions (tCO2e)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("Only when upheld and the figure changes; it replaces the verified figure."),
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("outcome") == ObjectionStatus.REJECTED
            and cleaned.get("revised_emissions") is not None
        ):
            self.add_error(
                "revised_emissions", _("A revised figure goes only with an upheld objection.")
            )
        return cleaned

    @property
    def upheld(self) -> bool:
        return self.cleaned_data["outcome"] == ObjectionStatus.UPHELD


class ObjectionFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *ObjectionStatus.choices],
        required=False,
    )


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    is_working_day = forms.BooleanField(
        label=_("Make-up working day"),
        required=False,
        help_text=_("Tick for a weekend day that is worked; leave empty for a public holiday."),
    )
    name = forms.CharField(label=_("Name"), max_length=100, required=False)


class HolidayYearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
