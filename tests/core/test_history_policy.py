"""Which policy judges a range, adoption exemptions, policy and signers edits, and
every rule id arising end to end (SPEC sections 2, 4, 5 and 7)."""

from __future__ import annotations

import datetime as dt

from auditui.core.audit.run import run_audit
from auditui.core.evidence.records import append_entries, record_name
from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit


def record(repo, change, *, evals=(), approvals=(), folder="audit"):
    append_entries(
        repo.path,
        f"{folder}/{record_name(change.fingerprint)}",
        change.fingerprint,
        evals=list(evals),
        approvals=list(approvals),
    )


def ev(model, baseline=70.0, candidate=70.0, suite="coding"):
    return {"model": model, "suite": suite, "baseline": baseline, "candidate": candidate}


def ap(by, verdict="approve", at="2026-03-10T00:00:00Z", **kw):
    return {"by": by, "verdict": verdict, "at": at, **kw}


BOB, CAROL, ALICE = "bob@example.com", "carol@example.com", "alice@example.com"


# -- the policy in force --------------------------------------------------------


def test_a_range_that_weakens_the_policy_is_judged_by_the_base_policy(repo):
    repo.start({"models/a.toml": "t = 1\n"})
    base = repo.head()
    weak = DEFAULT_POLICY.replace('required_suites = ["coding"]', "required_suites = []")
    repo.commit("weaken policy", {".auditui.toml": weak})
    repo.commit("change a", {"models/a.toml": "t = 2\n"})
    policy_change, model_change = audit(repo, base).changes
    # record both with approvals only: enough under the weak policy, not under the base's
    record(repo, policy_change, approvals=[ap(BOB)])
    record(repo, model_change, approvals=[ap(BOB)])
    repo.commit("records", author="bob")

    report = audit(repo, base)
    assert report.policy_source == "base"
    policy_change, model_change = report.changes
    assert [(d.model, d.path, d.old, d.new, d.kind) for d in policy_change.deltas] == [
        (None, "policy:evals.required_suites", ["coding"], [], "changed")
    ]
    assert policy_change.models == []
    assert policy_change.status == "pass", policy_change.findings  # approval, no evals needed
    assert model_change.status == "blocked"
    assert model_change.rules == ["AUD002"]

    # Once the weak policy is the base, it is the one in force.
    (judged_by_weak,) = audit(repo, policy_change.commit.sha).changes
    assert judged_by_weak.commit.sha == model_change.commit.sha
    assert judged_by_weak.status == "pass", judged_by_weak.findings


def test_a_policy_edit_needs_an_approval_even_when_required_is_zero(tmp_path):
    lax = DEFAULT_POLICY.replace("required = 1", "required = 0")
    r = RepoBuilder(tmp_path / "r", policy=lax)
    r.start({"models/a.toml": "t = 1\n"})
    base = r.head()
    r.commit("model", {"models/a.toml": "t = 2\n"})
    r.commit("policy", {".auditui.toml": lax.replace("max_regression = 1.0", "max_regression = 5")})
    model, policy = audit(r, base).changes
    record(r, model, evals=[ev("a")])
    record(r, policy)
    r.commit("records")
    model, policy = audit(r, base).changes
    assert model.status == "pass", model.findings
    assert [(d.path, d.old, d.new, d.kind) for d in policy.deltas] == [
        ("policy:evals.max_regression", 1.0, 5, "increase")
    ]
    assert policy.rules == ["AUD004"]
    assert "0 of 1 required approval" in policy.findings[0].message


def test_policy_edits_that_add_and_remove_keys(repo):
    repo.start({"models/a.toml": "t = 1\n"})
    base = repo.head()
    stricter = DEFAULT_POLICY + 'approvers = ["bob@example.com"]\n'
    repo.commit("add approvers", {".auditui.toml": stricter})
    repo.commit("reformat only", {".auditui.toml": "# comment\n" + stricter})
    no_evals = stricter.replace(
        '[evals]\nrequired_suites = ["coding"]\nmax_regression = 1.0\n\n', ""
    )
    repo.commit("remove evals section", {".auditui.toml": no_evals})
    added, removed = audit(repo, base).changes
    assert [(d.path, d.old, d.new, d.kind) for d in added.deltas] == [
        ("policy:approvals.approvers", None, [BOB], "added")
    ]
    # reformatting the policy (a comment) changes nothing, like any file (SPEC 2)
    assert sorted((d.path, d.kind) for d in removed.deltas) == [
        ("policy:evals.max_regression", "removed"),
        ("policy:evals.required_suites", "removed"),
    ]


def test_an_invalid_policy_edit_is_aud009(repo):
    repo.start({"models/a.toml": "t = 1\n"})
    base = repo.head()
    repo.commit("typo", {".auditui.toml": DEFAULT_POLICY + "[aprovals]\nrequired = 0\n"})
    (change,) = audit(repo, base).changes
    assert [(d.path, d.kind) for d in change.deltas] == [("file:.auditui.toml", "invalid")]
    assert change.rules == ["AUD009"]
    assert "aprovals" in change.findings[0].message


