"""Symlinks inside the repository, read through to the blob they name; a World
remembers each link's targets so that editing a target re-reads the link."""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from auditui.core.configs.documents import DocumentError
from auditui.core.git.log import FileEntry
from auditui.core.git.repo import GitRepo
from auditui.core.history.loader import Loader
from auditui.core.history.world import World, reindex

MAX_LINK_HOPS = 8


class Links:
    """Reads through symlinks at a World's commit (see Tracker): `kind` tells the
    paths the layout tracks, whose entries the World always holds."""

    def __init__(self, repo: GitRepo, loader: Loader, kind: Callable[[str], object]) -> None:
        self.repo = repo
        self.loader = loader
        self.kind = kind

    def read_through(
        self, w: World, path: str, entry: FileEntry, deps: set[str] | None = None
    ) -> tuple[str, FileEntry, set[str]]:
        """Follow a symlink inside the repository to the blob it names; every path on
        the way is added to `deps` (even when a later hop fails)."""
        deps = set() if deps is None else deps
        hops = 0
        while entry.is_symlink:
            hops += 1
            if hops > MAX_LINK_HOPS:
                raise DocumentError("symlink chain too long (or a loop)")
            target = self.loader.link(entry.sha)
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            if target.startswith("/") or resolved.startswith(".."):
                raise DocumentError(f"symlink to '{target}' leaves the repository")
            deps.add(resolved)
            found = self.target(w, resolved)
            if found is None:
                raise DocumentError(f"symlink target '{resolved}' does not exist")
            path, entry = resolved, found
        return path, entry, deps

    def target(self, w: World, path: str) -> FileEntry | None:
        """A path's entry at w.commit: tracked paths are current in w.entries (kept up
        to date from raw diffs); only an untracked one costs a tree lookup."""
        if path in w.entries:
            return w.entries[path]
        if self.kind(path) is not None:
            return None  # every file the layout matches is tracked: absent means gone
        assert w.commit is not None  # a World being advanced knows its commit
        return self.repo.lookup(w.commit, path)

    def follow(self, w: World, path: str, entry: FileEntry) -> tuple[str, FileEntry, set[str]]:
        """Read a defaults or prompt file through its symlink, remembering the target
        so that a later edit of the target re-reads this path (and its models)."""
        deps: set[str] = set()
        try:
            return self.read_through(w, path, entry, deps)
        finally:
            self.set_links(w, path, w.via.get(path, frozenset()), frozenset(deps))
            if deps:
                w.via[path] = frozenset(deps)
            else:
                w.via.pop(path, None)

    def set_links(self, w: World, path: str, old: frozenset[str], deps: frozenset[str]) -> None:
        reindex(w.linked, path, old, deps)
        for target in deps - old:
            if target not in w.entries:
                assert w.commit is not None  # a World being advanced knows its commit
                found = self.repo.lookup(w.commit, target)
                if found is not None:
                    w.entries[target] = found
