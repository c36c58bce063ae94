"""Exit codes and the one error type that means "auditui cannot judge".

Exit codes are part of the contract with CI scripts (docs/reports.md, "Rules and exit
codes"), so they live in one enum rather than as literals scattered through the
commands.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # every change passes
    BLOCKED = 1  # at least one change is blocked
    CANNOT_JUDGE = 2  # bad input, unknown revision, invalid policy, shallow history


class AuditError(Exception):
    """Raised when auditui cannot judge; the CLI prints it as one line plus a hint.

    `message` names what went wrong (and the file, where there is one); `hint`
    says how to fix it. Neither may contain a traceback or a Python repr.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message
