"""Review: the hook picks the policy at the oldest boundary commit of the push, which
the pusher chooses. Forking from an old commit (before the policy was tightened) and
merging the current branch back in makes the push judged by the old, weaker policy,
while `auditui check` against the same remote branch judges it by the current one."""

from __future__ import annotations

import subprocess

from auditui.core.evidence.records import append_entries
from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit, git, install_hook

STRICT = DEFAULT_POLICY.replace("required = 1", "required = 2")


def _setup(tmp_path):
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    repo = RepoBuilder(tmp_path / "work")
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    old = repo.head()
    # The team tightens the policy (approved by two reviewers) and pushes it.
    repo.commit("require two approvals", {".auditui.toml": STRICT})
    (change,) = audit(repo, old).changes
    append_entries(
        repo.path,
        change.record_file,
        change.fingerprint,
        approvals=[
            {"by": "bob@example.com", "verdict": "approve", "at": "2026-03-02T00:00:00Z"},
            {"by": "carol@example.com", "verdict": "approve", "at": "2026-03-02T00:00:00Z"},
        ],
    )
    repo.commit("records", author="bob")
    assert audit(repo, old).ok
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "-u", "origin", "main")
    install_hook(repo)
    return repo, remote, old


def test_push_forked_from_before_a_policy_tightening_is_judged_by_current_policy(tmp_path):
    repo, remote, old = _setup(tmp_path)
    before = git(remote, "rev-parse", "main")
    # Work on a branch from the old (weak-policy) commit, with ONE approval ...
    repo.git("checkout", "-q", "-b", "side", old)
    repo.commit("raise a", {"models/a.toml": "max_tokens = 99\n"})
    (change,) = audit(repo, old).changes
    append_entries(
        repo.path,
        change.record_file,
        change.fingerprint,
        evals=[{"model": "a", "suite": "coding", "baseline": 5.0, "candidate": 5.0}],
        approvals=[{"by": "bob@example.com", "verdict": "approve", "at": "2026-03-05T00:00:00Z"}],
    )
    repo.commit("record", author="bob")
    # ... then merge current main in and push it as a fast-forward of main.
    repo.git("merge", "-q", "--no-edit", "main")
    # CI's view: the range since the merge base with origin/main, judged by its policy.
    ci = audit(repo, repo.git("merge-base", "HEAD", "origin/main"))
    assert not ci.ok and "AUD004" in ci.changes[0].rules
    result = subprocess.run(
        ["git", "push", "origin", "HEAD:main"], cwd=repo.path, capture_output=True, text=True
    )
    # Correct: the remote branch requires two approvals; one must not get through.
    assert result.returncode != 0, result.stderr
    assert git(remote, "rev-parse", "main") == before
