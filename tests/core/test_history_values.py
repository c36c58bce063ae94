"""Engine correctness found on real histories: one notion of the same value, key paths
that cannot collide, and every file a model reads being its dependency."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit, triples


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
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert out.returncode == 1, out.stderr
    return [(c["fingerprint"], c["deltas"]) for c in json.loads(out.stdout)["changes"]]


def test_fingerprints_are_the_same_under_any_hash_seed(repo):
    repo.start({"models/a.toml": NESTED_AND_DOTTED.format(flat="high", nested="high"),
                "models/b.yaml": "tags: !!set {x, y, z}\nn: 1\n"})  # fmt: skip
    repo.commit("move", {"models/a.toml": NESTED_AND_DOTTED.format(flat="low", nested="medium"),
                         "models/b.yaml": "tags: !!set {x, y}\nn: 2\n"})  # fmt: skip
    runs = [_fingerprints(repo.path, seed) for seed in ("0", "1", "42", "4242")]
    assert all(run == runs[0] for run in runs)
    assert len(runs[0]) == 2


def test_a_prompt_that_is_also_a_model_file_is_audited_when_edited(tmp_path):
    policy = (
        '[layout]\nmodels = ["cfg/*.yaml"]\ndefaults = ""\nprompts = []\n'
        "[evals]\nrequired_suites = []\n"
    )
    r = RepoBuilder(tmp_path / "r", policy)
    r.start({
        "cfg/persona.yaml": "deployed: false\ntext: Keep answers under 50 words.\n",
        "cfg/bot.yaml": "system_prompt: cfg/persona.yaml\nt: 1\n",
    })  # fmt: skip
    base = r.head()
    r.commit(
        "tighten", {"cfg/persona.yaml": "deployed: false\ntext: Keep answers under 20 words.\n"}
    )
    (change,) = audit(r, base).changes
    assert [(d.model, d.path, d.kind) for d in change.deltas] == [
        ("bot", "prompt:cfg/persona.yaml", "text"),
        ("bot", "prompt:cfg/persona.yaml#limits", "limit-changed"),
    ]
