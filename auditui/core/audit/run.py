"""One audit run: walk a range of history and judge each change.

Data flows one way: git (CommitInfo, blobs) -> World (effective configs) -> deltas
and fingerprint -> checks against the head's records -> Report. Nothing here
prints; the CLI, the hook and the app each render the Report their own way.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from operator import attrgetter
from pathlib import Path

from auditui.core.audit import requirements
from auditui.core.audit.checks import Finding, judge
from auditui.core.audit.rollout import StageClock, rollout_findings
from auditui.core.base.collector import fewer_collections
from auditui.core.base.errors import AuditError
from auditui.core.base.values import same_value
from auditui.core.configs.coverage import ConfigLike, Uncovered
from auditui.core.configs.documents import DocumentError, parse_text
from auditui.core.diff.anchors import change_anchors
from auditui.core.diff.deltas import Delta, model_deltas, policy_deltas, sorted_and_fingerprinted
from auditui.core.diff.reverts import Mark, RevertIndex
from auditui.core.diff.reverts import apply as apply_revert
from auditui.core.evidence import signatures
from auditui.core.evidence.recordfiles import read_record
from auditui.core.evidence.records import Record, RecordError, parse_record, record_name
from auditui.core.git.repo import CommitInfo, FileEntry, GitRepo
from auditui.core.history.changecache import ChangeCache, context_digest
from auditui.core.history.loader import Loader
from auditui.core.history.renames import RENAME_PATH, follow_renames, names_over_time
from auditui.core.history.tracker import LAYOUT_KINDS, Tracker
from auditui.core.history.walker import Walker
from auditui.core.history.world import Step, World, pair
from auditui.core.policy.model import POLICY_FILE, Policy, parse_policy

Progress = Callable[[int, int], None]


@dataclass
class Change:
    commit: CommitInfo
    deltas: list[Delta]
    fingerprint: str
    record_file: str
    status: str = "pass"  # pass | blocked | exempt | reverted (see reverts)
    findings: list[Finding] = field(default_factory=list)
    reverted_by: str | None = None  # status reverted: the commit that put it back
    reverts: str | None = None  # it only puts back what this commit (and others) moved
    # Models it brought into being (absent before; a renamed model is no new one) and
    # models it deleted: a deletion is no revert (see reverts).
    appeared: tuple[str, ...] = ()
    vanished: tuple[str, ...] = ()
    rules_applied: list[str] = field(default_factory=list)  # [[rules]] its deltas matched
    record: Record | None = None
    # Where the change lands, per model (None: the change as a whole) as (path, line):
    # what SARIF and GitHub annotations point at.
    anchors: dict[str | None, tuple[str, int]] = field(default_factory=dict)

    def anchor(self, model: str | None = None) -> tuple[str, int] | None:
        return self.anchors.get(model) or self.anchors.get(None)

    @property
    def models(self) -> list[str]:
        """Models whose effective config moved (a broken file moves none: it keeps the
        last good config, SPEC 7)."""
        return sorted({d.model for d in self.deltas if d.model is not None and d.kind != "invalid"})

    @property
    def rules(self) -> list[str]:
        return sorted({f.rule for f in self.findings})


@dataclass
class Totals:
    """How many changes a run found, by verdict: all a streamed report keeps of them."""

    changes: int = 0
    blocked: int = 0
    exempt: int = 0
    reverted: int = 0

    def add(self, change: Change) -> None:
        self.count(change.status)

    def count(self, status: str, sign: int = 1) -> None:
        """One change of `status` more (or, with sign -1, one less)."""
        self.changes += sign
        self.blocked += sign * (status == "blocked")
        self.exempt += sign * (status == "exempt")
        self.reverted += sign * (status == "reverted")

    @property
    def passed(self) -> int:
        return self.changes - self.blocked - self.exempt - self.reverted


@dataclass
class Report:
    repo: str
    base: str | None
    head: str
    policy_source: str  # "base", "head" or the --policy path
    changes: list[Change]
    commits_walked: int = 0
    upstream: str | None = None  # the base is where head meets this upstream
    signers_source: str | None = None  # "base", "head" or the pinned file (None: not required)
    streamed: Totals | None = None  # set when the changes were written as they came, not kept
    # The policy that judged: how the text spells a delta's leaves (deltas.leaf_rows).
    policy: Policy | None = field(default=None, compare=False, repr=False)
    # Files that look like model configs, changed in the range, that no layout pattern
    # covers or excludes (SPEC 16): the report ends with a warning naming them.
    uncovered: Uncovered = field(default_factory=Uncovered)

    @property
    def blocked(self) -> list[Change]:
        return [c for c in self.changes if c.status == "blocked"]

    @property
    def totals(self) -> Totals:
        if self.streamed is not None:
            return self.streamed
        totals = Totals()
        for change in self.changes:
            totals.add(change)
        return totals

    @property
    def ok(self) -> bool:
        return self.totals.blocked == 0


@dataclass
class AuditContext:
    """Everything resolved before the walk: which repo, range and policy."""

    repo: GitRepo
    head: str
    base: str | None
    policy: Policy
    policy_source: str
    exclude: tuple[str, ...] = ()  # more rev arguments to leave out (`--remotes=origin`)
    commits: list[CommitInfo] | None = None  # the walk, when a caller already did it
    upstream: str | None = None  # the upstream the base was taken from, when it was
    signers_file: str | None = None  # a trusted allowed-signers file, pinned outside the repo
    anchors: bool = True  # where each change lands (file, line): only SARIF/JUnit/GitHub need it
    store: bool = True  # keep each commit's deltas in the per-commit store (see changecache)
    # Where the policy (and the keys that verify signatures) was read, when not at the
    # base: a push to a new ref is judged at the destination's HEAD (docs/policy.md).
    policy_at: str | None = None


def resolve_context(
    repo_path: str | Path = ".",
    base: str | None = None,
    head: str = "HEAD",
    policy_file: str | Path | None = None,
    default_base: bool = True,
    signers_file: str | None = None,
) -> AuditContext:
    repo = GitRepo.open(repo_path)
    policy_file, signers_file = pinned(repo, policy_file, signers_file)
    head_sha = repo.resolve(head, "head revision")
    upstream = None
    if base:
        base_sha: str | None = repo.resolve(base, "base revision")
    else:
        upstream = repo.upstream() if default_base else None
        base_sha = repo.merge_base(head_sha, upstream) if upstream else None
    policy, source = load_policy(repo, base_sha, head_sha, policy_file)
    return AuditContext(repo, head_sha, base_sha, policy, source, upstream=upstream,
                        signers_file=signers_file)  # fmt: skip


def pinned(repo: GitRepo, policy_file, signers_file) -> tuple:
    """The policy and allowed-signers files pinned outside the repository: the options
    given, else `git config auditui.policy` / `auditui.allowedSigners` (a server's or
    CI runner's own settings, which no push can change)."""
    return (policy_file or repo.config_value("auditui.policy"),
            signers_file or repo.config_value("auditui.allowedSigners"))  # fmt: skip


def load_policy(
    repo: GitRepo, base: str | None, head: str, policy_file: str | Path | None = None
) -> tuple[Policy, str]:
    """The policy in force: --policy FILE, else the one at base, else at head (SPEC 2)."""
    if policy_file is not None:
        path = Path(policy_file)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise AuditError(
                f"{path}: cannot read policy file ({exc.strerror})",
                "hint: give --policy the path of a policy file (`auditui init` writes one)",
            ) from None
        return parse_policy(text, str(path)), str(path)
    for where, sha in (("base", base), ("head", head)):
        if sha is None:
            continue
        entry = repo.lookup(sha, POLICY_FILE)
        if entry is not None:
            text = repo.read_blob(entry.sha).decode("utf-8", "replace")
            label = f"{POLICY_FILE} at {where} ({sha[:7]})"
            return parse_policy(text, label), where
    raise AuditError(
        f"no {POLICY_FILE} at {'base or head' if base else 'head'} of {repo.root}",
        "hint: run `auditui init` to write a starter policy, or pass --policy FILE",
    )


def run_audit(
    repo_path: str | Path = ".",
    base: str | None = None,
    head: str = "HEAD",
    policy_file: str | Path | None = None,
    progress: Progress | None = None,
    default_base: bool = True,
    signers_file: str | None = None,
    anchors: bool = True,
    only_model: str | None = None,
) -> Report:
    ctx = resolve_context(repo_path, base, head, policy_file, default_base, signers_file)
    ctx.anchors = anchors
    return audit(ctx, progress, only_model=only_model)


def audit(
    ctx: AuditContext,
    progress: Progress | None = None,
    worktree_records: bool = False,
    only_model: str | None = None,
) -> Report:
    """Judge ctx's range and keep every change (the app, the hook, tests)."""
    run = AuditRun(ctx, progress, worktree_records, only_model)
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
        only_model: str | None = None,
        marks: dict[str, Mark] | None = None,
    ) -> None:
        self.ctx, self.progress = ctx, progress
        # Only changes with a delta of this model (`log --model`): from the store, the
        # others' deltas are not even read.
        self.only_model = only_model
        self.worktree_records = worktree_records
        # Reverted changes (see reverts): known only once the range has been walked;
        # `marks` from an earlier walk of it are applied to each change as it comes.
        self.reverts = RevertIndex(only_model)
        self.marks = marks
        self.inverts: dict[str, str] = {}  # change -> the earlier change it inverts
        # Rules that tell rollbacks apart (`revert = true` or `false`): a rollback of a
        # change before the range is looked for only then (two git calls and two
        # Worlds per change; within the range the index knows for free).
        self._revert_rules = any(r.revert is not None for r in ctx.policy.rules)
        self._before: Walker | None = None  # Worlds before the range (see _rollback...)
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
        self.uncovered = Uncovered()
        self._config_like = ConfigLike(policy.layout)
        self.records = _Records(
            repo, ctx.head, policy.layout.records, self.tracker.loader, worktree_records
        )
        self.signers_source = None
        if policy.approvals.require_signatures and ctx.signers_file:
            self.records.signers = _read_signers(ctx.signers_file)
            self.signers_source = ctx.signers_file
        elif policy.approvals.require_signatures:
            # Keys come from the base, never from the range being judged (SPEC 3); with
            # no base the head's keys judge, which the report says (pin them to close that).
            where = ctx.policy_at or ctx.base or ctx.head
            entry = repo.lookup(where, policy.approvals.allowed_signers)
            self.records.signers = self.tracker.loader.text(entry.sha) if entry else None
            self.signers_source = "base" if ctx.policy_at or ctx.base else "head"

    def report(self, changes: list[Change], streamed: Totals | None = None) -> Report:
        """The report of this walk. Changes it kept are marked reverted here; a
        streamed walk that found reverts is judged `again` with them known."""
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

    def __iter__(self) -> Iterator[Change]:
        marks = self.marks
        with fewer_collections():
            for change in self._changes():
                sha = change.commit.sha
                inverted = self.reverts.add(change)
                if inverted is None and self._revert_rules and self.ctx.base is not None:
                    inverted, rollback = self._rollback_before_range(change)
                    if rollback:
                        self.reverts.rolled_back(sha)
                if inverted is not None:
                    change.reverts = inverted  # it exactly inverts that change (SPEC 11)
                    self.inverts[sha] = inverted
                    self._judge_as_revert(change)
                if marks is not None:
                    apply_revert(change, marks.get(sha))
                yield change

    def found(self) -> Iterator[Change]:
        """Each change as the walk finds it, judged, with no revert looked for: what a
        lookup by fingerprint needs (a revert never changes one)."""
        return self._changes()

    def found_reverts(self) -> dict[str, Mark]:
        """What this walk found undone within its range (see reverts)."""
        return self.reverts.marks(self._fixed_by)

    def _fixed_by(self, broken: dict[str, tuple[str, str]]) -> dict[str, str | None]:
        """For each file last broken (blob, commit): the first later commit of the walk
        that changed it, unless the head still holds that blob. Two git calls for all
        of them (a catalogue's history broke a thousand files)."""
        ctx, commits = self.ctx, self.commits
        at_head = ctx.repo.blobs_at(ctx.head, list(broken))
        where = {c.sha: i for i, c in enumerate(commits)}
        touched = self._touches(set(broken), where)
        out: dict[str, str | None] = {}
        for file, (blob, sha) in broken.items():
            if at_head.get(file) == blob:
                out[file] = None
                continue
            after = [i for i in touched.get(file, ()) if i > where[sha]]
            out[file] = commits[min(after)].sha if after else None
        return out

    def _touches(self, files: set[str], where: dict[str, int]) -> dict[str, list[int]]:
        """The walk's commits (by position) whose diff against their first parent
        touches each of `files`."""
        out: dict[str, list[int]] = {}
        if not self.light:
            for i, c in enumerate(self.commits):
                for ch in c.changes:
                    if ch.path in files:
                        out.setdefault(ch.path, []).append(i)
            return out
        for sha, paths in self.ctx.repo.touching(self.ctx.head, sorted(files)):
            if sha in where:
                for path in paths:
                    out.setdefault(path, []).append(where[sha])
        return out

    def rebuilt(self, marks: dict[str, Mark]) -> dict[str, Change] | None:
        """The marked changes of this finished walk, judged again from the per-commit
        store with their marks applied (None when there is no store to read)."""
        stored = self._change_cache()
        if stored is None:
            return None
        try:
            by_sha = {c.sha: c for c in self.commits}
            heads = stored.heads(list(marks))
            out = {}
            for sha in marks if heads is not None else ():
                found = stored.deltas(sha)
                if found is None:
                    return None
                change = self._change(by_sha[sha], heads[sha][1], *found, exempt=self._exempt)
                change.reverts = self.inverts.get(sha)
                if change.reverts:
                    self._judge_as_revert(change)  # as it was judged in the walk
                apply_revert(change, marks[sha])
                out[sha] = change
            return out if heads is not None else None
        finally:
            stored.close()

    def _judge_as_revert(self, change: Change) -> None:
        """A rollback judged again with `revert = true` rules matching (the rollout
        findings, which judging does not make, are kept)."""
        if (not self._revert_rules or change.status == "exempt"
                or not self.reverts.is_rollback(change.commit.sha)):  # fmt: skip
            return
        rollout = [f for f in change.findings if f.rule == "AUD010"]
        _judge(change, self.records, self.ctx.policy, is_revert=True)
        if rollout:
            change.findings += rollout
            change.status = "blocked"

    def _rollback_before_range(self, change: Change) -> tuple[str | None, bool]:
        """The commit before the range that this change exactly inverts, if the last
        earlier commit touching the same tracked files is one, and whether that makes
        it a rollback (a push rolling back to an audited state; asked only when rules
        tell rollbacks apart): not when that commit was a rollback itself, as undoing
        it redoes the change it rolled back (see RevertIndex.add).

        Its deltas come from the Worlds at it and at its parent, each derived by one
        diff from the first World read (see Walker.world): a catalogue's tree is read
        once per run, not once per change. A merge is no rollback target: its own
        deltas are only what neither parent had (SPEC 2)."""
        if not change.commit.parents or not change.deltas:
            return None, False
        found = self._inverted_before(change.commit.sha, change.commit.parents[0],
                                      _effect(change.deltas), self.ctx.base)  # fmt: skip
        if found is None:
            return None, False
        earlier, (parent, deltas) = found
        redo = self._inverted_before(earlier, parent, _effect(deltas), parent) is not None
        return earlier, not redo

    def _inverted_before(
        self, sha: str, parent: str, effect: set[tuple], since: str | None
    ) -> tuple[str, tuple[str, list[Delta]]] | None:
        """The last commit at or before `since` touching the tracked files that `sha`
        changed, with its parent and deltas, if those are exactly the inverse of
        `effect`. From the range's
        base, not the change's parent: git then walks none of the range (a
        300-change range took 0.2 s a change walking it), and a commit of the range
        that touched those files too does not hide the one this change inverts."""
        repo, tracker = self.ctx.repo, self.tracker
        tracked = (POLICY_FILE, tracker.signers_path)
        paths = sorted({ch.path for ch in repo.diff(parent, sha)
                        if tracker.kind(ch.path) is not None or ch.path in tracked})  # fmt: skip
        earlier = repo.last_touching(since, paths) if paths and since else None
        if earlier is None or earlier in {c.sha for c in self.commits}:
            return None
        found = self._deltas_of(earlier)
        if found is not None and _inverse(found[1]) == effect:
            return earlier, found
        return None

    def _deltas_of(self, sha: str) -> tuple[str, list[Delta]] | None:
        """A commit's parent and its deltas, from the Worlds at both (None: a root
        commit or a merge)."""
        repo, tracker = self.ctx.repo, self.tracker
        parent = repo.peel_commit(f"{sha}^")
        if parent is None or repo.peel_commit(f"{sha}^2") is not None:
            return None
        if self._before is None:
            self._before = Walker(tracker, [])
        before, after = self._before.world(parent), self._before.world(sha)
        names = sorted(n for n in set(before.effective) | set(after.effective)
                       if (a := before.effective.get(n)) is not (b := after.effective.get(n))
                       and a != b)  # fmt: skip
        return parent, _deltas_between(tracker, before, after, names)

    def again(self, marks: dict[str, Mark]) -> AuditRun:
        """The same range walked again (from the per-commit store) with the reverts
        this walk found (`found_reverts`) applied to each change as it comes."""
        return AuditRun(self.ctx, self.progress, self.worktree_records, self.only_model, marks)

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
            exempt = _before_adoption(commits, ctx.head, added)
        self._exempt = exempt
        if heads is None and self.only_model is not None and stored is not None:
            # One model's history follows its renames (SPEC 13): the names it had are
            # known once the whole walk is, so the walk is stored first, then read back.
            for _found in self._computed(exempt, stored, every=True):
                pass
            stored = self._change_cache()
            heads = stored.heads([c.sha for c in commits]) if stored is not None else None
        if heads is None:
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
            yield self._change(commit, fingerprint, *found, exempt=exempt)
        stored.touch(time.time())
        stored.close()
        self._check_saw(any(head[0] for head in heads.values()))

    def _wanted(self, renamed: list[tuple]):
        """Whether the change at a position of the walk, moving `models`, is shown:
        every change, or (`log --model`) those of the model under any name it had
        then (see renames.names_over_time)."""
        if self.only_model is None:
            return lambda _n, _models: True
        names = names_over_time(self.only_model, renamed)
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
        if self.only_model is None or every:
            yield from (change for _n, change in self._walked(exempt, stored, skip, every))
            return
        kept, renamed = [], []
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
            clock = StageClock(policy.rollout.key, lambda sha: _rollout_started(ctx, sha))
        tracker.prefetch(commits[skip:])
        if stored is not None:
            stored.begin()
        saw = False
        try:
            for n, commit in enumerate(commits):
                judged = self._judged(walker, clock, commit)
                deltas, fingerprint, anchors, stage_start, lifecycle = judged
                saw = saw or tracker.saw_layout
                missed = self._missed(commit)
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
                    self.only_model is not None
                    and not every
                    and all(d.model != self.only_model for d in deltas)
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
                        change.status = "blocked"
                yield n, change
        finally:
            tracker.loader.close()  # a walk left early (the app reloading) stops its workers
        tracker.loader.save()
        self._check_saw(saw)
        if stored is not None:
            stored.commit(time.time())
            stored.close()

    def _missed(self, commit: CommitInfo) -> tuple[str, ...]:
        """The paths `commit` changed that look like model configs (see coverage) and
        that no layout pattern covers or excludes."""
        tracker, layout = self.tracker, self.ctx.policy.layout
        explicit = (POLICY_FILE, tracker.signers_path, layout.defaults)
        records = layout.records + "/"
        return tuple(
            sorted(
                {
                    ch.path
                    for ch in commit.changes
                    if tracker.kind(ch.path) is None
                    and ch.path not in explicit
                    and not ch.path.startswith(records)
                    and not layout.excluded(ch.path)
                    and self._config_like.looks(ch.path)
                }
            )
        )

    def _judged(self, walker: Walker, clock: StageClock | None, commit: CommitInfo):
        """One commit's sorted deltas against the world before it, their fingerprint
        (None without deltas), anchors, and the rollout stage clock at that commit."""
        tracker = self.tracker
        tracker.saw_layout = False
        world, step = walker.step(commit)
        if len(commit.parents) > 1:
            merged = _merged_away(walker, commit, world, step)
        else:
            merged = step = follow_renames(tracker.repo, commit, step)
        deltas = _deltas(tracker, world, merged)
        stage_start = partial(clock.start, commit) if clock else None
        if clock:
            clock.record(commit, step.models, step.renamed)
        if len(commit.parents) > 1 and deltas:
            deltas = _evil_only(tracker, walker, commit, world, deltas)
        anchors = {}
        if deltas and self.ctx.anchors:
            anchors = change_anchors(tracker, commit, world, deltas)
        walker.release(commit)
        fingerprint = None
        if deltas:
            deltas, fingerprint = sorted_and_fingerprinted(deltas)
        return deltas, fingerprint, anchors, stage_start, _lifecycle(merged)

    def _change(self, commit: CommitInfo, fingerprint: str, deltas: list, anchors: dict,
                lifecycle: tuple, exempt: set[str]) -> Change:  # fmt: skip
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
            _judge(change, self.records, self.ctx.policy)
        return change

    def _check_saw(self, saw: bool) -> None:
        if self.commits and not saw and not self._layout_at_policy():
            raise AuditError(
                f"the policy's [layout] matches no model, collection or prompt file in "
                f"{self.ctx.repo.root} (in the audited range)",
                "hint: run `auditui init` in a fresh checkout to see what it proposes from "
                "the files present, or fix [layout] models / prompts / collection",
            )

    def _layout_at_policy(self) -> bool:
        """Whether the layout names a config file where the policy was read (a push's
        destination): a pushed history holding none (git notes) then changes nothing,
        while a policy naming nothing anywhere is still an error."""
        at, tracker = self.ctx.policy_at, self.tracker
        if at is None:
            return False
        files = self.ctx.repo.list_files(at, tracker.patterns(), tracker.layout.exclude)
        kinds = (tracker.kind(p) for p in files)
        return any(k is not None and k[0] in LAYOUT_KINDS for k in kinds)


