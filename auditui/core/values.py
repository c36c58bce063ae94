"""One notion of "the same value", used everywhere configs are compared.

Parsed configs are plain JSON-like data. Python's `==` is the wrong test for them:
it says `1 == True` (so `1 -> true` would hide) and compares containers with the
same blind spot. TOML and YAML write one number as `1` or `1.0`, which must stay
one setting. Every comparison of settings (the world's step, the diff, rollout
stages, fingerprints) goes through this module so they can never disagree.
"""

from __future__ import annotations

import marshal
from typing import Any


def is_number(value: Any) -> bool:
    """A number setting: int or float, never a boolean (bool is an int in Python)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def same_value(a: Any, b: Any) -> bool:
    """Equal in value and kind: 1 and 1.0 are the same setting, True and 1 are not."""
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


def written(value: Any) -> bytes | None:
    """`value` as marshal writes it (version 2 writes no back-references, so shared
    objects change nothing): equal bytes are the same value to the last type and key
    order, stricter than `same_value` (1 and 1.0 differ here); None for data that is
    not plain. Unequal bytes prove nothing."""
    try:
        return marshal.dumps(value, 2)
    except ValueError:
        return None


def canonical(value: Any) -> Any:
    """The form a value is fingerprinted in: values `same_value` calls equal map to
    one form (1.0 -> 1, 1e20 -> 10**20, as Python's == has them equal), and no two
    it tells apart do."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    return value
