"""The policy checks: a change plus its record -> findings (docs/reports.md, "Rules
and exit codes").

Each finding carries the rule id scripts key on and a message that says what
would satisfy the rule, so a blocked push tells its author what to do next.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from auditui.core.audit.requirements import Needs, owners_of
from auditui.core.base.wording import plural
from auditui.core.evidence.evalstats import lower_bound
from auditui.core.evidence.records import Approval, EvalResult, Record, person
from auditui.core.policy.model import Evals, Policy

RULES = {
    "AUD001": "change has no audit record",
    "AUD002": "affected model lacks an eval on a required suite",
    "AUD003": "eval regresses by more than max_regression",
    "AUD004": "fewer valid approvals than required",
    "AUD005": "approval by the change's author",
    "AUD006": "approver not in the allowed approvers",
    "AUD007": "signature missing or not verified",
    "AUD008": "a reviewer rejected the change",
    "AUD009": "file cannot be parsed or is invalid",
    "AUD010": "rollout skips a stage or soak too short",
    "AUD011": "record names a different fingerprint",
    "AUD012": "eval cannot show what the policy asks (no error bars, too few samples)",
    "AUD013": "an affected model lacks an approval from one of its owners",
    "AUD014": "an overridden change's evidence is past its follow-up deadline",
}


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str
    model: str | None = None
    file: str | None = None  # repository path the finding is about, where there is one
    by_rule: str | None = None  # the [[rules]] entry that asked for what is missing

    def as_json(self) -> dict:
        out = {"rule": self.rule, "model": self.model, "message": self.message}
        if self.by_rule is not None:
            out["by_rule"] = self.by_rule
        return out


def _fmt(x: float) -> str:
    return f"{x:g}"


def record_findings(
    *,
    fingerprint: str,
    models: list[str],
    author: str,
    needs_evals: bool = True,
    needs_extra_approval: bool = False,
    record_file: str,
    record: Record | None,
    record_error: str | None,
    policy: Policy,
    check_signature: Callable[[Approval], str | None] | None = None,
    needs: Needs | None = None,
    overriders: frozenset[str] | set[str] = frozenset(),
) -> list[Finding]:
    """Findings from the change's record; invalid-file findings are added by the caller.
    `needs`: what the change needs (see requirements); without it, the policy's defaults.
    `overriders`: people who overrode the change; their approvals do not follow it up."""
    short = fingerprint.removeprefix("sha256:")[:16]
    if needs is None:
        required = policy.evals.required_suites if needs_evals else ()
        needs = Needs(
            max(policy.approvals.required, 1)
            if needs_extra_approval
            else policy.approvals.required,
            suites={m: dict.fromkeys(required) for m in models},
        )
    if record_error is not None:
        return [Finding("AUD009", f"{record_file}: {record_error}", file=record_file)]
    if record is None and needs.nothing:
        return []  # every delta matched rules asking for nothing: no record needed
    if record is None:
        return [_no_record(record_file, short, needs)]
    if record.fingerprint != fingerprint:
        return [
            Finding(
                "AUD011",
                f"{record_file} names {record.fingerprint} but this change is {fingerprint}: "
                "the change was edited after it was audited; audit the new content",
                file=record_file,
            )
        ]
    findings: list[Finding] = []
    evals = record.latest_evals()
    for model, suites in needs.suites.items():
        for suite, rule in suites.items():
            if (model, suite) not in evals:
                findings.append(
                    Finding(
                        "AUD002",
                        f"{model} has no eval on suite '{suite}'{_asked(rule)}; run it and "
                        f"`auditui eval add {short} --model {model} --suite {suite} "
                        "--baseline X --candidate Y`",
                        model,
                        by_rule=rule,
                    )
                )
    for (model, suite), ev in sorted(evals.items()):
        findings += _eval_findings(model, suite, ev, policy.evals)
    rules = policy.approvals
    needed = needs.approvals
    allowed = {person(a) for a in rules.approvers}
    valid, approvers, own_override = 0, set(), []
    for who, ap in sorted(record.verdicts().items()):
        if ap.verdict == "withdraw":
            # No vote at all (docs/records.md, "How entries are read"). Signed where
            # approvals must be: a forged withdrawal would otherwise clear someone
            # else's rejection.
            problem = _unsigned(ap, rules.require_signatures, check_signature)
            if problem is not None:
                findings.append(Finding("AUD007", f"withdrawal by {ap.by} {problem}"))
            continue
        if ap.verdict == "reject":
            note = f": {ap.comment}" if ap.comment else ""
            findings.append(Finding("AUD008", f"rejected by {ap.by}{note}"))
            continue
        if ap.verdict == "approve" and who in overriders:
            own_override.append(ap.by)
            continue
        if who == person(author) and not rules.allow_self_approval:
            findings.append(
                Finding("AUD005", f"approved by its own author {ap.by}; self-approval is off")
            )
            continue
        if allowed and who not in allowed:
            findings.append(
                Finding("AUD006", f"{ap.by} is not an allowed approver ([approvals] approvers)")
            )
            continue
        if rules.require_signatures:
            problem = _unsigned(ap, True, check_signature)
            if problem is not None:
                findings.append(
                    Finding(
                        "AUD007",
                        f"approval by {ap.by} {problem}; sign it with "
                        f"`auditui approve {short} --sign KEY`",
                    )
                )
                continue
        valid += 1
        approvers.add(who)
    if valid < needed:
        own = f" ({', '.join(own_override)} overrode it: not theirs to follow up)"
        findings.append(
            Finding(
                "AUD004",
                f"{valid} of {plural(needed, 'required approval')}{_asked(needs.approvals_by)}"
                f"{own if own_override else ''}; ask a reviewer to run `auditui approve {short}`",
                by_rule=needs.approvals_by,
            )
        )
    for model, rule in sorted(needs.owners.items()):
        owners = owners_of(model, policy)
        if not owners:
            findings.append(
                Finding(
                    "AUD013",
                    f"{model} has no owner in [owners]{_asked(rule)}; name one there",
                    model,
                    by_rule=rule,
                )
            )
        elif not approvers & {person(o) for o in owners}:
            findings.append(
                Finding(
                    "AUD013",
                    f"{model} needs an approval from one of its "
                    f"owners ({', '.join(owners)}){_asked(rule)}",
                    model,
                    by_rule=rule,
                )
            )
    return findings


def _no_record(record_file: str, short: str, needs: Needs) -> Finding:
    """AUD001 saying what the record must hold: the evals (if any suite is asked),
    how many approvals and whose, and the rule asking when one rule asks it all."""
    asks, how = [], []
    if any(needs.suites.values()):
        asks.append("evals")
        how.append(f"`auditui eval add {short} ...`")
    if needs.approvals or needs.owners:
        count = max(needs.approvals, 1)
        asks.append("an approval" if count == 1 else f"{count} approvals")
        if needs.owners:
            asks[-1] += " (an owner's among them)"
        how.append(f"`auditui approve {short}`")
    rules = {rule for suites in needs.suites.values() for rule in suites.values()}
    if needs.approvals or needs.owners:
        rules |= {needs.approvals_by, *needs.owners.values()}
    by = rules.pop() if len(rules) == 1 else None
    return Finding(
        "AUD001",
        f"no audit record {record_file}; add {' and '.join(asks)}{_asked(by)} ({', '.join(how)})",
        by_rule=by,
    )


def _asked(rule: str | None) -> str:
    return f" (rule '{rule}')" if rule else ""


def _unsigned(ap, required: bool, check_signature) -> str | None:
    """Why an entry's signature does not count, when signatures are required."""
    if not required:
        return None
    if not ap.signature:
        return "is not signed"
    return check_signature(ap) if check_signature is not None else None


