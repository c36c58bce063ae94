"""`auditui approve` and `auditui eval add`: append evidence to a change's record.

Both go through core.records.append_entries, the same code the app uses.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from auditui.core.audit.report import stamp
from auditui.core.base.errors import AuditError, ExitCode
from auditui.core.base.terminal import safe
from auditui.core.base.wording import plural
from auditui.core.evidence import signatures
from auditui.core.evidence.evalnames import parse_maps
from auditui.core.evidence.evalstats import shown
from auditui.core.evidence.records import now_utc, tally_written
from auditui.core.features import evalrun
from auditui.core.features.evalimport import import_many, listed
from auditui.core.features.evalrun import seen_configs_of
from auditui.core.features.target import (
    add_evidence,
    add_new_evals,
    commit_of,
    find_target,
    refuse_override,
    refuse_self_approval,
)
from auditui.core.git.repo import GitRepo


def _identity(repo_path: str) -> str:

    email = GitRepo.open(repo_path).config_value("user.email")
    if not email:
        raise AuditError(
            "no reviewer identity: git config user.email is not set",
            'hint: git config user.email "you@example.com"',
        )
    return email


def _confirm(target, written: dict, what: str, lines: list[str] | tuple[str, ...] = ()) -> None:

    print(f"auditui: {safe(what)} -> {safe(target.record_file)}")
    for line in lines:
        print(f"  {safe(line)}")
    print(f"  fingerprint {target.fingerprint}")
    print(f"  now {tally_written(written)} in the record; commit it to take effect")


def cmd_approve(args: argparse.Namespace) -> int:

    target = find_target(args.repo, args.target)
    by = _identity(args.repo)
    verdict = "reject" if args.reject else "withdraw" if args.withdraw else "approve"
    if verdict == "approve":  # a reject only blocks; a withdrawal takes back one's own word
        refuse_self_approval(target, by)
    entry = {"by": by, "verdict": verdict, "comment": args.comment}
    if args.sign:
        entry["at"] = now_utc()  # signed as stored: whole seconds, UTC
        data = signatures.payload(target.fingerprint, verdict, by, entry["at"])
        entry["signature"] = signatures.sign(args.sign, data)
    written = add_evidence(
        target.root, target.relative, target.fingerprint, target.change, approvals=[entry]
    )
    _confirm(target, written, f"{verdict} by {by}")
    return ExitCode.OK


def cmd_override(args: argparse.Namespace) -> int:
    target = find_target(args.repo, args.target)
    by = _identity(args.repo)
    reason = args.reason.strip()
    policy = refuse_override(target, by, reason, signed=bool(args.sign))
    entry = {"by": by, "verdict": "override", "reason": reason, "commit": commit_of(target)}
    entry["at"] = now_utc()
    if args.sign:
        data = signatures.payload(target.fingerprint, "override", by, entry["at"], reason)
        entry["signature"] = signatures.sign(args.sign, data)
    written = add_evidence(
        target.root, target.relative, target.fingerprint, target.change, approvals=[entry]
    )
    hours = policy.override.follow_up_hours
    due = entry["at"] + dt.timedelta(hours=hours)
    _confirm(
        target,
        written,
        f"override by {by}",
        [
            f"reason: {reason}",
            f"its evidence is due by {stamp(due)} ({plural(hours, 'hour', f'{hours:g}')}); "
            "after that every check blocks it (AUD014) until it is recorded",
        ],
    )
    return ExitCode.OK


def cmd_eval(args: argparse.Namespace) -> int:
    if args.eval_command == "import":
        return _eval_import(args)
    if args.eval_command == "run":
        return _eval_run(args)

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
        "model": args.model,
        "suite": args.suite,
        "baseline": args.baseline,
        "candidate": args.candidate,
        "samples": args.samples,
        "run": args.run,
        "recorded_by": _identity(args.repo),
    }
    written = add_evidence(target.root, target.relative, target.fingerprint, change, evals=[entry])
    delta = args.candidate - args.baseline
    what = f"eval {args.model}/{args.suite} {args.baseline:g} -> {args.candidate:g} ({delta:+g})"
    _confirm(target, written, what)
    return ExitCode.OK


def _eval_import(args: argparse.Namespace) -> int:
    """Two runs of an eval tool -> an eval entry per model they cover (docs/records.md)."""

    maps = parse_maps(args.map or ())
    target = find_target(args.repo, args.target)
    affected = target.change.models if target.change else None
    files = Path(args.baseline), Path(args.candidate)
    batch = import_many(*files, affected, args.model or (), maps, args.suite, args.tool)
    if batch.skipped:
        left = safe(listed(list(batch.skipped)))
        print(
            f"auditui: not imported, not among the models --model chooses: {left}", file=sys.stderr
        )
    _check_configs(target, batch.imported)
    _record_imported(args.repo, target, [i.entry for i in batch.imported])
    return ExitCode.OK


def _check_configs(target, imported) -> None:
    """Where a run records the settings it ran with, compare them with the model's
    config (a promptfoo file records none: no config is read)."""

    told = [i for i in imported if any(run.settings for run in i.runs)]
    seen = seen_configs_of(target, [i.entry["model"] for i in told])
    several = len(imported) > 1
    for one in told:
        one.check_configs(*seen.get(one.entry["model"], (None, None)))
        whose = f"{one.entry['model']}: " if several else ""
        for problem in one.entry.get("config_mismatch", ()):
            print(
                f"auditui: warning: {safe(whose + problem)}: evidence of another config "
                "(recorded; it does not clear the change)",
                file=sys.stderr,
            )


def _eval_run(args: argparse.Namespace) -> int:
    """The policy's eval command on the parent and the changed config, imported."""

    target = find_target(args.repo, args.target)
    planned = evalrun.plan(target, args.model, args.suite)
    who = _identity(args.repo)  # before any run: a missing identity is found at once
    for imported in evalrun.run(
        target, planned, lambda line: print(f"auditui: {safe(line)}", file=sys.stderr, flush=True)
    ):
        _record_imported(args.repo, target, [imported.entry], who)
    return ExitCode.OK


