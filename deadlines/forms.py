from django import forms
from django.utils.translation import gettext_lazy as _

from deadlines.models import ObligationKind, ObligationStatus
from deadlines.selectors import UNMET
from units.models import City, Sector


class ObligationFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Obligation"),
        choices=[("", _("All obligations")), *ObligationKind.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            ("", _("All statuses")),
            (UNMET, _("Not met (open or overdue)")),
            *ObligationStatus.choices,
        ],
        required=False,
    )
    sector = forms.ChoiceField(
        label=_("Sector"), choices=[("", _("All sectors")), *Sector.choices], required=False
    )
    city = forms.ModelChoiceField(label=_("City"), queryset=City.objects.none(), required=False)
    year = forms.IntegerField(label=_("Due year"), required=False, min_value=2000, max_value=2100)
    due_on = forms.DateField(
        label=_("Due on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(label=_("Unit name or code"), required=False, max_length=100)

    def __init__(self, *args, cities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = cities


class MarkMetForm(forms.Form):
    note = forms.CharField(
        label=_("How was it met?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_(
            "Recorded in the history, e.g. 'submitted on paper on 3 March, "
            "received by the city bureau'."
        ),
    )


class ExtensionRequestForm(forms.Form):
    requested_due_on = forms.DateField(
        label=_("New due date asked for"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("grant", _("Grant")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    granted_due_on = forms.DateField(
        label=_("New due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Note to the enterprise"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "grant" and not cleaned.get("granted_due_on"):
            self.add_error("granted_due_on", _("Give the new due date."))
        return cleaned


class InternalDeadlineForm(forms.Form):
    offset_days = forms.IntegerField(
        label=_("Days after the end of the period"), required=False, min_value=0, max_value=400
    )
    due_month = forms.IntegerField(label=_("Month"), required=False, min_value=1, max_value=12)
    due_day = forms.IntegerField(label=_("Day"), required=False, min_value=1, max_value=31)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def clean(self):
        cleaned = super().clean()
        has_offset = cleaned.get("offset_days") is not None
        date_parts = [cleaned.get("due_month") is not None, cleaned.get("due_day") is not None]
        if has_offset == any(date_parts) or not (all(date_parts) or not any(date_parts)):
            raise forms.ValidationError(
                _("Give either a number of days after the period, or a month and day.")
            )
        return cleaned
