"""`manage.py seed_demo [--scale small|national] [--today YYYY-MM-DD]`: deterministic demo data,
demo logins, and the compliance calendar, the annual lists, the monthly certifications, the
annual emission reports and the quality control plans, the verification, the allowances and
their settlement as they stand on that day."""

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from units import demo


class Command(BaseCommand):
    help = (
        "Create demo key emission units, facilities, three years of emissions and the demo "
        "logins, then the compliance calendar as of today: obligations, some met on time, some "
        "late, some overdue, and reminders in the inboxes (not e-mailed); then the lists of key "
        "emission units of 2025-2027, published by two staff members each (four eyes) once "
        "their day has passed; then this year's monthly certifications, in step with the calendar "
        "(accepted, returned and corrected, awaiting review, drafts); then last year's annual "
        "emission reports and next year's data quality control plans, in step with the calendar "
        "(accepted, returned, awaiting review, drafts); then last year's verification "
        "(institutions, assignments, objections, the institutions' evaluation in draft) and "
        "allowances (pre-allocated, determined and issued in four-eyes batches, settlement in "
        "progress). Deterministic and idempotent: a rerun adds only what is missing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--scale", choices=demo.SCALES, default="small")
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="The day the calendar is seeded for (YYYY-MM-DD); default: today in Beijing.",
        )

    def handle(
        self, *args: Any, scale: demo.Scale, today: date | str | None = None, **options: Any
    ) -> None:
        if isinstance(today, str):  # call_command(today="...") skips the argument's type
            today = date.fromisoformat(today)
        today = today or timezone.localdate()
        started = time.perf_counter()
        result = demo.seed(scale)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"seed_demo {scale}: {result.enterprises} enterprises, {result.facilities} facilities, "
            f"{result.emissions} emission rows in {elapsed:.1f}s"
        )
        if result.already_present:
            self.stdout.write(
                f"({result.already_present} enterprises were already there, unchanged)"
            )
        started = time.perf_counter()
        # The second staff member of each province (four eyes) before the calendar, whose
        # digests go to every staff member; the lists after it, as it creates the obligation
        # that publication meets (both record the same time: units.demo.lists).
        staff = demo.ensure_list_staff(scale)
        calendar = demo.seed_deadlines(scale, today=today)
        self.stdout.write(deadlines_line(calendar, time.perf_counter() - started))
        started = time.perf_counter()
        lists = demo.seed_lists(scale, today=today, staff=staff)
        self.stdout.write(lists_line(lists, time.perf_counter() - started))
        started = time.perf_counter()
        # After the calendar, whose met monthly obligations say when each month was submitted.
        reporting = demo.seed_reporting(scale, today=today)
        self.stdout.write(reporting_line(reporting, time.perf_counter() - started))
        started = time.perf_counter()
        # After the calendar (whose met obligations say when each was submitted) and the months.
        yearly = demo.seed_annual(scale, today=today)
        self.stdout.write(annual_line(yearly, time.perf_counter() - started))
        started = time.perf_counter()
        # After the annual reports, which verification verifies.
        verified = demo.seed_verification(scale, today=today, staff=staff)
        self.stdout.write(verification_line(verified, time.perf_counter() - started))
        started = time.perf_counter()
        # After the verification, whose confirmed figures allocation and settlement read.
        quotas = demo.seed_quotas(scale, today=today, staff=staff)
        self.stdout.write(quotas_line(quotas, time.perf_counter() - started))
        started = time.perf_counter()
        # Last: they hold what every step above wrote.
        snapshots = demo.seed_snapshots(scale, today=today)
        self.stdout.write(snapshots_line(snapshots, time.perf_counter() - started))
        self.stdout.write(login_table(result.logins + lists.logins + verified.logins))


def snapshots_line(result: demo.SnapshotsResult, elapsed: float) -> str:
    line = (
        f"API bulk snapshots: {result.built} built ({result.rows} rows), {result.kept} kept "
        f"in {elapsed:.1f}s"
    )
    return "\n".join([line, *(f"  snapshot failed: {failure}" for failure in result.failed)])


