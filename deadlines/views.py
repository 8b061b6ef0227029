"""Calendar pages: obligations, overdue, detail with its actions, rules, inbox, calendar, feeds."""

from datetime import MAXYEAR, MINYEAR, date, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import scoping
from core.errors import DomainError, NotFound
from deadlines import selectors, services
from deadlines.forms import (
    ExtensionDecisionForm,
    ExtensionRequestForm,
    InternalDeadlineForm,
    MarkMetForm,
    ObligationFilterForm,
)
from deadlines.ical import build_feed
from deadlines.messages import describe
from deadlines.models import ExtensionStatus
from units.models import Province
from units.selectors import cities_for

PAGE_SIZE = 50


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
def my_obligations(request):
    actor = scoping.actor_for(request.user)
    today = timezone.localdate()
    context = {
        "today": today,
        "obligations": selectors.upcoming_and_overdue(actor=actor, today=today),
        "met": selectors.recently_met(actor=actor),
    }
    return render(request, "deadlines/my_obligations.html", context)


@login_required
def province_obligations(request):
    actor = scoping.actor_for(request.user)
    form = ObligationFilterForm(request.GET or None, cities=cities_for(actor=actor))
    filters = selectors.ObligationFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.ObligationFilters(**form.cleaned_data)
    context = {
        "form": form,
        "summary": selectors.status_summary(actor=actor, filters=filters),
        "page": _page(request, selectors.obligation_list(actor=actor, filters=filters)),
        "query": _query_without_page(request),
        "today": timezone.localdate(),
    }
    return render(request, "deadlines/province_obligations.html", context)


@login_required
def overdue(request):
    actor = scoping.actor_for(request.user)
    today = timezone.localdate()
    context = {"page": _page(request, selectors.overdue(actor=actor, today=today)), "today": today}
    return render(request, "deadlines/overdue.html", context)


def _detail_context(actor, obligation, **forms):
    pending = next(
        (
            r
            for r in selectors.extension_requests(actor=actor, obligation=obligation)
            if r.status == ExtensionStatus.PENDING
        ),
        None,
    )
    may_change = scoping.can_change(actor, obligation)
    is_own = obligation.enterprise_id in actor.enterprise_ids
    return {
        "obligation": obligation,
        "today": timezone.localdate(),
        "internal_deadlines": selectors.internal_deadlines_for(obligation),
        "requests": selectors.extension_requests(actor=actor, obligation=obligation),
        "history": selectors.obligation_history(actor=actor, obligation=obligation)[:100],
        "pending": pending,
        "mark_met_form": forms.get("mark_met_form")
        or (MarkMetForm() if may_change and not obligation.is_met else None),
        "extension_form": forms.get("extension_form")
        or (
            ExtensionRequestForm() if is_own and not obligation.is_met and pending is None else None
        ),
        "decision_form": forms.get("decision_form")
        or (ExtensionDecisionForm() if may_change and pending else None),
    }


@login_required
def obligation_detail(request, public_id):
    actor = scoping.actor_for(request.user)
    obligation = selectors.obligation_detail(actor=actor, public_id=public_id)
    return render(request, "deadlines/obligation_detail.html", _detail_context(actor, obligation))


def _refused(request, actor, obligation, error, **forms):
    form = next(iter(forms.values()))
    form.add_error(error.field if error.field in form.fields else None, error.message)
    context = _detail_context(actor, obligation, **forms)
    return render(request, "deadlines/obligation_detail.html", context, status=400)


@login_required
@require_POST
def obligation_mark_met(request, public_id):
    actor = scoping.actor_for(request.user)
    obligation = selectors.obligation_detail(actor=actor, public_id=public_id)
    if not scoping.can_change(actor, obligation):
        raise PermissionDenied
    form = MarkMetForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "deadlines/obligation_detail.html",
            _detail_context(actor, obligation, mark_met_form=form),
            status=400,
        )
    try:
        services.mark_met_manually(
            actor=actor, obligation=obligation, note=form.cleaned_data["note"]
        )
    except DomainError as error:
        return _refused(request, actor, obligation, error, mark_met_form=form)
    messages.success(request, _("The obligation is recorded as met."))
    return redirect(obligation)


@login_required
@require_POST
def extension_request(request, public_id):
    actor = scoping.actor_for(request.user)
    obligation = selectors.obligation_detail(actor=actor, public_id=public_id)
    if obligation.enterprise_id not in actor.enterprise_ids:
        raise PermissionDenied
    form = ExtensionRequestForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "deadlines/obligation_detail.html",
            _detail_context(actor, obligation, extension_form=form),
            status=400,
        )
    try:
        services.request_extension(actor=actor, obligation=obligation, **form.cleaned_data)
    except DomainError as error:
        return _refused(request, actor, obligation, error, extension_form=form)
    messages.success(request, _("Your request was sent to the provincial department."))
    return redirect(obligation)


