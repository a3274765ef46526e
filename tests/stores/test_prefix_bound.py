"""``prefix_upper_bound``: ``prefix <= s < bound`` must be exactly "``s`` starts with ``prefix``".

The embedded store turns a ``Prefix`` filter into that range so an index can seek to it; Python
compares strings by code point, as SQLite compares UTF-8 text byte by byte.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reddytalk.stores.documents.rules import prefix_upper_bound

# Characters near the edges that matter: ASCII, the surrogate gap, the last code point.
EDGES = st.sampled_from(["a", "z", "~", "\x7f", "\ud7ff", "\ue000", "\uffff", "\U0010ffff", "é", "😀"])
TEXT = st.text(st.one_of(EDGES, st.characters(blacklist_categories=("Cs",))), max_size=6)


def in_range(value: str, prefix: str) -> bool:
    bound = prefix_upper_bound(prefix)
    return prefix <= value and (bound is None or value < bound)


@given(TEXT, TEXT)
def test_the_range_is_the_prefix_match(prefix: str, rest: str) -> None:
    assert in_range(prefix + rest, prefix)


@given(TEXT, TEXT)
def test_nothing_else_falls_in_the_range(prefix: str, value: str) -> None:
    assert in_range(value, prefix) == value.startswith(prefix)


def test_bounds() -> None:
    assert prefix_upper_bound("smi") == "smj"
    assert prefix_upper_bound("") is None
    assert prefix_upper_bound("\U0010ffff\U0010ffff") is None
    assert prefix_upper_bound("a\U0010ffff") == "b"
    assert prefix_upper_bound("\ud7ff") == "\ue000"  # never a lone surrogate (not valid UTF-8)
