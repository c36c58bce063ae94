"""Parsed config blobs kept between runs: `<git dir>/auditui/blobs-v<N>.sqlite`.

A blob id names its content forever, so an entry can never be stale: a second run
over a catalogue's history parses nothing, and a pre-push parses only what is new
since the last one. Entries are read one at a time as the walk needs them, so a
run holds only its working set in memory, never the whole cache.

The git dir is trusted local state (like its hooks): nothing a push or a fetch
brings can write here. The cache is best effort: an unreadable, locked or
read-only one just means parsing again.

Cold runs parse in parallel: `parse_in_workers` hands the blob list to one process
per core, each reading through its own `git cat-file --batch`.
"""

from __future__ import annotations

import marshal
import os
import sqlite3
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from auditui.core.catfile import BlobMissing, BlobTooLarge, CatFile
from auditui.core.documents import MAX_BYTES, DocumentError, check_size, parse_data

VERSION = 2  # bump when parsing or normalising changes what a blob yields
MISSING = object()
_ERROR = "\x00error"
POOL_MIN = 256  # fewer blobs than this parse faster in-process than a pool starts


def parse_blob(path: str, read) -> object:
    """A config blob's data, or the DocumentError saying why it has none. `read(limit)`
    gives the bytes. The one boundary for what a parser raises that documents.py did
    not foresee: the file is a finding (AUD009), never an internal error."""
    try:
        return parse_data(path, read(MAX_BYTES))
    except DocumentError as exc:
        return exc
    except (ValueError, TypeError, RecursionError, MemoryError) as exc:
        first = (str(exc).splitlines() or [""])[0][:120]
        return DocumentError(f"cannot be read ({type(exc).__name__}: {first})")


def encode(value: object) -> bytes:
    return marshal.dumps((_ERROR, str(value)) if isinstance(value, DocumentError) else value)


def decode(blob: bytes) -> object:
    value = marshal.loads(blob)
    if isinstance(value, tuple) and value[:1] == (_ERROR,):
        return DocumentError(value[1])
    return value


class BlobCache:
    def __init__(self, folder: Path) -> None:
        self.file = folder / f"blobs-v{VERSION}.sqlite"
        self._db: sqlite3.Connection | None = None
        self._broken = False
        self._pending: list[tuple[str, bytes]] = []

    def _conn(self) -> sqlite3.Connection | None:
        if self._db is None and not self._broken:
            try:
                self.file.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.file, timeout=2, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=OFF")  # a lost entry is parsed again
                db.execute("CREATE TABLE IF NOT EXISTS parsed (key TEXT PRIMARY KEY, value BLOB)")
                self._db = db
            except (sqlite3.Error, OSError):
                self._broken = True
        return self._db

    def get(self, key: str) -> object:
        db = self._conn()
        if db is None:
            return MISSING
        try:
            row = db.execute("SELECT value FROM parsed WHERE key = ?", (key,)).fetchone()
            return MISSING if row is None else decode(row[0])
        except (sqlite3.Error, ValueError, EOFError, TypeError):
            return MISSING  # a damaged row: parse it again

    def known(self, keys: list[str]) -> set[str]:
        """Which of `keys` are stored (one query per thousand)."""
        db = self._conn()
        found: set[str] = set()
        if db is None:
            return found
        try:
            for i in range(0, len(keys), 900):
                chunk = keys[i : i + 900]
                query = f"SELECT key FROM parsed WHERE key IN ({','.join('?' * len(chunk))})"
                found.update(k for (k,) in db.execute(query, chunk))
        except sqlite3.Error:
            pass
        return found

    def put(self, key: str, value: object) -> None:
        try:
            self._pending.append((key, encode(value)))
        except ValueError:
            return  # not marshallable: never happens for parsed data, but never fatal
        if len(self._pending) >= 2000:
            self.flush()

    def put_encoded(self, rows: list[tuple[str, bytes]]) -> None:
        self._pending.extend(rows)
        self.flush()

    def flush(self) -> None:
        rows, self._pending = self._pending, []
        db = self._conn()
        if db is None or not rows:
            return
        try:
            with db:
                db.execute("BEGIN")
                db.executemany("INSERT OR REPLACE INTO parsed VALUES (?, ?)", rows)
        except sqlite3.Error:
            pass  # locked by another run, or read-only: parse again next time

    def close(self) -> None:
        self.flush()
        if self._db is not None:
            self._db.close()
            self._db = None


def parse_in_workers(root: Path, items: list[tuple[str, str, str]]) -> list[tuple[str, bytes]]:
    """Parse (key, path, sha) items on every core; returns (key, encoded value) rows.
    A blob missing from the repository is left out (the walk reports it)."""
    workers = min(os.cpu_count() or 1, 4)
    if workers < 2 or len(items) < POOL_MIN:
        return _parse_chunk(str(root), items)
    chunks = [items[i::workers] for i in range(workers)]
    rows: list[tuple[str, bytes]] = []
    try:
        with ProcessPoolExecutor(workers) as pool:
            for part in pool.map(_parse_chunk, [str(root)] * workers, chunks):
                rows.extend(part)
    except (OSError, RuntimeError):  # no processes allowed here: parse in this one
        return _parse_chunk(str(root), items)
    return rows


def _parse_chunk(root: str, items: list[tuple[str, str, str]]) -> list[tuple[str, bytes]]:
    cat = CatFile(Path(root))
    rows = []
    try:
        for key, path, sha in items:

            def read(limit: int, sha: str = sha) -> bytes:
                try:
                    return cat.read(sha, limit)
                except BlobTooLarge as exc:
                    check_size(exc.size)
                    raise DocumentError("file too large") from None

            try:
                rows.append((key, encode(parse_blob(path, read))))
            except BlobMissing:
                continue
    finally:
        cat.close()
    return rows
