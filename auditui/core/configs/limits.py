"""Explicit output limits in prompt text ("<=25 words between tool calls").

The incident behind auditui was a prompt edit adding word limits; such limits are
extracted and diffed as first-class deltas so a reviewer sees them even when the
text diff is long.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain

from auditui.core.base.linediff import opcodes

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "thousand": 1000,
}
_TENS = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
_DIGIT_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_SINGLE = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
# "25", "1,000", "twenty-five", "a hundred"; a number word must start a word.
_WORD_NUM = rf"\b(?:(?:a|one)\s+(?:hundred|thousand)|{_TENS}[\s-]+{_DIGIT_WORD}|{_SINGLE})"
_MAX_DIGITS = 15  # a longer number is no output limit (and int() may refuse it)
_UNITS = {
    "word": "words",
    "sentence": "sentences",
    "token": "tokens",
    "paragraph": "paragraphs",
    "bullet": "bullets",
    "bullet point": "bullets",
    "line": "lines",
    "character": "characters",
    "char": "characters",
}

_NUM = r"(?P<num>\d[\d,]*|" + _WORD_NUM + r")"
_UNIT = (
    r"(?P<unit>bullet[ -]points?|bullets?|words?|sentences?|tokens?|paragraphs?|lines?|"
    r"characters?|chars?)\b"
)
# Worded bounds start a word ("thunder" holds no "under"); "no fewer than" is a minimum.
# No two unbounded repeats here can take the same characters (`\s+(?:use\s*)?more`, never
# `\s+(?:use)?\s*more`): each start of a search then costs what it reads, not its square.
_BOUND = (
    r"(?:<=|≤|=<|<(?=[\s\d])|\b(?:at\s+most|no\s+more\s+than|not\s+more\s+than|no\s+longer\s+than|"
    r"under|(?<!\bno\s)(?<!\bnot\s)(?:fewer|less)\s+than|maximum(?:\s+of)?|max\.?|up\s+to|"
    r"within|a\s+maximum\s+of|limit(?:ed)?\s+(?:it\s+|yourself\s+)?to|cap(?:ped)?\s+at|"
    r"(?:never|don'?t|do\s+not)\s+(?:(?:use|write|exceed|give|produce|include|output|send)\s*)?"
    r"more\s+than))"
)
_PREFIX = re.compile(_BOUND + r"\s*" + _NUM + r"\s+" + _UNIT, re.IGNORECASE)
_SUFFIX = re.compile(
    r"(?<![\w.,-])" + _NUM + r"\s+" + _UNIT + r"\s+(?:or\s+(?:less|fewer)|max(?:imum)?)\b",
    re.IGNORECASE,
)


# An imperative (or "you should ...") at the start of a clause: "Keep", "Use", "Create".
_LEAD_VERBS = re.compile(
    r"^(?:(?:you|we|i)\s+(?:should|must|will|need\s+to|have\s+to)\s+)?(?:please\s+)?"
    r"(?:always\s+)?"
    r"(?:keep|limit|restrict|cap|make|write|use|respond|reply|answer|ensure|constrain|aim|"
    r"create|provide|generate|give|produce|return|include|add|send|draft|compose|start|begin|"
    r"lead|end)"
    r"(?:\s+(?:with|in|using|for))?(?:\s+|$)",
    re.IGNORECASE,
)
# Words around the governed phrase that are not part of it (a whole word each).
_DETERMINERS = r"(?:the|your|all|each|every|any|a|an|its|their|our|this|one|short|brief|concise)"
_LEAD = re.compile(rf"^(?:(?:and|or|but|then|with|for|in|of)\s+|{_DETERMINERS}\s+)+", re.IGNORECASE)
# What can follow the phrase before the limit: "<phrase> should stay under", "<phrase> to".
_TRAIL_WORDS = (
    "to at in with of is are be should must can will stay stays remain remains span spans "
    "contain contains limited kept ideally roughly about approximately strictly always short "
    "brief concise and or total".split()
    + ["no longer than"]
)
_TRAIL = re.compile(
    r"(?:\s+|^)(?:" + "|".join(w.replace(" ", r"\s+") for w in _TRAIL_WORDS) + ")$",
    re.IGNORECASE,
)
# In a phrase of single spaces an ending _TRAIL takes stands in this many last characters:
# searched for there only, stripping a long run of them one by one is not quadratic.
_TRAIL_TAIL = 1 + max(map(len, _TRAIL_WORDS))
# A clause whose subject does something ("GitHub allows repository names ...", "Claude
# keeps quotes ..."): the governed phrase is what follows the verb.
_VERB = re.compile(
    r"\b(?:allows?|permits?|accepts?|supports?|takes?|gets?|has|have|keeps?|limits?|caps?|"
    r"restricts?)\s+",
    re.IGNORECASE,
)
# A quantity or a manner that says how, not what: "3-5 sentences", "one line", "plain".
_QUANTITY = re.compile(
    r"^(?:(?:at\s+most|up\s+to|no\s+more\s+than|max(?:imum)?)\s+)?"
    r"(?:\d[\d,.]*(?:\s*(?:-|–|to)\s*\d[\d,.]*)?|one|two|three|four|five|a\s+single|single)"
    r"\s+",
    re.IGNORECASE,
)
# A quoted value that names a type ("string (optional, up to 2048 chars)") or is a
# placeholder ("<one line, <= 64 chars>"): its key is what the limit governs.
_TYPED_VALUE = re.compile(r"^\s*(?:<|(?:string|str|text|integer|int|array|list)\b)", re.IGNORECASE)
_UNIT_WORDS = frozenset(
    "word words sentence sentences line lines paragraph paragraphs bullet bullets item "
    "items token tokens character characters char chars".split()
)
_MANNER = re.compile(r"^(?:plain|no|lowercase|optional|required|ideally)\b", re.IGNORECASE)
_PRONOUN = re.compile(
    r"^(?:it|this|that|these|those|them|they|which|what|something)\b", re.IGNORECASE
)
# Words a noun phrase does not hold: auxiliaries, conjunctions of condition, pronouns.
_NOT_IN_PHRASE = frozenset(
    "be is are was were been being should must can could will would may might shall do "
    "does did that when whenever if unless by than not only very note you we i he she "
    "there here".split()
)
_LY_NOUNS = frozenset("reply family daily supply assembly anomaly italy".split())
_AFTER = re.compile(
    r"^\s*(?:(?:for|in|between|per|after|before|when|during)\b[^.;:\n()\"<>]*)", re.IGNORECASE
)
# Where that phrase ends, and a conjunction it ends on. A run of spaces is tried from its
# first space only (`(?<!\s)`): tried from each, a long run costs its length squared.
_AFTER_ENDS = re.compile(r",|(?<!\s)\s+(?:unless|except|and\s+keep|but|so|if|while)\b")
_AFTER_TRAIL = re.compile(r"(?:(?<!\s)\s+|^)(?:and|or)$", re.IGNORECASE)
# A limit inside a quoted value of a JSON/YAML key: `"caption": "<<=200 chars>"`. The key
# is a run of [\w.-] from its first [A-Za-z_] on ("9a-b" gives "a-b"); the search tries
# a run only where it begins, and nothing it has taken is given back (`*+`), so each
# character is read a few times, never once for every place the search starts.
_IN_VALUE = re.compile(
    r"""\\?["']?(?<![\w.-])(?:[^\WA-Za-z_]|[.-])*+(?P<key>[A-Za-z_][\w.-]*+)\\?["']?"""
    r"""\s*+:\s*+(?:\[\s*+)?\\?(?P<q>["'])(?P<value>[^"'\n\\]*+)$"""
)
_QUOTE = re.compile(r"[\"']")
_CUTS = (". ", ".\n", ";", "!", "?", "(", ")", "\n\n", "\n-", "\n*", "\n#", "|", "·", "`\n", "```")
_NEW_LINE_OF_ITS_OWN = re.compile(r"\n(?=[A-Z])")  # wrapped prose continues in lower case
# A label and what follows it: "Final responses: at most 100 words", "`question` — <= 300".
_LABEL_MARK = re.compile(r":|\s[—–-]\s|\s--\s")
_MARKUP = re.compile(r"[*`#>\"]+")
# Underscores at either end of a word: _emphasis_, not snake_case (a run is tried where it
# begins, as a whole).
_EMPHASIS = re.compile(r"(?<!\w)_+|(?<!_)_++(?!\w)")
_STOPWORDS = frozenset(
    "a an and are as at be by each every for from in is it its of on or so that the them "
    "these they this those to with you your total overall".split()
)
_MAX_WORDS = 6  # longer, and it is a clause, not the phrase a limit governs
# How far from a limit its phrase is looked for, in characters either side (whole words):
# a phrase is at most six words and a key stands just before its value; on the 3,211
# limits of seven public prompt histories 120 gives the same phrases. The bound keeps
# the reading linear: a limit costs what stands near it, never the whole line it is on.
_REACH = 300
_SPACE = re.compile(r"\s")
_LAST_SPACE = re.compile(r"\s\S*+\Z")


