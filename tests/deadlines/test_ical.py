"""The calendar subscription: the feed settings page and the secret .ics URL, read back with the
standard icalendar parser. The clock is fixed at 2026-11-15 10:00 in Asia/Shanghai."""

import hashlib
from collections import Counter
from datetime import date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.scoping import actor_for
from deadlines.generation import generate_obligations
from deadlines.models import CalendarFeed, Obligation, ObligationKind, ObligationStatus
from tests.factories.deadlines import ObligationFactory, calendar_token, national_rule
from tests.factories.units import EnterpriseFactory, industry

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
FEED = reverse("deadlines:feed")


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def generated(shandong, qingdao, shandong_enterprise, guangdong_enterprise):
    """The 2026 calendar for a Jinan power unit, a Qingdao steel unit and a Guangdong unit."""
    steel = EnterpriseFactory(province=shandong, city=qingdao, industry=industry("3120", "steel"))
    generate_obligations(today=TODAY)
    Obligation.objects.filter(enterprise=shandong_enterprise, kind="annual_report").update(
        status=ObligationStatus.MET_ON_TIME, met_at=NOW
    )
    Obligation.objects.filter(enterprise=steel, due_on__lt=TODAY).update(
        status=ObligationStatus.MISSED
    )
    return steel


def create_link(client) -> str:
    """Ask for a new link on the settings page; returns the .ics path it showed."""
    response = client.post(FEED, {"action": "create"})
    assert response.status_code == 200
    url = response.context["new_url"]
    assert url.startswith("http://testserver/calendar/") and url.endswith(".ics")
    assert url in response.content.decode()
    return urlsplit(url).path


def ics_path(token: str, user) -> str:
    return reverse("deadlines:ical", kwargs={"user": user.public_id, "token": token})


def vevents(response) -> list:
    return icalendar.Calendar.from_ical(response.content).walk("VEVENT")


def feed_of(user) -> CalendarFeed:
    return CalendarFeed.objects.get(user=user, revoked_at__isnull=True)


class TestFeedSettings:
    def test_without_a_link_offers_to_create_one(self, client_as, shandong_enterprise_user):
        response = client_as(shandong_enterprise_user).get(FEED, **EN)
        assert response.status_code == 200
        assert (response.context["feed"], response.context["new_url"]) == (None, None)
        body = response.content.decode()
        assert "You have no calendar link." in body
        assert 'value="revoke"' not in body

    def test_create_shows_the_secret_url_once_and_stores_only_its_hash(
        self, client_as, shandong_enterprise_user
    ):
        client = client_as(shandong_enterprise_user)
        path = create_link(client)
        token = path.removesuffix(".ics").rsplit("/", 1)[1]
        assert path.startswith(f"/calendar/{shandong_enterprise_user.public_id}/")
        feed = feed_of(shandong_enterprise_user)
        assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in feed.token_hash
        response = client.get(FEED, **EN)
        assert response.context["new_url"] is None
        assert response.context["feed"] == feed
        body = response.content.decode()
        assert token not in body
        assert "You have an active calendar link created on 2026-11-15." in body
        assert 'value="revoke"' in body

    def test_revoking_turns_the_url_into_404(self, client_as, shandong_enterprise_user):
        client = client_as(shandong_enterprise_user)
        path = create_link(client)
        assert client.get(path).status_code == 200
        response = client.post(FEED, {"action": "revoke"})
        assert response.status_code == 302
        assert response["Location"] == FEED
        assert CalendarFeed.objects.get(user=shandong_enterprise_user).revoked_at == NOW
        assert client.get(path).status_code == 404
        page = client.get(FEED, **EN)
        assert page.context["feed"] is None
        assert "You have no calendar link." in page.content.decode()

    def test_replacing_the_link_makes_the_old_one_404(self, client_as, shandong_enterprise_user):
        client = client_as(shandong_enterprise_user)
        old = create_link(client)
        new = create_link(client)
        assert old != new
        assert client.get(old).status_code == 404
        assert client.get(new).status_code == 200
        feeds = CalendarFeed.objects.filter(user=shandong_enterprise_user)
        assert feeds.count() == 2
        assert feeds.filter(revoked_at__isnull=True).count() == 1

    def test_revoking_leaves_other_users_links_alone(
        self, client_as, shandong_enterprise_user, shandong_staff
    ):
        enterprise_path = create_link(client_as(shandong_enterprise_user))
        staff = client_as(shandong_staff)
        staff_path = create_link(staff)
        staff.post(FEED, {"action": "revoke"})
        assert staff.get(staff_path).status_code == 404
        assert staff.get(enterprise_path).status_code == 200
        assert feed_of(shandong_enterprise_user).revoked_at is None

    def test_anonymous_is_sent_to_login_and_creates_nothing(self, client):
        assert reverse("accounts:login") in client.get(FEED)["Location"]
        response = client.post(FEED, {"action": "create"})
        assert response.status_code == 302
        assert not CalendarFeed.objects.exists()


