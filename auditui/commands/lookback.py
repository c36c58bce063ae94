"""`auditui show` and `auditui blame`: one model looked back on (docs/reports.md,
"Looking back")."""

from __future__ import annotations

import argparse

from auditui.core.base.errors import ExitCode
from auditui.core.base.terminal import json_dumps, safe
from auditui.core.base.wording import plural
from auditui.core.features.lookback import blame, show
from auditui.core.formats.text_format import format_value, shown_value


def cmd_show(args: argparse.Namespace) -> int:

    shown = show(args.repo, args.model, args.at, args.head, args.policy, key=args.key)
    if args.format == "json":
        print(json_dumps(shown.as_json()))
        return ExitCode.OK
    print(f"{safe(shown.model)} at {shown.commit[:7]}  ({safe(shown.source)})")
    for key, value in shown.settings:
        print(f"  {safe(key)} = {shown_value(value)}")  # the whole value: --format json
    for path, blob in shown.prompts:
        print(f"  prompt {safe(path)}  blob {blob[:12]}")
    for lim in shown.limits:
        print(f"  limit  {safe(lim['prompt'])}: {shown_value(lim)}")
    return ExitCode.OK


def cmd_blame(args: argparse.Namespace) -> int:

    shown, rows = blame(args.repo, args.model, args.key, args.head, args.policy)
    if args.format == "json":
        print(json_dumps([r.as_json() for r in rows]))
        return ExitCode.OK
    n = len(rows)
    print(f"{safe(shown.model)} at {shown.commit[:7]}: {plural(n, 'setting')}")
    width = min(max((len(r.key) for r in rows), default=0), 40)
    for r in rows:
        value = format_value(r.value)
        if len(value) > 30:
            value = value[:29] + "…"
        c = r.change
        if c is None:
            where = "(no audited change: ignored by the policy)"
        else:
            where = (
                f"{c.commit.short}  {c.commit.author_date[:10]}  "
                f"{c.commit.author_email}  [{c.status}]"
            )
        print(f"  {safe(r.key):<{width}}  {safe(value):<30}  {safe(where)}")
    return ExitCode.OK
