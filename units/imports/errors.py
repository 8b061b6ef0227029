"""What an import can fail with: a refused file, or rows with errors (each one a RowError).

ImportFileRejected is core's (core.xlsx raises it for every Excel import), exported here as is."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import ngettext

from core.errors import DomainError, ImportFileRejected

__all__ = ["ImportFileRejected", "ImportRejected", "RowError"]


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    message: str


class ImportRejected(DomainError):
    """Some rows are invalid; `errors` lists every one of them and nothing was saved."""

    def __init__(self, errors: list[RowError]) -> None:
        message = ngettext(
            "The file has %(count)d error; nothing was imported.",
            "The file has %(count)d errors; nothing was imported.",
            len(errors),
        ) % {"count": len(errors)}
        super().__init__(message)
        self.errors = errors
