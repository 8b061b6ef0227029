"""Forms of the monthly certification pages. The values form is built from the certification's
data item schema: one input per item, plus one explanation box per warning."""

from decimal import Decimal, InvalidOperation
from itertools import groupby

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reporting import annual
from reporting import messages as wording
from reporting.models import PlanSection, SubmissionStatus
from units.models import City, Sector

EXPLANATION_PREFIX = "explain:"


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def range_hint(item) -> str:
    low, high, unit = _plain(item.min_value), _plain(item.max_value), item.unit
    if high is None:
        if low in (None, "0"):
            return ""
        return _("plausible: at least %(min)s %(unit)s") % {"min": low, "unit": unit}
    if low in (None, "0"):
        return _("plausible: up to %(max)s %(unit)s") % {"max": high, "unit": unit}
    return _("plausible: %(min)s–%(max)s %(unit)s") % {"min": low, "max": high, "unit": unit}


class CertificationValuesForm(forms.Form):
    """The month's values as typed (a number per item, or empty), and the explanation of each
    warning, keyed by the finding's key so it stays attached across saves."""

    def __init__(self, *args, items, warnings, explanations, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.warnings = list(warnings)
        for item in self.items:
            self.fields[item.code] = forms.CharField(
                label=wording.item_name(item),
                required=False,
                max_length=40,
                help_text=range_hint(item),
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            )
        for finding in self.warnings:
            self.fields[EXPLANATION_PREFIX + finding.key] = forms.CharField(
                label=_("Explanation"),
                required=False,
                max_length=2000,
                initial=explanations.get(finding.key, ""),
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def clean(self):
        cleaned = super().clean()
        for item in self.items:
            text = (cleaned.get(item.code) or "").strip().replace(",", "")
            if not text:
                cleaned[item.code] = ""
                continue
            try:
                number = Decimal(text)
            except InvalidOperation:
                number = None
            if number is None or not number.is_finite():
                self.add_error(item.code, _("Enter a number."))
            elif number < 0:
                self.add_error(item.code, _("Enter a number of zero or more."))
            else:
                cleaned[item.code] = text
        return cleaned

    def values(self) -> dict[str, str]:
        return {item.code: self.cleaned_data[item.code] for item in self.items}

    def explanations(self, existing: dict[str, str]) -> dict[str, str]:
        """The explanations typed now over those kept from before (a correction starts with the
        previous version's; a box left empty removes its explanation)."""
        typed = {
            finding.key: self.cleaned_data.get(EXPLANATION_PREFIX + finding.key, "")
            for finding in self.warnings
        }
        return {**existing, **typed}

    def groups(self):
        """(heading, [(item, bound field)]) in the schema's order, one heading per group."""
        return [
            (wording.group_name(members), [(item, self[item.code]) for item in members])
            for members in (
                list(run) for _group, run in groupby(self.items, key=lambda item: item.group)
            )
        ]

    def explanation_field(self, finding):
        name = EXPLANATION_PREFIX + finding.key
        return self[name] if name in self.fields else None


class UnitChoiceForm(forms.Form):
    """A form that names one of the user's units; a user of a single unit may leave it out."""

    enterprise = forms.ModelChoiceField(
        label=gettext_lazy("Unit"), queryset=None, to_field_name="public_id", required=False
    )

    def __init__(self, *args, enterprises, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("enterprise") and "enterprise" not in self.errors:
            units = list(self.fields["enterprise"].queryset[:2])
            if len(units) != 1:
                self.add_error("enterprise", _("Choose the unit."))
            else:
                cleaned["enterprise"] = units[0]
        return cleaned


class StartForm(UnitChoiceForm):
    """Which unit's month to start (or correct). A user of a single unit may leave it out."""

    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    month = forms.IntegerField(label=gettext_lazy("Month"), min_value=1, max_value=12)


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("PDF, PNG, JPEG or xlsx."),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind of evidence"), choices=())
    item_code = forms.ChoiceField(label=gettext_lazy("For item"), choices=(), required=False)
    lab_report_number = forms.CharField(
        label=gettext_lazy("Lab report number"), max_length=100, required=False
    )
    lab_report_date = forms.DateField(
        label=gettext_lazy("Lab report date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = [kind for item in items for kind in item.evidence_types]
        kinds = [*dict.fromkeys([*kinds, "other"])]
        self.fields["kind"].choices = [(kind, wording.evidence_kind(kind)) for kind in kinds]
        self.fields["item_code"].choices = [
            ("", _("The whole month")),
            *((item.code, wording.item_name(item)) for item in items),
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == "lab_report" and not cleaned.get("lab_report_number"):
            self.add_error("lab_report_number", _("Give the lab report's number."))
        return cleaned


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comment to the enterprise"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReturnForm(ReviewForm):
    comment = forms.CharField(
        label=gettext_lazy("What must be corrected"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WaiverForm(forms.Form):
    justification = forms.CharField(
        label=gettext_lazy("Justification for the waiver"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class QueueFilterForm(forms.Form):
    STATUSES = [
        ("", gettext_lazy("All statuses")),
        *((value, label) for value, label in SubmissionStatus.choices if value != "draft"),
    ]

    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=STATUSES, required=False)
    sector = forms.ChoiceField(
        label=gettext_lazy("Sector"),
        choices=[("", gettext_lazy("All sectors")), *Sector.choices],
        required=False,
    )
    city = forms.ModelChoiceField(
        label=gettext_lazy("City"), queryset=City.objects.none(), required=False
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year"), required=False, min_value=2000, max_value=2100
    )
    month = forms.IntegerField(
        label=gettext_lazy("Month"), required=False, min_value=1, max_value=12
    )
    has_warnings = forms.BooleanField(label=gettext_lazy("With warnings"), required=False)
    q = forms.CharField(label=gettext_lazy("Unit name or code"), required=False, max_length=100)

    def __init__(self, *args, cities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = cities


class PlanStartForm(UnitChoiceForm):
    """Which unit's plan year to start (or correct). A user of a single unit may leave it out."""

    year = forms.IntegerField(label=gettext_lazy("Plan year"), min_value=2000, max_value=2100)


PLAN_HELP = {
    "boundary": gettext_lazy("The accounting boundary and the facilities it covers."),
    "facilities": gettext_lazy(
        "Each main emission facility: capacity, fuel, boiler or turbine type, cooling."
    ),
    "parameters": gettext_lazy(
        "For each parameter: method of determination, metering equipment (model, accuracy, "
        "calibration frequency), sampling and testing frequency and standard, laboratory."
    ),
    "responsibilities": gettext_lazy(
        "Who records, checks and archives the data, and how missing data are handled."
    ),
    "qa_qc": gettext_lazy("The internal quality assurance and quality control rules."),
}


class PlanForm(forms.Form):
    """A plan's sections; any may stay empty in a draft, all are needed to submit."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in PlanSection.choices:
            self.fields[key] = forms.CharField(
                label=label,
                help_text=PLAN_HELP[key],
                required=False,
                max_length=20000,
                widget=forms.Textarea(attrs={"rows": 6}),
            )

    def content(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key, "") for key, _label in PlanSection.choices}


class PlanFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any status"))]
        + [(value, label) for value, label in SubmissionStatus.choices if value != "draft"],
    )


class ReportStartForm(PlanStartForm):
    """Which unit's reporting year to start (or correct)."""

    year = forms.IntegerField(label=gettext_lazy("Reporting year"), min_value=2000, max_value=2100)


class ReportValuesForm(CertificationValuesForm):
    """The year's values and the explanations of the report's warnings. The plausible ranges
    of quantities are monthly, so their hints are left out: a year's quantities are checked
    against the months' total instead."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for item in self.items:
            if annual.is_additive(item):
                self.fields[item.code].help_text = ""


REPORT_ATTACHMENT_KINDS = [
    "emission_report",
    "lab_report",
    "production_report",
    "metering_record",
    "calculation_sheet",
    "other",
]


class ReportAttachmentForm(forms.Form):
    """A document of an annual report: the report itself, test reports, production records."""

    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("PDF, PNG, JPEG or xlsx."),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind of document"), choices=())
    lab_report_number = forms.CharField(
        label=gettext_lazy("Lab report number"), max_length=100, required=False
    )
    lab_report_date = forms.DateField(
        label=gettext_lazy("Lab report date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (kind, wording.evidence_kind(kind)) for kind in REPORT_ATTACHMENT_KINDS
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == "lab_report" and not cleaned.get("lab_report_number"):
            self.add_error("lab_report_number", _("Give the lab report's number."))
        return cleaned


class ReportFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=QueueFilterForm.STATUSES, required=False
    )
    year = forms.IntegerField(
        label=gettext_lazy("Reporting year"), required=False, min_value=2000, max_value=2100
    )
    sector = forms.ChoiceField(
        label=gettext_lazy("Sector"),
        choices=[("", gettext_lazy("All sectors")), *Sector.choices],
        required=False,
    )
    q = forms.CharField(label=gettext_lazy("Unit name"), required=False, max_length=100)
