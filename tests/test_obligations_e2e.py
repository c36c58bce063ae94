"""Prompt obligations end to end on real repositories: a prompt edit from "must" to
"should" is an `obligation-weakened` delta, and a rule asking two approvals for it
blocks the change until two people other than its author approve."""

from __future__ import annotations

import json

from auditui.core.evidence.records import append_entries, record_name
from auditui.core.formats import render
from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit

POLICY = (
    DEFAULT_POLICY
    + """
[[rules]]
name      = "weaker-instructions"
keys      = ["prompt:**"]
kinds     = ["obligation-weakened", "obligation-removed"]
approvals = 2
suites    = []
"""
)
PROMPT = (
    "# Coding agent\n\n"
    "You are a coding agent working in the user's repository.\n\n"
    "- You must run the full test suite before you finish.\n"
    "- Never push to main.\n"
    "- Keep replies short.\n"
)


def repo_with(tmp_path) -> tuple[RepoBuilder, str]:
    repo = RepoBuilder(tmp_path / "r", POLICY)
    repo.start(
        {
            "models/opus.toml": 'system_prompt = "prompts/agent.md"\n',
            "models/haiku.toml": 'system_prompt = "prompts/agent.md"\n',
            "prompts/agent.md": PROMPT,
        }
    )
    return repo, repo.head()


def obligation_deltas(change) -> list[tuple]:
    return [
        (d.model, d.path, d.old and d.old["word"], d.new and d.new["word"], d.kind)
        for d in change.deltas
        if d.path.endswith("#obligations")
    ]


def test_must_to_should_is_weakened_and_a_rule_asks_two_approvals(tmp_path):
    repo, base = repo_with(tmp_path)
    weaker = PROMPT.replace("You must run the full test suite", "You should run the test suite")
    repo.commit("soften the test instruction", {"prompts/agent.md": weaker})
    (change,) = audit(repo, base).changes
    path = "prompt:prompts/agent.md#obligations"
    assert obligation_deltas(change) == [
        ("haiku", path, "must", "should", "obligation-weakened"),
        ("opus", path, "must", "should", "obligation-weakened"),
    ]
    assert change.rules_applied == ["weaker-instructions"]
    assert change.rules == ["AUD001"]
    approve = [{"by": "bob@example.com", "verdict": "approve", "at": "2026-03-02T00:00:00Z"}]
    record = f"audit/{record_name(change.fingerprint)}"
    evals = [
        {"model": m, "suite": "coding", "baseline": 70.0, "candidate": 70.2}
        for m in ("haiku", "opus")
    ]
    append_entries(repo.path, record, change.fingerprint, evals=evals, approvals=approve)
    repo.commit("one approval", author="bob")
    (change,) = audit(repo, base).changes
    assert change.rules == ["AUD004"] and change.status == "blocked"
    second = [{**approve[0], "by": "carol@example.com"}]
    append_entries(repo.path, record, change.fingerprint, approvals=second)
    repo.commit("second approval", author="carol")
    assert audit(repo, base).changes[0].status == "pass"


def test_a_removed_never_is_reported_and_a_reworded_must_is_not(tmp_path):
    repo, base = repo_with(tmp_path)
    edited = PROMPT.replace("- Never push to main.\n", "").replace(
        "run the full test suite before you finish", "run every test before finishing"
    )
    repo.commit("tidy", {"prompts/agent.md": edited})
    (change,) = audit(repo, base).changes
    assert [(m, old, new, kind) for m, _p, old, new, kind in obligation_deltas(change)] == [
        ("haiku", "never", None, "obligation-removed"),
        ("opus", "never", None, "obligation-removed"),
    ]
    data = json.loads(render(audit(repo, base), "json"))
    (delta,) = [
        d
        for d in data["changes"][0]["deltas"]
        if d["model"] == "opus" and "#obligations" in d["path"]
    ]
    assert delta["old"] == {"strength": 3, "word": "never", "text": "Never push to main."}
    assert delta["new"] is None and delta["kind"] == "obligation-removed"
    text = render(audit(repo, base), "text")
    assert "required (never): Never push to main. -> ∅  (obligation-removed)" in text
