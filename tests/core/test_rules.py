"""Evidence by what a change does (SPEC 10): [[rules]] and [owners], judged on real
repositories."""

from __future__ import annotations

import json

from auditui.core.evidence.records import append_entries, record_name
from auditui.core.formats import render
from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit, triples

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
    repo.start(
        {
            "models/opus-4.7.toml": OPUS.format("high", 15),
            "models/haiku-4.5.toml": OPUS.format("low", 1),
        }
    )
    return repo, repo.head()


def judged(repo, base, subject):
    (c,) = [c for c in audit(repo, base).changes if c.commit.subject == subject]
    return c


def add(repo, change, evals=(), approvals=()):
    append_entries(
        repo.path,
        f"audit/{record_name(change.fingerprint)}",
        change.fingerprint,
        evals=[{"model": m, "suite": s, "baseline": 1.0, "candidate": 1.0} for m, s in evals],
        approvals=[
            {"by": who, "verdict": "approve", "at": "2026-03-02T00:00:00Z"} for who in approvals
        ],
    )


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
    assert any(
        "1 of 2 required approvals (rule 'effort-downgrade')" in f.message for f in c.findings
    )
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

    from auditui.core.base.errors import AuditError
    from auditui.core.policy.parse import parse_policy

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


def test_rules_never_lower_what_a_policy_edit_needs(tmp_path):
    """A rule written for prices ("decreases need nothing") must not pass a policy
    edit lowering `required`: policy edits need max(required, 1) approvals (SPEC 7)."""
    policy = RULES.replace("required = 1", "required = 2") + (
        '\n[[rules]]\nname = "cheaper"\nkinds = ["decrease"]\napprovals = 0\nsuites = []\n'
    )
    assert "required = 2" in policy
    repo = RepoBuilder(tmp_path / "r", policy)
    repo.start({"models/opus-4.7.toml": OPUS.format("high", 15)})
    base = repo.head()
    repo.commit("weaken", {".auditui.toml": policy.replace("required = 2", "required = 1")})
    c = judged(repo, base, "weaken")
    assert c.rules_applied == [] and c.rules == ["AUD001"]
    assert "add 2 approvals (" in c.findings[0].message and "eval add" not in c.findings[0].message
    add(repo, c, approvals=["bob@example.com"])
    repo.commit("one approval", author="bob")
    assert [f.message[:27] for f in judged(repo, base, "weaken").findings] == [
        "1 of 2 required approvals; "
    ]


def test_rule_keys_match_prompt_files_with_path_globs(tmp_path):
    """`prompt:<path glob>` matches a prompt's text and its limits (`*` within one
    directory, `**` across); `prompt:...#limits` only its limits."""
    from auditui.core.diff.deltas import Delta
    from auditui.core.policy.model import Rule

    def hit(glob: str, path: str) -> bool:
        return Rule("r", keys=(glob,)).matches(Delta("m", path, "a", "b", "text"))

    assert hit("prompt:**", "prompt:prompts/a.md")
    assert hit("prompt:prompts/**", "prompt:prompts/v1.2/b.md")
    assert hit("prompt:prompts/**", "prompt:prompts/a.md#limits")
    assert hit("prompt:prompts/*.md", "prompt:prompts/a.md")
    assert not hit("prompt:prompts/*.md", "prompt:prompts/sub/b.md")
    assert hit("prompt:**#limits", "prompt:prompts/a.md#limits")
    assert not hit("prompt:**#limits", "prompt:prompts/a.md")
    assert not hit("reasoning.**", "prompt:reasoning/a.md")
    assert hit("system_prompt", "system_prompt#limits")  # an inline prompt's limits
    assert hit("**", "prompt:prompts/a.md")
    # On a real history: a word-limit edit in a prompt asks what the prompt rule asks.
    policy = RULES + '\n[[rules]]\nname = "prompts"\nkeys = ["prompt:prompts/**"]\napprovals = 2\n'
    repo = RepoBuilder(tmp_path / "r", policy)
    model = 'system_prompt = "prompts/p.md"\n[reasoning]\neffort = "high"\n'
    repo.start({"models/opus-4.7.toml": model, "prompts/p.md": "Answer in at most 50 words."})
    base = repo.head()
    repo.commit("tighter", {"prompts/p.md": "Answer in at most 25 words."})
    c = judged(repo, base, "tighter")
    assert c.rules_applied == ["prompts"] and "2 approvals" in c.findings[0].message


