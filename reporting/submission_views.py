"""The pages every kind of submission shares (monthly certifications, quality control plans,
annual reports), built on the one state machine of `reporting.submissions`: finding a record
for its own users or its reviewers, submitting, accepting and returning, starting a new version,
the staff's paged list, serving a stored file and the review part of a detail page.

Each kind's view module describes itself in a `Kind` and builds its views from the factories
here; what is its own (its content form, its detail page, its list of periods) stays there.
Thin: parse, resolve the actor, call one service or selector, render. A refused action shows
the detail page again with 400 and the reason."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import scoping
from core.errors import DomainError, NotFound
from core.errors import PermissionDenied as ServicePermissionDenied
from reporting import submissions
from reporting.forms import ReturnForm, ReviewForm
from reporting.models import SubmissionStatus
from units import selectors as units

PAGE_SIZE = 50


@dataclass(frozen=True)
class Kind:
    """What the shared views need to know of one kind of submission."""

    name: str  # the keyword its services and its template take the record by
    detail: Callable  # its scoped selector: (actor=, public_id=) -> record, or 404
    render: Callable  # its detail page: (request, actor, record, *, status=, error=, **forms)
    submit: Callable
    accept: Callable
    return_for_correction: Callable
    submitted: str  # the message once submitted (lazy, so it is read in the user's language)
    after_review: str  # the URL name the reviewer goes back to after accepting or returning


def next_action(latest) -> str:
    """What a list row offers for the latest version of a period (None: nothing started)."""
    if latest is None:
        return "start"
    if latest.status == SubmissionStatus.DRAFT:
        return "continue"
    if latest.status == SubmissionStatus.RETURNED:
        return "correct"
    return "view"


def is_own(actor, record) -> bool:
    return record.enterprise_id in actor.enterprise_ids


def is_staff(actor) -> bool:
    return bool(actor.staff_scopes or actor.sees_all_provinces)


def own(kind: Kind, request, public_id):
    """The actor and the record, for an action only the unit's own users may take."""
    actor = scoping.actor_for(request.user)
    record = kind.detail(actor=actor, public_id=public_id)
    if not is_own(actor, record):
        raise PermissionDenied
    return actor, record


def under_review(kind: Kind, request, public_id):
    """The actor and the record, for an action only its reviewers may take."""
    actor = scoping.actor_for(request.user)
    record = kind.detail(actor=actor, public_id=public_id)
    if not submissions.is_reviewer(actor, record):
        raise PermissionDenied
    return actor, record


def refused(kind: Kind, request, actor, record, error: DomainError, *, form=None, **forms):
    """The detail page again (400) with the refusal, on the form that caused it if any; a
    record the actor may not see or act on stays a 404 or a 403."""
    if isinstance(error, NotFound | ServicePermissionDenied):
        raise error
    if form is not None:
        form.add_error(error.field if error.field in form.fields else None, error.message)
    return kind.render(request, actor, record, status=400, error=error.message, **forms)


def review_context(record, versions: list, forms: dict, *, own_record: bool, reviewer: bool):
    """The parts of a detail page every kind shows: the review forms while the record waits
    for its reviewer, its versions, and whether its own users may correct it (a new version)."""
    waiting = reviewer and record.status == SubmissionStatus.SUBMITTED
    return {
        "is_own": own_record,
        "accept_form": forms.get("accept_form") or (ReviewForm() if waiting else None),
        "return_form": forms.get("return_form") or (ReturnForm() if waiting else None),
        "versions": versions,
        "may_correct": own_record
        and record.status in submissions.STANDING
        and not any(v.status == SubmissionStatus.DRAFT for v in versions),
    }


def detail_view(kind: Kind):
    @login_required
    def view(request, public_id):
        actor = scoping.actor_for(request.user)
        return kind.render(request, actor, kind.detail(actor=actor, public_id=public_id))

    return view


def submit_view(kind: Kind):
    @login_required
    @require_POST
    def view(request, public_id):
        actor, record = own(kind, request, public_id)
        try:
            kind.submit(actor=actor, **{kind.name: record})
        except DomainError as error:
            return refused(kind, request, actor, record, error)
        messages.success(request, kind.submitted)
        return redirect(record)

    return view


def _review_view(kind: Kind, *, form_class, form_key: str, act: Callable, done: Callable):
    @login_required
    @require_POST
    def view(request, public_id):
        actor, record = under_review(kind, request, public_id)
        form = form_class(request.POST)
        if not form.is_valid():
            return kind.render(request, actor, record, status=400, **{form_key: form})
        try:
            act(actor=actor, comment=form.cleaned_data["comment"], **{kind.name: record})
        except DomainError as error:
            return refused(kind, request, actor, record, error, form=form, **{form_key: form})
        messages.success(request, done(record))
        return redirect(kind.after_review)

    return view


