"""Properties the engine must hold for any config (hypothesis): the deltas and the
fingerprint of a change do not depend on key order, file format or hash seed, and one
broken collection entry changes nothing about the other entries' deltas."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import tomli_w
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditui.core.base.values import Type, Typed, typed
from auditui.core.diff.deltas import config_deltas
from auditui.core.diff.fingerprint import sorted_and_fingerprinted
from auditui.core.policy.model import Diff, Policy
from tests.helpers.repo import RepoBuilder, audit

# Keys as real configs write them, and the awkward ones: dots, spaces, quotes.
KEYS = st.one_of(
    st.sampled_from(["effort", "max_tokens", "cache", "ttl", "reasoning", "a.b", "x y", 'q"t']),
    st.text(alphabet="abcdefghij._-", min_size=1, max_size=6),
)
# The types JSON lacks, as parsed data holds them (docs/reports.md, "Types"), and
# strings printing alike.
_NON_FINITE = [Typed(Type.FLOAT, text) for text in ("inf", "-inf", "nan")]
_MOMENTS = [
    Typed(Type.DATE, "2026-01-01"),
    Typed(Type.TIME, "09:30:00"),
    Typed(Type.DATETIME, "2026-01-01T09:30:00+00:00"),
]
TYPED = st.one_of(
    st.sampled_from(_NON_FINITE + _MOMENTS),
    st.dates().map(typed),
    st.datetimes(timezones=st.sampled_from([None, dt.UTC])).map(typed),
    st.times().map(typed),
)
SCALARS = st.one_of(
    st.integers(-5, 5),
    st.sampled_from([0.5, 1.0, 2.0, -0.0]),
    st.booleans(),
    st.sampled_from(["low", "medium", "high", "", "inf", "nan", "2026-01-01"]),
    st.sampled_from(_NON_FINITE + _MOMENTS),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(SCALARS, max_size=3), st.dictionaries(KEYS, inner, min_size=1, max_size=3)
    ),
    max_leaves=6,
)
CONFIGS = st.dictionaries(KEYS, VALUES, max_size=5)


def reordered(value):
    """The same data with every mapping's keys in reverse order."""
    if isinstance(value, dict):
        return {k: reordered(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reordered(v) for v in value]
    return value


def digest(old: dict, new: dict) -> tuple[str, list]:
    deltas, fingerprint = sorted_and_fingerprinted(config_deltas("m", old, new, Policy()))
    return fingerprint, [d.as_json() for d in deltas]


@settings(max_examples=300, deadline=None)
@given(CONFIGS, CONFIGS)
def test_deltas_and_fingerprint_ignore_key_order(old, new):
    assert digest(old, new) == digest(reordered(old), reordered(new))


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(KEYS, st.one_of(VALUES, st.none(), st.text(max_size=3)), max_size=5),
    st.booleans(),
)
def test_a_model_appearing_or_vanishing_has_the_deltas_any_change_would(config, appearing):
    """config_deltas takes a whole model (nearly every delta of a catalogue) in one step
    of its own; it must give what the general diff gives: each watched leaf, by path,
    its kind as classify says (a null setting vanishing too), inline prompts as texts."""
    from auditui.core.diff.deltas import Delta, classify, diff_mappings, inline_prompt_deltas
    from auditui.core.policy.model import Layout, Watch

    policy = Policy(
        watch=Watch(keys=("*",), ignore=("cache", "a.b.*")),
        layout=Layout(inline_prompts=("effort", "x y")),
    )
    old, new = ({}, config) if appearing else (config, {})
    expected = []
    for path, o, n in diff_mappings(old, new):
        rule = policy.key_rule(path)
        if rule is None:
            continue
        if rule.inline_prompt and all(v is None or isinstance(v, str) for v in (o, n)):
            expected += inline_prompt_deltas("m", path, o, n)
        else:
            expected.append(Delta("m", path, o, n, classify(path, o, n, rule.scale)))
    got = config_deltas("m", old, new, policy)
    assert [(d.as_json(), d.detail) for d in got] == [(d.as_json(), d.detail) for d in expected]


@settings(max_examples=300, deadline=None)
@given(CONFIGS, CONFIGS)
def test_every_delta_path_is_unique_and_no_change_is_no_delta(old, new):
    _, deltas = digest(old, new)
    paths = [d["path"] for d in deltas]
    assert len(paths) == len(set(paths))  # no setting can hide another
    assert digest(new, new)[1] == []


