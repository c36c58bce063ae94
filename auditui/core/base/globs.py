"""Path globs with git's wildmatch meaning, and key globs over setting paths.

fnmatch lets `*` cross `/`, which would make `models/*.toml` match
`models/old/x.toml`; the policy's globs are wildmatch (docs/policy.md), so we translate ourselves.
Key globs (`[watch]`, `[scales]`, rules' `keys`) are written like the paths they match,
list items included (`parameter_rules[name=top_p].default`), so a `[` in them is that
text, never a character class (docs/policy.md, Key globs).
"""

from __future__ import annotations

import re
from functools import lru_cache

from auditui.core.base.keypaths import split_item, split_segments


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                at_start = i == 0 or pattern[i - 1] == "/"
                j = i + 2
                if at_start and j < n and pattern[j] == "/":
                    out.append("(?:.*/)?")  # `**/` matches zero or more segments
                    i = j + 1
                    continue
                if at_start and j == n:
                    out.append(".*")
                    i = j
                    continue
                out.append("[^/]*")
                i = j
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            parsed = _bracket(pattern, i)
            if parsed is None:
                out.append(re.escape(c))  # no closing `]`: a literal `[`
            else:
                regex, i = parsed
                out.append(regex)
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))  # `\*` is a literal `*`
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def _bracket(pattern: str, start: int) -> tuple[str, int] | None:
    """The regex for the bracket expression at `start`, and the index of its `]`.

    As in wildmatch: a leading `!` or `^` negates, a `]` first is literal, a backslash
    escapes, a reversed range (`z-a`) matches nothing, and no class matches `/`.
    """
    i, n = start + 1, len(pattern)
    negate = i < n and pattern[i] in "!^"
    if negate:
        i += 1
    chars: list[tuple[str, bool]] = []  # (character, was escaped)
    while i < n and (pattern[i] != "]" or not chars):
        if pattern[i] == "\\" and i + 1 < n:
            i += 1
            chars.append((pattern[i], True))
        else:
            chars.append((pattern[i], False))
        i += 1
    if i >= n:
        return None  # no closing `]`
    body: list[str] = []
    k = 0
    while k < len(chars):
        lo = chars[k][0]
        if k + 2 < len(chars) and chars[k + 1] == ("-", False):
            hi = chars[k + 2][0]
            if lo <= hi:
                body.append(f"{re.escape(lo)}-{re.escape(hi)}")
            k += 3
        else:
            body.append(re.escape(lo))
            k += 1
    cls = "".join(body)
    if negate:
        return f"[^/{cls}]", i
    return (f"(?!/)[{cls}]" if cls else "(?!)"), i


def match_path(pattern: str, path: str) -> bool:
    """True if repository path `path` matches the wildmatch `pattern`."""
    return _compile(pattern).match(path) is not None


def match_any(patterns: tuple[str, ...] | list[str], path: str) -> bool:
    return any(match_path(p, path) for p in patterns)


def literal_prefix(pattern: str) -> str:
    """The directory part of a glob before its first wildcard or escape ("models/"
    for "models/*.toml"), so tree walks only descend where matches can be."""
    cut = len(pattern)
    for ch in "*?[\\":
        k = pattern.find(ch)
        if k != -1:
            cut = min(cut, k)
    head = pattern[:cut]
    if cut == len(pattern):
        return pattern  # no wildcard: the path itself
    return head[: head.rfind("/") + 1]


def match_key(patterns: tuple[str, ...] | list[str], dotted: str) -> bool:
    """True if a dotted key, or any dotted prefix of it, matches one of the globs.

    Matching prefixes lets `notes` cover `notes.author` and `reasoning` watch
    `reasoning.effort`, which is what people write in [watch]; a list's key covers its
    items (`parameter_rules` covers `parameter_rules[name=top_p].default`).
    """
    return _match_key(tuple(patterns), dotted)


@lru_cache(maxsize=65536)
def _match_key(patterns: tuple[str, ...], dotted: str) -> bool:
    path = tuple(split_segments(dotted))
    return any(_segments_match(_key_glob(p), path, prefix=True) for p in patterns)


@lru_cache(maxsize=65536)
def match_key_glob(pattern: str, dotted: str) -> bool:
    """Whether a dotted key matches a dotted-key glob as a whole (docs/policy.md, Key
    globs): the layout's glob rules with `.` for `/`, `*` and `?` staying within one
    segment (a key, or a list's key with its item: `parameter_rules[name=top_p]`), `**`
    spanning any number of them, none included (`**.reasoning_effort` matches
    `reasoning_effort` and `a.b.reasoning_effort`), and `[` always itself: an item
    selector, never a character class."""
    return _segments_match(_key_glob(pattern), tuple(split_segments(dotted)), prefix=False)


_ANY = None  # the segment `**`: any number of segments
Segments = tuple[re.Pattern[str] | None, ...]


@lru_cache(maxsize=4096)
def _key_glob(pattern: str) -> Segments:
    """A key glob's segments, each compiled (`**` is _ANY). `**` written before an item
    (`**[name=x]`) is `**` followed by the item of any list (`*[name=x]`)."""
    out: list[re.Pattern[str] | None] = []
    for segment in split_segments(pattern):
        if segment == "**":
            out.append(_ANY)
        elif segment.startswith("**["):
            out += [_ANY, _segment_glob(segment[1:])]
        else:
            out.append(_segment_glob(segment))
    return tuple(out)


def _segment_glob(segment: str) -> re.Pattern[str]:
    """One segment of a key glob: `*` any characters (an item's included), `?` one,
    everything else itself (brackets, quotes, `=`): fnmatch without character classes."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in segment)
    return re.compile(body + r"\Z", re.DOTALL)


def _list_key(segment: str) -> str | None:
    """The list's key of a path segment naming an item (`tiers` of `tiers[start=0]`),
    else None."""
    key, item = split_item(segment)
    return key if key and item else None


def _segments_match(pattern: Segments, path: tuple[str, ...], prefix: bool) -> bool:
    if not pattern:
        return prefix or not path
    head, rest = pattern[0], pattern[1:]
    if head is None:
        if not rest:  # a trailing `**` matches everything inside, not the key itself
            return bool(path)
        return any(_segments_match(rest, path[i:], prefix) for i in range(len(path) + 1))
    if not path:
        return False
    if head.match(path[0]) and _segments_match(rest, path[1:], prefix):
        return True
    # A list's key covers its items: as a prefix (`tiers`), or before `**`, which then
    # spans the item too (`tiers.**`, `tiers.**.price` reach `tiers[start=0].price`).
    if not ((prefix and not rest) or (rest and rest[0] is None)):
        return False
    key = _list_key(path[0])
    if key is None or not head.match(key):
        return False
    after = rest[1:]
    return not after or any(
        _segments_match(after, path[i:], prefix) for i in range(1, len(path) + 1)
    )


def is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?")