@dataclass(frozen=True, order=True)
class Limit:
    unit: str
    max: int
    applies_to: str | None
    at: int = field(default=0, compare=False)  # offset in the prompt text: where it stands

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
    values = [_NUMBER_WORDS[w] for w in words if w in _NUMBER_WORDS]
    return sum(values) if len(values) == len(words) else None  # "twenty five" = 20 + 5


def _unit(text: str) -> str:
    t = re.sub(r"[ -]+", " ", _fold(text))
    t = t[:-1] if t.endswith("s") and t[:-1] in _UNITS else t
    return _UNITS.get(t, _UNITS.get(t.rstrip("s"), t))


def _clause_before(text: str, lo: int, start: int) -> str:
    """The words before a limit in the same clause ("Keep final responses to"),
    looking back no further than `lo` (where the previous limit ends)."""
    cut = lo
    for mark in _CUTS:
        k = text.rfind(mark, lo, start)
        if k != -1:
            cut = max(cut, k + len(mark))
    for m in _NEW_LINE_OF_ITS_OWN.finditer(text, cut, start):
        cut = max(cut, m.end())
    return text[cut:start].replace("\n", " ")


def _applies_to(text: str, start: int, end: int, lo: int, hi: int) -> str | None:
    """The phrase a limit at text[start:end] governs, or None when no phrase can be
    named with confidence (never a fragment of markup or a neighbouring clause).

    Looked for, in order: a phrase right after it ("<=25 words between tool calls");
    the key of the quoted placeholder it sits in (`"caption": "<<=200 chars>"`); a
    phrase before it in its own clause ("Keep final responses to <=100 words", "the
    title (under 70 characters)"); the key of a typed value it sits in
    (`"system": "string (optional, up to 100,000 chars)"`). Nothing
    reaches into a neighbouring limit (text before `lo`, after `hi`); `text` is the
    limit's window (see _window), nothing farther away is read."""
    after = _AFTER.match(text[end:hi])
    if after and after.group(0).strip():
        phrase = after.group(0).strip()
        phrase = _AFTER_ENDS.split(phrase, maxsplit=1)[0]
        phrase = _AFTER_TRAIL.sub("", phrase)
        found = _clean(re.sub(r"^(?:for|in)\s+", "", phrase, flags=re.IGNORECASE))
        if found and _is_noun_phrase(found):
            return found
    line_start = text.rfind("\n", 0, start) + 1
    # Most prose holds no quote: the quick look spares it the search.
    quoted = _QUOTE.search(text, line_start, start) and _IN_VALUE.search(text, line_start, start)
    key = None
    if quoted and _TYPED_VALUE.match(quoted.group("value")):
        key = _clean(quoted.group("key"))
        if quoted.group("value").lstrip().startswith("<"):
            return key  # a placeholder: the key names what it holds
    if quoted:
        lo = max(lo, quoted.start("value"))
    clause = _clause_before(text, lo, start)
    if not clause.strip(" \t") and text[lo:start].rstrip().endswith("("):
        # "the title (under 70 characters)": the phrase before the parenthesis.
        paren = text.rindex("(", lo, start)
        clause = _clause_before(text, lo, paren)
    return _phrase_before(clause) or key


