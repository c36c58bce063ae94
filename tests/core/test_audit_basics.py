"""End-to-end judgements on small real histories: one change kind per test."""

from __future__ import annotations

from auditui.core.evidence.records import append_entries, record_name
from tests.helpers.repo import audit

DEFAULTS = '[reasoning]\neffort = "high"\n\n[limits]\nmax_output_tokens = 1000\n'


def test_defaults_change_is_attributed_to_models_that_moved(repo):
    repo.start(
        {
            "models/_defaults.toml": DEFAULTS,
            "models/a.toml": "x = 1\n",
            "models/b.yaml": "reasoning:\n  effort: low\n",  # overrides effort
        }
    )
    base = repo.head()
    repo.commit("lower effort", {"models/_defaults.toml": DEFAULTS.replace("high", "medium")})
    (change,) = audit(repo, base).changes
    assert change.models == ["a"]
    (delta,) = change.deltas
    assert (delta.path, delta.old, delta.new, delta.kind) == (
        "reasoning.effort",
        "high",
        "medium",
        "downgrade",
    )
    assert change.status == "blocked" and change.rules == ["AUD001"]


def test_reformat_and_reorder_is_no_change(repo):
    repo.start({"models/a.toml": 'b = 2\na = 1\n[t]\nk = "v"\n'})
    base = repo.head()
    repo.commit("reformat", {"models/a.toml": '# comment\na = 1\nb   =   2\nt = { k = "v" }\n'})
    report = audit(repo, base)
    assert report.changes == []
    assert report.commits_walked == 1


def test_audited_change_passes_with_record(repo):
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    base = repo.head()
    repo.commit("raise", {"models/a.toml": "max_tokens = 20\n"}, author="alice")
    (change,) = audit(repo, base).changes
    assert change.deltas[0].kind == "increase"
    append_entries(
        repo.path,
        f"audit/{record_name(change.fingerprint)}",
        change.fingerprint,
        evals=[{"model": "a", "suite": "coding", "baseline": 50.0, "candidate": 50.5}],
        approvals=[{"by": "bob@example.com", "verdict": "approve", "at": "2026-03-02T00:00:00Z"}],
    )
    repo.commit("record", author="bob")
    (change,) = audit(repo, base).changes
    assert change.status == "pass", change.findings
    assert change.findings == []
