"""record_findings(): one change plus its record -> findings (SPEC sections 4 and 7)."""

from __future__ import annotations

import datetime as dt

import pytest

from auditui.core.audit.checks import RULES, Finding, record_findings
from auditui.core.evidence.records import Approval, EvalResult, Record
from auditui.core.policy.model import Approvals, Evals, Policy

FP = "sha256:9f2c" + "0" * 60
SHORT = "9f2c000000000000"
FILE = f"audit/{SHORT}.toml"
AUTHOR = "alice@example.com"


def at(hour: int) -> dt.datetime:
    return dt.datetime(2026, 3, 4, hour, tzinfo=dt.UTC)


def ev(model: str, baseline: float = 70.0, candidate: float = 70.0, suite: str = "coding"):
    return EvalResult(model, suite, baseline, candidate, at=at(1))


def ok(by: str = "bob@example.com", hour: int = 2) -> Approval:
    return Approval(by, "approve", at(hour))


def no(by: str = "bob@example.com", hour: int = 2, comment: str | None = None) -> Approval:
    return Approval(by, "reject", at(hour), comment)


def policy(**approvals) -> Policy:
    evals = {k: approvals.pop(k) for k in ("required_suites", "max_regression") if k in approvals}
    return Policy(evals=Evals(**evals), approvals=Approvals(**approvals))


def run(
    record: Record | None,
    *,
    models=("a",),
    pol: Policy | None = None,
    author: str = AUTHOR,
    needs_evals: bool = True,
    needs_extra_approval: bool = False,
    fingerprint: str = FP,
    record_error: str | None = None,
) -> list[Finding]:
    return record_findings(
        fingerprint=fingerprint,
        models=list(models),
        author=author,
        needs_evals=needs_evals,
        needs_extra_approval=needs_extra_approval,
        record_file=FILE,
        record=record,
        record_error=record_error,
        policy=pol or Policy(),
    )


def rec(evals=(), approvals=(), fingerprint: str = FP) -> Record:
    return Record(FILE, fingerprint, evals=tuple(evals), approvals=tuple(approvals))


def rules(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


def test_complete_record_passes():
    assert run(rec([ev("a"), ev("b")], [ok()]), models=["a", "b"]) == []


def test_rule_table_covers_every_spec_rule():
    assert sorted(RULES) == [f"AUD{n:03d}" for n in range(1, 15)]


# -- AUD001 / AUD009 / AUD011 --------------------------------------------------------------


def test_no_record_is_aud001_only():
    (finding,) = run(None)
    assert finding.rule == "AUD001"
    assert FILE in finding.message
    assert f"auditui approve {SHORT}" in finding.message
    assert f"auditui eval add {SHORT}" in finding.message
    assert finding.as_json() == {"rule": "AUD001", "model": None, "message": finding.message}


def test_unreadable_record_is_aud009_naming_the_file():
    (finding,) = run(None, record_error="invalid TOML: oops (at line 1, column 3)")
    assert finding.rule == "AUD009"
    assert finding.file == FILE
    assert finding.message == f"{FILE}: invalid TOML: oops (at line 1, column 3)"


def test_fingerprint_mismatch_is_aud011_only():
    other = "sha256:" + "1" * 64
    findings = run(rec([], [no()], fingerprint=other))  # would otherwise give AUD002/4/8
    (finding,) = findings
    assert finding.rule == "AUD011"
    assert other in finding.message and FP in finding.message
    assert finding.file == FILE


# -- AUD002 -------------------------------------------------------------------------------


def test_missing_eval_per_model_per_required_suite():
    pol = policy(required_suites=("coding", "chat"))
    findings = run(
        rec([ev("a", suite="coding"), ev("b", suite="chat")], [ok()]), models=["a", "b"], pol=pol
    )
    missing = [(f.model, f.message.split("'")[1]) for f in findings if f.rule == "AUD002"]
    assert missing == [("a", "chat"), ("b", "coding")]
    assert rules(findings) == ["AUD002", "AUD002"]
    assert "--model a --suite chat" in findings[0].message
    assert SHORT in findings[0].message


def test_eval_on_another_suite_or_model_does_not_count():
    findings = run(rec([ev("b"), ev("a", suite="chat")], [ok()]), models=["a"])
    assert rules(findings) == ["AUD002"]
    assert findings[0].model == "a"


def test_no_required_suites_needs_no_evals():
    assert run(rec([], [ok()]), pol=policy(required_suites=())) == []


def test_changes_that_need_no_evals_get_no_aud002():
    assert run(rec([], [ok()]), needs_evals=False) == []


def test_no_affected_models_needs_no_evals():
    assert run(rec([], [ok()]), models=[]) == []


def test_empty_record_yields_aud002_and_aud004():
    assert rules(run(rec(), models=["a", "b"])) == ["AUD002", "AUD002", "AUD004"]


# -- AUD003 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "candidate", "limit", "blocked"),
    [
        (72.4, 69.4, 1.0, True),  # the incident's 3-point drop
        (72.4, 71.5, 1.0, False),
        (72.4, 71.4, 1.0, False),  # exactly at the limit is not a regression finding
        (72.4, 71.39, 1.0, True),
        (10.3, 7.3, 3.0, False),  # 10.3 - 7.3 > 3.0 in floats, but equal in points
        (1.1, 0.1, 1.0, False),
        (64.3, 63.3, 1.0, False),
        (50.0, 49.0, 1.0, False),
        (50.0, 48.999, 1.0, True),
        (50.0, 60.0, 1.0, False),  # an improvement
        (50.0, 50.0, 0.0, False),
        (50.0, 49.99, 0.0, True),  # max_regression 0: any drop blocks
        (50.0, 0.0, float("inf"), False),
    ],
)
def test_regression_threshold(baseline, candidate, limit, blocked):
    findings = run(rec([ev("a", baseline, candidate)], [ok()]), pol=policy(max_regression=limit))
    assert rules(findings) == (["AUD003"] if blocked else [])
    if blocked:
        assert findings[0].model == "a"
        assert "'coding'" in findings[0].message


