"""Review: control characters in commit metadata break `git log` parsing (gitrepo.parse_log).

The log format separates fields with \\x1f and records with \\x1e, but git keeps those
bytes in subjects and author names, so a commit can make its own raw diff unreadable.
"""

from __future__ import annotations

import subprocess

from tests.helpers.repo import RepoBuilder, audit, git, install_hook


def test_subject_with_unit_separator_still_reports_its_change(repo: RepoBuilder):
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    base = repo.head()
    repo.commit("raise a\x1fquietly", {"models/a.toml": "max_tokens = 99\n"})
    report = audit(repo, base)
    # Correct: the change is seen (and blocked: it has no record).
    assert [c.status for c in report.changes] == ["blocked"]


def test_author_name_with_unit_separator_still_reports_its_change(repo: RepoBuilder):
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    base = repo.head()
    repo.commit("raise a", {"models/a.toml": "max_tokens = 99\n"}, author="Mal\x1flory")
    report = audit(repo, base)
    assert [c.status for c in report.changes] == ["blocked"]


def test_hook_refuses_unaudited_change_hidden_by_subject(tmp_path):
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    repo = RepoBuilder(tmp_path / "work")
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "-u", "origin", "main")
    install_hook(repo)
    before = git(remote, "rev-parse", "main")
    repo.commit("harmless\x1f", {"models/a.toml": "max_tokens = 99\n"})
    result = subprocess.run(
        ["git", "push", "origin", "main"], cwd=repo.path, capture_output=True, text=True
    )
    assert result.returncode != 0, result.stderr
    assert git(remote, "rev-parse", "main") == before
