"""Messages the audit worker posts to the app; small dataclasses, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from auditui.core.audit.context import AuditContext
    from auditui.core.audit.report import Report


@dataclass
class AuditProgress(Message):
    done: int
    total: int
    generation: int = 0  # the load it belongs to: a reload makes earlier messages stale


@dataclass
class AuditBatch(Message):
    """Changes judged since the last batch, so rows appear while history loads."""

    generation: int  # which load they belong to (a reload makes earlier batches stale)
    changes: list


@dataclass
class AuditLoaded(Message):
    report: Report
    keep: str | None  # the commit to keep the cursor on
    ctx: AuditContext  # the history it judged
    generation: int = 0


@dataclass
class AuditFailed(Message):
    message: str
    hint: str | None = None
    generation: int = 0