@login_required
@require_POST
def extension_decide(request, public_id):
    actor = scoping.actor_for(request.user)
    extension = selectors.extension_request(actor=actor, public_id=public_id)
    obligation = selectors.obligation_detail(actor=actor, public_id=extension.obligation.public_id)
    if not scoping.can_change(actor, obligation):
        raise PermissionDenied
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "deadlines/obligation_detail.html",
            _detail_context(actor, obligation, decision_form=form),
            status=400,
        )
    try:
        services.decide_extension(
            actor=actor,
            request=extension,
            grant=form.cleaned_data["decision"] == "grant",
            granted_due_on=form.cleaned_data["granted_due_on"],
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        return _refused(request, actor, obligation, error, decision_form=form)
    messages.success(request, _("The decision was recorded and sent to the enterprise."))
    return redirect(obligation)


def _year(request) -> int:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year


@login_required
def rules(request):
    actor = scoping.actor_for(request.user)
    year = _year(request)
    context = {
        "year": year,
        "rules": selectors.rules_for_year(actor=actor, year=year),
        "may_add_internal": any(city is None for _province, city in actor.staff_scopes),
        "internal_form": InternalDeadlineForm(),
    }
    return render(request, "deadlines/rules.html", context)


@login_required
@require_POST
def internal_deadline_add(request, public_id):
    actor = scoping.actor_for(request.user)
    parent = scoping.get_visible(
        actor, selectors.DeadlineRule, public_id=public_id, province__isnull=True
    )
    province_ids = sorted(p for p, city in actor.staff_scopes if city is None)
    if not province_ids:
        raise PermissionDenied
    form = InternalDeadlineForm(request.POST)
    if form.is_valid():
        try:
            services.add_internal_deadline(
                actor=actor,
                parent=parent,
                province=Province.objects.get(pk=province_ids[0]),
                **form.cleaned_data,
            )
        except DomainError as error:
            form.add_error(None, error.message)
    if form.errors:
        context = {
            "year": parent.year,
            "rules": selectors.rules_for_year(actor=actor, year=parent.year),
            "may_add_internal": True,
            "internal_form": form,
            "failed_rule": parent,
        }
        return render(request, "deadlines/rules.html", context, status=400)
    messages.success(request, _("The internal deadline was added."))
    return redirect(reverse("deadlines:rules") + f"?year={parent.year}")


@login_required
def inbox(request):
    actor = scoping.actor_for(request.user)
    today = timezone.localdate()
    page = _page(request, selectors.inbox(actor=actor))
    items = [(notification, describe(notification, today=today)) for notification in page]
    return render(request, "deadlines/inbox.html", {"page": page, "items": items})


@login_required
@require_POST
def inbox_mark_all_read(request):
    services.mark_read(actor=scoping.actor_for(request.user))
    return redirect("deadlines:inbox")


@login_required
def inbox_open(request, public_id):
    actor = scoping.actor_for(request.user)
    notification = selectors.notification(actor=actor, public_id=public_id)
    services.mark_read(actor=actor, notification_ids=[notification.pk])
    return redirect(describe(notification, today=timezone.localdate()).url)


@login_required
def month_calendar(request):
    actor = scoping.actor_for(request.user)
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        if not MINYEAR < year < MAXYEAR:  # the grid and its neighbours must stay representable
            raise ValueError(year)
        first = date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    previous = (first.replace(day=1) - timedelta(days=1)).replace(day=1)
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    context = {
        "first": first,
        "previous": previous,
        "following": following,
        "weeks": selectors.month_grid(actor=actor, year=first.year, month=first.month),
        "today": today,
    }
    return render(request, "deadlines/calendar.html", context)


@login_required
def feed_settings(request):
    actor = scoping.actor_for(request.user)
    new_url = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.revoke_calendar_feeds(actor=actor)
            messages.success(
                request, _("Your calendar link was revoked; calendars using it stop updating.")
            )
            return redirect("deadlines:feed")
        token = services.create_calendar_feed(actor=actor)
        path = reverse("deadlines:ical", kwargs={"user": request.user.public_id, "token": token})
        new_url = request.build_absolute_uri(path)
    context = {"feed": selectors.active_feed(actor=actor), "new_url": new_url}
    return render(request, "deadlines/feed.html", context)


def ical(request, user, token):
    """The secret-URL feed calendar clients subscribe to (no login). The URL names its user and
    the token is valid only with that user: unknown, revoked or another user's: 404."""
    try:
        feed = selectors.feed_for_token(
            user_public_id=user, token_hash=services.hash_feed_token(token)
        )
    except NotFound:
        raise Http404 from None
    per_obligation, entries = selectors.feed_entries(feed=feed, today=timezone.localdate())
    body = build_feed(
        user=feed.user, per_obligation=per_obligation, entries=entries, base_url=settings.SITE_URL
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    return response
