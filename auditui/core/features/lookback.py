"""Looking back at one model (docs/reports.md, "Looking back"): what it was at a commit
(`show`) and which change last set each of its settings (`blame`).

Both answer from what a walk already keeps: `show` reads one tree through the blob
cache, and `blame` reads the model's changes from the per-commit store (`log --model`'s
path), so neither judges a whole history again once it has been walked.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditui.core.audit.context import AuditContext, load_policy, resolve_context
from auditui.core.audit.report import Change
from auditui.core.audit.run import audit
from auditui.core.base.errors import AuditError
from auditui.core.base.keypaths import value_at
from auditui.core.base.suggest import did_you_mean
from auditui.core.base.values import same_value
from auditui.core.configs.limits import extract_limits
from auditui.core.diff.deltas import Delta, item_settings
from auditui.core.features.timeline import parse_date
from auditui.core.git.log import CommitInfo
from auditui.core.git.repo import GitRepo
from auditui.core.history.renames import names_per_change
from auditui.core.history.tracker import Tracker
from auditui.core.policy.model import Policy

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?\Z")


@dataclass(frozen=True)
class Shown:
    """One model's effective config at one commit."""

    model: str
    commit: str
    source: str  # the file that defines it
    config: dict[str, Any]
    prompts: tuple[tuple[str, str], ...]  # (path, blob), in binding order
    limits: tuple[dict, ...]  # {"prompt", "unit", "max", "applies_to"}
    # Each leaf setting by the path its deltas carry, a keyed list item's one by one
    # (deltas.item_settings): what the text lists and `blame` blames.
    settings: tuple[tuple[str, Any], ...]

    def as_json(self) -> dict:
        return {
            "model": self.model,
            "commit": self.commit,
            "source": self.source,
            "config": self.config,
            "settings": [{"key": k, "value": v} for k, v in self.settings],
            "prompts": [{"path": p, "blob": b} for p, b in self.prompts],
            "limits": list(self.limits),
        }


@dataclass(frozen=True)
class BlameRow:
    """One setting now, and the change that last touched it (None: no audited change
    did, e.g. a key the policy ignores)."""

    key: str
    value: Any
    change: Change | None

    def as_json(self) -> dict:
        c = self.change
        commit: CommitInfo | None = c.commit if c else None
        return {
            "key": self.key,
            "value": self.value,
            "commit": commit.sha if commit else None,
            "date": commit.author_date if commit else None,
            "author": commit.author_email if commit else None,
            "fingerprint": c.fingerprint if c else None,
            "status": c.status if c else None,
        }


def resolve_at(repo: GitRepo, head: str, at: str | None) -> str:
    """`--at`: a revision, or a date meaning the last commit on head's first-parent line
    at or before it (a bare date includes that whole day)."""
    head_sha = repo.resolve(head, "head revision")
    if at is None:
        return head_sha
    if not _DATE.match(at):
        return repo.resolve(at, "revision for --at")
    when = parse_date(at, "--at")
    if len(at) == 10:
        when = when + dt.timedelta(days=1, seconds=-1)
    sha = repo.first_parent_at(head_sha, when)
    if sha is None:
        raise AuditError(
            f"--at {at}: no commit on {head}'s first-parent line at or before that date",
            "hint: `git log --first-parent --reverse` shows when the history starts",
        )
    return sha


def show(
    repo_path: str | Path,
    model: str,
    at: str | None = None,
    head: str = "HEAD",
    policy_file: str | Path | None = None,
    policy: Policy | None = None,
    key: str | None = None,
) -> Shown:
    """`model` as deployed at `at` (default head), read with the policy at that commit,
    else the one at head (a commit made before the policy was adopted), or
    `policy_file`, or the `policy` a caller already judges with (the app's). `key`
    narrows the settings, prompts and limits listed to that path and those under it;
    the config stays whole."""
    repo = GitRepo.open(repo_path)
    sha = resolve_at(repo, head, at)
    if policy is None:  # a commit before the policy's adoption is read with head's
        policy, _source = load_policy(repo, sha, head, policy_file)
    tracker = Tracker(repo, policy)
    try:
        world = tracker.from_tree(sha)
        if model not in world.effective:
            raise _unknown(model, sorted(world.effective), sha)
        eff = world.effective[model]
        leaves = item_settings(eff.config, policy.diff.list_ids)
        settings = [(path, value) for path, value in leaves if _wanted(path, key)]
        prompts = [(path, blob) for path, blob in eff.prompts if _wanted(f"prompt:{path}", key)]
        if key is not None and not (settings or prompts):
            raise _no_setting(model, key, [path for path, _ in leaves], sha)
        limits: list[dict] = []
        for path, blob in prompts:
            limits += [{"prompt": path, **lim.as_dict()} for lim in tracker.loader.limits(blob)]
        for path, value in settings:
            rule = policy.key_rule(path)
            if rule is not None and rule.inline_prompt and isinstance(value, str):
                limits += [{"prompt": path, **lim.as_dict()} for lim in extract_limits(value)]
    finally:
        tracker.loader.close()
    return Shown(model, sha, eff.source, eff.config, tuple(prompts), tuple(limits), tuple(settings))


