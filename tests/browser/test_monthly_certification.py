"""The monthly certification through the browser: the enterprise types the month's values,
explains the warning, attaches a lab report and submits; the provincial dashboard counts it as
met on time; the province's staff accept it from the review queue, and both see the result."""

import hashlib
import re

import pytest
from playwright.sync_api import expect

from deadlines.models import Obligation, ObligationStatus
from reporting.models import MonthlyCertification, SubmissionStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A plausible month of a coal-fired plant (as in tests/reporting/test_services.py).
POWER = {
    "coal_consumption": "152384.6",
    "coal_ncv": "21.352",
    "coal_carbon_content": "0.02694",
    "coal_oxidation_rate": "98.6",
    "power_generated": "480000",
    "power_supplied": "451200",
    "operating_hours": "698",
    "load_factor": "71.6",
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LAB_REPORT = "SD-LAB-2026-118"
EXPLANATION = "The earlier months are certified on paper; the platform copy follows."


def fact(page, term: str):
    """The value next to `term` in the page's facts list."""
    return page.locator(f'dl.facts dt:text-is("{term}") + dd')


def certify_october(page, world) -> None:
    """As the enterprise user: start October (the last ended month), type and save the values,
    explain the warning the check raises, attach the coal lab report, submit."""
    month = world.last_month.strftime("%Y-%m")
    page.locator("nav.mainnav").get_by_role("link", name="Monthly certifications").click()
    expect(page.locator("main h1")).to_have_text(f"Monthly certifications {world.today.year}")
    row = page.locator("tr").filter(has=page.get_by_role("cell", name=month, exact=True))
    row.get_by_role("button", name="Start", exact=True).click()
    expect(page.locator("main h1")).to_contain_text(f"Monthly certification {month} · v1")

    for code, value in POWER.items():
        page.locator(f'input[name="{code}"]').fill(value)
    page.get_by_role("button", name="Save and check").click()
    expect(page.locator(".messages")).to_contain_text("The check found 0 error(s)")
    # September has no certification: a warning that must be explained before submitting.
    expect(page.locator(".messages")).to_contain_text("and 1 warning(s)")
    page.get_by_label("Month 9 has no submitted certification yet.").fill(EXPLANATION)
    page.get_by_role("button", name="Save and check").click()
    expect(page.locator(".messages")).to_contain_text("The check found 0 error(s)")
    expect(page.locator("table.findings")).to_contain_text(EXPLANATION)

    page.locator('input[name="file"]').set_input_files(
        files=[{"name": "coal-lab-report.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.locator('select[name="kind"]').select_option("lab_report")
    page.locator('select[name="item_code"]').select_option("coal_ncv")
    page.locator('input[name="lab_report_number"]').fill(LAB_REPORT)
    page.get_by_role("button", name="Attach the file").click()
    evidence = page.locator("table.evidence")
    expect(evidence).to_contain_text("coal-lab-report.pdf")
    expect(evidence).to_contain_text(hashlib.sha256(PDF).hexdigest())
    expect(evidence).to_contain_text(LAB_REPORT)

    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.locator(".messages")).to_contain_text(
        "The certification was submitted to the provincial department."
    )
    expect(page.locator("main h1 .badge")).to_have_text("Submitted")
    # The live server's thread runs on the test's (travelled) clock: on time, due December 10.
    expect(fact(page, "Submitted at")).to_contain_text(f"{world.today:%Y-%m-%d}")
    expect(fact(page, "Due date")).to_have_text(re.compile(r"2026-12-10\s+Met on time"))


def dashboard_count(page, measure: str) -> int:
    """A monthly-certification figure of the dashboard's obligations table."""
    cell = page.locator(f'[data-kind="monthly_certification"][data-measure="{measure}"]').first
    expect(cell).to_have_text(re.compile(r"\d"))
    return int(re.search(r"\d[\d,]*", cell.inner_text()).group().replace(",", ""))


def test_a_month_certified_in_the_browser_is_counted_and_accepted(world, log_in, url):
    staff = log_in(world.staff)
    staff.goto(url("dashboards:province"))
    on_time, missing = dashboard_count(staff, "on_time"), dashboard_count(staff, "missing")

    enterprise = log_in(world.enterprise_user)
    certify_october(enterprise, world)

    staff.reload()
    assert dashboard_count(staff, "on_time") == on_time + 1
    assert dashboard_count(staff, "missing") == missing
    staff.locator("nav.mainnav summary", has_text="Reporting").click()
    staff.locator("nav.mainnav").get_by_role("link", name="Review queue").click()
    expect(staff.locator("main h1")).to_have_text("Review queue: monthly certifications")
    staff.get_by_role("link", name=world.enterprise.name_zh, exact=True).click()
    expect(staff.locator("main h1 .badge")).to_have_text("Submitted")
    expect(staff.locator("table.evidence")).to_contain_text(LAB_REPORT)
    staff.get_by_role("button", name="Accept", exact=True).click()
    expect(staff.locator(".messages")).to_contain_text("Accepted:")
    expect(staff.locator("main")).to_contain_text("Nothing waits for review here.")
    staff.locator('select[name="status"]').select_option("accepted")
    staff.get_by_role("button", name="Filter").click()
    row = staff.locator("tr", has=staff.get_by_role("link", name=world.enterprise.name_zh))
    expect(row.locator(".badge-accepted")).to_have_text("Accepted")

    enterprise.reload()
    expect(enterprise.locator("main h1 .badge")).to_have_text("Accepted")
    certification = MonthlyCertification.objects.get(enterprise=world.enterprise)
    assert certification.status == SubmissionStatus.ACCEPTED
    assert certification.evidence.get().lab_report_number == LAB_REPORT
    obligation = Obligation.objects.get(
        enterprise=world.enterprise, kind="monthly_certification", period_start=world.last_month
    )
    assert obligation.status == ObligationStatus.MET_ON_TIME
