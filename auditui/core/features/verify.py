"""`auditui verify FILE --model M`: is what a serving system runs a state that was
reviewed? (docs/reports.md, "From a symptom to its cause")

FILE is the config the system reports for the model (the settings `show --format json`
prints as `config`). The model's effective config changes only where a change in force
on it starts, so those commits of the head's first-parent line, newest first, are the
states to compare with; settings the policy ignores are ignored on both sides (the
policy's own notion of a change, config_deltas). The newest equal state is the match:
audited when every change in force on the model there passed or is exempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditui.core.audit.context import AuditContext
from auditui.core.audit.report import Change
from auditui.core.base.errors import AuditError
from auditui.core.base.suggest import did_you_mean
from auditui.core.configs.documents import DocumentError, format_of, parse_data
from auditui.core.diff.deltas import Delta, config_deltas
from auditui.core.features.inforce import Landing, Span, account, known_models
from auditui.core.history.tracker import Tracker
from auditui.core.history.walker import Walker


@dataclass(frozen=True)
class Verdict:
    model: str
    match: Landing | None  # the newest first-parent state equal to FILE
    closest: Landing  # the match, else the state fewest deltas away from FILE
    deltas: tuple[Delta, ...]  # from the closest state to FILE (none for a match)
    unaudited: tuple[Change, ...]  # changes in force at the match that were not cleared

    @property
    def status(self) -> str:
        if self.match is None:
            return "drift"
        return "unaudited" if self.unaudited else "audited"

    def as_json(self) -> dict:
        return {
            "model": self.model,
            "match": self.match.commit if self.match else None,
            "status": self.status,
            "closest": self.closest.commit,
            "deltas": [d.as_json() for d in self.deltas],
            "unaudited": [c.commit.sha for c in self.unaudited],
        }


@dataclass(frozen=True)
class Served:
    """What a serving system reports for a model: its settings, and (when FILE is
    `show --format json`'s whole output) the blobs of its prompts."""

    config: dict[str, Any]
    prompts: tuple[tuple[str, str], ...] | None = None


def read_served(path: str) -> Served:
    """FILE: a JSON, YAML or TOML mapping of settings, or `show --format json`'s whole
    output (its `config`, and its `prompts` compared too)."""
    file = Path(path)
    if format_of(file.name) is None:
        raise AuditError(
            f"{path}: not a JSON, YAML or TOML file",
            "hint: save the config the serving system reports as .json, .yaml or .toml",
        )
    try:
        data = parse_data(file.name, file.read_bytes())
    except OSError as exc:
        raise AuditError(
            f"{path}: cannot read it ({exc.strerror})",
            "hint: give the path of the config file to verify",
        ) from None
    except DocumentError as exc:
        raise AuditError(f"{path}: {exc}", "hint: fix the file, then verify again") from None
    if isinstance(data, dict) and isinstance(data.get("config"), dict) and "model" in data:
        prompts = data.get("prompts")
        listed = None
        if isinstance(prompts, list) and all(isinstance(p, dict) for p in prompts):
            listed = tuple((str(p.get("path")), str(p.get("blob"))) for p in prompts)
        return Served(data["config"], listed)
    if not isinstance(data, dict):
        raise AuditError(
            f"{path}: holds no mapping of settings",
            "hint: FILE holds the model's settings, as `show --format json` prints `config`",
        )
    return Served(data)


def verify(ctx: AuditContext, model: str, served: Served) -> Verdict:
    state, _changes = account(ctx, frozenset({model}))
    spans = state.of(model)
    if not spans:
        known = known_models(ctx)
        raise AuditError(
            f"model '{model}' has no change up to {ctx.head[:7]}",
            did_you_mean(model, known) or "hint: `auditui log` lists the models",
        )
    starts = sorted({s.start.commit: s.start for s in spans}.values(), key=lambda s: -s.order)
    tracker = Tracker(ctx.repo, ctx.policy)
    walker = Walker(tracker, [])
    best: tuple[int, Landing, list[Delta]] | None = None
    try:
        for landing in starts:
            effective = walker.world(landing.commit).effective.get(model)
            config = effective.config if effective else {}
            found = config_deltas(model, config, served.config, ctx.policy)
            if served.prompts is not None:
                found += _prompt_deltas(
                    model, effective.prompts if effective else (), served.prompts
                )
            if not found:
                return Verdict(model, landing, landing, (), _uncleared(spans, landing))
            if best is None or len(found) < best[0]:
                best = (len(found), landing, found)
    finally:
        tracker.loader.close()
    assert best is not None
    return Verdict(model, None, best[1], tuple(best[2]), ())


def _prompt_deltas(
    model: str, bound: tuple[tuple[str, str], ...], served: tuple[tuple[str, str], ...]
) -> list[Delta]:
    """A prompt bound with another text than the served one (by blob), or bound on one
    side only: `text` deltas as a change would have them."""
    have, want = dict(bound), dict(served)
    return [
        Delta(model, f"prompt:{path}", have.get(path), want.get(path), "text")
        for path in sorted(have.keys() | want.keys())
        if have.get(path) != want.get(path)
    ]


def _uncleared(spans: list[Span], at: Landing) -> tuple[Change, ...]:
    """The changes in force on the model at `at` that were not cleared: blocked, or
    undone later in the history but with findings (reverted: the state they made was
    never reviewed)."""
    live = [
        s for s in spans if s.start.order <= at.order and (s.end is None or s.end.order > at.order)
    ]
    return tuple(s.change for s in live if s.change.status == "blocked" or s.change.findings)
