"""The engine's deltas against an independent oracle, DeepDiff, over random configs.

The engine diffs two effective configs its own way (values.same_value, keyed lists
item by item, tables reported by their leaves). DeepDiff knows none of that, so the
test states the conventions on its side in a few lines each (SPEC 8: a list of
mappings that all carry an id field is compared item by item; other lists are one
value; a table appearing or vanishing is its leaves; 1 and 1.0 are one value, true
and 1 are not) and holds the two equal: the same settings moved, from the same old
values to the same new ones.
"""

from __future__ import annotations

import re
from typing import Any

from deepdiff import DeepDiff
from hypothesis import given, settings
from hypothesis import strategies as st

from auditui.core.diff.deltas import config_deltas
from auditui.core.policy.parse import parse_policy

POLICY = parse_policy('[watch]\nkeys = ["*"]\nignore = []\n[scales]\n')
IDS = ("id", "name", "key", "type")  # [diff] list_ids' default
MISSING = object()

KEYS = st.sampled_from(["a", "b", "c", "d", "e"])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.sampled_from([0.0, 1.0, 2.5, -1.5]),
    st.sampled_from(["", "x", "y", "1"]),
)


def keyed_lists(children):
    """Lists of mappings each carrying a distinct `id`: compared item by item."""

    def build(items):
        return [{"id": ident, **item} for ident, item in items.items()]

    return st.dictionaries(st.sampled_from(["p", "q", "r"]), children, min_size=1).map(build)


def configs(depth: int = 3):
    leaves = st.one_of(SCALARS, st.lists(SCALARS, max_size=3))
    if depth == 0:
        return leaves
    inner = st.dictionaries(KEYS, configs(depth - 1), min_size=1, max_size=3)
    return st.one_of(leaves, inner, keyed_lists(inner))


MODELS = st.dictionaries(KEYS, configs(), min_size=1, max_size=4)


class Item(dict):
    """A keyed list's item, as the oracle's side holds it (one setting when whole)."""


def single(value: Any) -> Any:
    """A value as DeepDiff is given it: each number a float (1 and 1.0 are one value),
    each boolean a word (true is not 1)."""
    if isinstance(value, dict):
        return {k: single(v) for k, v in value.items()}
    if isinstance(value, list):
        return [single(v) for v in value]
    if isinstance(value, bool):
        return f"bool:{value}"
    if isinstance(value, int | float):
        return float(value)
    return value


def paired(old: Any, new: Any) -> tuple[Any, Any]:
    """Both versions as DeepDiff is given them: where both sides hold a list whose
    items all carry one id field (the first of IDS, distinct on each side), each list
    becomes a mapping of its items, `[field=value]` -> Item, compared item by item."""
    if isinstance(old, dict) and isinstance(new, dict):
        pairs = {k: paired(old.get(k, MISSING), new.get(k, MISSING)) for k in old | new}
        kind = Item if isinstance(old, Item) else dict
        return (
            kind({k: o for k, (o, _) in pairs.items() if o is not MISSING}),
            kind({k: n for k, (_, n) in pairs.items() if n is not MISSING}),
        )
    if isinstance(old, list) and isinstance(new, list):
        field = next(
            (f for f in IDS if all(isinstance(i, dict) and f in i for i in old + new)), None
        )
        if field and all(len({repr(i[field]) for i in side}) == len(side) for side in (old, new)):
            o = {f"[{field}={i[field]}]": Item(i) for i in old}
            n = {f"[{field}={i[field]}]": Item(i) for i in new}
            return _items(o, n)
    return (MISSING if old is MISSING else single(old), MISSING if new is MISSING else single(new))


def _items(old: dict, new: dict) -> tuple[dict, dict]:
    o, n = {}, {}
    for k in old | new:
        a, b = paired(old.get(k, MISSING), new.get(k, MISSING))
        if a is not MISSING:
            o[k] = Item(a)
        if b is not MISSING:
            n[k] = Item(b)
    return o, n


def normal(value: Any) -> Any:
    """One side alone (a Delta's value): as `paired` gives it against nothing."""
    return paired(value, MISSING)[0]


def joined(path: str, key: str) -> str:
    return f"{path}{key}" if key.startswith("[") or not path else f"{path}.{key}"


