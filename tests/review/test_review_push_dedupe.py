"""Review: PushVerdict.changes keeps the first report's verdict for a commit pushed
under several refs, so a change blocked for one ref (its head lacks the record) is
waved through when another ref (whose head has the record) is listed first."""

from __future__ import annotations

import io
import subprocess

import pytest

from auditui.cli import main
from auditui.core.evidence.records import append_entries
from tests.helpers.repo import RepoBuilder, audit, git, install_hook

ZERO = "0" * 40


@pytest.fixture
def setup(tmp_path):
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    repo = RepoBuilder(tmp_path / "work")
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    base = repo.head()
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "-u", "origin", "main")
    change_sha = repo.commit("raise a", {"models/a.toml": "max_tokens = 20\n"})
    (change,) = audit(repo, base).changes
    # The record lives only on branch `evidence`; main itself carries the bare change.
    repo.git("checkout", "-q", "-b", "evidence")
    append_entries(
        repo.path,
        change.record_file,
        change.fingerprint,
        evals=[{"model": "a", "suite": "coding", "baseline": 5.0, "candidate": 5.0}],
        approvals=[{"by": "bob@example.com", "verdict": "approve", "at": "2026-03-05T00:00:00Z"}],
    )
    rec_sha = repo.commit("record", author="bob")
    repo.git("checkout", "-q", "main")
    return repo, remote, base, change_sha, rec_sha


@pytest.mark.parametrize("rec_first", [False, True])
def test_each_ref_is_judged_on_its_own_head(setup, monkeypatch, capsys, rec_first):
    repo, _remote, base, change_sha, rec_sha = setup
    lines = [
        f"refs/heads/main {change_sha} refs/heads/main {base}",
        f"refs/heads/evidence {rec_sha} refs/heads/evidence {ZERO}",
    ]
    if rec_first:
        lines.reverse()
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    code = main(["hook", "pre-push", "origin", "url", "--repo", str(repo.path)])
    err = capsys.readouterr().err
    # main would point at a change whose record is not in main's tree: blocked (AUD001)
    assert code == 1, err


def test_git_push_of_two_new_branches_is_refused(setup):
    """`release` (new) points at the bare change; `evidence` (new) adds its record."""
    repo, remote, base, change_sha, rec_sha = setup
    repo.git("branch", "release", change_sha)
    install_hook(repo)
    result = subprocess.run(
        ["git", "push", "origin", "evidence", "release"],
        cwd=repo.path,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0, result.stderr
    assert git(remote, "rev-parse", "--verify", "--quiet", "release", check=False) == ""
