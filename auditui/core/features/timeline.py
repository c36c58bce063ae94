"""Per-model timelines: every change to one model's effective config, oldest first.

This is the view that finds an incident's causes: one model, every setting and prompt
change that touched it, with the eval evidence recorded for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from auditui.core.audit.report import Change, Report
from auditui.core.base.errors import AuditError
from auditui.core.base.suggest import did_you_mean
from auditui.core.diff.deltas import Delta
from auditui.core.evidence.records import EvalResult
from auditui.core.history.renames import names_per_change


@dataclass(frozen=True)
class TimelineEntry:
    change: Change
    deltas: tuple[Delta, ...]
    evals: tuple[EvalResult, ...]


def models_in(report: Report) -> list[str]:
    return sorted({m for c in report.changes for m in c.models})


def parse_date(text: str, option: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise AuditError(
            f"{option}: '{text}' is not a date", "hint: use YYYY-MM-DD or an RFC 3339 date-time"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def in_dates(change: Change, since: dt.datetime | None, until: dt.datetime | None) -> bool:
    """Authored within [since, until] (either end open)."""
    when = dt.datetime.fromisoformat(change.commit.author_date)
    return not (since and when < since or until and when > until)


def timeline(
    report: Report,
    model: str,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[TimelineEntry]:
    known = models_in(report)
    if model not in known:
        shown = ", ".join(known[:12]) or "none"
        if len(known) > 12:
            shown += f", … {len(known) - 12} more (`auditui log` lists them all)"
        hint = did_you_mean(model, known) or f"hint: models with changes in this range: {shown}"
        raise AuditError(f"no change to model '{model}' in this range", hint)
    out = []
    names = names_per_change(model, report.changes)  # under the names it had (renames)
    for change, named in zip(report.changes, names, strict=True):
        if not in_dates(change, since, until):
            continue
        deltas = tuple(d for d in change.deltas if d.model in named)
        if not deltas:
            continue
        evals = tuple(e for e in (change.record.evals if change.record else ()) if e.model in named)
        out.append(TimelineEntry(change, deltas, evals))
    return out


@dataclass(frozen=True)
class TrendPoint:
    """One recorded score of a suite on the model's timeline: the baseline before the
    first change that has one, then each change's candidate."""

    commit: str  # short sha of the change the score is with (or before, for the first)
    score: float
    delta: float | None  # this change's eval delta (None for the starting baseline)
    shown: str  # "-3.1 ± 1.2 (n=1200, paired)"


def score_trends(entries: list[TimelineEntry]) -> dict[str, list[TrendPoint]]:
    """Each suite's recorded scores across the model's changes, oldest first: what the
    app plots so a dip, and the change under it, are seen rather than read."""
    trends: dict[str, list[TrendPoint]] = {}
    for entry in entries:
        short = entry.change.commit.short
        for ev in sorted(entry.evals, key=lambda e: e.suite):
            points = trends.setdefault(ev.suite, [])
            if not points:
                points.append(TrendPoint(short, ev.baseline, None, "before"))
            points.append(TrendPoint(short, ev.candidate, ev.delta, ev.shown()))
    return trends
