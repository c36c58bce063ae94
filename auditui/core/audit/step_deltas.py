"""The deltas of one step of the walk: what a commit did to each model's effective
config, to the policy and to the signers file, its broken files as invalid deltas,
and for a merge only what differs from every parent (docs/reports.md, "Changes")."""

from __future__ import annotations

from functools import partial

from auditui.core.audit.rollout import StageClock
from auditui.core.base.errors import AuditError
from auditui.core.configs.documents import DocumentError, parse_text
from auditui.core.diff.anchors import change_anchors
from auditui.core.diff.deltas import Delta, model_deltas, policy_deltas
from auditui.core.diff.fingerprint import sorted_and_fingerprinted
from auditui.core.git.log import CommitInfo, FileEntry
from auditui.core.git.repo import GitRepo
from auditui.core.history.problems import Key, Problem
from auditui.core.history.renames import RENAME_PATH, follow_renames
from auditui.core.history.tracker import Tracker
from auditui.core.history.walker import Walker
from auditui.core.history.world import Step, World, pair
from auditui.core.policy.model import POLICY_FILE, Policy
from auditui.core.policy.parse import parse_policy


def step_deltas(tracker: Tracker, world: World, step: Step) -> list[Delta]:
    loader, policy = tracker.loader, tracker.policy
    deltas = [Delta(new, RENAME_PATH, old, new, "renamed") for old, new in step.renamed]
    for name, old, new in step.models:
        deltas += model_deltas(
            name, old, new, policy, loader.text, loader.limit_pairs, loader.obligation_pairs
        )
    for (path, suffix), problems in _problems_by_delta(step.errors):
        detail = "; ".join(dict.fromkeys(p.message for p in problems))
        # A problem of one model (a cycle, a bad entry) names it; a file that does not
        # parse concerns every model in it, so it names none.
        models = {p.model for p in problems}
        model = models.pop() if len(models) == 1 else None
        deltas.append(
            Delta(
                model,
                f"file:{path}{suffix}",
                None,
                _entry_sha(world, path),
                "invalid",
                detail,
                source=path,
            )
        )
    if step.policy is not None:
        deltas += _policy_deltas(tracker, *step.policy)
    if step.signers is not None:
        before, after = step.signers
        kind = "added" if before is None else "removed" if after is None else "changed"
        deltas.append(
            Delta(
                None, "signers", before.sha if before else None, after.sha if after else None, kind
            )
        )
    return deltas


def _problems_by_delta(errors: dict[Key, Problem]) -> list[tuple[tuple[str, str], list]]:
    """World problems grouped by the invalid delta that reports them: one per bad
    collection entry (`file:<path>#<entry>`), one per file for everything else."""
    groups: dict[tuple[str, str], list] = {}
    for key, problem in sorted(errors.items()):
        groups.setdefault((key.path, key.suffix), []).append(problem)
    return sorted(groups.items())


def _entry_sha(world: World, path: str) -> str | None:
    entry = world.entries.get(path)
    return entry.sha if entry else None


def _policy_deltas(tracker: Tracker, old: FileEntry | None, new: FileEntry | None) -> list[Delta]:
    def raw(entry: FileEntry | None) -> dict | None:
        # Parsed like any config (depth and size bounded), never tomllib bare.
        return None if entry is None else parse_text("toml", tracker.loader.text(entry.sha))

    try:
        old_raw = raw(old)
    except DocumentError:
        old_raw = None
    try:
        if new is not None:
            parse_policy(tracker.loader.text(new.sha), POLICY_FILE)
        new_raw = raw(new)
    except (DocumentError, AuditError) as exc:
        # The finding names the file already: the parser's own prefix is not repeated.
        why = str(exc).removeprefix(f"{POLICY_FILE}: ")
        return [
            Delta(
                None,
                f"file:{POLICY_FILE}",
                None,
                new.sha if new else None,
                "invalid",
                why,
                source=POLICY_FILE,
            )
        ]
    deltas = policy_deltas(old_raw, new_raw)
    if not deltas and (old is None or new is None):
        # An empty policy appearing or vanishing still turns auditing on or off;
        # a reformat (both sides parse the same) is no change at all.
        return [
            Delta(None, "policy:", old.sha if old else None, new.sha if new else None, "changed")
        ]
    return deltas


