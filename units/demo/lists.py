"""The annual lists in the demo: each province's lists for 2025, 2026 and 2027, published.

`seed_lists(scale, today)` takes every demo province's list of each year through the real
workflow (units.lists.services): formulated from the demo emissions by the province's staff,
submitted, approved by a second staff member (four eyes) and published, so the audit trail,
the list obligation and the units' notices are those of a real publication. The lists of 2025
need rules, and the data migration has them from 2026 only: the demo copies 2026's (source
"demo").

A list is published when its day has passed by `today`. The day is the one the demo calendar
gives the province's list obligation (units.demo.deadlines.outcome: a few days before October
31 of the year before, in office hours), so the list and the obligation agree whichever is
seeded first; the workflow's timestamps are then set to fixed offsets before it. The first
list whose day has not come yet is left as a draft. A rerun changes nothing. A published list
that lacks units seeded since (widening small to national) is corrected by a published revision.

The publication notices go to the inboxes marked as already e-mailed (the notices of earlier
years also as read), and the e-mail task that publication queues on commit is not queued: it
would find nothing to send, and queuing needs the broker and prints kombu's warnings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Membership, Role
from accounts.scoping import actor_for
from deadlines import services as deadline_services
from deadlines.models import Notification, Obligation, ObligationKind, ObligationStatus
from units.demo.data import DEMO_PASSWORD, SMALL_PROVINCES, Scale
from units.demo.deadlines import obligation_key, outcome
from units.demo.geography import PROVINCE_INFO
from units.demo.seeding import Login, _member
from units.lists import services
from units.models import (
    Decision,
    Enterprise,
    InclusionRule,
    ListEntry,
    ListScope,
    ListStatus,
    Province,
    UnitList,
)

LIST_YEARS = (2025, 2026, 2027)
RULE_SOURCE = "demo"
RULES_COPIED_FROM = 2026
OPEN = (ListStatus.DRAFT, ListStatus.SUBMITTED, ListStatus.APPROVED)
INCLUDED = (Decision.NEW, Decision.CONTINUING)
# The demo provinces' own logins; every other province gets a pair named after its code.
TEAMS = {
    "370000": ("shandong", "shandong-approver", "山东省生态环境厅审核人"),
    "440000": ("guangdong", "guangdong-approver", "广东省生态环境厅审核人"),
}
OTHER_STAFF = "staff-{code}"
OTHER_APPROVER = "approver-{code}"
# Before publication: formulated, submitted, approved (a revision goes faster).
TIMELINE = (timedelta(days=20), timedelta(days=10), timedelta(days=3))
REVISION_TIMELINE = (timedelta(days=3), timedelta(days=2), timedelta(days=1))
REVISION_DELAY = timedelta(days=7)
REVISION_REASON = "演示数据：补列名录编制后登记的重点排放单位。"


@dataclass(frozen=True)
class Team:
    staff: object  # formulates and submits
    approver: object  # approves and publishes


@dataclass(frozen=True)
class ListStaff:
    teams: dict[str, Team]  # by province code
    logins: tuple[Login, ...]


@dataclass(frozen=True)
class ListsResult:
    published: int  # lists published by this run (first publications)
    revised: int  # revisions published by this run
    drafts: int  # drafts formulated by this run
    latest_year: int | None  # the latest list year published in every province of the scale
    added: int  # in that year against the year before, market scope, all the scale's provinces
    removed: int
    logins: tuple[Login, ...]


def publication_time(province_code: str, year: int) -> datetime:
    """When the demo publishes a province's list: the day and time the demo calendar records
    for meeting the province's list obligation, a few days before October 31 of the year
    before."""
    due_on = date(year - 1, 10, 31)
    key = obligation_key(province_code, ObligationKind.LIST_PUBLICATION, date(year, 1, 1))
    met_at = outcome(key, due_on, today=due_on, province_level=True).met_at
    assert met_at is not None  # province-level obligations are always met on time in the demo
    return met_at


@transaction.atomic
def seed_lists(scale: Scale, *, today: date, staff: ListStaff | None = None) -> ListsResult:
    """The lists of the scale's provinces as of `today` (`staff`: from ensure_list_staff)."""
    ensure_rules()
    provinces = _provinces(scale)
    staff = staff or ensure_list_staff(scale)
    teams = staff.teams
    done: Counter[str] = Counter()
    published: list[UnitList] = []
    with _no_email_task():
        for province in provinces:
            for year in LIST_YEARS:
                step, unit_list = _seed_list(province, year, teams[province.code], today=today)
                done[step] += 1
                if step in ("published", "revised"):
                    published.append(unit_list)
    _quiet(published)
    latest, added, removed = _year_over_year(provinces)
    return ListsResult(
        published=done["published"],
        revised=done["revised"],
        drafts=done["draft"],
        latest_year=latest,
        added=added,
        removed=removed,
        logins=staff.logins,
    )


