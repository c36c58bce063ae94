"""`auditui install-hook [--pre-receive] [--uninstall]`: the pre-push hook (or, on a
server's bare repository, the pre-receive hook), installed where git looks
(core.hooksPath respected), chaining any hook that was there and restoring it after."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from auditui.core.base.errors import AuditError, ExitCode
from auditui.core.evidence.records import atomic_write
from auditui.core.git.repo import GitRepo

MARKER = "# auditui-managed-hook v1"

SCRIPT = """\
#!/bin/sh
{marker}
# Installed by `auditui install-hook`; `auditui install-hook --uninstall` removes it
# (and puts back any hook it chained). Audits the model-config changes a push would
# publish; a change the policy does not clear stops the push.
AUDITUI_PYTHON={python}
input=$(cat)
feed() {{ if [ -n "$input" ]; then printf '%s\\n' "$input"; fi; }}
chained="$(dirname "$0")/{chained}"
if [ -x "$chained" ]; then
    feed | "$chained" "$@" || exit $?
fi
# -P: never import an `auditui` folder from the repository being pushed.
if [ -x "$AUDITUI_PYTHON" ] && "$AUDITUI_PYTHON" -P -c 'import auditui' 2>/dev/null; then
    feed | "$AUDITUI_PYTHON" -P -m auditui hook {hook} "$@"
elif command -v auditui >/dev/null 2>&1; then
    feed | auditui hook {hook} "$@"
else
    echo "auditui: not found, so this push cannot be audited; install auditui or run" >&2
    echo "hint: \\`auditui install-hook --uninstall\\` to stop auditing pushes here" >&2
    exit 1
fi
"""


def hooks_dir(repo_path: str) -> Path:

    repo = GitRepo.open(repo_path)
    out = repo._git("rev-parse", "--git-path", "hooks").strip()
    path = Path(out)
    return path if path.is_absolute() else (repo.root / path)


def _is_ours(path: Path) -> bool:
    try:
        return MARKER in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def cmd_install_hook(args: argparse.Namespace) -> int:
    hook = "pre-receive" if getattr(args, "pre_receive", False) else "pre-push"
    hooks = hooks_dir(args.repo)
    target = hooks / hook
    chained = hooks / f"{hook}.auditui-chained"
    exists = target.exists() or target.is_symlink()
    if args.uninstall:
        if not exists:
            if chained.exists() or chained.is_symlink():  # ours was deleted by hand
                os.replace(chained, target)
                print(f"auditui: restored your previous hook {target}")
            else:
                print(f"auditui: no {hook} hook in {hooks}; nothing to remove")
            return ExitCode.OK
        if not _is_ours(target):
            raise AuditError(
                f"{target} was not installed by auditui; leaving it alone",
                "hint: remove it by hand if you no longer want it",
            )
        target.unlink()
        if chained.exists() or chained.is_symlink():
            os.replace(chained, target)
            print(f"auditui: removed the auditui hook; restored your previous hook {target}")
        else:
            print(f"auditui: removed {target}")
        return ExitCode.OK

    note = ""
    if exists and not _is_ours(target):
        if chained.exists() or chained.is_symlink():
            raise AuditError(
                f"{target} is a hook auditui did not write, and {chained.name} already exists",
                "hint: merge the two hooks by hand, then run install-hook again",
            )
        os.replace(target, chained)
        note = f"; your existing hook now runs first, as {chained.name}"
    hooks.mkdir(parents=True, exist_ok=True)
    script = SCRIPT.format(
        marker=MARKER, python=shlex.quote(sys.executable), chained=chained.name, hook=hook
    )

    verb = "updated" if exists and not note else "installed"
    atomic_write(target, script)
    target.chmod(0o755)
    print(f"auditui: {verb} {hook} hook {target}{note}")
    return ExitCode.OK