def deadlines_line(result: demo.DeadlinesResult, elapsed: float) -> str:
    statuses = result.statuses
    return (
        f"calendar on {result.today}: {result.obligations_created} obligations created; "
        f"due before: {statuses.get('met_on_time', 0)} met on time, "
        f"{statuses.get('met_late', 0)} met late, {statuses.get('missed', 0)} overdue; "
        f"{result.upcoming} upcoming; {result.notifications_created} notifications "
        f"(not e-mailed) in {elapsed:.1f}s"
    )


def lists_line(result: demo.ListsResult, elapsed: float) -> str:
    line = (
        f"lists: {result.published} published, {result.revised} revised, "
        f"{result.drafts} drafts formulated"
    )
    if result.latest_year is not None:
        line += (
            f"; {result.latest_year} against {result.latest_year - 1}: {result.added} added, "
            f"{result.removed} removed"
        )
    return f"{line} in {elapsed:.1f}s"


def reporting_line(result: demo.ReportingResult, elapsed: float) -> str:
    statuses = result.statuses
    return (
        f"monthly certifications: {result.created} versions created "
        f"({statuses.get('accepted', 0)} accepted, {statuses.get('submitted', 0)} awaiting "
        f"review, {statuses.get('returned', 0)} returned, {result.corrected} corrections, "
        f"{statuses.get('draft', 0)} drafts); {result.late} months submitted late, "
        f"{result.with_warnings} versions with explained warnings in {elapsed:.1f}s"
    )


def annual_line(result: demo.AnnualResult, elapsed: float) -> str:
    def counts(statuses: dict[str, int]) -> str:
        return (
            f"{sum(statuses.values())} versions created ({statuses.get('accepted', 0)} accepted, "
            f"{statuses.get('submitted', 0)} awaiting review, {statuses.get('returned', 0)} "
            f"returned, {statuses.get('draft', 0)} drafts)"
        )

    return (
        f"annual reports of {result.report_year}: {counts(result.reports)}; {result.late} "
        f"submitted late, {result.with_warnings} with explained warnings; quality control plans "
        f"for {result.plan_year}: {counts(result.plans)}; {result.obligations_met} obligations "
        f"met in {elapsed:.1f}s"
    )


def verification_line(result: demo.VerificationResult, elapsed: float) -> str:
    statuses, objections = result.assignments, result.objections
    return (
        f"verification of {result.year}: {sum(statuses.values())} assignments created "
        f"({statuses.get('confirmed', 0)} confirmed, {statuses.get('concluded', 0)} awaiting "
        f"confirmation, {statuses.get('assigned', 0) + statuses.get('returned', 0)} in progress), "
        f"{result.basis_confirmed} of {result.year - 1} confirmed, {result.reports} accepted "
        f"reports written; {sum(objections.values())} objections "
        f"({objections.get('filed', 0)} awaiting re-review); {result.evaluations} institutions "
        f"in draft evaluations; {result.obligations_met} obligations met in {elapsed:.1f}s"
    )


def quotas_line(result: demo.QuotasResult, elapsed: float) -> str:
    approved = result.approved
    line = (
        f"allowances of {result.year}: batches approved: "
        f"{approved.get('pre_allocation', 0)} pre-allocations, "
        f"{approved.get('determination', 0)} determinations, {approved.get('allocation', 0)} "
        f"issuances ({result.issued} allocations issued); {result.opened} settlements opened, "
        f"{result.settled} settled, {result.partly} partly surrendered in {elapsed:.1f}s"
    )
    if result.waiting:
        line += f"\n  drafts waiting for data: {'; '.join(result.waiting)}"
    return line


def login_table(logins: tuple[demo.Login, ...]) -> str:
    rows = [("username", "role", "scope", "password")]
    rows += [(login.username, login.role, login.scope, demo.DEMO_PASSWORD) for login in logins]
    widths = [max(_width(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(_pad(cell, width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
