"""SeenCertificates: exactly the first row of every certificate, like a dict of keys, across
calls and within one, for resident IDs (kept as integers) and other certificate types."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from loaders.seen_certificates import SeenCertificates

_IDS = ["01:11010519491231002X", "01:110105194912310029", "01:440524188001010014"]


def _like_a_dict(calls: list[list[str]]) -> None:
    seen, reference = SeenCertificates(), {}
    row = 2
    for keys in calls:
        rows = list(range(row, row + len(keys)))
        row += len(keys) + 3  # blank or refused rows between chunks
        want = []
        for key, n in zip(keys, rows, strict=True):
            want.append(reference.get(key))
            reference.setdefault(key, n)
        assert seen.earlier(keys, rows) == want
    assert len(seen) == len(reference)


def test_first_rows_across_chunks_and_within_one() -> None:
    seen = SeenCertificates()
    assert seen.earlier([_IDS[0], _IDS[2], _IDS[0]], [5, 6, 9]) == [None, None, 5]
    assert seen.earlier([_IDS[1], _IDS[2], "06:E12345678", _IDS[1]], [10, 11, 12, 13]) == [
        None,
        6,
        None,
        10,
    ]
    assert seen.earlier(["06:E12345678", _IDS[0]], [20, 21]) == [12, 5]
    assert seen.earlier([], []) == []


def test_ids_differing_only_in_a_digit_are_different() -> None:
    seen = SeenCertificates()
    assert seen.earlier(["01:110105194912310021"], [2]) == [None]
    assert seen.earlier(["01:110105194912310031", "01:210105194912310021"], [3, 4]) == [None, None]


def test_many_chunks_merge_into_few_sorted_levels() -> None:
    rng = random.Random(3)
    pool = [f"01:{rng.randrange(10**17):017d}{rng.choice('0123456789X')}" for _ in range(3000)]
    calls = [[rng.choice(pool) for _ in range(rng.randrange(0, 200))] for _ in range(60)]
    _like_a_dict(calls)


_KEY = st.one_of(
    st.from_regex(r"01:[0-9]{17}[0-9X]", fullmatch=True),
    st.sampled_from(
        [*_IDS, "02:A1234567", "01:12345678901234", "01:１１０１０５１９４９１２３１００２X"]
    ),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_KEY, max_size=30), max_size=12))
def test_answers_like_a_dict(calls: list[list[str]]) -> None:
    _like_a_dict(calls)
