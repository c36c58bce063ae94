"""One notion of "the same value", used everywhere configs are compared.

Parsed configs are plain JSON-like data, plus `Typed` for the scalars JSON has no
type for. Python's `==` is the wrong test for them: it says `1 == True` (so
`1 -> true` would hide) and compares containers with the same blind spot. TOML and
YAML write one number as `1` or `1.0`, which must stay one setting. Every
comparison of settings (the world's step, the diff, rollout stages, fingerprints,
reverts) goes through this module so they can never disagree.
"""

from __future__ import annotations

import datetime as dt
import json
import marshal
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any


class Type(Enum):
    """The types a parsed value can have that JSON lacks."""

    FLOAT = "float"  # a non-finite one: inf, -inf, nan
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"


@dataclass(frozen=True, slots=True)
class Typed:
    """A scalar of a type JSON lacks (a non-finite float, a TOML or YAML date, time or
    datetime), held as the text JSON writes for it and the type it was read as.

    Not the parser's own objects: nan is unequal to itself (an unchanged nan would be
    a delta) and hashes by identity, datetimes compare by instant (two that print
    apart were one value), and neither goes through marshal or json. Not the bare text
    either, as before: the string "inf" and the float inf, "2026-01-01" and a date,
    were then one value and a change of type hid (docs/reports.md, "Types"). Equal exactly when type
    and text are: nan is nan, and never the string "nan"."""

    type: Type
    text: str  # "inf", "-inf", "nan"; a date, time or datetime in ISO 8601

    def __str__(self) -> str:
        return self.text

    def as_number(self) -> float | None:
        """inf or -inf as a float, to compare with numbers; None for nan and dates."""
        if self.type is Type.FLOAT and self.text != "nan":
            return float(self.text)
        return None


_MOMENTS = ((dt.datetime, Type.DATETIME), (dt.date, Type.DATE), (dt.time, Type.TIME))


def typed(value: dt.date | dt.time | float) -> Typed:
    """A parser's date, time, datetime or non-finite float as parsed data holds it."""
    if isinstance(value, float):
        return Typed(Type.FLOAT, str(value))  # "inf", "-inf", "nan"
    for kind, type_ in _MOMENTS:  # a datetime is a date too: the narrower first
        if isinstance(value, kind):
            return Typed(type_, value.isoformat())
    raise TypeError(f"not a date, time or float: {type(value).__name__}")


