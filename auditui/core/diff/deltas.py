"""Semantic per-model deltas (docs/reports.md, "Changes" and "Setting paths").

Deltas are computed between effective configs, never between file texts, so a
reformatted or reordered file yields none, and a change to defaults or to a shared
prompt shows up once per model it actually moved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter
from typing import Any

from auditui.core.base.keypaths import Item, quote_key, split_item, split_segments
from auditui.core.base.linediff import unified_diff
from auditui.core.base.values import (
    Typed,
    as_number,
    decimal_text,
    same_value,
    written,
)
from auditui.core.configs.limits import Limit, extract_limits, pair_limits
from auditui.core.configs.models import Effective
from auditui.core.configs.obligation_pairs import changed_obligations, obligation_kind
from auditui.core.configs.obligations import Obligation
from auditui.core.policy.model import Policy


@dataclass(slots=True)
class Delta:  # not frozen: a frozen dataclass's __init__ is several times slower
    model: str | None
    path: str
    old: Any
    new: Any
    kind: str
    # Not part of the contract or the fingerprint: a unified diff for `text`, the
    # parser's message for `invalid`, shown to reviewers.
    detail: str | None = field(default=None, compare=False)
    source: str | None = field(default=None, compare=False)  # the file an `invalid` is about

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


def classify(path: str, old: Any, new: Any, scale: tuple[str, ...] | None = None) -> str:
    """The kind of a setting's move from `old` to `new` (two values `same_value` tells
    apart). Numbers, inf and -inf, and two strings that read as decimals ('1.00' ->
    '0.80', compared exactly) rise or fall; '1.0' -> '1.00', one number written
    anew, is `changed`, as is any move between a string and a number (docs/reports.md,
    "Numbers written as strings")."""
    if old is None:
        return "added"
    if new is None:
        return "removed"
    if scale and old in scale and new in scale:
        return "upgrade" if scale.index(new) > scale.index(old) else "downgrade"
    old_number: Decimal | float | None = as_number(old)
    new_number: Decimal | float | None = as_number(new)
    if type(old) is str and type(new) is str:
        old_number, new_number = decimal_text(old), decimal_text(new)
    if old_number is not None and new_number is not None and old_number != new_number:
        return "increase" if new_number > old_number else "decrease"
    return "changed"


_MISSING = object()
_FIRST = itemgetter(0)
_SCALARS = (str, int, bool, float, Typed)  # == of two of one type is same_value's


def _child(prefix: str, key: str) -> str:
    """The path of `key` under `prefix` (see keypaths: a list item joins its list's key
    without a dot)."""
    if isinstance(key, Item):
        return prefix + key
    return f"{prefix}.{quote_key(key)}" if prefix else quote_key(key)


def _leaves(prefix: str, value: Any, out: list[tuple[str, Any]]) -> None:
    if not (isinstance(value, dict) and value):
        out.append((prefix, value))
        return
    for k, v in value.items():  # a leaf is written here, a table walked: one call each
        if isinstance(v, dict) and v:
            _leaves(_child(prefix, k), v, out)
        else:
            out.append((_child(prefix, k), v))


def settings(config: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every leaf setting of a config by the path its deltas carry (a list is one leaf),
    as a model appearing or vanishing reports them."""
    out: list[tuple[str, Any]] = []
    _leaves("", config, out)
    return [(path, value) for path, value in out if path]


def item_settings(config: dict[str, Any], list_ids: tuple[str, ...]) -> list[tuple[str, Any]]:
    """The leaf settings of a config as `show` and `blame` list them: like
    `settings`, but a list `[diff]` compares item by item (`list_ids`)
    is its items' leaves (`parameter_rules[name=max_tokens].default`), each spelled as
    its deltas are; the identity field is left out, the path names it (an item with
    nothing else is one leaf, the item)."""
    out: list[tuple[str, Any]] = []
    _item_leaves("", config, out, list_ids)
    return [(path, value) for path, value in out if path]


