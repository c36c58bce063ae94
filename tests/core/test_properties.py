"""Properties the engine must hold for any config (hypothesis): the deltas and the
fingerprint of a change do not depend on key order, file format or hash seed, and one
broken collection entry changes nothing about the other entries' deltas."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import tomli_w
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditui.core.deltas import config_deltas, fingerprint, sort_deltas
from auditui.core.policy import Diff, Policy
from tests.helpers.repo import RepoBuilder, audit

# Keys as real configs write them, and the awkward ones: dots, spaces, quotes.
KEYS = st.one_of(
    st.sampled_from(["effort", "max_tokens", "cache", "ttl", "reasoning", "a.b", "x y", 'q"t']),
    st.text(alphabet="abcdefghij._-", min_size=1, max_size=6),
)
SCALARS = st.one_of(
    st.integers(-5, 5),
    st.sampled_from([0.5, 1.0, 2.0, -0.0]),
    st.booleans(),
    st.sampled_from(["low", "medium", "high", ""]),
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
    deltas = sort_deltas(config_deltas("m", old, new, Policy()))
    return fingerprint(deltas), [d.as_json() for d in deltas]


@settings(max_examples=300, deadline=None)
@given(CONFIGS, CONFIGS)
def test_deltas_and_fingerprint_ignore_key_order(old, new):
    assert digest(old, new) == digest(reordered(old), reordered(new))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, st.one_of(VALUES, st.none(), st.text(max_size=3)), max_size=5),
       st.booleans())  # fmt: skip
def test_a_model_appearing_or_vanishing_has_the_deltas_any_change_would(config, appearing):
    """config_deltas takes a whole model (nearly every delta of a catalogue) in one step
    of its own; it must give what the general diff gives: each watched leaf, by path,
    its kind as classify says (a null setting vanishing too), inline prompts as texts."""
    from auditui.core.deltas import Delta, classify, diff_mappings, inline_prompt_deltas
    from auditui.core.policy import Layout, Watch

    policy = Policy(watch=Watch(keys=("*",), ignore=("cache", "a.b.*")),
                    layout=Layout(inline_prompts=("effort", "x y")))  # fmt: skip
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
from auditui.core.deltas import config_deltas, fingerprint, sort_deltas
from auditui.core.policy import Diff, Policy
pairs = json.load(sys.stdin)
print(json.dumps([fingerprint(sort_deltas(config_deltas("m", o, n, Policy()))) for o, n in pairs]))
"""


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(CONFIGS, CONFIGS), min_size=5, max_size=10))
def test_fingerprints_are_the_same_under_any_hash_seed(pairs):
    runs = set()
    for seed in ("0", "1", "4242"):
        out = subprocess.run(
            [sys.executable, "-c", _SUBPROCESS], input=json.dumps(pairs), text=True,
            capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed}, check=True,
        )  # fmt: skip
        runs.add(out.stdout)
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
    ),  # fmt: skip
    min_size=1,
    max_size=4,
)


def history_deltas(tmp: Path, name: str, files: list[dict[str, str]]) -> list[tuple]:
    r = RepoBuilder(tmp / name, policy='[layout]\nmodels = ["models/*"]\ndefaults = ""\n')
    r.start(files[0])
    base = r.head()
    for n, version in enumerate(files[1:]):
        r.commit(f"v{n}", version)
    return [(c.fingerprint, [(d.model, d.path, d.old, d.new, d.kind) for d in c.deltas])
            for c in audit(r, base).changes]  # fmt: skip


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TOML_SAFE, TOML_SAFE, st.sampled_from(["json", "yaml"]))
def test_the_same_change_in_any_format_is_the_same_change(old, new, fmt):
    with tempfile.TemporaryDirectory() as tmp:
        versions = [{"models/m.toml": FORMATS["toml"](v)} for v in (old, new)]
        toml = history_deltas(Path(tmp), "t", versions)
        other = history_deltas(Path(tmp), "o", [
            {f"models/m.{fmt}": FORMATS[fmt](reordered(old))},
            {f"models/m.{fmt}": FORMATS[fmt](reordered(new))},
        ])  # fmt: skip
    assert toml == other


ENTRY = st.fixed_dictionaries({"t": st.integers(0, 3)}, optional={"effort": st.sampled_from(
    ["low", "high"])})  # fmt: skip
BAD = st.sampled_from([{"t": 1}, "just text", 7, {"name": ""}])  # no name, not a mapping


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(st.sampled_from(list("abcdef")), st.tuples(ENTRY, ENTRY), min_size=1),
    BAD,
    st.integers(0, 10),
    st.booleans(),
)
def test_one_broken_entry_changes_nothing_for_the_others(entries, bad, where, in_old_too):
    policy = ('[layout]\nmodels = []\ndefaults = ""\n[[layout.collection]]\n'
              'path = "c.yml"\nitems = "list"\nname_key = "name"\n')  # fmt: skip

    def listing(side: int, with_bad: bool) -> str:
        items = [{"name": k, **v[side]} for k, v in sorted(entries.items())]
        if with_bad:
            items.insert(where % (len(items) + 1), bad)
        return yaml.safe_dump(items)

    def others(changes) -> list:
        return [[(d.model, d.path, d.old, d.new, d.kind) for d in c.deltas if d.kind != "invalid"]
                for c in changes]  # fmt: skip

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
        return sorted(d.as_json()["path"] + repr(d.as_json()) for d in
                      config_deltas("m", {"tiers": a}, {"tiers": b}, policy))  # fmt: skip

    shuffled = list(new)
    rnd.shuffle(shuffled)
    assert deltas(old, new) == deltas(old, shuffled)
    assert deltas(new, shuffled) == []  # a reorder alone is no change
    for d in config_deltas("m", {"tiers": old}, {"tiers": new}, policy):
        assert d.path.startswith("tiers[start=")  # item by item, never the whole list


