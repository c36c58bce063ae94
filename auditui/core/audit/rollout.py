"""Gradual rollout and soak (AUD010): a model's rollout value may only move up one
stage at a time, and only after the current stage has been in force `soak_hours`.

Times are committer dates (docs/policy.md, `[rollout]`). A stage's start is measured
along the history of the commit that raises it (see StageClock); below the range that
line is replayed once, lazily: only a push that raises a rollout pays for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from auditui.core.audit.checks import Finding
from auditui.core.base.values import is_number, same_value
from auditui.core.git.repo import GitRepo
from auditui.core.history.renames import follow_renames
from auditui.core.history.tracker import Tracker
from auditui.core.history.walker import Walker
from auditui.core.policy.model import Policy, Rollout


def _fmt(x: float) -> str:
    return f"{x:g}"


class StageClock:
    """When each model's current rollout stage began, along each commit's own history.

    A stage is in force from the commit that sets it. So the start is looked up
    on the first-parent line of the commit that raises the stage, never by date across
    the range: merging a genuinely old branch in the same push cannot move it back.
    Inside the range each commit's line is known as it is walked; below it, the line
    of the commit where it leaves the range is replayed once (`lookback`), lazily."""

    def __init__(self, key: str, lookback: Callable[[str], dict[str, dt.datetime]]) -> None:
        self.key = key.split(".")
        self._lookback = lookback
        self._below: dict[str, dict[str, dt.datetime]] = {}
        # commit -> (where its first-parent line leaves the range, stages set inside)
        self._lines: dict[str, tuple[str | None, dict[str, dt.datetime]]] = {}

    def value(self, effective) -> object:
        node = effective.config if effective is not None else None
        for part in self.key:
            node = node.get(part) if isinstance(node, dict) else None
        return node

    def _line(self, commit) -> tuple[str | None, dict[str, dt.datetime]]:
        parent = commit.parents[0] if commit.parents else None
        if parent in self._lines:
            return self._lines[parent]
        return parent, {}  # the line leaves the range here (or the root: no history)

    def start(self, commit, model: str) -> dt.datetime | None:
        """When `model`'s stage in force at `commit`'s first parent began."""
        boundary, inside = self._line(commit)
        if model in inside:
            return inside[model]
        if boundary is None:
            return None
        if boundary not in self._below:
            self._below[boundary] = self._lookback(boundary)
        return self._below[boundary].get(model)

    def record(self, commit, moved: list, renamed: tuple = ()) -> None:
        """Note the models whose rollout value `commit` changes (step.models rows); a
        model renamed (old, new) keeps the stage it was in, and when that began."""
        from auditui.core.base.values import same_value

        boundary, inside = self._line(commit)
        when = dt.datetime.fromisoformat(commit.committer_date)
        carried = {
            new: start for old, new in renamed if (start := self.start(commit, old)) is not None
        }
        changed = [
            name for name, old, new in moved if not same_value(self.value(old), self.value(new))
        ]
        if changed or carried:
            inside = {**inside, **carried, **dict.fromkeys(changed, when)}
        self._lines[commit.sha] = (boundary, inside)


def rollout_findings(
    deltas: list,
    rules: Rollout,
    when: dt.datetime,
    start_of: Callable[[str], dt.datetime | None],
) -> list[Finding]:
    """Findings for the rollout deltas of one change (`start_of(model)`: when its
    current stage began)."""
    findings = []
    stages = list(rules.stages)
    for d in deltas:
        if d.path != rules.key or d.model is None or d.kind == "invalid":
            continue
        old, new = d.old, d.new
        bad = [v for v in (new, old) if v is not None and not is_number(v)]
        if bad:
            findings.append(
                Finding(
                    "AUD010", f"{d.model}: rollout value {_show(bad[0])} is not a number", d.model
                )
            )
            continue
        if new is None or (old is not None and new <= old):
            continue  # removal or rollback: always allowed
        if new not in stages:
            findings.append(
                Finding(
                    "AUD010",
                    f"{d.model}: rollout {_fmt(new)} is not a stage "
                    f"({', '.join(map(_fmt, stages))})",
                    d.model,
                )
            )
        elif old is None:
            if new != stages[0]:
                message = f"{d.model}: a rollout starts at {_fmt(stages[0])}, not {_fmt(new)}"
                findings.append(Finding("AUD010", message, d.model))
        elif old not in stages or stages.index(new) != stages.index(old) + 1:
            skipped = [s for s in stages if old < s < new]
            findings.append(
                Finding(
                    "AUD010",
                    f"{d.model}: rollout {_fmt(old)} -> {_fmt(new)} "
                    f"skips stage {', '.join(map(_fmt, skipped)) or 'order'}",
                    d.model,
                )
            )
        else:
            start = start_of(d.model)
            held = (when - start).total_seconds() / 3600 if start else None
            if held is None or held < rules.soak_hours:
                told = "an unknown time" if held is None else f"{held:.1f} h"
                findings.append(
                    Finding(
                        "AUD010",
                        f"{d.model}: stage {_fmt(old)} was held "
                        f"{told} before {_fmt(new)}; soak_hours is "
                        f"{_fmt(rules.soak_hours)}",
                        d.model,
                    )
                )
    return findings


def _show(value) -> str:
    import json

    from auditui.core.base.values import json_text

    return json.dumps(value, ensure_ascii=False, default=json_text)[:40]


def stages_started(repo: GitRepo, policy: Policy, key: str, sha: str) -> dict[str, dt.datetime]:
    """When each model's rollout value (at `key`) last changed on the first-parent line
    of `sha` (committer dates): the history below the range a stage may have been set in."""
    tracker = Tracker(repo, policy)
    clock = StageClock(key, lambda _sha: {})
    history = repo.walk(sha, None, first_parent=True)
    walker = Walker(tracker, history)
    started: dict[str, dt.datetime] = {}
    for commit in history:
        _world, step = walker.step(commit)
        walker.release(commit)
        if len(commit.parents) == 1:
            step = follow_renames(repo, commit, step)
        when = dt.datetime.fromisoformat(commit.committer_date)
        for was, now in step.renamed:  # the stage it was in, since when it was
            if was in started:
                started[now] = started[was]
        for name, old, new in step.models:
            if not same_value(clock.value(old), clock.value(new)):
                started[name] = when
    return started
