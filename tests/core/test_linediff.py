"""linediff: SequenceMatcher's alignment where its cost is bounded, a coarse one past
that; both take the old lines to the new ones."""

from __future__ import annotations

import difflib

from hypothesis import given
from hypothesis import strategies as st

from auditui.core.base import linediff

LINES = st.lists(st.sampled_from(["", "a", "b", "c", "<= 5 words", "x y"]), max_size=30)


def applied(a: list[str], b: list[str], ops: list[linediff.Opcode]) -> list[str]:
    """The lines the opcodes make of `a`, checking they cover both sides in order."""
    out, i_at, j_at = [], 0, 0
    for tag, i1, i2, j1, j2 in ops:
        assert (i1, j1) == (i_at, j_at) and tag in ("equal", "replace", "delete", "insert")
        out += a[i1:i2] if tag == "equal" else b[j1:j2]
        if tag == "equal":
            assert a[i1:i2] == b[j1:j2]
        i_at, j_at = i2, j2
    assert (i_at, j_at) == (len(a), len(b))
    return out


@given(LINES, LINES, st.booleans())
def test_below_the_bound_it_is_sequencematchers_alignment(a, b, autojunk):
    expected = difflib.SequenceMatcher(None, a, b, autojunk=autojunk).get_opcodes()
    assert linediff.opcodes(a, b, autojunk) == expected


@given(LINES, LINES, st.integers(0, 3))
def test_its_unified_diff_is_difflibs(a, b, n):
    expected = list(difflib.unified_diff(a, b, "a/p", "b/p", n=n, lineterm=""))
    assert linediff.unified_diff(a, b, "a/p", "b/p", n) == expected


@given(LINES, LINES)
def test_the_coarse_alignment_takes_one_side_to_the_other(a, b):
    assert applied(a, b, linediff.coarse_opcodes(a, b)) == b


@given(LINES, LINES)
def test_past_the_bound_the_diff_is_coarse_and_still_a_diff(a, b):
    bound = linediff.PAIRS_MAX
    linediff.PAIRS_MAX = -1
    try:
        ops = linediff.opcodes(a, b)
        assert ops == linediff.coarse_opcodes(a, b)
        diff = linediff.unified_diff(a, b, "a/p", "b/p")
    finally:
        linediff.PAIRS_MAX = bound
    removed = [line[1:] for line in diff[2:] if line.startswith("-")]
    added = [line[1:] for line in diff[2:] if line.startswith("+")]
    assert len(a) - len(removed) == len(b) - len(added)


def test_equal_pairs_counts_the_work_sequencematcher_may_do():
    assert linediff.equal_pairs(["x"] * 3 + ["y"], ["x"] * 4 + ["y"] * 2) == 3 * 4 + 2
    lines = ["x"] * 40_000
    assert linediff.equal_pairs(lines, lines) > linediff.PAIRS_MAX  # would take minutes
    assert linediff.opcodes(lines, lines[:-1] + ["<= 5 words"]) == [
        ("equal", 0, 39_999, 0, 39_999),
        ("replace", 39_999, 40_000, 39_999, 40_000),
    ]
