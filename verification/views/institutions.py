"""Verification institution pages: the list, registering and editing an institution, its
verifier users and the relationships it declares with enterprises. Thin: parse, resolve the
actor, call one service or selector, render. A refused action shows the form again with 400 and
the reason."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts import scoping
from core.errors import DomainError, NotFound
from core.errors import PermissionDenied as ServicePermissionDenied
from units.models import Enterprise, Province
from verification import assignments, institutions
from verification.models import Institution, RelationshipKind

PAGE_SIZE = 50
YEAR = {"min_value": institutions.EARLIEST_YEAR, "max_value": institutions.LATEST_YEAR}


class InstitutionForm(forms.ModelForm):
    """Parses and validates the fields; the service saves and audits."""

    provinces = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Provinces served"),
        queryset=Province.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Only the provinces you are staff of are listed here."),
    )

    class Meta:
        model = Institution
        fields = list(institutions.INSTITUTION_FIELDS)
        widgets = {"qualifications": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provinces"].queryset = provinces
        self.fields["uscc"].help_text = _("18 characters; lower case is accepted and converted.")
        allowed = set(provinces.values_list("pk", flat=True))
        if self.instance.pk:
            self.fields["provinces"].initial = [
                province.pk for province in self.instance.provinces.all() if province.pk in allowed
            ]
        else:
            self.fields["provinces"].required = True
            if len(allowed) == 1:
                self.fields["provinces"].initial = list(allowed)

    def clean_uscc(self):
        return "".join(self.cleaned_data["uscc"].split()).upper()


class VerifierForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("User name"),
        max_length=150,
        help_text=gettext_lazy(
            "A new user name creates the user; an existing user who holds no role yet is added "
            "as they are."
        ),
    )
    name = forms.CharField(label=gettext_lazy("Full name"), max_length=150, required=False)
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)
    password = forms.CharField(
        label=gettext_lazy("Initial password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Only for a new user: hand it over to them."),
    )


class RelationshipForm(forms.Form):
    enterprise = forms.CharField(
        label=gettext_lazy("Unified social credit code of the unit"), max_length=18
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=RelationshipKind.choices)
    from_year = forms.IntegerField(label=gettext_lazy("From year"), **YEAR)
    to_year = forms.IntegerField(
        label=gettext_lazy("To year"),
        required=False,
        help_text=gettext_lazy("Empty while it lasts."),
        **YEAR,
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_enterprise(self):
        return "".join(self.cleaned_data["enterprise"].split()).upper()

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("from_year"), cleaned.get("to_year")
        if first and last and last < first:
            self.add_error("to_year", _("The last year must not be before the first year."))
        return cleaned


class EndRelationshipForm(forms.Form):
    to_year = forms.IntegerField(label=gettext_lazy("Last year it covers"), **YEAR)


def _render_form(request, template, context):
    """A form page; shown again after a POST only because the input was refused."""
    return render(request, template, context, status=400 if request.method == "POST" else 200)


def _add_errors(form, error) -> None:
    """A service's refusal on the form: on the field it names, else above the form."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    elif isinstance(error, ValidationError):
        form.add_error(None, error)
    else:
        form.add_error(error.field if error.field in form.fields else None, error.message)


def _changeable(actor, public_id) -> Institution:
    """The institution behind a change page: 404 outside the actor's scope, 403 if read-only."""
    institution = institutions.institution_detail(actor=actor, public_id=public_id)
    if not institutions.may_change(actor, institution):
        raise PermissionDenied
    return institution


def _may_read(actor) -> bool:
    return bool(actor.staff_scopes or actor.sees_all_provinces or actor.institution_ids)


@login_required
def institution_list(request):
    actor = scoping.actor_for(request.user)
    if not _may_read(actor):
        raise PermissionDenied
    page = Paginator(institutions.institution_list(actor=actor), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "query": "",
        "may_register": institutions.may_register(actor),
        "may_assign": bool(actor.staff_scopes) or actor.is_administrator,
    }
    return render(request, "verification/institution_list.html", context)


