"""Break-glass (docs/blocked.md, "Shipping during an incident"): a change let through
before its evidence by someone `[override] allowed` names, and the follow-up it owes.

An override never counts as anyone's word on the change (records.verdicts leaves it
out). It turns what the change still owes into a status of its own, `overridden`, that
does not block, until `[override] follow_up_hours` after the first valid override: from
then on (measured at the head commit's committer date, so the same history always
gives the same verdict) the change is blocked again by AUD014 until the evidence is
recorded. A later override never moves the deadline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

from auditui.core.audit.checks import Finding
from auditui.core.audit.report import Change, Overridden, stamp
from auditui.core.evidence.records import Approval, Record, person
from auditui.core.policy.model import Policy

SKEW = dt.timedelta(hours=1)  # how far a committer's clock may run behind the overrider's


def overrides_of(
    record: Record | None,
    fingerprint: str,
    policy: Policy,
    check_signature: Callable[[Approval], str | None],
    not_after: dt.datetime | None = None,
    landed: Callable[[], dt.datetime | None] | None = None,
) -> tuple[Overridden | None, set[str], list[Finding]]:
    """The override that counts, everyone whose valid override the record holds (their
    approvals do not follow their own override up), and why the others do not count
    (findings the caller reports only when the change is blocked anyway: an entry
    anyone can write must not block a change that has its evidence). `not_after`: the
    head commit's committer date, when the records are those committed there: an
    override dated later than the commit that carries it (an hour's clock skew aside)
    would push its own deadline out, so it does not count until the head reaches it.
    `landed`: when an override first stood in the record (RecordsAtHead.override_landed);
    the deadline runs from it at the latest, however the entry is dated now. Asked only
    of an override not yet due by its own date (its record's history is read then)."""
    if record is None or record.fingerprint != fingerprint:
        return None, set(), []
    rules = policy.override
    allowed = {person(p) for p in rules.allowed}
    counted: Overridden | None = None
    overriders: set[str] = set()
    refused: list[Finding] = []
    for entry in record.overrides():
        if person(entry.by) not in allowed:
            who = ", ".join(rules.allowed) if rules.allowed else "nobody: the list is empty"
            refused.append(
                Finding(
                    "AUD006",
                    f"override by {entry.by} does not count: [override] allowed names {who}",
                )
            )
            continue
        if policy.approvals.require_signatures:
            problem = check_signature(entry) if entry.signature else "is not signed"
            if problem is not None:
                refused.append(
                    Finding(
                        "AUD007",
                        f"override by {entry.by} {problem}; sign it with "
                        "`auditui override CHANGE --reason TEXT --sign KEY`",
                    )
                )
                continue
        if not_after is not None and entry.at > not_after + SKEW:
            refused.append(
                Finding(
                    "AUD014",
                    f"override by {entry.by} is dated {stamp(entry.at)}, after the head "
                    f"commit ({stamp(not_after)}): it does not count until then",
                )
            )
            continue
        overriders.add(person(entry.by))
        if counted is None:
            hours = dt.timedelta(hours=rules.follow_up_hours)
            due = entry.at + hours
            if landed is not None and (not_after is None or not_after < due):
                first = landed()
                due = min(due, first + hours) if first is not None else due
            counted = Overridden(entry.by, entry.at, entry.reason or "", due)
    return counted, overriders, refused


class HeadClock(Protocol):
    """Where the head commit's committer date is read (records_view.RecordsAtHead): only
    once a change has an override, since reading it asks git."""

    @property
    def head_time(self) -> dt.datetime | None: ...


def settle(change: Change, clock: HeadClock, refused: Sequence[Finding] = ()) -> None:
    """The change's status from what it owes (its findings, AUD014 aside) and its
    override: pass when it owes nothing; overridden while the follow-up is not due;
    blocked (AUD014 first) once it is, or when nothing overrides it (then `refused`
    says why an override entry did not count)."""
    owed = [f for f in change.findings if f.rule != "AUD014"]
    override = change.override
    if override is not None:
        head_time = clock.head_time
        left = override.hours_left
        if head_time is not None:
            left = (override.due - head_time).total_seconds() / 3600
        override = replace(override, overdue=False, hours_left=left)
    if not owed:
        change.findings, change.status, change.override = owed, "pass", override
        return
    if override is None:
        change.findings, change.status = [*owed, *refused], "blocked"
        return
    if override.hours_left is not None and override.hours_left <= 0:
        override = replace(override, overdue=True)
        late = Finding(
            "AUD014",
            f"overridden by {override.by} on {stamp(override.at)} ({_short(override.reason)}); "
            f"its evidence was due by {stamp(override.due)}: record what follows "
            "(approvals by someone other than who overrode it)",
        )
        change.findings, change.status, change.override = [late, *owed], "blocked", override
        return
    change.findings, change.status, change.override = owed, "overridden", override


def _short(reason: str, most: int = 80) -> str:
    line = " ".join(reason.split())
    return line if len(line) <= most else line[: most - 1] + "…"
