"""The records view of a run: the audit records at the head of the range (and the
allowed signers), and a change checked against its record into findings and a verdict."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from functools import cached_property, partial

from auditui.core.audit import requirements
from auditui.core.audit.checks import Finding, record_findings
from auditui.core.audit.context import AuditContext
from auditui.core.audit.override import overrides_of, settle
from auditui.core.audit.report import Change
from auditui.core.base.errors import AuditError
from auditui.core.configs.documents import DocumentError
from auditui.core.evidence import signatures
from auditui.core.evidence.recordfiles import read_record
from auditui.core.evidence.records import Approval, Record, RecordError, parse_record, person
from auditui.core.git.repo import GitRepo
from auditui.core.history.loader import Loader
from auditui.core.policy.model import Policy


class RecordsAtHead:
    """Audit records as they stand at the head of the range, parsed on demand."""

    def __init__(
        self, repo: GitRepo, head: str, folder: str, loader: Loader, worktree: bool = False
    ) -> None:
        self.folder = folder.rstrip("/")
        self.loader = loader
        self._entries = repo.list_files(head, [f"{self.folder}/*.toml"])
        self._worktree = repo.root if worktree else None
        self.signers: str | None = None  # allowed-signers text at the base
        self._repo, self._head = repo, head
        self._landed: dict[str, dt.datetime | None] = {}
        self._histories: dict[str, list[tuple[str, str | None, dt.datetime, str | None]]] = {}

    def holding(self, paths: set[str]) -> list[str]:
        """Of `paths` (files `GitRepo.files_holding` found), the record files here."""
        return sorted(paths & self._entries.keys())

    def override_landed(self, record: Record | None, policy: Policy) -> dt.datetime | None:
        """When an override of someone `[override] allowed` names first stood in this
        record, in the head's history: the committer date of the first commit whose
        version of it holds one. A deadline runs from it at the latest: an override
        re-dated (or replaced) later in the record's life buys no time. None for the
        app's working tree and for a record without overrides."""
        if self._worktree is not None or record is None or not record.overrides():
            return None
        allowed = {person(p) for p in policy.override.allowed}
        if record.path not in self._landed:
            self._landed[record.path] = next(
                (
                    when
                    for _sha, _parent, when, version in self.versions(record.path)
                    if any(person(o.by) in allowed for o in version.overrides())
                ),
                None,
            )
        return self._landed[record.path]

    def blob(self, path: str) -> str | None:
        """The blob id of the record at `path` at the head."""
        entry = self._entries.get(path)
        return entry.sha if entry else None

    def read_histories(self, paths: list[str]) -> None:
        """Read the histories of these records in one `git log` (see versions)."""
        unread = [p for p in paths if p not in self._histories]
        found = self._repo.path_versions(self._head, unread)
        for path in unread:
            self._histories[path] = found.get(path, [])

    def versions(self, path: str) -> Iterator[tuple[str, str | None, dt.datetime, Record]]:
        """Each version of the record at `path` in the head's history, oldest first,
        with the commit that wrote it, that commit's first parent and its committer
        date (merges included: a version a merge took from its other side is still the
        one first written there)."""
        self.read_histories([path])
        for sha, parent, when, blob in self._histories[path]:
            if blob is None:
                continue
            try:
                yield sha, parent, when, parse_record(path, self.loader.text(blob))
            except (RecordError, DocumentError):
                continue

    def clock_for(self, record: Record | None) -> dt.datetime | None:
        """The date no override in `record` may be later than: the head commit's, for
        records as committed (asked only of a record holding an override); none for
        the app's working tree, where an override just written is later than any
        commit."""
        if self._worktree is not None or record is None or not record.overrides():
            return None
        return self.head_time

    @cached_property
    def head_time(self) -> dt.datetime | None:
        """The head commit's committer date: the clock of override deadlines (AUD014),
        asked only once a change has an override."""
        return self._repo.committed_at(self._head)

    def get(self, path: str) -> tuple[Record | None, str | None]:
        if self._worktree is not None:
            try:
                text = read_record(self._worktree, path)
                if text is not None:
                    return parse_record(path, text), None
            except (AuditError, RecordError) as exc:
                return None, exc.message if isinstance(exc, AuditError) else str(exc)
        entry = self._entries.get(path)
        if entry is None:
            return None, None
        try:
            return parse_record(path, self.loader.text(entry.sha)), None
        except (RecordError, DocumentError) as exc:
            return None, str(exc)


