"""The deterministic in-memory generator: `plan(scale)` and `national_counts()`.

Each province draws from its own random stream (all derived from one fixed seed) and lists its
enterprises in a fixed order, so the small scale is exactly the first 30 units of Shandong and
Guangdong in the national scale. Nothing here touches the database.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from units import uscc
from units.demo.data import (
    COAL_T_PER_MW,
    COAL_UNIT_MW,
    DRY_REGIONS,
    EMISSIONS_CEILING_T,
    EMISSIONS_DISTRIBUTION,
    EMISSIONS_FLOOR_T,
    GAS_REGIONS,
    GAS_T_PER_MW,
    GAS_UNIT_MW,
    HEAD,
    HEAD_CASES,
    HEAVY_SPLIT,
    HEAVY_SPLIT_BY_PROVINCE,
    INDIRECT_SHARE,
    INDIRECT_SHARE_OTHER,
    INDUSTRY_WEIGHTS,
    LINE_KINDS,
    NATIONAL_TOTALS,
    PILOT_REGIONS,
    PROVINCE_WEIGHTS,
    REPORTING_SPLIT,
    SEED,
    SMALL_PER_PROVINCE,
    SMALL_PROVINCES,
    SMALL_UNIT_T,
    TAIL_CASES,
    YEARS,
    LineKind,
    Scale,
)
from units.demo.geography import PROVINCE_INFO, CityInfo, ProvinceInfo
from units.demo.names import (
    GIVEN_NAMES,
    GIVEN_NAMES_2,
    GROUPS,
    INDUSTRY_NAME_TEMPLATES,
    NAME_TEMPLATES,
    ORG_CODE_CHARS,
    ORG_CODE_WEIGHTS,
    PLACES,
    SURNAMES,
)
from units.demo.specs import EmissionsSpec, EnterpriseSpec, FacilitySpec
from units.models import Cooling, EmissionsSource, EnterpriseStatus, FacilityCategory, Fuel


@dataclass
class _Province:
    """The state of one province's generation: its random stream and what it has used."""

    info: ProvinceInfo
    rng: random.Random
    names: set[str] = field(default_factory=set)
    usccs: set[str] = field(default_factory=set)
    active_by_sector: dict[str, list[str]] = field(default_factory=dict)


def plan(scale: Scale) -> list[EnterpriseSpec]:
    """Every demo enterprise of a scale, in a fixed order, without touching the database."""
    counts = national_counts()
    seeds = _province_seeds()
    if scale == "small":
        return [
            spec
            for code in SMALL_PROVINCES
            for spec in _province_plan(code, counts[code], seeds[code], SMALL_PER_PROVINCE)
        ]
    return [
        spec for code in PROVINCE_INFO for spec in _province_plan(code, counts[code], seeds[code])
    ]


def national_counts() -> dict[str, dict[str, int]]:
    """Units per sector for each province at the national scale."""
    counts: dict[str, dict[str, int]] = {code: {} for code in PROVINCE_WEIGHTS}
    for column, group in enumerate(NATIONAL_TOTALS):
        weights = {code: w[column] for code, w in PROVINCE_WEIGHTS.items()}
        for code, n in _apportion(NATIONAL_TOTALS[group], weights).items():
            counts[code] |= _split(group, code, n)
    return counts


def _split(group: str, province_code: str, n: int) -> dict[str, int]:
    if group == "power":
        return {"power": n}
    if group == "heavy":
        return _apportion(n, HEAVY_SPLIT_BY_PROVINCE.get(province_code, HEAVY_SPLIT))
    return _apportion(n, REPORTING_SPLIT)


