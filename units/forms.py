from django import forms
from django.utils.translation import gettext_lazy as _

from units.models import (
    AnnualEmissions,
    City,
    Enterprise,
    EnterpriseStatus,
    Facility,
    Industry,
    Province,
    Sector,
)
from units.services import ENTERPRISE_FIELDS, FACILITY_FIELDS


class EnterpriseFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or code"), required=False, max_length=100)
    province = forms.ModelChoiceField(
        label=_("Province"), queryset=Province.objects.none(), required=False, to_field_name="code"
    )
    sector = forms.ChoiceField(
        label=_("Sector"), choices=[("", _("All sectors")), *Sector.choices], required=False
    )
    industry = forms.ModelChoiceField(
        label=_("Industry"), queryset=Industry.objects.none(), required=False
    )
    city = forms.ModelChoiceField(label=_("City"), queryset=City.objects.none(), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *EnterpriseStatus.choices],
        required=False,
    )
    emissions_min = forms.DecimalField(
        label=_("Emissions from (tCO2e)"), required=False, min_value=0
    )
    emissions_max = forms.DecimalField(label=_("Emissions to (tCO2e)"), required=False, min_value=0)

    def __init__(self, *args, provinces, cities, industries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = provinces
        self.fields["city"].queryset = cities
        self.fields["industry"].queryset = industries

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("emissions_min"), cleaned.get("emissions_max")
        if low is not None and high is not None and low > high:
            self.add_error("emissions_max", _("The upper bound must not be below the lower bound."))
        return cleaned


class EnterpriseForm(forms.ModelForm):
    """Parses and validates the fields; the service does the saving and the audit."""

    class Meta:
        model = Enterprise
        fields = list(ENTERPRISE_FIELDS)

    def __init__(self, *args, provinces, cities, city_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = provinces
        self.fields["city"].queryset = cities
        self.fields["city"].required = city_required
        self.fields["uscc"].help_text = _("18 characters; lower case is accepted and converted.")
        if self.instance.pk:
            self.fields["province"].disabled = True
        elif provinces.count() == 1:
            self.fields["province"].initial = provinces.first()

    def clean_uscc(self):
        return "".join(self.cleaned_data["uscc"].split()).upper()

    def clean(self):
        cleaned = super().clean()
        city, province = cleaned.get("city"), cleaned.get("province")
        if city and province and city.province_id != province.pk:
            self.add_error("city", _("This city is not in the selected province."))
        return cleaned


class FacilityForm(forms.ModelForm):
    class Meta:
        model = Facility
        fields = list(FACILITY_FIELDS)
        widgets = {"commissioned_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.enterprise = enterprise


class AnnualEmissionsForm(forms.ModelForm):
    class Meta:
        model = AnnualEmissions
        fields = ["year", "source", "direct_emissions", "indirect_emissions"]

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.enterprise = enterprise

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 2005 <= year <= 2100:
            raise forms.ValidationError(_("Enter a year between 2005 and 2100."))
        return year

    def validate_unique(self):
        # Recording a year again corrects it: the service updates the existing row.
        pass
