"""The engine's deltas against an independent oracle, DeepDiff, over random configs.

The engine diffs two effective configs its own way (values.same_value, keyed lists
item by item, tables reported by their leaves). DeepDiff finds what differs, keyed
lists matched by their items' identity through its `iterable_compare_func`; the test
then states the engine's conventions on its side in a few lines each
(docs/reports.md, "Setting paths"): a list of mappings that all carry one identity
field is compared item by item, an item appearing or vanishing is one setting; other
lists are one value; a table appearing or vanishing is its leaves; 1 and 1.0 are one
value, true and 1 are not. The two must agree: the same settings moved, from the same
old values to the same new ones.
"""

from __future__ import annotations

from typing import Any

from deepdiff import DeepDiff
from deepdiff.helper import CannotCompare, notpresent
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
    """Lists of tables each carrying an `id` (or a `name`): compared item by item, unless
    one identity is used twice (then the list is one value)."""

    def build(field_and_items):
        field, items = field_and_items
        return [{field: ident, **item} for ident, item in items]

    items = st.lists(st.tuples(st.sampled_from(["p", "q", "r"]), children), min_size=1, max_size=3)
    return st.tuples(st.sampled_from(["id", "name"]), items).map(build)


def configs(depth: int = 3):
    leaves = st.one_of(SCALARS, st.lists(SCALARS, max_size=3))
    if depth == 0:
        return leaves
    inner = st.dictionaries(KEYS, configs(depth - 1), min_size=1, max_size=3)
    return st.one_of(leaves, inner, keyed_lists(inner))


MODELS = st.dictionaries(KEYS, configs(), min_size=1, max_size=4)


# -- the oracle ------------------------------------------------------------------------


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


def identity(old: Any, new: Any) -> str | None:
    """The field two lists' items are matched by: the first of IDS every item of both
    carries as a scalar, distinct within each list; None: the lists are one value."""
    if not (isinstance(old, list) and isinstance(new, list)):
        return None
    items = old + new
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for field in IDS:
        if not all(isinstance(i.get(field), str | float) for i in items):
            continue
        if all(len({i[field] for i in side}) == len(side) for side in (old, new)):
            return field
    return None


def same_item(x: Any, y: Any, level) -> bool:
    """DeepDiff's iterable_compare_func: items of a keyed list are one item when they
    carry the same identity; any other list is compared in order."""
    field = identity(level.t1, level.t2)
    if field is None:
        raise CannotCompare
    return x[field] == y[field]


def joined(path: str, key: str) -> str:
    return f"{path}{key}" if key.startswith("[") or not path else f"{path}.{key}"


def settings_at(level) -> list[tuple[str, Any, Any, bool]]:
    """Where a difference DeepDiff reports lies, as the engine names a setting: the
    path from the root (a keyed list's item by its identity, a plain list whole), the
    old and new value there, and whether that value is a keyed list's item. DeepDiff
    writes an item removed and one added at the same index as one value changed: they
    are two items, two settings."""
    node, path, item = level.all_up, "", False
    while node is not level:
        child = node.down
        if isinstance(node.t1, list) or isinstance(node.t2, list):
            field = identity(node.t1, node.t2)
            if field is None:  # a plain list is one value, wherever inside it DeepDiff looks
                return [(path, node.t1, node.t2, False)]
            old, new = (None if v is notpresent else v[field] for v in (child.t1, child.t2))
            if old is not None and new is not None and old != new:
                return [
                    (joined(path, f"[{field}={old}]"), child.t1, notpresent, True),
                    (joined(path, f"[{field}={new}]"), notpresent, child.t2, True),
                ]
            path, item = joined(path, f"[{field}={new if old is None else old}]"), True
        else:
            rel = node.t1_child_rel or node.t2_child_rel
            path, item = joined(path, rel.param), False
        node = child
    return [(path, level.t1, level.t2, item)]


def leaves(path: str, value: Any):
    """A table by its leaves (an empty one is a leaf); anything else is one."""
    if isinstance(value, dict) and value:
        for k, v in value.items():
            yield from leaves(joined(path, k), v)
    else:
        yield path, value


def oracle(old: dict, new: dict) -> dict[str, tuple[Any, Any]]:
    found = DeepDiff(
        single(old),
        single(new),
        view="tree",
        iterable_compare_func=same_item,
        threshold_to_diff_deeper=0,  # tables always compared key by key, however unlike
    )
    moved: dict[str, list] = {}
    for kind, levels in found.items():
        if kind == "iterable_item_moved":
            continue  # a keyed list's order is no setting
        for path, o, n, item in (s for level in levels for s in settings_at(level)):
            o, n = (MISSING if v is notpresent else v for v in (o, n))
            if item:  # an item appearing or vanishing is one setting, whole
                moved[path] = [o, n]
                continue
            for side, value in ((0, o), (1, n)):  # a shape changing: both sides' leaves
                if value is not MISSING:
                    for leaf, v in leaves(path, value):
                        moved.setdefault(leaf, [MISSING, MISSING])[side] = v
    # A Delta writes an absent value as None, like a null one: so does the oracle.
    return {
        p: (None if o is MISSING else o, None if n is MISSING else n)
        for p, (o, n) in moved.items()
        if o != n
    }


def engine(old: dict, new: dict) -> dict[str, tuple[Any, Any]]:
    return {d.path: (single(d.old), single(d.new)) for d in config_deltas("m", old, new, POLICY)}


@settings(max_examples=300, deadline=None)
@given(MODELS, MODELS)
def test_the_engines_deltas_are_what_deepdiff_finds(old, new):
    assert engine(old, new) == oracle(old, new)


@st.composite
def edited(draw, value: Any, depth: int = 0) -> Any:
    """`value` after a random edit that keeps most of its shape (as real changes do):
    each table key kept, edited, dropped or added; each keyed list's items kept,
    edited, dropped or added under a new identity; any value replaced now and then."""
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
    field = identity(value, value) if isinstance(value, list) else None
    if field is not None:
        items = []
        for item in value:
            if draw(st.integers(0, 4)):
                changed = draw(edited(item, depth + 1))
                changed = changed if isinstance(changed, dict) else {"v": changed}
                items.append({**changed, field: item[field]})
        if draw(st.booleans()):
            items.append({field: draw(st.sampled_from(["s", "t"])), "v": draw(SCALARS)})
        return draw(st.permutations(items))  # the order of a keyed list is no change
    return value if draw(st.booleans()) else draw(SCALARS)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_edits_that_keep_the_shape_are_found_alike(data):
    """Most real changes touch a few settings of a config, items of keyed lists among
    them: `new` is `old` edited in place."""
    old = data.draw(MODELS)
    new = data.draw(edited(old))
    assert engine(old, new) == oracle(old, new)