def test_regression_message_gives_the_numbers():
    (finding,) = run(rec([ev("opus-4.6", 72.4, 69.4)], [ok()]), models=["opus-4.6"])
    assert finding.rule == "AUD003"
    assert finding.message == (
        "opus-4.6 regresses 3 points on 'coding' (72.4 -> 69.4), more than the 1 allowed"
    )


def test_only_the_latest_eval_counts_for_regression():
    evals = [
        EvalResult("a", "coding", 70.0, 60.0, at=at(1)),
        EvalResult("a", "coding", 70.0, 69.5, at=at(3)),  # re-run after a fix
    ]
    assert run(rec(evals, [ok()])) == []
    assert run(rec(evals[::-1], [ok()])) == []  # file order does not matter
    newer_bad = [evals[1], EvalResult("a", "coding", 70.0, 60.0, at=at(5))]
    assert rules(run(rec(newer_bad, [ok()]))) == ["AUD003"]


def test_regression_on_any_recorded_eval_blocks_even_outside_required_suites():
    findings = run(rec([ev("a"), ev("a", 80, 70, suite="chat"), ev("z", 80, 70)], [ok()]))
    assert [(f.rule, f.model) for f in findings] == [("AUD003", "a"), ("AUD003", "z")]


def test_regression_blocks_policy_changes_too():
    assert rules(run(rec([ev("a", 80, 70)], [ok()]), needs_evals=False)) == ["AUD003"]


# -- approvals: AUD004 / AUD005 / AUD006 / AUD008 ------------------------------------------


def test_too_few_approvals():
    findings = run(rec([ev("a")], [ok("bob@x")]), pol=policy(required=2))
    (finding,) = findings
    assert finding.rule == "AUD004"
    assert finding.message.startswith("1 of 2 required approvals")
    assert f"auditui approve {SHORT}" in finding.message


def test_two_distinct_approvers_satisfy_two_required():
    assert run(rec([ev("a")], [ok("bob@x"), ok("carol@x")]), pol=policy(required=2)) == []


def test_same_person_twice_counts_once():
    approvals = [ok("bob@x", 2), ok("BOB@x", 3)]
    assert rules(run(rec([ev("a")], approvals), pol=policy(required=2))) == ["AUD004"]


def test_required_zero_needs_no_approval():
    assert run(rec([ev("a")]), pol=policy(required=0)) == []


def test_no_approvals_singular_message():
    (finding,) = run(rec([ev("a")]))
    assert finding.message.startswith("0 of 1 required approval;")


@pytest.mark.parametrize("required", [0, 1])
def test_policy_change_needs_at_least_one_approval(required):
    findings = run(
        rec(), needs_evals=False, needs_extra_approval=True, pol=policy(required=required)
    )
    (finding,) = findings
    assert finding.rule == "AUD004"
    assert finding.message.startswith("0 of 1 required approval")
    ok_findings = run(
        rec([], [ok()]), needs_evals=False, needs_extra_approval=True, pol=policy(required=required)
    )
    assert ok_findings == []


def test_policy_change_with_higher_required_uses_it():
    findings = run(
        rec([], [ok("b@x")]), needs_evals=False, needs_extra_approval=True, pol=policy(required=3)
    )
    assert rules(findings) == ["AUD004"]
    assert findings[0].message.startswith("1 of 3")


