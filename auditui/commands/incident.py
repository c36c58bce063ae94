"""`auditui suspects`, `exposure` and `verify`: from a symptom to its cause
(docs/reports.md, "From a symptom to its cause"). Each judges the whole history up to
--head: a change made long before the window may be the one still in force."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from fnmatch import fnmatchcase

from auditui.core.audit.context import AuditContext, resolve_context
from auditui.core.base.errors import AuditError, ExitCode
from auditui.core.base.terminal import json_dumps, safe
from auditui.core.base.wording import plural
from auditui.core.features.incident import (
    exposure,
    named_models,
    suspects,
    window,
    window_text,
)
from auditui.core.features.inforce import account, known_models, rollout_key
from auditui.core.features.verify import read_served, verify
from auditui.core.formats.text_format import format_value


def _context(args: argparse.Namespace) -> AuditContext:
    ctx = resolve_context(args.repo, None, args.head, args.policy, default_base=False)
    ctx.anchors = False
    return ctx


def cmd_suspects(args: argparse.Namespace) -> int:
    ctx = _context(args)
    since, until = window(args.since, args.until)
    asked = [m.strip() for m in args.models.split(",") if m.strip()]
    models = named_models(known_models(ctx), asked, ctx.head)
    state, _changes = account(ctx, frozenset(models))
    found = suspects(state, models, since, until, rollout_key(ctx.policy))
    if args.format == "json":
        print(json_dumps([s.as_json() for s in found]))
        return ExitCode.OK
    print(
        f"suspects for {safe(', '.join(models))}, in force {window_text(since, until)}: "
        f"{plural(len(found), 'change')}"
    )
    for s in found:
        c = s.change
        until_text = s.end.day if s.end else "now"
        delta = "" if s.eval_delta is None else f"   eval {s.eval_delta:+.1f}"
        print(
            f"{s.rank:>3}  {c.commit.short}  {c.commit.author_date[:10]}  "
            f"{safe(c.commit.author_email)}  [{c.status}]  {safe(c.commit.subject)}"
        )
        print(f"       models: {safe(', '.join(s.models))}   live {s.start.day} - {until_text}")
        rollout = "; ".join(
            f"{safe(m)} " + " -> ".join(str(v) for _day, v in points)
            for m, points in s.rollout.items()
            if points
        )
        print(
            f"       kinds: {', '.join(s.kinds)}{delta}"
            + (f"   rollout: {rollout}" if rollout else "")
        )
    return ExitCode.OK


def cmd_exposure(args: argparse.Namespace) -> int:
    ctx = _context(args)
    since, until = window(args.since, args.until)
    models = [m for m in known_models(ctx) if fnmatchcase(m, args.models)]
    if not models:
        raise _matches_none(args.models)
    state, _changes = account(ctx, frozenset(models))
    if until is None:  # the head's day, and the 29 before it
        until = state.head.when if state.head else dt.datetime.now(dt.UTC)
    if since is None:
        since = until - dt.timedelta(days=29)
    # A model a glob names may have no span (every change to it was a broken file).
    table = exposure(state, models, since, until, rollout_key(ctx.policy))
    if not table:
        raise _matches_none(args.models)
    if args.format == "json":
        data = {m: [d.as_json() for d in days] for m, days in table.items()}
        print(json_dumps({"models": data}))
        return ExitCode.OK
    for model, days in table.items():
        print(safe(model))
        for d in days:
            rollout = "-" if d.rollout is None else str(d.rollout)
            shas = " ".join(c.commit.short for c in d.changes)
            print(f"  {d.day}  {safe(rollout):>8}  {plural(len(d.changes), 'change')}: {shas}")
    return ExitCode.OK


def _matches_none(pattern: str) -> AuditError:
    return AuditError(
        f"no model matches '{pattern}'",
        "hint: `auditui log` lists the models; --models takes a glob",
    )


def cmd_verify(args: argparse.Namespace) -> int:
    served = read_served(args.file)
    verdict = verify(_context(args), args.model, served)
    if args.format == "json":
        print(json_dumps(verdict.as_json()))
    elif verdict.match is None:
        print(
            f"drift: no commit on the first-parent line holds {safe(args.file)} for "
            f"{safe(args.model)}; closest {verdict.closest.commit[:7]} ({verdict.closest.day}), "
            f"{plural(len(verdict.deltas), 'difference')}:",
            file=sys.stderr,
        )
        for d in verdict.deltas:
            print(
                f"  {safe(d.path)}  {safe(format_value(d.old))} -> {safe(format_value(d.new))}"
                f"  ({d.kind})",
                file=sys.stderr,
            )
    elif verdict.unaudited:
        print(
            f"unaudited: {safe(args.model)} as served is its config at "
            f"{verdict.match.commit[:7]} ({verdict.match.day}), where "
            f"{plural(len(verdict.unaudited), 'change')} in force never cleared:",
            file=sys.stderr,
        )
        for c in verdict.unaudited:
            print(
                f"  {c.commit.short}  [{c.status}]  {safe(c.commit.subject)}  {', '.join(c.rules)}",
                file=sys.stderr,
            )
    else:
        print(
            f"audited: {safe(args.model)} as served is its config at "
            f"{verdict.match.commit[:7]} ({verdict.match.day}); every change in force there "
            "passed or is exempt"
        )
    return ExitCode.OK if verdict.status == "audited" else ExitCode.BLOCKED