def _item_leaves(prefix: str, value: Any, out: list, list_ids: tuple[str, ...]) -> None:
    keyed = _keyed((value,), list_ids) if isinstance(value, list) else None
    if keyed is not None:
        field_name, (items,) = keyed
        for item, entry in items.items():
            rest = {k: v for k, v in entry.items() if k != field_name}
            if rest:
                _item_leaves(prefix + item, rest, out, list_ids)
            else:
                out.append((prefix + item, entry))
        return
    if not (isinstance(value, dict) and value):
        out.append((prefix, value))
        return
    for k, v in value.items():
        _item_leaves(_child(prefix, k), v, out, list_ids)


def leaf_rows(delta: Delta, policy: Policy | None = None) -> list[tuple[str, Any, Any]]:
    """A delta as reviewers read it (docs/reports.md, "The text report: one line per
    setting"): a list item or table added or removed whole, one (path, old, new) row
    per leaf under it, spelled as `show` lists them (item_settings: lists the policy's
    `[diff] list_ids` key item by item, an item's identity field left out, its path
    names it) and without the leaves its `[watch]` ignores (UI text inside an added
    item), sorted by path; any other delta, its own row. The delta itself (JSON, the
    fingerprint) keeps the whole value: this is how the text and the app show it."""
    old, new = delta.old, delta.new
    whole = new if old is None else old if new is None else None
    kind = type(whole)
    if kind is not dict and kind is not list:  # most deltas: a scalar, or both sides set
        return [(delta.path, old, new)]
    if delta.kind not in ("added", "removed"):
        return [(delta.path, old, new)]
    if type(whole) is dict:
        whole = _without_identity(delta.path, whole)
    leaves: list[tuple[str, Any]] = []
    _item_leaves(delta.path, whole, leaves, policy.diff.list_ids if policy else ())
    if leaves == [(delta.path, whole)]:
        return [(delta.path, old, new)]  # a leaf as shown: a list of labels, an empty table
    if policy is not None:
        leaves = [(path, v) for path, v in leaves if policy.key_rule(path) is not None] or leaves
    leaves.sort(key=_FIRST)
    if old is None:
        return [(path, None, value) for path, value in leaves]
    return [(path, value, None) for path, value in leaves]


def _without_identity(path: str, item: dict) -> dict:
    """An item added or removed whole without the field its path names it by (the
    path's last `[field=value]`), unless that field is all it holds."""
    _key, selector = split_item(split_segments(path)[-1])

    def names(key: str, value: Any) -> bool:
        return (
            bool(selector) and not isinstance(value, dict | list) and Item(key, value) == selector
        )

    return {k: v for k, v in item.items() if not names(k, v)} or item


def diff_mappings(
    old: dict[str, Any], new: dict[str, Any], list_ids: tuple[str, ...] = ()
) -> list[tuple[str, Any, Any]]:
    """(path, old, new) for every leaf setting that differs, sorted by path. Each delta
    names one setting a reviewer recognises, compared with `same_value` (the one notion
    of equal), its path unique (see keypaths). A list of mappings that all carry one of
    `list_ids` is compared item by item (`tiers[start=0].price`); other lists are leaves."""
    out: list[tuple[str, Any, Any]] = []
    if not old or not new:
        # A model appearing or vanishing: every leaf is a delta, no comparison to make.
        if old:
            out = [(path, value, None) for path, value in settings(old)]
        else:
            out = [(path, None, value) for path, value in settings(new)]
    else:
        _diff("", old, new, out, list_ids)
    out.sort(key=lambda row: row[0])
    return out


