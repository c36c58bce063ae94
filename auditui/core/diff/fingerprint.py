"""The fingerprint of a change (over its canonical deltas) and the canonical JSON of a
value, with the scalar writers the JSON report shares."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from operator import attrgetter, itemgetter
from typing import Any

from auditui.core.base.values import Typed, canonical, canonical_text
from auditui.core.diff.deltas import Delta

_MODEL, _PATH = attrgetter("model"), attrgetter("path")
_POSITION = itemgetter(3)


def _canonical(delta: Delta) -> str:
    """The delta as the fingerprint hashes it: `[model, path, kind, old, new]` in
    compact JSON, values in canonical form. Scalars and label lists (nearly every
    delta) are written here, exactly as the encoder would; a property test holds the
    two together."""
    old, new = delta.old, delta.new
    old_text = _CANONICAL.get(type(old), _unwritten)(old)
    new_text = _CANONICAL.get(type(new), _unwritten)(new)
    if old_text is None or new_text is None:
        return canonical_text([delta.model, delta.path, delta.kind, canonical(old), canonical(new)])
    model = delta.model
    return (f"[{'null' if model is None else _STRING(model)},{_STRING(delta.path)},"
            f"{_STRING(delta.kind)},{old_text},{new_text}]")  # fmt: skip


_STRING = json.encoder.encode_basestring  # json's own (C) string writer, non-ASCII kept


def _unwritten(_value: Any) -> None:
    return None  # left to the encoder


def labels_json(separator: str) -> Callable[[list], str | None]:
    """A writer of lists of strings (modalities, tags: one in most models) as the
    encoder writes them with `separator` between items; None for any other list."""

    def write(value: list) -> str | None:
        for item in value:
            if type(item) is not str:
                return None
        return f"[{separator.join(map(_STRING, value))}]"

    return write


def _json_float(value: float) -> str:
    return float.__repr__(value) if math.isfinite(value) else json.dumps(value)


def _canonical_float(value: float) -> str:
    if value.is_integer():
        return int.__repr__(int(value))  # values.canonical: 1.0 is 1, 1e20 is 10**20
    return _json_float(value)


# Scalars as json's encoder writes them, by exact type (a bool is no int here), one
# call each: writing them by hand is what makes fingerprints and report lines cheap
# (twice for every delta of a catalogue's history); property tests hold both to the
# encoder. None of these: left to the encoder.
SCALAR_JSON: dict[type, Callable[[Any], str]] = {
    str: _STRING,
    int: int.__repr__,
    bool: {True: "true", False: "false"}.__getitem__,
    type(None): {None: "null"}.__getitem__,
    float: _json_float,
    Typed: lambda value: _STRING(value.text),  # SPEC 13: "inf", "nan", a date's ISO text
}
# Canonical JSON (see values.canonical), and a list of labels (modalities, tags).
_CANONICAL: dict[type, Callable[[Any], str | None]] = {
    **SCALAR_JSON, float: _canonical_float, list: labels_json(","), Typed: attrgetter("text"),
}  # fmt: skip


def canonical_json(value: Any) -> str:
    """Any value's canonical JSON: equal by `same_value` exactly when equal here."""
    text = _CANONICAL.get(type(value), _unwritten)(value)
    return text if text is not None else canonical_text(canonical(value))


def sort_deltas(deltas: list[Delta]) -> list[Delta]:
    return sorted_and_fingerprinted(deltas)[0]


def fingerprint(deltas: list[Delta]) -> str:
    """sha256 over the sorted canonical deltas: independent of commit ids, dates
    and authors, so a cherry-picked or rebased change keeps it (SPEC section 2)."""
    return _digest(sorted(_canonical(d) for d in deltas))


def sorted_and_fingerprinted(deltas: list[Delta]) -> tuple[list[Delta], str]:
    """The deltas in report order (model, path, canonical form; equal ones as they
    came) and their fingerprint, each delta's canonical form computed once and every
    other step at C speed (a catalogue's change can hold thousands)."""
    canonicals = list(map(_canonical, deltas))
    models = list(map(_MODEL, deltas))
    if None in models:  # a policy delta is no model's: it sorts first
        models = [m or "" for m in models]
    order = sorted(zip(models, map(_PATH, deltas), canonicals, range(len(deltas)), strict=True))
    return list(map(deltas.__getitem__, map(_POSITION, order))), _digest(sorted(canonicals))


def _digest(canonicals: list[str]) -> str:
    payload = "\n".join(canonicals)
    # surrogatepass: a file name git gave as bytes that are not UTF-8 is written as
    # those surrogates stand, never a crash (data strings hold none: documents refuses them).
    data = ("auditui-fp-v1\n" + payload).encode("utf-8", "surrogatepass")
    return "sha256:" + hashlib.sha256(data).hexdigest()
