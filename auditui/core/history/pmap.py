"""A dict whose copy costs nothing: the World's tables.

A history's walk keeps one World per commit that a later commit still needs (a
branch point until its last child, a branch tip until its merge): on a busy
catalogue that is a hundred Worlds at once, each a few tables over thousands of
files and models. As plain dicts every kept World is a full copy, so memory grows
with how many branches a history keeps open and each copy costs a pass over every
table. Here a table is a handle on an immutable hash array mapped trie
(`immutables.Map`, the structure behind contextvars): a copy is a new handle on the
same trie, and a write replaces only the few nodes on its key's path, so Worlds
share everything they have in common.

Only what the World's code uses of the dict API is here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, TypeVar

from immutables import Map

K = TypeVar("K")
V = TypeVar("V")
_MISSING: Any = object()


class PMap(Generic[K, V]):
    # `get` is the trie's own (C) method, bound again after each write: the walk reads
    # these tables millions of times, and a Python-level wrapper doubled the cost.
    __slots__ = ("_map", "get")

    def __init__(self, items: Map | dict | None = None) -> None:
        self._set(items if isinstance(items, Map) else Map(items or {}))

    def _set(self, trie: Map) -> None:
        self._map = trie
        self.get = trie.get

    def copy(self) -> PMap[K, V]:
        return PMap(self._map)

    def same_as(self, other: PMap) -> bool:
        """Whether both handles hold the very same trie (no write since one was
        copied from the other): equal without looking inside."""
        return self._map is other._map

    # -- reading -------------------------------------------------------------

    def __getitem__(self, key: K) -> V:
        return self._map[key]

    def __contains__(self, key: object) -> bool:
        return key in self._map

    def __iter__(self) -> Iterator[K]:
        return iter(self._map)

    def __len__(self) -> int:
        return len(self._map)

    def __bool__(self) -> bool:
        return len(self._map) > 0

    def keys(self):
        return self._map.keys()

    def values(self):
        return self._map.values()

    def items(self):
        return self._map.items()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PMap):
            return self._map is other._map or self._map == other._map
        if isinstance(other, dict):
            return len(other) == len(self._map) and all(
                k in self._map and self._map[k] == v for k, v in other.items()
            )
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable handle

    def __repr__(self) -> str:
        return f"PMap({dict(self._map.items())!r})"

    # -- writing (this handle only: copies made before keep what they saw) ------

    def __setitem__(self, key: K, value: V) -> None:
        self._set(self._map.set(key, value))

    def __delitem__(self, key: K) -> None:
        self._set(self._map.delete(key))

    def pop(self, key: K, default: Any = _MISSING) -> Any:
        value = self._map.get(key, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                raise KeyError(key)
            return default
        del self[key]
        return value

    def setdefault(self, key: K, default: V) -> V:
        value = self._map.get(key, _MISSING)
        if value is _MISSING:
            self[key] = default
            return default
        return value
