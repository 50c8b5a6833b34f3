"""The certificates a sheet has given so far, each with the first row giving it: how an import
finds duplicates within a file of millions of rows in a few bytes a row.

A resident ID key (``01:``, 17 digits and a check character 0-9 or X) is kept exactly as one
64-bit integer, its 17 digits times 11 plus the check character's value. Those integers sit
in a few sorted numpy arrays (12 bytes a certificate with its row), merged as they grow so
that there are about log2(rows / chunk) of them; other keys, rare in rosters, in a dict."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

_RESIDENT_LENGTH = 21  # "01:" + 18 characters
_PLACES = np.append(10 ** np.arange(16, -1, -1, dtype=np.int64) * 11, 1)  # 17 digits, check
_CHECK = frozenset("0123456789X")


def _is_resident(key: str) -> bool:
    """``01:``, 17 ASCII digits and a check character 0-9 or X."""
    digits = key[3:20]
    return (
        len(key) == _RESIDENT_LENGTH
        and key.startswith("01:")
        and digits.isascii()
        and digits.isdigit()
        and key[20] in _CHECK
    )


class SeenCertificates:
    """Certificate keys seen in one sheet, with the row that gave each first."""

    def __init__(self) -> None:
        self._levels: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]] = []
        self._others: dict[str, int] = {}

    def __len__(self) -> int:
        return sum(len(keys) for keys, _ in self._levels) + len(self._others)

    def earlier(self, keys: Sequence[str], rows: Sequence[int]) -> list[int | None]:
        """For each key (given in row order), the row that gave it before: in an earlier call
        or earlier in ``keys``; None for a first appearance, which is remembered."""
        out: list[int | None] = [None] * len(keys)
        resident: list[int] = []
        for j, key in enumerate(keys):
            if _is_resident(key):
                resident.append(j)
                continue
            first = self._others.setdefault(key, rows[j])
            if first != rows[j]:
                out[j] = first
        if resident:
            self._residents(resident, keys, rows, out)
        return out

    def _residents(
        self, at: list[int], keys: Sequence[str], rows: Sequence[int], out: list[int | None]
    ) -> None:
        text = np.array([keys[j][3:] for j in at], dtype="S18")
        digits = text.view(np.uint8).reshape(len(at), 18).astype(np.int64) - ord("0")
        digits[digits[:, 17] == ord("X") - ord("0"), 17] = 10
        numbers = digits @ _PLACES
        row_of = np.array([rows[j] for j in at], dtype=np.int64)
        found = np.full(len(at), -1, dtype=np.int64)
        for level_keys, level_rows in self._levels:
            place = np.searchsorted(level_keys, numbers)
            place[place == len(level_keys)] = 0
            hit = level_keys[place] == numbers
            found[hit] = level_rows[place[hit]]
        # within this call: every later repeat points at the first row giving the number
        fresh = found < 0
        unique, first_index = np.unique(numbers[fresh], return_index=True)
        fresh_at = np.flatnonzero(fresh)
        firsts = fresh_at[first_index]
        repeat = fresh.copy()
        repeat[firsts] = False
        if repeat.any():
            where = np.searchsorted(unique, numbers[repeat])
            found[repeat] = row_of[firsts[where]]
        for i in np.flatnonzero(found >= 0).tolist():
            out[at[i]] = int(found[i])
        self._add(unique, row_of[firsts].astype(np.int32))

    def _add(self, numbers: npt.NDArray[np.int64], rows: npt.NDArray[np.int32]) -> None:
        """A new sorted level; levels merge while the newer is at least half the older."""
        if not len(numbers):
            return
        self._levels.append((numbers, rows))
        while len(self._levels) > 1 and 2 * len(self._levels[-1][0]) >= len(self._levels[-2][0]):
            newer_keys, newer_rows = self._levels.pop()
            older_keys, older_rows = self._levels.pop()
            place = np.searchsorted(older_keys, newer_keys)
            self._levels.append(
                (np.insert(older_keys, place, newer_keys), np.insert(older_rows, place, newer_rows))
            )
