"""GB/T 2260 administrative divisions, read from python-stdnum's ``cn/loc.dat`` table.

stdnum ships the county-level table that :func:`stdnum.cn.ric.get_birth_place` uses to
check the birthplace of a resident ID. Reading the same table here keeps the demo
province's tree (province → cities → counties) real, and lets the member generator know,
without calling ``get_birth_place`` per member, which birth years each county code accepts.

Entry format (``  0203 county="[1983-2000]石灰窑区,[2001-]西塞山区"``): a list of spans;
a span without brackets is valid for every year, ``[-2010]`` has no lower bound and
``[2001-]`` no upper bound. An entry is *current* when its last span is open-ended.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_PROVINCE_RE = re.compile(r'^(\d{2}) province="([^"]*)"')
_COUNTY_RE = re.compile(r'^\s+(\d{4}) county="([^"]*)"')
_SPAN_RE = re.compile(r"^\[(\d*)-(\d*)\](.+)$")

#: Names of city-level (xxyy00) entries that are only groupings, not real cities.
_GROUPING_NAMES = frozenset({"市辖区", "县", "郊县"})


@dataclass(frozen=True, slots=True)
class Span:
    """One name of a division and the years it was valid (``None`` = unbounded)."""

    start: int | None
    end: int | None
    name: str
    bracketed: bool

    def accepts(self, year: int) -> bool:
        """True when ``year`` falls in this span (same rule as ``get_birth_place``)."""
        if not self.bracketed:
            return True
        if self.start is not None and year < self.start:
            return False
        return not (self.end is not None and year > self.end)


@dataclass(frozen=True, slots=True)
class Division:
    """One GB/T 2260 code with its history of names."""

    code: str
    spans: tuple[Span, ...]

    @property
    def name(self) -> str:
        """The current (last) name."""
        return self.spans[-1].name

    @property
    def current(self) -> bool:
        """True when the last span is open-ended (still valid today)."""
        return self.spans[-1].end is None

    @property
    def since(self) -> int | None:
        """First year of the current span, ``None`` when unknown (unbracketed)."""
        return self.spans[-1].start

    @property
    def county_level(self) -> bool:
        """True for xxyyzz codes with zz != 00."""
        return not self.code.endswith("00")

    def accepts(self, year: int) -> bool:
        """True when a resident ID with this birthplace and birth ``year`` is valid."""
        return any(span.accepts(year) for span in self.spans)


def _parse_spans(value: str) -> tuple[Span, ...]:
    spans = []
    for part in value.split(","):
        match = _SPAN_RE.match(part)
        if match is None:
            spans.append(Span(None, None, part, False))
        else:
            start, end, name = match.groups()
            spans.append(Span(int(start) if start else None, int(end) if end else None, name, True))
    return tuple(spans)


@lru_cache(maxsize=1)
def load_divisions() -> tuple[dict[str, str], dict[str, Division]]:
    """Parse stdnum's ``loc.dat``: (province code → name, 6-digit code → Division)."""
    text = resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")
    provinces: dict[str, str] = {}
    divisions: dict[str, Division] = {}
    prefix = ""
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _PROVINCE_RE.match(line)
        if match:
            prefix, provinces[prefix] = match.group(1), match.group(2)
            continue
        match = _COUNTY_RE.match(line)
        if match and prefix:
            code = prefix + match.group(1)
            divisions[code] = Division(code, _parse_spans(match.group(2)))
    return provinces, divisions


@dataclass(frozen=True, slots=True)
class ProvinceLayout:
    """The current local-federation skeleton of one province.

    ``cities`` maps a city code to its name; ``counties`` maps a county code to
    ``(name, parent code)`` where the parent is a city code or the province code
    (``xx0000``) for directly administered units (省直辖) and municipalities' districts.
    ``hosts`` are the areas grassroots unions hang under: every county plus cities
    without any county in the table (e.g. 东莞市).
    """

    code: str
    name: str
    cities: dict[str, str]
    counties: dict[str, tuple[str, str]]
    hosts: tuple[str, ...]
    since: dict[str, int | None]


def _drop_stale_duplicates(candidates: dict[str, Division]) -> set[str]:
    """Codes of stale entries: unbracketed entries whose name another current entry carries.

    loc.dat keeps a few never-dated entries that are in fact obsolete (in Hubei 429001
    随州市, superseded by 421300 "[2000-]随州市", and 422921 神农架林区 next to 429021).
    Within a group of current entries sharing a name, dated entries win over undated ones;
    among undated ones only the highest code is kept. Legitimate homonyms (several 城区
    in one province) are all dated and untouched.
    """
    by_name: dict[str, list[Division]] = defaultdict(list)
    for division in candidates.values():
        by_name[division.name].append(division)
    dropped: set[str] = set()
    for group in by_name.values():
        undated = [d for d in group if not d.spans[-1].bracketed]
        if len(group) < 2 or not undated:
            continue
        if len(undated) < len(group):
            dropped.update(d.code for d in undated)
        else:
            dropped.update(d.code for d in sorted(undated, key=lambda d: d.code)[:-1])
    return dropped


@lru_cache(maxsize=8)
def province_layout(province: str) -> ProvinceLayout:
    """Current cities and counties of ``province`` (2-digit code), in code order."""
    provinces, divisions = load_divisions()
    if province not in provinces:
        raise ValueError(f"unknown province code {province!r}")
    prov_code = province + "0000"
    own = {
        code: d
        for code, d in sorted(divisions.items())
        if code.startswith(province) and code != prov_code and d.current
    }
    city_candidates = {
        code: d
        for code, d in own.items()
        if not d.county_level and d.name not in _GROUPING_NAMES and "直辖" not in d.name
    }
    county_candidates = {
        code: d for code, d in own.items() if d.county_level and d.name != "市辖区"
    }
    dropped = _drop_stale_duplicates({**city_candidates, **county_candidates})
    counties: dict[str, tuple[str, str]] = {}
    for code, d in county_candidates.items():
        if code in dropped:
            continue
        city = code[:4] + "00"
        parent = city if city in city_candidates and city not in dropped else prov_code
        counties[code] = (d.name, parent)
    with_children = {code[:4] + "00" for code, d in divisions.items() if d.county_level}
    cities: dict[str, str] = {}
    hosts: list[str] = []
    for code, d in city_candidates.items():
        if code in dropped:
            continue
        has_counties = any(parent == code for _, parent in counties.values())
        if has_counties:
            cities[code] = d.name
        elif code not in with_children:  # a city with no county level at all
            cities[code] = d.name
            hosts.append(code)
        # else: a city whose counties are all obsolete (e.g. 422900 林区): skip it
    hosts.extend(counties)
    since = {code: own[code].since for code in [*cities, *counties]}
    return ProvinceLayout(
        code=prov_code,
        name=provinces[province],
        cities=cities,
        counties=counties,
        hosts=tuple(sorted(hosts)),
        since=since,
    )


@lru_cache(maxsize=1)
def national_county_codes() -> tuple[str, ...]:
    """Every current county-level code in the table (birthplaces of migrant workers)."""
    _, divisions = load_divisions()
    return tuple(
        code
        for code, d in sorted(divisions.items())
        if d.county_level and d.current and d.name != "市辖区"
    )


def birth_years_accepted(code: str, years: range) -> list[int]:
    """The years in ``years`` for which ``get_birth_place`` accepts ``code``."""
    division = load_divisions()[1][code]
    return [year for year in years if division.accepts(year)]
