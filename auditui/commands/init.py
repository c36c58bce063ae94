"""`auditui init`: look at the repository, propose a layout, write a commented
starter policy (never over an existing one) and say what was chosen."""

from __future__ import annotations

import argparse
from pathlib import Path

from auditui.core.base.errors import AuditError, ExitCode
from auditui.core.base.terminal import safe
from auditui.core.base.wording import plural
from auditui.core.evidence.records import atomic_write
from auditui.core.features.adoption import coverage_lines, policy_text, propose
from auditui.core.git.repo import GitRepo
from auditui.core.policy.model import POLICY_FILE
from auditui.core.policy.parse import parse_policy


def cmd_init(args: argparse.Namespace) -> int:

    if not Path(args.repo).is_dir():
        raise AuditError(f"{args.repo}: no such directory", "hint: pass --repo PATH")
    try:  # inside a repository the policy belongs at its root, wherever we stand
        repo = GitRepo.open(args.repo)
    except AuditError as exc:
        hint = "hint: run `git init` first (auditui audits git history)"
        raise AuditError(exc.message, hint) from None
    target = repo.root / POLICY_FILE
    if target.exists() or target.is_symlink():
        raise AuditError(
            f"{target} already exists; not overwriting it",
            "hint: edit it, or remove it first to start again from the starter",
        )
    files = repo.worktree_files()
    proposal = propose(files, lambda path: _read(repo.root, path))
    text = policy_text(proposal)
    parse_policy(text, POLICY_FILE)  # what init writes always parses
    atomic_write(target, text, follow_links=False, exclusive=True)

    print(f"auditui: looked at {proposal.files_seen} files in {safe(repo.root)}")
    if proposal.empty:
        print("  found no model configs or prompts: wrote the default layout (models/, prompts/)")
        print(
            "  edit [layout] before committing: `auditui check` refuses a layout matching nothing"
        )
    for line in proposal.found:
        print(f"  {safe(line)}")
    if proposal.exclude:
        print(
            f"  exclude     {safe(', '.join(sorted(set(proposal.exclude))))} "
            "(never read as models or prompts)"
        )
    if not proposal.empty:
        print("auditui: what the policy does with the files it looked at (per folder):")
        for line in coverage_lines(proposal.coverage):
            print(safe(line))
        missed = proposal.coverage.uncovered
        if missed:
            named = ", ".join(safe(p) for p in missed[:5]) + (", …" if len(missed) > 5 else "")
            print(
                f"auditui: {plural(len(missed), 'file')} {'looks' if len(missed) == 1 else 'look'}"
                f" like model configs but no pattern covers or excludes them: {named}; "
                "add them to [layout] models, or to exclude"
            )
    print(
        f"auditui: wrote {safe(target)}; review it, then commit it to adopt auditui "
        "(earlier history is exempt)"
    )
    return ExitCode.OK


def _read(root: Path, path: str) -> bytes | None:
    """A regular file of the working tree (a symlink is never followed: it may lead
    anywhere), or None."""
    full = root / path
    try:
        if full.is_symlink() or not full.is_file():
            return None
        with open(full, "rb") as fh:
            return fh.read(8 * 1024 * 1024 + 1)
    except OSError:
        return None
