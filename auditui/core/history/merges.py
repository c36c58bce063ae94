"""The merge shortcut: a merge's World advanced from the parent its result is
nearer to, the fast path of Walker.step's first-parent advance (its definition; the
two are held equal by tests/core/test_history_merge_shortcut.py).

"Merge main into the branch" differs from its first parent by everything main did
since the branch point, and from main by the branch's own few files: applying those
few gives the same World at a fraction of the cost, as far as a World is a function
of its tree. Where it is not (history-made state), the result is checked against
what the first parent's way keeps: every problem but a broken file's must be the
first parent's with the very same state behind it, and each file that does not
parse must keep the models the first parent's way keeps; a file broken both ways
after different last good versions is given the first parent's state and the
result checked again. See docs/design.md, "What a World holds".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditui.core.git.log import CommitInfo, FileEntry
from auditui.core.history.pmap import PMap
from auditui.core.history.problems import Key, Where
from auditui.core.history.tracker import MergeReads, Tracker
from auditui.core.history.world import FileState, Step, World, pair
from auditui.core.policy.model import POLICY_FILE

if TYPE_CHECKING:  # the walker calls in here: a type only
    from auditui.core.history.walker import Walker

NEARER_MIN = 8  # a merge changing fewer tracked files is advanced from its first parent


def from_nearer_parent(
    walker: Walker, commit: CommitInfo, first: World, changes: dict[str, FileEntry | None]
) -> tuple[World, Step] | None:
    """The merge `commit` advanced from the parent its result is nearer to, or None:
    then advance it from its first parent, whose World is `first`.

    A World is a function of its tree except for the state history made: a broken
    file's last good models, who owns a clashing name, an unresolvable model's last
    config. The nearer parent may be taken only where that state comes out exactly
    as the first parent's way leaves it, and None is returned wherever that is not
    shown. The Step is the first parent's (docs/reports.md, "Changes"), cut to the
    models the nearer parent did not already hold as merged."""
    if len(commit.parents) < 2 or len(changes) <= NEARER_MIN:
        return None
    if walker.tracker.policy.rollout is not None:
        return None  # the rollout clock reads every first-parent step
    best: tuple[str, World, dict[str, FileEntry | None]] | None = None
    for sha in commit.parents[1:]:
        other = walker.world(sha)
        if not _differ_only_by_broken_files(walker.tracker, first, other):
            continue
        between = walker.lineage.written_between(
            commit.parents[0], sha, max(256, len(first.entries) // 4)
        )
        most = (len(changes) - 1) // 2 if best is None else len(best[2]) - 1
        nearer = _entry_diff(first.entries, other.entries, changes, between, most)
        if nearer is not None:
            best = (sha, other, nearer)
    if best is None:
        return None
    sha, other, nearer = best
    world = other.copy()
    step = walker.advance(world, sha, commit.sha, nearer)
    names = {name for name, _old, _new in step.models}
    if not _holds_first_way_state(walker.tracker, first, world, changes):
        kept = _first_parent_states_for_broken_files(walker.tracker, first, world, changes)
        if kept is None:
            return None  # history-made state differs: judged the first parent's way
        entries = {path: world.entries[path] for path in kept}
        tracked = len(world.entries)
        again = walker.tracker.advance(world, commit.sha, entries, merge=MergeReads(first_way=kept))
        names.update(name for name, _old, _new in again.models)
        if len(world.entries) != tracked or not _holds_first_way_state(
            walker.tracker, first, world, changes
        ):
            return None  # a file looked up (the lineage names only `nearer`), or still differs
    models = [
        (name, first.effective.get(name), new)
        for name in sorted(names)
        if first.effective.get(name) != (new := world.effective.get(name))
    ]
    errors = Tracker.step_errors(world.errors, first.errors, changes)
    signers = walker.tracker.signers_path
    return world, Step(models, errors, pair(first, world, POLICY_FILE), pair(first, world, signers))


_MADE = ("model", "base", "collection")  # kinds whose problems keep history-made state


def _differ_only_by_broken_files(tracker: Tracker, first: World, other: World) -> bool:
    """Whether two Worlds can differ in how history made them only by files that do
    not parse (see _holds_first_way_state): every other problem is the same in both,
    with the same state behind it (the same FileState object, the same kept
    config), and no problem is on a prompt or the defaults (which keep an old text or
    old defaults for every model)."""
    for key in {*first.errors, *other.errors}:
        kind = tracker.kind(key.path)
        if kind is None or kind[0] not in _MADE:
            return False
        if key.where is not Where.FILE and not _same_problem_and_state(first, other, key):
            return False
    return True


def _same_problem_and_state(a: World, b: World, key: Key) -> bool:
    """One problem (a clash, a bad entry, an unresolvable model) held alike by two
    Worlds, with the very same state behind it."""
    path = key.path
    if a.errors.get(key) != b.errors.get(key) or a.files.get(path) is not b.files.get(path):
        return False
    return key.where is not Where.MODEL or a.effective.get(key.name) is b.effective.get(key.name)


def _holds_first_way_state(
    tracker: Tracker, first: World, world: World, changes: dict[str, FileEntry | None]
) -> bool:
    """Whether `world`, the merge advanced from a nearer parent, holds what advancing
    the first parent by `changes` would: its clashes, bad entries and unresolvable
    models exactly the first parent's (the merge moved none), and each file that
    does not parse keeps the models the first parent's way keeps. A file's own
    problem (Where.FILE) comes from its blob, which both ways read alike; what it keeps
    is the first parent's own state of the file when the merge did not change it, or
    the models of that state (re-read, a broken blob keeps them) when it did."""
    for key in {*first.errors, *world.errors}:
        path = key.path
        if key.where is not Where.FILE:
            if not _same_problem_and_state(first, world, key):
                return False
            continue
        kind = tracker.kind(path)
        if kind is None or kind[0] not in _MADE:
            return False
        mine, theirs = world.files.get(path), first.files.get(path)
        if path not in changes:
            if mine != theirs:  # the first parent's own state of the file
                return False
        elif key in world.errors and _kept(mine) != _kept(theirs):
            return False  # broken in the result, it keeps the first parent's models
    return True


def _first_parent_states_for_broken_files(
    tracker: Tracker, first: World, world: World, changes: dict[str, FileEntry | None]
) -> dict[str, FileState | None] | None:
    """The states that make `world`'s broken files keep the models the first
    parent's way keeps (see _holds_first_way_state), when that is all they differ by:
    a file broken in the result (one blob, one problem, whichever way it was read)
    whose last good models differ because each side last read it cleanly at another
    version (None: no state, it never read cleanly the first parent's way). The
    targets a symlink's read went through never move. None when anything else
    differs."""
    kept: dict[str, FileState | None] = {}
    for key in {*first.errors, *world.errors}:
        if key.where is not Where.FILE:
            continue  # clashes, bad entries: _holds_first_way_state decides
        path = key.path
        mine, theirs = world.files.get(path), first.files.get(path)
        if key not in world.errors:
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
            kept[path] = (
                None
                if theirs is None
                else FileState(mine.entry if mine else world.entries[path], theirs.models, deps)
            )
    return kept


def _kept(state: FileState | None) -> dict | None:
    return None if state is None else state.models


def _entry_diff(
    first: PMap[str, FileEntry],
    other: PMap[str, FileEntry],
    changes: dict[str, FileEntry | None],
    between: set[str] | None,
    most: int,
) -> dict[str, FileEntry | None] | None:
    """The changes taking `other`'s tracked files to those of the first parent with
    `changes` applied (None: a file the result lacks), or None when there are more
    than `most` (that parent is not the nearer one: most merges, and no reason to
    compare the rest). `between`: the only paths besides `changes` where the two
    parents can differ (see Lineage), if known: then only those are compared
    (_entry_diff_between, the fast pair of _entry_diff_all)."""
    if most < 0:
        return None
    if between is None:
        return _entry_diff_all(first, other, changes, most)
    return _entry_diff_between(first, other, changes, between, most)


def _entry_diff_all(
    first: PMap[str, FileEntry],
    other: PMap[str, FileEntry],
    changes: dict[str, FileEntry | None],
    most: int,
) -> dict[str, FileEntry | None] | None:
    """_entry_diff comparing every tracked file of both sides."""
    result = first.copy()  # a PMap: free, and the first parent's own is untouched
    for path, entry in changes.items():
        if entry is None:
            result.pop(path, None)
        else:
            result[path] = entry
    # Every path of `other`, then those only the result has. A parent that is not the
    # nearer one differs all over (the trie's order is its keys' hashes): the scan
    # stops after a few; only the nearer one is compared whole.
    nearer: dict[str, FileEntry | None] = {}
    get, shared = result.get, 0
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


def _entry_diff_between(
    first: PMap[str, FileEntry],
    other: PMap[str, FileEntry],
    changes: dict[str, FileEntry | None],
    between: set[str],
    most: int,
) -> dict[str, FileEntry | None] | None:
    """_entry_diff comparing only `changes` and the paths written since the two
    parents parted: everywhere else their entries are the same."""
    nearer: dict[str, FileEntry | None] = {}
    for path in between.union(changes):
        mine = changes[path] if path in changes else first.get(path)
        if mine != other.get(path):
            nearer[path] = mine
            if len(nearer) > most:
                return None
    return nearer
