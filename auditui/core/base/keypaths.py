"""Dotted key paths (`reasoning.effort`) that name one setting and only one.

A key may itself contain a dot: `{"reasoning": {"effort": ..}}` and
`{"reasoning.effort": ..}` are two settings, and if both were written
`reasoning.effort` one delta would silently replace the other. As in TOML, a key
that is not plain is quoted (`"reasoning.effort"`, JSON string escapes), so the path
of every leaf is unique and reads the way a config author would write it.

An item of a list compared by identity (docs/policy.md, `[diff] list_ids`) is addressed by
its identity field after its list's key: `tiers[start=272000].price`.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from auditui.core.base.values import Typed, canonical

# Plain keys: no dot, quote, bracket, backslash, control character, or space at
# either end, and not empty.
_CHAR = r"[^.\"\\\[\]\x00-\x1f\x7f]"
_EDGE = r"[^.\"\\\[\]\x00-\x1f\x7f\s]"
_PLAIN = re.compile(rf"{_EDGE}(?:{_CHAR}*{_EDGE})?")
_PLAIN_VALUE = re.compile(r"[^\]\[\"\\=\x00-\x1f\x7f\s]+")


class Item(str):
    """A list item's identity in a key path: `[field=value]`, joined to its list's key."""

    def __new__(cls, field: str, value: object) -> Item:

        value = canonical(value)  # 1.0 and 1 are one identity, as they are one value
        if type(value) is Typed:
            value = value.text  # a date reads as the file writes it: [day=2026-01-01]
        text = value if isinstance(value, str) else json.dumps(value)
        if not (isinstance(value, str) and _PLAIN_VALUE.fullmatch(value)):
            text = json.dumps(value, ensure_ascii=False)
        return super().__new__(cls, f"[{quote_key(field)}={text}]")


@lru_cache(maxsize=65536)
def quote_key(key: str) -> str:
    return key if _PLAIN.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def split_segments(path: str) -> list[str]:
    """The segments of a path as written: quoted keys keep their quotes, and a list
    item's `[field=value]` stays with its list's key (dots inside either never split)."""
    out: list[str] = []
    current: list[str] = []
    i, n = 0, len(path)
    while i < n:
        c = path[i]
        if c == '"':  # a quoted key or value: up to its closing quote
            j = i + 1
            while j < n and path[j] != '"':
                j += 2 if path[j] == "\\" else 1
            current.append(path[i : j + 1])
            i = j + 1
        elif c == "[":  # an item selector: up to its closing bracket, quotes respected
            j = i + 1
            while j < n and path[j] != "]":
                if path[j] == '"':
                    j += 1
                    while j < n and path[j] != '"':
                        j += 2 if path[j] == "\\" else 1
                j += 1
            current.append(path[i : j + 1])
            i = j + 1
        elif c == ".":
            out.append("".join(current))
            current = []
            i += 1
        else:
            current.append(c)
            i += 1
    out.append("".join(current))
    return out


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


def split_item(segment: str) -> tuple[str, str]:
    """A path segment's key and the list item after it (`("tiers", "[start=0]")`; the
    item is "" when there is none). A key holding `[` is quoted, so the item starts at
    the first `[` after the key's closing quote."""
    after = 0
    if segment.startswith('"'):  # past its closing quote (an escaped `\"` is no end)
        after = 1
        while after < len(segment) and segment[after] != '"':
            after += 2 if segment[after] == "\\" else 1
    cut = segment.find("[", after)
    return (segment, "") if cut == -1 else (segment[:cut], segment[cut:])


def value_at(value: Any, path: str) -> tuple[bool, Any]:
    """What lies at `path` inside `value`, as (True, it), else (False, None): keys into
    tables, an item (`[name=top_p]`) into the one entry of a list carrying that
    identity, whether or not every entry carries one. `path` starts at `value`
    (".a.b", "[name=x].c", or "" for `value` itself)."""
    for segment in split_segments(path.removeprefix(".")) if path else ():
        key, item = split_item(segment)
        if key:
            (name,) = split_key(key)
            if not isinstance(value, dict) or name not in value:
                return False, None
            value = value[name]
        if item:
            entries = [x for x in value if _carries(x, item)] if isinstance(value, list) else []
            if len(entries) != 1:
                return False, None
            value = entries[0]
    return True, value


def _carries(entry: Any, item: str) -> bool:
    """Whether a list's entry has the identity `item` names (an Item's text is one
    field and value's only: keypaths' paths are unique)."""
    return isinstance(entry, dict) and any(
        item.startswith(f"[{quote_key(k)}=") and Item(k, v) == item
        for k, v in entry.items()
        if not isinstance(v, dict | list)
    )


PROMPT_PARTS = ("limits", "obligations")  # what `#<part>` after a prompt's file names


def prompt_file_and_part(path: str) -> tuple[str, str]:
    """A prompt delta's path (after `prompt:`) as its file and part: `a#b.md#limits` is
    (`a#b.md`, `limits`). Only a known part ends it: any other `#` belongs to the
    file's name, so a name cannot hide a file from a rule's glob."""
    for part in PROMPT_PARTS:
        if path.endswith("#" + part):
            return path[: -len(part) - 1], part
    return path, ""