def _phrase_before(clause: str) -> str | None:
    """The phrase in the clause before a limit: after a label mark ("Final responses:",
    "Terse mode enabled —") when something is there, else the label itself."""
    parts = _LABEL_MARK.split(_MARKUP.sub("", clause))
    for part in reversed(parts[-2:]):
        segments = re.split(r",\s*", part)
        for seg in reversed(segments[-2:]):
            seg = seg.strip().lstrip("-•*> ").strip()  # a list item's bullet
            if not seg or _is_form(seg):
                continue  # "3-5 sentences," says how, not what: look further back
            # Something stands here: it is the phrase, or there is none we can name
            # ("keep it under ..."); never the label of another clause.
            return _tidy(_QUANTITY.sub("", seg))
    return None


def _is_form(segment: str) -> bool:
    """ "one sentence", "3-5 sentences", "plain text": how the output looks. But
    "1-2 bullets with" governs its bullets, and "2 main bullets" are a thing."""
    if _MANNER.match(segment):
        return True
    rest = _QUANTITY.sub("", segment)
    if rest == segment:
        return False
    return rest.lower() in _UNIT_WORDS


def _tidy(phrase: str) -> str | None:
    phrase = re.sub(r"\s+", " ", phrase).strip(" -:,•>")
    previous = None
    while phrase != previous:  # strip until stable: "keep the title short" -> "title"
        previous = phrase
        phrase = _LEAD_VERBS.sub("", phrase).strip()
        phrase = _LEAD.sub("", phrase).strip()
        trail = _TRAIL.search(phrase, max(0, len(phrase) - _TRAIL_TAIL))
        phrase = phrase[: trail.start()].strip() if trail else phrase
    verbs = list(_VERB.finditer(phrase))
    if verbs:
        phrase = _LEAD.sub("", phrase[verbs[-1].end() :]).strip()
    if _PRONOUN.match(phrase) or _MANNER.match(phrase):
        return None
    found = _clean(phrase)
    return found if found and _is_noun_phrase(found) else None