def with_dotted_twins(config: dict) -> dict:
    """The config plus, for each nested setting, a literal key spelling its path with
    dots (`{"a": {"b": 1}}` gains `{"a.b": 1}`): two settings that must not collide."""
    out = dict(config)

    def walk(prefix: list[str], value) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk([*prefix, str(k)], v)
        elif len(prefix) > 1:
            out.setdefault(".".join(prefix), value)

    walk([], config)
    return out


@settings(max_examples=300, deadline=None)
@given(CONFIGS, CONFIGS)
def test_a_literal_dotted_key_never_hides_a_nested_one(old, new):
    _, plain = digest(old, new)
    _, twins = digest(with_dotted_twins(old), with_dotted_twins(new))
    paths = [d["path"] for d in twins]
    assert len(paths) == len(set(paths))
    assert len(twins) >= len(plain)  # every change of the plain config is still there


_SUBPROCESS = """
import json, sys
from auditui.core.diff.deltas import config_deltas
from auditui.core.diff.fingerprint import sorted_and_fingerprinted
from auditui.core.policy.model import Diff, Policy
from auditui.core.base.values import loads
pairs = loads(sys.stdin.buffer.read())
print(json.dumps([sorted_and_fingerprinted(config_deltas("m", o, n, Policy()))[1]
                  for o, n in pairs]))
"""


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(CONFIGS, CONFIGS), min_size=5, max_size=10))
def test_fingerprints_are_the_same_under_any_hash_seed(pairs):
    runs = set()
    from auditui.core.base.values import dumps

    for seed in ("0", "1", "4242"):
        out = subprocess.run(
            [sys.executable, "-c", _SUBPROCESS],
            input=dumps(pairs),
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
        )
        runs.add(out.stdout.decode())
    assert len(runs) == 1
    assert json.loads(runs.pop()) == [digest(o, n)[0] for o, n in pairs]


# -- through git: formats, and one bad entry ---------------------------------------

FORMATS = {
    "toml": tomli_w.dumps,
    "json": lambda d: json.dumps(d, indent=3),
    "yaml": lambda d: yaml.safe_dump(d, sort_keys=True),
}
TOML_SAFE = st.dictionaries(  # what all three formats can write alike
    st.sampled_from(["effort", "max_tokens", "ttl", "a.b", "x y"]),
    st.one_of(
        st.integers(-5, 5),
        st.booleans(),
        st.sampled_from(["low", "high"]),
        st.dictionaries(st.sampled_from(["effort", "ttl"]), st.integers(0, 3), min_size=1),
    ),
    min_size=1,
    max_size=4,
)


def history_deltas(tmp: Path, name: str, files: list[dict[str, str]]) -> list[tuple]:
    r = RepoBuilder(tmp / name, policy='[layout]\nmodels = ["models/*"]\ndefaults = ""\n')
    r.start(files[0])
    base = r.head()
    for n, version in enumerate(files[1:]):
        r.commit(f"v{n}", version)
    return [
        (c.fingerprint, [(d.model, d.path, d.old, d.new, d.kind) for d in c.deltas])
        for c in audit(r, base).changes
    ]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TOML_SAFE, TOML_SAFE, st.sampled_from(["json", "yaml"]))
def test_the_same_change_in_any_format_is_the_same_change(old, new, fmt):
    with tempfile.TemporaryDirectory() as tmp:
        versions = [{"models/m.toml": FORMATS["toml"](v)} for v in (old, new)]
        toml = history_deltas(Path(tmp), "t", versions)
        other = history_deltas(
            Path(tmp),
            "o",
            [
                {f"models/m.{fmt}": FORMATS[fmt](reordered(old))},
                {f"models/m.{fmt}": FORMATS[fmt](reordered(new))},
            ],
        )
    assert toml == other