class TestIcal:
    def test_enterprise_feed_holds_its_own_due_dates(
        self, client_as, shandong_enterprise_user, shandong_enterprise, generated
    ):
        shandong_enterprise_user.language = "en"
        shandong_enterprise_user.save()
        before_last_year = ObligationFactory(
            enterprise=shandong_enterprise,
            period_start=date(2023, 1, 1),
            period_end=date(2023, 12, 31),
            original_due_on=date(2024, 3, 31),
            due_on=date(2024, 3, 31),
        )
        client = client_as(shandong_enterprise_user)
        path = create_link(client)
        client.logout()
        response = client.get(path)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        assert response["Content-Disposition"] == 'inline; filename="deadlines.ics"'
        calendar = icalendar.Calendar.from_ical(response.content)
        assert str(calendar["X-WR-CALNAME"]) == "Carbon market deadlines"
        events = calendar.walk("VEVENT")
        # The enterprise's own duties; the province's duties about it are not its deadlines.
        own = list(
            Obligation.objects.filter(
                enterprise=shandong_enterprise, rule__party="enterprise"
            ).exclude(pk=before_last_year.pk)
        )
        # On 2026-11-15: January to November's certifications, the annual report, settlement
        # and the 2027 quality control plan.
        assert len(own) == 14
        assert sorted(event.decoded("DTSTART") for event in events) == sorted(o.due_on for o in own)
        uids = [str(event["UID"]) for event in events]
        assert len(set(uids)) == len(uids)
        assert set(uids) == {f"obligation-{o.public_id}@carbon" for o in own}
        by_uid = {str(event["UID"]): event for event in events}
        (report,) = (o for o in own if o.kind == "annual_report")
        event = by_uid[f"obligation-{report.public_id}@carbon"]
        assert str(event["SUMMARY"]) == "Annual emission report 2025"
        assert str(event["DESCRIPTION"]) == "山东测试电厂 · Met on time"
        assert str(event["URL"]) == settings.SITE_URL + report.get_absolute_url()
        assert event.decoded("DTEND") == date(2026, 4, 1)

    def test_enterprise_feed_leaves_out_other_enterprises(
        self, client_as, shandong_enterprise_user, shandong_enterprise, shandong
    ):
        own = ObligationFactory(enterprise=shandong_enterprise)
        neighbour = ObligationFactory(enterprise=EnterpriseFactory(province=shandong))
        response = client_as(shandong_enterprise_user).get(
            ics_path(calendar_token(actor_for(shandong_enterprise_user)), shandong_enterprise_user)
        )
        uids = {str(event["UID"]) for event in vevents(response)}
        assert uids == {f"obligation-{own.public_id}@carbon"}
        assert f"obligation-{neighbour.public_id}@carbon" not in response.content.decode()

    def test_staff_feed_has_one_entry_per_kind_and_day_with_counts(
        self, client_as, shandong_staff, shandong, generated
    ):
        shandong_staff.language = "en"
        shandong_staff.save()
        totals, unmet = Counter(), Counter()
        for o in Obligation.objects.filter(province=shandong):
            totals[(o.due_on, o.kind)] += 1
            unmet[(o.due_on, o.kind)] += o.status in ("open", "missed")
        client = client_as(shandong_staff)
        path = create_link(client)
        client.logout()
        events = vevents(client.get(path))
        assert len(events) == len(totals)
        uids = [str(event["UID"]) for event in events]
        assert len(set(uids)) == len(uids)
        with translation.override("en"):  # the staff member's feed language
            expected = {
                (
                    due_on,
                    f"{ObligationKind(kind).label}: {unmet[(due_on, kind)]} of {total} not yet met",
                    f"due-{due_on}-{kind}@carbon",
                )
                for (due_on, kind), total in totals.items()
            }
        assert {
            (event.decoded("DTSTART"), str(event["SUMMARY"]), str(event["UID"])) for event in events
        } == expected
        settlement = (date(2026, 12, 31), "Quota settlement: 2 of 2 not yet met")
        assert settlement in {(d, s) for d, s, _uid in expected}

    def test_unknown_tokens_and_the_stored_hash_are_404(self, client, shandong_enterprise_user):
        calendar_token(actor_for(shandong_enterprise_user))
        stored_hash = feed_of(shandong_enterprise_user).token_hash
        assert client.get(ics_path("no-such-token", shandong_enterprise_user)).status_code == 404
        assert client.get(ics_path(stored_hash, shandong_enterprise_user)).status_code == 404

    def test_an_inactive_user_feed_is_404(self, client, shandong_enterprise_user):
        token = calendar_token(actor_for(shandong_enterprise_user))
        assert client.get(ics_path(token, shandong_enterprise_user)).status_code == 200
        shandong_enterprise_user.is_active = False
        shandong_enterprise_user.save()
        assert client.get(ics_path(token, shandong_enterprise_user)).status_code == 404

    def test_the_token_decides_whose_feed_not_the_session(
        self, client_as, shandong_staff, shandong_enterprise_user, shandong_enterprise
    ):
        own = ObligationFactory(rule=national_rule("settlement"), enterprise=shandong_enterprise)
        token = calendar_token(actor_for(shandong_enterprise_user))
        response = client_as(shandong_staff).get(ics_path(token, shandong_enterprise_user))
        assert [str(event["UID"]) for event in vevents(response)] == [
            f"obligation-{own.public_id}@carbon"
        ]

    def test_query_count_does_not_grow_with_obligations(
        self, client, shandong_enterprise_user, shandong_enterprise, django_assert_num_queries
    ):
        path = ics_path(
            calendar_token(actor_for(shandong_enterprise_user)), shandong_enterprise_user
        )
        ObligationFactory(enterprise=shandong_enterprise)
        with django_assert_num_queries(3):
            client.get(path)
        for month in range(1, 12):
            ObligationFactory(
                rule=national_rule("monthly_certification"),
                enterprise=shandong_enterprise,
                period=month - 1,
            )
        with django_assert_num_queries(3):
            response = client.get(path)
        assert len(vevents(response)) == 12


def test_a_token_is_valid_only_under_its_own_users_url(
    client, shandong_enterprise_user, shandong_staff
):
    """Another user's feed URL is 404: a token does not open under another user's id, and one
    user's id with another's token does not either."""
    enterprise_token = calendar_token(actor_for(shandong_enterprise_user))
    staff_token = calendar_token(actor_for(shandong_staff))
    assert client.get(ics_path(enterprise_token, shandong_enterprise_user)).status_code == 200
    assert client.get(ics_path(staff_token, shandong_staff)).status_code == 200
    assert client.get(ics_path(enterprise_token, shandong_staff)).status_code == 404
    assert client.get(ics_path(staff_token, shandong_enterprise_user)).status_code == 404
