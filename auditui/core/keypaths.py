"""Dotted key paths (`reasoning.effort`) that name one setting and only one.

A key may itself contain a dot: `{"reasoning": {"effort": ..}}` and
`{"reasoning.effort": ..}` are two settings, and if both were written
`reasoning.effort` one delta would silently replace the other. As in TOML, a key
that is not plain is quoted (`"reasoning.effort"`, JSON string escapes), so the path
of every leaf is unique and reads the way a config author would write it.
"""

from __future__ import annotations

import json
import re

# Plain keys: no dot, quote, bracket, backslash, control character, or space at
# either end, and not empty.
_CHAR = r"[^.\"\\\[\]\x00-\x1f\x7f]"
_EDGE = r"[^.\"\\\[\]\x00-\x1f\x7f\s]"
_PLAIN = re.compile(rf"{_EDGE}(?:{_CHAR}*{_EDGE})?")
_SEGMENT = re.compile(r'"(?:[^"\\]|\\.)*"|[^.]*')


def quote_key(key: str) -> str:
    return key if _PLAIN.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def join_key(parts: list[str] | tuple[str, ...]) -> str:
    return ".".join(quote_key(str(p)) for p in parts)


def split_segments(path: str) -> list[str]:
    """The segments of a path as written (quoted ones keep their quotes)."""
    out: list[str] = []
    i = 0
    while True:
        m = _SEGMENT.match(path, i)
        out.append(m.group(0))
        i = m.end()
        if i >= len(path) or path[i] != ".":
            if i < len(path):  # junk after a quoted segment: keep it with the segment
                out[-1] += path[i:]
            return out
        i += 1


def split_key(path: str) -> list[str]:
    """The keys of a path, unquoted: `a."b.c"` -> ["a", "b.c"]."""
    keys = []
    for seg in split_segments(path):
        if len(seg) >= 2 and seg[0] == '"' and seg[-1] == '"':
            try:
                keys.append(json.loads(seg))
                continue
            except ValueError:
                pass
        keys.append(seg)
    return keys
