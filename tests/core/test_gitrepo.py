"""GitRepo reads objects as stored on every way it reaches git (the streamed log, trees,
revisions): a replace ref or a grafts file never shows a commit or a tree as something
else (docs/threat-model.md). Each test first shows the substitution is real: git read
without auditui's environment sees it."""

from __future__ import annotations

import pytest

from auditui.core.base.errors import AuditError
from auditui.core.git import catfile
from auditui.core.git.repo import GitRepo


@pytest.fixture
def history(repo):
    """Three commits, each changing models/a.toml, and an unrelated fourth tree."""
    shas = [repo.start({"models/a.toml": "t = 1\n"})]
    shas.append(repo.commit("two", {"models/a.toml": "t = 2\n"}))
    shas.append(repo.commit("three", {"models/a.toml": "t = 3\n"}))
    return repo, shas


def _walk(repo, head: str) -> list[tuple[str, tuple[str, ...], list[str]]]:
    return [
        (c.sha, c.parents, [ch.path for ch in c.changes])
        for c in GitRepo.open(repo.path).walk(head, None)
    ]


def _without_env(monkeypatch, *names: str) -> None:
    for name in names:
        monkeypatch.delitem(catfile.GIT_ENV, name)


def test_the_log_never_follows_a_grafts_file(history, monkeypatch):
    repo, shas = history
    as_stored = _walk(repo, shas[2])
    assert [parents for _sha, parents, _paths in as_stored] == [(), (shas[0],), (shas[1],)]
    (repo.path / ".git" / "info").mkdir(exist_ok=True)
    (repo.path / ".git" / "info" / "grafts").write_text(f"{shas[2]}\n")  # three: a root
    assert _walk(repo, shas[2]) == as_stored
    with monkeypatch.context() as m:
        _without_env(m, "GIT_GRAFT_FILE")
        assert len(_walk(repo, shas[2])) == 1  # git itself would have cut the history


def test_the_log_and_trees_never_follow_a_replace_ref(history, monkeypatch):
    repo, shas = history
    as_stored = _walk(repo, shas[2])
    git = GitRepo.open(repo.path)
    entry = git.lookup(shas[2], "models/a.toml")
    files = git.list_files(shas[2], ["models/*.toml"])
    tree = repo.git("rev-parse", f"{shas[2]}^{{tree}}")
    old_tree = repo.git("rev-parse", f"{shas[0]}^{{tree}}")
    repo.git("replace", shas[1], shas[0])  # two shown as one: three's parent a root
    repo.git("replace", tree, old_tree)  # three's tree shown as one's
    git = GitRepo.open(repo.path)
    assert _walk(repo, shas[2]) == as_stored
    assert git.lookup(shas[2], "models/a.toml") == entry
    assert git.list_files(shas[2], ["models/*.toml"]) == files
    assert git.object_type(shas[1]) == "commit"
    with monkeypatch.context() as m:
        _without_env(m, "GIT_NO_REPLACE_OBJECTS")
        assert _walk(repo, shas[2]) != as_stored
        assert GitRepo.open(repo.path).lookup(shas[2], "models/a.toml") != entry


def test_a_git_log_that_fails_says_what_git_said(history):
    repo, _shas = history
    with pytest.raises(AuditError) as caught:
        GitRepo.open(repo.path).walk("f" * 40, None)
    assert str(caught.value).endswith(f"fatal: bad object {'f' * 40}")
