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
from auditui.core.features.incident import exposure, named_models, suspects, window
from auditui.core.features.inforce import ROLLOUT_KEY, account, known_models


def _context(args: argparse.Namespace) -> AuditContext:
    ctx = resolve_context(args.repo, None, args.head, args.policy, default_base=False)
    ctx.anchors = False
    return ctx


def _window(args: argparse.Namespace) -> tuple[dt.datetime | None, dt.datetime | None]:
    return window(args.since, args.until)


def _rollout_key(ctx: AuditContext) -> str:
    return ctx.policy.rollout.key if ctx.policy.rollout else ROLLOUT_KEY


def cmd_suspects(args: argparse.Namespace) -> int:
    ctx = _context(args)
    since, until = _window(args)
    asked = [m.strip() for m in args.models.split(",") if m.strip()]
    models = named_models(known_models(ctx), asked, ctx.head)
    state, _changes = account(ctx, frozenset(models))
    found = suspects(state, models, since, until, _rollout_key(ctx))
    if args.format == "json":
        print(json_dumps([s.as_json() for s in found]))
        return ExitCode.OK
    window = f"{since.date() if since else 'the start'} .. {until.date() if until else 'now'}"
    print(
        f"suspects for {safe(', '.join(models))}, in force {window}: {plural(len(found), 'change')}"
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
    since, until = _window(args)
    models = [m for m in known_models(ctx) if fnmatchcase(m, args.models)]
    if not models:
        raise AuditError(
            f"no model matches '{args.models}'",
            "hint: `auditui log` lists the models; --models takes a glob",
        )
    state, _changes = account(ctx, frozenset(models))
    if until is None:  # the head's day, and the 29 before it
        until = state.head.when if state.head else dt.datetime.now(dt.UTC)
    if since is None:
        since = until - dt.timedelta(days=29)
    table = exposure(state, args.models, since, until, _rollout_key(ctx))
    if not table:
        raise AuditError(
            f"no model matches '{args.models}'",
            "hint: `auditui log` lists the models; --models takes a glob",
        )
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


def cmd_verify(args: argparse.Namespace) -> int:
    from auditui.core.features.verify import read_served, verify

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
                f"  {safe(d.path)}  {safe(_shown(d.old))} -> {safe(_shown(d.new))}  ({d.kind})",
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


def _shown(value) -> str:
    from auditui.core.formats.text_format import format_value

    return "∅" if value is None else format_value(value)
