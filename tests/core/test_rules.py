"""Evidence by what a change does (SPEC 10): [[rules]] and [owners], judged on real
repositories."""

from __future__ import annotations

import json

from auditui.core.formats import render
from auditui.core.records import append_entries, record_name
from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit

RULES = (
    DEFAULT_POLICY
    + """
[owners]
"*"      = ["platform@example.com"]
"opus-*" = ["alice@example.com", "bob@example.com"]

[[rules]]
name      = "effort-downgrade"
keys      = ["reasoning.effort", "**.reasoning_effort"]
kinds     = ["downgrade"]
models    = ["opus-*"]
approvals = 2
suites    = ["coding", "agentic"]
owners    = true

[[rules]]
name      = "metadata"
keys      = ["cost.**", "release_date"]
approvals = 0
suites    = []
"""
)
OPUS = 'release_date = "2026-01-01"\n[reasoning]\neffort = "{}"\n[cost]\ninput = {}\n'


def repo_with(tmp_path) -> tuple[RepoBuilder, str]:
    repo = RepoBuilder(tmp_path / "r", RULES)
    repo.start({"models/opus-4.7.toml": OPUS.format("high", 15),
                "models/haiku-4.5.toml": OPUS.format("low", 1)})  # fmt: skip
    return repo, repo.head()


def judged(repo, base, subject):
    (c,) = [c for c in audit(repo, base).changes if c.commit.subject == subject]
    return c


def add(repo, change, evals=(), approvals=()):
    append_entries(repo.path, f"audit/{record_name(change.fingerprint)}", change.fingerprint,
                   evals=[{"model": m, "suite": s, "baseline": 1.0, "candidate": 1.0}
                          for m, s in evals],
                   approvals=[{"by": who, "verdict": "approve", "at": "2026-03-02T00:00:00Z"}
                              for who in approvals])  # fmt: skip


def test_a_metadata_only_change_passes_with_no_record(tmp_path):
    repo, base = repo_with(tmp_path)
    repo.commit("price", {"models/opus-4.7.toml": OPUS.format("high", 12)})
    c = judged(repo, base, "price")
    assert (c.status, c.findings, c.rules_applied) == ("pass", [], ["metadata"])


def test_the_strictest_rule_wins_and_findings_name_it(tmp_path):
    repo, base = repo_with(tmp_path)
    repo.commit("cheaper and lazier", {"models/opus-4.7.toml": OPUS.format("medium", 12)})
    c = judged(repo, base, "cheaper and lazier")
    assert c.rules_applied == ["effort-downgrade", "metadata"]
    assert c.rules == ["AUD001"]
    add(repo, c, evals=[("opus-4.7", "coding")], approvals=["bob@example.com"])
    repo.commit("evidence", author="bob")
    c = judged(repo, base, "cheaper and lazier")
    by_rule = {(f.rule, f.by_rule) for f in c.findings}
    # Two approvals (not [approvals] required = 1), the rule's extra suite, no owner gap.
    assert by_rule == {("AUD002", "effort-downgrade"), ("AUD004", "effort-downgrade")}
    assert any("1 of 2 required approvals (rule 'effort-downgrade')" in f.message
               for f in c.findings)  # fmt: skip
    doc = json.loads(render(audit(repo, base), "json"))
    (row,) = [x for x in doc["changes"] if x["subject"] == "cheaper and lazier"]
    assert {f.get("by_rule") for f in row["findings"]} == {"effort-downgrade"}
    assert row["rules_applied"] == ["effort-downgrade", "metadata"]