def test_adoption_and_everything_before_it_is_exempt(tmp_path):
    r = RepoBuilder(tmp_path / "r", policy=None)
    r.commit("first model", {"models/a.toml": "t = 1\n"})
    r.commit("second", {"models/a.toml": "t = 2\n"})
    r.commit("adopt", {".auditui.toml": DEFAULT_POLICY, "models/a.toml": "t = 3\n"})
    r.commit("after adoption", {"models/a.toml": "t = 4\n"})
    r.commit("only the policy", {".auditui.toml": DEFAULT_POLICY + "\n[watch]\nkeys = ['*']\n"})
    report = audit(r)
    assert report.base is None
    assert report.policy_source == "head"
    assert [(c.commit.subject, c.status) for c in report.changes] == [
        ("first model", "exempt"),
        ("second", "exempt"),
        ("adopt", "exempt"),
        ("after adoption", "blocked"),
        ("only the policy", "blocked"),
    ]
    assert all(c.findings == [] for c in report.changes[:3])
    assert report.changes[3].rules == ["AUD001"]
    assert report.changes[4].deltas[0].path == "policy:watch.keys"

    # A range starting before adoption uses the head's policy and still exempts.
    from_first = audit(r, r.git("rev-parse", "HEAD~4"))
    assert from_first.policy_source == "head"
    assert [c.status for c in from_first.changes] == ["exempt", "exempt", "blocked", "blocked"]


def test_policy_file_option_never_exempts(tmp_path):
    r = RepoBuilder(tmp_path / "r", policy=None)
    r.commit("first model", {"models/a.toml": "t = 1\n"})
    r.commit("second", {"models/a.toml": "t = 2\n"})
    outside = tmp_path / "trial.toml"
    outside.write_text(DEFAULT_POLICY.replace("required = 1", "required = 2"))
    report = audit(r, policy_file=outside)
    assert report.policy_source == str(outside)
    assert [c.status for c in report.changes] == ["blocked", "blocked"]
    assert all(c.rules == ["AUD001"] for c in report.changes)

    first, second = report.changes
    record(r, second, evals=[ev("a")], approvals=[ap(BOB)])
    r.commit("record")
    second = audit(r, policy_file=outside).changes[1]
    assert second.rules == ["AUD004"]  # judged by the trial policy: two approvals needed
    assert "1 of 2" in second.findings[0].message


def test_policy_file_option_overrides_the_base_policy(repo, tmp_path):
    repo.start({"models/a.toml": "t = 1\n"})
    base = repo.head()
    repo.commit("edit", {"models/a.toml": "t = 2\n"})
    (change,) = audit(repo, base).changes
    record(repo, change, approvals=[ap(BOB)])
    repo.commit("record")
    assert audit(repo, base).changes[0].rules == ["AUD002"]
    trial = tmp_path / "trial.toml"
    trial.write_text(DEFAULT_POLICY.replace('["coding"]', "[]"))
    assert audit(repo, base, policy_file=trial).changes[0].status == "pass"


def test_signers_file_edits_are_signers_deltas(repo):
    repo.start({"models/a.toml": "t = 1\n"})
    base = repo.head()
    key = "bob@example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample\n"
    repo.commit("add signers", {"allowed_signers": key})
    first = repo.git("rev-parse", "HEAD:allowed_signers")
    repo.commit("edit signers", {"allowed_signers": key + key.replace("bob", "carol")})
    second = repo.git("rev-parse", "HEAD:allowed_signers")
    added, changed = audit(repo, base).changes
    assert [(d.model, d.path, d.old, d.new, d.kind) for d in added.deltas] == [
        (None, "signers", None, first, "added")
    ]
    assert [(d.old, d.new, d.kind) for d in changed.deltas] == [(first, second, "changed")]
    assert all(c.rules == ["AUD001"] for c in (added, changed))

    record(repo, changed, approvals=[ap(CAROL)])
    repo.commit("record")
    assert audit(repo, base).changes[1].status == "pass"

    repo.commit("remove signers", {"allowed_signers": None})
    added, changed, removed = audit(repo, base).changes
    assert [(d.old, d.new, d.kind) for d in removed.deltas] == [(second, None, "removed")]
    # Added and removed within the range: the head carries none of it (SPEC 11).
    assert [c.status for c in (added, changed, removed)] == ["reverted"] * 3


def test_signers_path_from_policy(tmp_path):
    policy = DEFAULT_POLICY + 'allowed_signers = ".github/signers"\n'
    r = RepoBuilder(tmp_path / "r", policy=policy)
    r.start({"models/a.toml": "t = 1\n"})
    base = r.head()
    r.commit("default name is just a file now", {"allowed_signers": "x\n"})
    r.commit("configured signers", {".github/signers": "x\n"})
    (change,) = audit(r, base).changes
    assert change.commit.subject == "configured signers"
    assert [d.path for d in change.deltas] == ["signers"]


# -- every rule id, end to end -----------------------------------------------------

RULES_POLICY = DEFAULT_POLICY.replace(
    "required = 1\n", 'required = 1\napprovers = ["bob@example.com", "alice@example.com"]\n'
)