# What TOML and YAML both write that JSON lacks: dates, datetimes, inf, -inf and nan.
TYPED_SAFE = st.dictionaries(
    st.sampled_from(["effort", "released", "max_tokens"]),
    st.one_of(
        st.sampled_from([float("inf"), float("-inf"), float("nan"), 1.5, "2026-01-01", "inf"]),
        st.dates(),
        st.datetimes(timezones=st.sampled_from([None, dt.UTC])),
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TYPED_SAFE, TYPED_SAFE)
def test_dates_and_non_finite_floats_are_the_same_change_in_toml_and_yaml(old, new):
    """A date or inf is one value whichever format writes it (its type is kept,
    not the file's way of writing it): the same deltas, the same fingerprints."""
    with tempfile.TemporaryDirectory() as tmp:
        toml = history_deltas(
            Path(tmp), "t", [{"models/m.toml": tomli_w.dumps(v)} for v in (old, new)]
        )
        yaml_ = history_deltas(
            Path(tmp), "y", [{"models/m.yaml": yaml.safe_dump(v)} for v in (old, new)]
        )
    assert toml == yaml_


ENTRY = st.fixed_dictionaries(
    {"t": st.integers(0, 3)}, optional={"effort": st.sampled_from(["low", "high"])}
)
BAD = st.sampled_from([{"t": 1}, "just text", 7, {"name": ""}])  # no name, not a mapping


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(st.sampled_from(list("abcdef")), st.tuples(ENTRY, ENTRY), min_size=1),
    BAD,
    st.integers(0, 10),
    st.booleans(),
)
def test_one_broken_entry_changes_nothing_for_the_others(entries, bad, where, in_old_too):
    policy = (
        '[layout]\nmodels = []\ndefaults = ""\n[[layout.collection]]\n'
        'path = "c.yml"\nitems = "list"\nname_key = "name"\n'
    )

    def listing(side: int, with_bad: bool) -> str:
        items = [{"name": k, **v[side]} for k, v in sorted(entries.items())]
        if with_bad:
            items.insert(where % (len(items) + 1), bad)
        return yaml.safe_dump(items)

    def others(changes) -> list:
        return [
            [(d.model, d.path, d.old, d.new, d.kind) for d in c.deltas if d.kind != "invalid"]
            for c in changes
        ]

    with tempfile.TemporaryDirectory() as tmp:
        results = []
        for with_bad in (False, True):
            r = RepoBuilder(Path(tmp) / f"r{with_bad}", policy=policy)
            r.start({"c.yml": listing(0, with_bad and in_old_too)})
            base = r.head()
            r.commit("edit", {"c.yml": listing(1, with_bad)})
            changes = audit(r, base).changes
            results.append(others(changes))
            if with_bad and not in_old_too:  # the commit bringing it in reports it, once
                assert [d.kind for c in changes for d in c.deltas].count("invalid") == 1
    clean, broken = results
    assert [x for x in clean if x] == [x for x in broken if x]


TIERS = st.lists(
    st.fixed_dictionaries({"start": st.integers(0, 6), "price": st.integers(0, 3)}),
    max_size=5,
    unique_by=lambda t: t["start"],
)


@settings(max_examples=300, deadline=None)
@given(TIERS, TIERS, st.randoms(use_true_random=False))
def test_keyed_list_items_are_matched_by_identity_whatever_their_order(old, new, rnd):
    policy = Policy(diff=Diff(list_ids=("start",)))

    def deltas(a, b):
        return sorted(
            d.as_json()["path"] + repr(d.as_json())
            for d in config_deltas("m", {"tiers": a}, {"tiers": b}, policy)
        )

    shuffled = list(new)
    rnd.shuffle(shuffled)
    assert deltas(old, new) == deltas(old, shuffled)
    assert deltas(new, shuffled) == []  # a reorder alone is no change
    for d in config_deltas("m", {"tiers": old}, {"tiers": new}, policy):
        assert d.path.startswith("tiers[start=")  # item by item, never the whole list


# Parameter rules as a catalogue writes them: named items, some leaves nested, some
# items with nothing but their name.
RULE = st.fixed_dictionaries(
    {"name": st.sampled_from(["top_p", "max_tokens", "a.b", "x y"])},
    optional={
        "default": st.integers(0, 2),
        "label": st.fixed_dictionaries(
            {}, optional={"en_US": st.sampled_from(["A", "B"]), "zh": st.just("C")}
        ),
    },
)
RULE_LISTS = st.lists(RULE, max_size=4, unique_by=lambda r: r["name"])


