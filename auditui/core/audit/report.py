"""What an audit run reports: each judged change (Change), how many of each verdict
(Totals), and the run as a whole (Report). The formats render these; nothing here
walks or judges."""

from __future__ import annotations

from dataclasses import dataclass, field

from auditui.core.audit.checks import Finding
from auditui.core.configs.coverage import Uncovered
from auditui.core.diff.deltas import Delta
from auditui.core.evidence.records import Record
from auditui.core.git.log import CommitInfo
from auditui.core.policy.model import Policy


@dataclass
class Change:
    commit: CommitInfo
    deltas: list[Delta]
    fingerprint: str
    record_file: str
    status: str = "pass"  # pass | blocked | exempt | reverted (see reverts)
    findings: list[Finding] = field(default_factory=list)
    reverted_by: str | None = None  # status reverted: the commit that put it back
    reverts: str | None = None  # it only puts back what this commit (and others) moved
    # Models it brought into being (absent before; a renamed model is no new one) and
    # models it deleted: a deletion is no revert (see reverts).
    appeared: tuple[str, ...] = ()
    vanished: tuple[str, ...] = ()
    rules_applied: list[str] = field(default_factory=list)  # [[rules]] its deltas matched
    record: Record | None = None
    # Where the change lands, per model (None: the change as a whole) as (path, line):
    # what SARIF and GitHub annotations point at.
    anchors: dict[str | None, tuple[str, int]] = field(default_factory=dict)

    def anchor(self, model: str | None = None) -> tuple[str, int] | None:
        return self.anchors.get(model) or self.anchors.get(None)

    @property
    def models(self) -> list[str]:
        """Models whose effective config moved (a broken file moves none: it keeps the
        last good config, docs/policy.md)."""
        return sorted({d.model for d in self.deltas if d.model is not None and d.kind != "invalid"})

    @property
    def rules(self) -> list[str]:
        return sorted({f.rule for f in self.findings})


@dataclass
class Totals:
    """How many changes a run found, by verdict: all a streamed report keeps of them."""

    changes: int = 0
    blocked: int = 0
    exempt: int = 0
    reverted: int = 0

    def add(self, change: Change) -> None:
        self.count(change.status)

    def count(self, status: str, sign: int = 1) -> None:
        """One change of `status` more (or, with sign -1, one less)."""
        self.changes += sign
        self.blocked += sign * (status == "blocked")
        self.exempt += sign * (status == "exempt")
        self.reverted += sign * (status == "reverted")

    @property
    def passed(self) -> int:
        return self.changes - self.blocked - self.exempt - self.reverted


@dataclass
class Report:
    repo: str
    base: str | None
    head: str
    policy_source: str  # "base", "head" or the --policy path
    changes: list[Change]
    commits_walked: int = 0
    upstream: str | None = None  # the base is where head meets this upstream
    signers_source: str | None = None  # "base", "head" or the pinned file (None: not required)
    streamed: Totals | None = None  # set when the changes were written as they came, not kept
    # The policy that judged: how the text spells a delta's leaves (deltas.leaf_rows).
    policy: Policy | None = field(default=None, compare=False, repr=False)
    # Files that look like model configs, changed in the range, that no layout pattern
    # covers or excludes (docs/reports.md, "Files the layout misses"): the report ends
    # with a warning naming them.
    uncovered: Uncovered = field(default_factory=Uncovered)

    @property
    def blocked(self) -> list[Change]:
        return [c for c in self.changes if c.status == "blocked"]

    @property
    def totals(self) -> Totals:
        if self.streamed is not None:
            return self.streamed
        totals = Totals()
        for change in self.changes:
            totals.add(change)
        return totals

    @property
    def ok(self) -> bool:
        return self.totals.blocked == 0
