"""Command line: parses arguments and dispatches. Each command returns an exit code.

Heavy imports happen inside the commands that need them: `check` and the hook must
not pay for Textual, and `--help` should not pay for git.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap

from auditui import __version__
from auditui.core.base.errors import AuditError, ExitCode
from auditui.core.formats import FORMATS

REPO_HELP = "the repository (default: the current directory)"
TARGET_HELP = "the change: its commit (HEAD~2, a sha) or its fingerprint (16+ hex digits)"
FORMAT_HELP = "output format (default: text)"
KEY_HELP = (
    "only this setting and those under it, as `show` spells it: a dotted key, a list "
    "item's setting (parameter_rules[name=max_tokens].default), prompt:<file>"
)
EXIT_CODES = """\
exit codes:
  0  every change passes (or the command did what it was asked)
  1  at least one change is blocked (check, the hooks)
  2  auditui cannot judge: one line says what, a hint: line how to fix it"""


def _add_range(p: argparse.ArgumentParser, policy: bool = True) -> None:
    p.add_argument("--repo", default=".", help="repository to audit (default: current directory)")
    p.add_argument(
        "--base",
        help="audit commits after this revision (default: merge-base "
        "with the branch's upstream, else the whole history)",
    )
    p.add_argument("--head", default="HEAD", help="last commit to audit (default: HEAD)")
    p.add_argument(
        "--all",
        action="store_true",
        help="audit the whole history up to --head, whatever the upstream (not with --base)",
    )
    if policy:
        p.add_argument("--policy", help="judge with this policy file instead of the one at base")
        p.add_argument(
            "--allowed-signers",
            metavar="FILE",
            help="verify signed approvals with this file instead of the one at base "
            "(also: git config auditui.allowedSigners)",
        )


def _add_window(p: argparse.ArgumentParser, default: str = "(default: open)") -> None:
    p.add_argument("--since", metavar="DATE", help=f"the window's first day {default}")
    p.add_argument("--until", metavar="DATE", help=f"the window's last day {default}")
    _add_lookback(p)


def _add_lookback(p: argparse.ArgumentParser) -> None:
    p.add_argument("--repo", default=".", help="repository (default: current directory)")
    p.add_argument("--head", default="HEAD", help="the history to look back on (default: HEAD)")
    p.add_argument(
        "--policy", help="read the model with this policy file instead of the one at that commit"
    )
    p.add_argument("--format", choices=["text", "json"], default="text", help=FORMAT_HELP)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="auditui",
        description="Audit changes to LLM model configs and system prompts kept in git.",
    )
    parser.add_argument("--version", action="version", version=f"auditui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("check", help="judge a range of history headless (CI, scripts)")
    _add_range(p)
    p.add_argument(
        "--format", choices=FORMATS, default="text", help="report format (default: text)"
    )
    p.add_argument("--output", "-o", help="write the report to FILE instead of stdout")
    p.add_argument("--verbose", "-v", action="store_true", help="show whole prompt diffs")
    p.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="colour the report (auto: on a terminal, unless NO_COLOR)",
    )

    p = sub.add_parser("review", help="review a range in the interactive app")
    _add_range(p)

    p = sub.add_parser("demo", help="build the bundled sample history and review it")
    p.add_argument("--check", action="store_true", help="print the headless report instead")
    p.add_argument("--into", help="build the sample repository in DIR (new or empty)")

    p = sub.add_parser("log", help="per-model timeline of changes")
    _add_range(p)
    p.add_argument("--model", "-m", help="the model to trace (default: list models)")
    p.add_argument("--since", help="only changes authored on or after this date")
    p.add_argument("--until", help="only changes authored on or before this date")
    p.add_argument("--format", choices=["text", "json"], default="text", help=FORMAT_HELP)

    p = sub.add_parser("show", help="a model's effective config, prompts and limits at a commit")
    p.add_argument("model", metavar="MODEL", help="the model's name (`auditui log` lists them)")
    p.add_argument("key", metavar="KEY", nargs="?", help=KEY_HELP)
    p.add_argument(
        "--at",
        metavar="REV|DATE",
        help="a revision, or a date: the last first-parent commit at or before it "
        "(default: --head)",
    )
    _add_lookback(p)

    p = sub.add_parser("blame", help="which change last set each of a model's settings")
    p.add_argument("model", metavar="MODEL", help="the model's name (`auditui log` lists them)")
    p.add_argument("key", metavar="KEY", nargs="?", help=KEY_HELP)
    _add_lookback(p)

    incident_doc = (
        "Reads the whole history up to --head; a change is in force from when it landed on "
        "the first-parent line until its settings are moved again. See docs/reports.md, "
        '"From a symptom to its cause".'
    )
    p = sub.add_parser(
        "suspects",
        help="the changes in force on the models showing a symptom, ranked: from a symptom "
        "to its cause",
        description="Rank every change that moved a named model and was in force during "
        "the window: the share of the named models it moved, then risk, then evidence, then "
        "newest. " + incident_doc,
    )
    p.add_argument(
        "--models",
        required=True,
        metavar="M[,M...]",
        help="the models showing the symptom, comma-separated (names or globs)",
    )
    _add_window(p)

    p = sub.add_parser(
        "exposure",
        help="per model and day: the changes in force and the rollout value",
        description="Per model and per day: which changes were in force and the model's "
        "rollout value at the day's end. " + incident_doc,
    )
    p.add_argument(
        "--models",
        default="*",
        metavar="GLOB",
        help="the models to lay out (a glob; default: every model)",
    )
    _add_window(p, "(default: the 30 days up to --head)")

    p = sub.add_parser(
        "verify",
        help="is a served config one that was audited? (exit 1: drift, or an unaudited state)",
        description="Find the newest commit on --head's first-parent line whose effective "
        "config for the model equals FILE: exit 0 when every change in force there passed or "
        "is exempt; exit 1 when one was blocked, or on drift (no commit holds FILE: the "
        "closest is named with its deltas). " + incident_doc,
    )
    p.add_argument(
        "file",
        metavar="FILE",
        help="the config the serving system reports for the model (JSON, YAML or TOML: the "
        "settings `show --format json` prints as config)",
    )
    p.add_argument("--model", "-m", required=True, help="the model it is the config of")
    _add_lookback(p)

    p = sub.add_parser(
        "approve", help="approve, reject or withdraw your word on a change (its audit record)"
    )
    p.add_argument("target", metavar="FINGERPRINT|COMMIT", help=TARGET_HELP)
    p.add_argument("--repo", default=".", help=REPO_HELP)
    p.add_argument("--comment", help="why; stored with the verdict")
    word = p.add_mutually_exclusive_group()
    word.add_argument("--reject", action="store_true", help="record a reject (blocks the change)")
    word.add_argument(
        "--withdraw",
        action="store_true",
        help="take back your approval or rejection: your latest word is then no vote at all",
    )
    p.add_argument("--sign", metavar="KEYFILE", help="sign with this SSH private key")

    p = sub.add_parser(
        "override",
        help="break-glass: let a blocked change through now, its evidence owed within "
        "[override] follow_up_hours (docs/blocked.md)",
    )
    p.add_argument("target", metavar="FINGERPRINT|COMMIT", help=TARGET_HELP)
    p.add_argument("--repo", default=".", help=REPO_HELP)
    p.add_argument(
        "--reason", required=True, help="why it cannot wait (an incident, a ticket); recorded"
    )
    p.add_argument("--sign", metavar="KEYFILE", help="sign with this SSH private key")

    p = sub.add_parser("eval", help="record eval results for a change")
    esub = p.add_subparsers(dest="eval_command", metavar="add|import|run", required=True)
    p = esub.add_parser(
        "run",
        help="run the policy's [evals.runner] command on the parent "
        "and the changed config, then import both",
    )
    p.add_argument("target", metavar="FINGERPRINT|COMMIT", help=TARGET_HELP)
    p.add_argument("--repo", default=".", help=REPO_HELP)
    p.add_argument("--model", help="only this model (default: every model the change moves)")
    p.add_argument("--suite", help="only this suite (default: the policy's required suites)")
    p = esub.add_parser(
        "import",
        help="two runs of promptfoo, lm-eval or inspect_ai (the parent config, the change) as "
        "an eval with error bars for each model they cover",
        description="Import two runs of one eval tool, on the parent config (--baseline) and on\n"
        "the change (--candidate): one eval entry per model the files cover, so a change that\n"
        "moves hundreds of models gets its evidence from one run. A file's model id names\n"
        "the change's model by --map, by being its name, or by its last part\n"
        "(openai:gpt-4o is models/openai/gpt-4o). A model of the files that names none of\n"
        "the change's, or a model with no scores in both files, stops the import before\n"
        "anything is written (docs/records.md).",
    )
    p.add_argument("target", metavar="FINGERPRINT|COMMIT", help=TARGET_HELP)
    p.add_argument("--repo", default=".", help=REPO_HELP)
    p.add_argument(
        "--baseline", required=True, metavar="FILE", help="the tool's output for the parent config"
    )
    p.add_argument(
        "--candidate",
        required=True,
        metavar="FILE",
        help="the tool's output for the changed config",
    )
    p.add_argument(
        "--model",
        action="append",
        metavar="GLOB",
        help="import only the change's models this matches (repeatable; `*` matches `/` "
        "too); with files of one model, the model they evaluate",
    )
    p.add_argument(
        "--map",
        action="append",
        metavar="FILE_MODEL=MODEL",
        help="the change's model a file's model id stands for (repeatable; one `*` on both "
        "sides maps many: 'google:*=models/gemini/*')",
    )
    p.add_argument("--suite", help="the policy's suite (default: the task the files name)")
    p.add_argument(
        "--tool",
        choices=["promptfoo", "lm-eval", "inspect"],
        help="read the files as this tool's output (default: recognised)",
    )
    p = esub.add_parser(
        "add",
        help="add one model's eval result, typed in, to a change's audit record",
        description="Add one model's scores on one suite to a change's record. Each model has its\n"
        "own scores, so this records one model at a time; for many models from one eval run\n"
        "(a shared default, a provider-wide edit) use `auditui eval import`.",
    )
    p.add_argument("target", metavar="FINGERPRINT|COMMIT", help=TARGET_HELP)
    p.add_argument("--repo", default=".", help=REPO_HELP)
    p.add_argument("--model", required=True, help="the model evaluated (one the change moves)")
    p.add_argument("--suite", required=True, help="the eval suite ([evals] required_suites)")
    p.add_argument("--baseline", type=float, required=True, help="score of the parent config")
    p.add_argument("--candidate", type=float, required=True, help="score with the change")
    p.add_argument("--samples", type=int, help="how many samples the scores are over")
    p.add_argument("--run", help="where the evidence lives (URL, CI run id)")

    p = sub.add_parser("hook", help="run as a git hook (see install-hook)")
    hooks = p.add_subparsers(dest="hook_type", metavar="TYPE", required=True)
    h = hooks.add_parser("pre-push", help="git's pre-push protocol on stdin")
    h.add_argument("remote", nargs="?", help="remote name (git passes it)")
    h.add_argument("url", nargs="?", help="remote URL (git passes it)")
    h.add_argument("--repo", default=".", help=REPO_HELP)
    h.epilog = "Pin the policy and signers with git config auditui.policy / auditui.allowedSigners."
    h = hooks.add_parser("pre-commit", help="the pre-commit framework's pre-push stage")
    h.add_argument("--repo", default=".", help=REPO_HELP)
    h = hooks.add_parser("pre-receive", help="git's pre-receive protocol, on the server")
    h.add_argument("--repo", default=".", help=REPO_HELP)

    p = sub.add_parser("install-hook", help="install (or --uninstall) the git pre-push hook")
    p.add_argument("--repo", default=".", help=REPO_HELP)
    p.add_argument(
        "--uninstall",
        action="store_true",
        help="remove the hook auditui installed (never another one)",
    )
    p.add_argument(
        "--pre-receive",
        action="store_true",
        help="install the server-side pre-receive hook (in a bare repository)",
    )

    p = sub.add_parser("init", help="write a commented starter .auditui.toml")
    p.add_argument("--repo", default=".", help="repository root (default: current directory)")
    _describe(parser)
    return parser


def _describe(parser: argparse.ArgumentParser) -> None:
    """Every subcommand's --help: its one-line help as the description, the exit codes
    after the options."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {a.dest: a.help for a in action._choices_actions}
        for name, sub in action.choices.items():
            sub.description = textwrap.fill(sub.description or helps.get(name) or "", 79)
            sub.formatter_class = argparse.RawDescriptionHelpFormatter
            sub.epilog = f"{sub.epilog}\n\n{EXIT_CODES}" if sub.epilog else EXIT_CODES
            _describe(sub)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv = ["review", *argv]  # plain `auditui [--repo ...]` opens the review
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "all", False) and getattr(args, "base", None):
        parser.error("--all and --base cannot be used together")
    try:
        return int(_command(args.command)(args))
    except AuditError as exc:
        from auditui.core.base.terminal import safe  # messages quote repository paths and names

        print(f"auditui: error: {safe(exc.message)}", file=sys.stderr)
        if exc.hint:
            hint = exc.hint if exc.hint.startswith("hint:") else f"hint: {exc.hint}"
            print(safe(hint), file=sys.stderr)
        return ExitCode.CANNOT_JUDGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return ExitCode.OK
    except Exception as exc:  # never a traceback for users; AUDITUI_DEBUG=1 shows it
        if os.environ.get("AUDITUI_DEBUG"):
            raise
        from auditui.core.base.terminal import safe

        print(f"auditui: internal error: {type(exc).__name__}: {safe(exc)}", file=sys.stderr)
        print("hint: rerun with AUDITUI_DEBUG=1 and report the traceback", file=sys.stderr)
        return ExitCode.CANNOT_JUDGE


COMMANDS = {
    "check": "auditui.commands.check:cmd_check",
    "review": "auditui.commands.check:cmd_review",
    "demo": "auditui.commands.demo:cmd_demo",
    "init": "auditui.commands.init:cmd_init",
    "hook": "auditui.commands.hook:cmd_hook",
    "install-hook": "auditui.commands.install_hook:cmd_install_hook",
    "log": "auditui.commands.log:cmd_log",
    "show": "auditui.commands.lookback:cmd_show",
    "blame": "auditui.commands.lookback:cmd_blame",
    "suspects": "auditui.commands.incident:cmd_suspects",
    "exposure": "auditui.commands.incident:cmd_exposure",
    "verify": "auditui.commands.incident:cmd_verify",
    "approve": "auditui.commands.record:cmd_approve",
    "override": "auditui.commands.record:cmd_override",
    "eval": "auditui.commands.record:cmd_eval",
}


def _command(name: str):
    from importlib import import_module

    module, func = COMMANDS[name].split(":")
    return getattr(import_module(module), func)
