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
    from auditui.core.wording import tally_written

    print(f"auditui: {safe(what)} -> {safe(target.record_file)}")
    print(f"  fingerprint {target.fingerprint}")
    print(f"  now {tally_written(written)} in the record; commit it to take effect")


def cmd_approve(args: argparse.Namespace) -> int:
    from auditui.core.target import add_evidence, find_target, refuse_self_approval

    target = find_target(args.repo, args.target)
    by = _identity(args.repo)
    verdict = "reject" if args.reject else "withdraw" if args.withdraw else "approve"
    if verdict == "approve":  # a reject only blocks; a withdrawal takes back one's own word
        refuse_self_approval(target, by)
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
    if args.eval_command == "import":
        return _eval_import(args)
    if args.eval_command == "run":
        return _eval_run(args)
    from auditui.core.target import add_evidence, find_target

    target = find_target(args.repo, args.target)
    change = target.change
    if change is not None and args.model not in change.models:
        raise AuditError(
            f"model '{args.model}' is not affected by this change "
            f"(affected: {', '.join(change.models) or 'none'})",
            "hint: record evals for the models the change moves",
        )
    _warn_unrequired(target, args.suite)
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


def _eval_import(args: argparse.Namespace) -> int:
    """Two runs of an eval tool -> one eval entry with error bars and provenance."""
    from pathlib import Path

    from auditui.core.evalimport import import_pair
    from auditui.core.target import find_target
    from auditui.core.terminal import safe

    target = find_target(args.repo, args.target)
    change = target.change
    imported = import_pair(Path(args.baseline), Path(args.candidate),
                           change.models if change else None, args.model, args.suite,
                           args.tool)  # fmt: skip
    if change is not None:
        from auditui.core.evalrun import seen_configs

        imported.check_configs(*seen_configs(target, imported.entry["model"]))
        for problem in imported.entry.get("config_mismatch", ()):
            print(f"auditui: warning: {safe(problem)}: evidence of another config "
                  "(recorded; it does not clear the change)", file=sys.stderr)  # fmt: skip
    _record_imported(args.repo, target, imported.entry)
    return ExitCode.OK


def _eval_run(args: argparse.Namespace) -> int:
    """The policy's eval command on the parent and the changed config, imported."""
    from auditui.core import evalrun
    from auditui.core.target import find_target
    from auditui.core.terminal import safe

    target = find_target(args.repo, args.target)
    planned = evalrun.plan(target, args.model, args.suite)
    who = _identity(args.repo)  # before any run: a missing identity is found at once
    for imported in evalrun.run(target, planned, lambda line: print(
            f"auditui: {safe(line)}", file=sys.stderr, flush=True)):  # fmt: skip
        _record_imported(args.repo, target, imported.entry, who)
    return ExitCode.OK


def _record_imported(repo: str, target, entry: dict, who: str | None = None) -> None:
    """Append an imported eval to the change's record, once per pair of files."""
    from auditui.core.evalstats import shown
    from auditui.core.records import RecordError, parse_record
    from auditui.core.target import add_evidence
    from auditui.core.terminal import safe
    from auditui.core.worktree import read_record

    _warn_unrequired(target, entry["suite"])
    text = read_record(target.root, target.relative)
    if text is not None:
        try:
            known = parse_record(target.relative, text).evals
        except RecordError:
            known = ()  # add_evidence refuses it with the reason
        same = ("model", "suite", "baseline_sha256", "candidate_sha256")
        if any(all(getattr(ev, k) == entry[k] for k in same) for ev in known):
            where = f"{safe(entry['model'])}/{safe(entry['suite'])}"
            print(f"auditui: this pair is already recorded for {where} in "
                  f"{safe(target.record_file)}; nothing added")  # fmt: skip
            return
    entry = {**entry, "recorded_by": who or _identity(repo)}
    written = add_evidence(target.root, target.relative, target.fingerprint, target.change,
                           evals=[entry])  # fmt: skip
    delta = entry["candidate"] - entry["baseline"]
    said = shown(delta, entry["stderr"], entry["samples"], entry["paired"])
    what = (f"eval {entry['model']}/{entry['suite']} from {entry['source']}: "
            f"{entry['baseline']:g} -> {entry['candidate']:g} ({said})")  # fmt: skip
    _confirm(target, written, what)


def _warn_unrequired(target, suite: str) -> None:
    from auditui.core.terminal import safe

    required = target.policy.evals.required_suites if target.policy else ()
    if required and suite not in required:
        print(f"auditui: warning: suite '{safe(suite)}' is not one the policy requires "
              f"({', '.join(map(safe, required))}); it is recorded but clears nothing",
              file=sys.stderr)  # fmt: skip