def _read_signers(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read(1024 * 1024)
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise AuditError(f"{path}: cannot read the allowed signers ({why})",
                         "hint: pass --allowed-signers FILE (or git config auditui.allowedSigners) "
                         "naming an ssh-keygen allowed-signers file") from None  # fmt: skip


def _rollout_started(ctx: AuditContext, sha: str) -> dict[str, dt.datetime]:
    """When each model's rollout value last changed on the first-parent line of `sha`
    (committer dates): the history below the range a stage may have been set in."""
    tracker = Tracker(ctx.repo, ctx.policy)
    clock = StageClock(ctx.policy.rollout.key, lambda _sha: {})
    history = ctx.repo.walk(sha, None, first_parent=True)
    walker = Walker(tracker, history)
    started: dict[str, dt.datetime] = {}
    for commit in history:
        _world, step = walker.step(commit)
        walker.release(commit)
        if len(commit.parents) == 1:
            step = follow_renames(ctx.repo, commit, step)
        when = dt.datetime.fromisoformat(commit.committer_date)
        for old, new in step.renamed:  # the stage it was in, since when it was
            if old in started:
                started[new] = started[old]
        for name, old, new in step.models:
            if not same_value(clock.value(old), clock.value(new)):
                started[name] = when
    return started


def _effect(deltas: list[Delta]) -> set[tuple]:
    from auditui.core.diff.deltas import canonical_json

    return {(d.model, d.path, canonical_json(d.old), canonical_json(d.new)) for d in deltas}


def _inverse(deltas: list[Delta]) -> set[tuple]:
    return {(m, p, new, old) for m, p, old, new in _effect(deltas)}


def _store_dir(repo: GitRepo) -> Path:
    return repo.common_dir / "auditui"


def _before_adoption(
    commits: list[CommitInfo], head: str, added: set[str] | None = None
) -> set[str]:
    """Commits exempt under the head's policy (SPEC 7, Adoption): the commit on the
    head's first-parent line that first added the policy, and its ancestors. `added`:
    the commits that added it, when the walk has no raw diffs to tell.

    Only ancestry counts: an orphan or pre-adoption branch merged later has no claim
    to the exemption (a policy at the base exempts nothing at all)."""
    by_sha = {c.sha: c for c in commits}
    line = []
    sha: str | None = head
    while sha in by_sha:
        line.append(by_sha[sha])
        parents = by_sha[sha].parents
        sha = parents[0] if parents else None

    def adds_policy(c: CommitInfo) -> bool:
        if added is not None:
            return c.sha in added
        return any(ch.path == POLICY_FILE and ch.old is None and ch.new for ch in c.changes)

    adoption = next((c for c in reversed(line) if adds_policy(c)), None)
    if adoption is None:
        return set()
    exempt: set[str] = set()
    stack = [adoption.sha]
    while stack:
        sha = stack.pop()
        if sha in exempt or sha not in by_sha:
            continue
        exempt.add(sha)
        stack.extend(by_sha[sha].parents)
    return exempt


# A delta as the per-commit store keeps it: Delta(*row) builds it again.
_ROW = attrgetter("model", "path", "old", "new", "kind", "detail", "source")


def _entry_sha(world: World, path: str) -> str | None:
    entry = world.entries.get(path)
    return entry.sha if entry else None


def _lifecycle(step: Step) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The models a step brought into being and those it deleted (see
    Change.appeared): a renamed model is neither (its new name's row is against the
    old name's config, and the old name has no row of its own)."""
    appeared = tuple(n for n, old, new in step.models if old is None and new is not None)
    vanished = tuple(n for n, old, new in step.models if new is None and old is not None)
    return appeared, vanished


def _renames_of(deltas: list[Delta]) -> tuple[tuple[str, str], ...]:
    """(old name, new name) of each model a change renamed."""
    return tuple((d.old, d.new) for d in deltas if d.kind == "renamed")


def _deltas(tracker: Tracker, world: World, step: Step) -> list[Delta]:
    loader, policy = tracker.loader, tracker.policy
    deltas = [Delta(new, RENAME_PATH, old, new, "renamed") for old, new in step.renamed]
    for name, old, new in step.models:
        deltas += model_deltas(name, old, new, policy, loader.text, loader.limit_pairs)
    for (path, label), problems in _problems_by_delta(step.errors):
        detail = "; ".join(dict.fromkeys(p.message for p in problems))
        # A problem of one model (a cycle, a bad entry) names it; a file that does not
        # parse concerns every model in it, so it names none.
        models = {p.model for p in problems}
        model = models.pop() if len(models) == 1 else None
        deltas.append(Delta(model, f"file:{path}{label}", None, _entry_sha(world, path),
                            "invalid", detail, source=path))  # fmt: skip
    if step.policy is not None:
        deltas += _policy_deltas(tracker, *step.policy)
    if step.signers is not None:
        old, new = step.signers
        kind = "added" if old is None else "removed" if new is None else "changed"
        deltas.append(
            Delta(None, "signers", old.sha if old else None, new.sha if new else None, kind)
        )
    return deltas


def _problems_by_delta(errors: dict) -> list[tuple[tuple[str, str], list]]:
    """World problems grouped by the invalid delta that reports them: one per bad
    collection entry (`file:<path>#<entry>`), one per file for everything else."""
    groups: dict[tuple[str, str], list] = {}
    for (path, label), problem in sorted(errors.items()):
        groups.setdefault((path, label if label.startswith("#") else ""), []).append(problem)
    return sorted(groups.items())


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
            )  # fmt: skip
        ]
    deltas = policy_deltas(old_raw, new_raw)
    if not deltas and (old is None or new is None):
        # An empty policy appearing or vanishing still turns auditing on or off;
        # a reformat (both sides parse the same) is no change at all (SPEC 2).
        return [
            Delta(None, "policy:", old.sha if old else None, new.sha if new else None, "changed")
        ]
    return deltas