@settings(max_examples=300, deadline=None)
@given(RULE_LISTS, RULE_LISTS, st.integers(0, 2), st.integers(0, 2))
def test_show_spells_each_leaf_as_its_deltas_do(old, new, old_top, new_top):
    """`show` and `blame` list a keyed list's items leaf by leaf (item_settings): a leaf
    a diff moves is exactly one a delta names: at it, at what holds it (an item
    appearing whole) or inside it (an empty list's items vanishing); and value_at reads
    it back from the config."""
    from auditui.core.base.keypaths import value_at
    from auditui.core.diff.deltas import item_settings

    before = {"parameter_rules": old, "top": old_top}
    after = {"parameter_rules": new, "top": new_top}
    policy = Policy()
    paths = [d.path for d in config_deltas("m", before, after, policy)]
    for path, value in item_settings(after, policy.diff.list_ids):
        assert value_at(after, "." + path) == (True, value)
        had, was = value_at(before, "." + path)
        moved = not had or was != value
        named = any(path == p or _inside(path, p) or _inside(p, path) for p in paths)
        assert moved == named, (path, paths)


def _inside(path: str, holder: str) -> bool:
    return path.startswith((holder + ".", holder + "["))


JSON_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
)
ANY_SCALAR = st.one_of(JSON_SCALAR, TYPED)
WRITTEN_BY_HAND = st.one_of(ANY_SCALAR, st.lists(st.text()), st.lists(ANY_SCALAR))


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.none(), st.text()), st.text(), WRITTEN_BY_HAND, WRITTEN_BY_HAND)
def test_the_fingerprint_writes_scalars_exactly_as_the_json_encoder(model, path, old, new):
    """fingerprint.delta_line writes scalar (and label list) deltas itself (speed); it
    must give the very string `plain_delta_line` gets from the encoder, or every
    fingerprint (and every approval) would move; likewise canonical_json."""
    from auditui.core.diff.deltas import Delta
    from auditui.core.diff.fingerprint import (
        canonical_json,
        delta_line,
        plain_canonical_json,
        plain_delta_line,
    )

    delta = Delta(model, path, old, new, "changed")
    assert delta_line(delta) == plain_delta_line(delta)
    assert canonical_json(old) == plain_canonical_json(old)


# How fingerprints wrote values before Typed: compact, sorted, str() for anything else,
# floats of integers below 2**53 as integers.
_ENCODER_BEFORE = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
).encode


def _canonical_before(value):
    if type(value) is float and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, list):
        return [_canonical_before(v) for v in value]
    if isinstance(value, dict):
        return {k: _canonical_before(v) for k, v in value.items()}
    return value


_BELOW_2_53 = st.floats(-(2.0**53), 2.0**53, exclude_min=True, exclude_max=True)
JSON_DATA = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), _BELOW_2_53, st.text()),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(JSON_DATA)
def test_data_of_json_types_is_fingerprinted_as_it_always_was(value):
    """A Typed is written apart (bare), and every value JSON could hold before as it
    always was written: no fingerprint of such a change moves, no approval is lost
    (but for floats of integers from 2**53 on, which now are the integer, as == and
    same_value have it; no history audited so far holds one)."""
    from auditui.core.diff.fingerprint import canonical_json

    assert canonical_json(value) == _ENCODER_BEFORE(_canonical_before(value))


# Each type a parsed scalar can have, values printing alike among them: the string "inf"
# and the float, "2026-01-01" and the date, "1", 1, 1.0 and true, "0", 0, -0.0 and false.
_ALIKE_TEXT = ["inf", "-inf", "nan", "2026-01-01", "09:30:00", "2026-01-01T09:30:00+00:00"]
_ALIKE = [*_ALIKE_TEXT, "1", "0", "true", "false", "", 1, 1.0, 0, -0.0, True, False, None]
_ALIKE += [4096, 4096.0, 4096 + 2**61 - 1, *_NON_FINITE, *_MOMENTS]
# Strings that read as decimals (docs/reports.md: they rise and fall) and some that do not.
_ALIKE += ["1.00", "1.0", "0.80", "-2", "+2", "-0", "4096", "0.30000000000000001", "0.3"]
_ALIKE += ["007", "1e3", ".5", "5.", " 1", "1_0", "\u0661", "0x1", "+", "1.0.0"]
DECIMAL_TEXT = st.from_regex(r"\A[+-]?(0|[1-9][0-9]{0,25})(\.[0-9]{1,25})?\Z")
EVERY_TYPE = st.one_of(st.sampled_from(_ALIKE), JSON_SCALAR, TYPED, DECIMAL_TEXT)


