"""The walk's Worlds: one per commit that a later commit still needs, each advanced
from a parent's World by that commit's changed files (see world.Tracker).

A merge is advanced from whichever parent its result is nearer to. Telling which
takes the files that differ between two Worlds; a lineage of how each World was
made answers that from the few files changed since the two parted, not by
comparing every tracked file (see Lineage).
"""

from __future__ import annotations

from auditui.core.git.repo import CommitInfo, FileEntry
from auditui.core.history.pmap import PMap
from auditui.core.history.tracker import Tracker
from auditui.core.history.world import FileState, Step, World
from auditui.core.policy.model import POLICY_FILE

NEARER_MIN = 8  # a merge changing fewer tracked files is advanced from its first parent


class Lineage:
    """How each kept World was made: from which commit's World, writing which paths.

    Every World descends from a root (a tree read whole, or an empty one) through such
    steps, so two Worlds' tracked files can differ only at paths written on the way
    from their nearest common ancestor to each: on models.dev a merge's two parents
    parted a few commits ago, and comparing the few files those wrote replaces
    comparing all 4,000 (that was a tenth of a cold run). A step that also wrote
    paths it was not given (a symlink's target or a prompt first looked up in the
    tree) is opaque: a question crossing it is answered by comparing everything."""

    LONGEST = 5000  # steps walked before comparing everything is the cheaper way

    def __init__(self) -> None:
        # commit -> (the commit its World was made from, depth, paths written or None)
        self._made: dict[str, tuple[str | None, int, tuple[str, ...] | None]] = {}

    def root(self, sha: str) -> None:
        self._made[sha] = (None, 0, ())

    def made(self, sha: str, base: str, written: tuple[str, ...] | None) -> None:
        known = self._made.get(base)
        if known is None:
            self.root(sha)  # made from a World this lineage never saw: a root of its own
        else:
            self._made[sha] = (base, known[1] + 1, written)

    def written_between(self, a: str, b: str, most: int) -> set[str] | None:
        """The paths written on the way between two commits' Worlds: every path whose
        entry can differ between them. None when the way crosses an opaque step, the
        two have no common root, or more than `most` paths (or LONGEST steps) lie on
        it."""
        made, paths = self._made, set()
        if a not in made or b not in made:
            return None
        for _ in range(self.LONGEST):
            if a == b:
                return paths
            if made[a][1] < made[b][1]:
                a, b = b, a  # step the deeper one (of two as deep, either)
            base, depth, written = made[a]
            if depth == 0 or written is None:
                return None  # two different roots, or an opaque step
            paths.update(written)
            if len(paths) > most:
                return None
            a = base  # type: ignore[assignment]
        return None