def _diff(prefix: str, old: Any, new: Any, out: list, list_ids: tuple[str, ...]) -> None:
    if old is new:
        return  # merged configs share the subtrees they inherit: nothing to walk
    kind = type(old)
    if kind is dict and type(new) is dict:
        for key in old.keys() | new.keys():
            o, n = old.get(key, _MISSING), new.get(key, _MISSING)
            if o is n or (
                type(o) is type(n) and o == n and (type(o) in _SCALARS or _identical(o, n))
            ):
                continue  # the common case: unchanged (no path to build for it)
            _diff(_child(prefix, key), o, n, out, list_ids)
        return
    if kind is type(new) and kind in _SCALARS and old == new:
        return  # the common leaf: unchanged (same type, so same_value would agree)
    if same_value(old, new):
        return
    if list_ids and isinstance(old, list) and isinstance(new, list):
        items = _by_identity(old, new, list_ids)
        if items is not None:
            for item, (o, n) in items.items():
                if o is _MISSING or n is _MISSING:  # an item appearing or vanishing, whole
                    out.append(
                        (prefix + item, None if o is _MISSING else o, None if n is _MISSING else n)
                    )
                else:
                    _diff(prefix + item, o, n, out, list_ids)
            return
    # A setting added, removed, or changing shape (a value becoming a table): pair
    # the leaves of both sides by path.
    pairs: dict[str, list] = {}
    for side, value in ((0, old), (1, new)):
        if value is not _MISSING:
            leaves: list[tuple[str, Any]] = []
            _leaves(prefix, value, leaves)
            for leaf, v in leaves:
                pairs.setdefault(leaf, [_MISSING, _MISSING])[side] = v
    for leaf, (o, n) in pairs.items():
        if leaf and not same_value(o, n):
            out.append((leaf, None if o is _MISSING else o, None if n is _MISSING else n))


def _identical(a: Any, b: Any) -> bool:
    """Two equal (==) tables or lists written alike (see values.written): the same to
    the last type (true is not 1, 1.0 not 1), so nothing to walk. An edited model's
    unchanged tables and label lists are most of what its diff meets. Different bytes
    prove nothing (key order): the walk decides."""
    as_written = written(a)
    return as_written is not None and as_written == written(b)


def _by_identity(old: list, new: list, list_ids: tuple[str, ...]) -> dict | None:
    """Both lists' items by identity ({Item: (old, new)}); else None (see _keyed)."""
    keyed = _keyed((old, new), list_ids)
    if keyed is None:
        return None
    before, after = keyed[1]
    return {k: (before.get(k, _MISSING), after.get(k, _MISSING)) for k in before | after}


def _keyed(
    lists: tuple[list, ...], list_ids: tuple[str, ...]
) -> tuple[str, list[dict[Item, Any]]] | None:
    """The identity field and each list's items by identity ({Item: item}, in list
    order), using the first of `list_ids` that every item of every list carries as a
    scalar, unique in each list; else None."""
    everything = [x for side in lists for x in side]
    if not everything or not all(isinstance(x, dict) for x in everything):
        return None
    for id_field in list_ids:
        values = [x.get(id_field) for x in everything]
        if not all(isinstance(v, str | int | float | bool | Typed) for v in values):
            continue
        sides = [{Item(id_field, x[id_field]): x for x in side} for side in lists]
        if any(len(keyed) != len(side) for keyed, side in zip(sides, lists, strict=True)):
            continue  # an identity used twice identifies nothing
        return id_field, sides
    return None


def config_deltas(name: str, old: dict, new: dict, policy: Policy) -> list[Delta]:
    if not old or not new:
        return _whole_model(name, old or new, not old, policy)
    deltas = []
    rule_for = policy.key_rule
    for path, o, n in diff_mappings(old, new, policy.diff.list_ids):
        rule = rule_for(path)
        if rule is None:
            continue
        if rule.inline_prompt and _is_text(o) and _is_text(n):
            deltas += inline_prompt_deltas(name, path, o, n)
            continue
        deltas.append(Delta(name, path, o, n, classify(path, o, n, rule.scale)))
    return deltas


def _whole_model(name: str, config: dict, added: bool, policy: Policy) -> list[Delta]:
    """config_deltas of a model appearing (`added`) or vanishing: each watched leaf, by
    path, one step each (most deltas of a long history are of this kind)."""
    deltas = []
    rule_for = policy.key_rule
    for path, value in sorted(settings(config), key=_FIRST):
        rule = rule_for(path)
        if rule is None:
            continue
        old, new = (None, value) if added else (value, None)
        if rule.inline_prompt and _is_text(value):
            deltas += inline_prompt_deltas(name, path, old, new)
        else:  # as classify has it: a null setting vanishing is "added" too
            deltas.append(Delta(name, path, old, new, "added" if old is None else "removed"))
    return deltas


