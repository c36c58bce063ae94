"""What an audit run reports: each judged change (Change), how many of each verdict
(Totals), and the run as a whole (Report). The formats render these; nothing here
walks or judges."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from auditui.core.audit.checks import Finding
from auditui.core.configs.coverage import Uncovered
from auditui.core.diff.deltas import Delta
from auditui.core.evidence.records import Record
from auditui.core.git.log import CommitInfo
from auditui.core.policy.model import Policy


@dataclass(frozen=True)
class Overridden:
    """The override that counts for a change (the first valid one) and its deadline
    (see override.py)."""

    by: str
    at: dt.datetime
    reason: str
    due: dt.datetime  # at + follow_up_hours: still owing evidence after it is AUD014
    overdue: bool = False  # the head commit is past `due` and evidence is still owed
    hours_left: float | None = None  # to `due` from the head commit's committer date

    def as_json(self) -> dict:
        fields = {"by": self.by, "at": stamp(self.at), "reason": self.reason}
        left = None if self.hours_left is None else round(self.hours_left, 1)
        return fields | {"due": stamp(self.due), "overdue": self.overdue, "hours_left": left}

    def due_text(self) -> str:
        """When the evidence is due, as every report says it."""
        if self.overdue:
            return f"its evidence was due by {stamp(self.due)}"
        left = "" if self.hours_left is None else f", {self.hours_left:.1f} h left at the head"
        return f"evidence due by {stamp(self.due)}{left}"


def stamp(when: dt.datetime) -> str:
    """A time as records and reports write it: RFC 3339, UTC, whole seconds."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Change:
    commit: CommitInfo
    deltas: list[Delta]
    fingerprint: str
    record_file: str
    status: str = "pass"  # pass | blocked | overridden | exempt | reverted (see reverts)
    findings: list[Finding] = field(default_factory=list)
    reverted_by: str | None = None  # status reverted: the commit that put it back
    reverts: str | None = None  # it only puts back what this commit (and others) moved
    # Models it brought into being (absent before; a renamed model is no new one) and
    # models it deleted: a deletion is no revert (see reverts).
    appeared: tuple[str, ...] = ()
    vanished: tuple[str, ...] = ()
    rules_applied: list[str] = field(default_factory=list)  # [[rules]] its deltas matched
    record: Record | None = None
    # A valid override in its record (see override.py): with findings left, the change
    # is `overridden` until the follow-up is due, then blocked (AUD014).
    override: Overridden | None = None
    # Not a change of the range: an earlier one whose override is past its follow-up
    # (see follow_ups), reported because the head's record still owes its evidence.
    outside_range: bool = False
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
    overridden: int = 0
    exempt: int = 0
    reverted: int = 0
    # The changes let through by an override whose evidence is still owed (overridden,
    # or blocked by AUD014), by commit: every report lists them in a section of their own.
    overrides: dict[str, Change] = field(default_factory=dict)

    def add(self, change: Change) -> None:
        self.count(change.status)
        sha = change.commit.sha
        if change.override is not None and change.status in ("overridden", "blocked"):
            self.overrides[sha] = change
        else:
            self.overrides.pop(sha, None)

    def count(self, status: str, sign: int = 1) -> None:
        """One change of `status` more (or, with sign -1, one less)."""
        self.changes += sign
        self.blocked += sign * (status == "blocked")
        self.overridden += sign * (status == "overridden")
        self.exempt += sign * (status == "exempt")
        self.reverted += sign * (status == "reverted")

    @property
    def passed(self) -> int:
        return self.changes - self.blocked - self.overridden - self.exempt - self.reverted


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