def test_an_unknown_kind_is_a_policy_error(tmp_path):
    import pytest

    from auditui.core.base.errors import AuditError
    from auditui.core.policy.parse import parse_policy

    with pytest.raises(AuditError, match="unknown kind 'downgarde'") as caught:
        parse_policy(DEFAULT_POLICY + "[[rules]]\nname = 'a'\nkinds = ['downgarde']\n", "p")
    assert "downgrade" in caught.value.hint


def test_aud001_says_what_the_record_must_hold(tmp_path):
    repo, base = repo_with(tmp_path)
    repo.commit("lazier", {"models/opus-4.7.toml": OPUS.format("medium", 15)})
    (f,) = judged(repo, base, "lazier").findings
    assert f.by_rule == "effort-downgrade"
    assert "add evals and 2 approvals (an owner's among them) (rule 'effort-downgrade')" in (
        f.message
    )


REVERT_FALSE = (
    RULES
    + """
[[rules]]
name      = "forward-free"
keys      = ["reasoning.effort"]
revert    = false
approvals = 0
suites    = []
"""
)


def test_a_revert_false_rule_never_matches_a_rollback_from_before_the_range(tmp_path):
    repo = RepoBuilder(tmp_path / "r", REVERT_FALSE)
    repo.start({"models/haiku-4.5.toml": OPUS.format("high", 15)})
    lowered = repo.commit("lower", {"models/haiku-4.5.toml": OPUS.format("low", 15)})
    base = repo.head()
    repo.commit("roll back", {"models/haiku-4.5.toml": OPUS.format("high", 15), "README": "x"})
    c = judged(repo, base, "roll back")  # a README edit beside it: still a rollback
    assert c.reverts == lowered and c.rules_applied == [] and c.rules == ["AUD001"]


def test_undoing_a_rollback_is_no_rollback(tmp_path):
    """A lowers effort (never audited), B rolls it back, C puts A back: C exactly
    inverts B, so it says so, but it redoes an unaudited change and no `revert = true`
    rule lets it through, in the range or pushed alone."""
    repo = RepoBuilder(tmp_path / "r", ROLLBACK)
    start = repo.start({"models/haiku-4.5.toml": OPUS.format("high", 15)})
    repo.commit("A", {"models/haiku-4.5.toml": OPUS.format("low", 15)})
    b = repo.commit("B", {"models/haiku-4.5.toml": OPUS.format("high", 15)})
    repo.commit("C", {"models/haiku-4.5.toml": OPUS.format("low", 15)})
    for base in (start, b):
        c = judged(repo, base, "C")
        assert c.reverts == b and "rollback" not in c.rules_applied
    assert judged(repo, start, "B").rules_applied == ["rollback"]
    assert judged(repo, start, "B").status == "reverted"  # C undid it within the range


def test_a_streamed_check_keeps_what_a_reverted_rollback_reverts(tmp_path):
    """`check` writes changes marked reverted from the per-commit store: the one that
    rolled back keeps its `reverts` there too."""
    import subprocess
    import sys

    repo = RepoBuilder(tmp_path / "r", ROLLBACK)
    start = repo.start({"models/haiku-4.5.toml": OPUS.format("high", 15)})
    lowered = repo.commit("lower", {"models/haiku-4.5.toml": OPUS.format("low", 15)})
    repo.commit("roll back", {"models/haiku-4.5.toml": OPUS.format("high", 15)})
    repo.commit("lower again", {"models/haiku-4.5.toml": OPUS.format("low", 15)})
    args = ["check", "--repo", str(repo.path), "--base", start, "--format", "json"]
    out = subprocess.run([sys.executable, "-m", "auditui", *args], capture_output=True, text=True)
    rows = {c["subject"]: c for c in json.loads(out.stdout)["changes"]}
    assert rows["roll back"]["reverts"] == lowered
    assert rows["roll back"]["status"] == "reverted"


def test_every_report_format_names_the_rules_applied(tmp_path):
    repo, base = repo_with(tmp_path)
    repo.commit("price", {"models/opus-4.7.toml": OPUS.format("high", 12)})
    repo.commit("lazier", {"models/opus-4.7.toml": OPUS.format("medium", 12)})
    report = audit(repo, base)
    assert "rules applied: metadata" in render(report, "junit")
    assert "rules: metadata" in render(report, "github")
    assert "rules: metadata" in render(report, "text")
    (result,) = json.loads(render(report, "sarif"))["runs"][0]["results"]
    assert result["properties"]["rules_applied"] == ["effort-downgrade"]
    assert result["properties"]["by_rule"] == "effort-downgrade"


