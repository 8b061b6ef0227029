"""Real-browser tests: Debian's chromium, driven by Playwright, against pytest-django's live
server.

Playwright's own browser builds are never downloaded: the tests launch the system's chromium and
are skipped, naming the package to install, only where there is none. A failing test leaves a
full-page screenshot of each page it opened in var/test-screenshots/ and prints where.

The clock is fixed with time_machine, as in the rest of the suite, ticking from a Friday in late
November 2026: time_machine patches the clock process-wide, so the live server's thread lives on
the same day as the test, and nothing else reads a clock (the pages run no date-dependent script,
the cookies either end with the browser or carry a relative Max-Age, the database computes no
timestamps). October is then the last month that has ended, and its certification, due on
December 10, is met on time; the 2026 notice's cycle is the dashboard's.

The tests run outside a transaction (the live server's thread must see their rows), so each one
ends with a flush that also empties the data migrations' tables; the world reloads them.
`serialized_rollback` cannot do it here: once Playwright's sync API runs, an event loop is marked
running in this thread and Django keeps its connections in context-local storage, out of sight of
the connection that holds the serialized copy.
"""

import importlib
import os
import re
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse
from playwright.sync_api import expect, sync_playwright

from config.env import VAR_DIR
from deadlines.generation import generate_obligations
from tests.factories import accounts as users
from tests.factories.units import CityFactory, EnterpriseFactory, province
from tests.factories.verification import InstitutionFactory

PASSWORD = "demo-pass-2026"  # the factories' password (django-axes locks out after wrong ones)
SCREENSHOTS = VAR_DIR / "test-screenshots"
TIMEOUT_MS = 15_000
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
REFERENCE_DATA = (  # every loader is idempotent
    "units.migrations.0002_load_provinces_and_industries",
    "units.migrations.0005_load_inclusion_rules",
    "deadlines.migrations.0002_load_2026_notice",
    "reporting.migrations.0002_load_2026_schemas",
    "reporting.migrations.0004_load_validation_thresholds",
    "quotas.migrations.0002_load_plans",
    "verification.migrations.0003_load_2026_policy",
)


def chromium_executable() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="package")
def browser():
    """One headless chromium for this folder's tests, each of which opens its own contexts in it.
    Not for the session: while Playwright runs, this thread has a running event loop, which the
    rest of the suite must not inherit."""
    executable = chromium_executable()
    if executable is None:
        pytest.skip(
            "real-browser tests need a chromium on PATH: install Debian's package "
            "(apt-get install chromium)"
        )
    # Playwright's sync API keeps an event loop running in this thread, which makes Django
    # refuse the tests' own (plain, synchronous) ORM calls unless told they are safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    expect.set_options(timeout=TIMEOUT_MS)  # a busy CI machine renders slower than a desk's
    try:
        chromium = playwright.chromium.launch(executable_path=executable)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser, request):
    """Opens a page in a fresh context (its own cookies, so one user each), asking for English;
    the pages are kept on the test item for the failure screenshots."""
    contexts = []
    request.node.browser_pages = []

    def open_page():
        context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        request.node.browser_pages.append(page)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def url(live_server):
    """The live server's address of a named URL."""

    def absolute(name: str, *args, **kwargs) -> str:
        return live_server.url + reverse(name, args=args, kwargs=kwargs)

    return absolute


@pytest.fixture
def log_in(new_page, url):
    """Logs a user in through the login form and returns the page, on the user's home page."""

    def sign_in(user, page=None):
        page = page or new_page()
        page.goto(url("accounts:login"))
        page.locator("#id_username").fill(user.get_username())
        page.locator("#id_password").fill(PASSWORD)
        page.locator("main").get_by_role("button", name="Log in").click()
        page.wait_for_url(url("home"))
        expect(page.locator(".who")).to_have_text(user.get_username())
        return page

    return sign_in


def log_out(page, url) -> None:
    page.locator("header").get_by_role("button", name="Log out").click()
    page.wait_for_url(url("accounts:login"))
    expect(page.locator("h1")).to_have_text("Log in")


@dataclass
class World:
    today: date
    last_month: date  # the first day of the last month that has ended
    enterprise: object
    other_province_enterprise: object
    enterprise_user: object
    staff: object
    verifier: object
    institution: object
    ministry: object
    administrator: object


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    """Shandong and Guangdong each with a power plant and its obligations up to today; the
    Shandong plant's user, Shandong's staff, a verifier serving Shandong, a ministry reviewer and
    an administrator. Committed rows (the test runs outside a transaction), so the live server's
    thread sees them."""
    for module in REFERENCE_DATA:
        importlib.import_module(module).load(apps, None)
    settings.MEDIA_ROOT = tmp_path  # evidence uploads land here, not in var/
    with time_machine.travel(NOW, tick=True):
        shandong, guangdong = province("370000"), province("440000")
        enterprise = EnterpriseFactory(
            province=shandong,
            city=CityFactory(province=shandong, name_zh="济南市", name_en="Jinan"),
            name_zh="浏览器测试电厂",
            name_en="Browser Test Power Plant",
        )
        other = EnterpriseFactory(
            province=guangdong,
            city=CityFactory(province=guangdong, name_zh="广州市", name_en="Guangzhou"),
            name_zh="广东浏览器测试电厂",
        )
        institution = InstitutionFactory(
            provinces=[shandong], name_zh="浏览器测试核查机构", name_en="Browser Test Verifiers"
        )
        generate_obligations(today=NOW.date(), enterprise_ids=[enterprise.pk, other.pk])
        yield World(
            today=NOW.date(),
            last_month=date(2026, 10, 1),
            enterprise=enterprise,
            other_province_enterprise=other,
            enterprise_user=users.enterprise_user(enterprise, username="browser-enterprise"),
            staff=users.staff(shandong, username="browser-staff"),
            verifier=users.verifier(institution, username="browser-verifier"),
            institution=institution,
            ministry=users.ministry(username="browser-ministry"),
            administrator=users.administrator(username="browser-admin"),
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure, a full-page screenshot of each page the test opened, named after the test;
    their paths are printed in the failure's report, under "browser screenshots"."""
    report = yield
    pages = getattr(item, "browser_pages", [])
    if report.failed and report.when in ("setup", "call") and pages:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^\w.-]+", "_", item.name)
        saved = []
        for number, page in enumerate(pages, start=1):
            path = SCREENSHOTS / (f"{stem}.png" if number == 1 else f"{stem}-{number}.png")
            try:
                page.screenshot(path=str(path), full_page=True)
            except Exception as error:  # a crashed page must not hide the test's own failure
                saved.append(f"{path}: not saved ({error})")
            else:
                saved.append(str(path))
        report.sections.append(("browser screenshots", "\n".join(saved)))
    return report