def _apportion(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split a total in proportion to weights, largest remainders first (sums exactly)."""
    scale = total / sum(weights.values())
    exact = {key: weight * scale for key, weight in weights.items()}
    shares = {key: int(value) for key, value in exact.items()}
    by_remainder = sorted(exact, key=lambda key: shares[key] - exact[key])
    for key in by_remainder[: total - sum(shares.values())]:
        shares[key] += 1
    return shares


def _province_seeds() -> dict[str, int]:
    master = random.Random(SEED)
    return {code: master.getrandbits(64) for code in PROVINCE_INFO}


def _province_plan(
    code: str, counts: dict[str, int], seed: int, limit: int | None = None
) -> Iterator[EnterpriseSpec]:
    state = _Province(PROVINCE_INFO[code], random.Random(seed))
    sectors = _sector_order(counts, state.rng)
    for index, sector in enumerate(sectors[:limit]):
        yield _enterprise(state, index, sector)


def _sector_order(counts: dict[str, int], rng: random.Random) -> list[str]:
    remaining = dict(counts)
    head = []
    for sector in HEAD:
        if remaining.get(sector, 0) > 0:
            head.append(sector)
            remaining[sector] -= 1
    tail = [sector for sector, n in remaining.items() for _ in range(n)]
    rng.shuffle(tail)
    return head + tail


def _case(state: _Province, index: int, sector: str) -> str:
    case = HEAD_CASES.get(index, "active") if index < len(HEAD) else _tail_case(state.rng)
    if case == "merged" and not state.active_by_sector.get(sector):
        return "closed"
    return case


def _tail_case(rng: random.Random) -> str:
    draw = rng.random()
    for case, probability in TAIL_CASES:
        if draw < probability:
            return case
        draw -= probability
    return "active"


def _enterprise(state: _Province, index: int, sector: str) -> EnterpriseSpec:
    rng = state.rng
    info = state.info
    city = rng.choice(info.cities)
    industry_code = _weighted(rng, INDUSTRY_WEIGHTS[sector])
    case = _case(state, index, sector)
    name_zh, name_en = _name(state, sector, industry_code, city)
    code = _uscc(state, city.code or info.code)
    merged_into = rng.choice(state.active_by_sector[sector]) if case == "merged" else ""
    if case in ("active", "below_2025", "rising"):
        state.active_by_sector.setdefault(sector, []).append(code)
    base = _base_emissions(rng, sector)
    return EnterpriseSpec(
        uscc=code,
        name_zh=name_zh,
        name_en=name_en,
        province_code=info.code,
        city_name_zh=city.name_zh,
        sector=sector,
        industry_code=industry_code,
        status={"closed": EnterpriseStatus.CLOSED, "merged": EnterpriseStatus.MERGED}.get(
            case, EnterpriseStatus.ACTIVE
        ),
        address=f"{info.name_zh}{city.name_zh}{rng.choice(PLACES)[0]}路{rng.randint(1, 999)}号",
        contact_name=_person(rng),
        contact_email=f"carbon-{code[-6:].lower()}@example.com",
        is_in_pilot_market=info.code in PILOT_REGIONS and rng.random() < 0.2,
        merged_into_uscc=merged_into,
        facilities=_facilities(
            state, sector, industry_code, SMALL_UNIT_T if case in ("below", "rising") else base
        ),
        emissions=_emissions(rng, sector, base, case),
    )


def _weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights)[0]


def _name(state: _Province, sector: str, industry_code: str, city: CityInfo) -> tuple[str, str]:
    templates = INDUSTRY_NAME_TEMPLATES.get((sector, industry_code)) or NAME_TEMPLATES[sector]
    groups = GROUPS.get(sector, (("", ""),))
    # A bounded retry: with the fixed seed every province finds free names well within it.
    for _attempt in range(100):
        zh, en = state.rng.choice(templates)
        group, place = state.rng.choice(groups), state.rng.choice(PLACES)
        name_zh = zh.format(
            group=group[0], city=city.short_zh, place=place[0], province=state.info.short_zh
        )
        if name_zh not in state.names:
            state.names.add(name_zh)
            name_en = en.format(
                group_en=group[1],
                city_en=city.name_en,
                place_en=place[1],
                province_en=state.info.short_en,
            )
            return name_zh, name_en
    raise RuntimeError(f"ran out of demo names for {sector} in {state.info.name_en}")


def _uscc(state: _Province, region: str) -> str:
    for _attempt in range(100):
        code = uscc.make(f"91{region}{_organisation_code(state.rng)}")
        if code not in state.usccs:
            state.usccs.add(code)
            return code
    raise RuntimeError(f"ran out of demo codes for {region}")


def _organisation_code(rng: random.Random) -> str:
    """Nine characters as in GB 11714: eight digits (older) or "MA" + six (since 2015), + check."""
    if rng.random() < 0.4:
        stem = "MA" + "".join(rng.choice(ORG_CODE_CHARS) for _ in range(6))
    else:
        stem = "".join(rng.choice("0123456789") for _ in range(8))
    return stem + _organisation_check(stem)


def _organisation_check(stem: str) -> str:
    total = sum(int(char, 36) * weight for char, weight in zip(stem, ORG_CODE_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def _person(rng: random.Random) -> str:
    given = rng.choice(GIVEN_NAMES) if rng.random() < 0.4 else rng.choice(GIVEN_NAMES_2)
    return rng.choice(SURNAMES) + given


def _base_emissions(rng: random.Random, sector: str) -> float:
    median, sigma = EMISSIONS_DISTRIBUTION[sector]
    value = median * rng.lognormvariate(0, sigma)
    return min(max(value, EMISSIONS_FLOOR_T), EMISSIONS_CEILING_T)


def _yearly_direct(rng: random.Random, base: float, case: str) -> list[float]:
    if case == "below":
        # On the list for 2023, then two years under the threshold: a removal candidate.
        return [
            rng.uniform(28_000, 40_000),
            rng.uniform(14_000, 25_000),
            rng.uniform(9_000, 24_000),
        ]
    if case == "rising":
        # Under the threshold in 2023 and 2024, over it in 2025: new on the 2027 list.
        return [
            rng.uniform(15_000, 24_000),
            rng.uniform(18_000, 25_500),
            rng.uniform(27_000, 36_000),
        ]
    direct = [base * rng.uniform(0.9, 1.1) for _year in YEARS]
    if case == "below_2025":
        direct[-1] = rng.uniform(12_000, 25_500)
    if case in ("closed", "merged"):
        # Closed or merged during 2025: no report for that year.
        return direct[:-1]
    return direct


def _emissions(
    rng: random.Random, sector: str, base: float, case: str
) -> tuple[EmissionsSpec, ...]:
    share = INDIRECT_SHARE.get(sector, INDIRECT_SHARE_OTHER)
    rows = []
    for year, verified in zip(YEARS, _yearly_direct(rng, base, case), strict=False):
        indirect = verified * share * rng.uniform(0.8, 1.2)
        if year == YEARS[-1]:
            # The latest year is reported first; verification then adjusts it a little.
            reported = verified * rng.uniform(0.97, 1.04)
            rows.append(
                EmissionsSpec(year, EmissionsSource.REPORTED, _tonnes(reported), _tonnes(indirect))
            )
        rows.append(
            EmissionsSpec(year, EmissionsSource.VERIFIED, _tonnes(verified), _tonnes(indirect))
        )
    return tuple(rows)


def _tonnes(value: float) -> Decimal:
    return Decimal(round(value))


def _facilities(
    state: _Province, sector: str, industry_code: str, base: float
) -> tuple[FacilitySpec, ...]:
    if sector == "power":
        return _generating_units(state, base)
    return _lines(state.rng, LINE_KINDS[sector, industry_code], base)


def _generating_units(state: _Province, base: float) -> tuple[FacilitySpec, ...]:
    rng = state.rng
    code = state.info.code
    gas = rng.random() < (0.4 if code in GAS_REGIONS else 0.05)
    sizes, t_per_mw = (GAS_UNIT_MW, GAS_T_PER_MW) if gas else (COAL_UNIT_MW, COAL_T_PER_MW)
    fuel = Fuel.NATURAL_GAS if gas else (Fuel.COAL_GANGUE if rng.random() < 0.08 else Fuel.COAL)
    dry = code in DRY_REGIONS and not gas
    cooling = Cooling.AIR if rng.random() < (0.6 if dry else 0.05) else Cooling.WATER
    count = rng.randint(1, 4)
    size = min(sizes, key=lambda mw: abs(mw - base / t_per_mw / count))
    return tuple(
        FacilitySpec(
            f"{n}号机组",
            FacilityCategory.GENERATING_UNIT,
            Decimal(size),
            "MW",
            fuel,
            cooling,
            _commissioned(rng),
        )
        for n in range(1, count + 1)
    )


def _lines(rng: random.Random, kind: LineKind, base: float) -> tuple[FacilitySpec, ...]:
    count = rng.randint(1, kind.most)
    each = max(kind.step, round(base / kind.t_per_capacity / count / kind.step) * kind.step)
    return tuple(
        FacilitySpec(
            kind.label if kind.most == 1 else f"{n}号{kind.label}",
            kind.category,
            Decimal(each),
            kind.unit,
            kind.fuel,
            Cooling.NOT_APPLICABLE,
            _commissioned(rng),
        )
        for n in range(1, count + 1)
    )


def _commissioned(rng: random.Random) -> date:
    return date(rng.randint(1995, 2022), rng.randint(1, 12), 1)
