"""Cold runs parse ahead of the walk in other processes (`Ahead`), each reading
through its own `git cat-file --batch`; what they parse goes to the parse cache.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from functools import partial
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path

from auditui.core.configs.documents import MAX_BYTES, too_large
from auditui.core.git.catfile import BlobMissing, BlobTooLarge, CatFile
from auditui.core.history.parse_cache import (
    MISSING,
    BlobCache,
    CacheKey,
    decode,
    derive,
    encode,
)

Wanted = tuple[CacheKey, str, str]  # what to derive, from the blob at which path and id
POOL_MIN = 32  # fewer blobs than this parse faster in-process than a pool starts


class Ahead:
    """Blobs parsed by other processes ahead of the walk, in the order it needs them,
    a few chunks in flight at a time (what waits to be taken stays small). Without
    processes (one core, or none allowed) a chunk is parsed here when first needed.
    When the walk would wait for a chunk, it parses the furthest chunk no worker has
    started instead (a history of a few large files parses slower than it is judged),
    so chunks are kept small enough that some are always still waiting."""

    FIRST, LARGEST, WINDOW = 32, 512, 8  # chunks grow so the walk's first wait is short
    SHARES = 16  # no chunk holds more than this fraction of the history

    def __init__(self, root: Path, items: list[Wanted], store: BlobCache) -> None:
        self.root, self.store = str(root), store
        self.chunks: list[list[Wanted]] = []
        self.where: dict[CacheKey, int] = {}
        largest = max(1, min(self.LARGEST, -(-len(items) // self.SHARES)))
        size, start = min(self.FIRST, largest), 0
        while start < len(items):
            chunk = items[start : start + size]
            for key, _path, _sha in chunk:
                self.where[key] = len(self.chunks)
            self.chunks.append(chunk)
            start, size = start + size, min(size * 2, largest)
        self.futures: dict[int, Future] = {}
        # By chunk: parsed and not yet taken (encoded by a worker, or parsed here).
        self.ready: dict[int, dict[CacheKey, object]] = {}
        self.collected = 0  # chunks before this one were taken in
        self.pool = None
        if len(items) >= POOL_MIN:
            # Workers write this store through their own connections: none may inherit
            # an open one (SQLite's rule for fork). Reopened here when next needed.
            store.close()
            self.pool = _pool(min((os.cpu_count() or 1) - 1, 3))
        self._submit()

    def _submit(self) -> None:
        if self.pool is None:
            return
        for index in range(self.collected, min(self.collected + self.WINDOW, len(self.chunks))):
            if index not in self.futures and index not in self.ready:
                try:
                    self.futures[index] = self.pool.submit(
                        _parse_and_keep, self.root, self.chunks[index], self.store.file
                    )
                except RuntimeError:  # the pool broke: parse the rest here
                    self.pool = None
                    return

    def take(self, key: CacheKey) -> object:
        """The parsed value for `key` (a DocumentError for a broken file), or MISSING
        when it was not asked for, was taken already (the store has it) or its blob is
        missing (the walk reports that)."""
        index = self.where.pop(key, None)
        if index is None:
            return MISSING
        while self.collected <= index:  # chunks come in order: take in those before too
            self._collect(self.collected)
            self.collected += 1
            self.ready.pop(self.collected - 2 * self.WINDOW, None)  # never taken: stored
            self._submit()
        found = self.ready.get(index, {}).pop(key, MISSING)
        return decode(found) if isinstance(found, bytes) else found

    def _collect(self, index: int) -> None:
        if index in self.ready:
            return  # parsed here while an earlier chunk was awaited
        future = self.futures.pop(index, None)
        while future is not None and not future.done() and self._steal():
            pass
        rows = None
        if future is not None and (future.done() or not future.cancel()):
            try:
                rows = future.result()
            except Exception:  # a worker died (killed, out of memory): parse here
                rows = None
        if rows is None:  # not started by a worker (or none at all): parsed here
            self._parse_here(index)
            return
        self.ready[index] = dict(rows)  # the worker stored them (see _parse_and_keep)
        self.chunks[index] = []

    def _steal(self) -> bool:
        """Parse here the furthest chunk no worker has started (False: there is none)."""
        for index in sorted(self.futures, reverse=True):
            if self.futures[index].cancel():
                del self.futures[index]
                self._parse_here(index)
                return True
        return False

    def _parse_here(self, index: int) -> None:
        values = _parse_chunk(self.root, self.chunks[index])
        self.ready[index] = dict(values)
        self.chunks[index] = []
        for key, value in values:
            self.store.put(key, value)

    def close(self) -> None:
        """Stop the workers; chunks already parsed are kept for the next run (each
        worker stored its own)."""
        self.futures.clear()
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _pool(workers: int) -> ProcessPoolExecutor | None:
    """Processes for parsing, or None where there is no second core or none may start.
    A process that holds no other thread forks (fast); one with threads (the app's
    loader) starts fresh interpreters, as forking a threaded process can deadlock."""
    if workers < 1:
        return None
    method = (
        "fork" if threading.active_count() == 1 and "fork" in get_all_start_methods() else "spawn"
    )
    try:
        return ProcessPoolExecutor(
            workers, mp_context=get_context(method), initializer=_worker_start
        )
    except (OSError, ValueError, ImportError):
        return None


def _worker_start() -> None:
    """A parse worker builds parsed data for its whole life: see collector."""
    import gc

    from auditui.core.base.collector import FIRST_THRESHOLD

    gc.set_threshold(FIRST_THRESHOLD, *gc.get_threshold()[1:])


_KEEPERS: dict[Path, BlobCache] = {}  # in a worker: the store it writes, by file


def _parse_and_keep(root: str, items: list[Wanted], file: Path) -> list[tuple[CacheKey, bytes]]:
    """A worker's chunk: parsed, stored for later runs, and returned encoded. The
    worker writes the store itself, so the walk's process spends no time inserting
    rows."""
    rows = [(key, encode(value)) for key, value in _parse_chunk(root, items)]
    if file not in _KEEPERS:
        _KEEPERS[file] = BlobCache(file.parent)
    _KEEPERS[file].put_encoded(rows)
    return rows


def _parse_chunk(root: str, items: list[Wanted]) -> list[tuple[CacheKey, object]]:
    """(key, value) for each (key, path, blob) whose blob is in the repository."""
    cat = CatFile(Path(root))
    rows = []
    try:
        shas = [sha for _key, _path, sha in items]
        for (key, path, _sha), (_, got) in zip(items, cat.read_many(shas, MAX_BYTES), strict=True):
            if isinstance(got, BlobMissing):
                continue
            value = derive(key, path, partial(_bytes, got))
            rows.append((key, value))
    finally:
        cat.close()
    return rows


def _bytes(got: bytes | BlobTooLarge, _limit: int) -> bytes:
    if isinstance(got, BlobTooLarge):
        raise too_large(got.size)
    return got
