from __future__ import annotations

import pytest

from tests.helpers.repo import RepoBuilder


@pytest.fixture
def repo(tmp_path) -> RepoBuilder:
    """A fresh real git repository with the default test policy (not yet committed)."""
    return RepoBuilder(tmp_path / "repo")


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch, tmp_path_factory):
    """Keep the developer's ~/.gitconfig (signing, hooks, templates) out of tests."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    for name in (
        "GITHUB_BASE_REF",
        "GITHUB_STEP_SUMMARY",
        "PRE_COMMIT_TO_REF",
        "PRE_COMMIT_FROM_REF",
        "PRE_COMMIT_REMOTE_NAME",
        "AUDITUI_DEBUG",
    ):
        monkeypatch.delenv(name, raising=False)
