"""Directive sentences in prompt text and the strength of each ("must" > "should" > "may").

After output limits, the other way a prompt edit changes behaviour is the strength of
its instructions: "You must run the full test suite" becoming "You should run the
tests", or "Never push to main" disappearing. Each sentence holding a directive word
is an obligation; two versions of a prompt are paired where they stand, as limits are
(obligation_pairs.py), and only a change of strength, a removal or an addition is
reported (docs/reports.md, "Prompt obligations"). A bare imperative ("Run the tests.")
is no obligation: counting every imperative would drown a reviewer.

Everything here reads the text once, token by token; no pattern holds two unbounded
repeats that can take the same characters, so a pushed prompt (attacker-chosen) costs
time linear in its length.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum
from typing import NamedTuple


class Strength(IntEnum):
    """How binding an instruction is; ordered, so a drop is a weakening."""

    OPTIONAL = 1
    RECOMMENDED = 2
    REQUIRED = 3

    @property
    def label(self) -> str:
        return self.name.lower()


# What may stand around a marker for it to count: a marker is read with the word
# before it ("" at the start of a sentence, the mark itself after punctuation), the
# word after it ("" at the end) and the words of its clause before it.
_PUNCTUATION = frozenset(",;:—–-()[]|")
_LEADS = (
    frozenset(
        "and but or then so also please just simply instead otherwise therefore thus still "
        "again first finally generally usually ideally really always never".split()
    )
    | _PUNCTUATION
    | {""}
)
# "it has never been", "the tools always return": a description, not an instruction.
_SUBJECTS = frozenset(
    "has have had is are was were be been being it its they this that which who user i he "
    "she we almost nearly not as would".split()
)
_DETERMINERS = frozenset("the a an this that these those some one two its their your".split())
_BASE_ED = frozenset("proceed exceed succeed embed need feed seed shed speed heed".split())
# "if you need to", "so you can": a condition or a purpose, not an instruction.
_CONDITIONS = frozenset(
    "if when whenever so that unless whether where which what once until because since "
    "before after or how than as".split()
)
# A clause holding one of these before the marker is subordinate: "when the user
# should see it", "if you must observe every transition", "what it should prove".
_SUBORDINATORS = frozenset(
    "if when whenever unless whether where which what once until because since while "
    "who whom whose how so".split()
)
_CLAUSE_MARKS = ",;:—–()"
# "anything the user must do next", "tests that should pass": a modal whose subject is
# someone or something else describes, it does not instruct the model.
_OTHERS = frozenset("user users human it they he she who which that".split())


class _Around(NamedTuple):
    before: str
    after: str
    clause: tuple[str, ...]  # the words of the marker's clause before it


def _anywhere(at: _Around) -> bool:
    return True


def _modal(at: _Around) -> bool:
    """ "You must run X": not "does what it should." (nothing follows) nor "when the
    user should see it" (a subordinate clause) nor "anything the user must do" (the
    subject is someone else)."""
    return at.after != "" and at.before not in _OTHERS and _SUBORDINATORS.isdisjoint(at.clause)


def _clause_start(at: _Around) -> bool:
    """ "Do not ...", "... — never ...", "and avoid ...": not "they do not want"."""
    return at.before in _LEADS


def _sentence_start(at: _Around) -> bool:
    """ "Only commit when asked", "IMPORTANT: only use ...": not "but only while",
    "Only the components you edited change" (a determiner after: a description)."""
    return at.before in ("", ":") and at.after not in _DETERMINERS


def _adverb(at: _Around) -> bool:
    """ "Never push", "you must always ask": not "it has never been", "the response
    always returns", "never synced", "always visible", "always 0" (a subject before;
    a verb ending in -s or -ed, an adjective in -able/-ible or a number after)."""
    before, after = at.before, at.after
    plural = before.endswith("s") and before not in _LEADS
    says = after.endswith("s") and not after.endswith(("ss", "us"))
    done = after.endswith("ed") and len(after) > 4 and after not in _BASE_ED
    return not (
        before in _SUBJECTS
        or plural
        or says
        or done
        or after.endswith(("able", "ible"))
        or after[:1].isdigit()
    )


def _no_condition(at: _Around) -> bool:
    """ "You can ...": not "if you need to", "so you can", "or you need to"."""
    return at.before not in _CONDITIONS and _SUBORDINATORS.isdisjoint(at.clause)


# "Edit all the files you need to and run ...": a verb left out after the marker is a
# relative clause ("the files you need to [edit]"), no instruction.
_ELIDED = frozenset(("", "and", "or", "but", "then"))


_NEGATIONS = frozenset(("not", "don't", "doesn't", "didn't", "never"))


def _with_verb(at: _Around) -> bool:
    """ "You need to run it": not "the files you need to and" (no verb follows), nor
    "you don't have to" (a release, read as its own marker)."""
    return at.after not in _ELIDED and at.before not in _NEGATIONS and _no_condition(at)


_R, _S, _O = Strength.REQUIRED, Strength.RECOMMENDED, Strength.OPTIONAL
_NEG = r"(?: not|n't)"  # "must not", "mustn't" (apostrophes are folded to ' first)
# (pattern, strength, what may stand before it); the text a pattern takes is the word a
# delta shows. Patterns read lower-cased text whose whitespace is single spaces, and
# take whole words. A modal of permission ("can", "may", "could") counts only with
# "you": "this tool can read images" describes, "you can read images" permits.
MARKERS: tuple[tuple[str, Strength, Callable[[_Around], bool]], ...] = (
    (r"must" + _NEG, _R, _modal),
    (r"must", _R, _modal),
    (r"never", _R, _adverb),
    (r"always", _R, _adverb),
    (r"shall" + _NEG, _R, _anywhere),
    (r"shan't", _R, _anywhere),
    (r"shall", _R, _anywhere),
    (r"(?:have|has) to", _R, _with_verb),
    (r"you need to|you'll need to|you will need to|needs to", _R, _with_verb),
    (r"(?:is|are) required|required to", _R, _no_condition),
    (r"mandatory", _R, _anywhere),
    # "You don't have to modify the tests": no duty, a release (read before "don't").
    (r"(?:do not|don't|does not|doesn't) (?:have|need) to|need not|needn't", _O, _anywhere),
    (r"do not|don't", _S, _clause_start),
    (r"you (?:cannot|can't|can not|may not|are not allowed to)", _R, _no_condition),
    (r"(?:is|are) (?:not (?:allowed|permitted)|forbidden|prohibited)", _R, _anywhere),
    (r"make sure", _R, _clause_start),
    (r"under no circumstances", _R, _anywhere),
    (
        r"(?:it is|it's) (?:very |extremely |absolutely )?"
        r"(?:critical|essential|imperative|crucial|vital|important) (?:that|to)",
        _R,
        _anywhere,
    ),
    (r"(?:very |extremely )?(?:important|critical)(?=:)", _R, _anywhere),
    (r"only", _R, _sentence_start),
    (r"should" + _NEG, _S, _modal),
    (r"should", _S, _modal),
    (r"ought to", _S, _anywhere),
    (r"avoid", _S, _clause_start),
    (r"(?:is|are) recommended|we recommend", _S, _anywhere),
    (r"prefer|preferably", _O, _clause_start),
    (r"(?:it is|it's) (?:best|better|advisable|wise) to", _S, _anywhere),
    (r"you (?:can|may) only", _R, _no_condition),  # a restriction: "you can only run one"
    (r"you (?:may|can|could|might)", _O, _no_condition),
    (r"consider", _O, _clause_start),
    (r"try to", _O, _clause_start),
    (r"feel free", _O, _clause_start),
    (r"(?:if|where|when|whenever) possible", _O, _anywhere),
    (r"ideally", _O, _anywhere),
    (r"optionally", _O, _clause_start),
    (r"(?:it is|it's) (?:fine|ok|okay|acceptable) to", _O, _anywhere),
)
# One look behind and one ahead (at a word's first letter), before all the alternatives:
# each place that is no word's start costs one look, not one try of each alternative.
_MARKER = re.compile(
    r"(?<![\w'-])(?=[a-z])(?:"
    + "|".join(rf"(?P<m{k}>(?:{p})(?![\w'-]))" for k, (p, _, _) in enumerate(MARKERS))
    + ")"
)
_LAST_WORD = re.compile(r"[\w'.]*\Z")
_FIRST_WORD = re.compile(r"[ ,]*([\w']+)")
_LINE_COMMENT = re.compile(r"(?<!\S)//")  # "// ..." in code a prompt shows unfenced
TEXT_MAX = 120  # characters of a sentence a delta shows (around its marker)

# A line that starts a unit of its own: heading, list item, table row, tag.
_BLOCK_START = re.compile(r"(?:#{1,6}|[-*+•]|\d{1,9}[.)]|[a-zA-Z][.)]|\|)(?:\s|$)|<")
_LIST_MARK = re.compile(r"(?:#{1,6}|[-*+•]|\d{1,9}[.)]|[a-zA-Z][.)])\s+")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_BACKTICKS = re.compile(r"`+")
# A token ending a sentence: . ! ? then closing quotes, brackets or emphasis.
_CLOSERS = "\"')]*_”’"  # not `: one left unblanked opens a template (`${A?`)
_ABBREVIATIONS = frozenset(
    "e.g. i.e. eg. ie. etc. vs. cf. approx. incl. esp. resp. al. no. fig. mr. ms. dr. "
    "st. a.k.a. viz. ca. v.".split()
)
_WORDS = re.compile(r"\w+")
_TOKEN = re.compile(r"[^\s*_]")  # a token is left once `*` and `_` are dropped
_CURLY = re.compile(r"“[^“”]*+”")


@dataclass(frozen=True)
class Obligation:
    strength: Strength
    word: str  # the marker that gave the strength, as written: "must", "don't", "you may"
    text: str  # the sentence: whitespace collapsed, no emphasis, at most TEXT_MAX characters
    line: int = field(default=0, compare=False)  # 1-based line of the marker: where it stands

    def as_dict(self) -> dict:
        return {"strength": int(self.strength), "word": self.word, "text": self.text}

    def describe(self) -> str:
        return f"{self.strength.label} ({self.word}): {self.text}"


class _Token(NamedTuple):
    seen: str  # as markers read it: inline code and quotes blanked out
    shown: str  # as written
    line: int


def extract_obligations(text: str, lines: frozenset[int] | None = None) -> tuple[Obligation, ...]:
    """Every directive sentence of `text` outside code, in the order they stand, with
    the strength of its strongest marker (the first of them when several tie). A
    question is no instruction and is skipped. With `lines` (1-based), only the units
    (paragraphs, items) holding one of them are read: what pairing needs of an edit."""
    found = []
    for unit in _units(text, lines):
        for sentence in _sentences(unit):
            obligation = _obligation(sentence)
            if obligation is not None:
                found.append(obligation)
    return tuple(found)


def _units(text: str, lines: frozenset[int] | None = None) -> Iterator[list[_Token]]:
    """The tokens of each unit `_unit_lines` finds (all, or those holding one of
    `lines`), but a code comment's (a prompt may hold code outside fences)."""
    for unit in _unit_lines(text):
        if lines is not None and lines.isdisjoint(number for number, _ in unit):
            continue
        if not _may_hold_marker(unit):
            continue  # most units: no marker anywhere, nothing to split into tokens
        tokens = [token for number, line in unit for token in _tokens(line, number)]
        if not tokens[0].shown.startswith(("//", "/*")):
            yield tokens


