"""The walk's Worlds: one per commit that a later commit still needs, each advanced
from its first parent's World by that commit's changed files (see tracker). A merge
may be advanced from its nearer parent instead (see merges).
"""

from __future__ import annotations

from auditui.core.git.log import CommitInfo, FileEntry
from auditui.core.history import merges
from auditui.core.history.lineage import Lineage
from auditui.core.history.tracker import MergeReads, Tracker
from auditui.core.history.world import Step, World


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
                assert known.commit is not None  # read from a tree
                changes = {
                    ch.path: ch.new
                    for ch in self.tracker.repo.diff(known.commit, sha)
                    if self.tracker.relevant(ch.path, known)
                }
                world = known.copy()
                self.advance(world, known.commit, sha, changes)
            self._keep(sha, world)
        return self.worlds[sha]

    def _keep(self, sha: str, world: World) -> None:
        self.worlds[sha] = world
        self.uses[id(world)] = self.uses.get(id(world), 0) + self.children.get(sha, 0)

    def step(self, commit: CommitInfo) -> tuple[World, Step]:
        """Advance to `commit` from its first parent's World (a merge: taking the
        files its other parent read cleanly as that World holds them, see
        tracker.MergeReads, unless merges.from_nearer_parent serves better)."""
        first = commit.parents[0] if commit.parents else None
        parent = self.world(first) if first else World()
        if first is None:
            self.lineage.root(commit.sha)
        changes = {
            ch.path: ch.new for ch in commit.changes if self.tracker.relevant(ch.path, parent)
        }
        found = merges.from_nearer_parent(self, commit, parent, changes)
        if found is not None:
            world, step = found
        elif changes:
            last_use = bool(commit.parents) and self.uses.get(id(parent), 0) == 1
            world = parent if last_use else parent.copy()
            other = self.world(commit.parents[1]) if len(commit.parents) > 1 else None
            merge = None if other is None else MergeReads(other_parent=other)
            step = self.advance(world, first, commit.sha, changes, merge)
        else:
            world, step = parent, Step([], {}, None, None)
            if first is not None:
                self.lineage.made(commit.sha, first, ())
        self._keep(commit.sha, world)
        return world, step

    def advance(
        self,
        world: World,
        base_sha: str | None,
        sha: str,
        changes: dict[str, FileEntry | None],
        merge: MergeReads | None = None,
    ) -> Step:
        """Tracker.advance (in place), written down in the lineage. A step writes
        only the paths it is given unless it looks one up (see Lineage): then the
        World holds more entries than those paths account for."""
        entries = world.entries
        expected = len(entries) + sum((e is not None) - (p in entries) for p, e in changes.items())
        step = self.tracker.advance(world, sha, changes, merge=merge)
        if base_sha is not None:
            written = tuple(changes) if len(world.entries) == expected else None
            self.lineage.made(sha, base_sha, written)
        return step

    def release(self, commit: CommitInfo) -> None:
        for p in commit.parents:
            world = self.worlds.get(p)
            if world is None:
                continue
            self.uses[id(world)] -= 1
            self.children[p] -= 1
            if self.children[p] == 0:
                del self.worlds[p]