def _provinces(scale: Scale) -> list[Province]:
    codes = SMALL_PROVINCES if scale == "small" else tuple(PROVINCE_INFO)
    return list(Province.objects.filter(code__in=codes).order_by("code"))


def ensure_rules() -> None:
    """The demo's rules for the 2025 list: a copy of 2026's, marked as the demo's."""
    for rule in InclusionRule.objects.filter(list_year=RULES_COPIED_FROM):
        InclusionRule.objects.get_or_create(
            list_year=LIST_YEARS[0],
            sector=rule.sector,
            defaults={
                "is_market_sector": rule.is_market_sector,
                "threshold_t": rule.threshold_t,
                "lookback": rule.lookback,
                "from_year": rule.from_year,
                "to_year": rule.to_year,
                "include_new_build": rule.include_new_build,
                "removal_years_below": rule.removal_years_below,
                "source": RULE_SOURCE,
            },
        )


@transaction.atomic
def ensure_list_staff(scale: Scale) -> ListStaff:
    """Two staff members per province (four eyes): the demo provinces' staff login and an
    approver login; elsewhere `staff-<code>` and `approver-<code>`. Seed them before the calendar,
    whose daily digests go to every staff member."""
    provinces = _provinces(scale)
    others = [province for province in provinces if province.code not in TEAMS]
    _ensure_other_staff(others)
    usernames = {
        province.code: TEAMS.get(province.code)
        or (OTHER_STAFF.format(code=province.code), OTHER_APPROVER.format(code=province.code))
        for province in provinces
    }
    logins = []
    for province in provinces:
        if province.code in TEAMS:
            _staff, approver, display_name = TEAMS[province.code]
            _member(approver, display_name, Role.PROVINCIAL_STAFF, province=province)
            logins.append(
                Login(approver, Role.PROVINCIAL_STAFF, f"{province.name_zh} (second pair of eyes)")
            )
    if others:
        code = "<code>"
        logins.append(
            Login(
                f"{OTHER_STAFF.format(code=code)}, {OTHER_APPROVER.format(code=code)}",
                Role.PROVINCIAL_STAFF,
                f"each of the other {len(others)} provinces (e.g. "
                f"{OTHER_STAFF.format(code=others[0].code)})",
            )
        )
    wanted = {name for pair in usernames.values() for name in pair[:2]}
    users = {user.username: user for user in get_user_model().objects.filter(username__in=wanted)}
    teams = {
        code: Team(staff=users[names[0]], approver=users[names[1]])
        for code, names in usernames.items()
    }
    return ListStaff(teams, tuple(logins))


def _ensure_other_staff(provinces: list[Province]) -> None:
    """Staff pairs of the non-demo provinces, in bulk (one password hash for all of them)."""
    if not provinces:
        return
    User = get_user_model()
    names = {
        name.format(code=province.code): (province, label)
        for province in provinces
        for name, label in ((OTHER_STAFF, "经办人"), (OTHER_APPROVER, "审核人"))
    }
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    password = make_password(DEMO_PASSWORD)
    User.objects.bulk_create(
        [
            User(
                username=name,
                first_name=f"{province.name_zh}生态环境厅{label}",
                email=f"{name}@example.com",
                password=password,
            )
            for name, (province, label) in names.items()
            if name not in existing
        ]
    )
    users = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
    member = set(
        Membership.objects.filter(
            user__in=users.values(),
            role=Role.PROVINCIAL_STAFF,
            city=None,
            enterprise=None,
            institution=None,
        ).values_list("user_id", "province_id")
    )
    Membership.objects.bulk_create(
        [
            Membership(user_id=users[name], role=Role.PROVINCIAL_STAFF, province=province)
            for name, (province, _label) in names.items()
            if (users[name], province.pk) not in member
        ]
    )


def _seed_list(
    province: Province, year: int, team: Team, *, today: date
) -> tuple[str, UnitList | None]:
    """Take one province's list of one year as far as `today` allows; says what it did."""
    lists = UnitList.objects.filter(province=province, year=year)
    current = lists.filter(status__in=OPEN).first()
    published = lists.filter(status=ListStatus.PUBLISHED).first()
    when = publication_time(province.code, year)
    if when.date() >= today:
        if current is None and published is None and _previous_is_published(province, year):
            return "draft", _draft(province, year, team, today=today)
        return "", None
    if published is not None:
        if current is not None and current.correction_reason != REVISION_REASON:
            return "", None  # someone's correction in the works: not the demo's to publish
        if current is None:
            if not _lacks_units(published):
                return "", None
            current = services.start_revision(
                actor=actor_for(team.staff), unit_list=published, reason=REVISION_REASON
            )
    revision = current is not None and current.supersedes_id is not None
    unit_list = _publish(province, year, team, current)
    if revision:
        when = unit_list.supersedes.published_at + REVISION_DELAY
    _set_times(unit_list, when, REVISION_TIMELINE if revision else TIMELINE)
    return ("revised" if revision else "published"), unit_list


