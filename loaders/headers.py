"""Forgiving header matching: spaces, full-width characters, line breaks in cells, 必填 marks,
bracketed notes and synonyms all lead to the same field key."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from loaders.templates import MEMBER_COLUMNS, ROSTER_META, UNIT_COLUMNS

_NOTES = re.compile(r"[（(【\[].*?[）)】\]]")
_MARKS = re.compile(r"[*＊※:：、,，.。'\"“”]")


def fold_header(text: object) -> str:
    """A header cell folded for comparison (NFKC, no whitespace or marks, no notes, lower)."""
    raw = unicodedata.normalize("NFKC", "" if text is None else str(text))
    raw = "".join(raw.split())
    raw = _MARKS.sub("", raw.replace("必填", "").replace("选填", ""))
    stripped = _NOTES.sub("", raw)
    return (stripped or raw).casefold()


@cache
def _lookup(kind: str) -> dict[str, str]:
    table = MEMBER_COLUMNS if kind == "members" else UNIT_COLUMNS
    return {fold_header(s): key for key, synonyms in table.items() for s in synonyms}


def match(kind: str, header: object) -> str | None:
    """The field key a header cell names for a sheet kind, or None."""
    return _lookup(kind).get(fold_header(header))


@dataclass
class Header:
    """Where a sheet's table starts and what its columns are."""

    kind: str  # "members" or "units"
    row: int  # 1-based row number of the header row
    keys: list[str | None]  # field key per column index
    titles: list[str]  # header text per column index, as written in the file
    meta: dict[str, str] = field(default_factory=dict)

    def column_title(self, key: str) -> str:
        """The file's own header of a field (for error reports)."""
        for k, t in zip(self.keys, self.titles, strict=False):
            if k == key:
                return t
        return key

    def has(self, key: str) -> bool:
        """Whether the file has a column for this field."""
        return key in self.keys


def detect(rows: Sequence[tuple[int, Sequence[object]]]) -> Header | None:
    """Find the header row among the first rows: the row naming most known columns (≥ 2)."""
    best: Header | None = None
    best_score = 1
    for n, cells in rows:
        member = [match("members", c) for c in cells]
        unit = [match("units", c) for c in cells]
        kind, keys = ("members", member) if "certNumber" in member else ("units", unit)
        score = len({k for k in keys if k})
        if score > best_score:
            titles = [" ".join(str(c).split()) if c is not None else "" for c in cells]
            best, best_score = Header(kind, n, _dedupe(keys), titles), score
    if best is not None:
        best.meta = read_meta(cells for n, cells in rows if n < best.row)
    return best


def _dedupe(keys: list[str | None]) -> list[str | None]:
    """Keep the first column of a field; later duplicates are ignored."""
    seen: set[str] = set()
    out: list[str | None] = []
    for k in keys:
        out.append(k if k and k not in seen else None)
        if k:
            seen.add(k)
    return out


def read_meta(rows: Iterable[Sequence[object]]) -> dict[str, str]:
    """工会名称 / 联系人 / 联系电话 written above a roster's table ("工会名称：X" or two cells)."""
    meta: dict[str, str] = {}
    for cells in rows:
        texts = [unicodedata.normalize("NFKC", str(c)).strip() for c in cells if _filled(c)]
        for i, text in enumerate(texts):
            for label, key in ROSTER_META.items():
                folded = fold_header(text)
                if not folded.startswith(label):
                    continue
                value = (
                    re.split(r"[:：]", text, maxsplit=1)[1].strip()
                    if re.search(r"[:：]", text)
                    else ""
                )
                if not value and folded == label and i + 1 < len(texts):
                    value = texts[i + 1]
                if value and key not in meta:
                    meta[key] = value
    return meta


def _filled(value: object) -> bool:
    return value is not None and str(value).strip() != ""
