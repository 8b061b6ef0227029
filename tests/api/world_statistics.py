"""The API world's statistics records (see tests/api/conftest.py AREAS)."""

# basename -> the record kind whose first Shandong record is the detail tested for scope
# (none: statistics are addressed by province code, tests/api/test_statistics_api.py)
DETAIL_OF: dict[str, str] = {}
# basename -> the SQL queries of a list page, whatever its rows: token + last used +
# memberships, the cycle and last year's, the provinces, then one aggregate per measure
# (units, obligations, confirmed verifications, allocations, settlements, surrenders)
QUERIES: dict[str, int] = {"statistic": 12}


def grow(world, province, unit, records) -> None:
    """Nothing of its own: the statistics count the units and obligations the world grows."""
