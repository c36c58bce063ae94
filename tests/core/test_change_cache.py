"""Each commit's deltas are kept between runs (core/changecache): a walk whose every
commit is stored is judged without rebuilding a World, and gives the very report a
full walk gives; anything that could change a commit's deltas is a new context."""

from __future__ import annotations

import sqlite3

import pytest

from auditui.core.evidence.records import append_entries, record_name
from auditui.core.history import changecache
from auditui.core.history.tracker import Tracker
from tests.helpers.repo import audit, forget_changes

POLICY_WITH_ROLLOUT = "\n[rollout]\nstages = [1, 10, 50, 100]\nsoak_hours = 24\n"


def summary(report) -> list[tuple]:
    return [
        (
            c.commit.sha,
            c.fingerprint,
            c.status,
            [f.message for f in c.findings],
            [(d.model, d.path, d.old, d.new, d.kind, d.detail, d.source) for d in c.deltas],
        )
        for c in report.changes
    ]


@pytest.fixture
def advances(monkeypatch):
    """How many times a World was advanced (0: the run was served from the store)."""
    calls = []
    real = Tracker.advance

    def counting(self, *args, **kw):
        calls.append(1)
        return real(self, *args, **kw)

    monkeypatch.setattr(Tracker, "advance", counting)
    return calls


def history(repo):
    repo.start({"models/a.toml": "x = 1\n", "models/b.yaml": "y: 1\n", "prompts/p.md": "Hi.\n"})
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature", {"models/a.toml": "x = 2\nsystem_prompt = 'prompts/p.md'\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main", {"models/b.yaml": "y: 2\n", "prompts/p.md": "Hi. <= 40 words\n"})
    repo.git("merge", "-q", "--no-ff", "--no-commit", "feature", check=False)
    repo.commit("evil merge", {"models/b.yaml": "y: 9\n"})
    repo.commit("broken", {"models/a.toml": "x = \n"})


def test_a_second_walk_is_served_from_the_store_with_the_same_report(repo, advances):
    history(repo)
    first = audit(repo)
    assert advances
    advances.clear()
    again = audit(repo)
    assert advances == []  # no World was built
    assert summary(again) == summary(first)
    forget_changes(repo)
    assert summary(audit(repo)) == summary(first)


def test_the_verdict_is_worked_out_again_from_current_records(repo, advances):
    history(repo)
    first = audit(repo).changes
    evil = next(c for c in first if c.commit.subject == "evil merge")
    assert evil.status == "blocked"
    append_entries(
        repo.path,
        f"audit/{record_name(evil.fingerprint)}",
        evil.fingerprint,
        evals=[
            {"model": m, "suite": "coding", "baseline": 1.0, "candidate": 1.0} for m in evil.models
        ],
        approvals=[{"by": "bob@example.com", "verdict": "approve", "at": "2026-03-02T00:00:00Z"}],
    )
    repo.commit("record")  # a commit outside the layout: the walk has one more commit
    audit(repo)
    advances.clear()
    again = audit(repo).changes
    assert advances == []
    assert next(c for c in again if c.commit.subject == "evil merge").status == "pass"


def test_a_new_commit_walks_everything_again_and_matches_a_fresh_walk(repo, advances):
    history(repo)
    audit(repo)
    repo.commit("fix", {"models/a.toml": "x = 3\n"})
    advances.clear()
    incremental = audit(repo)
    assert advances  # not every commit was stored: computed, never half from the store
    forget_changes(repo)
    assert summary(incremental) == summary(audit(repo))


def test_another_policy_is_another_context(repo, advances, tmp_path):
    history(repo)
    audit(repo)
    policy = tmp_path / "p.toml"
    policy.write_text(repo.initial_policy + '\n[watch]\nkeys = ["*"]\nignore = ["x"]\n')
    advances.clear()
    other = audit(repo, policy_file=str(policy))
    assert advances
    assert all(d.path != "x" for c in other.changes for d in c.deltas)


