"""`auditui check` and `auditui review`: judge a range and show the verdicts."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from auditui.core.errors import ExitCode


def _emit(text: str, output: str | None) -> None:
    if output:
        from auditui.core.records import atomic_write

        atomic_write(Path(output), text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def cmd_check(args: argparse.Namespace) -> int:
    from auditui.core.audit import run_audit
    from auditui.core.formats import render

    report = run_audit(args.repo, args.base, args.head, args.policy)
    color = args.color == "always" or (
        args.color == "auto"
        and not args.output
        and sys.stdout.isatty()
        and not os.environ.get("NO_COLOR")
    )
    options = {"color": color, "verbose": args.verbose} if args.format == "text" else {}
    _emit(render(report, args.format, **options), args.output)
    return ExitCode.OK if report.ok else ExitCode.BLOCKED


def cmd_review(args: argparse.Namespace) -> int:
    # Textual costs ~200 ms to import; only the interactive commands pay for it.
    from auditui.tui.app import AuditApp

    app = AuditApp(args.repo, args.base, args.head, getattr(args, "policy", None))
    app.run()
    return ExitCode.OK