def _merged_away(walker: Walker, commit: CommitInfo, world: World, step: Step) -> Step:
    """A merge's step without the models some other parent already had exactly as
    merged: none of their deltas can be the merge's own (SPEC 2, see _evil_only).

    Most of a merge's files come whole from one side; "merge main into the branch"
    brings every change main made since the branch point. Dropping those models
    before diffing is most of the cost of a merge-heavy history (models.dev: 2,061
    merges carry 56,664 model changes, the 3,801 other commits 32,328)."""
    others = [walker.world(p) for p in commit.parents[1:]]
    models = [(name, old, new) for name, old, new in step.models
              if all(other.effective.get(name) != new for other in others)]  # fmt: skip
    return Step(models, step.errors, step.policy, step.signers)


def _evil_only(
    tracker: Tracker, walker: Walker, commit: CommitInfo, world: World, deltas: list[Delta]
) -> list[Delta]:
    """Keep a merge's deltas only where the result differs from every parent (SPEC 2)."""
    keep = {(d.model, d.path) for d in deltas}
    for p in commit.parents[1:]:
        other = walker.world(p)
        names = sorted({d.model for d in deltas if d.model is not None})
        keep &= {(d.model, d.path) for d in _deltas_between(tracker, other, world, names)}
    return [d for d in deltas if (d.model, d.path) in keep]