def _is_noun_phrase(phrase: str) -> bool:
    """What is left must read as the thing limited ("final responses", "todo items"),
    not a clause ("note that this call can view", "by only providing"): no auxiliary,
    pronoun or condition inside, no adverb, not ending in a verb's -ing."""
    words = re.findall(r"[a-z][a-z'_-]*", phrase)
    if any(w in _NOT_IN_PHRASE for w in words):
        return False
    if any(w.endswith("ly") and len(w) > 4 and w not in _LY_NOUNS for w in words):
        return False
    return not (words and words[-1].endswith("ing") and len(words) > 1)


def _clean(phrase: str) -> str | None:
    phrase = _MARKUP.sub("", phrase)
    phrase = _EMPHASIS.sub("", phrase)
    phrase = re.sub(r"\s+", " ", phrase).strip(" -:,.'").lower()
    words = phrase.split()
    if not words or len(words) > _MAX_WORDS or not re.search(r"[a-z]{2}", phrase):
        return None
    if all(w in _STOPWORDS for w in words):
        return None  # "for", "it": no phrase
    if re.search(r"[<>{}\[\]=|$\\]", phrase):
        return None  # markup or code, not a phrase
    return phrase


# No limit holds one of these (see _PREFIX, _SUFFIX: words, numbers, spaces, `,.-'<=≤`),
# and none is a word character, so a search that stops or starts at one reads every
# assertion (\b, lookbehinds) exactly as a search of the whole text does.
_BARRIER = re.compile(r"[:;()\[\]{}`*#\"!?/|>&+@%^~\\]")
_STEMS = ("word", "sentence", "token", "paragraph", "bullet", "line", "char")


