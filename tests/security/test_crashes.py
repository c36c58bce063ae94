"""Findings, not crashes (security review, item 6): a non-numeric rollout value is
AUD010, a deeply nested record is AUD009, a deeply nested policy is a one-line error."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

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
    result = subprocess.run(
        [sys.executable, "-m", "auditui", "check", "--repo", str(r.path), "--base", "HEAD~1"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines()[0].endswith("invalid TOML: nested too deeply")
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def check(repo: RepoBuilder, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "auditui", "check", "--all", *args],
        cwd=repo.path,
        capture_output=True,
    )


LONE = [
    ("models/a.json", '{"t": 1, "a\\ud800b": 2}', "lone surrogate (\\ud800)"),
    ("models/a.json", '{"t": "\\udc80"}', "lone surrogate (\\udc80)"),
    ("models/a.yaml", 't: "\\ud800"\n', "invalid Unicode character escape"),  # libyaml's
]


@pytest.mark.parametrize(("path", "text", "says"), LONE)
def test_a_lone_surrogate_in_a_config_is_aud009_in_every_format(tmp_path, path, text, says):
    """`"\\ud800"` parses as a string no digest, terminal or file can carry: it was an
    internal error (exit 2) in check and both hooks; now the file is invalid."""
    r = RepoBuilder(tmp_path / "r")
    r.start({path: "t: 1\n" if path.endswith(".yaml") else '{"t": 1}'})
    r.commit("lone surrogate", {path: text})
    (change,) = [c for c in audit(r).changes if c.status != "exempt"]
    assert change.rules == ["AUD009"] and says in change.findings[0].message
    for fmt in FORMATS:
        result = check(r, "--format", fmt)
        assert result.returncode == 1 and b"Traceback" not in result.stderr, (fmt, result.stderr)


FORMATS = ["text", "json", "sarif", "junit", "github"]


def test_bytes_git_gives_that_are_not_utf8_are_shown_not_crashed_on(tmp_path):
    """A file name and a commit subject in Latin-1: git hands the bytes over as they
    are; every report shows them as \\xNN."""
    r = RepoBuilder(tmp_path / "r")
    r.start({"models/a.toml": "t = 1\n"})
    name = os.fsdecode(b"models/b\xff.toml")
    (r.path / name).write_text("t = 2\n")
    r.git("add", "-A")
    message = tmp_path / "msg"
    message.write_bytes(b"caf\xe9: raise b")
    r.git("-c", "i18n.commitEncoding=binary", "commit", "-q", "-F", str(message))
    (change,) = [c for c in audit(r).changes if c.status != "exempt"]
    assert change.fingerprint.startswith("sha256:")
    for fmt in FORMATS:
        result = check(r, "--format", fmt)
        assert result.returncode == 1 and b"Traceback" not in result.stderr, (fmt, result.stderr)
        if fmt in ("text", "junit"):
            assert b"b\\xff" in result.stdout and b"caf\\xe9" in result.stdout, fmt
    log = subprocess.run([sys.executable, "-m", "auditui", "log"], cwd=r.path, capture_output=True)
    assert log.returncode == 0 and b"b\\xff" in log.stdout