def check_change(
    change: Change,
    records: RecordsAtHead,
    policy: Policy,
    is_revert: bool = False,
    landed: dt.datetime | None = None,
) -> None:
    """The change's findings and status against its record at the head. `landed`: when
    an override of it first counted, when the caller knows (follow_ups: under the policy
    it landed under); else read from the record's history for this policy."""
    findings = [
        Finding(
            "AUD009",
            f"{d.path.removeprefix('file:')}: {d.detail}",
            d.model,
            d.source or d.path.removeprefix("file:"),
        )
        for d in change.deltas
        if d.kind == "invalid"
    ]
    if findings and len(findings) == len(change.deltas):
        # Only broken files: there is no config to evaluate or approve until it parses.
        change.findings, change.status = findings, "blocked"
        return
    record, error = records.get(change.record_file)
    extra = any(d.model is None and d.kind != "invalid" for d in change.deltas)
    needs = requirements.needs(change.deltas, policy, extra_approval=extra, is_revert=is_revert)
    change.rules_applied = needs.rules

    check_signature = signature_check(change.fingerprint, records, policy)
    override, overriders, refused = overrides_of(
        record,
        change.fingerprint,
        policy,
        check_signature,
        records.clock_for(record),
        (lambda: landed) if landed else partial(records.override_landed, record, policy),
    )
    findings += record_findings(
        fingerprint=change.fingerprint,
        models=change.models,
        author=change.commit.author_email,
        needs=needs,
        record_file=change.record_file,
        record=record,
        record_error=error,
        policy=policy,
        check_signature=check_signature,
        overriders=overriders,
    )
    change.record = record
    change.findings, change.override = findings, override
    settle(change, records, refused)


def signature_check(
    fingerprint: str, records: RecordsAtHead, policy: Policy
) -> Callable[[Approval], str | None]:
    """Why an entry's signature does not verify for the change `fingerprint` names
    (None: it does), with the allowed signers the run read at the base."""

    def check(approval: Approval) -> str | None:
        if records.signers is None:
            return f"cannot be verified: no {policy.approvals.allowed_signers} at the base"
        data = signatures.payload(
            fingerprint, approval.verdict, approval.by, approval.at, approval.reason
        )
        problem = signatures.verify(approval.signature or "", data, approval.by, records.signers)
        return None if problem is None else f"has a signature that does not verify ({problem})"

    return check


def allowed_signers(ctx: AuditContext, loader: Loader) -> tuple[str | None, str | None]:
    """The allowed-signers text a run checks signatures with, and where it came from
    (the file given, "base" or "head"); (None, None) unless signatures are required."""
    repo, policy = ctx.repo, ctx.policy
    if policy.approvals.require_signatures and ctx.signers_file:
        return read_signers(ctx.signers_file), ctx.signers_file
    if policy.approvals.require_signatures:
        # Keys come from the base, never from the range being judged (docs/policy.md); with
        # no base the head's keys judge, which the report says (pin them to close that).
        where = ctx.policy_at or ctx.base or ctx.head
        entry = repo.lookup(where, policy.approvals.allowed_signers)
        text = loader.text(entry.sha) if entry else None
        return text, "base" if ctx.policy_at or ctx.base else "head"
    return None, None


def read_signers(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read(1024 * 1024)
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise AuditError(
            f"{path}: cannot read the allowed signers ({why})",
            "hint: pass --allowed-signers FILE (or git config auditui.allowedSigners) "
            "naming an ssh-keygen allowed-signers file",
        ) from None