ANY_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
)
WRITTEN_BY_HAND = st.one_of(ANY_SCALAR, st.lists(st.text()), st.lists(ANY_SCALAR))


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.none(), st.text()), st.text(), WRITTEN_BY_HAND, WRITTEN_BY_HAND)
def test_the_fingerprint_writes_scalars_exactly_as_the_json_encoder(model, path, old, new):
    """deltas._canonical writes scalar (and label list) deltas itself (speed); it must give the very
    string the encoder gives, or every fingerprint (and every approval) would move."""
    from auditui.core.deltas import _ENCODE, Delta, _canonical
    from auditui.core.values import canonical

    delta = Delta(model, path, old, new, "changed")
    assert _canonical(delta) == _ENCODE([model, path, "changed", canonical(old), canonical(new)])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.sampled_from(["a", "b", "a b", "ä"])),
                          st.sampled_from(["x", "y", "x.y", "x y"]), WRITTEN_BY_HAND,
                          WRITTEN_BY_HAND, st.sampled_from(["changed", "added"])),
                max_size=8))  # fmt: skip
def test_deltas_are_sorted_and_fingerprinted_as_one_by_one(rows):
    """sorted_and_fingerprinted works a whole change at C speed; its order must be the
    stable sort by (model, path, canonical form), equal deltas kept as they came, and
    its fingerprint `fingerprint`'s."""
    from auditui.core.deltas import Delta, _canonical, fingerprint, sorted_and_fingerprinted

    deltas = [Delta(m, p, o, n, k) for m, p, o, n, k in rows]
    expected = sorted(deltas, key=lambda d: (d.model or "", d.path, _canonical(d)))
    ordered, print_ = sorted_and_fingerprinted(deltas)
    assert [id(d) for d in ordered] == [id(d) for d in expected]
    assert print_ == fingerprint(deltas)


JSON_VALUES = st.recursive(
    ANY_SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=8,
)  # fmt: skip


# Values as reports carry them, label lists (written by hand, see json_format) among them.
REPORTED = st.one_of(JSON_VALUES, st.lists(st.text(max_size=4), min_size=2, max_size=3))


@settings(max_examples=300, deadline=None)
@given(
    st.text(), st.text(), st.one_of(st.none(), st.text()),
    st.lists(st.tuples(st.one_of(st.none(), st.text()), st.text(), REPORTED, REPORTED),
             max_size=4),
    st.lists(st.tuples(st.text(max_size=6), st.one_of(st.none(), st.text())), max_size=2),
    st.lists(st.tuples(st.text(max_size=6), st.floats(-1e6, 1e6), st.floats(-1e6, 1e6),
                       st.one_of(st.none(), st.floats(0, 100))), max_size=3),
    st.lists(st.text(max_size=8), max_size=2),
)  # fmt: skip
def test_a_json_report_line_is_written_exactly_as_the_encoder_would(
    subject, email, fingerprint, deltas, findings, evals, rules_applied
):
    """json_format writes each change's line by hand (speed); it must be the very
    text json_dumps gives for the change's dict, escapes and unsafe characters included."""
    from auditui.core.audit import Change
    from auditui.core.checks import Finding
    from auditui.core.deltas import Delta
    from auditui.core.formats.json_format import _change, change_line
    from auditui.core.gitrepo import CommitInfo
    from auditui.core.terminal import json_dumps

    commit = CommitInfo("a" * 40, (), "n", email, "2026-01-01T00:00:00+00:00",
                        "2026-01-01T00:00:00+00:00", subject)  # fmt: skip
    found = [Finding(rule, "message \u202e", model, by_rule=model) for rule, model in findings]
    change = Change(commit, [Delta(m, p, o, n, "changed") for m, p, o, n in deltas],
                    fingerprint, "audit/x.toml", "blocked", found)  # fmt: skip
    if evals:
        from auditui.core.records import EvalResult, Record

        results = tuple(EvalResult(m, "coding", b, c, 100, stderr=se, paired=se is not None,
                                   source="inspect") for m, b, c, se in evals)  # fmt: skip
        change.record = Record("audit/x.toml", "sha256:x", evals=results)
    change.rules_applied = rules_applied
    assert change_line(change) == json_dumps(_change(change), indent=None)


LIMIT_BITS = st.sampled_from([
    "at most 5 words", "under 10 lines", "<=3 sentences", "≤ 2 bullet points", "< 4 chars",
    "max. 1,000 tokens", "5 words or fewer", "ten lines max", "no 5 words", "twenty-five",
    "lınes", "ſentences", "at most 5 lınes", "5 ſentences max", "WORDS", "words", "5 ",
    "at most ", "<", "_", ":", "(", ")", "`", "*", "#", '"', "!", "?", "/", "|", ">", "&",
    "-", ".", ",", "'", " ", "\n", "é", "İ", "K", "x", "snake_case",
])  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(st.lists(LIMIT_BITS, max_size=30).map("".join))
def test_limits_read_between_barriers_are_the_limits_of_the_whole_text(text):
    """extract_limits searches only the stretches between punctuation that name a
    unit (speed); it must find exactly the matches a search of the whole text finds."""
    from auditui.core.limits import _PREFIX, _SUFFIX, _stretches

    whole = sorted(m.span() for rx in (_PREFIX, _SUFFIX) for m in rx.finditer(text))
    parts = sorted(m.span() for start, end in _stretches(text) for rx in (_PREFIX, _SUFFIX)
                   for m in rx.finditer(text, start, end))  # fmt: skip
    assert parts == whole