def _previous_is_published(province: Province, year: int) -> bool:
    return year == LIST_YEARS[0] or (
        UnitList.objects.filter(
            province=province, year=year - 1, status=ListStatus.PUBLISHED
        ).exists()
    )


def _draft(province: Province, year: int, team: Team, *, today: date) -> UnitList:
    unit_list = services.formulate(actor=actor_for(team.staff), province=province, year=year)
    formulated_at = timezone.make_aware(datetime.combine(today, time(9, 0)))
    UnitList.objects.filter(pk=unit_list.pk).update(formulated_at=formulated_at)
    return unit_list


def _lacks_units(unit_list: UnitList) -> bool:
    """Whether units the rules cover were registered after the list was drawn up."""
    sectors = InclusionRule.objects.filter(list_year=unit_list.year).values("sector")
    return (
        Enterprise.objects.filter(province=unit_list.province_id, industry__sector__in=sectors)
        .exclude(list_entries__unit_list=unit_list)
        .exists()
    )


def _publish(province: Province, year: int, team: Team, unit_list: UnitList | None) -> UnitList:
    """Formulate (or refresh) the draft, submit, approve with the other pair of eyes, publish."""
    if unit_list is None or unit_list.status == ListStatus.DRAFT:
        unit_list = services.formulate(actor=actor_for(team.staff), province=province, year=year)
        unit_list = services.submit(actor=actor_for(team.staff), unit_list=unit_list)
    if unit_list.status == ListStatus.SUBMITTED:
        other = team.approver if unit_list.submitted_by_id != team.approver.pk else team.staff
        unit_list = services.approve(actor=actor_for(other), unit_list=unit_list)
    return services.publish(actor=actor_for(team.approver), unit_list=unit_list)


def _set_times(
    unit_list: UnitList, when: datetime, timeline: tuple[timedelta, timedelta, timedelta]
) -> None:
    """The workflow's timestamps as of the demo's story, and the obligation the publication met
    (if it met one: the calendar may have met it first, at the same time)."""
    formulated, submitted, approved = timeline
    UnitList.objects.filter(pk=unit_list.pk).update(
        formulated_at=when - formulated,
        submitted_at=when - submitted,
        approved_at=when - approved,
        published_at=when,
    )
    for obligation in Obligation.objects.filter(fulfilment=f"units.unitlist:{unit_list.pk}"):
        on_time = timezone.localtime(when).date() <= obligation.due_on
        Obligation.objects.filter(pk=obligation.pk).update(
            met_at=when,
            status=ObligationStatus.MET_ON_TIME if on_time else ObligationStatus.MET_LATE,
        )


class _NotQueued:
    @staticmethod
    def delay(*args, **kwargs) -> None:
        return None


@contextmanager
def _no_email_task() -> Iterator[None]:
    """Publication queues the e-mail task on commit (deadlines.services.notify_many); the demo
    marks its notices as e-mailed instead, so the task is left out while the demo publishes."""
    task = deadline_services.send_pending_emails
    deadline_services.send_pending_emails = _NotQueued
    try:
        yield
    finally:
        deadline_services.send_pending_emails = task


def _quiet(published: list[UnitList]) -> None:
    """The notices of this run's publications: already e-mailed, and read unless they are about
    the province's latest list."""
    if not published:
        return
    latest: dict[int, int] = {}
    for unit_list in published:
        latest[unit_list.province_id] = max(latest.get(unit_list.province_id, 0), unit_list.year)
    now = timezone.now()
    keys = Q(pk__in=[])
    old = Q(pk__in=[])
    for unit_list in published:
        of_this_list = Q(dedupe_key__startswith=f"list:{unit_list.pk}:")
        keys |= of_this_list
        if unit_list.year < latest[unit_list.province_id]:
            old |= of_this_list
    notices = Notification.objects.filter(keys)
    notices.filter(emailed_at__isnull=True, email_claim="").update(emailed_at=now)
    notices.filter(old, read_at__isnull=True).update(read_at=now)


def _year_over_year(provinces: list[Province]) -> tuple[int | None, int, int]:
    """The latest year published in every province, and its market-scope additions and
    removals against the year before."""
    published = UnitList.objects.filter(province__in=provinces, status=ListStatus.PUBLISHED)
    counts = Counter(published.values_list("year", flat=True))
    years = [year for year in LIST_YEARS if provinces and counts[year] == len(provinces)]
    if not years:
        return None, 0, 0
    latest = years[-1]
    if latest == LIST_YEARS[0]:
        return latest, 0, 0

    def market(year: int, **decision) -> set[int]:
        return set(
            ListEntry.objects.filter(
                unit_list__in=published.filter(year=year), scope=ListScope.MARKET, **decision
            ).values_list("enterprise_id", flat=True)
        )

    added = market(latest, decision__in=INCLUDED) - market(latest - 1, decision__in=INCLUDED)
    return latest, len(added), len(market(latest, decision=Decision.REMOVED))