def settings_moved(path: str, old: Any, new: Any) -> dict[str, tuple[Any, Any]]:
    """Every setting under `path` as (old, new): a table by its keys, an item by its
    keys where both sides hold it (whole where one side does), anything else whole."""

    def expands(value: Any, other: Any) -> bool:
        return isinstance(other, Item) if isinstance(value, Item) else isinstance(value, dict)

    by_keys_old, by_keys_new = expands(old, new), expands(new, old)
    if not (by_keys_old or by_keys_new):
        return {path: (old, new)}
    out: dict[str, tuple[Any, Any]] = {}
    if not by_keys_old and old is not MISSING:
        out[path] = (old, MISSING)
    if not by_keys_new and new is not MISSING:
        out[path] = (out.get(path, (MISSING, MISSING))[0], new)
    inner_old, inner_new = old if by_keys_old else {}, new if by_keys_new else {}
    for k in inner_old.keys() | inner_new.keys():
        out.update(
            settings_moved(joined(path, k), inner_old.get(k, MISSING), inner_new.get(k, MISSING))
        )
    return out


def dotted(deepdiff_path: str) -> list[str]:
    """`root['a']['[id=p]']['b'][0]` -> ['a', '[id=p]', 'b', 0]."""
    return [
        int(i) if i else k
        for k, i in re.findall(r"\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]", deepdiff_path)
    ]


def oracle(old: dict, new: dict) -> dict[str, tuple[Any, Any]]:
    o, n = paired(old, new)
    found = DeepDiff(o, n, ignore_numeric_type_changes=True, verbose_level=2)
    moved: dict[str, tuple[Any, Any]] = {}
    for report in found.values():
        for where in report:
            parts = dotted(where)
            if any(isinstance(p, int) for p in parts):  # inside a plain list: the list
                parts = parts[: next(i for i, p in enumerate(parts) if isinstance(p, int))]
            path = "".join(p if p.startswith("[") else f".{p}" for p in parts).lstrip(".")
            moved.update(settings_moved(path, get(o, parts), get(n, parts)))
    # A Delta writes an absent value as None, like a null one: so does the oracle.
    return {
        p: tuple(None if x is MISSING else x for x in v) for p, v in moved.items() if v[0] != v[1]
    }


def get(value: Any, parts: list) -> Any:
    for p in parts:
        if not isinstance(value, dict) or p not in value:
            return MISSING
        value = value[p]
    return value


def engine(old: dict, new: dict) -> dict[str, tuple[Any, Any]]:
    return {d.path: (normal(d.old), normal(d.new)) for d in config_deltas("m", old, new, POLICY)}


@settings(max_examples=300, deadline=None)
@given(MODELS, MODELS)
def test_the_engines_deltas_are_what_deepdiff_finds(old, new):
    assert engine(old, new) == oracle(old, new)


@st.composite
def edited(draw, value: Any, depth: int = 0) -> Any:
    """`value` after a random edit that keeps most of its shape (as real changes do):
    each table key kept, edited, dropped or added; each keyed list's items kept,
    edited, dropped or added under a new id; any value replaced now and then."""
    if depth and draw(st.integers(0, 9)) == 0:
        return draw(configs(2))
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            move = draw(st.sampled_from(["keep", "keep", "edit", "edit", "drop"]))
            if move != "drop":
                out[k] = v if move == "keep" else draw(edited(v, depth + 1))
        if draw(st.booleans()):
            out[draw(KEYS)] = draw(configs(1))
        return out or {"a": None}
    if isinstance(value, list) and value and all(isinstance(i, dict) and "id" in i for i in value):
        items = []
        for item in value:
            if draw(st.integers(0, 4)):
                changed = draw(edited(item, depth + 1))
                items.append(
                    {**(changed if isinstance(changed, dict) else {"v": changed}), "id": item["id"]}
                )
        if draw(st.booleans()):
            items.append({"id": draw(st.sampled_from(["s", "t"])), "v": draw(SCALARS)})
        return items
    return value if draw(st.booleans()) else draw(SCALARS)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_edits_that_keep_the_shape_are_found_alike(data):
    """Most real changes touch a few settings of a config, items of keyed lists among
    them: `new` is `old` edited in place."""
    old = data.draw(MODELS)
    new = data.draw(edited(old))
    assert engine(old, new) == oracle(old, new)
