"""Pure, deterministic, fast generator of a synthetic province for demos and benchmarks.

``generate(DemoConfig(...))`` builds the union tree (national root → province → real
GB/T 2260 cities and counties → townships → federations → grassroots unions) and the
employers in memory, and plans how many members each employer has. Members are then
streamed by :meth:`DemoProvince.member_batches`, lazily and identically on every call.

Rows are plain dicts whose keys are the graph property names; dates are ISO strings.
No database code lives here: the loader sends the rows to the graph in UNWIND batches.

Deliberate anomalies (shares in :class:`DemoConfig`): dissolved unions still holding
active members, unions in preparation, unions with a temporary code (``LS…``), employers
with 25+ employees and no union (应建未建), members without a union, members without an
employer.

Speed: no Faker call and no ``get_birth_place`` call per member. Names, codes and
distributions are lookup tables built once; the birthplace/birth-year pairs that stdnum
accepts are precomputed per year; resident-ID sequence numbers are unique by
construction (a per-stratum counter mapped through a bijection), so no set of issued
numbers is kept.
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from stdnum.cn import ric, uscc

from graph_service.demo.divisions import national_county_codes, province_layout
from graph_service.demo.names import (
    COMPANY_STEMS,
    FEDERATION_AREAS,
    FEDERATION_TRADES,
    GOVERNMENT_UNITS,
    INDUSTRY_WORDS,
    ORG_FORMS,
    PUBLIC_INSTITUTIONS,
    person_name,
    place_name,
    short_name,
)
from graph_service.demo.tree_shape import (
    AREA_CODES,
    EDUCATION_WEIGHTS,
    ENTERPRISE_INDUSTRY_WEIGHTS,
    INDUSTRY_UNIONS,
    INSTITUTION_INDUSTRY_WEIGHTS,
    MOBILE_PREFIXES,
    NATURE_WEIGHTS,
    POLITICAL_WEIGHTS,
    SMALL_NATURE_WEIGHTS,
    age_weight,
    pow2_table,
    weighted_pick,
)

#: Ages (18–65) are measured on this day; birth years are 1961–2007.
REFERENCE_DATE = date(2026, 1, 1)
BIRTH_YEARS = range(1961, 2008)
#: Members joined on or before this day.
JOIN_END = date(2026, 6, 30)
#: Five-year terms (届期) run until after this year.
TERM_AFTER_YEAR = 2024
TERM_YEARS = 5
NATIONAL_NAME = "中华全国总工会"
NATIONAL_FOUNDED = date(1925, 5, 1)

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_CHECK = "0123456789X"
_M64 = (1 << 64) - 1
#: Resident-ID slots per (birthplace, birth date, gender): 500 odd or 500 even sequences.
_SEQ_PER_GENDER = 500
#: Multiplier of the slot bijection (prime, coprime with 365·500 and 366·500).
_SLOT_STEP = 7919


@dataclass(frozen=True)
class DemoConfig:
    """What to generate. Shares are fractions; counts derived from them are at least 1."""

    members: int = 20_000
    seed: int = 42
    province: str = "42"  # Hubei
    members_per_union: int = 60
    joint_union_share: float = 0.15
    dissolved_union_share: float = 0.01
    preparing_union_share: float = 0.01
    temporary_code_share: float = 0.02
    unorganised_employer_share: float = 0.03
    member_without_union_share: float = 0.005
    member_without_employer_share: float = 0.002
    retained_member_share: float = 0.03
    other_province_share: float = 0.10


@dataclass(frozen=True, slots=True)
class _EmployerPlan:
    """What the member stream needs to know about one employer with members."""

    employer_id: str
    union_id: str
    county: str
    members: int
    union_founded: int  # ordinal
    new_form_share: float
    first_in_union: int  # index of this employer's first member within its union
    union_members: int
    chair: str | None  # the union chair's name (given to the union's first member)
    chair_male: bool


@dataclass
class DemoProvince:
    """A generated province: unions and employers in memory, members streamed."""

    config: DemoConfig
    unions: list[dict[str, object]]
    employers: list[dict[str, object]]
    _plans: list[_EmployerPlan] = field(repr=False)

    @property
    def member_count(self) -> int:
        """Number of members :meth:`member_batches` yields (== ``config.members``)."""
        return sum(plan.members for plan in self._plans)

    def member_batches(self, size: int = 5000) -> Iterator[list[dict[str, object]]]:
        """Stream all members in lists of ``size``; every call yields identical rows."""
        if size < 1:
            raise ValueError("batch size must be positive")
        return _member_batches(self.config, self._plans, size)


# ---------------------------------------------------------------------------------------
# dates


@lru_cache(maxsize=1)
def _iso_table() -> tuple[int, tuple[str, ...]]:
    """(first ordinal, ISO strings for every day from 1925-01-01 to 2026-12-31)."""
    first = date(1925, 1, 1).toordinal()
    last = date(2026, 12, 31).toordinal()
    return first, tuple(date.fromordinal(o).isoformat() for o in range(first, last + 1))


def _iso(ordinal: int) -> str:
    first, table = _iso_table()
    return table[ordinal - first]


def _random_day(rng: random.Random, lo: date, hi: date) -> date:
    if hi <= lo:
        return lo
    return lo + timedelta(days=rng.randint(0, (hi - lo).days))


def _term_end(founded: date) -> date:
    """End of the current 5-year term (the first term end after ``TERM_AFTER_YEAR``)."""
    terms = max(1, math.ceil((TERM_AFTER_YEAR + 1 - founded.year) / TERM_YEARS))
    year = founded.year + TERM_YEARS * terms
    if year <= TERM_AFTER_YEAR:  # founded on a late day of the boundary year
        year += TERM_YEARS
    try:
        return founded.replace(year=year)
    except ValueError:  # 29 February
        return founded.replace(year=year, day=28)


# ---------------------------------------------------------------------------------------
# the tree


class _TreeBuilder:
    """Builds union and employer rows for one config (one RNG, fixed call order)."""

    def __init__(self, config: DemoConfig) -> None:
        self.config = config
        self.rng = random.Random(f"union-tree:{config.seed}:{config.province}:tree")
        self.layout = province_layout(config.province)
        self.unions: list[dict[str, object]] = []
        self.employers: list[dict[str, object]] = []
        self.ids: set[str] = set()
        self.union_names: set[str] = set()
        self.employer_names: set[str] = set()
        self.temp_seq = 0
        self.chair_male: dict[str, bool] = {}
        self.founded: dict[str, date] = {}
        # employer index → raw size; union id → employer indexes (in order)
        self.raw_size: list[float] = []
        self.covered_by: dict[str, list[int]] = {}
        brand = "恒达鑫瑞华泰宏兴隆盛源丰嘉诚信和安康德明博远创新美通"
        self.stems = COMPANY_STEMS + tuple(a + b for a in brand for b in brand if a != b)

    # -- codes ----------------------------------------------------------------------------
    def uscc(self, prefix: str, region: str) -> str:
        """A new valid, unique USCC: ``prefix`` (2) + region (6) + 9-char body + check."""
        rng = self.rng
        while True:
            if prefix == "81" and rng.random() < 0.6:  # bodies issued as union codes
                body = f"MC{int(rng.random() * 1e6):06d}{rng.choice(_USCC_ALPHABET)}"
            else:  # former organisation code: 8 digits + check character
                body = f"{int(rng.random() * 1e8):08d}{rng.choice(_ORG_CHECK)}"
            code17 = prefix + region + body
            code = code17 + uscc.calc_check_digit(code17)
            if code not in self.ids:
                self.ids.add(code)
                return code

    def temporary_code(self, region: str) -> str:
        """``LS`` + region + 10-digit sequence: never a valid USCC (starts with letters)."""
        self.temp_seq += 1
        code = f"LS{region}{self.temp_seq:010d}"
        self.ids.add(code)
        return code

    def phone(self, area_of: str) -> str:
        """A landline of the area (``027-8xxxxxxx``) or, without an area code, a mobile."""
        rng = self.rng
        area = AREA_CODES.get(area_of) or AREA_CODES.get(area_of[:4] + "00")
        if area is None or rng.random() < 0.25:
            return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        digits = 8 if len(area) == 3 else 7
        return f"{area}-{rng.randint(2, 8)}{rng.randrange(10 ** (digits - 1)):0{digits - 1}d}"

    def unique(self, names: set[str], name: str) -> str:
        """``name`` or, if taken, ``name`` with a numbered branch suffix."""
        if name not in names:
            names.add(name)
            return name
        n = 2
        while f"{name}（{n}）" in names:
            n += 1
        names.add(f"{name}（{n}）")
        return f"{name}（{n}）"

    # -- unions ---------------------------------------------------------------------------
    def add_union(
        self,
        *,
        name: str,
        level: str,
        kind: str,
        region: str,
        parent: str | None,
        founded: date,
        code: str | None = None,
        status: str = "ACTIVE",
    ) -> str:
        rng = self.rng
        male = rng.random() < 0.7
        union_id = code or self.uscc("81", "100000" if level == "NATIONAL" else region)
        self.chair_male[union_id] = male
        self.founded[union_id] = founded
        self.unions.append(
            {
                "id": union_id,
                "name": self.unique(self.union_names, name),
                "level": level,
                "kind": kind,
                "status": status,
                "regionCode": region,
                "foundedOn": founded.isoformat(),
                "termEndsOn": _term_end(founded).isoformat(),
                "chair": person_name(rng, male),
                "phone": self.phone(region),
                "parentId": parent,
                "since": founded.isoformat(),
            }
        )
        return union_id

    def founded_after(self, parent: str, lo_year: int, hi_year: int = 2024) -> date:
        """A founding day in [lo_year, hi_year], not before the parent's founding."""
        lo = max(date(lo_year, 1, 1), self.founded[parent])
        return _random_day(self.rng, lo, max(lo, date(hi_year, 12, 31)))

    # -- employers ------------------------------------------------------------------------
    def employer_name(self, nature: str, industry: str, host: str) -> str:
        rng = self.rng
        county_full = self.area_name(host)
        if nature == "01":
            name = county_full + rng.choice(GOVERNMENT_UNITS)
        elif nature == "02":
            name = county_full + rng.choice(PUBLIC_INSTITUTIONS[industry])
        else:
            prefix = short_name(self.city_name(host))
            if nature == "06" or rng.random() < 0.3:
                prefix = short_name(self.layout.counties.get(host, (prefix, ""))[0])
            name = (
                prefix
                + rng.choice(self.stems)
                + rng.choice(INDUSTRY_WORDS[industry])
                + rng.choice(ORG_FORMS[nature])
            )
        return self.unique(self.employer_names, name)

    def add_employer(
        self, *, nature: str, industry: str, host: str, union_id: str | None, raw_size: float
    ) -> int:
        index = len(self.employers)
        self.employers.append(
            {
                "id": self.uscc("91", host),
                "name": self.employer_name(nature, industry, host),
                "nature": nature,
                "employeeCount": max(1, round(raw_size)),  # rescaled in _apportion
                "regionCode": host,
                "industry": industry,
                "unionId": union_id,
                "since": self.founded[union_id].isoformat() if union_id else None,
            }
        )
        self.raw_size.append(raw_size)
        if union_id is not None:
            self.covered_by.setdefault(union_id, []).append(index)
        return index

    # -- areas ----------------------------------------------------------------------------
    def city_name(self, host: str) -> str:
        """Name of the host's city, or of the host itself (省直辖, cities without counties)."""
        parent = self.layout.counties.get(host, ("", host))[1]
        if parent in self.layout.cities:
            return self.layout.cities[parent]
        return self.layout.counties.get(host, (self.layout.cities.get(host, ""), ""))[0]

    def area_name(self, host: str) -> str:
        """Full name used as a prefix: 武汉市洪山区, 阳新县, 仙桃市."""
        if host in self.layout.counties:
            name, parent = self.layout.counties[host]
            if name.endswith("区") and parent in self.layout.cities:
                return self.layout.cities[parent] + name
            return name
        return self.layout.cities[host]


