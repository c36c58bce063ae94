"""`auditui check` and `auditui review`: judge a range and show the verdicts.

The app (Textual) is imported only by `review`: `check` and the hooks never load it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from auditui.core.audit.context import Source, resolve_context
from auditui.core.audit.run import AuditRun
from auditui.core.base.errors import AuditError, ExitCode
from auditui.core.base.terminal import safe
from auditui.core.evidence.records import atomic_write
from auditui.core.formats import github_format, write
from auditui.core.formats.text_format import render_end
from auditui.core.git.repo import UNSHALLOW_HINT, GitRepo


def _emit(text: str | Callable[[TextIO], object], output: str | None) -> None:
    """Write the report (or run `text`, a function writing it) to --output or stdout."""
    if output:
        try:
            atomic_write(Path(output), text)
        except OSError as exc:
            raise AuditError(
                f"{output}: cannot write the report ({exc.strerror})",
                "hint: pass --output a file path in a writable folder",
            ) from None
    elif isinstance(text, str):
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        text(sys.stdout)
        sys.stdout.flush()


def ci_base(repo_path: str) -> str | None:
    """In a GitHub pull-request job (CI=true, GITHUB_BASE_REF set) the range starts
    at the merge base with the target branch, which must have been fetched."""
    target = os.environ.get("GITHUB_BASE_REF")
    if os.environ.get("CI", "").lower() != "true" or not target:
        return None

    repo = GitRepo.open(repo_path)
    ref = f"refs/remotes/origin/{target}"
    try:
        tip = repo.resolve(ref, "target branch")
    except AuditError:
        raise AuditError(
            f"CI: the target branch origin/{target} is not in this clone",
            UNSHALLOW_HINT,
        ) from None
    base = repo.merge_base("HEAD", tip)
    if base is None:
        raise AuditError(
            f"CI: no merge base between HEAD and origin/{target} (history missing?)",
            UNSHALLOW_HINT,
        )
    return base


def cmd_check(args: argparse.Namespace) -> int:

    whole = getattr(args, "all", False)
    base = args.base or (None if whole else ci_base(args.repo))
    ctx = resolve_context(
        args.repo,
        base,
        args.head,
        args.policy,
        default_base=not whole,
        signers_file=getattr(args, "allowed_signers", None),
    )
    ctx.anchors = args.format in ("junit", "sarif", "github")
    run = AuditRun(ctx)
    if ctx.upstream and not run.commits:
        print(
            f"auditui: nothing to audit: {ctx.head[:7]} is already in its upstream "
            f"{safe(ctx.upstream)}",
            file=sys.stderr,
        )
        print("hint: pass --all to audit the whole history (or --base REV)", file=sys.stderr)
    color = args.color == "always" or (
        args.color == "auto"
        and not args.output
        and sys.stdout.isatty()
        and not os.environ.get("NO_COLOR")
    )
    text = {"color": color, "verbose": args.verbose, "policy": ctx.policy}
    options = text if args.format == "text" else {}
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if args.format == "github" and summary_file:
        # Annotations go to the log; the Markdown table to the job's summary page.

        report = run.report(list(run))
        with open(summary_file, "a", encoding="utf-8") as fh:
            fh.write(github_format.summary(report))
        _emit(github_format.annotation_lines(report), args.output)
        _summary_line(report, args.output)
        return ExitCode.OK if report.ok else ExitCode.BLOCKED
    # Streamed: each change is written as it is judged and dropped (flat memory).
    verdict = []
    _emit(lambda out: verdict.append(write(run, args.format, out, **options)), args.output)
    _summary_line(verdict[0], args.output)
    return ExitCode.OK if verdict[0].ok else ExitCode.BLOCKED


def _summary_line(report, output: str | None) -> None:
    """With --output the report goes to a file: the job's log still says the verdict."""
    if output:
        sys.stderr.write(render_end(report) + f"auditui: report written to {output}\n")


def cmd_review(args: argparse.Namespace) -> int:

    # What can be known before the walk (a repository, its revisions, a policy) is
    # checked here: an error is one line and exit 2, never an app opened on it.
    source = Source(
        args.repo,
        args.base,
        args.head,
        getattr(args, "policy", None),
        default_base=not getattr(args, "all", False),
        signers_file=getattr(args, "allowed_signers", None),
    )
    source.context()
    from auditui.tui.app import AuditApp

    app = AuditApp.reading(source)
    app.run()
    return ExitCode.OK
