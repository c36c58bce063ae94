"""When each change was in force on each model: the one account of it that `suspects`,
`exposure` and `verify` share (docs/reports.md, "From a symptom to its cause").

A change reaches what is deployed when it lands on the head's first-parent line: its
own commit there, or the merge that brought its branch in (a branch's dates say when
it was written, not when it was served). From then each of its deltas holds its
model's setting until a later change moves the same setting of that model again; a
change is in force on a model while any setting it moved there still holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from auditui.core.audit.context import AuditContext
from auditui.core.audit.report import Change
from auditui.core.audit.run import AuditRun
from auditui.core.git.log import CommitInfo
from auditui.core.policy.model import Policy

# The setting a model's rollout value is kept in when the policy has no [rollout].
ROLLOUT_KEY = "rollout.percent"


def rollout_key(policy: Policy) -> str:
    """The setting that holds a model's rollout value under `policy`."""
    return policy.rollout.key if policy.rollout else ROLLOUT_KEY


@dataclass(frozen=True)
class Landing:
    """Where and when a commit reached the head's first-parent line."""

    commit: str  # the first-parent commit it landed with (itself, or a merge)
    when: dt.datetime  # that commit's committer date
    order: int  # its place on the line, oldest first: dates on a line can disagree

    @property
    def day(self) -> str:
        return self.when.date().isoformat()


def landings(commits: Iterable[CommitInfo], head: str) -> dict[str, Landing]:
    """Each commit of the walk, and where it landed on `head`'s first-parent line: a
    commit on the line lands with itself, a branch's commit with the first merge on the
    line that brings it in. Commits the line never reaches are left out."""
    by_sha = {c.sha: c for c in commits}
    line: list[CommitInfo] = []
    sha: str | None = head
    while sha in by_sha:
        line.append(by_sha[sha])
        parents = by_sha[sha].parents
        sha = parents[0] if parents else None
    out: dict[str, Landing] = {}
    for order, commit in enumerate(reversed(line)):
        here = Landing(commit.sha, dt.datetime.fromisoformat(commit.committer_date), order)
        out[commit.sha] = here
        stack = list(commit.parents[1:])
        while stack:
            sha = stack.pop()
            if sha in out or sha not in by_sha:
                continue
            out[sha] = here
            stack.extend(by_sha[sha].parents)
    return out


@dataclass(frozen=True)
class Span:
    """One change in force on one model: from its landing until the landing of the
    change that moved the last of its settings there again (None: one still holds)."""

    change: Change
    model: str
    start: Landing
    end: Landing | None
    ended_by: Change | None = None

    def live(self, since: dt.datetime | None, until: dt.datetime | None) -> bool:
        """In force at some time in [since, until] (either end open)."""
        if until is not None and self.start.when > until:
            return False
        return self.end is None or since is None or self.end.when > since


@dataclass
class InForce:
    """Every change's spans on every model, and each setting's values over time."""

    spans: list[Span] = field(default_factory=list)
    head: Landing | None = None  # the head itself: when the history asked about ends
    # (model, setting) -> [(landing, value from then on)], oldest first
    values: dict[tuple[str, str], list[tuple[Landing, Any]]] = field(default_factory=dict)

    def of(self, model: str) -> list[Span]:
        return [s for s in self.spans if s.model == model]

    def value_at(self, model: str, setting: str, when: dt.datetime) -> Any:
        """The setting's value at `when` (None: not set then)."""
        value = None
        for landing, new in self.values.get((model, setting), ()):
            if landing.when > when:
                break
            value = new
        return value

    def series(
        self, model: str, setting: str, since: dt.datetime | None, until: dt.datetime | None
    ) -> list[tuple[str, Any]]:
        """(day, value) of the setting over [since, until]: its value at `since`, then
        each value it took within, as days (`--since` open: from its first value)."""
        points = self.values.get((model, setting), [])
        out: list[tuple[str, Any]] = []
        if since is not None:
            before = self.value_at(model, setting, since)
            if before is not None:
                out.append((since.date().isoformat(), before))
        for landing, new in points:
            if (since is None or landing.when > since) and (until is None or landing.when <= until):
                out.append((landing.day, new))
        return out


def in_force(
    changes: list[Change],
    commits: list[CommitInfo],
    head: str,
    models: frozenset[str] | None = None,
) -> InForce:
    """The spans of `changes` (a walk's, oldest first, as `commits` lists them) on
    `head`'s first-parent line, on `models` (None: every model). Two changes landing
    with one merge hold in the order the walk found them; a change the line never
    reaches is never in force."""
    landed = landings(commits, head)
    walk = {c.sha: n for n, c in enumerate(commits)}
    events = sorted(
        (
            (landed[c.commit.sha], walk.get(c.commit.sha, 0), n, c)
            for n, c in enumerate(changes)
            if c.commit.sha in landed
        ),
        key=lambda e: (e[0].order, e[1], e[2]),
    )
    holder: dict[tuple[str, str], Change] = {}  # (model, setting) -> the change holding it
    held: dict[tuple[str, str], set[str]] = {}  # (change, model) -> settings it still holds
    starts: dict[tuple[str, str], tuple[Landing, Change]] = {}
    ends: dict[tuple[str, str], tuple[Landing, Change]] = {}
    out = InForce(head=landed.get(head))
    for landing, _walk, _n, change in events:
        sha = change.commit.sha
        for d in change.deltas:
            if d.model is None or d.kind == "invalid" or (models and d.model not in models):
                continue
            setting = (d.model, d.path)
            before = holder.get(setting)
            if before is not None and before is not change:
                mine = (before.commit.sha, d.model)
                held[mine].discard(d.path)
                if not held[mine] and mine not in ends:
                    ends[mine] = (landing, change)
            holder[setting] = change
            held.setdefault((sha, d.model), set()).add(d.path)
            starts.setdefault((sha, d.model), (landing, change))
            out.values.setdefault(setting, []).append((landing, d.new))
    for key, (landing, change) in starts.items():
        end = ends.get(key)
        out.spans.append(Span(change, key[1], landing, *(end or (None, None))))
    out.spans.sort(key=lambda s: (s.start.order, walk.get(s.change.commit.sha, 0), s.model))
    return out


def account(
    ctx: AuditContext, models: frozenset[str] | None = None
) -> tuple[InForce, list[Change]]:
    """What was in force when over ctx's range (the whole history up to its head, for
    an answer about any date), on `models` (None: every model), and the judged
    changes it was built from. Given models, only their changes are read and judged
    (from the per-commit store, as `log --model` reads them). Each change carries its
    own verdict, as `check` gives it before looking for reverts: a change undone later
    is no less a suspect for it, and its span says when it was undone."""
    run = AuditRun(ctx, only_models=models)
    changes = list(run.found())
    return in_force(changes, run.commits, ctx.head, models), changes


def known_models(ctx: AuditContext) -> list[str]:
    """Every model a change of ctx's range moved, under any name it had, sorted."""
    return sorted(AuditRun(ctx).moved_models())
