"""With no base (a first push, a push to a URL, a CI push event) a range is judged by
the policy and the keys it brings: said in the report, and closed by pinning them
outside the repository (`--policy`, `--allowed-signers`, or git config)."""

from __future__ import annotations

import json
import subprocess
import sys

from auditui.cli import main
from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, git, push
from tests.helpers.signing import keypair

SIGNED = DEFAULT_POLICY + "require_signatures = true\n"


def self_signed_history(tmp_path) -> RepoBuilder:
    """A history whose own allowed_signers trusts mallory's key, and a change mallory's
    accomplice approves with it: judged by its own head, it passes."""
    mal_key, mal_pub = keypair(tmp_path, "mallory")
    r = RepoBuilder(tmp_path / "r", SIGNED)
    r.start(
        {
            "models/a.toml": "t = 1\n",
            "allowed_signers": f'bob@example.com namespaces="auditui-approval" {mal_pub}\n',
        }
    )
    r.commit("raise", {"models/a.toml": "t = 2\n"})
    r.git("config", "user.email", "bob@example.com")
    argv = ["eval", "add", "HEAD", "--repo", str(r.path), "--model", "a", "--suite", "coding"]
    assert main([*argv, "--baseline", "1", "--candidate", "1"]) == 0
    assert main(["approve", "HEAD", "--repo", str(r.path), "--sign", mal_key]) == 0
    r.commit("record", author="bob")
    return r


def check(r: RepoBuilder, *extra: str) -> tuple[int, dict]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditui",
            "check",
            "--repo",
            str(r.path),
            "--all",
            "--format",
            "json",
            *extra,
        ],
        capture_output=True,
        text=True,
    )
    return out.returncode, json.loads(out.stdout) if out.stdout else {}


def test_the_report_says_when_the_head_brings_its_own_keys(tmp_path):
    r = self_signed_history(tmp_path)
    code, report = check(r)
    assert report["policy"] == "head" and report["signers"] == "head"
    text = subprocess.run(
        [sys.executable, "-m", "auditui", "check", "--repo", str(r.path), "--all"],
        capture_output=True,
        text=True,
    ).stdout
    assert "signers at head (pin them with --allowed-signers)" in text
    assert "policy at head (the base has none; pin one with --policy)" in text
    del code


def test_pinned_signers_judge_instead_of_the_heads(tmp_path):
    r = self_signed_history(tmp_path)
    _bob_key, bob_pub = keypair(tmp_path, "bob")
    trusted = tmp_path / "trusted_signers"
    trusted.write_text(f'bob@example.com namespaces="auditui-approval" {bob_pub}\n')
    code, report = check(r, "--allowed-signers", str(trusted))
    raise_change = next(c for c in report["changes"] if c["subject"] == "raise")
    assert report["signers"] == str(trusted)
    assert code == 1 and "AUD007" in {f["rule"] for f in raise_change["findings"]}
    r.git("config", "auditui.allowedSigners", str(trusted))  # the same, as a setting
    code, report = check(r)
    assert code == 1 and report["signers"] == str(trusted)


def test_a_first_push_to_a_server_with_a_pinned_policy_cannot_bring_a_weaker_one(tmp_path):
    weak = DEFAULT_POLICY + '[watch]\nkeys = ["nothing-watched"]\n'  # audits nothing
    dev = RepoBuilder(tmp_path / "dev", weak)
    dev.start({"models/a.toml": "t = 1\n"})
    dev.commit("raise", {"models/a.toml": "t = 2\n"})
    server = tmp_path / "server.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(server))
    subprocess.run(
        [sys.executable, "-m", "auditui", "install-hook", "--pre-receive", "--repo", str(server)],
        check=True,
        capture_output=True,
    )
    dev.git("remote", "add", "origin", str(server))
    trusted = tmp_path / "team-policy.toml"
    trusted.write_text(DEFAULT_POLICY)
    git(tmp_path, "--git-dir", str(server), "config", "auditui.policy", str(trusted))
    result = push(dev, "origin", "main")
    assert result.returncode != 0 and "AUD001" in result.stderr
    git(tmp_path, "--git-dir", str(server), "config", "--unset", "auditui.policy")
    result = push(dev, "origin", "main")  # unpinned: its own weak policy lets it through
    assert result.returncode == 0
    assert "judged by the policy (and keys) it brings" in result.stderr
