"""One audit run: walk a range of history and judge each change.

Data flows one way: git (CommitInfo, blobs) -> World (effective configs) -> deltas
and fingerprint -> checks against the head's records -> Report. Nothing here
prints; the CLI, the hook and the app each render the Report their own way.

This module holds the walk: each commit's deltas read from the per-commit store or
computed from the Worlds, each change checked, reverts marked as they are found. What
it uses sits beside it: context (what to judge, by which policy), step_deltas (a
commit's deltas), records_view and checks (a change against its record), rollback
and fixes (what undid what), rollout, exemption, layout_coverage, and report (what
comes out).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Generator, Iterator
from functools import cache, partial
from operator import attrgetter
from pathlib import Path

from auditui.core.audit.context import AuditContext, resolve_context
from auditui.core.audit.exemption import before_adoption
from auditui.core.audit.fixes import fixed_by
from auditui.core.audit.follow_ups import overdue_outside
from auditui.core.audit.layout_coverage import check_layout_seen, missed_paths
from auditui.core.audit.override import settle
from auditui.core.audit.records_view import RecordsAtHead, allowed_signers, check_change
from auditui.core.audit.report import Change, Report, Totals
from auditui.core.audit.rollback import RollbacksBefore
from auditui.core.audit.rollout import StageClock, rollout_findings, stages_started
from auditui.core.audit.step_deltas import commit_deltas
from auditui.core.base.collector import fewer_collections
from auditui.core.configs.coverage import ConfigLike, Uncovered
from auditui.core.diff.deltas import Delta
from auditui.core.diff.reverts import Mark, RevertIndex
from auditui.core.diff.reverts import apply as apply_revert
from auditui.core.evidence.records import record_name
from auditui.core.git.log import CommitInfo
from auditui.core.git.repo import GitRepo
from auditui.core.history.changecache import ChangeCache, context_digest
from auditui.core.history.renames import names_over_time
from auditui.core.history.tracker import Tracker
from auditui.core.history.walker import Walker
from auditui.core.policy.model import POLICY_FILE

Progress = Callable[[int, int], None]


def run_audit(
    repo_path: str | Path = ".",
    base: str | None = None,
    head: str = "HEAD",
    policy_file: str | Path | None = None,
    progress: Progress | None = None,
    default_base: bool = True,
    signers_file: str | None = None,
    anchors: bool = True,
    only_models: frozenset[str] | None = None,
) -> Report:
    ctx = resolve_context(repo_path, base, head, policy_file, default_base, signers_file)
    ctx.anchors = anchors
    return audit(ctx, progress, only_models=only_models)


def audit(
    ctx: AuditContext,
    progress: Progress | None = None,
    worktree_records: bool = False,
    only_models: frozenset[str] | None = None,
) -> Report:
    """Judge ctx's range and keep every change (the app, the hook, tests)."""
    run = AuditRun(ctx, progress, worktree_records, only_models)
    return run.report(list(run))


