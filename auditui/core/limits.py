"""Explicit output limits in prompt text ("<=25 words between tool calls").

The incident behind auditui was a prompt edit adding word limits; such limits are
extracted and diffed as first-class deltas so a reviewer sees them even when the
text diff is long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
}  # fmt: skip
_TENS = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
_DIGIT_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_SINGLE = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
# "25", "1,000", "twenty-five", "a hundred"; a number word must start a word.
_WORD_NUM = rf"\b(?:(?:a|one)\s+(?:hundred|thousand)|{_TENS}[\s-]+{_DIGIT_WORD}|{_SINGLE})"
_MAX_DIGITS = 15  # a longer number is no output limit (and int() may refuse it)
_UNITS = {
    "word": "words", "sentence": "sentences", "token": "tokens", "paragraph": "paragraphs",
    "bullet": "bullets", "bullet point": "bullets", "line": "lines", "character": "characters",
    "char": "characters",
}  # fmt: skip

_NUM = r"(?P<num>\d[\d,]*|" + _WORD_NUM + r")"
_UNIT = (
    r"(?P<unit>bullet[ -]points?|bullets?|words?|sentences?|tokens?|paragraphs?|lines?|"
    r"characters?|chars?)\b"
)
# Worded bounds start a word ("thunder" holds no "under"); "no fewer than" is a minimum.
_BOUND = (
    r"(?:<=|≤|=<|<|\b(?:at\s+most|no\s+more\s+than|not\s+more\s+than|no\s+longer\s+than|"
    r"under|(?<!\bno\s)(?<!\bnot\s)(?:fewer|less)\s+than|maximum(?:\s+of)?|max\.?|up\s+to|"
    r"within|a\s+maximum\s+of|limit(?:ed)?\s+(?:it\s+|yourself\s+)?to|cap(?:ped)?\s+at|"
    r"(?:never|don'?t|do\s+not)\s+(?:use|write|exceed|give|produce|include|output|send)?\s*"
    r"more\s+than))"
)
_PREFIX = re.compile(_BOUND + r"\s*" + _NUM + r"\s+" + _UNIT, re.IGNORECASE)
_SUFFIX = re.compile(
    r"(?<![\w.,-])" + _NUM + r"\s+" + _UNIT + r"\s+(?:or\s+(?:less|fewer)|max(?:imum)?)\b",
    re.IGNORECASE,
)

_LEAD_VERBS = re.compile(
    r"^(?:please\s+)?(?:always\s+)?(?:keep|limit|restrict|cap|make|write|use|respond|reply|"
    r"answer|ensure|constrain)(?:\s+(?:with|in|using))?(?:\s+|$)(?:your\s+|the\s+|all\s+)?",
    re.IGNORECASE,
)
_TRAIL = re.compile(  # a whole trailing word: "Again" does not end in "in"
    r"\s*(?:\b(?:to|at|in|with|of|is|are|should\s+be|must\s+be)|:|-|—|,)\s*$", re.IGNORECASE
)
_MARKUP = re.compile(r"[*_`#>\"]+")
_AFTER = re.compile(
    r"^\s*(?:(?:for|in|between|per|after|before|when|during|of)\b[^.;:\n]*)", re.IGNORECASE
)


@dataclass(frozen=True, order=True)
class Limit:
    unit: str
    max: int
    applies_to: str | None

    def as_dict(self) -> dict:
        return {"unit": self.unit, "max": self.max, "applies_to": self.applies_to}

    def describe(self) -> str:
        where = f" ({self.applies_to})" if self.applies_to else ""
        return f"<= {self.max} {self.unit}{where}"


# re.IGNORECASE lets "ſ", "K" (Kelvin sign), "ı" and "İ" match s, k, i and i.
_FOLD = str.maketrans({"ſ": "s", "\u212a": "k", "ı": "i", "\u0307": None})


def _fold(text: str) -> str:
    return text.lower().translate(_FOLD)


def _number(text: str) -> int | None:
    t = _fold(text).replace(",", "")
    if t.isdigit():
        return int(t) if len(t) <= _MAX_DIGITS else None
    words = re.split(r"[\s-]+", t)
    if len(words) == 2 and words[0] in ("a", "one"):  # "a hundred", "one thousand"
        words = words[1:]
    values = [_NUMBER_WORDS.get(w) for w in words]
    return None if None in values else sum(values)  # "twenty five" = 20 + 5


def _unit(text: str) -> str:
    t = re.sub(r"[ -]+", " ", _fold(text))
    t = t[:-1] if t.endswith("s") and t[:-1] in _UNITS else t
    return _UNITS.get(t, _UNITS.get(t.rstrip("s"), t))


def _clause_before(text: str, lo: int, start: int) -> str:
    """The words before a limit in the same clause ("Keep final responses to"),
    looking back no further than `lo` (where the previous limit ends)."""
    cut = lo
    for mark in (".", ";", "!", "?", "(", ")", "\n\n", "\n-", "\n*", "\n#"):
        k = text.rfind(mark, lo, start)
        if k != -1:
            cut = max(cut, k + len(mark))
    return text[cut:start].replace("\n", " ")


def _applies_to(text: str, start: int, end: int, lo: int, hi: int) -> str | None:
    """The phrase a limit at text[start:end] governs, from its own clause: after it
    ("<=25 words between tool calls") or before it ("Keep final responses to <=100
    words"), never reaching into a neighbouring limit (text before `lo`, after `hi`)."""
    after = _AFTER.match(text[end:hi])
    if after and after.group(0).strip():
        phrase = after.group(0).strip()
        phrase = re.split(r"\s+(?:unless|except|and\s+keep|but)\b", phrase)[0]
        phrase = re.sub(r"(?:\s+|^)(?:and|or)$", "", phrase, flags=re.IGNORECASE)
        return _clean(re.sub(r"^(?:for|in)\s+", "", phrase, flags=re.IGNORECASE))
    before = _MARKUP.sub("", _clause_before(text, lo, start)).strip()
    head, colon, tail = before.rpartition(":")
    if colon:
        tail_clean = _TRAIL.sub("", _LEAD_VERBS.sub("", tail.strip()))
        before = tail if _clean(tail_clean) else head
    before = re.split(r",\s*", before)[-1]
    before = re.sub(
        r"^[\s\-*•>]*(?:(?:and|or|but|then)(?:\s+|$))?", "", before, flags=re.IGNORECASE
    )
    before = _LEAD_VERBS.sub("", before.strip())
    before = _TRAIL.sub("", before)
    before = _TRAIL.sub("", before)
    return _clean(before)


def _clean(phrase: str) -> str | None:
    phrase = _MARKUP.sub("", phrase)
    phrase = re.sub(r"\s+", " ", phrase).strip(" -:,").lower()
    words = phrase.split()
    if not words:
        return None
    return " ".join(words[:8])


def extract_limits(text: str) -> tuple[Limit, ...]:
    """Every explicit output limit in `text`, in a stable (sorted) order."""
    spans: list[re.Match[str]] = []  # left to right; "at most 10 words or fewer" is one limit
    matches = (m for rx in (_PREFIX, _SUFFIX) for m in rx.finditer(text))
    for m in sorted(matches, key=lambda m: m.span()):
        if not spans or m.start() >= spans[-1].end():
            spans.append(m)
    found: set[Limit] = set()
    for k, m in enumerate(spans):
        number = _number(m.group("num"))
        if number is None:
            continue
        lo = spans[k - 1].end() if k else 0
        hi = spans[k + 1].start() if k + 1 < len(spans) else len(text)
        applies_to = _applies_to(text, m.start(), m.end(), lo, hi)
        found.add(Limit(_unit(m.group("unit")), number, applies_to))
    return tuple(sorted(found, key=lambda lim: (lim.unit, lim.applies_to or "", lim.max)))