def test_every_rule_id_arises(tmp_path):
    r = RepoBuilder(tmp_path / "r", policy=RULES_POLICY)
    r.start({"models/a.toml": "t = 1\n", "models/b.toml": "u = 1\n"})
    base = r.head()
    subjects = [
        "no-record",  # AUD001
        "missing-eval",  # AUD002
        "regression",  # AUD003 (and AUD004: no approval)
        "self-approved",  # AUD005
        "outsider",  # AUD006
        "rejected",  # AUD008
        "broken-record",  # AUD009 (record)
        "broken-model",  # AUD009 (model file)
        "stale-record",  # AUD011
        "good",
    ]
    for n, subject in enumerate(subjects, start=2):
        files = {"models/a.toml": f"t = {n}\n"}
        if subject == "broken-model":
            files = {"models/b.toml": "u = [\n"}  # stays broken: later commits are unaffected
        r.commit(subject, files, author="alice")
    changes = {c.commit.subject: c for c in audit(r, base).changes}
    assert list(changes) == subjects
    c = changes
    good = [ev("a")]
    record(r, c["missing-eval"], evals=[ev("a", suite="other")], approvals=[ap(BOB)])
    record(r, c["regression"], evals=[ev("a", 72.4, 69.4)])
    record(r, c["self-approved"], evals=good, approvals=[ap(ALICE)])
    record(r, c["outsider"], evals=good, approvals=[ap(CAROL)])
    record(r, c["rejected"], evals=good, approvals=[ap(BOB, "reject", comment="too risky")])
    (r.path / "audit").mkdir(exist_ok=True)
    (r.path / "audit" / record_name(c["broken-record"].fingerprint)).write_text("fingerprint = \n")
    stale = r.path / "audit" / record_name(c["stale-record"].fingerprint)
    record(r, c["stale-record"], evals=good, approvals=[ap(BOB)])
    stale.write_text(stale.read_text().replace(c["stale-record"].fingerprint, "sha256:" + "0" * 64))
    record(r, c["good"], evals=good, approvals=[ap(BOB)])
    r.commit("records", author="bob")

    report = audit(r, base)
    rules = {c.commit.subject: c.rules for c in report.changes}
    assert rules == {
        "no-record": ["AUD001"],
        "missing-eval": ["AUD002"],
        "regression": ["AUD003", "AUD004"],
        "self-approved": ["AUD004", "AUD005"],
        "outsider": ["AUD004", "AUD006"],
        "rejected": ["AUD004", "AUD008"],
        "broken-record": ["AUD009"],
        "broken-model": ["AUD009"],
        "stale-record": ["AUD011"],
        "good": [],
    }
    found = {f.rule for ch in report.changes for f in ch.findings}
    assert found >= {f"AUD00{n}" for n in (1, 2, 3, 4, 5, 6, 8, 9)} | {"AUD011"}
    by = {c.commit.subject: c for c in report.changes}
    assert [f.model for f in by["missing-eval"].findings] == ["a"]
    assert [f.model for f in by["regression"].findings if f.rule == "AUD003"] == ["a"]
    (reject,) = [f for f in by["rejected"].findings if f.rule == "AUD008"]
    assert BOB in reject.message and "too risky" in reject.message
    assert record_name(by["broken-record"].fingerprint) in by["broken-record"].findings[0].message
    assert "sha256:" + "0" * 64 in by["stale-record"].findings[0].message
    assert by["broken-model"].findings[0].file == "models/b.toml"
    assert by["good"].status == "pass"
    assert not report.ok and len(report.blocked) == 9


def test_broken_model_needs_no_record_to_be_blocked(repo):
    repo.start({"models/a.toml": "t = 1\n"})
    base = repo.head()
    repo.commit("broken", {"models/a.toml": "t = [\n"})
    (change,) = audit(repo, base).changes
    assert change.rules == ["AUD009"] and change.findings[0].file == "models/a.toml"


def test_a_withdrawn_reject_and_the_latest_verdict_wins(repo):
    repo.start({"models/a.toml": "t = 1\n"})
    base = repo.head()
    repo.commit("edit", {"models/a.toml": "t = 2\n"})
    (change,) = audit(repo, base).changes
    record(repo, change, evals=[ev("a")], approvals=[ap(BOB, "reject", at="2026-03-10T00:00:00Z")])
    repo.commit("reject")
    assert audit(repo, base).changes[0].rules == ["AUD004", "AUD008"]
    record(repo, change, approvals=[ap(BOB, at="2026-03-11T00:00:00Z")])
    repo.commit("withdraw")
    assert audit(repo, base).changes[0].status == "pass"


def test_records_are_read_from_the_head_not_from_the_change(repo):
    repo.start({"models/a.toml": "t = 1\n"})
    base = repo.head()
    repo.commit("edit", {"models/a.toml": "t = 2\n"}, date=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
    head_before = repo.head()
    (change,) = audit(repo, base).changes
    record(repo, change, evals=[ev("a")], approvals=[ap(BOB)])
    repo.commit("record")
    assert run_audit(repo.path, base=base, head=head_before, default_base=False).changes[
        0
    ].rules == ["AUD001"]
    assert audit(repo, base).changes[0].status == "pass"
