"""`manage.py seed_demo [--scale small|national]`: deterministic demo data and demo logins."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from units import demo


class Command(BaseCommand):
    help = (
        "Create demo key emission units, facilities, three years of emissions and seven demo "
        "logins. Deterministic and idempotent: a rerun adds only what is missing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--scale", choices=demo.SCALES, default="small")

    def handle(self, *args: Any, scale: demo.Scale, **options: Any) -> None:
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
        self.stdout.write(login_table(result.logins))


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
