"""Engine correctness found on real histories: one notion of the same value, key paths
that cannot collide, and every file a model reads being its dependency."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from auditui.cli import main
from auditui.core.base.values import Type, Typed
from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit, forget_changes, triples


def test_one_becoming_true_and_zero_becoming_false_are_changes(repo):
    repo.start({"models/a.toml": "x = 1\ny = 0\nz = [1]\nw = 1\n"})
    base = repo.head()
    repo.commit("booleans", {"models/a.toml": "x = true\ny = false\nz = [true]\nw = 1.0\n"})
    (change,) = audit(repo, base).changes
    # 1 -> 1.0 is the same setting; 1 -> true is not, even inside a list.
    assert triples(change) == [
        ("a", "x", 1, True, "changed"),
        ("a", "y", 0, False, "changed"),
        ("a", "z", [1], [True], "changed"),
    ]


def test_a_true_becoming_one_through_defaults_is_a_change(repo):
    repo.start({"models/_defaults.toml": "cache = true\n", "models/a.toml": "t = 1\n"})
    base = repo.head()
    repo.commit("defaults", {"models/_defaults.toml": "cache = 1\n"})
    (change,) = audit(repo, base).changes
    assert triples(change) == [("a", "cache", True, 1, "changed")]


NESTED_AND_DOTTED = """\
"reasoning.effort" = "{flat}"
[reasoning]
effort = "{nested}"
"""


def test_a_literal_dotted_key_and_a_nested_key_are_two_settings(repo):
    repo.start({"models/a.toml": NESTED_AND_DOTTED.format(flat="high", nested="high")})
    base = repo.head()
    moved = NESTED_AND_DOTTED.format(flat="low", nested="medium")
    repo.commit("both move", {"models/a.toml": moved})
    (change,) = audit(repo, base).changes
    assert triples(change) == [
        ("a", '"reasoning.effort"', "high", "low", "changed"),
        ("a", "reasoning.effort", "high", "medium", "downgrade"),  # the scale is the nested key
    ]


def test_watch_globs_see_a_quoted_key_as_one_segment(tmp_path):
    policy = DEFAULT_POLICY + '\n[watch]\nkeys = ["*"]\nignore = [\'"reasoning.effort"\']\n'
    r = RepoBuilder(tmp_path / "r", policy)
    r.start({"models/a.toml": NESTED_AND_DOTTED.format(flat="high", nested="high")})
    base = r.head()
    r.commit("both move", {"models/a.toml": NESTED_AND_DOTTED.format(flat="low", nested="low")})
    (change,) = audit(r, base).changes
    assert [d.path for d in change.deltas] == ["reasoning.effort"]


def _fingerprints(path, seed: str) -> list[tuple]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    out = subprocess.run(
        [sys.executable, "-m", "auditui", "check", "--repo", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 1, out.stderr
    return [(c["fingerprint"], c["deltas"]) for c in json.loads(out.stdout)["changes"]]


def test_fingerprints_are_the_same_under_any_hash_seed(repo):
    repo.start(
        {
            "models/a.toml": NESTED_AND_DOTTED.format(flat="high", nested="high"),
            "models/b.yaml": "tags: !!set {x, y, z}\nn: 1\n",
        }
    )
    repo.commit(
        "move",
        {
            "models/a.toml": NESTED_AND_DOTTED.format(flat="low", nested="medium"),
            "models/b.yaml": "tags: !!set {x, y}\nn: 2\n",
        },
    )
    runs = [_fingerprints(repo.path, seed) for seed in ("0", "1", "42", "4242")]
    assert all(run == runs[0] for run in runs)
    assert len(runs[0]) == 2


def test_a_prompt_that_is_also_a_model_file_is_audited_when_edited(tmp_path):
    policy = (
        '[layout]\nmodels = ["cfg/*.yaml"]\ndefaults = ""\nprompts = []\n'
        "[evals]\nrequired_suites = []\n"
    )
    r = RepoBuilder(tmp_path / "r", policy)
    r.start(
        {
            "cfg/persona.yaml": "deployed: false\ntext: Keep answers under 50 words.\n",
            "cfg/bot.yaml": "system_prompt: cfg/persona.yaml\nt: 1\n",
        }
    )
    base = r.head()
    r.commit(
        "tighten", {"cfg/persona.yaml": "deployed: false\ntext: Keep answers under 20 words.\n"}
    )
    (change,) = audit(r, base).changes
    assert [(d.model, d.path, d.kind) for d in change.deltas] == [
        ("bot", "prompt:cfg/persona.yaml", "text"),
        ("bot", "prompt:cfg/persona.yaml#limits", "limit-changed"),
    ]


# -- types (SPEC 13): a value's type is part of it --------------------------------

_INF, _NAN = Typed(Type.FLOAT, "inf"), Typed(Type.FLOAT, "nan")
_DAY = Typed(Type.DATE, "2026-01-01")

# (file, before, after, the value both print as, the typed side's type): a change of
# type alone.
TYPE_ONLY = {
    "inf": ("models/a.toml", 'x = "inf"\n', "x = inf\n", "inf", "float"),
    "nan": ("models/a.toml", 'x = "nan"\n', "x = nan\n", "nan", "float"),
    "toml-date": ("models/a.toml", 'x = "2026-01-01"\n', "x = 2026-01-01\n", "2026-01-01", "date"),
    "toml-datetime": (
        "models/a.toml",
        'x = "2026-01-01T09:30:00+00:00"\n',
        "x = 2026-01-01T09:30:00Z\n",
        "2026-01-01T09:30:00+00:00",
        "datetime",
    ),
    "toml-time": ("models/a.toml", 'x = "09:30:00"\n', "x = 09:30:00\n", "09:30:00", "time"),
    "yaml-date": ("models/a.yaml", "x: '2026-01-01'\n", "x: 2026-01-01\n", "2026-01-01", "date"),
    "yaml-timestamp": (
        "models/a.yaml",
        "x: '2026-01-01T09:30:00'\n",
        "x: 2026-01-01 09:30:00\n",
        "2026-01-01T09:30:00",
        "datetime",
    ),
    "yaml-inf": ("models/a.yaml", "x: inf\n", "x: .inf\n", "inf", "float"),
    "json-nan": ("models/a.json", '{"x": "nan"}', '{"x": NaN}', "nan", "float"),
}


@pytest.mark.parametrize("case", sorted(TYPE_ONLY))
@pytest.mark.parametrize("backwards", [False, True])
def test_a_change_of_type_alone_is_a_change(repo, capsys, case, backwards):
    """The string "inf" and the float inf, a date's text and the date: each change
    (either way) is a delta of kind `changed`, JSON writing both sides as the same
    text, and the text report saying which is which (issue 25, item 7)."""
    path, before, after, shown, typed = TYPE_ONLY[case]
    types = ["string", typed]
    if backwards:
        before, after, types = after, before, types[::-1]
    repo.start({path: before})
    base = repo.head()
    repo.commit("retype", {path: after})
    assert main(["check", "--repo", str(repo.path), "--base", base, "--format", "json"]) == 1
    (change,) = json.loads(capsys.readouterr().out)["changes"]
    assert change["deltas"] == [
        {"model": "a", "path": "x", "old": shown, "new": shown, "kind": "changed"}
    ]
    assert change["status"] == "blocked"
    assert main(["check", "--repo", str(repo.path), "--base", base]) == 1
    arrow = f"{shown} ({types[0]}) -> {shown} ({types[1]})"
    assert f"    a  x  {arrow}  (changed)" in capsys.readouterr().out.splitlines()


def test_a_number_to_infinity_is_an_increase_and_nan_stays_nan(repo):
    repo.start({"models/a.toml": "x = 4096\ny = nan\nz = 2026-01-01\n"})
    base = repo.head()
    repo.commit("unbounded", {"models/a.toml": "x = inf\ny = nan\nz = 2026-01-01\n"})
    repo.commit("bounded", {"models/a.toml": "x = -inf\ny = nan\nz = 2026-01-02\n"})
    unbounded, bounded = audit(repo, base).changes
    # An unchanged nan is no delta (nan is itself as a setting), nor an unchanged date.
    assert triples(unbounded) == [("a", "x", 4096, _INF, "increase")]
    assert triples(bounded) == [
        ("a", "x", _INF, Typed(Type.FLOAT, "-inf"), "decrease"),
        ("a", "z", _DAY, Typed(Type.DATE, "2026-01-02"), "changed"),
    ]


def _history(tmp_path, name: str, values: tuple[str, str]) -> list:
    r = RepoBuilder(tmp_path / name)
    r.start({"models/a.toml": f"x = {values[0]}\n"})
    base = r.head()
    r.commit("move", {"models/a.toml": f"x = {values[1]}\n"})
    return audit(r, base).changes


def test_changes_that_differ_only_in_type_have_different_fingerprints(tmp_path):
    """An approval of the string edit must not cover the same edit of dates (or of
    the string "inf" for the float): the fingerprint tells the types apart."""
    pairs = {
        "strings": ('"2026-01-01"', '"2026-02-01"'),
        "dates": ("2026-01-01", "2026-02-01"),
        "text": ('"inf"', '"nan"'),
        "floats": ("inf", "nan"),
        "one": ("1", "2"),
        "mixed": ("1", '"2"'),
        "bool": ("true", "2"),
    }
    prints = {name: _history(tmp_path, name, p)[0].fingerprint for name, p in pairs.items()}
    assert len(set(prints.values())) == len(prints), prints


def test_a_nan_put_back_is_a_revert_and_a_date_is_not_its_text(repo):
    repo.start({"models/a.toml": "x = nan\nd = 2026-01-01\n"})
    base = repo.head()
    repo.commit("number", {"models/a.toml": "x = 1\nd = 2026-01-01\n"})
    back = repo.commit("back", {"models/a.toml": "x = nan\nd = 2026-01-01\n"})
    repo.commit("text", {"models/a.toml": 'x = nan\nd = "2026-01-01"\n'})
    got = {c.commit.subject: (c.status, c.reverted_by) for c in audit(repo, base).changes}
    assert got == {
        "number": ("reverted", back),
        "back": ("reverted", None),
        "text": ("blocked", None),
    }


def test_dates_stay_dates_through_the_caches_show_and_blame(repo, capsys):
    """Served warm (parsed blobs and per-commit deltas read back from the stores), a
    date is still a date: the same delta, the same fingerprint; `show` and `blame`
    write it as its ISO text."""
    from auditui.core.formats import render

    repo.start({"models/a.toml": 'x = "2026-01-01"\nn = "nan"\n'})
    base = repo.head()
    repo.commit("retype", {"models/a.toml": "x = 2026-01-01\nn = nan\n"})
    cold = audit(repo, base)
    warm = audit(repo, base)
    assert [type(d.new) for d in warm.changes[0].deltas] == [Typed, Typed]
    assert render(warm, "json") == render(cold, "json")
    assert warm.changes[0].fingerprint == cold.changes[0].fingerprint
    forget_changes(repo)
    assert render(audit(repo, base), "json") == render(cold, "json")
    assert main(["show", "a", "--repo", str(repo.path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["config"] == {"x": "2026-01-01", "n": "nan"}
    assert main(["show", "a", "--repo", str(repo.path)]) == 0
    assert "x = 2026-01-01" in capsys.readouterr().out
    assert main(["blame", "a", "x", "--repo", str(repo.path), "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["value"] == "2026-01-01" and row["commit"] == repo.head()


PRICES = "pricing:\n  input: {}\n  output: {}\n  unit: {}\n  currency: USD\n"
# Strings that read as a number to someone, not to auditui (docs/reports.md): an
# exponent, a leading zero, a bare point, a sign alone, spaces, underscores, inf, nan,
# hex, another script's digits.
NOT_DECIMALS = [
    ("1e3", "2e3"),
    ("007", "008"),
    (".5", ".6"),
    ("5.", "6."),
    ("+", "-"),
    (" 1", " 2"),
    ("1_000", "2_000"),
    ("inf", "1"),
    ("nan", "1"),
    ("0x10", "0x20"),
    ("\u0661", "\u0662"),
    ("1.0.0", "1.0.1"),
    ("1,5", "1,4"),
]


def test_prices_written_as_strings_rise_and_fall(repo, capsys):
    """SPEC 13: '1.00' -> '0.80' is a decrease, compared exactly as decimals, `old` and
    `new` staying the strings written; one number written anew ('0.000001' ->
    '0.0000010') is `changed`, as are a string becoming a number and strings that
    are no plain decimal (issue 26, item 5)."""
    others = [{f"k{n:02}": pair[side] for n, pair in enumerate(NOT_DECIMALS)} for side in (0, 1)]
    repo.start(
        {
            "models/a.yaml": PRICES.format("'1.00'", "'15.00'", "'0.000001'"),
            "models/b.json": json.dumps(others[0]),
        }
    )
    base = repo.head()
    repo.commit(
        "cut",
        {
            "models/a.yaml": PRICES.format("'0.80'", "'16'", "'0.0000010'"),
            "models/b.json": json.dumps(others[1]),
        },
    )
    repo.commit("typed", {"models/a.yaml": PRICES.format("0.8", "'16'", "'0.0000010'")})
    cut, retyped = audit(repo, base).changes
    assert triples(cut) == [
        ("a", "pricing.input", "1.00", "0.80", "decrease"),
        ("a", "pricing.output", "15.00", "16", "increase"),
        ("a", "pricing.unit", "0.000001", "0.0000010", "changed"),
        *[("b", f"k{n:02}", old, new, "changed") for n, (old, new) in enumerate(NOT_DECIMALS)],
    ]
    assert triples(retyped) == [("a", "pricing.input", "0.80", 0.8, "changed")]
    assert main(["check", "--repo", str(repo.path), "--base", base, "--format", "json"]) == 1
    first = json.loads(capsys.readouterr().out)["changes"][0]["deltas"][0]
    assert first == {
        "model": "a",
        "path": "pricing.input",
        "old": "1.00",
        "new": "0.80",
        "kind": "decrease",
    }


def test_a_price_string_is_put_back_only_as_it_was_written(tmp_path):
    """Reverts compare values as written: '1.0' does not put back '1.00'."""
    got = {}
    for back in ("1.0", "1.00"):
        r = RepoBuilder(tmp_path / back)
        r.start({"models/a.yaml": "price: '1.00'\n"})
        base = r.head()
        r.commit("cut", {"models/a.yaml": "price: '0.80'\n"})
        r.commit("back", {"models/a.yaml": f"price: '{back}'\n"})
        got[back] = [(c.status, c.deltas[0].kind) for c in audit(r, base).changes]
    assert got == {
        "1.0": [("blocked", "decrease"), ("blocked", "increase")],
        "1.00": [("reverted", "decrease"), ("reverted", "increase")],
    }