class AuditRun:
    """One walk of a range, yielding each judged change as soon as it is known.

    A catalogue's whole history holds hundreds of thousands of deltas: `check` writes
    each change out as it comes and keeps only the totals, so memory stays flat in
    the length of the history.

    `worktree_records` also reads records from the working tree (the app's view:
    evidence written locally counts before it is committed); CI and the hook never
    set it, so only committed evidence passes a push."""

    def __init__(
        self,
        ctx: AuditContext,
        progress: Progress | None = None,
        worktree_records: bool = False,
        only_models: frozenset[str] | None = None,
        marks: dict[str, Mark] | None = None,
    ) -> None:
        self.ctx, self.progress = ctx, progress
        # Only changes with a delta of these models (`log --model`, `suspects`): from
        # the store, the others' deltas are not even read.
        self.only_models = only_models
        self.worktree_records = worktree_records
        # Reverted changes (see reverts): known only once the range has been walked;
        # `marks` from an earlier walk of it are applied to each change as it comes.
        self.reverts = RevertIndex(only_models)
        self.marks = marks
        self.inverts: dict[str, str] = {}  # change -> the earlier change it inverts
        # Rules that tell rollbacks apart (`revert = true` or `false`): a rollback of a
        # change before the range is looked for only then (see rollback).
        self._revert_rules = any(r.revert is not None for r in ctx.policy.rules)
        self._exempt: set[str] = set()
        repo, policy = ctx.repo, ctx.policy
        # A walk the store may answer is listed without raw diffs (most of the time of
        # listing a catalogue's history); _changes lists it again in full if it is not.
        self.light = False
        if ctx.commits is not None:
            self.commits = ctx.commits
        else:
            self.light = policy.rollout is None and ChangeCache.present(_store_dir(repo))
            with fewer_collections():
                self.commits = repo.walk(ctx.head, ctx.base, ctx.exclude, raw=not self.light)
        self.tracker = Tracker(repo, policy)
        self._rollbacks = None
        if self._revert_rules and ctx.base is not None:
            self._rollbacks = RollbacksBefore(repo, self.tracker, ctx.base, self.commits)
        self.uncovered = Uncovered()
        self._config_like = ConfigLike(policy.layout)
        self.records = RecordsAtHead(
            repo, ctx.head, policy.layout.records, self.tracker.loader, worktree_records
        )
        self.records.signers, self.signers_source = allowed_signers(ctx, self.tracker.loader)

    def report(self, changes: list[Change], streamed: Totals | None = None) -> Report:
        """The report of this walk. Changes it kept are marked reverted here; a
        streamed walk that found reverts is walked again (`rewalk_with`) with them known."""
        ctx = self.ctx
        if streamed is None and self.marks is None:
            marks = self.found_reverts()
            for change in changes:
                apply_revert(change, marks.get(change.commit.sha))
        return Report(
            str(ctx.repo.root),
            ctx.base,
            ctx.head,
            ctx.policy_source,
            changes,
            len(self.commits),
            ctx.upstream,
            self.signers_source,
            streamed,
            policy=ctx.policy,
            uncovered=self.uncovered,
        )

    def __iter__(self) -> Generator[Change, None, None]:
        marks = self.marks
        judged: dict[str, list[str]] = {}
        with fewer_collections():
            for change in self._changes():
                sha = change.commit.sha
                judged.setdefault(change.fingerprint, []).append(sha)
                inverted = self.reverts.add(change)
                if inverted is None and self._rollbacks is not None:
                    inverted, rollback = self._rollbacks.before_range(change)
                    if rollback:
                        self.reverts.rolled_back(sha)
                if inverted is not None:
                    change.reverts = inverted  # it exactly inverts that change
                    self.inverts[sha] = inverted
                    self._recheck_as_rollback(change)
                if marks is not None:
                    apply_revert(change, marks.get(sha))
                yield change
            if self.only_models is None:
                # Overrides of earlier changes whose follow-up is overdue (AUD014).
                yield from overdue_outside(self, judged, cache(lambda: set(self.found_reverts())))

    def found(self) -> Iterator[Change]:
        """Each change as the walk finds it, judged, with no revert looked for: what a
        lookup by fingerprint needs (a revert never changes one)."""
        return self._changes()

    def moved_models(self) -> set[str]:
        """Every model a change of the range moved, under every name it had: from the
        per-commit store's heads, without reading a delta (a walk fills the store
        first when it cannot answer)."""
        stored = self._change_cache()
        shas = [c.sha for c in self.commits]
        heads = stored.heads(shas) if stored is not None else None
        if heads is None:
            unfiltered = AuditRun(self.ctx, worktree_records=self.worktree_records)
            return {d.model for c in unfiltered.found() for d in c.deltas if d.model is not None}
        return {m for head in heads.values() for m in head[2]}

    def found_reverts(self) -> dict[str, Mark]:
        """What this walk found undone within its range (see reverts)."""
        ctx = self.ctx
        return self.reverts.marks(partial(fixed_by, ctx.repo, ctx.head, self.commits, self.light))

    def rejudged_from_store(self, marks: dict[str, Mark]) -> dict[str, Change] | None:
        """The marked changes of this finished walk, judged again from the per-commit
        store with their marks applied (None when there is no store to read)."""
        stored = self._change_cache()
        if stored is None:
            return None
        try:
            by_sha = {c.sha: c for c in self.commits}
            heads = stored.heads(list(marks))
            if heads is None:
                return None
            out = {}
            for sha in marks:
                found = stored.deltas(sha)
                if found is None:
                    return None
                rows, anchors, lifecycle = found
                change = self._change(
                    by_sha[sha], heads[sha][1], rows, anchors, lifecycle, self._exempt
                )
                change.reverts = self.inverts.get(sha)
                if change.reverts:
                    self._recheck_as_rollback(change)  # as it was judged in the walk
                apply_revert(change, marks[sha])
                out[sha] = change
            return out
        finally:
            stored.close()

    def _recheck_as_rollback(self, change: Change) -> None:
        """A rollback checked again with `revert = true` rules matching (the rollout
        findings, which check_change does not make, are kept)."""
        if (
            not self._revert_rules
            or change.status == "exempt"
            or not self.reverts.is_rollback(change.commit.sha)
        ):
            return
        rollout = [f for f in change.findings if f.rule == "AUD010"]
        check_change(change, self.records, self.ctx.policy, is_revert=True)
        if rollout:
            change.findings += rollout
            settle(change, self.records)

    def rewalk_with(self, marks: dict[str, Mark]) -> AuditRun:
        """The same range walked again (from the per-commit store) with the reverts
        this walk found (`found_reverts`) applied to each change as it comes."""
        return AuditRun(self.ctx, self.progress, self.worktree_records, self.only_models, marks)

    def _changes(self) -> Iterator[Change]:
        ctx = self.ctx
        stored = self._change_cache()
        heads = stored.heads([c.sha for c in self.commits]) if stored is not None else None
        if heads is None:
            self._walk_in_full()
        commits = self.commits
        exempt = set()
        if ctx.policy_source == "head":
            added = ctx.repo.added_on_first_parent(ctx.head, POLICY_FILE) if self.light else None
            exempt = before_adoption(commits, ctx.head, added)
        self._exempt = exempt
        if heads is None and self.only_models is not None and stored is not None:
            # A model's history follows its renames (docs/reports.md, "Renames"): the
            # names it had are known once the whole walk is, so the walk is stored
            # first, then read back.
            for _found in self._computed(exempt, stored, every=True):
                pass
            stored = self._change_cache()
            heads = stored.heads([c.sha for c in commits]) if stored is not None else None
        if heads is None or stored is None:  # (no store, no heads)
            yield from self._computed(exempt, stored)
            return
        wanted = self._wanted([heads[c.sha][3] for c in commits])
        for n, commit in enumerate(commits):
            _saw, fingerprint, models, _renamed, missed = heads[commit.sha]
            for path in missed:
                self.uncovered.add(path, commit.sha)
            if self.progress:
                self.progress(n + 1, len(commits))
            if fingerprint is None or not wanted(n, models):
                continue
            found = stored.deltas(commit.sha)
            if found is None:  # a damaged row: compute, showing only what is left
                self._walk_in_full()
                yield from self._computed(exempt, None, skip=n)
                return
            rows, anchors, lifecycle = found
            yield self._change(commit, fingerprint, rows, anchors, lifecycle, exempt)
        stored.touch(time.time())
        stored.close()
        check_layout_seen(ctx, self.tracker, self.commits, any(head[0] for head in heads.values()))

    def _wanted(self, renamed: list[tuple]):
        """Whether the change at a position of the walk, moving `models`, is shown:
        every change, or (`log --model`, `suspects`) those of the models under any
        name they had then (see renames.names_over_time)."""
        if self.only_models is None:
            return lambda _n, _models: True
        names: dict[str, int] = {}
        for model in self.only_models:
            for name, until in names_over_time(model, renamed).items():
                names[name] = max(until, names.get(name, -1))
        return lambda n, models: any(names.get(m, -1) > n for m in models)

    def _walk_in_full(self) -> None:
        """The walk again with raw diffs, when the store could not answer it."""
        if self.light:
            ctx = self.ctx
            self.commits = ctx.repo.walk(ctx.head, ctx.base, ctx.exclude)
            self.light = False

    def _change_cache(self) -> ChangeCache | None:
        """The store of this walk's per-commit deltas (see changecache), or None when
        a walk cannot use one: the rollout clock reads every World."""
        ctx = self.ctx
        if ctx.policy.rollout is not None or not self.commits or not ctx.store:
            return None
        walk = (
            ("roots",)
            if ctx.base is None and not ctx.exclude and ctx.commits is None
            else ("range", ctx.base, ctx.head, *ctx.exclude, *(c.sha for c in ctx.commits or ()))
        )
        context = context_digest(ctx.policy.raw, ctx.anchors, walk)
        return ChangeCache(_store_dir(ctx.repo), context)

    def _computed(
        self, exempt: set[str], stored: ChangeCache | None, skip: int = 0, every: bool = False
    ) -> Iterator[Change]:
        """Walk the Worlds commit by commit (storing each commit's deltas when
        `stored`); the first `skip` changes were already given from the store.
        Unless `every` (nothing is judged, the walk only stored), one model's
        changes (`log --model`) are known once the walk has ended: they are kept
        until then (no store to read them back from)."""
        if self.only_models is None or every:
            yield from (change for _n, change in self._walked(exempt, stored, skip, every))
            return
        kept: list[tuple[int, Change]] = []
        renamed: list[tuple[tuple[str, str], ...]] = []
        for n, change in self._walked(exempt, stored, skip, True):
            renamed.append(())
            if change is not None:
                renamed[n] = _renames_of(change.deltas)
                kept.append((n, change))
        wanted = self._wanted(renamed)
        for n, change in kept:
            if wanted(n, [d.model for d in change.deltas]):
                yield change

    def _walked(self, exempt: set[str], stored: ChangeCache | None, skip: int, every: bool):
        """(position, judged change or None) for each commit of the walk (`every`:
        commits without deltas too); see _computed."""
        ctx, commits, tracker, policy = self.ctx, self.commits, self.tracker, self.ctx.policy
        walker = Walker(tracker, commits)
        clock = None
        if policy.rollout is not None:
            started = partial(stages_started, ctx.repo, policy, policy.rollout.key)
            clock = StageClock(policy.rollout.key, started)
        tracker.prefetch(commits[skip:])
        if stored is not None:
            stored.begin()
        saw = False
        try:
            for n, commit in enumerate(commits):
                judged = commit_deltas(tracker, walker, clock, commit, ctx.anchors)
                deltas, fingerprint, anchors, stage_start, lifecycle = judged
                saw = saw or tracker.saw_layout
                missed = missed_paths(tracker, policy.layout, self._config_like, commit)
                for path in missed:
                    self.uncovered.add(path, commit.sha)
                if stored is not None:
                    rows = list(map(_ROW, deltas))
                    models = tuple(sorted({d.model for d in deltas if d.model is not None}))
                    head = (tracker.saw_layout, fingerprint, models, _renames_of(deltas), missed)
                    stored.put(commit.sha, head, (rows, anchors, lifecycle))
                if self.progress:
                    self.progress(n + 1, len(commits))
                if n < skip or fingerprint is None:
                    if every:
                        yield n, None
                    continue
                if (
                    self.only_models is not None
                    and not every
                    and all(d.model not in self.only_models for d in deltas)
                ):
                    continue
                change = self._change(
                    commit, fingerprint, deltas, anchors, lifecycle, exempt=exempt
                )
                if change is not None and policy.rollout is not None:
                    when = dt.datetime.fromisoformat(commit.committer_date)
                    found = rollout_findings(change.deltas, policy.rollout, when, stage_start)
                    if found and change.status != "exempt":
                        change.findings += found
                        settle(change, self.records)
                yield n, change
        finally:
            tracker.loader.close()  # a walk left early (the app reloading) stops its workers
        tracker.loader.save()
        check_layout_seen(self.ctx, self.tracker, self.commits, saw)
        if stored is not None:
            stored.commit(time.time())
            stored.close()

    def _change(
        self,
        commit: CommitInfo,
        fingerprint: str,
        deltas: list,
        anchors: dict,
        lifecycle: tuple,
        exempt: set[str],
    ) -> Change:
        """The judged change of a commit from its sorted deltas."""
        if deltas and not isinstance(deltas[0], Delta):
            deltas = [Delta(*row) for row in deltas]
        layout = self.ctx.policy.layout
        change = Change(commit, deltas, fingerprint, f"{layout.records}/{record_name(fingerprint)}")
        change.anchors = anchors
        change.appeared, change.vanished = lifecycle
        if commit.sha in exempt:
            change.status = "exempt"
        else:
            check_change(change, self.records, self.ctx.policy)
        return change


def _store_dir(repo: GitRepo) -> Path:
    return repo.common_dir / "auditui"


# A delta as the per-commit store keeps it: Delta(*row) builds it again.
_ROW = attrgetter("model", "path", "old", "new", "kind", "detail", "source")


def _renames_of(deltas: list[Delta]) -> tuple[tuple[str, str], ...]:
    """(old name, new name) of each model a change renamed."""
    return tuple((d.old, d.new) for d in deltas if d.kind == "renamed")
