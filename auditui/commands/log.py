"""`auditui log`: the per-model timeline, headless."""

from __future__ import annotations

import argparse

from auditui.core.audit.run import run_audit
from auditui.core.base.errors import ExitCode
from auditui.core.base.terminal import json_dumps, safe
from auditui.core.base.wording import plural
from auditui.core.diff.deltas import leaf_rows
from auditui.core.features.timeline import in_dates, models_in, parse_date, timeline
from auditui.core.formats.json_format import eval_json
from auditui.core.formats.text_format import format_pair


def cmd_log(args: argparse.Namespace) -> int:

    since = parse_date(args.since, "--since") if args.since else None
    until = parse_date(args.until, "--until") if args.until else None
    if until and len(args.until) == 10:  # a bare date includes that whole day
        until = until.replace(hour=23, minute=59, second=59)

    # A timeline is about history: unlike `check`, it does not stop at the upstream.
    # With a model, only its changes are judged (from the store, the others' deltas are
    # not even read); without any, every change is read so the error can list them all.
    def judged(model: str | None):
        return run_audit(
            args.repo,
            args.base,
            args.head,
            args.policy,
            default_base=False,
            anchors=False,
            only_models=frozenset({model}) if model else None,
        )

    report = judged(args.model or None)
    if args.model and args.model not in models_in(report):
        report = judged(None)
    if not args.model:
        # The model list answers the same question as a timeline: changes in the dates.
        dated = [c for c in report.changes if in_dates(c, since, until)]
        for model in sorted({m for c in dated for m in c.models}):
            n = sum(1 for c in dated if model in c.models)
            print(f"{safe(model)}\t{plural(n, 'change')}")
        return ExitCode.OK
    entries = timeline(report, args.model, since, until)
    if args.format == "json":
        payload = {
            "version": 1,
            "model": args.model,
            "entries": [
                {
                    "commit": e.change.commit.sha,
                    "date": e.change.commit.author_date,
                    "author": e.change.commit.author_email,
                    "subject": e.change.commit.subject,
                    "fingerprint": e.change.fingerprint,
                    "status": e.change.status,
                    "rules": e.change.rules,
                    "deltas": [d.as_json() for d in e.deltas],
                    "evals": [eval_json(ev) for ev in e.evals],
                }
                for e in entries
            ],
        }
        print(json_dumps(payload))
        return ExitCode.OK

    n = len(entries)
    print(f"{safe(args.model)}: {plural(n, 'change')}, oldest first")
    for e in entries:
        c = e.change
        verdict = c.status if c.status != "blocked" else "blocked " + ",".join(c.rules)
        email = safe(c.commit.author_email)
        print(f"\n{c.commit.author_date[:10]}  {c.commit.short}  {email}  [{verdict}]")
        print(f"  {safe(c.commit.subject)}")
        for d in e.deltas:  # an item added or removed whole, leaf by leaf (docs/reports.md)
            for path, old, new in leaf_rows(d, report.policy):
                print(f"    {safe(path)}  {' -> '.join(format_pair(old, new))}  ({d.kind})")
        for ev in e.evals:
            print(
                f"    eval {safe(ev.suite)}: {ev.baseline:g} -> {ev.candidate:g} ({ev.delta:+.1f})"
            )
    return ExitCode.OK
