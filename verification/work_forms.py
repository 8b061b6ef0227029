"""Forms of the assignment page: the verifier's work and the province's return."""

from django import forms
from django.utils.translation import gettext_lazy

from verification import work
from verification.models import NonConformityStatus

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class WorkNoteForm(forms.Form):
    """The document review or the on-site check: what was done and found, and the date."""

    text = forms.CharField(max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))
    date = forms.DateField(label=gettext_lazy("Date"), widget=DATE_INPUT)

    def __init__(self, *args, label, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = label


class NonConformityForm(forms.Form):
    item_code = forms.CharField(
        label=gettext_lazy("Item"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("The data item or check point concerned, if any."),
    )
    description = forms.CharField(
        label=gettext_lazy("Non-conformity"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CloseNonConformityForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[
            (NonConformityStatus.RECTIFIED, NonConformityStatus.RECTIFIED.label),
            (NonConformityStatus.NOT_RECTIFIED, NonConformityStatus.NOT_RECTIFIED.label),
        ],
    )
    rectification = forms.CharField(
        label=gettext_lazy("Rectification, or why it was not rectified"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    closed_on = forms.DateField(label=gettext_lazy("Date"), widget=DATE_INPUT)


class EmissionsForm(forms.Form):
    emissions = forms.DecimalField(
        label=gettext_lazy("Verified emissions (tCO2e)"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
    )


class ActivityForm(forms.Form):
    """One number per facility and item the sector needs; an empty one is not recorded."""

    def __init__(self, *args, required, recorded, **kwargs):
        super().__init__(*args, **kwargs)
        self.required = required
        for row in required:
            self.fields[self.key(row.facility, row.item.code)] = forms.DecimalField(
                label=f"{row.facility.name} · {row.item.label} ({row.item.unit})",
                required=False,
                max_digits=18,
                decimal_places=4,
                min_value=0,
                initial=recorded.get((row.facility.pk, row.item.code)),
            )

    @staticmethod
    def key(facility, item_code: str) -> str:
        return f"{facility.public_id}:{item_code}"

    def rows(self) -> list[work.ActivityRow]:
        return [
            work.ActivityRow(row.facility, row.item.code, value, row.item.unit)
            for row in self.required
            if (value := self.cleaned_data.get(self.key(row.facility, row.item.code))) is not None
        ]


class ConclusionForm(forms.Form):
    # Not required here: the service lists everything still missing at once.
    conclusion = forms.CharField(
        label=gettext_lazy("Conclusion"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    conservative_basis = forms.CharField(
        label=gettext_lazy("Basis of the conservative estimate"),
        max_length=20000,
        required=False,
        help_text=gettext_lazy("Required when a non-conformity was not rectified."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReturnForm(forms.Form):
    """The province's return of a conclusion (its view is in views/confirmation.py)."""

    comment = forms.CharField(
        label=gettext_lazy("What the verifiers must correct"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
