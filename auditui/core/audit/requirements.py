"""What one change needs, from what its deltas do (docs/policy.md, `[[rules]]` and `[owners]`).

Without rules every change needs `[approvals] required` approvals and each affected
model an eval on each `[evals] required_suites`. A rule matched by a delta replaces
those for that delta (what it leaves unset stays the default); the change needs the
strictest over its deltas: the most approvals, the union of suites (per model), and
owners' approvals where any matched rule asks. A change whose deltas all match rules
asking for nothing needs nothing, not even a record.

Rules never match a policy or signers edit (see Rule.matches): those always need
`max(required, 1)` approvals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from auditui.core.policy.model import Policy


@dataclass
class Needs:
    approvals: int = 0
    approvals_by: str | None = None  # the rule that asked the most (None: [approvals])
    suites: dict[str, dict[str, str | None]] = field(default_factory=dict)  # model -> suite -> rule
    owners: dict[str, str] = field(default_factory=dict)  # model -> the rule asking its owners
    rules: list[str] = field(default_factory=list)  # every rule a delta matched

    @property
    def nothing(self) -> bool:
        return not self.approvals and not any(self.suites.values()) and not self.owners


def needs(deltas, policy: Policy, extra_approval: bool = False, is_revert: bool = False) -> Needs:
    """`extra_approval`: a policy or signers edit, which always needs one approval;
    `is_revert`: the change exactly inverts an earlier one (rules with `revert`)."""
    default_approvals = policy.approvals.required
    default_suites = policy.evals.required_suites
    if not policy.rules:  # the common case, on a catalogue's many deltas: no loop
        models = sorted({d.model for d in deltas if d.model is not None and d.kind != "invalid"})
        wanted = max(default_approvals, 1) if extra_approval else default_approvals
        return Needs(wanted, None, {m: dict.fromkeys(default_suites) for m in models})
    out = Needs()
    for d in deltas:
        if d.kind == "invalid":
            continue  # a broken file: AUD009, nothing to approve until it parses
        matched = [r for r in policy.rules if r.matches(d, is_revert)]
        asks: list[tuple[int | None, tuple[str, ...] | None, bool, str | None]]
        asks = [(r.approvals, r.suites, r.owners, r.name) for r in matched]
        if not asks:
            asks = [(None, None, False, None)]
        for approvals, suites, owners, name in asks:
            if name is not None and name not in out.rules:
                out.rules.append(name)
            wanted = default_approvals if approvals is None else approvals
            if d.model is None and extra_approval:
                wanted = max(wanted, 1)
            if wanted > out.approvals or (
                wanted == out.approvals
                and out.approvals_by is None
                and approvals is not None
                and wanted
            ):
                out.approvals, out.approvals_by = wanted, name if approvals is not None else None
            if d.model is not None:
                per_model = out.suites.setdefault(d.model, {})
                for suite in default_suites if suites is None else suites:
                    per_model.setdefault(suite, name if suites is not None else None)
                if owners and name is not None:  # (only a rule asks for owners)
                    out.owners.setdefault(d.model, name)
    order = {r.name: n for n, r in enumerate(policy.rules)}
    out.rules.sort(key=order.__getitem__)  # as the policy lists them
    return out


def owners_of(model: str, policy: Policy) -> tuple[str, ...]:
    """The emails of the last `[owners]` glob matching the model (none: no owner)."""
    found: tuple[str, ...] = ()
    for glob, emails in policy.owners:
        if fnmatchcase(model, glob):
            found = emails
    return found