def accept_view(kind: Kind):
    return _review_view(
        kind,
        form_class=ReviewForm,
        form_key="accept_form",
        act=kind.accept,
        done=lambda record: _("Accepted: %(what)s.") % {"what": record},
    )


def return_view(kind: Kind):
    return _review_view(
        kind,
        form_class=ReturnForm,
        form_key="return_form",
        act=kind.return_for_correction,
        done=lambda record: (
            _("Returned to the enterprise for correction: %(what)s.") % {"what": record}
        ),
    )


def attach_view(kind: Kind, *, form: Callable, form_key: str, add: Callable, fields: Iterable):
    """Adding a file to a draft: `form` binds the upload form, `fields` are what `add` takes
    from it besides the file."""

    @login_required
    @require_POST
    def view(request, public_id):
        actor, record = own(kind, request, public_id)
        bound = form(request, record)
        if not bound.is_valid():
            return kind.render(request, actor, record, status=400, **{form_key: bound})
        cleaned = bound.cleaned_data
        try:
            add(
                actor=actor,
                uploaded_file=cleaned["file"],
                **{kind.name: record},
                **{field: cleaned[field] for field in fields},
            )
        except DomainError as error:
            return refused(kind, request, actor, record, error, form=bound, **{form_key: bound})
        messages.success(request, _("The file was added; its SHA-256 is shown in the list."))
        return redirect(record)

    return view


def serve(stored) -> FileResponse:
    """A stored file as a download (the caller's selector has checked who may have it); a file
    missing from storage is a 404."""
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=stored.original_name)


def start_view(*, form_class, start: Callable, page: Callable, fields: Iterable[str]):
    """Starting (or correcting: a new version of) a period from the enterprise's list page.
    `page` shows that page again: (request, actor, *, start_form=, status=)."""

    @login_required
    @require_POST
    def view(request):
        actor = scoping.actor_for(request.user)
        if not actor.enterprise_ids:
            raise PermissionDenied
        form = form_class(request.POST, enterprises=units.my_enterprises(actor=actor))
        if not form.is_valid():
            if "enterprise" in form.errors and request.POST.get("enterprise"):
                raise Http404  # another unit, or none: as if it did not exist
            return page(request, actor, start_form=form, status=400)
        try:
            record = start(actor=actor, **{field: form.cleaned_data[field] for field in fields})
        except (NotFound, ServicePermissionDenied):
            raise
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            return page(request, actor, start_form=form, status=400)
        return redirect(record)

    return view


def list_view(*, enterprise_page: Callable, staff_page: Callable):
    """One address for both sides: the enterprise's periods, or the staff's list."""

    @login_required
    def view(request):
        actor = scoping.actor_for(request.user)
        if actor.enterprise_ids:
            return enterprise_page(request, actor)
        if is_staff(actor):
            return staff_page(request, actor)
        raise PermissionDenied

    return view


def yearly_page(
    request,
    actor,
    *,
    records,
    years,
    obligations,
    template,
    open_until=None,
    start_form=None,
    status=200,
):
    """The enterprise's page of a yearly kind: per unit, a row a year (those the calendar
    offers and those already started) with its latest version, due date and next action.
    A year after `open_until` can only be viewed."""
    enterprises = list(units.my_enterprises(actor=actor))
    latest = {}
    for record in records:
        latest.setdefault((record.enterprise_id, record.year), record)
    years = sorted(set(years) | {year for _pk, year in latest}, reverse=True)
    due = obligations(
        actor=actor, enterprise_ids=[enterprise.pk for enterprise in enterprises], years=years
    )
    sections = [
        {
            "enterprise": enterprise,
            "rows": [
                {
                    "year": year,
                    "latest": latest.get((enterprise.pk, year)),
                    "obligation": due.get((enterprise.pk, year)),
                    "action": next_action(latest.get((enterprise.pk, year)))
                    if open_until is None or year <= open_until
                    else "view",
                }
                for year in years
            ],
        }
        for enterprise in enterprises
    ]
    context = {"sections": sections, "start_form": start_form}
    return render(request, template, context, status=status)


def staff_page(request, actor, *, form, rows, template):
    """The staff's paged list of one kind, filtered by `form`."""
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": query.urlencode(),
        "show_province": actor.sees_all_provinces or len(actor.province_ids) > 1,
    }
    return render(request, template, context)
