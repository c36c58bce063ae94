"""Findings, not crashes (security review, item 6): a non-numeric rollout value is
AUD010, a deeply nested record is AUD009, a deeply nested policy is a one-line error."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit

POLICY = DEFAULT_POLICY + "\n[rollout]\nstages = [1, 10, 50, 100]\nsoak_hours = 0\n"
DEEP_TOML = "a = " + "[" * 3000 + "]" * 3000 + "\n"


def test_a_non_numeric_rollout_value_is_aud010_in_every_range(tmp_path):
    r = RepoBuilder(tmp_path / "r", POLICY)
    r.start({"models/a.toml": "rollout = { percent = 1 }\n"})
    base = r.head()
    r.commit("a string", {"models/a.toml": 'rollout = { percent = "10" }\n'})
    r.commit("a list", {"models/a.toml": "rollout = { percent = [10, 50] }\n"})
    r.commit("a number again", {"models/a.toml": "rollout = { percent = 10 }\n"})
    string, listed, number = audit(r, base).changes
    assert [f.message for f in string.findings if f.rule == "AUD010"] == [
        'a: rollout value "10" is not a number'
    ]
    assert [f.message for f in listed.findings if f.rule == "AUD010"] == [
        "a: rollout value [10, 50] is not a number"
    ]
    assert "AUD010" in number.rules  # from a list: still not a stage move auditui can judge
    assert audit(r).changes  # the whole history, the adoption included, still judges


def test_a_deeply_nested_record_is_aud009(tmp_path):
    r = RepoBuilder(tmp_path / "r")
    r.start({"models/a.toml": "t = 1\n"})
    base = r.head()
    r.commit("raise", {"models/a.toml": "t = 2\n"})
    (change,) = audit(r, base).changes
    r.commit("record", {change.record_file: DEEP_TOML})
    (change,) = audit(r, base).changes
    assert change.rules == ["AUD009"]
    assert "nested too deeply" in change.findings[0].message


def test_a_deeply_nested_policy_is_a_clear_error_or_an_invalid_delta(tmp_path):
    r = RepoBuilder(tmp_path / "r", DEFAULT_POLICY)
    r.start({"models/a.toml": "t = 1\n"})
    base = r.head()
    r.commit("deep policy", {".auditui.toml": DEEP_TOML})
    (change,) = audit(r, base).changes  # judged by the base's policy: an invalid edit
    assert [d.kind for d in change.deltas] == ["invalid"] and change.rules == ["AUD009"]
    r.commit("after", {"models/a.toml": "t = 3\n"})
    result = subprocess.run([sys.executable, "-m", "auditui", "check", "--repo", str(r.path),
                             "--base", "HEAD~1"], capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines()[0].endswith("invalid TOML: nested too deeply")
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