def _lognormal_size(rng: random.Random, median: float, sigma: float, cap: float) -> float:
    return min(cap, 3.0 + median * math.exp(sigma * rng.gauss(0.0, 1.0)))


def _build_tree(config: DemoConfig) -> tuple[_TreeBuilder, dict[str, str]]:
    """All unions and employers; returns the builder and grassroots union → host code."""
    b = _TreeBuilder(config)
    rng = b.rng
    layout = b.layout
    prov = layout.code

    national = b.add_union(
        name=NATIONAL_NAME,
        level="NATIONAL",
        kind="地方总工会",
        region="100000",
        parent=None,
        founded=NATIONAL_FOUNDED,
    )
    province = b.add_union(
        name=f"{layout.name}总工会",
        level="PROVINCE",
        kind="地方总工会",
        region=prov,
        parent=national,
        founded=_random_day(rng, date(1950, 1, 1), date(1954, 12, 31)),
    )
    area_union: dict[str, str] = {prov: province}
    for code, name in layout.cities.items():
        start = max(1950, layout.since.get(code) or 1950)
        area_union[code] = b.add_union(
            name=f"{name}总工会",
            level="CITY",
            kind="地方总工会",
            region=code,
            parent=province,
            founded=b.founded_after(province, start, min(2024, start + 3)),
        )
    for code, (_name, parent_code) in layout.counties.items():
        start = max(1950, layout.since.get(code) or 1950)
        parent = area_union[parent_code]
        area_union[code] = b.add_union(
            name=f"{b.area_name(code)}总工会",
            level="COUNTY",
            kind="地方总工会",
            region=code,
            parent=parent,
            founded=b.founded_after(parent, start, min(2024, start + 4)),
        )
    # 省直产业工会: they sit one level below the province and grassroots unions hang
    # under them, so they get level CITY (the rank of "directly under the province").
    industry_unions: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
    for suffix, natures, industries in rng.sample(INDUSTRY_UNIONS, rng.randint(2, 4)):
        union_id = b.add_union(
            name=f"{layout.name}{suffix}",
            level="CITY",
            kind="产业工会",
            region=prov,
            parent=province,
            founded=b.founded_after(province, 1950, 2000),
        )
        industry_unions.append((union_id, natures, industries))

    # how many grassroots unions, and where
    hosts = list(layout.hosts)
    capital = [h for h in hosts if h[2:4] == "01"] or hosts
    total = max(
        round(config.members / max(1, config.members_per_union)),
        len(hosts) + len(industry_unions),
    )
    in_industry = max(len(industry_unions), round(0.04 * total))
    weights = [
        math.exp(0.5 * rng.gauss(0.0, 1.0))
        * (3.0 if h[2:4] == "01" else 1.0)
        * (1.5 if b.area_name(h).endswith("区") else 1.0)
        for h in hosts
    ]
    per_host = Counter(hosts)
    per_host.update(rng.choices(hosts, weights=weights, k=total - in_industry - len(hosts)))

    n_grassroots = sum(per_host.values()) + in_industry
    n_dis = _count(config.dissolved_union_share, n_grassroots)
    n_prep = _count(config.preparing_union_share, n_grassroots)
    n_temp = _count(config.temporary_code_share, n_grassroots)
    special = rng.sample(range(n_grassroots), min(n_grassroots, n_dis + n_prep + n_temp))
    dissolved = set(special[:n_dis])
    preparing = set(special[n_dis : n_dis + n_prep])
    temporary = set(special[n_dis + n_prep :])
    grassroots_host: dict[str, str] = {}
    counter = 0

    def add_grassroots(
        parent: str,
        host: str,
        natures: tuple[str, ...] | None = None,
        industries: tuple[str, ...] | None = None,
    ) -> None:
        """One grassroots union with the employers it covers (industry unions fix natures)."""
        nonlocal counter
        index = counter
        counter += 1
        joint = natures is None and rng.random() < config.joint_union_share
        status = (
            "DISSOLVED" if index in dissolved else "PREPARING" if index in preparing else "ACTIVE"
        )
        code = b.temporary_code(host) if index in temporary else b.uscc("81", host)
        founded = b.founded_after(parent, 1990, 2025)
        if joint:
            employers: list[tuple[str, str, float]] = []
            for _ in range(rng.randint(2, 6)):
                nature = weighted_pick(rng, *_keys_weights(SMALL_NATURE_WEIGHTS))
                industry = weighted_pick(rng, *_keys_weights(ENTERPRISE_INDUSTRY_WEIGHTS))
                employers.append((nature, industry, float(rng.randint(3, 20))))
            area = rng.choice(("社区", "村", "商圈", "园区", "楼宇"))
            name = f"{b.area_name(host)}{place_name(rng)}{area}联合工会委员会"
            kind = "联合基层工会"
        else:
            nature = (
                rng.choice(natures)
                if natures
                else weighted_pick(rng, *_keys_weights(NATURE_WEIGHTS))
            )
            if industries:
                industry = rng.choice(industries)
            elif nature == "01":
                industry = "S"
            elif nature == "02":
                industry = weighted_pick(rng, *_keys_weights(INSTITUTION_INDUSTRY_WEIGHTS))
            else:
                industry = weighted_pick(rng, *_keys_weights(ENTERPRISE_INDUSTRY_WEIGHTS))
            cap = max(300.0, config.members / 20)
            employers = [(nature, industry, _lognormal_size(rng, 30.0, 1.25, cap))]
            name = ""  # named after the employer below
            kind = "单独基层工会"
        b.founded[code] = founded  # employers' `since` needs it before the row exists
        rows_before = len(b.employers)
        for nature, industry, raw in employers:
            b.add_employer(nature=nature, industry=industry, host=host, union_id=code, raw_size=raw)
        if not joint:
            emp_name = str(b.employers[rows_before]["name"])
            name = emp_name + ("机关工会委员会" if employers[0][0] == "01" else "工会委员会")
        b.add_union(
            name=name,
            level="GRASSROOTS",
            kind=kind,
            region=host,
            parent=parent,
            founded=founded,
            code=code,
            status=status,
        )
        grassroots_host[code] = host

    for position, (union_id, natures, industries) in enumerate(industry_unions):
        share, extra = divmod(in_industry, len(industry_unions))
        for _ in range(share + (1 if position < extra else 0)):
            add_grassroots(union_id, rng.choice(capital), natures, industries)

    for host in hosts:
        g = per_host[host]
        county_union = area_union[host]
        area = b.area_name(host)
        urban = area.endswith("区")
        townships: list[str] = []
        used_places: set[str] = set()
        for _ in range(min(20, max(1, g // 8))):
            place = place_name(rng)
            while place in used_places:
                place = place_name(rng)
            used_places.add(place)
            if urban or rng.random() < 0.2:
                name, kind = f"{area}{place}街道工会工作委员会", "工会工作委员会"
            else:
                suffix = "镇" if rng.random() < 0.8 else "乡"
                name, kind = f"{area}{place}{suffix}总工会", "地方总工会"
            townships.append(
                b.add_union(
                    name=name,
                    level="TOWNSHIP",
                    kind=kind,
                    region=host,
                    parent=county_union,
                    founded=b.founded_after(county_union, 1980),
                )
            )
        federations: list[str] = []
        trades = rng.sample(FEDERATION_TRADES, len(FEDERATION_TRADES))
        for _ in range(min(12, round(g / 12))):
            if rng.random() < 0.6 or not trades:
                parent = rng.choice(townships)
                name = f"{area}{place_name(rng)}{rng.choice(FEDERATION_AREAS)}工会联合会"
                kind = "区域性工会联合会"
            else:
                parent = county_union
                name, kind = f"{area}{trades.pop()}行业工会联合会", "行业性工会联合会"
            federations.append(
                b.add_union(
                    name=name,
                    level="FEDERATION",
                    kind=kind,
                    region=host,
                    parent=parent,
                    founded=b.founded_after(parent, 2000),
                )
            )
        for _ in range(g):
            x = rng.random()
            if federations and x < 0.2:
                parent = rng.choice(federations)
            elif x < 0.7:
                parent = rng.choice(townships)
            else:
                parent = county_union
            add_grassroots(parent, host)

    # 应建未建: employers with 25+ employees and no union
    covered = len(b.employers)
    unorganised = config.unorganised_employer_share
    for _ in range(_count(unorganised / (1 - unorganised), covered)):
        host = rng.choices(hosts, weights=weights, k=1)[0]
        nature = weighted_pick(rng, *_keys_weights({"05": 85, "06": 5, "09": 5, "10": 5}))
        industry = weighted_pick(rng, *_keys_weights(ENTERPRISE_INDUSTRY_WEIGHTS))
        size = 25.0 + _lognormal_size(rng, 40.0, 1.0, 2000.0)
        b.add_employer(nature=nature, industry=industry, host=host, union_id=None, raw_size=size)
    return b, grassroots_host


def _count(share: float, n: int) -> int:
    """``share`` of ``n``, at least 1 (so small demos still show every anomaly)."""
    return min(n, max(1, round(share * n))) if share > 0 and n > 0 else 0


@lru_cache(maxsize=32)
def _keys_weights_cached(items: tuple[tuple[str, float], ...]) -> tuple[list[str], list[float]]:
    return [k for k, _ in items], [w for _, w in items]


def _keys_weights(weights: dict[str, float]) -> tuple[list[str], list[float]]:
    return _keys_weights_cached(tuple(weights.items()))


def _apportion(b: _TreeBuilder, grassroots_host: dict[str, str]) -> list[_EmployerPlan]:
    """Split exactly ``config.members`` over covered employers ∝ size × membership rate.

    Sets each employer's ``employeeCount`` so that members ≤ employees and the rate is
    roughly 70–95%; returns the member plan in union order.
    """
    config, rng = b.config, b.rng
    covered = [i for i, e in enumerate(b.employers) if e["unionId"] is not None]
    rates = {i: rng.uniform(0.70, 0.95) for i in covered}
    weight = {i: b.raw_size[i] * rates[i] for i in covered}
    total_weight = sum(weight.values())
    scale = config.members / total_weight if total_weight else 0.0
    quotas = {i: config.members * weight[i] / total_weight for i in covered}
    members = {i: int(q) for i, q in quotas.items()}
    remainder = config.members - sum(members.values())
    for i in sorted(covered, key=lambda i: (members[i] - quotas[i], i))[:remainder]:
        members[i] += 1
    for i in covered:  # members ≈ employees × rate, and never more than 95% of them
        employees = max(1, round(b.raw_size[i] * scale), math.ceil(members[i] / 0.95))
        b.employers[i]["employeeCount"] = employees

    plans: list[_EmployerPlan] = []
    for union in b.unions:
        union_id = str(union["id"])
        indexes = b.covered_by.get(union_id)
        if not indexes:
            continue
        union_members = sum(members[i] for i in indexes)
        first = 0
        for position, i in enumerate(indexes):
            employer = b.employers[i]
            nature, industry = employer["nature"], employer["industry"]
            new_form = (
                0.35 if industry in ("G", "H", "O") else 0.10 if nature in ("05", "06") else 0.02
            )
            plans.append(
                _EmployerPlan(
                    employer_id=str(employer["id"]),
                    union_id=union_id,
                    county=grassroots_host[union_id],
                    members=members[i],
                    union_founded=b.founded[union_id].toordinal(),
                    new_form_share=new_form,
                    first_in_union=first,
                    union_members=union_members,
                    chair=str(union["chair"]) if position == 0 else None,
                    chair_male=b.chair_male[union_id],
                )
            )
            first += members[i]
    return plans


def generate(config: DemoConfig) -> DemoProvince:
    """Build the province for ``config``: same config → identical rows."""
    if config.members < 0:
        raise ValueError("members must be >= 0")
    builder, grassroots_host = _build_tree(config)
    plans = _apportion(builder, grassroots_host)
    return DemoProvince(config, builder.unions, builder.employers, plans)


# ---------------------------------------------------------------------------------------
# members


@dataclass(frozen=True, slots=True)
class _MemberTables:
    """Lookup tables for the member stream (they depend on the province only).

    Birthplaces are indexes into ``places`` so the resident-ID stratum key is an int.
    """

    places: tuple[str, ...]  # birthplace codes
    place_index: dict[str, int]
    years: tuple[int, ...]  # weighted birth-year table of 2**_YEAR_BITS entries
    retired_years: tuple[int, ...]
    province_pool: dict[int, tuple[int, ...]]  # birth year → own-province birthplaces
    national_pool: dict[int, tuple[int, ...]]  # birth year → other provinces' birthplaces
    county_years: dict[str, frozenset[int]]  # own county → birth years it accepts
    year_info: dict[
        int, tuple[tuple[str, ...], int, int]
    ]  # year → (YYYYMMDD per day, 1 Jan, slots)
    male_names: tuple[str, ...]  # 2**_NAME_BITS full names
    female_names: tuple[str, ...]


_NAME_BITS = 16
_YEAR_BITS = 12


@lru_cache(maxsize=4)
def _member_tables(province: str) -> _MemberTables:
    from graph_service.demo.divisions import load_divisions

    divisions = load_divisions()[1]
    layout = province_layout(province)
    # age on 2026-01-01 is 2025 - year (birthdays not passed yet on 1 January)
    year_weights = {str(y): age_weight(REFERENCE_DATE.year - y - 1) for y in BIRTH_YEARS}
    years = [int(y) for y in pow2_table(year_weights, _YEAR_BITS)]
    retired = [y for y in BIRTH_YEARS if REFERENCE_DATE.year - y - 1 >= 55]
    own = [c for c in layout.hosts if c in divisions and divisions[c].county_level]
    others = [c for c in national_county_codes() if c[:2] != province]
    places = tuple(dict.fromkeys([*layout.hosts, *others]))
    index = {code: i for i, code in enumerate(places)}
    accepted = {c: frozenset(y for y in BIRTH_YEARS if divisions[c].accepts(y)) for c in places}
    province_pool: dict[int, tuple[int, ...]] = {}
    national_pool: dict[int, tuple[int, ...]] = {}
    for y in BIRTH_YEARS:
        national_pool[y] = tuple(index[c] for c in others if y in accepted[c])
        # a province whose every code is newer than y borrows the nation's codes
        province_pool[y] = tuple(index[c] for c in own if y in accepted[c]) or national_pool[y]
    county_years = {c: accepted[c] for c in layout.hosts}
    year_info: dict[int, tuple[tuple[str, ...], int, int]] = {}
    for y in BIRTH_YEARS:
        start = date(y, 1, 1).toordinal()
        days = tuple(
            date.fromordinal(o).strftime("%Y%m%d")
            for o in range(start, date(y, 12, 31).toordinal() + 1)
        )
        year_info[y] = (days, start, len(days) * _SEQ_PER_GENDER)
    rng = random.Random("union-tree:full-names")
    return _MemberTables(
        places=places,
        place_index=index,
        years=tuple(years),
        retired_years=tuple(retired),
        province_pool=province_pool,
        national_pool=national_pool,
        county_years=county_years,
        year_info=year_info,
        male_names=tuple(person_name(rng, True) for _ in range(1 << _NAME_BITS)),
        female_names=tuple(person_name(rng, False) for _ in range(1 << _NAME_BITS)),
    )


def _member_batches(
    config: DemoConfig, plans: list[_EmployerPlan], size: int
) -> Iterator[list[dict[str, object]]]:
    """The member stream in lists of ``size``.

    One fresh RNG per call, so every call yields the same rows. The loop is written for
    speed (locals, lookup tables, no per-row function calls except the ID check digit).
    """
    rng = random.Random(f"union-tree:{config.seed}:{config.province}:members")
    n = sum(p.members for p in plans)
    id_key = rng.getrandbits(64) | 1
    slot_salt = rng.getrandbits(32)
    no_union = rng.sample(range(n), _count(config.member_without_union_share, n))
    no_employer = set(rng.sample(range(n), _count(config.member_without_employer_share, n)))
    # anomalous member indexes in order, with a flag: 1 no union, 2 no employer, 3 both
    flags = {i: 1 for i in no_union}
    for i in no_employer:
        flags[i] = flags.get(i, 0) | 2
    anomalies = sorted(flags.items())
    anomalies.append((n, 0))  # sentinel
    next_anomaly, next_flag = anomalies[0]
    anomaly_pos = 0

    tables = _member_tables(config.province)
    places = tables.places
    male_names, female_names = tables.male_names, tables.female_names
    years, retired_years = tables.years, tables.retired_years
    n_retired = len(retired_years)
    province_pool, national_pool = tables.province_pool, tables.national_pool
    year_info = tables.year_info
    political = pow2_table(POLITICAL_WEIGHTS, 14)
    education = pow2_table(EDUCATION_WEIGHTS, 10)
    prefixes = pow2_table(dict.fromkeys(MOBILE_PREFIXES, 1.0), 8)
    phone_bases = tuple(int(p) * 100_000_000 for p in prefixes)
    # 3-digit sequence for slot s: odd (2s+1) for men, even (2s) for women
    sequences = (
        tuple(f"{2 * q:03d}" for q in range(500)),
        tuple(f"{2 * q + 1:03d}" for q in range(500)),
    )
    household = ("2", "1")
    iso_first, iso = _iso_table()
    join_end = JOIN_END.toordinal()
    other_share = config.other_province_share
    local_share = other_share + 0.5  # half are born in the county they work in
    retained_share = config.retained_member_share
    check = ric.calc_check_digit
    rnd = rng.random
    bits = rng.getrandbits
    name_bits = _NAME_BITS
    year_bits = _YEAR_BITS
    counters: dict[int, int] = {}
    step = _SLOT_STEP
    m64 = _M64

    batch: list[dict[str, object]] = []
    append = batch.append
    room = size
    i = 0
    for plan in plans:
        union_id = plan.union_id
        employer_id = plan.employer_id
        county = tables.place_index[plan.county]
        own_years = tables.county_years.get(plan.county, frozenset())
        founded = plan.union_founded
        new_form_share = plan.new_form_share
        union_members = plan.union_members
        k = plan.first_in_union
        for _ in range(plan.members):
            flag = 0
            if i == next_anomaly:
                flag = next_flag
                anomaly_pos += 1
                next_anomaly, next_flag = anomalies[anomaly_pos]
            retained = rnd() < retained_share
            if k == 0 and plan.chair is not None and not flag:
                male = plan.chair_male
                name = plan.chair
                post, post_type = "主席", "1" if union_members >= 200 else "2"
            else:
                male = rnd() < 0.56
                name = male_names[bits(name_bits)] if male else female_names[bits(name_bits)]
                if flag or k > 4:
                    post, post_type = "无", "0"
                elif k == 1 and union_members >= 20:
                    post, post_type = "副主席", "1" if union_members >= 1000 else "2"
                elif k >= 2 and union_members >= 10:
                    post, post_type = "委员", "2"
                else:
                    post, post_type = "无", "0"
            year = retired_years[int(rnd() * n_retired)] if retained else years[bits(year_bits)]
            x = rnd()
            if x < other_share:
                pool = national_pool[year]
                place = pool[int(rnd() * len(pool))]
            elif x < local_share and year in own_years:
                place = county
            else:
                pool = province_pool[year]
                place = pool[int(rnd() * len(pool))]
            # Unique resident ID: the c-th person of stratum (place, year, gender) gets
            # slot (step·c + offset) mod slots, a bijection on the stratum's slots.
            key = place * 256 + (year - 1900) * 2 + male
            c = counters.get(key, 0)
            counters[key] = c + 1
            days, year_start, slots = year_info[year]
            slot = (step * c + place * 131 + year * 7 + slot_salt) % slots
            day = slot // 500
            s = slot - day * 500
            body = places[place] + days[day] + sequences[male][s]
            birth = year_start + day
            lo = birth + 5845  # 16 years
            if founded > lo:
                lo = founded
            # internal id: a bijection of the row index (two odd multiplies, xor-shift): unique
            xid = ((i * id_key + slot_salt) & m64) * 0xBF58476D1CE4E5B9 & m64
            xid ^= xid >> 31
            append(
                {
                    "id": "%016x" % xid,  # noqa: UP031 (faster than format)
                    "certType": "01",
                    "certNumber": body + check(body + "0"),
                    "name": name,
                    "gender": "1" if male else "2",
                    "birthDate": iso[birth - iso_first],
                    "phone": str(phone_bases[bits(8)] + int(rnd() * 1e8)),
                    "householdType": household[rnd() < 0.62],
                    "political": political[bits(14)],
                    "education": education[bits(10)],
                    "newFormWorker": rnd() < new_form_share,
                    "joinedOn": iso[lo + int(rnd() * (join_end - lo + 1)) - iso_first],
                    "status": "RETAINED" if retained else "ACTIVE",
                    "unionId": None if flag & 1 else union_id,
                    "employerId": None if flag & 2 else employer_id,
                    "unionPost": post,
                    "unionPostType": post_type,
                }
            )
            i += 1
            k += 1
            room -= 1
            if not room:
                yield batch
                batch = []
                append = batch.append
                room = size
    if batch:
        yield batch


# ---------------------------------------------------------------------------------------


def summary(province: DemoProvince) -> dict[str, int]:
    """Counts of unions by level, employers and members (for reports)."""
    counts: dict[str, int] = dict(Counter(str(u["level"]) for u in province.unions))
    counts["EMPLOYERS"] = len(province.employers)
    counts["MEMBERS"] = province.member_count
    return counts


def _main(argv: list[str]) -> None:
    members = int(argv[1]) if len(argv) > 1 else 1_000_000
    started = time.perf_counter()
    province = generate(DemoConfig(members=members))
    tree_seconds = time.perf_counter() - started
    print(f"tree: {summary(province)} in {tree_seconds:.2f}s")
    started = time.perf_counter()
    cpu = time.process_time()
    count = sum(len(batch) for batch in province.member_batches())
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    print(
        f"members: {count:,} in {seconds:.2f}s = {count / seconds:,.0f} members/s"
        f" (CPU {cpu:.2f}s = {count / cpu:,.0f} members/s)"
    )


if __name__ == "__main__":
    _main(sys.argv)