def state_deltas(repo: GitRepo, policy: Policy, old: str, new: str) -> list[Delta]:
    """What moving from commit `old` to commit `new` does, whatever lies between: every
    model's effective config, the policy and the signers file, read whole at both (a
    rewind of a protected ref is let through only when this is empty)."""
    tracker = Tracker(repo, policy)
    walker = Walker(tracker, [])
    before, after = walker.world(old), walker.world(new)
    names = sorted(n for n in set(before.effective) | set(after.effective)
                   if before.effective.get(n) != after.effective.get(n))  # fmt: skip
    try:
        return _deltas_between(tracker, before, after, names)
    finally:
        tracker.loader.close()


def _deltas_between(tracker: Tracker, old: World, new: World, names: list[str]) -> list[Delta]:
    """The deltas taking `old` to `new` for the models `names`, their problems, the
    policy and the signers file: two Worlds compared directly, not stepped."""
    step = Step(
        [(n, old.effective.get(n), new.effective.get(n)) for n in names],
        {k: v for k, v in new.errors.items() if old.errors.get(k) != v},
        pair(old, new, POLICY_FILE),
        pair(old, new, tracker.signers_path),
    )
    return _deltas(tracker, new, step)


class _Records:
    """Audit records as they stand at the head of the range, parsed on demand."""

    def __init__(
        self, repo: GitRepo, head: str, folder: str, loader: Loader, worktree: bool = False
    ) -> None:
        self.folder = folder.rstrip("/")
        self.loader = loader
        self._entries = repo.list_files(head, [f"{self.folder}/*.toml"])
        self._worktree = repo.root if worktree else None
        self.signers: str | None = None  # allowed-signers text at the base

    def get(self, path: str) -> tuple[Record | None, str | None]:
        if self._worktree is not None:
            try:
                text = read_record(self._worktree, path)
                if text is not None:
                    return parse_record(path, text), None
            except (AuditError, RecordError) as exc:
                return None, exc.message if isinstance(exc, AuditError) else str(exc)
        entry = self._entries.get(path)
        if entry is None:
            return None, None
        try:
            return parse_record(path, self.loader.text(entry.sha)), None
        except (RecordError, DocumentError) as exc:
            return None, str(exc)


