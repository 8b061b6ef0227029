"""The landing page after login: the project-level composition of each domain's summaries."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from accounts import scoping
from deadlines import selectors as deadlines
from reporting import selectors as reporting
from reporting.home import yearly_work
from units import selectors as units
from verification import selectors as verification


@login_required
def home(request):
    """Each role lands on its own home page; a user with no role is told so."""
    actor = scoping.actor_for(request.user)
    today = timezone.localdate()
    if actor.is_administrator or actor.is_ministry_reviewer:
        template, context = (
            "home/national.html",
            {
                "provinces": units.province_summaries(actor=actor),
                "sectors": units.sector_counts(actor=actor),
            },
        )
    elif actor.staff_scopes:
        template, context = (
            "home/province.html",
            {
                "provinces": units.province_summaries(actor=actor),
                "sectors": units.sector_counts(actor=actor),
                "overdue_count": deadlines.overdue(actor=actor, today=today).count(),
            },
        )
    elif actor.enterprise_ids:
        enterprises = list(units.my_enterprises(actor=actor))
        template, context = (
            "home/enterprise.html",
            {
                "enterprises": enterprises,
                "required": reporting.required_now(
                    actor=actor, enterprises=enterprises, today=today
                ),
                "yearly": yearly_work(actor=actor, enterprises=enterprises, today=today),
                "obligations": deadlines.upcoming_and_overdue(actor=actor, today=today, limit=8),
            },
        )
    elif actor.institution_ids:
        template, context = (
            "home/verifier.html",
            {
                "institutions": verification.my_institutions(actor=actor),
            },
        )
    else:
        template, context = "home/no_role.html", {}
    return render(request, template, {**context, "today": today})