class Walker:
    """Keeps each commit's World alive exactly as long as a later commit needs it."""

    def __init__(self, tracker: Tracker, commits: list[CommitInfo]) -> None:
        self.tracker = tracker
        self.worlds: dict[str, World] = {}
        self.first_boundary: World | None = None  # kept intact to derive the others
        self.children: dict[str, int] = {}
        self.uses: dict[int, int] = {}
        self.lineage = Lineage()
        for c in commits:
            for p in c.parents:
                self.children[p] = self.children.get(p, 0) + 1

    def world(self, sha: str) -> World:
        """The World at a commit outside the range (a boundary): read from its tree
        the first time, and derived from that one by a single diff after that."""
        if sha not in self.worlds:
            if self.first_boundary is None:
                world = self.tracker.from_tree(sha)
                self.first_boundary = world.copy()
                self.lineage.root(sha)
            else:
                known = self.first_boundary
                changes = {
                    ch.path: ch.new
                    for ch in self.tracker.repo.diff(known.commit, sha)
                    if self.tracker.relevant(ch.path, known)
                }
                world, _step = self._advance(known.copy(), known.commit, sha, changes, True)
            self._keep(sha, world)
        return self.worlds[sha]

    def _keep(self, sha: str, world: World) -> None:
        self.worlds[sha] = world
        self.uses[id(world)] = self.uses.get(id(world), 0) + self.children.get(sha, 0)

    def step(self, commit: CommitInfo) -> tuple[World, Step]:
        """Advance to `commit` from its first parent's World (a merge: taking the
        files its other parent read cleanly as that World holds them, see
        world._clean_read, unless the nearer parent serves better)."""
        first = commit.parents[0] if commit.parents else None
        parent = self.world(first) if first else World()
        if first is None:
            self.lineage.root(commit.sha)
        changes = {
            ch.path: ch.new for ch in commit.changes if self.tracker.relevant(ch.path, parent)
        }
        found = None
        if len(commit.parents) > 1 and len(changes) > NEARER_MIN:
            found = self._from_nearer_parent(commit, parent, changes)
        if found is not None:
            world, step = found
        elif changes:
            steal = bool(commit.parents) and self.uses.get(id(parent), 0) == 1
            donor = self.world(commit.parents[1]) if len(commit.parents) > 1 else None
            world, step = self._advance(parent, first, commit.sha, changes, steal, donor)
        else:
            world, step = parent, Step([], {}, None, None)
            if first is not None:
                self.lineage.made(commit.sha, first, ())
        self._keep(commit.sha, world)
        return world, step

    def _advance(
        self, base: World, base_sha: str | None, sha: str, changes: dict[str, FileEntry | None],
        steal: bool, donor: World | None = None,
    ) -> tuple[World, Step]:  # fmt: skip
        """Tracker.advance, written down in the lineage. A step writes only the paths
        it is given unless it looks one up (see Lineage): then the World holds more
        entries than those paths account for."""
        entries = base.entries
        expected = len(entries) + sum((e is not None) - (p in entries) for p, e in changes.items())
        world, step = self.tracker.advance(base, sha, changes, steal, donor)
        if base_sha is not None:
            written = tuple(changes) if len(world.entries) == expected else None
            self.lineage.made(sha, base_sha, written)
        return world, step

    def _from_nearer_parent(
        self, commit: CommitInfo, first: World, changes: dict[str, FileEntry | None]
    ) -> tuple[World, Step] | None:
        """A merge's World advanced from the parent its result is nearest to.

        "Merge main into the branch" differs from its first parent by everything main
        did since the branch point, and from main by the branch's own few files:
        applying those few gives the same World at a fraction of the cost.

        Same, that is, as far as a World is a function of its tree alone: a broken
        file's last good config, a clash's owner, an unresolvable model's last config
        depend on the way history went (and there the first parent's way is the
        rule). So the nearer parent is used only when the result holds the first
        parent's clashes, bad entries and unresolvable models with the very same
        state behind each, and every file that does not parse keeps the models the
        first parent's way keeps (see _first_way_problems). Files broken on one side
        only are common (models.dev: 300 of its merges), and that is all they differ
        by. A file broken both ways after other last good versions is given the first
        parent's state (see _first_way_files), and the result checked again.

        The step is still the first parent's (SPEC 2), cut to the models the nearer
        parent did not already have as merged: the only ones _evil_only could keep."""
        if self.tracker.policy.rollout is not None:
            return None  # the rollout clock reads every first-parent step
        best: tuple[str, World, dict[str, FileEntry | None]] | None = None
        for sha in commit.parents[1:]:
            other = self.world(sha)
            if not _similar_problems(self.tracker, first, other):
                continue
            between = self.lineage.written_between(
                commit.parents[0], sha, max(256, len(first.entries) // 4)
            )
            most = (len(changes) - 1) // 2 if best is None else len(best[2]) - 1
            nearer = _entry_diff(first.entries, other.entries, changes, between, most)
            if nearer is not None:
                best = (sha, other, nearer)
        if best is None:
            return None
        sha, other, nearer = best
        world, step = self._advance(other.copy(), sha, commit.sha, nearer, True)
        names = {name for name, _old, _new in step.models}
        if not _first_way_problems(self.tracker, first, world, changes):
            kept = _first_way_files(self.tracker, first, world, changes)
            if kept is None:
                return None  # history-made state differs: judged the first parent's way
            entries = {path: world.entries[path] for path in kept}
            tracked = len(world.entries)
            world, again = self.tracker.advance(world, commit.sha, entries, True, kept=kept)
            names.update(name for name, _old, _new in again.models)
            if len(world.entries) != tracked or not _first_way_problems(
                self.tracker, first, world, changes
            ):
                return None  # a file looked up (the lineage names only `nearer`), or still differs
        models = [(name, first.effective.get(name), new) for name in sorted(names)
                  if first.effective.get(name) != (new := world.effective.get(name))]  # fmt: skip
        errors = Tracker.step_errors(world.errors, first.errors, changes)
        signers = self.tracker.signers_path
        return world, Step(models, errors, pair(first, world, POLICY_FILE),
                           pair(first, world, signers))  # fmt: skip

    def release(self, commit: CommitInfo) -> None:
        for p in commit.parents:
            world = self.worlds.get(p)
            if world is None:
                continue
            self.uses[id(world)] -= 1
            self.children[p] -= 1
            if self.children[p] == 0:
                del self.worlds[p]


_MADE = ("model", "base", "collection")  # kinds whose problems keep history-made state


def _similar_problems(tracker: Tracker, first: World, other: World) -> bool:
    """Whether two Worlds can differ in how history made them only by files that do
    not parse (see _first_way_problems): every other problem is the same in both,
    with the same state behind it (the same FileState object, the same kept
    config), and no problem is on a prompt or the defaults (which keep an old text or
    old defaults for every model)."""
    for path, label in {*first.errors, *other.errors}:
        kind = tracker.kind(path)
        if kind is None or kind[0] not in _MADE:
            return False
        if label and not _same_problem(first, other, path, label):
            return False
    return True


def _same_problem(a: World, b: World, path: str, label: str) -> bool:
    """One problem (a clash, a bad entry, an unresolvable model) held alike by two
    Worlds, with the very same state behind it."""
    key = (path, label)
    if a.errors.get(key) != b.errors.get(key) or a.files.get(path) is not b.files.get(path):
        return False
    name = label[1:]
    return label[:1] != "@" or a.effective.get(name) is b.effective.get(name)


def _first_way_problems(
    tracker: Tracker, first: World, world: World, changes: dict[str, FileEntry | None]
) -> bool:
    """Whether `world`, the merge advanced from a nearer parent, holds what advancing
    the first parent by `changes` would: its clashes, bad entries and unresolvable
    models exactly the first parent's (the merge moved none), and each file that
    does not parse keeps the models the first parent's way keeps. A file's own
    problem (label "") comes from its blob, which both ways read alike; what it keeps
    is the first parent's own state of the file when the merge did not change it, or
    the models of that state (re-read, a broken blob keeps them) when it did."""
    for path, label in {*first.errors, *world.errors}:
        if label:
            if not _same_problem(first, world, path, label):
                return False
            continue
        kind = tracker.kind(path)
        if kind is None or kind[0] not in _MADE:
            return False
        mine, theirs = world.files.get(path), first.files.get(path)
        if path not in changes:
            if mine != theirs:  # the first parent's own state of the file
                return False
        elif (path, label) in world.errors and _kept(mine) != _kept(theirs):
            return False  # broken in the result, it keeps the first parent's models
    return True


def _first_way_files(
    tracker: Tracker, first: World, world: World, changes: dict[str, FileEntry | None]
) -> dict[str, FileState | None] | None:
    """The states that make `world`'s broken files keep the models the first
    parent's way keeps (see _first_way_problems), when that is all they differ by:
    a file broken in the result (one blob, one problem, whichever way it was read)
    whose last good models differ because each side last read it cleanly at another
    version (None: no state, it never read cleanly the first parent's way). The
    targets a symlink's read went through never move.
    models.dev's largest merges differ so by hundreds of files (and from the nearer
    parent by a handful of others). None when anything else differs."""
    kept: dict[str, FileState | None] = {}
    for path, label in {*first.errors, *world.errors}:
        if label:
            continue  # clashes, bad entries: _first_way_problems decides
        mine, theirs = world.files.get(path), first.files.get(path)
        if (path, "") not in world.errors:
            if path not in changes and mine != theirs:
                return None
            continue  # broken on the first parent only, and read again by the merge
        # A symlink's state holds the targets its read went through: the same tree
        # gives the same ones both ways, and taking a state must never move them.
        deps = mine.deps if mine is not None else frozenset()
        if path not in changes:
            if mine != theirs:
                if (theirs.deps if theirs is not None else frozenset()) != deps:
                    return None
                kept[path] = theirs  # the first parent's own state of the file (or none)
        elif _kept(mine) != _kept(theirs):
            # Read again by the merge: it keeps the first parent's models (none: the
            # first parent never read it cleanly, so no state at all).
            if mine is None and world.entries[path].is_symlink:
                return None  # the targets its read went through are unknown here
            if theirs is None and deps:
                return None  # with no state the link to its targets would go with it
            kept[path] = None if theirs is None else FileState(mine.entry if mine else
                                                               world.entries[path],
                                                               theirs.models, deps)  # fmt: skip
    return kept


def _kept(state: FileState | None) -> dict | None:
    return None if state is None else state.models


def _entry_diff(
    first: PMap[str, FileEntry], other: PMap[str, FileEntry],
    changes: dict[str, FileEntry | None], between: set[str] | None, most: int,
) -> dict[str, FileEntry | None] | None:  # fmt: skip
    """The changes taking `other`'s tracked files to those of the first parent with
    `changes` applied (None: a file the result lacks), or None when there are more
    than `most` (that parent is not the nearer one: most merges, and no reason to
    compare the rest). `between`: the only paths besides `changes` where the two
    parents can differ (see Lineage), if known."""
    if most < 0:
        return None
    if between is not None:
        nearer = {}
        for path in between.union(changes):
            mine = changes[path] if path in changes else first.get(path)
            if mine != other.get(path):
                nearer[path] = mine
                if len(nearer) > most:
                    return None
        return nearer
    result = first.copy()  # a PMap: free, and the first parent's own is untouched
    for path, entry in changes.items():
        if entry is None:
            result.pop(path, None)
        else:
            result[path] = entry
    # Every path of `other`, then those only the result has. A parent that is not the
    # nearer one differs all over (the trie's order is its keys' hashes): the scan
    # stops after a few; only the nearer one is compared whole.
    nearer, get, shared = {}, result.get, 0
    for path, entry in other.items():
        mine = get(path)
        shared += mine is not None
        if mine != entry:
            nearer[path] = mine
            if len(nearer) > most:
                return None
    if shared < len(result):
        for path, entry in result.items():
            if path not in other:
                nearer[path] = entry
                if len(nearer) > most:
                    return None
    return nearer


def pair(old: World, new: World, path: str) -> tuple[FileEntry | None, FileEntry | None] | None:
    a, b = old.entries.get(path), new.entries.get(path)
    return (a, b) if a != b else None
