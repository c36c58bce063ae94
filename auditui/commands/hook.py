"""`auditui hook pre-push` (git's protocol) and `auditui hook pre-commit` (the
pre-commit framework's pre-push stage). Never imports Textual: it runs on every push."""

from __future__ import annotations

import argparse
import os
import sys

from auditui.core.base.errors import AuditError, ExitCode
from auditui.core.base.terminal import safe
from auditui.core.base.wording import plural
from auditui.core.features.push import (
    Destination,
    PushedRef,
    judge_push,
    parse_push_lines,
    parse_receive_lines,
)
from auditui.core.formats.text_format import override_text
from auditui.core.git.repo import GitRepo


def _say(line: str = "") -> None:

    print(safe(line), file=sys.stderr)


def _report(verdict, dest) -> int:
    for refused in verdict.refused:
        _say(f"auditui: refused: {refused.refused}")
    if verdict.refused:
        _say(
            "hint: a protected ref (docs/policy.md, [push]) moves forward only; undo a "
            "change with a new commit, which can carry its record"
        )
    changes, blocked, warned = verdict.changes, verdict.blocked, verdict.warnings
    where = dest.label
    if any(r.policy_source == "head" or r.signers_source == "head" for _r, r in verdict.reports):
        _say(
            "auditui: no policy is in force where this push lands: it is judged by the "
            "policy (and keys) it brings; pin them with git config auditui.policy / "
            "auditui.allowedSigners"
        )
    if warned:
        _say(
            f"auditui: warning: {plural(len(warned), 'config change')}{where} not cleared, "
            'let through (gate = "protected"): they block when a protected ref takes them'
        )
        _list(verdict, warned)
    if blocked:
        policy = {r.policy_source for _ref, r in verdict.reports}
        _say(
            f"auditui: push{where} blocked: {len(blocked)} of "
            f"{plural(len(changes), 'config change')} not cleared "
            f"(policy: {', '.join(sorted(policy))})"
        )
        _list(verdict, blocked)
        _say(
            "hint: record evidence with `auditui eval add` / `auditui approve`, commit the "
            "records, and push again"
        )
        _break_glass(verdict, blocked)
    overridden = [c for c in changes if c.status == "overridden"]
    if overridden:
        _say(
            f"auditui: {plural(len(overridden), 'config change')}{where} let through by "
            "override, evidence owed (reported in every check until recorded):"
        )
        for change in overridden:
            _say(f"  ! {change.commit.short}  {change.commit.subject}")
            _say(f"      {override_text(change)}")
    if changes and not blocked and not verdict.refused and not overridden:
        _say(f"auditui: {plural(len(changes), 'config change')}{where}, all cleared by policy")
    return ExitCode.BLOCKED if blocked or verdict.refused else ExitCode.OK


def _break_glass(verdict, blocked) -> None:
    """How to ship now and what it costs, when the policy judging lets anyone override
    (docs/blocked.md, "Shipping during an incident")."""
    allowed = sorted(
        {p for _r, r in verdict.reports if r.policy for p in r.policy.override.allowed}
    )
    if not allowed or all(c.override is not None and c.override.overdue for c in blocked):
        return  # only overdue overrides block: another override would not help
    hours = min(r.policy.override.follow_up_hours for _r, r in verdict.reports if r.policy)
    _say(
        f"hint: in an incident, {', '.join(allowed)} can let a change through now: "
        "`auditui override COMMIT --reason TEXT`, commit the record, push; every report "
        f"lists it, and after {hours:g} h without its evidence every check blocks (AUD014)"
    )


def _list(verdict, changes) -> None:
    for change in changes:
        report = next(r for _ref, r in verdict.reports if change in r.changes)
        c = change.commit
        _say(f"  ✗ {c.short}  {c.subject}  [{', '.join(change.rules)}]")
        for f in change.findings:
            _say(f"      {f.rule} {f.message}")
        # The very range, head (whose records judged) and policy of this verdict.
        base = f"--base {report.base[:12]} " if report.base else "--all "
        _say(f"      inspect: auditui review {base}--head {report.head[:12]}")


def cmd_hook(args: argparse.Namespace) -> int:

    if args.hook_type == "pre-push":
        text = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
        refs = parse_push_lines(text)
        remote = args.remote
    elif args.hook_type == "pre-receive":
        text = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
        refs = parse_receive_lines(text)
        remote = None
    else:  # pre-commit framework, pre-push stage: it consumed stdin and sets these
        to_ref = os.environ.get("PRE_COMMIT_TO_REF")
        if not to_ref:
            raise AuditError(
                "PRE_COMMIT_TO_REF is not set: `auditui hook pre-commit` runs under the "
                "pre-commit framework at the pre-push stage",
                "hint: for a plain git hook use `auditui install-hook`",
            )
        from_ref = os.environ.get("PRE_COMMIT_FROM_REF") or "0" * 40
        remote = os.environ.get("PRE_COMMIT_REMOTE_NAME")
        refs = [
            PushedRef(
                os.environ.get("PRE_COMMIT_LOCAL_BRANCH", "HEAD"),
                to_ref,
                os.environ.get("PRE_COMMIT_REMOTE_BRANCH", ""),
                from_ref,
            )
        ]
    if not refs:
        return ExitCode.OK  # before opening the repository: an empty push costs nothing
    repo = GitRepo.open(args.repo)
    if remote and ("/" in remote or ":" in remote) and not repo.has_remote_refs(remote):
        remote = None  # pushed to a URL, not a named remote: no tracking refs to consult
    dest = Destination(remote, server=args.hook_type == "pre-receive")
    verdict = judge_push(repo, dest, refs, getattr(args, "policy", None))
    return _report(verdict, dest)
