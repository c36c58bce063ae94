"""Aligning two versions of a text line by line, at a bounded cost.

difflib's SequenceMatcher is what a reader expects a prompt diff to look like, and
what limits are paired by (limits.pair_limits); its cost grows with the pairs of
equal lines across the two sides, which a pushed prompt chooses (thousands of copies
of one line would stall `check` and both hooks). So it is asked only where those pairs
are few enough (every real prompt); past that, the texts are
aligned by their common first and last lines with everything between replaced whole
(`coarse_opcodes`), in time linear in the text.
"""

from __future__ import annotations

from collections import Counter
from difflib import SequenceMatcher
from typing import Literal

PAIRS_MAX = 1_000_000  # equal-line pairs SequenceMatcher is given (about 0.15 s)

Tag = Literal["replace", "delete", "insert", "equal"]
Opcode = tuple[Tag, int, int, int, int]


def opcodes(a: list[str], b: list[str], autojunk: bool = True) -> list[Opcode]:
    """SequenceMatcher's opcodes taking lines `a` to lines `b`, or the coarse ones
    where its cost could not be bounded."""
    if equal_pairs(a, b) <= PAIRS_MAX:
        return SequenceMatcher(None, a, b, autojunk=autojunk).get_opcodes()
    return coarse_opcodes(a, b)


def equal_pairs(a: list[str], b: list[str]) -> int:
    """How many (i, j) have a[i] == b[j]: the work SequenceMatcher may do."""
    counts = Counter(b)
    return sum(counts.get(line, 0) for line in a)


def coarse_opcodes(a: list[str], b: list[str]) -> list[Opcode]:
    """The common first lines and last lines kept, everything between replaced."""
    most = min(len(a), len(b))
    head = 0
    while head < most and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < most - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    out: list[Opcode] = [("equal", 0, head, 0, head)] if head else []
    i2, j2 = len(a) - tail, len(b) - tail
    if head < i2 or head < j2:
        tag: Tag = "replace" if head < i2 and head < j2 else "delete" if head < i2 else "insert"
        out.append((tag, head, i2, head, j2))
    if tail:
        out.append(("equal", i2, len(a), j2, len(b)))
    return out


def unified_diff(a: list[str], b: list[str], fromfile: str, tofile: str, n: int = 2) -> list[str]:
    """difflib.unified_diff's lines (no line terminators) over `opcodes`."""
    matcher = _Aligned(a, b)
    out: list[str] = []
    for group in matcher.get_grouped_opcodes(n):
        if not out:
            out += [f"--- {fromfile}", f"+++ {tofile}"]
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [" " + line for line in a[i1:i2]]
                continue
            out += ["-" + line for line in a[i1:i2]]
            out += ["+" + line for line in b[j1:j2]]
    return out


class _Aligned(SequenceMatcher):
    """A SequenceMatcher whose opcodes are `opcodes`' (its hunk grouping is reused)."""

    def __init__(self, a: list[str], b: list[str]) -> None:
        super().__init__(None, a, b)
        self._ops = opcodes(a, b)

    def get_opcodes(self) -> list[Opcode]:
        return list(self._ops)


def _range(start: int, stop: int) -> str:
    """A hunk's range as unified diffs write it (difflib's, one-based)."""
    length = stop - start
    first = start + 1
    if length == 1:
        return str(first)
    if not length:
        first -= 1
    return f"{first},{length}"