def test_owners_last_match_wins_and_an_owner_author_does_not_count(tmp_path):
    repo, base = repo_with(tmp_path)
    repo.commit("lazier", {"models/opus-4.7.toml": OPUS.format("low", 15)}, author="alice")
    c = judged(repo, base, "lazier")
    evals = [("opus-4.7", "coding"), ("opus-4.7", "agentic")]
    # platform@ owns "*", but "opus-*" matches last: only alice or bob own opus-4.7.
    add(repo, c, evals=evals, approvals=["platform@example.com", "carol@example.com"])
    repo.commit("evidence", author="carol")
    c = judged(repo, base, "lazier")
    assert c.rules == ["AUD013"]
    assert "one of its owners (alice@example.com, bob@example.com)" in c.findings[0].message
    add(repo, c, approvals=["alice@example.com"])  # the author: AUD005, not an owner's word
    repo.commit("self", author="carol")
    assert judged(repo, base, "lazier").rules == ["AUD005", "AUD013"]
    add(repo, c, approvals=["bob@example.com"])
    repo.commit("bob", author="carol")
    assert judged(repo, base, "lazier").rules == ["AUD005"]


def test_deltas_no_rule_matches_use_the_defaults(tmp_path):
    repo, base = repo_with(tmp_path)
    # haiku is no opus model and max_tokens no metadata: no rule matches; the
    # [approvals] and [evals] defaults apply.
    repo.commit("haiku", {"models/haiku-4.5.toml": OPUS.format("low", 1) + "[limits]\nmax = 9\n"})
    c = judged(repo, base, "haiku")
    assert c.rules_applied == [] and c.rules == ["AUD001"]
    add(repo, c, evals=[("haiku-4.5", "coding")], approvals=["bob@example.com"])
    repo.commit("evidence", author="bob")
    assert judged(repo, base, "haiku").status == "pass"


def test_rule_tables_are_checked(tmp_path):
    import pytest

    from auditui.core.errors import AuditError
    from auditui.core.policy import parse_policy

    with pytest.raises(AuditError, match="needs a 'name'"):
        parse_policy(DEFAULT_POLICY + "[[rules]]\nkeys = ['x']\n", "p")
    with pytest.raises(AuditError, match="unknown key 'aprovals' in \\[\\[rules\\]\\] #1"):
        parse_policy(DEFAULT_POLICY + "[[rules]]\nname = 'a'\naprovals = 1\n", "p")
    with pytest.raises(AuditError, match="second rule named 'a'"):
        parse_policy(DEFAULT_POLICY + "[[rules]]\nname = 'a'\n[[rules]]\nname = 'a'\n", "p")


ROLLBACK = (
    RULES
    + """
[[rules]]
name      = "rollback"
revert    = true
approvals = 1
suites    = []
"""
)


def test_a_rollback_to_an_audited_state_asks_what_its_rule_asks(tmp_path):
    """The change undone is before the range (already pushed and audited): the push
    rolling it back exactly inverts it, so `revert = true` asks one approval, no evals."""
    repo = RepoBuilder(tmp_path / "r", ROLLBACK)
    repo.start({"models/opus-4.7.toml": OPUS.format("high", 15)})
    lowered = repo.commit("lower", {"models/opus-4.7.toml": OPUS.format("low", 15)})
    base = repo.head()
    repo.commit("roll back", {"models/opus-4.7.toml": OPUS.format("high", 15)})
    c = judged(repo, base, "roll back")
    assert c.reverts == lowered and c.rules_applied == ["rollback"]
    assert c.rules == ["AUD001"]
    add(repo, c, approvals=["bob@example.com"])
    repo.commit("approve", author="bob")
    assert judged(repo, base, "roll back").status == "pass"  # no evals asked
    doc = json.loads(render(audit(repo, base), "json"))
    assert doc["changes"][0]["reverts"] == lowered


def test_a_partial_rollback_is_no_revert(tmp_path):
    repo = RepoBuilder(tmp_path / "r", ROLLBACK)
    repo.start({"models/opus-4.7.toml": OPUS.format("high", 15)})
    repo.commit("lower", {"models/opus-4.7.toml": OPUS.format("low", 15)})
    base = repo.head()
    repo.commit("halfway", {"models/opus-4.7.toml": OPUS.format("medium", 15)})
    c = judged(repo, base, "halfway")
    assert c.reverts is None and "rollback" not in c.rules_applied
    add(repo, c, approvals=["bob@example.com"])
    repo.commit("approve", author="bob")
    assert judged(repo, base, "halfway").rules == ["AUD002"]  # the defaults: evals
