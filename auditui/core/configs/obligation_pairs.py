"""Two versions of a prompt's obligations paired where they stand (docs/reports.md,
"Prompt obligations"): what a prompt edit weakened, strengthened, removed or added.

Lines are aligned as a text diff aligns them and only obligations on changed lines are
looked at; the same sentence pairs first wherever it went, then the most alike in its
block, then across blocks. `changed_obligations` reads only the paragraphs an edit
touches; `plain_changed_obligations`, which reads both versions whole, defines it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from difflib import SequenceMatcher

from auditui.core.base.linediff import Opcode, opcodes
from auditui.core.configs.obligations import Obligation, bare_words, extract_obligations

# Two sentences are the same instruction when their words, markers removed, match at
# least this much (difflib's ratio on word lists). Chosen on a real prompt history
# (bench/obligations_survey.py --ratios): see docs/reports.md, "Prompt obligations".
SIMILAR = 0.5
# Within a changed block a sentence is compared with those standing about as far into
# the other side's block, this many either side: a block is often a whole rewritten
# section, and comparing each with all would cost the product of their counts.
_BAND = 12
# Sentences left unpaired in their blocks are compared across blocks (moved and
# reworded) only while that costs at most this many comparisons.
_ACROSS_MAX = 10_000


def obligation_kind(old: Obligation | None, new: Obligation | None) -> str:
    """The delta kind of one pair returned by pair_obligations."""
    if old is None and new is not None:
        return "obligation-added"
    if new is None and old is not None:
        return "obligation-removed"
    if old is not None and new is not None and old.strength != new.strength:
        return "obligation-weakened" if new.strength < old.strength else "obligation-strengthened"
    raise ValueError("not an obligation change: the strength is the same")


Pairs = list[tuple[Obligation | None, Obligation | None]]


def plain_changed_obligations(old_text: str, new_text: str) -> Pairs:
    """What changed between two versions of a prompt, by definition: every obligation
    of each read, then paired (pair_obligations)."""
    old, new = extract_obligations(old_text), extract_obligations(new_text)
    return pair_obligations(old_text, new_text, old, new)


def changed_obligations(old_text: str, new_text: str) -> Pairs:
    """`plain_changed_obligations`, reading only the units that hold a changed line:
    pairing looks at no other obligation, and an edit to a long prompt changes few
    lines (reading every sentence of every version was most of the time of a prompt
    history's first check). A property test holds the two equal."""
    aligned = opcodes(old_text.splitlines(), new_text.splitlines(), autojunk=False)
    changed = [op for op in aligned if op[0] != "equal"]
    if not changed:
        return []
    old_lines = frozenset(n for _, i1, i2, _, _ in changed for n in range(i1 + 1, i2 + 1))
    new_lines = frozenset(n for _, _, _, j1, j2 in changed for n in range(j1 + 1, j2 + 1))
    old = extract_obligations(old_text, old_lines)
    new = extract_obligations(new_text, new_lines)
    return pair_obligations(old_text, new_text, old, new, aligned)


def pair_obligations(
    old_text: str,
    new_text: str,
    old: tuple[Obligation, ...],
    new: tuple[Obligation, ...],
    aligned: list[Opcode] | None = None,
) -> Pairs:
    """Pair the obligations of two versions of a prompt by where they stand. Lines are
    aligned as a text diff aligns them; only obligations whose marker stands on a
    changed line are looked at. The same sentence (its markers removed) pairs first,
    wherever it went; then, inside each changed block, the most alike; then what is
    left, across blocks (moved and reworded). Returns the pairs that matter: (old,
    new) whose strength differs, (old, None) removed, (None, new) added; a sentence
    reworded at the same strength, or moved, is no change. `aligned`: the two texts'
    line opcodes, when the caller has them."""
    if not old and not new:
        return []
    old_at, new_at = _by_line(old), _by_line(new)
    if aligned is None:
        aligned = opcodes(old_text.splitlines(), new_text.splitlines(), autojunk=False)
    blocks = [
        (
            [o for i in range(i1 + 1, i2 + 1) for o in old_at.get(i, ())],
            [o for j in range(j1 + 1, j2 + 1) for o in new_at.get(j, ())],
        )
        for tag, i1, i2, j1, j2 in aligned
        if tag != "equal"
    ]
    touched_a = [x for a, _ in blocks for x in a]
    touched_b = [y for _, b in blocks for y in b]
    paired, removed, added = _pair_alike(touched_a, touched_b, _nowhere)
    left_a, left_b = {id(x) for x in removed}, {id(y) for y in added}
    removed, added = [], []
    for a, b in blocks:
        a = [x for x in a if id(x) in left_a]
        b = [y for y in b if id(y) in left_b]
        pairs, rest_a, rest_b = _pair_alike(a, b, _in_band(len(a), len(b)))
        paired += pairs
        removed += rest_a
        added += rest_b
    pairs, removed, added = _pair_alike(removed, added, _everywhere(len(removed), len(added)))
    out: list[tuple[Obligation | None, Obligation | None]] = []
    out += [(x, y) for x, y in paired + pairs if x.strength != y.strength]
    out += [(x, None) for x in removed] + [(None, y) for y in added]
    return out


def _by_line(obligations: tuple[Obligation, ...]) -> dict[int, list[Obligation]]:
    out: dict[int, list[Obligation]] = {}
    for o in obligations:
        out.setdefault(o.line, []).append(o)
    return out


def _bare(o: Obligation) -> tuple[str, ...]:
    return bare_words(o.text)


Candidates = Callable[[], Iterator[tuple[int, int]]]


def _in_band(n: int, m: int) -> Candidates:
    """(i, j) standing about as far into their blocks (i/n near j/m, _BAND places of
    the longer side either way): the same pairs whichever side is old."""

    def pairs() -> Iterator[tuple[int, int]]:
        reach = _BAND * max(n, m)
        for i in range(n):
            low = max(0, -(-(i * m - reach) // n))
            for j in range(low, min(m, (i * m + reach) // n + 1)):
                yield i, j

    return pairs


def _nowhere() -> Iterator[tuple[int, int]]:
    """No candidates: only the same sentences pair."""
    yield from ()


def _everywhere(n: int, m: int) -> Candidates:
    """Every (i, j), or none past _ACROSS_MAX (then only identical sentences pair)."""

    def pairs() -> Iterator[tuple[int, int]]:
        if n * m <= _ACROSS_MAX:
            yield from ((i, j) for i in range(n) for j in range(m))

    return pairs


def _alike(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """How alike two sentences' words are: difflib's ratio, raised to SIMILAR when
    every word of the shorter (two or more) reappears in order in the longer ("Only
    after §4d." -> "Only after §4d and the header step."): one instruction extended."""
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    score = matcher.ratio()
    shorter = min(len(a), len(b))
    if score < SIMILAR and shorter >= 2:
        matched = sum(size for _, _, size in matcher.get_matching_blocks())
        if matched == shorter:
            return SIMILAR
    return score


def _pair_alike(
    a: list[Obligation], b: list[Obligation], candidates: Candidates
) -> tuple[list[tuple[Obligation, Obligation]], list[Obligation], list[Obligation]]:
    """Pair identical sentences first (in order), then, among `candidates`, the most
    alike at or above SIMILAR. Returns the pairs and what is left of each side."""
    bare_a, bare_b = [_bare(x) for x in a], [_bare(y) for y in b]
    free: dict[tuple[str, ...], deque[int]] = {}
    for j, words in enumerate(bare_b):
        free.setdefault(words, deque()).append(j)
    taken_a: set[int] = set()
    taken_b: set[int] = set()
    pairs: list[tuple[Obligation, Obligation]] = []
    for i, words in enumerate(bare_a):
        if free.get(words):
            j = free[words].popleft()
            taken_a.add(i)
            taken_b.add(j)
            pairs.append((a[i], b[j]))
    scored = []
    for i, j in candidates():
        if i in taken_a or j in taken_b:
            continue
        score = _alike(bare_a[i], bare_b[j])
        if score >= SIMILAR:
            scored.append((-score, i, j))
    for _, i, j in sorted(scored):
        if i not in taken_a and j not in taken_b:
            taken_a.add(i)
            taken_b.add(j)
            pairs.append((a[i], b[j]))
    left_a = [x for i, x in enumerate(a) if i not in taken_a]
    left_b = [y for j, y in enumerate(b) if j not in taken_b]
    return pairs, left_a, left_b
