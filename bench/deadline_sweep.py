"""Benchmark one daily sweep over a full year of obligations, at the national and the small scale.

    .venv/bin/python bench/deadline_sweep.py

Uses two PostgreSQL databases of its own, created if missing, migrated and seeded with the demo
units (idempotent, so a rerun skips straight to the measurements): BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/carbon_bench) with the national scale, and
BENCH_SMALL_DATABASE_URL (default: the same name with `_small`) with the small one. Besides the
demo logins, every enterprise gets a user and every province a staff member, so the reminders and
e-mails grow with the units as they would in production.

In each database the obligations and notifications are deleted, then `sweep(today=2026-12-31)`
runs twice: the first creates the whole year (obligations, statuses, reminders, digests, e-mails
through the locmem backend), the second must find nothing to do. Prints wall time and SQL query
count of each, side by side for both scales: the query count must not grow with the number of
enterprises. If it does, the statements whose count differs are listed.
"""

import os
import re
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

import environ
from benchsetup import DEFAULT_URL, ensure_database, setup_django

TODAY = date(2026, 12, 31)
USER_PREFIX = "bench-sweep-"


@dataclass(frozen=True)
class Run:
    seconds: float
    queries: list[str]
    result: Any


@dataclass(frozen=True)
class Measurement:
    scale: str
    enterprises: int
    users: int
    first: Run
    second: Run


def use_database(url: str) -> None:
    """Point the default connection at another database, as Django's test runner does."""
    from django.conf import settings
    from django.db import connection

    config = environ.Env.db_url_config(url)
    connection.close()
    for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT"):
        settings.DATABASES["default"][key] = config[key]
        connection.settings_dict[key] = config[key]


def prepare_data(scale: str) -> tuple[int, int]:
    """Migrate, seed the demo units, add the bench's users; returns (enterprises, users)."""
    from django.core.management import call_command

    from units import demo
    from units.models import Enterprise

    call_command("migrate", verbosity=0)
    demo.seed(scale)
    users = ensure_recipients()
    return Enterprise.objects.count(), users


def ensure_recipients() -> int:
    """A user for every enterprise and a staff member for every province, created once."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from accounts.models import Membership, Role
    from units.models import Enterprise, Province

    User = get_user_model()
    wanted = {
        f"{USER_PREFIX}ent-{uscc}": {"enterprise_id": pk}
        for pk, uscc in Enterprise.objects.values_list("pk", "uscc")
    }
    wanted |= {
        f"{USER_PREFIX}staff-{code}": {"province_id": pk}
        for pk, code in Province.objects.values_list("pk", "code")
    }
    password = make_password(None)  # unusable; nobody logs in as these
    User.objects.bulk_create(
        [User(username=name, email=f"{name}@example.com", password=password) for name in wanted],
        ignore_conflicts=True,
        batch_size=1000,
    )
    ids = dict(User.objects.filter(username__in=wanted).values_list("username", "pk"))
    Membership.objects.bulk_create(
        [
            Membership(
                user_id=ids[name],
                role=Role.ENTERPRISE_USER if "enterprise_id" in scope else Role.PROVINCIAL_STAFF,
                **scope,
            )
            for name, scope in wanted.items()
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    return len(ids)


def clear_calendar() -> None:
    from deadlines.models import ExtensionRequest, Notification, Obligation

    Notification.objects.all().delete()
    ExtensionRequest.objects.all().delete()
    Obligation.objects.all().delete()


def timed_sweep() -> Run:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from deadlines.sweep import sweep

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        result = sweep(today=TODAY)
        seconds = time.perf_counter() - started
    return Run(seconds, [query["sql"] for query in captured.captured_queries], result)


def measure(scale: str, url: str) -> Measurement:
    from django.core import mail

    use_database(url)
    enterprises, users = prepare_data(scale)
    clear_calendar()
    mail.outbox = []
    first = timed_sweep()
    second = timed_sweep()
    return Measurement(scale, enterprises, users, first, second)


def shape(statement: str) -> str:
    """A statement without its values, to compare queries across scales."""
    statement = re.sub(r"'(?:[^']|'')*'", "?", statement)
    statement = re.sub(r"\b\d+\b", "?", statement)
    statement = re.sub(r"\(\?(?:, \?)*\)", "(...)", statement)
    return re.sub(r"(\(\.\.\.\),? ?)+", "(...) ", statement)[:160]


def report(measurements: list[Measurement]) -> None:
    rows: list[tuple[str, ...]] = [("", *(m.scale for m in measurements))]
    rows += [
        ("enterprises", *(str(m.enterprises) for m in measurements)),
        ("bench users", *(str(m.users) for m in measurements)),
        ("obligations created", *(str(m.first.result.obligations_created) for m in measurements)),
        ("became overdue", *(str(m.first.result.became_overdue) for m in measurements)),
        ("notifications", *(str(m.first.result.notifications_created) for m in measurements)),
        ("e-mails sent", *(str(m.first.result.emails_sent) for m in measurements)),
        ("first sweep s", *(f"{m.first.seconds:.1f}" for m in measurements)),
        ("first sweep queries", *(str(len(m.first.queries)) for m in measurements)),
        ("second sweep s", *(f"{m.second.seconds:.2f}" for m in measurements)),
        ("second sweep queries", *(str(len(m.second.queries)) for m in measurements)),
        ("second sweep new", *(_news(m.second.result) for m in measurements)),
    ]
    print(f"sweep(today={TODAY}) after deleting every obligation and notification")
    for row in rows:
        print(f"{row[0]:<22}" + "".join(f"{cell:>12}" for cell in row[1:]))
    for which in ("first", "second"):
        counts = [Counter(shape(q) for q in getattr(m, which).queries) for m in measurements]
        if len({sum(c.values()) for c in counts}) > 1:
            print(f"\nThe {which} sweep's query count differs between the scales:")
            for statement in sorted(set().union(*counts)):
                seen = [c[statement] for c in counts]
                if len(set(seen)) > 1:
                    print(f"  {seen}  {statement}")


def _news(result: Any) -> str:
    return str(result.obligations_created + result.notifications_created + result.emails_sent)


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    small_url = os.environ.get("BENCH_SMALL_DATABASE_URL") or _small(url)
    for database in (url, small_url):
        ensure_database(database)
    setup_django(url)
    report([measure("national", url), measure("small", small_url)])


def _small(url: str) -> str:
    base, _slash, name = url.rpartition("/")
    name, question, options = name.partition("?")
    return f"{base}/{name}_small{question}{options}"


if __name__ == "__main__":
    main()