def _judge(change: Change, records: _Records, policy: Policy, is_revert: bool = False) -> None:
    findings = [
        Finding("AUD009", f"{d.path.removeprefix('file:')}: {d.detail}", d.model,
                d.source or d.path.removeprefix("file:"))
        for d in change.deltas
        if d.kind == "invalid"
    ]  # fmt: skip
    if findings and len(findings) == len(change.deltas):
        # Only broken files: there is no config to evaluate or approve until it parses.
        change.findings, change.status = findings, "blocked"
        return
    record, error = records.get(change.record_file)
    extra = any(d.model is None and d.kind != "invalid" for d in change.deltas)
    needs = requirements.needs(change.deltas, policy, extra_approval=extra, is_revert=is_revert)
    change.rules_applied = needs.rules

    def check_signature(approval) -> str | None:
        if records.signers is None:
            return f"cannot be verified: no {policy.approvals.allowed_signers} at the base"
        data = signatures.payload(change.fingerprint, approval.verdict, approval.by, approval.at)
        problem = signatures.verify(approval.signature, data, approval.by, records.signers)
        return None if problem is None else f"has a signature that does not verify ({problem})"

    findings += judge(
        fingerprint=change.fingerprint,
        models=change.models,
        author=change.commit.author_email,
        needs=needs,
        record_file=change.record_file,
        record=record,
        record_error=error,
        policy=policy,
        check_signature=check_signature,
    )
    change.record = record
    change.findings = findings
    change.status = "blocked" if findings else "pass"
