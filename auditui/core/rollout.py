"""Gradual rollout and soak (AUD010): a model's rollout value may only move up one
stage at a time, and only after the current stage has been in force `soak_hours`.

Times are committer dates (SPEC 7). When a stage was set before the audited range,
its start is found by replaying the history below the base once, lazily: only a
push that raises a rollout pays for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from auditui.core.checks import Finding
from auditui.core.policy import Rollout


def _fmt(x: float) -> str:
    return f"{x:g}"


def rollout_findings(
    deltas: list,
    rules: Rollout,
    when: dt.datetime,
    since: dict[str, dt.datetime],
    lookback: Callable[[], dict[str, dt.datetime]],
) -> list[Finding]:
    """Findings for the rollout deltas of one change; records when each stage started."""
    findings = []
    stages = list(rules.stages)
    for d in deltas:
        if d.path != rules.key or d.model is None or d.kind == "invalid":
            continue
        old, new = d.old, d.new
        if new is None or (old is not None and new <= old):
            since[d.model] = when  # removal or rollback: always allowed
            continue
        if new not in stages:
            findings.append(Finding("AUD010", f"{d.model}: rollout {_fmt(new)} is not a stage "
                                    f"({', '.join(map(_fmt, stages))})", d.model))  # fmt: skip
        elif old is None:
            if new != stages[0]:
                message = f"{d.model}: a rollout starts at {_fmt(stages[0])}, not {_fmt(new)}"
                findings.append(Finding("AUD010", message, d.model))
        elif old not in stages or stages.index(new) != stages.index(old) + 1:
            skipped = [s for s in stages if old < s < new]
            findings.append(Finding("AUD010", f"{d.model}: rollout {_fmt(old)} -> {_fmt(new)} "
                                    f"skips stage {', '.join(map(_fmt, skipped)) or 'order'}",
                                    d.model))  # fmt: skip
        else:
            start = since.get(d.model) or lookback().get(d.model)
            held = (when - start).total_seconds() / 3600 if start else None
            if held is None or held < rules.soak_hours:
                told = "an unknown time" if held is None else f"{held:.1f} h"
                findings.append(Finding("AUD010", f"{d.model}: stage {_fmt(old)} was held "
                                        f"{told} before {_fmt(new)}; soak_hours is "
                                        f"{_fmt(rules.soak_hours)}", d.model))  # fmt: skip
        since[d.model] = when
    return findings
