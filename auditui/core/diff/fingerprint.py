"""The fingerprint of a change and the canonical JSON of a value (docs/reports.md,
"Fingerprints").

The fingerprint identifies what a change does, not where it was made: no commit id,
date or author goes in, so a rebased or cherry-picked change keeps it, and any edit
to its deltas gives a new one. The `plain_` functions define it; the functions named
without the prefix compute the same thing faster (scalars and label lists written by
hand instead of through the encoder) and a property test holds each pair equal.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from operator import attrgetter, itemgetter
from typing import Any

from auditui.core.base.values import Typed, canonical, canonical_text
from auditui.core.diff.deltas import OBLIGATION_KINDS, Delta, fingerprinted

# -- the definition ------------------------------------------------------------------


def plain_canonical_json(value: Any) -> str:
    """A value's canonical JSON: equal by `same_value` exactly when equal here (see
    values.canonical and values.canonical_text)."""
    return canonical_text(canonical(value))


def plain_delta_line(delta: Delta) -> str:
    """A delta as the fingerprint hashes it: `[model, path, kind, old, new]` in compact
    JSON, the values in canonical form."""
    old, new = canonical(delta.old), canonical(delta.new)
    return canonical_text([delta.model, delta.path, delta.kind, old, new])


def plain_sorted_and_fingerprinted(deltas: list[Delta]) -> tuple[list[Delta], str]:
    """The deltas in report order (by model, a policy's first, then path, then canonical
    line; equal ones as they came) and the change's fingerprint: SHA-256 over the
    canonical lines of its `fingerprinted` deltas, sorted."""
    lines = [plain_delta_line(d) for d in deltas]
    order = sorted(
        range(len(deltas)), key=lambda i: (deltas[i].model or "", deltas[i].path, lines[i])
    )
    hashed = [line for d, line in zip(deltas, lines, strict=True) if fingerprinted(d)]
    return [deltas[i] for i in order], _digest(sorted(hashed))


def _digest(lines: list[str]) -> str:
    payload = "\n".join(lines)
    # surrogatepass: a file name git gave as bytes that are not UTF-8 is written as
    # those surrogates stand, never a crash (data strings hold none: documents refuses them).
    data = ("auditui-fp-v1\n" + payload).encode("utf-8", "surrogatepass")
    return "sha256:" + hashlib.sha256(data).hexdigest()


# -- the same, faster ----------------------------------------------------------------
# A catalogue's history writes every one of its deltas twice (its fingerprint, its
# report line): scalars and lists of labels are written here by exact type, one call
# each, as json's encoder writes them; anything else goes to the encoder.

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


# Scalars as json's encoder writes them, by exact type (a bool is no int here). A
# Typed (inf, nan, a date) is its text, as docs/reports.md "Types" has it.
SCALAR_JSON: dict[type, Callable[[Any], str]] = {
    str: _STRING,
    int: int.__repr__,
    bool: {True: "true", False: "false"}.__getitem__,
    type(None): {None: "null"}.__getitem__,
    float: _json_float,
    Typed: lambda value: _STRING(value.text),
}
# Canonical JSON (see values.canonical), and a list of labels (modalities, tags).
_CANONICAL: dict[type, Callable[[Any], str | None]] = {
    **SCALAR_JSON,
    float: _canonical_float,
    list: labels_json(","),
    Typed: attrgetter("text"),
}


def canonical_json(value: Any) -> str:
    """`plain_canonical_json`, scalars and label lists written by hand."""
    text = _CANONICAL.get(type(value), _unwritten)(value)
    return text if text is not None else plain_canonical_json(value)


def delta_line(delta: Delta) -> str:
    """`plain_delta_line`, scalars and label lists written by hand."""
    old, new = delta.old, delta.new
    old_text = _CANONICAL.get(type(old), _unwritten)(old)
    new_text = _CANONICAL.get(type(new), _unwritten)(new)
    if old_text is None or new_text is None:
        return plain_delta_line(delta)
    model = "null" if delta.model is None else _STRING(delta.model)
    return f"[{model},{_STRING(delta.path)},{_STRING(delta.kind)},{old_text},{new_text}]"


_MODEL, _PATH, _KIND = attrgetter("model"), attrgetter("path"), attrgetter("kind")
_KINDS = OBLIGATION_KINDS
_POSITION = itemgetter(3)


def sorted_and_fingerprinted(deltas: list[Delta]) -> tuple[list[Delta], str]:
    """`plain_sorted_and_fingerprinted`, each line written once by `delta_line` and
    the deltas sorted as tuples (a change can hold thousands)."""
    lines = list(map(delta_line, deltas))
    models = list(map(_MODEL, deltas))
    if None in models:  # a policy delta is no model's: it sorts first
        models = [m or "" for m in models]
    order = sorted(zip(models, map(_PATH, deltas), lines, range(len(deltas)), strict=True))
    hashed = (
        lines
        if _KINDS.isdisjoint(map(_KIND, deltas))
        else [line for d, line in zip(deltas, lines, strict=True) if fingerprinted(d)]
    )
    return list(map(deltas.__getitem__, map(_POSITION, order))), _digest(sorted(hashed))
