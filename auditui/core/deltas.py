"""Semantic per-model deltas (SPEC section 2) and the fingerprint over them.

Deltas are computed between effective configs, never between file texts, so a
reformatted or reordered file yields none, and a change to defaults or to a shared
prompt shows up once per model it actually moved.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from auditui.core.globs import match_key
from auditui.core.limits import Limit
from auditui.core.models import Effective
from auditui.core.policy import Policy


@dataclass(frozen=True)
class Delta:
    model: str | None
    path: str
    old: Any
    new: Any
    kind: str
    # Not part of the contract or the fingerprint: a unified diff for `text`, the
    # parser's message for `invalid`, shown to reviewers.
    detail: str | None = field(default=None, compare=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "path": self.path,
            "old": self.old,
            "new": self.new,
            "kind": self.kind,
        }

    @property
    def is_limit(self) -> bool:
        return self.kind.startswith("limit-")


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def classify(path: str, old: Any, new: Any, scales: dict[str, tuple[str, ...]]) -> str:
    if old is None:
        return "added"
    if new is None:
        return "removed"
    scale = scales.get(path)
    if scale and old in scale and new in scale:
        return "upgrade" if scale.index(new) > scale.index(old) else "downgrade"
    if _is_number(old) and _is_number(new):
        return "increase" if new > old else "decrease"
    return "changed"


_MISSING = object()


def _leaves(prefix: list, value: Any) -> list[tuple[list, Any]]:
    if isinstance(value, dict) and value:
        out = []
        for k, v in value.items():
            out.extend(_leaves([*prefix, k], v))
        return out
    return [(prefix, value)]


def _get(data: Any, path: list) -> Any:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return _MISSING
        data = data[part]
    return data


def _same(a: Any, b: Any) -> bool:
    """Equal in value and kind: 1 and 1.0 are the same setting, True and 1 are not."""
    if a is _MISSING or b is _MISSING:
        return a is b
    if _is_number(a) and _is_number(b):
        return a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def diff_mappings(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(dotted path, old, new) for every leaf that differs; lists count as leaves.

    DeepDiff finds the differences (`_same` then treats 1 and 1.0 as equal); we collapse list
    element changes to the whole list and expand added/removed tables to leaves, so
    each delta names one setting a reviewer recognises.
    """
    if _same(old, new):
        return []  # the common case when only a prompt moved: skip DeepDiff entirely
    if not old or not new:
        # A model (or policy) appearing or vanishing: every leaf is the delta, and
        # DeepDiff would only walk the whole tree to say so (the bulk of a catalogue).
        side, value = (1, new) if not old else (0, old)
        leaves = _leaves([], value) if value else []
        rows = [(".".join(str(p) for p in leaf), v) for leaf, v in leaves if leaf]
        return [(k, None, v) if side else (k, v, None) for k, v in sorted(rows)]
    # deepdiff costs ~85 ms to import: a push that changes no config never pays it.
    from deepdiff import DeepDiff

    diff = DeepDiff(old, new, view="tree", verbose_level=2)
    paths: set[tuple] = set()
    for levels in diff.values():
        for level in levels:
            path = level.path(output_format="list")
            for i, part in enumerate(path):
                if isinstance(part, int):
                    path = path[:i]
                    break
            paths.add(tuple(path))
    out: dict[str, tuple[Any, Any]] = {}
    for path in paths:
        o, n = _get(old, list(path)), _get(new, list(path))
        pairs: dict[tuple, list] = {}
        for side, value in ((0, o), (1, n)):
            if value is _MISSING:
                continue
            if not path and value == {}:
                continue  # a model or policy appearing from nothing: only its leaves count
            for leaf, v in _leaves(list(path), value):
                pairs.setdefault(tuple(leaf), [_MISSING, _MISSING])[side] = v
        for leaf, (lo, ln) in pairs.items():
            if _same(lo, ln):
                continue
            dotted = ".".join(str(p) for p in leaf)
            out[dotted] = (None if lo is _MISSING else lo, None if ln is _MISSING else ln)
    return [(k, *out[k]) for k in sorted(out)]