def test_a_range_is_reused_only_for_the_same_range(repo, advances):
    history(repo)
    base = repo.git("rev-list", "--max-parents=0", "HEAD").strip()
    first = audit(repo, base)
    advances.clear()
    assert summary(audit(repo, base)) == summary(first)
    assert advances == []
    repo.commit("more", {"models/b.yaml": "y: 3\n"})
    audit(repo, base)
    assert advances


def test_a_damaged_row_is_computed_and_nothing_is_given_twice(repo, advances):
    history(repo)
    first = audit(repo)
    store = next((repo.path / ".git" / "auditui").glob("changes-*.sqlite"))
    with sqlite3.connect(store) as db:
        db.execute("UPDATE changes SET deltas = ? WHERE sha = ?", (b"\x00bad", repo.head()))
    advances.clear()
    again = audit(repo)
    assert advances
    assert summary(again) == summary(first)


def test_a_rollout_policy_never_uses_the_store(repo, advances):
    repo.initial_policy += POLICY_WITH_ROLLOUT
    history(repo)
    audit(repo)
    advances.clear()
    audit(repo)
    assert advances


def test_only_the_most_recent_contexts_are_kept(repo, monkeypatch):
    history(repo)
    monkeypatch.setattr(changecache, "KEEP_CONTEXTS", 2)
    shas = repo.git("rev-list", "--reverse", "HEAD").split()
    for base in shas[:4]:
        audit(repo, base)
    store = next((repo.path / ".git" / "auditui").glob("changes-*.sqlite"))
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT COUNT(*) FROM contexts").fetchone() == (2,)
        assert db.execute("SELECT COUNT(DISTINCT context) FROM changes").fetchone()[0] <= 2


def test_a_walk_that_fails_stores_nothing(repo, tmp_path):
    repo.start({"models/a.toml": "x = 1\n"})
    repo.commit("edit", {"models/a.toml": "x = 2\n"})
    policy = tmp_path / "p.toml"
    policy.write_text('[layout]\nmodels = ["nothing/*.toml"]\n')
    from auditui.core.base.errors import AuditError

    for _ in range(2):  # the second run is not served an empty walk from a store
        with pytest.raises(AuditError, match="matches no model"):
            audit(repo, policy_file=str(policy))


def test_one_models_timeline_reads_only_its_changes_from_the_store(repo, monkeypatch):
    history(repo)
    full = audit(repo)
    read = []
    real = changecache.ChangeCache.deltas
    monkeypatch.setattr(
        changecache.ChangeCache, "deltas", lambda self, sha: read.append(sha) or real(self, sha)
    )
    only_b = audit(repo, only_models=frozenset({"b"}))
    mine = [c for c in full.changes if any(d.model == "b" for d in c.deltas)]
    assert read == [c.commit.sha for c in mine] and len(mine) < len(full.changes)
    assert summary(only_b) == [row for row in summary(full) if row[0] in read]


def test_adoption_from_the_store_without_raw_diffs(tmp_path, advances):
    """A walk served from the store lists commits without raw diffs; the adoption
    point (the first-parent commit that added the policy) is then asked of git, and
    gives the very exemptions a full walk gives: a policy added on a side branch and
    merged exempts nothing before the merge's first-parent line adopted it."""
    from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder

    r = RepoBuilder(tmp_path / "r", policy=None)
    r.commit("first model", {"models/a.toml": "t = 1\n"})
    r.git("checkout", "-q", "-b", "side")
    r.commit("side adopts", {".auditui.toml": DEFAULT_POLICY, "models/b.toml": "u = 1\n"})
    r.git("checkout", "-q", "main")
    r.commit("main edit", {"models/a.toml": "t = 2\n"})
    r.git("merge", "-q", "--no-edit", "side")
    r.commit("after", {"models/a.toml": "t = 3\n"})
    first = audit(r)
    statuses = [(c.commit.subject, c.status) for c in first.changes]
    assert ("after", "blocked") in statuses and ("first model", "exempt") in statuses
    advances.clear()
    again = audit(r)
    assert advances == []
    assert summary(again) == summary(first)
