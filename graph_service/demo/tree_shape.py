"""Code tables and distributions the demo generator samples from.

Literal code values (levels, kinds, 单位性质, GB/T 4762 政治面貌, GB/T 4658 学历) are
written out here on purpose: the demo package must not depend on ``graph_service.domain``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

#: Rank of each union level; a parent's rank is strictly lower (higher in the tree).
LEVEL_RANK: dict[str, int] = {
    "NATIONAL": 0,
    "PROVINCE": 1,
    "CITY": 2,
    "COUNTY": 3,
    "TOWNSHIP": 4,
    "FEDERATION": 5,
    "GRASSROOTS": 6,
}

#: 单位性质 codes (Changxing collection table) with the share of grassroots units.
NATURE_WEIGHTS: dict[str, float] = {
    "01": 4,  # 党政机关
    "02": 9,  # 事业单位
    "03": 6,  # 国有经济
    "04": 3,  # 集体经济
    "05": 56,  # 私营经济
    "06": 5,  # 个体经济
    "07": 1,  # 联营经济
    "08": 8,  # 股份制
    "09": 4,  # 外商投资
    "10": 4,  # 港澳台投资
}
#: Natures of the small units a joint union (联合基层工会) covers.
SMALL_NATURE_WEIGHTS: dict[str, float] = {"05": 72, "06": 24, "04": 4}

#: GB/T 4754-2017 sections for enterprises (weights), and the fixed ones by nature.
ENTERPRISE_INDUSTRY_WEIGHTS: dict[str, float] = {
    "C": 30, "F": 15, "E": 9, "G": 8, "I": 6, "H": 7, "K": 4, "L": 5, "M": 3,
    "O": 3, "A": 3, "N": 2, "D": 1, "B": 1, "J": 1, "Q": 1, "R": 1,
}  # fmt: skip
INSTITUTION_INDUSTRY_WEIGHTS: dict[str, float] = {"P": 45, "Q": 30, "R": 10, "M": 8, "N": 7}

#: 省直产业工会: (name suffix, natures, industries) of the unions under the province.
INDUSTRY_UNIONS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("金融工会", ("03", "08"), ("J",)),
    ("教育工会", ("02",), ("P",)),
    ("机械冶金建材工会", ("03", "08"), ("C",)),
    ("农林水利气象工会", ("02", "03"), ("A", "N")),
    ("交通运输工会", ("03", "08"), ("G",)),
    ("能源化学工会", ("03", "08"), ("D", "C")),
    ("建设工会", ("03", "08"), ("E",)),
    ("医务工会", ("02",), ("Q",)),
)

#: GB/T 4762 政治面貌 (01 中共党员, 02 预备党员, 03 共青团员, 04–12 民主党派/无党派, 13 群众).
POLITICAL_WEIGHTS: dict[str, float] = {
    "01": 12.0, "02": 0.8, "03": 10.0, "04": 0.1, "05": 0.1, "06": 0.1, "07": 0.1,
    "08": 0.1, "09": 0.1, "10": 0.05, "11": 0.05, "12": 0.3, "13": 76.2,
}  # fmt: skip
#: GB/T 4658 学历 (10 研究生 … 90 其他).
EDUCATION_WEIGHTS: dict[str, float] = {
    "10": 3, "20": 22, "30": 25, "40": 12, "60": 18, "70": 17, "80": 2.5, "90": 0.5,
}  # fmt: skip

#: Mobile prefixes (1[3-9]x) in use.
MOBILE_PREFIXES: tuple[str, ...] = tuple(
    str(p)
    for p in (
        *range(130, 140), *range(150, 154), *range(155, 160), 166,
        *range(170, 174), *range(175, 179), *range(180, 190), 191, 193, 195, 198, 199,
    )
)  # fmt: skip

#: Telephone area codes by city code (Hubei); other provinces' unions get mobiles.
AREA_CODES: dict[str, str] = {
    "420000": "027", "420100": "027", "420200": "0714", "420300": "0719", "420500": "0717",
    "420600": "0710", "420700": "0711", "420800": "0724", "420900": "0712", "421000": "0716",
    "421100": "0713", "421200": "0715", "421300": "0722", "422800": "0718", "429004": "0728",
    "429005": "0728", "429006": "0728", "429021": "0719",
}  # fmt: skip


def lookup_table(weights: dict[str, float], size: int = 2000) -> tuple[str, ...]:
    """A table where each key appears ∝ its weight: sample with ``t[int(random() * len(t))]``."""
    total = sum(weights.values())
    table: list[str] = []
    for key, weight in weights.items():
        table.extend([key] * max(1, round(weight / total * size)))
    return tuple(table)


def pow2_table(weights: dict[str, float], bits: int) -> tuple[str, ...]:
    """A table of exactly ``2**bits`` keys ∝ weights: sample with ``t[getrandbits(bits)]``."""
    size = 1 << bits
    total = sum(weights.values())
    table: list[str] = []
    cumulative = 0.0
    for key, weight in weights.items():
        cumulative += weight / total
        table.extend([key] * (max(1, round(cumulative * size)) - len(table)))
    table = table[:size]
    table.extend([table[-1]] * (size - len(table)))
    return tuple(table)


def age_weight(age: int) -> float:
    """Relative share of union members of a given age (18–65): a working-age hump."""
    if age < 23:
        return 0.3 + 0.14 * (age - 18)
    if age <= 50:
        return 1.0
    if age <= 60:
        return 1.0 - 0.05 * (age - 50)
    return 0.25


def weighted_pick(rng: random.Random, keys: Sequence[str], weights: Sequence[float]) -> str:
    """One weighted choice (used at tree-building time, not per member)."""
    return rng.choices(keys, weights=weights, k=1)[0]