def _detail(request, actor, institution, *, status=200, error=None):
    page = Paginator(
        institutions.institution_assignments(actor=actor, institution=institution), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    may_change = institutions.may_change(actor, institution)
    context = {
        "institution": institution,
        "may_change": may_change,
        "may_record": bool(actor.staff_scopes) or actor.is_administrator,
        "verifiers": institutions.verifiers(actor=actor, institution=institution),
        "relationships": institutions.relationships(actor=actor, institution=institution),
        "page": page,
        "query": "",
        "withdrawable": assignments.WITHDRAWABLE,
        "error": error,
    }
    return render(request, "verification/institution_detail.html", context, status=status)


@login_required
def institution_detail(request, public_id):
    actor = scoping.actor_for(request.user)
    return _detail(
        request, actor, institutions.institution_detail(actor=actor, public_id=public_id)
    )


@login_required
@require_http_methods(["GET", "POST"])
def institution_new(request):
    actor = scoping.actor_for(request.user)
    if not institutions.may_register(actor):
        raise PermissionDenied
    provinces = institutions.registrable_provinces(actor=actor)
    form = InstitutionForm(request.POST or None, provinces=provinces)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in institutions.INSTITUTION_FIELDS}
        try:
            institution = institutions.register_institution(
                actor=actor,
                data=institutions.InstitutionData(
                    **data, provinces=tuple(form.cleaned_data["provinces"])
                ),
            )
        except (NotFound, ServicePermissionDenied):
            raise
        except (ValidationError, DomainError) as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Institution %(name)s registered.") % {"name": institution})
            return redirect("verification:institution-detail", public_id=institution.public_id)
    return _render_form(request, "verification/institution_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def institution_edit(request, public_id):
    actor = scoping.actor_for(request.user)
    institution = _changeable(actor, public_id)
    provinces = institutions.registrable_provinces(actor=actor)
    form = InstitutionForm(request.POST or None, instance=institution, provinces=provinces)
    if request.method == "POST" and form.is_valid():
        changes = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in institutions.INSTITUTION_FIELDS
        }
        try:
            institutions.update_institution(
                actor=actor,
                institution=institution,
                changes=changes,
                provinces=form.cleaned_data["provinces"],
            )
        except (NotFound, ServicePermissionDenied):
            raise
        except (ValidationError, DomainError) as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            if institutions.visible_to(actor, institution):
                return redirect("verification:institution-detail", public_id=public_id)
            return redirect("verification:institutions")
    context = {"form": form, "institution": institution}
    return _render_form(request, "verification/institution_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def verifier_add(request, public_id):
    actor = scoping.actor_for(request.user)
    institution = _changeable(actor, public_id)
    form = VerifierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = institutions.add_verifier(
                actor=actor, institution=institution, **form.cleaned_data
            )
        except (NotFound, ServicePermissionDenied):
            raise
        except (ValidationError, DomainError) as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("%(user)s is now a verifier of %(institution)s.")
                % {"user": user.get_username(), "institution": institution},
            )
            return redirect("verification:institution-detail", public_id=public_id)
    context = {"form": form, "institution": institution}
    return _render_form(request, "verification/institution_verifier_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def relationship_new(request, public_id):
    actor = scoping.actor_for(request.user)
    institution = institutions.institution_detail(actor=actor, public_id=public_id)
    if not (actor.staff_scopes or actor.is_administrator):
        raise PermissionDenied
    form = RelationshipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            data["enterprise"] = institutions.enterprise_by_uscc(
                actor=actor, uscc=data["enterprise"]
            )
            institutions.declare_relationship(actor=actor, institution=institution, **data)
        except Enterprise.DoesNotExist:
            form.add_error("enterprise", _("No key emission unit with this code in your area."))
        except (NotFound, ServicePermissionDenied):
            raise
        except (ValidationError, DomainError) as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The declared relationship was recorded."))
            return redirect("verification:institution-detail", public_id=public_id)
    context = {"form": form, "institution": institution}
    return _render_form(request, "verification/institution_relationship_form.html", context)


@login_required
@require_POST
def relationship_end(request, public_id):
    actor = scoping.actor_for(request.user)
    relationship = institutions.relationship_detail(actor=actor, public_id=public_id)
    institution = institutions.institution_detail(
        actor=actor, public_id=relationship.institution.public_id
    )
    form = EndRelationshipForm(request.POST)
    if not form.is_valid():
        error = " ".join(str(message) for errors in form.errors.values() for message in errors)
        return _detail(request, actor, institution, status=400, error=error)
    try:
        institutions.end_relationship(
            actor=actor, relationship=relationship, to_year=form.cleaned_data["to_year"]
        )
    except (NotFound, ServicePermissionDenied):
        raise
    except (ValidationError, DomainError) as refusal:
        error = (
            " ".join(refusal.messages) if isinstance(refusal, ValidationError) else refusal.message
        )
        return _detail(request, actor, institution, status=400, error=error)
    messages.success(request, _("The relationship's last year was recorded."))
    return redirect("verification:institution-detail", public_id=institution.public_id)


urlpatterns = [
    path("institutions/", institution_list, name="institutions"),
    path("institutions/new/", institution_new, name="institution-new"),
    path("institutions/<uuid:public_id>/", institution_detail, name="institution-detail"),
    path("institutions/<uuid:public_id>/edit/", institution_edit, name="institution-edit"),
    path("institutions/<uuid:public_id>/verifiers/add/", verifier_add, name="verifier-add"),
    path(
        "institutions/<uuid:public_id>/relationships/new/",
        relationship_new,
        name="relationship-new",
    ),
    path("relationships/<uuid:public_id>/end/", relationship_end, name="relationship-end"),
]