def _is_text(value: Any) -> bool:
    return value is None or isinstance(value, str)


def blob_id(text: str) -> str:
    """The git blob id of a text, as `git hash-object` gives it."""
    data = text.encode("utf-8")
    return hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()


def inline_prompt_deltas(name: str, path: str, old: str | None, new: str | None) -> list[Delta]:
    """A prompt kept in a config key (docs/policy.md, "Prompts kept inline"): a `text`
    delta between the texts' blob ids, and its limits paired where they stand, exactly
    like a prompt file."""
    old_id, new_id, detail, pairs, duties = _inline_change(path, old, new)
    text = Delta(name, path, old_id, new_id, "text", detail)
    return [
        text,
        *limit_deltas(name, f"{path}#limits", pairs),
        *obligation_deltas(name, f"{path}#obligations", duties),
    ]


@lru_cache(maxsize=256)
def _inline_change(path: str, old: str | None, new: str | None) -> tuple:
    """Computed once per text pair, however many models share it (through defaults)."""
    pairs = pair_limits(
        old or "", new or "", extract_limits(old) if old else (), extract_limits(new) if new else ()
    )
    duties = changed_obligations(old or "", new or "")
    detail = text_diff(path, old or "", new or "")
    old_id = blob_id(old) if old is not None else None
    new_id = blob_id(new) if new is not None else None
    return old_id, new_id, detail, pairs, duties


OBLIGATION_KINDS = frozenset(
    ("obligation-weakened", "obligation-strengthened", "obligation-removed", "obligation-added")
)


def fingerprinted(delta: Delta) -> bool:
    """Whether a delta goes into its change's fingerprint. Obligation deltas do not: they
    are read from texts the change's text delta already names (a blob id, an inline
    string), so the content stays bound without them, and the reading is a heuristic
    that improves: an approval must not lapse when it does (docs/reports.md)."""
    return delta.kind not in OBLIGATION_KINDS


LimitPairs = Callable[[str | None, str | None], list[tuple[Limit | None, Limit | None]]]
ObligationPairs = Callable[
    [str | None, str | None], list[tuple[Obligation | None, Obligation | None]]
]


def part_deltas(
    name: str, path: str, pairs: list[tuple[Any, Any]], kind: Callable[[Any, Any], str]
) -> list[Delta]:
    """One delta per pair of a prompt part (a limit, an obligation) that changed where
    it stands: the pairs come from limits.pair_limits or obligation_pairs.pair_obligations."""
    return [
        Delta(name, path, o.as_dict() if o else None, n.as_dict() if n else None, kind(o, n))
        for o, n in pairs
    ]


def obligation_deltas(
    name: str, path: str, pairs: list[tuple[Obligation | None, Obligation | None]]
) -> list[Delta]:
    """One delta per obligation whose strength changed, or that went or came."""
    return part_deltas(name, path, pairs, obligation_kind)


_LIMIT_KINDS = {
    (True, True): "limit-changed",
    (True, False): "limit-removed",
    (False, True): "limit-added",
}


def limit_deltas(
    name: str, path: str, pairs: list[tuple[Limit | None, Limit | None]]
) -> list[Delta]:
    """One delta per limit that changed where it stands."""
    return part_deltas(name, path, pairs, lambda o, n: _LIMIT_KINDS[(o is not None, n is not None)])


def text_diff(path: str, old: str, new: str, context: int = 2) -> str:
    """A unified diff of two prompt texts, at a bounded cost (see linediff)."""
    lines = unified_diff(old.splitlines(), new.splitlines(), f"a/{path}", f"b/{path}", context)
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
    limit_pairs: LimitPairs,
    obligation_pairs: ObligationPairs,
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
        deltas.extend(limit_deltas(name, f"prompt:{path}#limits", limit_pairs(o, n)))
        deltas.extend(obligation_deltas(name, f"prompt:{path}#obligations", obligation_pairs(o, n)))
    return deltas


def policy_deltas(old: dict | None, new: dict | None) -> list[Delta]:
    return [
        Delta(None, f"policy:{path}", o, n, classify(path, o, n))
        for path, o, n in diff_mappings(old or {}, new or {})
    ]