def _may_hold_marker(unit: list[tuple[int, str]]) -> bool:
    """Whether a marker pattern matches the unit's words as tokens read them (`*`
    dropped, `_` stripped, one space between), code and quotes not yet blanked:
    blanking only ever takes a match away, so no unit with an obligation is missed."""
    words = _fold(" ".join(line for _, line in unit)).replace("*", "").split()
    return _MARKER.search(" ".join(filter(None, (w.strip("_") for w in words)))) is not None


def _unit_lines(text: str) -> Iterator[list[tuple[int, str]]]:
    """Paragraphs, list items, headings and table rows outside fenced code, as their
    numbered lines (quote and list marks taken off; lines with no token left out). A
    line continues the unit before it (wrapped prose) when it starts no block and
    either starts in lower case or follows a line left open: not ending in . ! ? or
    :, nor a heading or a table row. Any other line starts a unit."""
    unit: list[tuple[int, str]] = []
    fence = ""
    open_line = False
    for number, line in enumerate(text.splitlines(), 1):
        opened = _FENCE.match(line)
        if fence:
            if opened and _closes(fence, opened.group(1), line[opened.end() :]):
                fence = ""
            continue
        if opened and (opened.group(1)[0] == "~" or "`" not in line[opened.end() :]):
            fence = opened.group(1)
            if unit:
                yield unit
                unit = []
            continue
        stripped = line.strip().lstrip("> \t")  # a quote's lines read as any others
        if not stripped:
            if unit:
                yield unit
                unit = []
            continue
        starts = _BLOCK_START.match(stripped) is not None
        if unit and (starts or not (stripped[0].islower() or open_line)):
            yield unit
            unit = []
        open_line = stripped[0] not in "#|" and stripped.rstrip(_CLOSERS)[-1:] not in ".!?:"
        while mark := _LIST_MARK.match(stripped):  # "1. - item": each mark in turn
            stripped = stripped[mark.end() :]
        if _TOKEN.search(stripped):  # a line of emphasis marks alone gives no token
            unit.append((number, stripped))
    if unit:
        yield unit


