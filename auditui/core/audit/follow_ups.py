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

Entries are never dropped: an override the record at the base of the range holds
counts though the head's record lost it (or the whole record), so deleting a record
never clears what its change owes; such a change is judged at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from auditui.core.audit.checks import record_findings
from auditui.core.audit.context import AuditContext
from auditui.core.audit.override import overrides_of, settle
from auditui.core.audit.records_view import RecordsAtHead, check_change, signature_check
from auditui.core.audit.report import Change, Overridden
from auditui.core.base.errors import AuditError
from auditui.core.evidence.records import Record, record_name
from auditui.core.git.log import CommitInfo

if TYPE_CHECKING:  # run.py imports this module
    from auditui.core.audit.run import AuditRun


def overdue_outside(run: AuditRun, judged: set[str]) -> Iterator[Change]:
    """The changes not in `judged` (fingerprints) whose override is past its follow-up
    and that still owe evidence: each blocked, AUD014 first. An override the base's
    record holds counts though the head's lost it (entries are never dropped): that
    change is judged at once, and blocks on what it owes."""
    ctx, records = run.ctx, run.records
    if not ctx.policy.override.allowed:
        return
    folder = ctx.policy.layout.records
    head = ctx.repo.resolve(ctx.head)
    holding = ctx.repo.files_holding([head, *filter(None, [ctx.base])], "override", folder)
    heads = set(records.holding(holding[head]))
    at_base, bases = None, set()
    if ctx.base is not None:
        at_base = RecordsAtHead(ctx.repo, ctx.base, folder, records.loader)
        at_base.signers = records.signers
        bases = set(at_base.holding(holding[ctx.base]))
    for path in sorted(heads | bases):
        now = _overridden(run, records, path, judged) if path in heads else None
        found = now or (_overridden(run, at_base, path, judged) if at_base else None)
        if found is None:
            continue
        record, override = found
        due = records.head_time is not None and records.head_time >= override.due
        if now is not None and not due:
            continue  # not due yet: nothing to say before it is
        change = _found(run, record) or _on_record(run, record, path)
        if change.status == "blocked":
            change.outside_range = True
            yield change


def _overridden(
    run: AuditRun, records: RecordsAtHead, path: str, judged: set[str]
) -> tuple[Record, Overridden] | None:
    """The record at `path` and its override that counts, for a change not in `judged`."""
    policy = run.ctx.policy
    record, _error = records.get(path)
    if record is None or record.fingerprint in judged or not record.overrides():
        return None
    if path != f"{policy.layout.records}/{record_name(record.fingerprint)}":
        return None  # a record under another name is no change's (AUD011 where judged)
    check = signature_check(record.fingerprint, records, policy)
    clock = records.clock_for(record)
    override, _who, _refused = overrides_of(record, record.fingerprint, policy, check, clock)
    return None if override is None else (record, override)


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
    clock = records.clock_for(record)
    override, overriders, _refused = overrides_of(record, record.fingerprint, policy, check, clock)
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