ITEMS = (
    DEFAULT_POLICY
    + """
[scales]
"**.reasoning_effort" = ["high"]   # a key of that name: never the item of that name
"**[name=reasoning_effort].default" = ["minimal", "low", "medium", "high"]

[[rules]]
name      = "effort-downgrade"
keys      = ["**[name=reasoning_effort].default"]
kinds     = ["downgrade"]
approvals = 2
"""
)
# A provider catalogue's model (dify-official-plugins): settings are items of a list
# keyed by `name`.
RULED = """\
model: m
parameter_rules:
  - name: max_tokens
    default: {tokens}
  - name: reasoning_effort
    default: {effort}
    options: [minimal, low, medium, high]
"""


def test_a_scale_and_a_rule_reach_a_keyed_list_items_default(tmp_path):
    """SPEC 16: `**[name=reasoning_effort].default` is that item's default, not a
    character class, so lowering it is a downgrade and a downgrade rule fires."""
    repo = RepoBuilder(tmp_path / "r", ITEMS)
    base = repo.start({"models/m.yaml": RULED.format(tokens=8192, effort="high")})
    repo.commit("lazier", {"models/m.yaml": RULED.format(tokens=8192, effort="minimal")})
    repo.commit("shorter", {"models/m.yaml": RULED.format(tokens=4096, effort="minimal")})
    repo.commit("smarter", {"models/m.yaml": RULED.format(tokens=4096, effort="medium")})
    lazier, shorter, smarter = audit(repo, base).changes
    effort = "parameter_rules[name=reasoning_effort].default"
    assert triples(lazier) == [("m", effort, "high", "minimal", "downgrade")]
    assert lazier.rules_applied == ["effort-downgrade"]
    assert [f.rule for f in lazier.findings] == ["AUD001"]
    assert "2 approvals" in lazier.findings[0].message  # the rule's, not [approvals]' 1
    assert (triples(shorter)[0][4], shorter.rules_applied) == ("decrease", [])
    assert (triples(smarter)[0][4], smarter.rules_applied) == ("upgrade", [])


def test_a_decrease_rule_sees_a_price_written_as_a_string(tmp_path):
    """dify's prices are YAML strings ('1.00' -> '0.80'): a `kinds = ["decrease"]` rule
    fires on the cut, not on the rise nor on a currency (issue 26, item 5)."""
    policy = DEFAULT_POLICY + (
        '\n[[rules]]\nname = "price-cut"\nkeys = ["pricing.*"]\nkinds = ["decrease"]\n'
        "approvals = 0\nsuites = []\n"
    )
    repo = RepoBuilder(tmp_path / "r", policy)
    price = "pricing:\n  input: '{}'\n  currency: {}\n"
    repo.start({"models/a.yaml": price.format("1.00", "USD")})
    base = repo.head()
    repo.commit("cut", {"models/a.yaml": price.format("0.80", "USD")})
    repo.commit("rise", {"models/a.yaml": price.format("0.90", "USD")})
    repo.commit("currency", {"models/a.yaml": price.format("0.90", "EUR")})
    got = {c.commit.subject: (c.status, c.rules_applied) for c in audit(repo, base).changes}
    assert got == {
        "cut": ("pass", ["price-cut"]),
        "rise": ("blocked", []),
        "currency": ("blocked", []),
    }


def test_a_prompt_named_with_a_hash_is_matched_and_located_by_its_whole_name(tmp_path):
    """`#` may be part of a file name: only `#limits` after it names a prompt's limits,
    so a rule on `prompt:prompts/*.md` still reaches `prompts/a#b.md` (a name chosen to
    slip past a rule would otherwise do so) and SARIF points at that file."""
    policy = (
        DEFAULT_POLICY
        + """
[[rules]]
name      = "prompts"
keys      = ["prompt:prompts/*.md"]
approvals = 2
suites    = []
"""
    )
    repo = RepoBuilder(tmp_path / "r", policy)
    repo.start(
        {
            "models/opus.toml": 'system_prompt = "prompts/a#b.md"\n',
            "prompts/a#b.md": "You are terse. Keep replies to <=50 words.\n",
        }
    )
    base = repo.head()
    repo.commit("looser", {"prompts/a#b.md": "You are terse. Keep replies to <=80 words.\n"})
    (change,) = audit(repo, base).changes
    assert {d.path for d in change.deltas} == {
        "prompt:prompts/a#b.md",
        "prompt:prompts/a#b.md#limits",
    }
    assert change.rules_applied == ["prompts"]
    sarif = json.loads(render(audit(repo, base), "sarif"))
    (result,) = sarif["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert location == "prompts/a%23b.md"  # a URI: `#` would start its fragment