def _stretches(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of the stretches between barriers that can hold a limit: those
    naming a unit (ASCII text without one cannot match; other text is always read).
    The limit patterns cost ~50 ns a character; a prompt's history is megabytes."""
    start = 0
    for barrier in chain(_BARRIER.finditer(text), (None,)):
        end = barrier.start() if barrier else len(text)
        if end - start > 4:
            stretch = text[start:end]
            if not stretch.isascii() or any(stem in stretch.lower() for stem in _STEMS):
                yield start, end
        start = end + 1


def extract_limits(text: str) -> tuple[Limit, ...]:
    """Every explicit output limit in `text`, in the order they stand (a limit
    written twice is two limits: each is paired with its own edit)."""
    spans: list[re.Match[str]] = []  # left to right; "at most 10 words or fewer" is one limit
    matches = (
        m
        for start, end in _stretches(text)
        for rx in (_PREFIX, _SUFFIX)
        for m in rx.finditer(text, start, end)
    )
    for m in sorted(matches, key=lambda m: m.span()):
        if _is_placeholder(text, m):
            continue
        if not spans or m.start() >= spans[-1].end():
            spans.append(m)
    found: list[Limit] = []
    for k, m in enumerate(spans):
        number = _number(m.group("num"))
        if number is None:
            continue
        start, end = m.span()
        near, far = _window(text, start, end)
        lo = max(spans[k - 1].end() if k else 0, near)
        hi = min(spans[k + 1].start() if k + 1 < len(spans) else len(text), far)
        applies_to = _applies_to(text[near:far], start - near, end - near, lo - near, hi - near)
        found.append(Limit(_unit(m.group("unit")), number, applies_to, start))
    return tuple(found)


def _window(text: str, start: int, end: int) -> tuple[int, int]:
    """The stretch of text the phrase of the limit at text[start:end] is read from: at
    most _REACH characters either side, in whole words (a word cut in two could read
    as a phrase of its own)."""
    near, far = start - _REACH, end + _REACH
    if near <= 0:
        near = 0
    elif not text[near - 1].isspace():
        space = _SPACE.search(text, near, start)
        near = space.start() if space else start
    if far >= len(text):
        far = len(text)
    elif not text[far].isspace():
        space = _LAST_SPACE.search(text, end, far)
        far = space.start() if space else end
    return near, far


def _is_placeholder(text: str, m: re.Match[str]) -> bool:
    """`<4 char UUID>` is a placeholder in angle brackets, not "fewer than 4 chars"
    (a bare `<` closed by `>` later on the line; `<=` is always a bound)."""
    if text[m.start()] != "<" or text.startswith("<=", m.start()):
        return False
    rest = text[m.end() : m.end() + 60].split("\n", 1)[0]
    close = rest.find(">")
    return close != -1 and "<" not in rest[:close]


def pair_limits(
    old_text: str, new_text: str, old: tuple[Limit, ...], new: tuple[Limit, ...]
) -> list[tuple[Limit | None, Limit | None]]:
    """Pair the limits of two versions of a prompt by where they stand, not as sets:
    `<=400 chars` becoming `<=300 chars` in one sentence is one pair even when another
    `<=300 chars` stands elsewhere. Lines are aligned as a text diff aligns them; inside
    a changed block limits pair in order, same unit and phrase first. Returns only
    the pairs that differ: (old, None) removed, (None, new) added, (old, new) changed.
    A limit that only moved (removed here, the same added there) is no change."""
    if not old and not new:
        return []  # most prompt edits: no limit on either side, no lines to align
    old_lines, new_lines = _line_starts(old_text), _line_starts(new_text)
    old_at = _by_line(old, old_lines)
    new_at = _by_line(new, new_lines)
    aligned = opcodes(old_text.splitlines(), new_text.splitlines(), autojunk=False)
    out: list[tuple[Limit | None, Limit | None]] = []
    for tag, i1, i2, j1, j2 in aligned:
        a = [lim for i in range(i1, i2) for lim in old_at.get(i, ())]
        b = [lim for j in range(j1, j2) for lim in new_at.get(j, ())]
        if tag != "equal":
            out += _pair_block(a, b)
    # A limit removed in one place and added, unchanged, in another only moved.
    added = _queues([n for o, n in out if o is None and n is not None], _key)
    moved: set[int] = set()
    for o in (o for o, n in out if n is None and o is not None):
        if added.get(_key(o)):
            moved |= {id(o), id(added[_key(o)].popleft())}
    return [(o, n) for o, n in out if id(o) not in moved and id(n) not in moved]


def _key(lim: Limit) -> tuple:
    return (lim.unit, lim.max, lim.applies_to)


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def _by_line(limits: tuple[Limit, ...], starts: list[int]) -> dict[int, list[Limit]]:

    out: dict[int, list[Limit]] = {}
    for lim in limits:
        out.setdefault(bisect_right(starts, lim.at) - 1, []).append(lim)
    return out


def _pair_block(a: list[Limit], b: list[Limit]) -> list[tuple[Limit | None, Limit | None]]:
    """Pair the limits of one changed block: identical ones in order (no change),
    then the same unit and phrase, then the same unit; the rest are added/removed.
    Each limit of `a` takes the first of `b` still free that is alike."""
    out: list[tuple[Limit | None, Limit | None]] = []
    rest_a, rest_b = list(a), list(b)
    for alike in (_key, lambda lim: (lim.unit, lim.applies_to), lambda lim: lim.unit):
        free, left, paired = _queues(rest_b, alike), [], set()
        for x in rest_a:
            if not free.get(alike(x)):
                left.append(x)
                continue
            y = free[alike(x)].popleft()
            paired.add(id(y))
            if _key(x) != _key(y):
                out.append((x, y))
        rest_a, rest_b = left, [y for y in rest_b if id(y) not in paired]
    out += [(x, None) for x in rest_a] + [(None, y) for y in rest_b]
    return out


def _queues(limits: list[Limit], alike: Callable[[Limit], object]) -> dict[object, deque[Limit]]:
    """The limits by what makes them alike, each queue in the order they stand: the
    first still free is at its front (one look, not a scan of all the others)."""
    queues: dict[object, deque[Limit]] = {}
    for lim in limits:
        queues.setdefault(alike(lim), deque()).append(lim)
    return queues
