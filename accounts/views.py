from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts import scoping, selectors
from accounts.forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def home(request):
    """Each role lands on its own home page; a user with no role is told so."""
    actor = scoping.actor_for(request.user)
    if actor.is_administrator or actor.is_ministry_reviewer:
        template, context = (
            "accounts/home_national.html",
            {
                "provinces": selectors.province_summaries(actor=actor),
                "sectors": selectors.sector_counts(actor=actor),
            },
        )
    elif actor.staff_scopes:
        template, context = (
            "accounts/home_province.html",
            {
                "provinces": selectors.province_summaries(actor=actor),
                "sectors": selectors.sector_counts(actor=actor),
            },
        )
    elif actor.enterprise_ids:
        template, context = (
            "accounts/home_enterprise.html",
            {
                "enterprises": selectors.my_enterprises(actor=actor),
            },
        )
    elif actor.institution_ids:
        template, context = (
            "accounts/home_verifier.html",
            {
                "institutions": selectors.my_institutions(actor=actor),
            },
        )
    else:
        template, context = "accounts/home_no_role.html", {}
    return render(request, template, context)