def merged_away(walker: Walker, commit: CommitInfo, world: World, step: Step) -> Step:
    """A merge's step without the models some other parent already had exactly as
    merged: none of their deltas can be the merge's own (see evil_only).

    Most of a merge's files come whole from one side; "merge main into the branch"
    brings every change main made since the branch point. Dropping those models
    before diffing saves most of the work of a merge-heavy history."""
    others = [walker.world(p) for p in commit.parents[1:]]
    models = [
        (name, old, new)
        for name, old, new in step.models
        if all(other.effective.get(name) != new for other in others)
    ]
    return Step(models, step.errors, step.policy, step.signers)


def evil_only(
    tracker: Tracker, walker: Walker, commit: CommitInfo, world: World, deltas: list[Delta]
) -> list[Delta]:
    """Keep a merge's deltas only where the result differs from every parent."""
    keep = {(d.model, d.path) for d in deltas}
    for p in commit.parents[1:]:
        other = walker.world(p)
        names = sorted({d.model for d in deltas if d.model is not None})
        keep &= {(d.model, d.path) for d in deltas_between(tracker, other, world, names)}
    return [d for d in deltas if (d.model, d.path) in keep]


def deltas_between(tracker: Tracker, old: World, new: World, names: list[str]) -> list[Delta]:
    """The deltas taking `old` to `new` for the models `names`, their problems, the
    policy and the signers file: two Worlds compared directly, not stepped."""
    step = Step(
        [(n, old.effective.get(n), new.effective.get(n)) for n in names],
        {k: v for k, v in new.errors.items() if old.errors.get(k) != v},
        pair(old, new, POLICY_FILE),
        pair(old, new, tracker.signers_path),
    )
    return step_deltas(tracker, new, step)


def state_deltas(repo: GitRepo, policy: Policy, old: str, new: str) -> list[Delta]:
    """What moving from commit `old` to commit `new` does, whatever lies between: every
    model's effective config, the policy and the signers file, read whole at both (a
    rewind of a protected ref is let through only when this is empty)."""
    tracker = Tracker(repo, policy)
    walker = Walker(tracker, [])
    before, after = walker.world(old), walker.world(new)
    names = sorted(
        n
        for n in set(before.effective) | set(after.effective)
        if before.effective.get(n) != after.effective.get(n)
    )
    try:
        return deltas_between(tracker, before, after, names)
    finally:
        tracker.loader.close()


def lifecycle(step: Step) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The models a step brought into being and those it deleted (see
    Change.appeared): a renamed model is neither (its new name's row is against the
    old name's config, and the old name has no row of its own)."""
    appeared = tuple(n for n, old, new in step.models if old is None and new is not None)
    vanished = tuple(n for n, old, new in step.models if new is None and old is not None)
    return appeared, vanished


def commit_deltas(
    tracker: Tracker, walker: Walker, clock: StageClock | None, commit: CommitInfo, anchors: bool
):
    """One commit's sorted deltas against the world before it, their fingerprint
    (None without deltas), anchors, and the rollout stage clock at that commit."""
    tracker.saw_layout = False
    world, step = walker.step(commit)
    if len(commit.parents) > 1:
        merged = merged_away(walker, commit, world, step)
    else:
        merged = step = follow_renames(tracker.repo, commit, step)
    deltas = step_deltas(tracker, world, merged)
    stage_start = partial(clock.start, commit) if clock else None
    if clock:
        clock.record(commit, step.models, step.renamed)
    if len(commit.parents) > 1 and deltas:
        deltas = evil_only(tracker, walker, commit, world, deltas)
    found = {}
    if deltas and anchors:
        found = change_anchors(tracker, commit, world, deltas)
    walker.release(commit)
    fingerprint = None
    if deltas:
        deltas, fingerprint = sorted_and_fingerprinted(deltas)
    return deltas, fingerprint, found, stage_start, lifecycle(merged)
