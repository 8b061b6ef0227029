"""Every role logs in through the form and lands on its own home page; the language switch turns
the page, and the user's e-mail language, between English and Chinese."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.browser.conftest import log_out

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

# (the world's user, the home page's heading, a text only that role's home page shows)
ROLES = {
    "staff": ("Provincial home · Shandong", "1 units registered"),
    "enterprise_user": ("Enterprise home", "浏览器测试电厂"),
    "verifier": ("Verifier home", "Browser Test Verifiers"),
    "ministry": ("National overview", "Read-only view of every province."),
    "administrator": ("National overview", "Provinces"),
}


def test_each_role_logs_in_sees_its_home_page_and_logs_out(world, log_in, new_page, url):
    page = new_page()  # one browser for every role in turn, as on a shared office computer
    for role, (heading, text) in ROLES.items():
        log_in(getattr(world, role), page)

        expect(page.locator("main h1"), f"{role}'s home page").to_have_text(heading)
        expect(page.locator("main"), f"{role}'s home page").to_contain_text(text)
        administration = page.locator("nav.mainnav").get_by_role("link", name="Administration")
        expect(administration, role).to_have_count(1 if role == "administrator" else 0)
        log_out(page, url)
        page.goto(url("home"))
        expect(page.locator("main h1"), f"{role} logged out").to_have_text("Log in")


def test_language_switch_turns_the_pages_between_english_and_chinese(world, log_in):
    page = log_in(world.enterprise_user)
    navigation = page.locator("nav.mainnav")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(navigation.get_by_role("link", name="Home", exact=True)).to_be_visible()

    page.locator("#language").select_option("zh-hans")

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(navigation.get_by_role("link", name="首页", exact=True)).to_be_visible()
    expect(navigation.get_by_role("link", name="日历", exact=True)).to_be_visible()
    expect(page.locator("main h1")).to_have_text("企业首页")
    assert User.objects.get(pk=world.enterprise_user.pk).language == "zh-hans"

    page.locator("#language").select_option("en")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(navigation.get_by_role("link", name="Calendar", exact=True)).to_be_visible()
    expect(page.locator("main h1")).to_have_text("Enterprise home")
    assert User.objects.get(pk=world.enterprise_user.pk).language == "en"
