"""Path globs with git's wildmatch meaning, and dotted-key globs for [watch].

fnmatch lets `*` cross `/`, which would make `models/*.toml` match
`models/old/x.toml`; SPEC section 7 asks for wildmatch, so we translate ourselves.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from functools import lru_cache

from auditui.core.keypaths import split_segments


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
    `reasoning.effort`, which is what people write in [watch].
    """
    return _match_key(tuple(patterns), dotted)


@lru_cache(maxsize=65536)
def _match_key(patterns: tuple[str, ...], dotted: str) -> bool:
    path = tuple(split_segments(dotted))
    return any(_segments_match(_key_glob(p), path, prefix=True) for p in patterns)


@lru_cache(maxsize=65536)
def match_key_glob(pattern: str, dotted: str) -> bool:
    """Whether a dotted key matches a dotted-key glob as a whole (SPEC 7's glob rules
    with `.` for `/`): `*` and `?` stay within one key, `**` spans any number of keys,
    none included (`**.reasoning_effort` matches `reasoning_effort` and `a.b.reasoning_effort`)."""
    return _segments_match(_key_glob(pattern), tuple(split_segments(dotted)), prefix=False)


@lru_cache(maxsize=4096)
def _key_glob(pattern: str) -> tuple[str, ...]:
    return tuple(split_segments(pattern))


def _segments_match(pattern: tuple[str, ...], path: tuple[str, ...], prefix: bool) -> bool:
    if not pattern:
        return prefix or not path
    if pattern == ("**",):  # a trailing `**` matches everything inside, not the key itself
        return bool(path)
    if pattern[0] == "**":
        return any(_segments_match(pattern[1:], path[i:], prefix) for i in range(len(path) + 1))
    return (
        bool(path)
        and fnmatchcase(path[0], pattern[0])
        and _segments_match(pattern[1:], path[1:], prefix)
    )


def is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?")
