"""The data rows checked cell by cell: each becomes a day's or a facility's numbers, or
RowErrors naming its Excel row and column. Every cell is checked; nothing stops at the first
error, so one upload lists everything to fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from core.xlsx import NotANumber, cell_date, cell_number, cell_text, shown_cell
from reporting.excel.layout import LABEL_ZH, ItemColumn
from reporting.excel.reader import SheetRow
from units.imports.errors import RowError

LABEL_MAX_LENGTH = 100


@dataclass(frozen=True)
class ParsedRow:
    number: int
    label: date | str
    values: dict[str, Decimal]

    @property
    def is_day(self) -> bool:
        return isinstance(self.label, date)


@dataclass
class ParsedRows:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def of_days(self) -> bool:
        """Whether the file lists days (else facilities): the kind of its first row."""
        return bool(self.rows) and self.rows[0].is_day


def parse_rows(columns: list[ItemColumn], sheet_rows: list[SheetRow]) -> ParsedRows:
    parsed = ParsedRows()
    seen: dict[date | str, int] = {}
    for row in sheet_rows:
        errors_before = len(parsed.errors)
        values = _values(row, columns, parsed.errors)
        if not values and len(parsed.errors) == errors_before:
            continue  # a labelled row without figures (a day the template listed): nothing to add
        label = _label(row, parsed, seen)
        if label is not None and len(parsed.errors) == errors_before:
            parsed.rows.append(ParsedRow(row.number, label, values))
    return parsed


def _values(row: SheetRow, columns: list[ItemColumn], errors: list[RowError]) -> dict:
    values = {}
    for column, (value, is_formula) in zip(columns, row.cells[1:], strict=True):
        if is_formula:
            errors.append(
                RowError(row.number, column.title, shown_cell(value),
                         _("Formulas are not accepted: enter the value itself."))
            )  # fmt: skip
            continue
        try:
            number = cell_number(value)
        except NotANumber as reason:
            errors.append(RowError(row.number, column.title, shown_cell(value), str(reason)))
            continue
        if number is not None:
            values[column.item.code] = number
    return values


def _label(row: SheetRow, parsed: ParsedRows, seen: dict) -> date | str | None:
    value, is_formula = row.cells[0]
    shown = shown_cell(value)

    def fail(message: str) -> None:
        parsed.errors.append(RowError(row.number, LABEL_ZH, shown, message))

    if is_formula:
        fail(_("Formulas are not accepted: enter the value itself."))
        return None
    label = cell_date(value) or cell_text(value)
    if not label:
        fail(_("Fill in the day (a date) or the facility this row is about."))
        return None
    if isinstance(label, str) and len(label) > LABEL_MAX_LENGTH:
        fail(_("At most %(limit)d characters are allowed.") % {"limit": LABEL_MAX_LENGTH})
        return None
    if parsed.rows and parsed.of_days != isinstance(label, date):
        first = parsed.rows[0]
        if parsed.of_days:
            fail(
                _("This file lists days (row %(row)d is %(day)s): fill in a date, or use a "
                  "separate file for facilities.") % {"row": first.number, "day": first.label}
            )  # fmt: skip
        else:
            fail(
                _("This file lists facilities (row %(row)d is %(facility)s): a date here would mix "
                  "days and facilities.") % {"row": first.number, "facility": first.label}
            )  # fmt: skip
        return None
    first_row = seen.setdefault(label, row.number)
    if first_row != row.number:
        fail(
            _("%(label)s is also in row %(row)d: list each day or facility once.")
            % {"label": label, "row": first_row}
        )
        return None
    return label
