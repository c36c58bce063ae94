"""`auditui init`: write a commented starter policy, never over an existing one."""

from __future__ import annotations

import argparse
from pathlib import Path

from auditui.core.errors import AuditError, ExitCode


def cmd_init(args: argparse.Namespace) -> int:
    from auditui.core.policy import POLICY_FILE, STARTER
    from auditui.core.records import atomic_write

    root = Path(args.repo)
    if not root.is_dir():
        raise AuditError(f"{root}: no such directory")
    try:  # inside a repository the policy belongs at its root, wherever we stand
        from auditui.core.gitrepo import GitRepo

        root = GitRepo.open(root).root
    except AuditError:
        pass  # not a repository (yet): write it here
    target = root / POLICY_FILE
    if target.exists():
        raise AuditError(
            f"{target} already exists; not overwriting it",
            "hint: edit it, or remove it first to start again from the starter",
        )
    atomic_write(target, STARTER)
    print(f"auditui: wrote {target}; commit it to adopt auditui (earlier history is exempt)")
    return ExitCode.OK