def _number(value):
    """Numbers as docs/reports.md has them: int and float, never a boolean; inf and
    -inf among them."""
    if type(value) in (int, float):
        return value
    if value in (_NON_FINITE[0], _NON_FINITE[1]):
        return float(value.text)
    return None


def _decimal(value):
    """A string that reads as a decimal (docs/reports.md), as exact a number as Decimal
    holds, told by hand: sign, digits without a leading zero, a point and digits."""
    if type(value) is not str or not value.isascii():
        return None
    whole, point, fraction = value.lstrip("+-").partition(".")
    if len(value) - len(value.lstrip("+-")) > 1 or not whole.isdigit():
        return None
    if (whole.startswith("0") and whole != "0") or (point and not fraction.isdigit()):
        return None
    return Decimal(value)


def _same(a, b) -> bool:
    """docs/reports.md, "Types": values of different types differ; numbers compare as numbers (1 is
    1.0), and a Typed is its type and text (nan is nan)."""
    if _number(a) is not None and _number(b) is not None:
        return _number(a) == _number(b)
    return type(a) is type(b) and a == b


@settings(max_examples=1000, deadline=None)
@given(EVERY_TYPE, EVERY_TYPE, EVERY_TYPE, EVERY_TYPE)
def test_every_scalar_type_pair_is_a_delta_of_its_kind_told_apart_by_its_fingerprint(a, b, c, d):
    """For each pair of scalars of any types (string, int, float, bool, none, the
    non-finite floats, dates, times, datetimes): no delta when they are the same
    value, else one delta whose kind is right (`added`, `removed`, `increase`/
    `decrease` between numbers and between strings that read as decimals, else
    `changed`), written in JSON as docs/reports.md says; and two such changes share a
    fingerprint only when their values are the same."""
    from auditui.core.base.terminal import json_dumps
    from auditui.core.base.values import same_value

    def change(old, new) -> list:
        return config_deltas("m", {"k": old, "z": 1}, {"k": new, "z": 1}, Policy())

    assert same_value(a, b) == _same(a, b)
    got = change(a, b)
    if _same(a, b):
        assert got == []
        return
    (delta,) = got
    if a is None or b is None:
        kind = "added" if a is None else "removed"
    elif _number(a) is not None and _number(b) is not None:
        kind = "increase" if _number(b) > _number(a) else "decrease"
    elif _decimal(a) is not None and _decimal(b) is not None and _decimal(a) != _decimal(b):
        kind = "increase" if _decimal(b) > _decimal(a) else "decrease"
    else:
        kind = "changed"
    assert (delta.old, delta.new, delta.kind) == (a, b, kind)
    written = json.loads(json_dumps(delta.as_json()))
    assert [written["old"], written["new"]] == [v.text if type(v) is Typed else v for v in (a, b)]
    other = change(c, d)
    if other:
        same = _same(a, c) and _same(b, d)
        fingerprints = sorted_and_fingerprinted(got)[1], sorted_and_fingerprinted(other)[1]
        assert (fingerprints[0] == fingerprints[1]) == same, (a, b, c, d)


JSON_VALUES = st.recursive(
    ANY_SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
DELTA_VALUES = st.one_of(WRITTEN_BY_HAND, JSON_VALUES)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.sampled_from(["a", "b", "a b", "ä"])),
            st.sampled_from(["x", "y", "x.y", "x y"]),
            DELTA_VALUES,
            DELTA_VALUES,
            st.sampled_from(["changed", "added", "obligation-weakened", "obligation-added"]),
        ),
        max_size=8,
    )
)
def test_deltas_are_sorted_and_fingerprinted_as_the_plain_definition(rows):
    """sorted_and_fingerprinted writes and sorts a whole change its fast way: the very
    order (equal deltas kept as they came) and fingerprint of
    plain_sorted_and_fingerprinted, for scalars, label lists and nested values."""
    from auditui.core.diff.deltas import Delta
    from auditui.core.diff.fingerprint import plain_sorted_and_fingerprinted

    deltas = [Delta(m, p, o, n, k) for m, p, o, n, k in rows]
    ordered, fingerprint = sorted_and_fingerprinted(deltas)
    expected, plain_fingerprint = plain_sorted_and_fingerprinted(deltas)
    assert [id(d) for d in ordered] == [id(d) for d in expected]
    assert fingerprint == plain_fingerprint
    # Obligation deltas are read from the text the change names: not hashed.
    hashed = [d for d in deltas if not d.kind.startswith("obligation-")]
    assert fingerprint == plain_sorted_and_fingerprinted(hashed)[1]


