"""What cannot be judged in a World, and where (AUD009 findings in the making).

The walk asks two questions of these on every file and model it re-reads: "which
problems does this file have?" and "is this model unresolvable?". Scanning every
problem for each answer is too slow on a long history, so the table keeps an index
by path and by model label alongside, shared between copies like the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from immutables import Map

from auditui.core.history.pmap import PMap

Key = tuple[str, str]  # (path, label)


@dataclass(frozen=True)
class Problem:
    """Why a file, an entry or a model cannot be judged (an AUD009 finding).

    Keyed in World.errors by (path, label): label "" is the whole file, "#<entry>"
    one collection entry, "!<model>" a model file whose name another file holds,
    "@<model>" a model that cannot be resolved (a cycle, an unknown base)."""

    message: str
    model: str | None = None
    token: str = ""  # content digest of a bad entry: an edit to it is reported again
    clash: bool = False  # a name another file holds: settled by ownership, not parsing


class Problems(PMap[Key, Problem]):
    __slots__ = ("_by_path", "_by_label")

    def __init__(self, items=None) -> None:
        super().__init__()
        self._by_path: Map = Map()  # path -> frozenset of its keys
        self._by_label: Map = Map()  # "@<model>" -> frozenset of its keys
        for key, value in (items or {}).items():
            self[key] = value

    def copy(self) -> Problems:
        twin = Problems()
        twin._set(self._map)
        twin._by_path, twin._by_label = self._by_path, self._by_label
        return twin

    def of_path(self, path: str) -> frozenset[Key]:
        return self._by_path.get(path, frozenset())

    def with_label(self, label: str) -> frozenset[Key]:
        """Keys with this `@<model>` label, whatever file they are on."""
        return self._by_label.get(label, frozenset())

    def __setitem__(self, key: Key, value: Problem) -> None:
        if key not in self._map:
            self._by_path = _add(self._by_path, key[0], key)
            if key[1][:1] == "@":
                self._by_label = _add(self._by_label, key[1], key)
        super().__setitem__(key, value)

    def __delitem__(self, key: Key) -> None:
        super().__delitem__(key)
        self._by_path = _drop(self._by_path, key[0], key)
        if key[1][:1] == "@":
            self._by_label = _drop(self._by_label, key[1], key)


def _add(index: Map, at: str, key: Key) -> Map:
    return index.set(at, index.get(at, frozenset()) | {key})


def _drop(index: Map, at: str, key: Key) -> Map:
    rest = index.get(at, frozenset()) - {key}
    return index.set(at, rest) if rest else index.delete(at)