SAME_PAIR = ("model", "suite", "baseline_sha256", "candidate_sha256")  # one import of one pair


def _record_imported(repo: str, target, entries: list[dict], who: str | None = None) -> None:
    """Append imported evals to the change's record in one write, each (model, suite)
    once per pair of files: a pair imported again adds nothing, and says so."""

    for suite in dict.fromkeys(e["suite"] for e in entries):
        _warn_unrequired(target, suite)
    who = who or _identity(repo)
    stamped = [{**e, "recorded_by": who} for e in entries]
    written, added = add_new_evals(target, stamped, SAME_PAIR)
    if written is not None:
        if len(added) == 1:
            _confirm(target, written, f"eval {_said(added[0])}")
        else:
            lines = [_said(e, source=False) for e in added]
            _confirm(target, written, f"{len(added)} evals from {added[0]['source']}", lines)
    new = {(e["model"], e["suite"]) for e in added}
    known = [f"{e['model']}/{e['suite']}" for e in entries if (e["model"], e["suite"]) not in new]
    if known:
        print(
            f"auditui: this pair is already recorded for {safe(listed(known))} in "
            f"{safe(target.record_file)}; nothing added" + (" for those" if added else "")
        )


def _said(entry: dict, source: bool = True) -> str:
    """`m/coding from promptfoo: 75 -> 67.5 (-7.5 ± 8.3 (n=40, paired))`."""

    change = entry["candidate"] - entry["baseline"]
    delta = shown(change, entry["stderr"], entry["samples"], entry["paired"])
    tool = f" from {entry['source']}" if source else ""
    return (
        f"{entry['model']}/{entry['suite']}{tool}: "
        f"{entry['baseline']:g} -> {entry['candidate']:g} ({delta})"
    )


def _warn_unrequired(target, suite: str) -> None:

    required = target.policy.evals.required_suites if target.policy else ()
    if required and suite not in required:
        print(
            f"auditui: warning: suite '{safe(suite)}' is not one the policy requires "
            f"({', '.join(map(safe, required))}); it is recorded but clears nothing",
            file=sys.stderr,
        )