# Values as reports carry them, label lists (written by hand, see json_format) among them.
REPORTED = st.one_of(JSON_VALUES, st.lists(st.text(max_size=4), min_size=2, max_size=3))


@settings(max_examples=300, deadline=None)
@given(
    st.text(),
    st.text(),
    st.one_of(st.none(), st.text()),
    st.lists(st.tuples(st.one_of(st.none(), st.text()), st.text(), REPORTED, REPORTED), max_size=4),
    st.lists(st.tuples(st.text(max_size=6), st.one_of(st.none(), st.text())), max_size=2),
    st.lists(
        st.tuples(
            st.text(max_size=6),
            st.floats(-1e6, 1e6),
            st.floats(-1e6, 1e6),
            st.one_of(st.none(), st.floats(0, 100)),
        ),
        max_size=3,
    ),
    st.lists(st.text(max_size=8), max_size=2),
)
def test_a_json_report_line_is_written_exactly_as_the_encoder_would(
    subject, email, fingerprint, deltas, findings, evals, rules_applied
):
    """json_format writes each change's line by hand (speed); it must be the very
    text plain_change_line gets from the encoder, escapes and unsafe characters included."""
    from auditui.core.audit.checks import Finding
    from auditui.core.audit.report import Change
    from auditui.core.diff.deltas import Delta
    from auditui.core.formats.json_format import change_line, plain_change_line
    from auditui.core.git.log import CommitInfo

    commit = CommitInfo(
        "a" * 40, (), "n", email, "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00", subject
    )
    found = [Finding(rule, "message \u202e", model, by_rule=model) for rule, model in findings]
    change = Change(
        commit,
        [Delta(m, p, o, n, "changed") for m, p, o, n in deltas],
        fingerprint,
        "audit/x.toml",
        "blocked",
        found,
    )
    if evals:
        from auditui.core.evidence.records import EvalResult, Record

        results = tuple(
            EvalResult(m, "coding", b, c, 100, stderr=se, paired=se is not None, source="inspect")
            for m, b, c, se in evals
        )
        change.record = Record("audit/x.toml", "sha256:x", evals=results)
    change.rules_applied = rules_applied
    assert change_line(change) == plain_change_line(change)


LIMIT_BITS = st.sampled_from(
    [
        "at most 5 words",
        "under 10 lines",
        "<=3 sentences",
        "≤ 2 bullet points",
        "< 4 chars",
        "max. 1,000 tokens",
        "5 words or fewer",
        "ten lines max",
        "no 5 words",
        "twenty-five",
        "lınes",
        "ſentences",
        "at most 5 lınes",
        "5 ſentences max",
        "WORDS",
        "words",
        "5 ",
        "at most ",
        "<",
        "_",
        ":",
        "(",
        ")",
        "`",
        "*",
        "#",
        '"',
        "!",
        "?",
        "/",
        "|",
        ">",
        "&",
        "-",
        ".",
        ",",
        "'",
        " ",
        "\n",
        "é",
        "İ",
        "K",
        "x",
        "snake_case",
    ]
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(LIMIT_BITS, max_size=30).map("".join))
def test_limits_read_between_barriers_are_the_limits_of_the_whole_text(text):
    """extract_limits searches only the stretches between punctuation that name a
    unit (speed); it must find exactly the matches a search of the whole text finds."""
    from auditui.core.configs.limits import _PREFIX, _SUFFIX, _stretches

    whole = sorted(m.span() for rx in (_PREFIX, _SUFFIX) for m in rx.finditer(text))
    parts = sorted(
        m.span()
        for start, end in _stretches(text)
        for rx in (_PREFIX, _SUFFIX)
        for m in rx.finditer(text, start, end)
    )
    assert parts == whole