def regresses(ev: EvalResult, rules: Evals) -> bool:
    """Whether an eval drops more than `[evals] max_regression` allows: AUD003 in the
    check and red in every screen, one answer for both. With `confidence` the drop is
    the interval's lower bound (docs/policy.md, `[evals]`); an eval without error bars
    then shows none (AUD012 says why)."""
    drop = worst_drop(ev, rules.confidence)
    return drop is not None and _past(drop, rules.max_regression)


def worst_drop(ev: EvalResult, confidence: float | None) -> float | None:
    """The drop an eval may show, in points: `baseline - candidate`, or with
    `confidence` the negated lower bound of the delta's interval (the non-inferiority
    test); None when `confidence` is asked and the eval has no stderr or sample count."""
    if confidence is None:
        return ev.baseline - ev.candidate
    if ev.stderr is None or ev.samples is None:
        return None
    return -lower_bound(ev.delta, ev.stderr, confidence)


def _past(drop: float, limit: float) -> bool:
    """Beyond the allowance; exactly at it passes: 10.3 - 7.3 is 3.0000000000000004
    in floats."""
    return drop > limit and not math.isclose(drop, limit, rel_tol=1e-9, abs_tol=1e-9)


def _eval_findings(model: str, suite: str, ev: EvalResult, rules: Evals) -> list[Finding]:
    """One eval against `[evals]`: a plain allowance, or with `confidence` the
    non-inferiority test (see regresses)."""
    level, found = rules.confidence, []
    what = f"{model} on '{suite}' ({_fmt(ev.baseline)} -> {_fmt(ev.candidate)}, {ev.shown()})"
    if ev.config_mismatch:
        why = "; ".join(ev.config_mismatch)
        found.append(
            Finding(
                "AUD012",
                f"{what}: evaluated another config ({why}); evidence of a different config "
                "is not evidence: run it on this change's config",
                model,
            )
        )
    if rules.min_samples is not None and (ev.samples is None or ev.samples < rules.min_samples):
        n = "no sample count" if ev.samples is None else plural(ev.samples, "sample")
        found.append(Finding("AUD012", f"{what}: {n}, the policy asks {rules.min_samples}", model))
    drop = worst_drop(ev, level)
    if drop is None:
        found.append(
            Finding(
                "AUD012",
                f"{what}: no standard error or sample count to judge at {level:g} confidence; "
                "import the tool's output with `auditui eval import`",
                model,
            )
        )
    elif regresses(ev, rules):
        found.append(Finding("AUD003", _regression(model, suite, ev, drop, rules), model))
    return found


def _regression(model: str, suite: str, ev: EvalResult, drop: float, rules: Evals) -> str:
    """AUD003's message: how far the eval drops (or may drop, at `confidence`)."""
    limit, level = _fmt(rules.max_regression), rules.confidence
    if level is not None:
        what = f"{model} on '{suite}' ({_fmt(ev.baseline)} -> {_fmt(ev.candidate)}, {ev.shown()})"
        return (
            f"{what}: at {level:g} confidence it may regress "
            f"{plural(drop, 'point', f'{drop:.2f}')}, more than the {limit} allowed"
        )
    shown = f" ({ev.shown()})" if ev.stderr is not None else ""
    return (
        f"{model} regresses {plural(drop, 'point', _fmt(drop))} on '{suite}' "
        f"({_fmt(ev.baseline)} -> {_fmt(ev.candidate)}), more than the {limit} allowed{shown}"
    )
