"""From a symptom to its cause: `suspects` ranks the changes in force on the models
showing it during a window; `exposure` lays out, per model and day, what was in force
and at what rollout (docs/reports.md, "From a symptom to its cause").

Both read one account of what was in force when (features/inforce.py), built from a
walk of the whole history up to the head.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from typing import Any

from auditui.core.audit.report import Change
from auditui.core.base.errors import AuditError
from auditui.core.base.suggest import did_you_mean
from auditui.core.features.inforce import ROLLOUT_KEY, InForce, Landing, Span
from auditui.core.features.timeline import parse_date

# Kinds that make a change likelier the cause of a drop in quality (docs/reports.md,
# "suspects": risk).
RISKY = ("downgrade", "decrease", "limit-added", "obligation-weakened", "removed")


def window(since: str | None, until: str | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """--since and --until as times (either open); a bare date for `until` takes in its
    whole day."""
    start = parse_date(since, "--since") if since else None
    end = parse_date(until, "--until") if until else None
    if end is not None and until is not None and len(until) == 10:
        end += dt.timedelta(days=1, microseconds=-1)
    if start and end and start > end:
        raise AuditError(
            f"--since {since} is after --until {until}",
            "hint: give the window's first day to --since, its last to --until",
        )
    return start, end


def window_text(since: dt.datetime | None, until: dt.datetime | None) -> str:
    """A window as the answers name it: `2026-04-17 .. 2026-04-19`, open ends spelled."""
    return f"{since.date() if since else 'the start'} .. {until.date() if until else 'now'}"


def named_models(known: list[str], asked: list[str], head: str) -> list[str]:
    """The models `asked` names among `known` (each a name or a glob), sorted; an
    AuditError for one that names no model a change moved up to `head`."""
    if not asked:
        raise AuditError("--models names no model", "hint: --models opus-4.6,opus-4.7")
    out: set[str] = set()
    for pattern in asked:
        found = [m for m in known if fnmatchcase(m, pattern)]
        if not found:
            raise AuditError(
                f"no change moved model '{pattern}' up to {head[:7]}",
                did_you_mean(pattern, known) or "hint: `auditui log` lists the models",
            )
        out.update(found)
    return sorted(out)


@dataclass(frozen=True)
class Suspect:
    """A change in force on some of the named models during the window."""

    change: Change
    models: tuple[str, ...]  # the named models it moved
    start: Landing
    end: Landing | None  # when the last of its settings on those models was moved again
    rollout: dict[str, list[tuple[str, Any]]]  # model -> [(day, value)] while it was live
    kinds: tuple[str, ...]
    eval_delta: float | None  # its largest eval drop (or smallest rise) on those models
    rank: int

    def as_json(self) -> dict:
        c = self.change
        return {
            "commit": c.commit.sha,
            "fingerprint": c.fingerprint,
            "date": c.commit.author_date,
            "author": c.commit.author_email,
            "subject": c.commit.subject,
            "models": list(self.models),
            "from": self.start.when.isoformat(),
            "until": self.end.when.isoformat() if self.end else None,
            "rollout": {m: [list(p) for p in points] for m, points in self.rollout.items()},
            "status": c.status,
            "kinds": list(self.kinds),
            "eval_delta": self.eval_delta,
            "rank": self.rank,
        }


def suspects(
    account: InForce,
    models: list[str],
    since: dt.datetime | None,
    until: dt.datetime | None,
    rollout_key: str = ROLLOUT_KEY,
) -> list[Suspect]:
    """Every change that moved at least one of `models` and was in force at some time
    in [since, until], ranked: those that moved more of the named models first, then
    the risky (a downgrade, a decrease, a limit added, a setting removed), then those
    whose evidence fails (blocked, or an eval regressing) before those that passed,
    then the newest."""
    named = set(models)
    by_change: dict[str, list[Span]] = {}
    for span in account.spans:
        if span.model in named and span.live(since, until):
            by_change.setdefault(span.change.commit.sha, []).append(span)
    found = []
    for spans in by_change.values():
        change = spans[0].change
        moved = tuple(sorted({s.model for s in spans}))
        ends = [s.end for s in spans if s.end is not None]
        end = max(ends, key=lambda e: e.order) if len(ends) == len(spans) else None
        start = min((s.start for s in spans), key=lambda s: s.order)
        live_until = until if end is None else min(end.when, until) if until else end.when
        rollout = {
            m: account.series(
                m, rollout_key, max(start.when, since) if since else start.when, live_until
            )
            for m in moved
        }
        kinds = tuple(sorted({d.kind for d in change.deltas if d.model in named}))
        eval_delta = _eval_delta(change, moved)
        found.append(Suspect(change, moved, start, end, rollout, kinds, eval_delta, rank=0))
    found.sort(key=_likelihood)
    return [replace(s, rank=n) for n, s in enumerate(found, 1)]


def _likelihood(s: Suspect) -> tuple:
    """Most likely first: more of the named models moved, risky, failing, newest."""
    risky = any(k in RISKY for k in s.kinds)
    failing = s.change.status == "blocked" or bool(s.change.findings)  # AUD003 among them
    return (-len(s.models), not risky, not failing, -s.start.order)


def _eval_delta(change: Change, models: tuple[str, ...]) -> float | None:
    """The change's largest eval drop on `models` (the smallest rise where none fell)."""
    record = change.record
    if record is None:
        return None
    deltas = [ev.delta for ev in record.latest_evals().values() if ev.model in models]
    return round(min(deltas), 6) if deltas else None


