"""`auditui approve` and `auditui eval add`: append evidence to a change's record.

Both go through core.records.append_entries, the same code the app uses.
"""

from __future__ import annotations

import argparse
import sys

from auditui.core.errors import AuditError, ExitCode


def _identity(repo_path: str) -> str:
    from auditui.core.gitrepo import GitRepo

    email = GitRepo.open(repo_path).config_value("user.email")
    if not email:
        raise AuditError(
            "no reviewer identity: git config user.email is not set",
            'hint: git config user.email "you@example.com"',
        )
    return email


def _confirm(target, written: dict, what: str) -> None:
    from auditui.core.terminal import safe

    print(f"auditui: {safe(what)} -> {safe(target.record_file)}")
    print(f"  fingerprint {target.fingerprint}")
    print(
        f"  now {len(written.get('evals', []))} eval(s), "
        f"{len(written.get('approvals', []))} approval(s) in the record; commit it to take effect"
    )


def cmd_approve(args: argparse.Namespace) -> int:
    from auditui.core.target import add_evidence, find_target, refuse_self_approval

    target = find_target(args.repo, args.target)
    by = _identity(args.repo)
    verdict = "reject" if args.reject else "withdraw" if args.withdraw else "approve"
    if verdict == "approve":
        refuse_self_approval(target.change, by, target.policy)
    entry = {"by": by, "verdict": verdict, "comment": args.comment}
    if args.sign:
        from auditui.core import signatures
        from auditui.core.records import now_utc

        entry["at"] = now_utc()  # signed as stored: whole seconds, UTC
        data = signatures.payload(target.fingerprint, verdict, by, entry["at"])
        entry["signature"] = signatures.sign(args.sign, data)
    written = add_evidence(target.root, target.relative, target.fingerprint, target.change,
                           approvals=[entry])  # fmt: skip
    _confirm(target, written, f"{verdict} by {by}")
    return ExitCode.OK


def cmd_eval(args: argparse.Namespace) -> int:
    from auditui.core.target import add_evidence, find_target

    target = find_target(args.repo, args.target)
    change = target.change
    if change is not None and args.model not in change.models:
        raise AuditError(
            f"model '{args.model}' is not affected by this change "
            f"(affected: {', '.join(change.models) or 'none'})",
            "hint: record evals for the models the change moves",
        )
    required = target.policy.evals.required_suites if target.policy else ()
    if required and args.suite not in required:
        from auditui.core.terminal import safe

        print(f"auditui: warning: suite '{safe(args.suite)}' is not one the policy requires "
              f"({', '.join(map(safe, required))}); it is recorded but clears nothing",
              file=sys.stderr)  # fmt: skip
    entry = {
        "model": args.model, "suite": args.suite, "baseline": args.baseline,
        "candidate": args.candidate, "samples": args.samples, "run": args.run,
        "recorded_by": _identity(args.repo),
    }  # fmt: skip
    written = add_evidence(target.root, target.relative, target.fingerprint, change,
                           evals=[entry])  # fmt: skip
    delta = args.candidate - args.baseline
    what = f"eval {args.model}/{args.suite} {args.baseline:g} -> {args.candidate:g} ({delta:+g})"
    _confirm(target, written, what)
    return ExitCode.OK
