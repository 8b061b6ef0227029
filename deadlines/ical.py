"""The iCalendar (RFC 5545) feed of a user's due dates, built with the icalendar library."""

from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from deadlines.models import ObligationKind

PRODID = "-//Provincial carbon market compliance//deadlines//ZH"


def _event(uid: str, day: date, summary: str, description: str, url: str = "") -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("transp", "TRANSPARENT")
    if url:
        event.add("url", url)
    return event


def build_feed(*, user, per_obligation: bool, entries: list, base_url: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    with translation.override(user.language or settings.LANGUAGE_CODE):
        calendar.add("x-wr-calname", _("Carbon market deadlines"))
        calendar.add("x-wr-timezone", settings.TIME_ZONE)
        for entry in entries:
            calendar.add_component(_entry(entry, per_obligation=per_obligation, base_url=base_url))
    return calendar.to_ical()


def _entry(entry, *, per_obligation: bool, base_url: str) -> Event:
    if per_obligation:
        obligation = entry
        summary = f"{obligation.get_kind_display()} {obligation.period_label}"
        description = (
            f"{obligation.enterprise or obligation.province} · {obligation.get_status_display()}"
        )
        return _event(
            f"obligation-{obligation.public_id}@carbon",
            obligation.due_on,
            summary,
            description,
            base_url + obligation.get_absolute_url(),
        )
    label = ObligationKind(entry["kind"]).label
    summary = _("%(kind)s: %(unmet)d of %(total)d not yet met") % {
        "kind": label,
        "unmet": entry["unmet"],
        "total": entry["total"],
    }
    return _event(
        f"due-{entry['due_on']}-{entry['kind']}@carbon", entry["due_on"], summary, str(label)
    )
