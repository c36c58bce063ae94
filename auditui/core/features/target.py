"""Finding the change a reviewer means by `FINGERPRINT|COMMIT` (approve, eval add),
and who wrote it: `approve` refuses the author's own approval however the change is
named (docs/blocked.md), so a fingerprint is looked up in the history to find its commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from auditui.core.audit.context import AuditContext, load_policy, pinned, resolve_context
from auditui.core.audit.report import Change
from auditui.core.audit.run import AuditRun, audit
from auditui.core.base.errors import AuditError
from auditui.core.evidence.recordfiles import read_record
from auditui.core.evidence.records import (
    RecordError,
    append_entries,
    append_new_evals,
    now_utc,
    parse_record,
    person,
    record_name,
)
from auditui.core.git.log import CommitInfo
from auditui.core.policy.model import Policy


@dataclass
class Target:
    fingerprint: str
    root: Path  # the work tree
    relative: str  # the record's path in it: where evidence is written
    change: Change | None  # None when only a record names the fingerprint
    policy: Policy | None = None  # the policy that judges it, when known
    history: AuditContext | None = None  # the history it was named in: HEAD's, whole
    # The changes of that history with this fingerprint, when the lookup already walked it.
    found: tuple[Change, ...] | None = None

    @property
    def record_file(self) -> Path:
        return self.root / self.relative


def find_target(repo_path: str | Path, target: str) -> Target:
    ctx = resolve_context(repo_path, None, "HEAD", None, default_base=False)
    ctx.anchors = False  # a lookup needs none: the per-commit store `check --all` fills answers
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
            policy, source = _policy_at(ctx, parent, sha)
            report = audit(AuditContext(ctx.repo, sha, parent, policy, source))
            change = next((c for c in report.changes if c.commit.sha == sha), None)
            if change is None:
                raise AuditError(
                    f"commit {sha[:7]} changes no watched model setting or prompt; "
                    "nothing to audit",
                    "hint: `auditui check --all` lists the commits that are changes",
                )
            relative = f"{policy.layout.records}/{record_name(change.fingerprint)}"
            return Target(change.fingerprint, root, relative, change, policy, ctx)
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
            return Target(record.fingerprint, root, relative, None, ctx.policy, ctx)
    nearer = _default_range(ctx)  # what `check` judges, then the whole history
    named = _named(nearer, fp_prefix) or (_named(ctx, fp_prefix) if nearer is not ctx else [])
    if named:
        fp = named[0].fingerprint
        found = tuple(c for c in named if c.fingerprint == fp)
        return Target(fp, root, f"{folder}/{record_name(fp)}", named[0], ctx.policy, ctx, found)
    raise AuditError(
        f"no change with fingerprint {target} in the history of {ctx.repo.root}",
        "hint: `auditui check --format json` lists each change's fingerprint",
    )


def in_history(ctx: AuditContext) -> Iterator[Change]:
    """Every change of ctx's history as its walk finds it, before reverts are looked
    for (they never change a fingerprint): from the per-commit store when it holds the
    walk, else computed once and stored for the next lookup or `check --all`."""
    return AuditRun(ctx).found()


def refuse_self_approval(target: Target, by: str) -> None:
    """`approve` as the change's author, with self-approval off, only turns AUD001/AUD004
    into AUD005 (docs/blocked.md): refused before anything is written, however the change is
    named. Its authors are those of every commit in the history with its fingerprint
    (a cherry-pick carries the same record) and of the commit named; self-approval is
    off unless every policy that may judge one of them allows it: the one at each
    commit's first parent (what a push of it is judged by) and the one the history
    was read with (HEAD's, or the pinned one)."""
    commits = _commits_of(target)
    if not commits:
        raise AuditError(
            f"no commit in the history of HEAD makes the change {target.fingerprint}: "
            "auditui cannot tell who wrote it, so it will not record an approval by fingerprint",
            "hint: name the change by its commit instead: `auditui approve <COMMIT>`",
        )
    ctx = _history(target)
    policies = [
        ctx.policy,
        *(_policy_at(ctx, c.parents[0] if c.parents else None, c.sha)[0] for c in commits),
    ]
    refuse_approval_by_author(by, commits, policies)


def refuse_approval_by_author(
    by: str, commits: Iterable[CommitInfo], policies: Iterable[Policy]
) -> None:
    """The rule itself, as the app and `approve` apply it: `by` may not approve a change
    one of whose `commits` they authored unless every one of `policies` allows it.
    People are compared as AUD005 compares them (records.person)."""
    if all(p.approvals.allow_self_approval for p in policies):
        return
    own = next((c for c in commits if person(c.author_email) == person(by)), None)
    if own is not None:
        raise AuditError(
            f"{by} authored commit {own.short}: self-approval is off in this policy",
            "hint: ask another reviewer to approve it; `auditui approve --withdraw` takes "
            "back an approval already written",
        )


def refuse_override(target: Target, by: str, reason: str, signed: bool) -> Policy:
    """`override` refused before anything is written: with no reason, by someone the
    policy judging the change does not allow (`[override] allowed`, empty: nobody), or
    unsigned where signatures are required (the check would not count it). Returns
    that policy (its `follow_up_hours` say when the evidence is due)."""
    policy = target.policy or _history(target).policy
    if not reason:
        raise AuditError(
            "an override needs a reason: it is recorded and shown in every report",
            'hint: auditui override CHANGE --reason "INC-123: checkout down, fix cannot wait"',
        )
    allowed = policy.override.allowed
    if person(by) not in {person(p) for p in allowed}:
        who = ", ".join(allowed) if allowed else "nobody (the list is empty)"
        raise AuditError(
            f"{by} may not override: [override] allowed, in the policy judging it, names {who}",
            "hint: ask one of them, or record the evidence (`auditui approve`, "
            "`auditui eval add`); adding a name to [override] allowed is itself a gated change",
        )
    if policy.approvals.require_signatures and not signed:
        raise AuditError(
            "this policy requires signatures: an unsigned override would not count",
            "hint: auditui override CHANGE --reason TEXT --sign ~/.ssh/id_ed25519",
        )
    return policy


def commit_of(target: Target) -> str | None:
    """The commit an override names beside the fingerprint: where a later check finds
    the change once it is out of its range (the fingerprint still decides)."""
    if target.change is not None:
        return target.change.commit.sha
    commits = _commits_of(target)
    return commits[0].sha if commits else None


def _history(target: Target) -> AuditContext:
    """The history a target was named in: `find_target` always says it."""
    if target.history is None:
        raise ValueError(f"{target.fingerprint} was named without its history")
    return target.history


def _commits_of(target: Target) -> list[CommitInfo]:
    """The commits whose change is target's: the one named, and every one with its
    fingerprint in the range `check` judges by default (from where HEAD meets its
    upstream: a record is read at the head of that range, so its cherry-picks there
    share it). A change named by fingerprint alone that is not there is looked up in
    the whole history of HEAD, the walk `check --all` makes (cold on a catalogue, a
    full walk: only when nothing nearer answers)."""
    found = target.found
    if found is None:
        ctx = _history(target)
        nearer = _default_range(ctx)
        found = _with_fingerprint(nearer, target.fingerprint)
        if not found and target.change is None and nearer is not ctx:
            found = _with_fingerprint(ctx, target.fingerprint)
    named = [target.change] if target.change is not None else []
    return list({c.commit.sha: c.commit for c in [*named, *found]}.values())


def _with_fingerprint(ctx: AuditContext, fingerprint: str) -> tuple[Change, ...]:
    return tuple(c for c in in_history(ctx) if c.fingerprint == fingerprint)


def _named(ctx: AuditContext, prefix: str) -> list[Change]:
    """The changes of ctx's history whose fingerprint starts with `prefix`."""
    return [c for c in in_history(ctx) if c.fingerprint.removeprefix("sha256:").startswith(prefix)]


def _default_range(ctx: AuditContext) -> AuditContext:
    """ctx (the whole history of HEAD) cut to the range `check` judges by default: from
    the merge base with the upstream of the current branch, when it has one."""
    upstream = ctx.repo.upstream()
    base = ctx.repo.merge_base(ctx.head, upstream) if upstream else None
    if base is None:
        return ctx
    return AuditContext(ctx.repo, ctx.head, base, ctx.policy, ctx.policy_source, anchors=False)


def _policy_at(ctx: AuditContext, parent: str | None, sha: str) -> tuple[Policy, str]:
    """The policy judging commit `sha` on its own: the one at its first parent (at
    `sha` when the parent has none), unless `git config auditui.policy` pins one."""
    pinned_policy, _signers = pinned(ctx.repo, None, None)
    return load_policy(ctx.repo, parent, sha, pinned_policy)


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
    evals: Sequence[dict] = (),
    approvals: Sequence[dict] = (),
) -> dict:
    """Stamp entries with the time (UTC, whole seconds) and append them to the
    change's record: the one write path of `approve`, `eval add` and the app."""

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


def add_new_evals(
    target: Target, evals: list[dict], same: tuple[str, ...]
) -> tuple[dict | None, list[dict]]:
    """`add_evidence` for imported evals: those the record holds already (equal on every
    key of `same`) are left out, under the records lock (records.append_new_evals)."""

    at, change = now_utc(), target.change
    return append_new_evals(
        target.root,
        target.relative,
        target.fingerprint,
        [{**e, "at": at} for e in evals],
        same,
        summary=change.commit.subject if change else "",
        models=change.models if change else (),
    )
