"""Review: policy keys that the parser accepts but no check enforces (fail-open).

`require_signatures = true` and a `[rollout]` table validate, yet AUD007 and AUD010
never fire, so a policy that demands signed approvals or staged rollouts passes
changes that violate it, and nothing in the report says the rule was skipped."""

from __future__ import annotations

from auditui.core.evidence.records import append_entries
from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit


def _record(repo, change, evals=True):
    append_entries(
        repo.path,
        change.record_file,
        change.fingerprint,
        evals=[
            {"model": m, "suite": "coding", "baseline": 5.0, "candidate": 5.0}
            for m in change.models
        ]
        if evals
        else [],
        approvals=[{"by": "bob@example.com", "verdict": "approve", "at": "2026-03-05T00:00:00Z"}],
    )


def test_require_signatures_blocks_an_unsigned_approval(tmp_path):
    repo = RepoBuilder(tmp_path / "r", DEFAULT_POLICY + "require_signatures = true\n")
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    base = repo.head()
    repo.commit("raise a", {"models/a.toml": "max_tokens = 20\n"})
    (change,) = audit(repo, base).changes
    _record(repo, change)
    repo.commit("record", author="bob")
    (change,) = audit(repo, base).changes
    assert change.status == "blocked" and "AUD007" in change.rules, change.findings


def test_rollout_skipping_a_stage_is_blocked(tmp_path):
    policy = DEFAULT_POLICY + "\n[rollout]\nstages = [1, 10, 50, 100]\nsoak_hours = 24\n"
    repo = RepoBuilder(tmp_path / "r", policy)
    repo.start({"models/a.toml": "rollout = { percent = 1 }\n"})
    base = repo.head()
    repo.commit("straight to 100%", {"models/a.toml": "rollout = { percent = 100 }\n"})
    (change,) = audit(repo, base).changes
    _record(repo, change)
    repo.commit("record", author="bob")
    (change,) = audit(repo, base).changes
    assert change.status == "blocked" and "AUD010" in change.rules, change.findings
