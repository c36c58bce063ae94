"""Review: the adoption exemption can be claimed by history the push itself brings.

A commit is `exempt` when its first parent has no policy. A root commit (an orphan
branch) or a branch forked before adoption has none, so a pusher can smuggle a
weakened config past an adopted policy by merging such a commit.
"""

from __future__ import annotations

import subprocess

from tests.helpers.repo import RepoBuilder, audit, git, install_hook

MODEL = 'reasoning = { effort = "high" }\n'
WEAK = 'reasoning = { effort = "low" }\n'


def _orphan_merge(repo: RepoBuilder, date: str = "2026-03-01T08:00:00+00:00") -> str:
    """An orphan root with main's files but a weakened model, merged into main
    (main first parent, the merge takes the orphan's tree): a fast-forward of main."""
    main = repo.head()
    repo.git("checkout", "-q", "--orphan", "evil")
    repo.write({"models/a.toml": WEAK})
    repo.git("add", "-A")
    env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    repo.git("commit", "-q", "-m", "import", env=env)
    orphan = repo.head()
    tree = repo.git("rev-parse", f"{orphan}^{{tree}}")
    merge = repo.git("commit-tree", tree, "-p", main, "-p", orphan, "-m", "merge import")
    repo.git("checkout", "-q", "main")
    repo.git("reset", "-q", "--hard", merge)
    return orphan


def test_orphan_root_merged_into_adopted_branch_is_not_exempt(repo: RepoBuilder):
    repo.start({"models/a.toml": MODEL})
    base = repo.head()
    _orphan_merge(repo)
    report = audit(repo, base)
    assert report.policy_source == "base"
    # Correct: main's model a went high -> low in this range; that must not pass unaudited.
    assert report.changes, "the effort downgrade of model a is not reported at all"
    assert not report.ok, [(c.commit.subject, c.status) for c in report.changes]


def test_branch_forked_before_adoption_and_merged_later_is_not_exempt(repo: RepoBuilder):
    root = repo.commit("pre-adoption", {"models/a.toml": MODEL})
    repo.start({"models/a.toml": MODEL})  # adopt auditui
    base = repo.head()
    repo.git("checkout", "-q", "-b", "old", root)
    repo.commit("weaken a", {"models/a.toml": WEAK})
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-edit", "old")
    report = audit(repo, base)
    assert report.policy_source == "base"
    assert not report.ok, [(c.commit.subject, c.status) for c in report.changes]


def test_hook_refuses_orphan_merge(tmp_path):
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    repo = RepoBuilder(tmp_path / "work")
    repo.start({"models/a.toml": MODEL})
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "-u", "origin", "main")
    install_hook(repo)
    before = git(remote, "rev-parse", "main")
    _orphan_merge(repo)
    result = subprocess.run(
        ["git", "push", "origin", "main"], cwd=repo.path, capture_output=True, text=True
    )
    assert result.returncode != 0, result.stderr
    assert git(remote, "rev-parse", "main") == before
