"""The API world's snapshots records (see tests/api/conftest.py AREAS): each new unit of a
province adds one real snapshot of that province (the datasets in turn, then earlier years),
built from the world as it stands, so lists grow with the world and downloads are real zips."""

from core import datasets, snapshots

# basename -> the record kind whose first Shandong record is the detail tested for scope
DETAIL_OF: dict[str, str] = {"snapshot": "snapshots"}
# basename -> the SQL queries of a list page, whatever its rows
QUERIES: dict[str, int] = {"snapshot": 6}


def grow(world, province, unit, records) -> None:
    """Add this area's records for a new unit of the world (records.of(kind).append(...))."""
    built = records.of("snapshots")
    names = list(datasets.registry())
    year = 2026 - len(built) // len(names)
    name = names[len(built) % len(names)]
    built.append(snapshots.build(dataset=name, year=year, province_code=province.code))