@dataclass(frozen=True)
class Day:
    """One model on one day: its rollout value at the day's end and the changes in
    force at some time that day, oldest first."""

    day: str
    rollout: Any
    changes: tuple[Change, ...]

    def as_json(self) -> dict:
        return {
            "date": self.day,
            "rollout": self.rollout,
            "changes": [c.commit.sha for c in self.changes],
        }


def exposure(
    account: InForce,
    models: Iterable[str],
    since: dt.datetime,
    until: dt.datetime,
    rollout_key: str = ROLLOUT_KEY,
) -> dict[str, list[Day]]:
    """Per model of `models` a change moved, one Day per calendar day of [since,
    until] (UTC)."""
    named = set(models)
    spans: dict[str, list[Span]] = {}
    for span in account.spans:
        if span.model in named:
            spans.setdefault(span.model, []).append(span)
    days = []
    day = since.date()
    while day <= until.date():
        days.append(day)
        day += dt.timedelta(days=1)
    out: dict[str, list[Day]] = {}
    for model in sorted(spans):
        rows = []
        for day in days:
            start = dt.datetime.combine(day, dt.time(), dt.UTC)
            end = start + dt.timedelta(days=1) - dt.timedelta(microseconds=1)
            live = tuple(s.change for s in spans[model] if s.live(start, end))
            rows.append(Day(day.isoformat(), account.value_at(model, rollout_key, end), live))
        out[model] = rows
    return out


@dataclass(frozen=True)
class Band:
    """One change's exposure on one model, as the app's chart draws it: runs of
    consecutive days it was in force, each with the model's rollout value then."""

    change: Change
    runs: tuple[tuple[int, int, Any], ...]  # (first day, last day, rollout), day indexes


def bands(days: list[Day]) -> list[Band]:
    """The bands of one model's exposure (`exposure(...)[model]`), in the order the
    changes first were in force: a new run starts where a change comes back into
    force or the rollout value moves."""
    runs: dict[str, list[list[Any]]] = {}
    changes: dict[str, Change] = {}
    for n, day in enumerate(days):
        for change in day.changes:
            sha = change.commit.sha
            changes.setdefault(sha, change)
            mine = runs.setdefault(sha, [])
            if mine and mine[-1][1] == n - 1 and mine[-1][2] == day.rollout:
                mine[-1][1] = n
            else:
                mine.append([n, n, day.rollout])
    return [
        Band(changes[sha], tuple((first, last, value) for first, last, value in mine))
        for sha, mine in runs.items()
    ]
