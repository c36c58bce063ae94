"""The state of every model at one commit: a World, and the Step one commit makes.

A World is built once from a tree (the base of the range) and then moved forward
by each commit's raw diff (see tracker): only files a commit touches are re-read,
and only models depending on them are re-resolved. That keeps a catalogue of
thousands of model files over thousands of commits linear in what actually changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from auditui.core.configs.models import Effective, RawModel
from auditui.core.git.log import FileEntry
from auditui.core.history.pmap import PMap
from auditui.core.history.problems import Key, Problem, Problems


@dataclass(frozen=True)
class FileState:
    entry: FileEntry
    models: dict[str, RawModel]  # by name: the last good definition of each (never mutated)
    deps: frozenset[str] = frozenset()  # other paths read to load it (symlink targets)


class Deps(NamedTuple):
    """What a model's effective config was resolved from besides its own file: a
    change to any of these resolves it again."""

    paths: frozenset[str] = frozenset()  # the prompt files it binds
    names: frozenset[str] = frozenset()  # the models its `extends` chain reaches


NO_DEPS = Deps()


@dataclass
class World:
    """Everything tracked at one commit. Its tables are PMaps: a copy shares them
    (a walk keeps many Worlds alive at once, see pmap)."""

    commit: str | None = None
    entries: PMap[str, FileEntry] = field(default_factory=PMap)  # every path we track
    files: PMap[str, FileState] = field(default_factory=PMap)  # model + collection files
    defaults: dict = field(default_factory=dict)  # replaced whole, never mutated
    raw: PMap[str, RawModel] = field(default_factory=PMap)
    effective: PMap[str, Effective] = field(default_factory=PMap)
    deps_of: PMap[str, Deps] = field(default_factory=PMap)  # model -> what it was resolved from
    readers: PMap[str, frozenset[str]] = field(default_factory=PMap)  # path -> models (Deps.paths)
    heirs: PMap[str, frozenset[str]] = field(default_factory=PMap)  # name -> models (Deps.names)
    linked: PMap[str, frozenset[str]] = field(default_factory=PMap)  # target -> link files
    via: PMap[str, frozenset[str]] = field(default_factory=PMap)  # prompt/defaults -> targets
    errors: Problems = field(default_factory=Problems)  # see problems.Problem
    bound: PMap[str, int] = field(default_factory=PMap)
    claims: PMap[str, frozenset[str]] = field(default_factory=PMap)  # name -> defining files

    def copy(self) -> World:
        return World(
            commit=self.commit,
            entries=self.entries.copy(),
            files=self.files.copy(),
            defaults=self.defaults,
            raw=self.raw.copy(),
            effective=self.effective.copy(),
            deps_of=self.deps_of.copy(),
            readers=self.readers.copy(),
            heirs=self.heirs.copy(),
            linked=self.linked.copy(),
            via=self.via.copy(),
            errors=self.errors.copy(),
            bound=self.bound.copy(),
            claims=self.claims.copy(),
        )


@dataclass
class Step:
    """What one commit did, relative to the world it was applied to."""

    models: list[tuple[str, Effective | None, Effective | None]]
    errors: dict[Key, Problem]  # problems new (or changed) at this commit
    policy: tuple[FileEntry | None, FileEntry | None] | None
    signers: tuple[FileEntry | None, FileEntry | None] | None
    renamed: tuple[tuple[str, str], ...] = ()  # (old name, new name): see renames


def reindex(
    index: PMap[str, frozenset[str]], owner: str, old: frozenset[str], new: frozenset[str]
) -> None:
    """Move `owner` in a reverse index from the keys `old` to the keys `new`.

    Values are frozensets replaced, never mutated, so a World copy can share them."""
    if old == new:
        return  # the common case: a file re-read with the same names
    for key in old - new:
        rest = index.get(key, frozenset()) - {owner}
        if rest:
            index[key] = rest
        else:
            index.pop(key, None)
    for key in new - old:
        index[key] = index.get(key, frozenset()) | {owner}


def pair(old: World, new: World, path: str) -> tuple[FileEntry | None, FileEntry | None] | None:
    a, b = old.entries.get(path), new.entries.get(path)
    return (a, b) if a != b else None
