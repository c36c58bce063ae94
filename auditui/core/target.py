"""Finding the change a reviewer means by `FINGERPRINT|COMMIT` (approve, eval add)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from auditui.core.audit import (
    AuditContext,
    Change,
    audit,
    load_policy,
    pinned,
    resolve_context,
)
from auditui.core.errors import AuditError
from auditui.core.policy import Policy
from auditui.core.records import RecordError, parse_record, record_name
from auditui.core.worktree import read_record


@dataclass
class Target:
    fingerprint: str
    root: Path  # the work tree
    relative: str  # the record's path in it: where evidence is written
    change: Change | None  # None when only a record names the fingerprint
    policy: Policy | None = None  # the policy that judges it, when known

    @property
    def record_file(self) -> Path:
        return self.root / self.relative


def find_target(repo_path: str | Path, target: str) -> Target:
    ctx = resolve_context(repo_path, None, "HEAD", None, default_base=False)
    root, folder = ctx.repo.root, ctx.policy.layout.records
    fp_prefix = target.removeprefix("sha256:").lower()
    is_fp = target.startswith("sha256:")
    if not is_fp:
        try:
            sha = ctx.repo.resolve(target, "commit")
        except AuditError:
            sha = None
            if not re.fullmatch(r"[0-9a-f]{6,64}", fp_prefix):
                raise
        if sha is not None:
            # A commit's change: against its first parent, under the policy in force
            # there (what `check` uses), and only that commit (a merge's branch is not it).
            parent = ctx.repo.resolve(f"{sha}^") if _has_parent(ctx, sha) else None
            pinned_policy, _signers = pinned(ctx.repo, None, None)  # git config auditui.policy
            policy, source = load_policy(ctx.repo, parent, sha, pinned_policy)
            report = audit(AuditContext(ctx.repo, sha, parent, policy, source))
            change = next((c for c in report.changes if c.commit.sha == sha), None)
            if change is None:
                raise AuditError(
                    f"commit {sha[:7]} changes no watched model setting or prompt; "
                    "nothing to audit",
                    "hint: `auditui check --all` lists the commits that are changes",
                )
            relative = f"{policy.layout.records}/{record_name(change.fingerprint)}"
            return Target(change.fingerprint, root, relative, change, policy)
    if len(fp_prefix) < 16:
        raise AuditError(
            f"'{target}' is neither a commit nor a fingerprint (give at least 16 hex digits)",
            "hint: name the change by its commit (`HEAD~2`, a sha) or by the fingerprint "
            "`auditui check --format json` prints",
        )
    relative = f"{folder}/{fp_prefix[:16]}.toml"
    text = read_record(root, relative)
    if text is not None:
        try:
            record = parse_record(relative, text)
        except RecordError as exc:
            raise AuditError(
                f"{root / relative}: cannot read this record: {exc}",
                "hint: fix the file by hand first; auditui never rewrites a record it cannot read",
            ) from None
        if record.fingerprint.removeprefix("sha256:").startswith(fp_prefix):
            return Target(record.fingerprint, root, relative, None, ctx.policy)
    for change in audit(ctx).changes:
        if change.fingerprint.removeprefix("sha256:").startswith(fp_prefix):
            return Target(change.fingerprint, root, f"{folder}/{record_name(change.fingerprint)}",
                          change, ctx.policy)  # fmt: skip
    raise AuditError(
        f"no change with fingerprint {target} in the history of {ctx.repo.root}",
        "hint: `auditui check --format json` lists each change's fingerprint",
    )


def refuse_self_approval(change: Change | None, by: str, policy: Policy | None) -> None:
    """An approval by the change's own author, with self-approval off, would only turn
    AUD001/AUD004 into AUD005 (SPEC 11): refused before anything is written."""
    if change is None or policy is None or policy.approvals.allow_self_approval:
        return
    if by.strip().lower() == change.commit.author_email.strip().lower():
        raise AuditError(
            f"{by} authored commit {change.commit.short}: self-approval is off in this policy",
            "hint: ask another reviewer to approve it; `auditui approve --withdraw` takes "
            "back an approval already written",
        )


def _has_parent(ctx, sha: str) -> bool:
    try:
        ctx.repo.resolve(f"{sha}^")
    except AuditError:
        return False
    return True


def add_evidence(
    root: Path,
    relative: str,
    fingerprint: str,
    change: Change | None,
    *,
    evals: list[dict] = (),
    approvals: list[dict] = (),
) -> dict:
    """Stamp entries with the time (UTC, whole seconds) and append them to the
    change's record: the one write path of `approve`, `eval add` and the app."""
    from auditui.core.records import append_entries, now_utc

    at = now_utc()
    return append_entries(
        root,
        relative,
        fingerprint,
        summary=change.commit.subject if change else "",
        models=change.models if change else (),
        evals=[{**e, "at": at} for e in evals],
        approvals=[{"at": at, **a} for a in approvals],  # a signed entry brings its own
    )
