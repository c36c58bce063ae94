"""Overrides of changes outside the range a check judges (docs/blocked.md, "Shipping
during an incident"): the push that overrode a change has landed, yet its record at
the head still owes the evidence. Once the follow-up is due, every check whose head
carries that record blocks on it (AUD014) until the evidence is recorded.

Only when `[override] allowed` names someone (otherwise no override can count, and
nothing here reads a record): the records at the head are read, and for each valid
override not judged in the range the change is found again at the commit the entry
names and judged with this run's policy against the head's records. A change that
commit no longer makes (the entry edited, the history rewritten) is judged on what its
record says: the policy's default evidence for the models the record names.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from auditui.core.audit.checks import record_findings
from auditui.core.audit.context import AuditContext
from auditui.core.audit.override import overrides_of, settle
from auditui.core.audit.records_view import check_change, signature_check
from auditui.core.audit.report import Change
from auditui.core.base.errors import AuditError
from auditui.core.evidence.records import Record, record_name
from auditui.core.git.log import CommitInfo

if TYPE_CHECKING:  # run.py imports this module
    from auditui.core.audit.run import AuditRun


def overdue_outside(run: AuditRun, judged: set[str]) -> Iterator[Change]:
    """The changes not in `judged` (fingerprints) whose override at the head is past its
    follow-up and that still owe evidence: each blocked, AUD014 first."""
    ctx, records = run.ctx, run.records
    if not ctx.policy.override.allowed:
        return
    for path in sorted(records.paths()):
        if not records.may_hold_override(path):
            continue
        record, _error = records.get(path)
        if record is None or record.fingerprint in judged or not record.overrides():
            continue
        if path != f"{ctx.policy.layout.records}/{record_name(record.fingerprint)}":
            continue  # a record under another name is no change's (AUD011 where judged)
        override, _who, _refused = overrides_of(
            record,
            record.fingerprint,
            ctx.policy,
            signature_check(record.fingerprint, records, ctx.policy),
        )
        if override is None or records.head_time is None or records.head_time < override.due:
            continue  # not due yet (or no valid override): nothing to say before it is
        change = _found(run, record) or _on_record(run, record, path)
        if change.status == "blocked" and change.override is not None and change.override.overdue:
            change.outside_range = True
            yield change


def _found(run: AuditRun, record: Record) -> Change | None:
    """The change at the commit the first override names, judged anew here, if that
    commit is in the head's history and still makes this fingerprint."""
    from auditui.core.audit.run import AuditRun  # run.py imports this module

    ctx = run.ctx
    sha = next((o.commit for o in record.overrides() if o.commit), None)
    if sha is None:
        return None
    try:
        sha = ctx.repo.resolve(sha, "commit")
        parent = ctx.repo.resolve(f"{sha}^") if ctx.repo.is_ancestor(sha, ctx.head) else None
    except AuditError:
        return None
    if parent is None:
        return None
    inner = AuditContext(ctx.repo, sha, parent, ctx.policy, ctx.policy_source, anchors=False)
    change = next((c for c in AuditRun(inner).found() if c.commit.sha == sha), None)
    if change is None or change.fingerprint != record.fingerprint:
        return None
    change.status = "pass"
    check_change(change, run.records, ctx.policy)
    return change


def _on_record(run: AuditRun, record: Record, path: str) -> Change:
    """A stand-in for a change the history no longer shows: what its record says (its
    models, its summary) judged for the policy's default evidence."""
    policy, records = run.ctx.policy, run.records
    check = signature_check(record.fingerprint, records, policy)
    override, overriders, _refused = overrides_of(record, record.fingerprint, policy, check)
    sha = next((o.commit for o in record.overrides() if o.commit), None) or ""
    subject = record.summary or "(a change the history no longer shows)"
    commit = CommitInfo(sha, (), "", "", "", "", subject)
    change = Change(commit, [], record.fingerprint, path, record=record, override=override)
    change.findings = record_findings(
        fingerprint=record.fingerprint,
        models=list(record.models),
        author="",
        record_file=path,
        record=record,
        record_error=None,
        policy=policy,
        check_signature=check,
        overriders=overriders,
    )
    settle(change, records.head_time)
    return change