def _closes(fence: str, run: str, rest: str) -> bool:
    """A fence closes with a run of its character as long or longer, alone on its line."""
    return run[0] == fence[0] and len(run) >= len(fence) and not rest.strip()


def _tokens(line: str, number: int) -> Iterator[_Token]:
    """The line's tokens, split at whitespace outside inline code and quotes; inside
    those, and in a `// comment`, every character reads as `x` (no marker, no
    sentence end, no space): a quoted "should be fine" is what someone says. Emphasis
    (`**`, `_` around a word) is dropped: "**Never**" reads as "Never"."""
    seen = _blank_quotes(_blank_code(line))
    comment = _LINE_COMMENT.search(seen)
    if comment:
        seen = seen[: comment.start()] + "x" * (len(seen) - comment.start())
    for m in re.finditer(r"\S+", seen):
        token = m.group().replace("*", "").strip("_")
        if token:
            shown = line[m.start() : m.end()].replace("**", "")
            yield _Token(token, shown, number)


def _blank_code(line: str) -> str:
    """`line` with each inline code span (a run of n backticks closed by the next run
    of exactly n on the line) blanked. Each run's closer is found by one pass from
    the right, so the cost is linear in the line, however many runs it holds."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(line)]
    if len(runs) < 2:
        return line
    closer: list[int | None] = [None] * len(runs)
    next_of_length: dict[int, int] = {}
    for k in range(len(runs) - 1, -1, -1):
        length = runs[k][1] - runs[k][0]
        closer[k] = next_of_length.get(length)
        next_of_length[length] = k
    spans, k = [], 0
    while k < len(runs):
        close = closer[k]
        if close is None:
            k += 1
            continue
        spans.append((runs[k][0], runs[close][1]))
        k = close + 1
    return _blank(line, spans)


def _blank_quotes(line: str) -> str:
    """`line` with each double-quoted span on it blanked: "..." in pairs from the
    left, and “...”."""
    straight = [m.start() for m in re.finditer('"', line)]
    spans = [(straight[k], straight[k + 1] + 1) for k in range(0, len(straight) - 1, 2)]
    spans += [m.span() for m in _CURLY.finditer(line)]
    return _blank(line, sorted(spans)) if spans else line


def _blank(line: str, spans: list[tuple[int, int]]) -> str:
    out, at = [], 0
    for start, end in spans:
        if start >= at:
            out += [line[at:start], "x" * (end - start)]
            at = end
    out.append(line[at:])
    return "".join(out)


def _sentences(unit: list[_Token]) -> Iterator[list[_Token]]:
    """Split a unit after each token that ends a sentence."""
    start = 0
    for k, token in enumerate(unit[:-1]):
        if _ends_sentence(token.seen, unit[k + 1].seen):
            yield unit[start : k + 1]
            start = k + 1
    yield unit[start:]


def _ends_sentence(token: str, following: str) -> bool:
    """`token` ends a sentence: it ends in . ! or ? (before closing marks), and is
    no abbreviation ("e.g.", "i.e.", "etc." before a lower-case word) or initial."""
    core = token.rstrip(_CLOSERS)
    if not core or core[-1] not in ".!?" or not any(c.isalnum() for c in core[-3:-1]):
        return False  # a lone "?" (`${A ? b : c}`), "...": no sentence ends here
    if core[-1] != ".":
        return True
    word = core.lstrip("(\"'*_`“‘").lower()
    if word in _ABBREVIATIONS or (len(word) == 2 and word[0].isalpha()):
        return word == "etc." and following[:1].isupper()
    return not (len(word) > 2 and word[-3] == "." and word[-2].isalpha())  # "U.S."


def _obligation(sentence: list[_Token]) -> Obligation | None:
    if sentence[-1].seen.rstrip(_CLOSERS).endswith("?"):
        return None
    seen = _fold(" ".join(t.seen for t in sentence))
    best: re.Match[str] | None = None
    for m in _MARKER.finditer(seen):
        if not _counts(seen, m):
            continue
        if best is None or _strength(m) > _strength(best):
            best = m
            if _strength(m) == Strength.REQUIRED:
                break
    if best is None:
        return None
    starts, at = [], 0
    for t in sentence:
        starts.append(at)
        at += len(t.seen) + 1
    k = bisect_right(starts, best.start()) - 1
    shown = " ".join(t.shown for t in sentence)
    before = len(" ".join(t.shown for t in sentence[:k]))  # where the marker is shown
    word = best.group()
    return Obligation(_strength(best), word, _bounded(shown, before), sentence[k].line)


def _counts(seen: str, m: re.Match[str]) -> bool:
    """Whether the marker counts where it stands, read with the words around it
    (looked for within 60 characters: bounded whatever the sentence)."""
    window = seen[max(0, m.start() - 60) : m.start()].rstrip()
    word = _LAST_WORD.search(window)
    before = word.group() if word and word.group() else window[-1:]
    cut = max(window.rfind(mark) for mark in _CLAUSE_MARKS)
    clause = tuple(_WORDS.findall(window[cut + 1 :]))
    after = _FIRST_WORD.match(seen, m.end(), m.end() + 40)
    allowed = MARKERS[int(m.lastgroup[1:])][2]  # type: ignore[index]
    return allowed(_Around(before, after.group(1) if after else "", clause))


def _strength(m: re.Match[str]) -> Strength:
    return MARKERS[int(m.lastgroup[1:])][1]  # type: ignore[index]


def _fold(text: str) -> str:
    """Lower case, curly apostrophes straight: what the marker patterns read."""
    return text.lower().replace("’", "'")


def _bounded(text: str, near: int) -> str:
    """At most TEXT_MAX characters of `text`, cut at spaces, keeping the part that
    starts about 40 characters before offset `near` (the marker) in sight."""
    if len(text) <= TEXT_MAX:
        return text
    start = 0 if near < TEXT_MAX - 40 else text.rfind(" ", 0, max(near - 40, 1)) + 1
    head = "…" if start else ""
    room = TEXT_MAX - len(head) - 1
    end = text.rfind(" ", start, start + room + 1)
    end = end if end > start else start + room
    return head + text[start:end] + "…"


def bare_words(text: str) -> tuple[str, ...]:
    """A sentence's words without its markers: what two versions of one instruction
    share, whatever strength each gives it (obligation_pairs)."""
    return tuple(_WORDS.findall(_MARKER.sub(" ", _fold(text))))
