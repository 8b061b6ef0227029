"""The datasets of bulk snapshots: what each domain app offers for download in bulk, as CSV
files of one year (and one province, or all).

Each domain app declares its datasets in a module listed in `settings.SNAPSHOT_DATASET_MODULES`
(the one place that collects them, so core names no domain app): `datasets = [Dataset(...)]`.
A file's rows are a queryset of the year over every province, showing what the API shows (no
drafts, no unpublished lists, no unapproved figures); the builder narrows it to a province
through `CsvFile.province` and reads it with `values_list(...).iterator()`, so memory stays
flat however many rows there are.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import import_module

from django.conf import settings
from django.db.models import Expression, QuerySet


@dataclass(frozen=True)
class Column:
    """One CSV column: its header and what fills it, a model path ("enterprise__uscc") or an
    expression (e.g. a figure shown only once approved)."""

    header: str
    source: str | Expression


@dataclass(frozen=True)
class CsvFile:
    """One CSV file of a dataset: `rows(year)` are the year's visible rows of every province;
    `province` is the path from a row to its province; `order` keeps the output stable.

    A stored row may stand for several lines (a JSON list of figures): `expand` turns the
    values of `columns` into those lines, and `headers` names their cells."""

    name: str
    columns: tuple[Column, ...]
    rows: Callable[[int], QuerySet]
    province: str
    order: tuple[str, ...] = ("pk",)
    expand: Callable[[tuple], Iterable[tuple]] | None = None
    headers: tuple[str, ...] = ()

    @property
    def header(self) -> list[str]:
        return list(self.headers) if self.expand else [column.header for column in self.columns]


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    files: tuple[CsvFile, ...]


def columns(*specs: str | tuple[str, str | Expression]) -> tuple[Column, ...]:
    """Columns from names that are their own model path, or (header, source) pairs."""
    return tuple(Column(spec, spec) if isinstance(spec, str) else Column(*spec) for spec in specs)


@cache
def registry() -> dict[str, Dataset]:
    """Every dataset by name, from the modules settings list, in their order."""
    found: dict[str, Dataset] = {}
    for module in settings.SNAPSHOT_DATASET_MODULES:
        for dataset in import_module(module).datasets:
            if dataset.name in found:
                raise ValueError(f"two snapshot datasets are named {dataset.name!r}")
            found[dataset.name] = dataset
    return found


def get(name: str) -> Dataset:
    try:
        return registry()[name]
    except KeyError:
        raise LookupError(f"no snapshot dataset named {name!r}") from None


def dataset_choices() -> list[tuple[str, str]]:
    return [(dataset.name, dataset.title) for dataset in registry().values()]