@pytest.mark.parametrize("approver", [AUTHOR, "Alice@Example.COM", "ALICE@EXAMPLE.COM"])
def test_self_approval_is_refused_case_insensitively(approver):
    findings = run(rec([ev("a")], [ok(approver)]), author="alice@example.com")
    assert rules(findings) == ["AUD005", "AUD004"]
    assert approver in findings[0].message


def test_self_approval_refused_for_a_mixed_case_author_too():
    findings = run(rec([ev("a")], [ok("alice@example.com")]), author="Alice@Example.com")
    assert rules(findings) == ["AUD005", "AUD004"]


def test_self_approval_plus_an_independent_one_still_reports_aud005():
    findings = run(rec([ev("a")], [ok(AUTHOR), ok("bob@x")]))
    assert rules(findings) == ["AUD005"]  # bob's approval meets `required`; alice's is flagged


def test_allow_self_approval_counts_the_author():
    pol = policy(allow_self_approval=True)
    assert run(rec([ev("a")], [ok(AUTHOR)]), pol=pol) == []
    pol2 = policy(allow_self_approval=True, required=2)
    assert rules(run(rec([ev("a")], [ok(AUTHOR)]), pol=pol2)) == ["AUD004"]
    assert run(rec([ev("a")], [ok(AUTHOR), ok("bob@x")]), pol=pol2) == []


def test_approver_not_in_approvers():
    pol = policy(approvers=("Bob@Example.com", "carol@example.com"))
    findings = run(rec([ev("a")], [ok("mallory@example.com")]), pol=pol)
    assert rules(findings) == ["AUD006", "AUD004"]
    assert "mallory@example.com" in findings[0].message
    assert run(rec([ev("a")], [ok("bob@example.com")]), pol=pol) == []  # case-insensitive
    assert run(rec([ev("a")], [ok("CAROL@example.com")]), pol=pol) == []


def test_author_listed_in_approvers_still_cannot_self_approve():
    pol = policy(approvers=(AUTHOR, "bob@x"))
    assert rules(run(rec([ev("a")], [ok(AUTHOR)]), pol=pol)) == ["AUD005", "AUD004"]


def test_allowed_self_approval_must_still_be_in_approvers():
    pol = policy(approvers=("bob@x",), allow_self_approval=True)
    assert rules(run(rec([ev("a")], [ok(AUTHOR)]), pol=pol)) == ["AUD006", "AUD004"]


def test_reject_blocks_even_with_enough_approvals():
    findings = run(rec([ev("a")], [ok("bob@x"), no("carol@x", comment="cache regression")]))
    assert rules(findings) == ["AUD008"]
    assert findings[0].message == "rejected by carol@x: cache regression"


def test_reject_without_comment():
    findings = run(rec([ev("a")], [no("carol@x")]))
    assert rules(findings) == ["AUD008", "AUD004"]
    assert findings[0].message == "rejected by carol@x"


def test_later_approve_withdraws_a_reject():
    approvals = [no("bob@example.com", hour=2), ok("Bob@Example.com", hour=3)]
    assert run(rec([ev("a")], approvals)) == []


def test_later_reject_replaces_an_approve():
    approvals = [ok("bob@x", hour=2), no("bob@x", hour=3)]
    assert rules(run(rec([ev("a")], approvals))) == ["AUD008", "AUD004"]


def test_reject_withdrawn_by_time_not_by_order_in_the_file():
    approvals = [ok("bob@x", hour=3), no("bob@x", hour=2)]  # the approve is newer
    assert run(rec([ev("a")], approvals)) == []


def test_findings_accumulate_across_rules():
    pol = policy(required=2, approvers=("bob@x", "carol@x"))
    findings = run(
        rec(
            [ev("a", 80, 70)],
            [ok(AUTHOR), ok("mallory@x"), no("carol@x")],
        ),
        models=["a", "b"],
        pol=pol,
    )
    assert sorted(rules(findings)) == ["AUD002", "AUD003", "AUD004", "AUD005", "AUD006", "AUD008"]
    by_rule = {f.rule: f for f in findings}
    assert by_rule["AUD002"].model == "b"
    assert by_rule["AUD003"].model == "a"
    assert by_rule["AUD004"].message.startswith("0 of 2")


def test_findings_are_deterministic():
    record = rec([ev("b", 80, 70), ev("a", 80, 70)], [no("z@x"), no("y@x")])
    first = run(record, models=["b", "a"])
    assert first == run(record, models=["b", "a"])
    assert [f.model for f in first if f.rule == "AUD003"] == ["a", "b"]
    assert [f.message for f in first if f.rule == "AUD008"] == [
        "rejected by y@x",
        "rejected by z@x",
    ]