def json_text(value: Any) -> str:
    """json's `default=` for parsed data: JSON writes a Typed as its text (docs/reports.md, "Types":
    "inf", "nan", a date's ISO text); anything else is no parsed data."""
    if type(value) is Typed:
        return value.text
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def is_number(value: Any) -> bool:
    """A number setting: int or float, never a boolean (bool is an int in Python)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def as_number(value: Any) -> int | float | None:
    """A value compared as a number (increase, decrease): a number, inf or -inf; None
    for anything else (nan, a boolean, a string: see `decimal_text` for those)."""
    if is_number(value):
        return value
    return value.as_number() if type(value) is Typed else None


# A plain decimal as a price is written in a YAML or JSON string ('0.80', '-1', '15'):
# an optional sign, an integer part without leading zeros, an optional fraction.
# Nothing else reads as one: no exponent ('12e4' is as likely an id as a number), no
# leading zero ('007' is a code), no bare '.5' or '5.', no space, underscore, inf, nan
# or hex, and only ASCII digits (Python's \d takes any script's).
_DECIMAL = re.compile(r"[+-]?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?", re.ASCII)


def decimal_text(value: Any) -> Decimal | None:
    """The exact number a string reads as, or None: a string that reads as a decimal
    number in both versions of a setting changes by `increase`/`decrease`
    (docs/reports.md, "Numbers written as strings").
    Decimal, never float: '0.30000000000000001' is above '0.3'."""
    if type(value) is str and _DECIMAL.fullmatch(value):
        return Decimal(value)
    return None


def same_value(a: Any, b: Any) -> bool:
    """Equal in value and kind: 1 and 1.0 are the same setting, True and 1 are not,
    nor the string "inf" and the float inf; nan is nan."""
    if a is b:
        return True
    if type(a) is not type(b):
        return is_number(a) and is_number(b) and a == b  # 1 and 1.0; never True and 1
    if a != b:
        # Equal by value and kind implies equal by Python's ==, so this (C-speed)
        # answer is final; only an == match needs the walk for `1` against `true`.
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    return a == b


def canonical(value: Any) -> Any:
    """The form a value is fingerprinted in: values `same_value` calls equal map to
    one form (1.0 -> 1, 1e20 -> 10**20, as Python's == has them equal), and no two
    it tells apart do (a Typed stays itself: see diff.fingerprint.canonical_json)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None or kind is Typed:
        return value
    if kind is float and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    return value


class _HoldsTyped(Exception):
    """The encoder met a Typed: see canonical_text."""


def _only_json(value: Any) -> str:
    if type(value) is Typed:
        raise _HoldsTyped
    return str(value)


def encoder(**options: Any) -> Callable[[Any], str]:
    """json's encoder with `options`, for `canonical_text`."""
    return json.JSONEncoder(**options, default=_only_json).encode


_STRING = json.encoder.encode_basestring  # json's own (C) string writer, non-ASCII kept
# Compact, sorted keys: how fingerprints and reverts write a value.
COMPACT = encoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_text(data: Any, encode: Callable[[Any], str] = COMPACT) -> str:
    """Canonical data (see `canonical`) as `encode` writes it, but where it holds a
    Typed: then compact JSON with each Typed written bare, as TOML writes it (`inf`,
    `2026-01-01`). No JSON value is written so, so a date never reads as the string
    that prints alike, and data that holds none is written as it always was (the
    fingerprint of every change made of JSON's types stays)."""
    try:
        return encode(data)
    except _HoldsTyped:
        return _bare_json(data)


def _bare_json(value: Any) -> str:
    """`COMPACT(value)` with each Typed written bare (its ISO or float text)."""
    kind = type(value)
    if kind is Typed:
        return value.text
    if kind is list:
        return f"[{','.join(map(_bare_json, value))}]"
    if kind is dict:
        items = (f"{_STRING(k)}:{_bare_json(value[k])}" for k in sorted(value))
        return "{" + ",".join(items) + "}"
    return COMPACT(value)


def written(value: Any) -> bytes | None:
    """`value` as marshal writes it (version 2 writes no back-references, so shared
    objects change nothing; a Typed as `portable` writes it): equal bytes are the same
    value to the last type and key order, stricter than `same_value` (1 and 1.0
    differ here); None for data that is not parsed data. Unequal bytes prove nothing."""
    try:
        return marshal.dumps(value, 2)
    except ValueError:
        try:
            return marshal.dumps(portable(value), 2)
        except ValueError:
            return None


def dumps(value: Any) -> bytes:
    """Parsed data (or rows holding it) marshalled for a cache, Typed values kept: see
    `portable`. Data holding none is marshal's own bytes."""
    try:
        return marshal.dumps(value)
    except ValueError:
        return marshal.dumps((..., portable(value)))


def loads(blob: bytes) -> Any:
    """What `dumps` wrote. Only data that held a Typed is walked."""
    value = marshal.loads(blob)
    if type(value) is tuple and len(value) == 2 and value[0] is ...:
        return _restored(value[1])
    return value


def portable(value: Any) -> Any:
    """`value` with each Typed as the tuple (..., type, text): marshal keeps no class
    of ours, and Ellipsis is in no parsed data nor any row the caches keep. Leaves
    are taken inline: a catalogue file is 100,000 of them."""
    kind = type(value)
    if kind is dict:
        return {k: v if type(v) in _LEAVES else portable(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _LEAVES else portable(v) for v in value]
    if kind is Typed:
        return (..., value.type.value, value.text)
    if kind is tuple:
        return tuple(v if type(v) in _LEAVES else portable(v) for v in value)
    return value


def _restored(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {k: v if type(v) in _LEAVES else _restored(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _LEAVES else _restored(v) for v in value]
    if kind is tuple:
        if len(value) == 3 and value[0] is ...:
            return Typed(Type(value[1]), value[2])
        return tuple(v if type(v) in _LEAVES else _restored(v) for v in value)
    return value


_LEAVES = {str, int, float, bool, type(None)}
