"""Command line: parses arguments and dispatches. Each command returns an exit code.

Heavy imports happen inside the commands that need them: `check` and the hook must
not pay for Textual, and `--help` should not pay for git.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from auditui import __version__
from auditui.core.errors import AuditError, ExitCode


def _add_range(p: argparse.ArgumentParser, policy: bool = True) -> None:
    p.add_argument("--repo", default=".", help="repository to audit (default: current directory)")
    p.add_argument(
        "--base",
        help="audit commits after this revision (default: merge-base "
        "with the branch's upstream, else the whole history)",
    )
    p.add_argument("--head", default="HEAD", help="last commit to audit (default: HEAD)")
    if policy:
        p.add_argument("--policy", help="judge with this policy file instead of the one at base")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="auditui",
        description="Audit changes to LLM model configs and system prompts kept in git.",
    )
    parser.add_argument("--version", action="version", version=f"auditui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("check", help="judge a range of history headless (CI, scripts)")
    _add_range(p)
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--output", "-o", help="write the report to FILE instead of stdout")
    p.add_argument("--verbose", "-v", action="store_true", help="show whole prompt diffs")
    p.add_argument("--color", choices=["auto", "always", "never"], default="auto")

    p = sub.add_parser("review", help="review a range in the interactive app")
    _add_range(p)

    p = sub.add_parser("demo", help="build the bundled sample history and review it")
    p.add_argument("--check", action="store_true", help="print the headless report instead")
    p.add_argument("--into", help="build the sample repository in DIR (new or empty)")

    p = sub.add_parser("approve", help="approve (or reject) a change: writes its audit record")
    p.add_argument("target", metavar="FINGERPRINT|COMMIT")
    p.add_argument("--repo", default=".")
    p.add_argument("--comment", help="why; stored with the verdict")
    p.add_argument("--reject", action="store_true", help="record a reject (blocks the change)")

    p = sub.add_parser("eval", help="record eval results for a change")
    esub = p.add_subparsers(dest="eval_command", metavar="add", required=True)
    p = esub.add_parser("add", help="add one eval result to a change's audit record")
    p.add_argument("target", metavar="FINGERPRINT|COMMIT")
    p.add_argument("--repo", default=".")
    p.add_argument("--model", required=True)
    p.add_argument("--suite", required=True)
    p.add_argument("--baseline", type=float, required=True, help="score of the parent config")
    p.add_argument("--candidate", type=float, required=True, help="score with the change")
    p.add_argument("--samples", type=int)
    p.add_argument("--run", help="where the evidence lives (URL, CI run id)")

    p = sub.add_parser("init", help="write a commented starter .auditui.toml")
    p.add_argument("--repo", default=".", help="repository root (default: current directory)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "review"
    if args.command is None:
        args = build_parser().parse_args(["review", *(argv or sys.argv[1:])])
    try:
        return int(COMMANDS[command](args))
    except AuditError as exc:
        print(f"auditui: error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(
                exc.hint if exc.hint.startswith("hint:") else f"hint: {exc.hint}", file=sys.stderr
            )
        return ExitCode.CANNOT_JUDGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return ExitCode.OK
    except Exception as exc:  # never a traceback for users; AUDITUI_DEBUG=1 shows it
        if os.environ.get("AUDITUI_DEBUG"):
            raise
        print(f"auditui: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("hint: rerun with AUDITUI_DEBUG=1 and report the traceback", file=sys.stderr)
        return ExitCode.CANNOT_JUDGE


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
    from auditui.core.audit import run_audit
    from auditui.core.formats import render

    # The interactive app lands with issue 3; until then review prints the report.
    report = run_audit(args.repo, args.base, args.head, args.policy)
    sys.stdout.write(render(report, "text", color=sys.stdout.isatty(), verbose=False))
    print("(the interactive review app is not built yet; this is `auditui check`)")
    return ExitCode.OK if report.ok else ExitCode.BLOCKED


def cmd_demo(args: argparse.Namespace) -> int:
    import tempfile

    from auditui.core.sample import build_sample

    target = Path(args.into) if args.into else Path(tempfile.mkdtemp(prefix="auditui-demo-"))
    build_sample(target)
    print(f"auditui: sample history built in {target}", file=sys.stderr)
    ns = argparse.Namespace(
        repo=str(target),
        base=None,
        head="HEAD",
        policy=None,
        format="text",
        output=None,
        verbose=False,
        color="auto",
    )
    return cmd_check(ns) if args.check else cmd_review(ns)


def cmd_init(args: argparse.Namespace) -> int:
    from auditui.core.policy import POLICY_FILE, STARTER
    from auditui.core.records import atomic_write

    root = Path(args.repo)
    if not root.is_dir():
        raise AuditError(f"{root}: no such directory")
    target = root / POLICY_FILE
    if target.exists():
        raise AuditError(
            f"{target} already exists; not overwriting it",
            "hint: edit it, or remove it first to start again from the starter",
        )
    atomic_write(target, STARTER)
    print(f"auditui: wrote {target}; commit it to adopt auditui (earlier history is exempt)")
    return ExitCode.OK


COMMANDS = {
    "check": cmd_check,
    "review": cmd_review,
    "demo": cmd_demo,
    "init": cmd_init,
}


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
    print(f"auditui: {what} -> {target.record_file}")
    print(f"  fingerprint {target.fingerprint}")
    print(
        f"  now {len(written.get('evals', []))} eval(s), "
        f"{len(written.get('approvals', []))} approval(s) in the record; commit it to take effect"
    )


def cmd_approve(args: argparse.Namespace) -> int:
    from auditui.core.records import append_entries, now_utc
    from auditui.core.target import find_target

    target = find_target(args.repo, args.target)
    by = _identity(args.repo)
    verdict = "reject" if args.reject else "approve"
    entry = {"by": by, "verdict": verdict, "at": now_utc(), "comment": args.comment}
    change = target.change
    written = append_entries(
        target.record_file,
        target.fingerprint,
        summary=change.commit.subject if change else "",
        models=change.models if change else (),
        approvals=[entry],
    )
    _confirm(target, written, f"{verdict} by {by}")
    return ExitCode.OK


def cmd_eval(args: argparse.Namespace) -> int:
    from auditui.core.records import append_entries, now_utc
    from auditui.core.target import find_target

    target = find_target(args.repo, args.target)
    change = target.change
    if change is not None and args.model not in change.models:
        raise AuditError(
            f"model '{args.model}' is not affected by this change "
            f"(affected: {', '.join(change.models) or 'none'})",
            "hint: record evals for the models the change moves",
        )
    entry = {
        "model": args.model, "suite": args.suite, "baseline": args.baseline,
        "candidate": args.candidate, "samples": args.samples, "run": args.run,
        "recorded_by": _identity(args.repo), "at": now_utc(),
    }  # fmt: skip
    written = append_entries(
        target.record_file,
        target.fingerprint,
        summary=change.commit.subject if change else "",
        models=change.models if change else (),
        evals=[entry],
    )
    delta = args.candidate - args.baseline
    _confirm(
        target,
        written,
        f"eval {args.model}/{args.suite} {args.baseline:g} -> {args.candidate:g} ({delta:+g})",
    )
    return ExitCode.OK


COMMANDS["approve"] = cmd_approve
COMMANDS["eval"] = cmd_eval