def blame(
    repo_path: str | Path,
    model: str,
    key: str | None = None,
    head: str = "HEAD",
    policy_file: str | Path | None = None,
    policy: Policy | None = None,
) -> tuple[Shown, list[BlameRow]]:
    """Each setting of `model` at head (a keyed list item's one by one) with the last
    change (whole history up to head) that moved it: a delta on that key, on a key or
    prompt limit under it, or on a list, item or table holding it that changed its
    value, under any name the model had (renames are followed). A prompt's row is
    `prompt:<path>`, its value the blob."""
    now = show(repo_path, model, None, head, policy_file, policy, key)
    if policy is None:
        ctx = resolve_context(repo_path, None, now.commit, policy_file, default_base=False)
    else:
        ctx = AuditContext(GitRepo.open(repo_path), now.commit, None, policy, "given")
    ctx.anchors = False
    report = audit(ctx, only_models=frozenset({model}))
    touches: dict[str, list[tuple[int, Change, Delta]]] = {}  # by path, oldest first
    names = names_per_change(model, report.changes)  # its renames followed back
    for i, change in enumerate(report.changes):
        for d in change.deltas:
            if d.model in names[i]:
                touches.setdefault(d.path, []).append((i, change, d))
    rows = list(now.settings) + [(f"prompt:{p}", blob) for p, blob in now.prompts]
    return now, [BlameRow(path, value, _last_moved(path, touches)) for path, value in rows]


def _last_moved(row: str, touches: dict[str, list[tuple[int, Change, Delta]]]) -> Change | None:
    """The last change with a delta that moved `row`: on it or under it (a prompt's
    limits), or on what holds it (a list, an item, a model appearing) where the value
    at `row` differs between the delta's two sides: a list replaced whole moves only
    the leaves that differ."""
    best: tuple[int, Change, Delta] | None = None
    for path, hits in touches.items():
        if under(path, row):
            hit: tuple[int, Change, Delta] | None = hits[-1]
        elif under(row, path):
            hit = next((h for h in reversed(hits) if _moves(h[2], row[len(path) :])), None)
        else:
            continue
        if hit is not None and (best is None or hit[0] > best[0]):
            best = hit
    return best[1] if best else None


def _moves(delta: Delta, inside: str) -> bool:
    """Whether `delta` changed what lies at `inside` (a path below its own)."""
    (had, old), (has, new) = value_at(delta.old, inside), value_at(delta.new, inside)
    return had != has or (had and not same_value(old, new))


def _wanted(path: str, key: str | None) -> bool:
    return key is None or under(path, key)


def under(path: str, prefix: str) -> bool:
    """`path` is `prefix` or lies inside it (a key, a list item, a prompt's limits)."""
    return path == prefix or (path.startswith(prefix) and path[len(prefix)] in ".[#")


def _no_setting(model: str, key: str, known: list[str], sha: str) -> AuditError:
    close = difflib.get_close_matches(key, known, n=3)
    if close:
        hint = "hint: did you mean " + ", ".join(close) + "?"
    else:
        hint = f"hint: `auditui show {model}` lists its settings"
    return AuditError(f"model '{model}' has no setting '{key}' at {sha[:7]}", hint)


def _unknown(model: str, known: list[str], sha: str) -> AuditError:
    hint = did_you_mean(model, known) or "hint: `auditui log` lists the models with changes"
    return AuditError(f"no model '{model}' at {sha[:7]} ({len(known)} models there)", hint)
