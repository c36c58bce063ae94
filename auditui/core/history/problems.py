"""What cannot be judged in a World, and where (AUD009 findings in the making).

The walk asks two questions of these on every file and model it re-reads: "which
problems does this file have?" and "is this model unresolvable?". Scanning every
problem for each answer is too slow on a long history, so the table keeps an index
by path and by model label alongside, shared between copies like the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import NamedTuple

from immutables import Map

from auditui.core.history.pmap import PMap


class Where(IntEnum):
    """What a problem is about; the order is the order problems are reported in."""

    FILE = 0  # the whole file: it does not parse
    CLASH = 1  # a model file whose model's name another file holds
    ENTRY = 2  # one collection entry that cannot be a model
    MODEL = 3  # a model that cannot be resolved (a cycle, an unknown base)


class Key(NamedTuple):
    """Where a problem sits: a file, and in it what `where` says (`name`: the entry's
    label or the model's name; "" for the whole file)."""

    path: str
    where: Where = Where.FILE
    name: str = ""

    @property
    def suffix(self) -> str:
        """What the problem's delta adds to `file:<path>`: `#<entry>` for an entry (the
        delta of each bad entry is its own), nothing for the rest of the file."""
        return "#" + self.name if self.where is Where.ENTRY else ""


@dataclass(frozen=True)
class Problem:
    """Why a file, an entry or a model cannot be judged (an AUD009 finding).

    Keyed in World.errors by where it sits (Key)."""

    message: str
    model: str | None = None
    token: str = ""  # content digest of a bad entry: an edit to it is reported again
    clash: bool = False  # a name another file holds: settled by ownership, not parsing


class Problems(PMap[Key, Problem]):
    __slots__ = ("_by_path", "_by_model")

    def __init__(self, items=None) -> None:
        super().__init__()
        self._by_path: Map = Map()  # path -> frozenset of its keys
        self._by_model: Map = Map()  # an unresolvable model's name -> frozenset of its keys
        for key, value in (items or {}).items():
            self[key] = value

    def copy(self) -> Problems:
        twin = Problems()
        twin._set(self._map)
        twin._by_path, twin._by_model = self._by_path, self._by_model
        return twin

    def of_path(self, path: str) -> frozenset[Key]:
        return self._by_path.get(path, frozenset())

    def unresolved(self, model: str) -> frozenset[Key]:
        """The keys saying `model` cannot be resolved, whatever file they are on."""
        return self._by_model.get(model, frozenset())

    def __setitem__(self, key: Key, value: Problem) -> None:
        if key not in self._map:
            self._by_path = _add(self._by_path, key.path, key)
            if key.where is Where.MODEL:
                self._by_model = _add(self._by_model, key.name, key)
        super().__setitem__(key, value)

    def __delitem__(self, key: Key) -> None:
        super().__delitem__(key)
        self._by_path = _drop(self._by_path, key.path, key)
        if key.where is Where.MODEL:
            self._by_model = _drop(self._by_model, key.name, key)


def _add(index: Map, at: str, key: Key) -> Map:
    return index.set(at, index.get(at, frozenset()) | {key})


def _drop(index: Map, at: str, key: Key) -> Map:
    rest = index.get(at, frozenset()) - {key}
    return index.set(at, rest) if rest else index.delete(at)
