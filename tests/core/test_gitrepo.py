"""GitRepo reads objects as stored on every way it reaches git (the streamed log, trees,
revisions): a replace ref or a grafts file never shows a commit or a tree as something
else (docs/threat-model.md). Each test first shows the substitution is real: git read
without auditui's environment sees it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditui.core.base.errors import AuditError
from auditui.core.base.globs import match_any
from auditui.core.git import catfile
from auditui.core.git.repo import GitRepo
from tests.helpers.repo import RepoBuilder


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


# -- list_files never prunes a file a pattern matches ------------------------------

FILES = [
    "top.toml",
    "a/x.yaml",
    "a/b/c.toml",
    "a/b/d/e.toml",
    "models/s.toml",
    "models/p/r.toml",
    "models/p/q/r.toml",
    "models/_skip/t.toml",
    "prompts/x/y/z.md",
    "a.b/c.toml",
]
SEGMENTS = ["a", "b", "d", "models", "p", "q", "prompts", "x", "*", "**", "a*", "?", "[ab]"]
LEAVES = ["*", "*.toml", "*.md", "r.toml", "c.toml", "x.yaml", "**"]


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    repo = RepoBuilder(tmp_path_factory.mktemp("tree") / "r", policy=None)
    repo.commit("files", {path: f"{path}\n" for path in FILES})
    return GitRepo.open(repo.path), repo.head()


path_globs = st.lists(
    st.builds(
        lambda dirs, leaf: "/".join([*dirs, leaf]),
        st.lists(st.sampled_from(SEGMENTS), max_size=3),
        st.sampled_from(LEAVES),
    ),
    min_size=1,
    max_size=3,
)


def _taken_whole(path: str, skip: list[str], patterns: list[str]) -> bool:
    """Whether a directory above `path` is excluded whole by a `skip` glob ending in
    `/**` (and holds no file a pattern names outright)."""
    named = [p for p in patterns if not any(c in p for c in "*?[")]
    parts = path.split("/")[:-1]
    dirs = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    return any(
        match_any([g[:-3] for g in skip], d) and not any(p.startswith(d + "/") for p in named)
        for d in dirs
    )


@settings(max_examples=150, deadline=None)
@given(
    patterns=path_globs, skip=st.lists(st.sampled_from(["models/_skip/**", "a/b/**"]), max_size=2)
)
def test_list_files_holds_every_file_a_pattern_matches(tree, patterns, skip):
    """Its pruning only leaves out directories no pattern can reach: every file of the
    tree a pattern matches is listed, unless a `skip` glob takes a directory above it
    whole; what it lists is what the tree holds."""
    git, head = tree
    listed = git.list_files(head, patterns, tuple(skip))
    for path in FILES:
        if match_any(patterns, path) and not _taken_whole(path, skip, patterns):
            assert path in listed, (path, patterns, skip)
        if path in listed:
            assert listed[path] == git.lookup(head, path)