def config_deltas(name: str, old: dict, new: dict, policy: Policy) -> list[Delta]:
    deltas = []
    for path, o, n in diff_mappings(old, new):
        if not match_key(policy.watch.keys, path) or match_key(policy.watch.ignore, path):
            continue
        deltas.append(Delta(name, path, o, n, classify(path, o, n, policy.scales)))
    return deltas


def limit_deltas(
    name: str, prompt: str, old: tuple[Limit, ...], new: tuple[Limit, ...]
) -> list[Delta]:
    """Pair limits by (unit, what they govern); a different max is `limit-changed`."""
    path = f"prompt:{prompt}#limits"
    groups: dict[tuple, tuple[list[Limit], list[Limit]]] = {}
    for side, limits in ((0, old), (1, new)):
        for lim in limits:
            groups.setdefault((lim.unit, lim.applies_to or ""), ([], []))[side].append(lim)
    out = []
    for key in sorted(groups):
        olds, news = (sorted(x, key=lambda lim: lim.max) for x in groups[key])
        unchanged = [lim for lim in olds if lim in news]
        olds = [lim for lim in olds if lim not in unchanged]
        news = [lim for lim in news if lim not in unchanged]
        for o, n in zip(olds, news, strict=False):
            out.append(Delta(name, path, o.as_dict(), n.as_dict(), "limit-changed"))
        for o in olds[len(news) :]:
            out.append(Delta(name, path, o.as_dict(), None, "limit-removed"))
        for n in news[len(olds) :]:
            out.append(Delta(name, path, None, n.as_dict(), "limit-added"))
    return out


def text_diff(path: str, old: str, new: str, context: int = 2) -> str:
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), f"a/{path}", f"b/{path}", n=context, lineterm=""
    )
    return "\n".join(lines)


@lru_cache(maxsize=256)
def _prompt_diff(path: str, old: str | None, new: str | None, read_text: Callable) -> str:
    """A shared prompt's diff is the same for every model binding it: compute it once."""
    return text_diff(path, read_text(old) if old else "", read_text(new) if new else "")


def model_deltas(
    name: str,
    old: Effective | None,
    new: Effective | None,
    policy: Policy,
    read_text: Callable[[str], str],
    limits_of: Callable[[str], tuple[Limit, ...]],
) -> list[Delta]:
    """Every delta of one model between two effective configs (None = absent)."""
    deltas = config_deltas(name, old.config if old else {}, new.config if new else {}, policy)
    old_prompts = dict(old.prompts) if old else {}
    new_prompts = dict(new.prompts) if new else {}
    for path in sorted(set(old_prompts) | set(new_prompts)):
        o, n = old_prompts.get(path), new_prompts.get(path)
        if o == n:
            continue
        detail = _prompt_diff(path, o, n, read_text)
        deltas.append(Delta(name, f"prompt:{path}", o, n, "text", detail))
        deltas.extend(
            limit_deltas(name, path, limits_of(o) if o else (), limits_of(n) if n else ())
        )
    return deltas


def policy_deltas(old: dict | None, new: dict | None) -> list[Delta]:
    return [
        Delta(None, f"policy:{path}", o, n, classify(path, o, n, {}))
        for path, o, n in diff_mappings(old or {}, new or {})
    ]


def _canon_value(value: Any) -> Any:
    """1.0 and 1 are the same setting (see `_same`), so they must fingerprint alike."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, list):
        return [_canon_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _canon_value(v) for k, v in value.items()}
    return value


def _canonical(delta: Delta) -> str:
    return json.dumps(
        [delta.model, delta.path, delta.kind, _canon_value(delta.old), _canon_value(delta.new)],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )


def sort_deltas(deltas: list[Delta]) -> list[Delta]:
    return sorted(deltas, key=lambda d: (d.model or "", d.path, _canonical(d)))


def fingerprint(deltas: list[Delta]) -> str:
    """sha256 over the sorted canonical deltas: independent of commit ids, dates
    and authors, so a cherry-picked or rebased change keeps it (SPEC section 2)."""
    payload = "\n".join(sorted(_canonical(d) for d in deltas))
    return "sha256:" + hashlib.sha256(("auditui-fp-v1\n" + payload).encode()).hexdigest()
