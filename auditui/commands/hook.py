"""`auditui hook pre-push` (git's protocol) and `auditui hook pre-commit` (the
pre-commit framework's pre-push stage). Never imports Textual: it runs on every push."""

from __future__ import annotations

import argparse
import os
import sys

from auditui.core.errors import AuditError, ExitCode
from auditui.core.wording import plural


def _say(line: str = "") -> None:
    from auditui.core.terminal import safe

    print(safe(line), file=sys.stderr)


def _report(verdict, dest) -> int:
    changes = verdict.changes
    blocked = verdict.blocked
    where = dest.label
    if not changes:
        return ExitCode.OK
    if any(r.policy_source == "head" or r.signers_source == "head" for _r, r in verdict.reports):
        _say("auditui: the destination has no base for this push: it is judged by the policy "
             "(and keys) it brings; pin them with git config auditui.policy / "
             "auditui.allowedSigners")  # fmt: skip
    if not blocked:
        n = len(changes)
        _say(f"auditui: {plural(n, 'config change')}{where}, all cleared by policy")
        return ExitCode.OK
    policy = {r.policy_source for _ref, r in verdict.reports}
    _say(
        f"auditui: push{where} blocked: {len(blocked)} of {plural(len(changes), 'config change')} "
        f"not cleared (policy: {', '.join(sorted(policy))})"
    )
    for change in blocked:
        report = next(r for _ref, r in verdict.reports if change in r.changes)
        c = change.commit
        _say(f"  ✗ {c.short}  {c.subject}  [{', '.join(change.rules)}]")
        for f in change.findings:
            _say(f"      {f.rule} {f.message}")
        # The very range, head (whose records judged) and policy of this verdict.
        base = f"--base {report.base[:12]} " if report.base else "--all "
        _say(f"      inspect: auditui review {base}--head {report.head[:12]}")
    _say(
        "hint: record evidence with `auditui eval add` / `auditui approve`, commit the "
        "records, and push again"
    )
    return ExitCode.BLOCKED


def cmd_hook(args: argparse.Namespace) -> int:
    from auditui.core.gitrepo import GitRepo
    from auditui.core.push import (
        Destination,
        PushedRef,
        judge_push,
        parse_push_lines,
        parse_receive_lines,
    )

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
        refs = [PushedRef(os.environ.get("PRE_COMMIT_LOCAL_BRANCH", "HEAD"), to_ref,
                          os.environ.get("PRE_COMMIT_REMOTE_BRANCH", ""), from_ref)]  # fmt: skip
    if not refs:
        return ExitCode.OK  # before opening the repository: an empty push costs nothing
    repo = GitRepo.open(args.repo)
    if remote and ("/" in remote or ":" in remote) and not repo.has_remote_refs(remote):
        remote = None  # pushed to a URL, not a named remote: no tracking refs to consult
    dest = Destination(remote, server=args.hook_type == "pre-receive")
    verdict = judge_push(repo, dest, refs, getattr(args, "policy", None))
    return _report(verdict, dest)
