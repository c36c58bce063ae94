"""Path globs with git's wildmatch meaning, and dotted-key globs for [watch].

fnmatch lets `*` cross `/`, which would make `models/*.toml` match
`models/old/x.toml`; SPEC section 7 asks for wildmatch, so we translate ourselves.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from functools import lru_cache


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
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


def match_path(pattern: str, path: str) -> bool:
    """True if repository path `path` matches the wildmatch `pattern`."""
    return _compile(pattern).match(path) is not None


def match_any(patterns: tuple[str, ...] | list[str], path: str) -> bool:
    return any(match_path(p, path) for p in patterns)


def literal_prefix(pattern: str) -> str:
    """The directory part of a glob before its first wildcard ("models/" for
    "models/*.toml"), so tree walks only descend where matches can be."""
    cut = len(pattern)
    for ch in "*?[":
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
    parts = dotted.split(".")
    prefixes = [".".join(parts[: k + 1]) for k in range(len(parts))]
    return any(fnmatchcase(p, pat) for pat in patterns for p in prefixes)
