"""Explicit output limits in prompt text ("<=25 words between tool calls").

The incident behind auditui was a prompt edit adding word limits; such limits are
extracted and diffed as first-class deltas so a reviewer sees them even when the
text diff is long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20,
    "fifty": 50, "hundred": 100, "a hundred": 100, "one hundred": 100,
}  # fmt: skip
_UNITS = {
    "word": "words", "sentence": "sentences", "token": "tokens", "paragraph": "paragraphs",
    "bullet": "bullets", "bullet point": "bullets", "line": "lines", "character": "characters",
    "char": "characters",
}  # fmt: skip

_NUM = r"(?P<num>\d[\d,]*|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
_UNIT = (
    r"(?P<unit>bullet[ -]points?|bullets?|words?|sentences?|tokens?|paragraphs?|lines?|"
    r"characters?|chars?)\b"
)
_BOUND = (
    r"(?:<=|≤|=<|<|at\s+most|no\s+more\s+than|not\s+more\s+than|no\s+longer\s+than|"
    r"under|fewer\s+than|less\s+than|maximum(?:\s+of)?|max\.?|up\s+to|within|a\s+maximum\s+of|"
    r"limit(?:ed)?\s+(?:it\s+|yourself\s+)?to|cap(?:ped)?\s+at)"
)
_PREFIX = re.compile(_BOUND + r"\s*" + _NUM + r"\s+" + _UNIT, re.IGNORECASE)
_SUFFIX = re.compile(
    _NUM + r"\s+" + _UNIT + r"\s+(?:or\s+(?:less|fewer)|max(?:imum)?)\b", re.IGNORECASE
)

_LEAD_VERBS = re.compile(
    r"^(?:please\s+)?(?:always\s+)?(?:keep|limit|restrict|cap|make|write|use|respond|reply|"
    r"answer|ensure|constrain)(?:\s+(?:with|in|using))?(?:\s+|$)(?:your\s+|the\s+|all\s+)?",
    re.IGNORECASE,
)
_TRAIL = re.compile(
    r"\s*(?:to|at|in|with|of|is|are|should\s+be|must\s+be|:|-|—|,)\s*$", re.IGNORECASE
)
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


def _number(text: str) -> int:
    t = text.lower().replace(",", "")
    return int(t) if t.isdigit() else _NUMBER_WORDS[t]


def _unit(text: str) -> str:
    t = re.sub(r"[ -]+", " ", text.lower())
    t = t[:-1] if t.endswith("s") and t[:-1] in _UNITS else t
    return _UNITS.get(t, _UNITS.get(t.rstrip("s"), t))


def _clause_before(text: str, start: int) -> str:
    """The words before a limit in the same clause ("Keep final responses to")."""
    cut = max(
        text.rfind(mark, 0, start) + len(mark) - 1
        for mark in (".", ";", "!", "?", "(", ")", "\n\n", "\n-", "\n*", "\n#")
    )
    return text[cut + 1 : start].replace("\n", " ")


def _applies_to(text: str, start: int, end: int) -> str | None:
    after = _AFTER.match(text[end:])
    if after and after.group(0).strip():
        phrase = after.group(0).strip()
        phrase = re.split(r"\s+(?:unless|except|and\s+keep|but)\b", phrase)[0]
        return _clean(re.sub(r"^(?:for|in)\s+", "", phrase, flags=re.IGNORECASE))
    before = _clause_before(text, start).strip()
    head, colon, tail = before.rpartition(":")
    if colon:
        tail_clean = _TRAIL.sub("", _LEAD_VERBS.sub("", tail.strip()))
        before = tail if _clean(tail_clean) else head
    before = re.split(r",\s*", before)[-1]
    before = re.sub(r"^[\s\-*•>]*(?:(?:and|or|but|then)\s+)?", "", before, flags=re.IGNORECASE)
    before = _LEAD_VERBS.sub("", before.strip())
    before = _TRAIL.sub("", before)
    before = _TRAIL.sub("", before)
    return _clean(before)


def _clean(phrase: str) -> str | None:
    phrase = re.sub(r"[*_`#>\"]+", "", phrase)
    phrase = re.sub(r"\s+", " ", phrase).strip(" -:,").lower()
    words = phrase.split()
    if not words:
        return None
    return " ".join(words[:8])


def extract_limits(text: str) -> tuple[Limit, ...]:
    """Every explicit output limit in `text`, in a stable (sorted) order."""
    found: set[Limit] = set()
    for rx in (_PREFIX, _SUFFIX):
        for m in rx.finditer(text):
            found.add(
                Limit(
                    _unit(m.group("unit")),
                    _number(m.group("num")),
                    _applies_to(text, m.start(), m.end()),
                )
            )
    return tuple(sorted(found, key=lambda lim: (lim.unit, lim.applies_to or "", lim.max)))
