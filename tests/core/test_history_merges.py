"""Merge commits (SPEC section 2): a clean merge is not a change, the merged commits
are; an evil merge is a change with exactly the values neither parent had."""

from __future__ import annotations

from auditui.core.evidence.records import append_entries, record_name
from tests.helpers.repo import audit, triples


def merge(repo, branch, message="merge", **files):
    """A --no-ff merge of `branch` into the current branch; `files` amend the result."""
    repo.git("merge", "-q", "--no-ff", "--no-commit", branch, check=False)
    return repo.commit(message, files or None)


START = {
    "models/a.toml": "x = 1\ny = 1\n",
    "models/b.toml": "z = 1\n",
    "prompts/p.md": "Hello.\n",
}


def test_clean_merge_is_not_a_change_but_the_feature_commit_is(repo):
    repo.start(START)
    base = repo.head()
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature: raise x", {"models/a.toml": "x = 2\ny = 1\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main: raise z", {"models/b.toml": "z = 2\n"})
    merge_sha = merge(repo, "feature")
    report = audit(repo, base)
    assert report.commits_walked == 3
    assert sorted(c.commit.subject for c in report.changes) == ["feature: raise x", "main: raise z"]
    assert merge_sha not in {c.commit.sha for c in report.changes}


def test_evil_merge_is_a_change_with_exactly_the_evil_delta(repo):
    repo.start(START)
    base = repo.head()
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature", {"models/a.toml": "x = 2\ny = 1\n", "prompts/p.md": "Hi.\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main", {"models/b.toml": "z = 2\n"})
    merge_sha = merge(repo, "feature", "evil merge", **{"models/a.toml": "x = 2\ny = 9\n"})
    changes = audit(repo, base).changes
    # branches in topological order (parents first); the merge comes last
    assert sorted(c.commit.subject for c in changes[:2]) == ["feature", "main"]
    evil = changes[-1]
    assert evil.commit.sha == merge_sha
    assert triples(evil) == [("a", "y", 1, 9, "increase")]


def test_evil_merge_on_a_value_both_sides_changed(repo):
    repo.start(START)
    base = repo.head()
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature x=3", {"models/a.toml": "x = 3\ny = 1\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main x=2", {"models/a.toml": "x = 2\ny = 1\n"})
    merge(repo, "feature", "resolve to 5", **{"models/a.toml": "x = 5\ny = 1\n"})
    merge_change = audit(repo, base).changes[-1]
    assert merge_change.commit.subject == "resolve to 5"
    assert triples(merge_change) == [("a", "x", 2, 5, "increase")]


def test_conflict_resolved_to_one_side_is_not_a_change(repo):
    repo.start(START)
    base = repo.head()
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature x=3", {"models/a.toml": "x = 3\ny = 1\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main x=2", {"models/a.toml": "x = 2\ny = 1\n"})
    merge(repo, "feature", "take theirs", **{"models/a.toml": "x = 3\ny = 1\n"})
    subjects = [c.commit.subject for c in audit(repo, base).changes]
    assert sorted(subjects) == ["feature x=3", "main x=2"]


def test_evil_merge_in_a_shared_prompt(repo):
    repo.start({**START, "models/a.toml": 'system_prompt = "prompts/p.md"\n'})
    base = repo.head()
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature", {"models/b.toml": "z = 3\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main", {"README.md": "x\n"})
    merge(repo, "feature", "sneak in a limit", **{"prompts/p.md": "Use at most 10 words.\n"})
    evil = audit(repo, base).changes[-1]
    assert evil.commit.subject == "sneak in a limit"
    assert [(d.model, d.path, d.kind) for d in evil.deltas] == [
        ("a", "prompt:prompts/p.md", "text"),
        ("a", "prompt:prompts/p.md#limits", "limit-added"),
    ]


def test_range_from_the_main_tip_holds_the_feature_commit_not_the_clean_merge(repo):
    repo.start(START)
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature", {"models/a.toml": "x = 2\ny = 1\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main", {"models/b.toml": "z = 2\n"})
    base = repo.head()
    merge(repo, "feature", "merge feature")
    report = audit(repo, base)
    assert report.commits_walked == 2
    assert [c.commit.subject for c in report.changes] == ["feature"]


def test_merge_whose_other_parent_is_the_base(repo):
    """The second parent lies outside the range: its state is read from its tree."""
    repo.start(START)
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature", {"models/a.toml": "x = 2\ny = 1\n"})
    base = repo.head()
    repo.git("checkout", "-q", "main")
    repo.commit("main", {"models/b.toml": "z = 2\n"})
    merge(repo, "feature", "clean")
    repo.git("checkout", "-q", "-b", "evil", "HEAD~1")
    merge(repo, "feature", "evil", **{"models/a.toml": "x = 4\ny = 1\n"})
    clean = audit(repo, base, head="main")
    assert [c.commit.subject for c in clean.changes] == ["main"]
    evil = audit(repo, base, head="evil")
    assert [c.commit.subject for c in evil.changes] == ["main", "evil"]
    assert triples(evil.changes[-1]) == [("a", "x", 1, 4, "increase")]


def test_evil_merge_record_covers_it(repo):
    repo.start(START)
    base = repo.head()
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature", {"models/a.toml": "x = 2\ny = 1\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main", {"models/b.toml": "z = 2\n"})
    merge(repo, "feature", "evil", **{"models/b.toml": "z = 7\n"})
    evil = audit(repo, base).changes[-1]
    assert triples(evil) == [("b", "z", 2, 7, "increase")]
    append_entries(
        repo.path,
        f"audit/{record_name(evil.fingerprint)}",
        evil.fingerprint,
        evals=[{"model": "b", "suite": "coding", "baseline": 1.0, "candidate": 1.0}],
        approvals=[{"by": "bob@example.com", "verdict": "approve", "at": "2026-03-02T00:00:00Z"}],
    )
    repo.commit("record")
    assert audit(repo, base).changes[-1].status == "pass"


def test_octopus_free_linear_history_after_merge_continues(repo):
    repo.start(START)
    base = repo.head()
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature", {"models/a.toml": "x = 2\ny = 1\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main", {"models/b.toml": "z = 2\n"})
    merge(repo, "feature")
    repo.commit("after", {"models/a.toml": "x = 3\ny = 1\n"})
    last = audit(repo, base).changes[-1]
    assert last.commit.subject == "after"
    assert triples(last) == [("a", "x", 2, 3, "increase")]
