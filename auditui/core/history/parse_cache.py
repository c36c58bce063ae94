"""Parsed config blobs kept between runs: `<git dir>/auditui/blobs-v<N>-<engine>.sqlite`.

A blob id names its content forever, and the file names the engine whose parsing
made its entries, so an entry can never be stale: a second run over a catalogue's
history parses nothing, and a pre-push parses only what is new since the last one.
Entries are read one at a time as the walk needs them, so a run holds only its
working set in memory, never the whole cache.

The git dir is trusted local state (like its hooks): nothing a push or a fetch
brings can write here. The cache is best effort: an unreadable, locked or
read-only one just means parsing again.
"""

from __future__ import annotations

import hashlib
import sqlite3
from functools import cache
from pathlib import Path
from typing import NamedTuple

from auditui.core.base.values import dumps, loads
from auditui.core.configs import limits
from auditui.core.configs.documents import (
    MAX_BYTES,
    DocumentError,
    decode_text,
    format_of,
    parse_data,
    too_large,
)
from auditui.core.configs.limits import extract_limits
from auditui.core.configs.models import ModelError, collection_node
from auditui.core.git.catfile import BlobTooLarge
from auditui.core.history.changecache import engine_digest
from auditui.core.history.store import open_store

# The store's own format. What a blob yields also depends on the engine's parsing,
# which the file name carries (see store_file): no hand-bumped number can be forgotten.
VERSION = 3
MISSING = object()
_ERROR = "\x00error"
_SCHEMA = "CREATE TABLE IF NOT EXISTS parsed (key TEXT PRIMARY KEY, value BLOB)"


def parse_blob(path: str, read) -> object:
    """A config blob's data, or the DocumentError saying why it has none. `read(limit)`
    gives the bytes. The one boundary for what a parser raises that documents.py did
    not foresee: the file is a finding (AUD009), never an internal error."""
    try:
        return parse_data(path, read(MAX_BYTES))
    except DocumentError as exc:
        return exc
    except BlobTooLarge as exc:
        return too_large(exc.size)
    except (ValueError, TypeError, RecursionError, MemoryError) as exc:
        first = (str(exc).splitlines() or [""])[0][:120]
        return DocumentError(f"cannot be read ({type(exc).__name__}: {first})")


class DataKey(NamedTuple):
    """A config blob's parsed data: it depends on the blob's content and format alone
    (an unknown format gives the same error whatever the path, so a path never
    reaches a key)."""

    sha: str
    fmt: str  # the format its path names, "" for none

    def row(self) -> str:
        """Its key in the store."""
        return f"{self.sha}:{self.fmt}"


class NodeKey(NamedTuple):
    """A collection's entries decoded from the string at `at` of a parsed blob (a YAML
    file whose MODELS variable holds JSON): parsing that string again for every
    version was most of a cold run over such a history."""

    sha: str
    fmt: str
    decode: str
    at: str  # "" for the whole document

    def row(self) -> str:
        return f"{self.sha}:{self.fmt}:in:{self.decode}:{self.at}"


class LimitsKey(NamedTuple):
    """A prompt blob's limits, tied to limits.py's own source: a change to how limits
    are read never serves an old reading."""

    sha: str
    source: str  # digest of limits.py

    def row(self) -> str:
        return f"{self.sha}:limits-{self.source}"


CacheKey = DataKey | NodeKey | LimitsKey


def data_key(path: str, sha: str) -> DataKey:
    return DataKey(sha, format_of(path) or "")


def node_key(path: str, sha: str, at: str | None, decode: str) -> NodeKey:
    return NodeKey(sha, format_of(path) or "", decode, at or "")


def limits_key(sha: str) -> LimitsKey:
    return LimitsKey(sha, _limits_source())


def derive(key: CacheKey, path: str, read) -> object:
    """The value `key` names for a blob: what the walk would compute itself, or the
    DocumentError saying why there is none."""
    if isinstance(key, LimitsKey):
        return prompt_limits(read)
    value = parse_blob(path, read)
    if not isinstance(key, NodeKey) or isinstance(value, DocumentError):
        return value
    try:
        return collection_node(value, key.at or None, key.decode)
    except ModelError as exc:  # the file holds no such entries: a finding like any other
        return DocumentError(str(exc))


@cache
def _limits_source() -> str:
    return hashlib.sha256(Path(limits.__file__).read_bytes()).hexdigest()[:16]


def prompt_limits(read) -> object:
    """A prompt blob's limits (see limit_rows), or the DocumentError saying why its
    text cannot be read."""
    try:
        return limit_rows(decode_text(read(MAX_BYTES)))
    except DocumentError as exc:
        return exc


def limit_rows(text: str) -> tuple:
    """A prompt's limits as plain tuples (unit, max, applies_to, offset): what the
    cache keeps and a parse worker returns."""
    return tuple((lim.unit, lim.max, lim.applies_to, lim.at) for lim in extract_limits(text))


def encode(value: object) -> bytes:
    """A parsed blob for the store or the trip back from a worker (values.dumps: a
    date stays a date)."""
    return dumps((_ERROR, str(value)) if isinstance(value, DocumentError) else value)


def decode(blob: bytes) -> object:
    value = loads(blob)
    if isinstance(value, tuple) and value[:1] == (_ERROR,):
        return DocumentError(value[1])
    return value


def store_file(folder: Path) -> Path:
    """This engine's store in `folder`: another engine (an upgrade, a development
    build) parses differently, and never reads or is read from it."""
    return folder / f"blobs-v{VERSION}-{engine_digest()[:12]}.sqlite"


def _drop_others(folder: Path, keep: Path) -> None:
    """Other engines' stores, once this one starts its own: they are never read again."""
    for other in folder.glob("blobs-*.sqlite*"):
        if not other.name.startswith(keep.name):
            other.unlink(missing_ok=True)


class BlobCache:
    def __init__(self, folder: Path) -> None:
        self.file = store_file(folder)
        self._db: sqlite3.Connection | None = None
        self._broken = False
        self._pending: list[tuple[str, bytes]] = []  # (row key, encoded value)

    def _conn(self) -> sqlite3.Connection | None:
        if self._db is None and not self._broken:
            try:
                if not self.file.exists():
                    _drop_others(self.file.parent, self.file)
                self._db = open_store(self.file, _SCHEMA)
            except (sqlite3.Error, OSError):
                self._broken = True
        return self._db

    def get(self, key: CacheKey) -> object:
        db = self._conn()
        if db is None:
            return MISSING
        try:
            row = db.execute("SELECT value FROM parsed WHERE key = ?", (key.row(),)).fetchone()
            return MISSING if row is None else decode(row[0])
        except (sqlite3.Error, ValueError, EOFError, TypeError):
            return MISSING  # a damaged row: parse it again

    def known(self, keys: list[CacheKey]) -> set[CacheKey]:
        """Which of `keys` are stored (one query per thousand)."""
        db = self._conn()
        found: set[CacheKey] = set()
        if db is None:
            return found
        by_row = {key.row(): key for key in keys}
        rows = list(by_row)
        try:
            for i in range(0, len(rows), 900):
                chunk = rows[i : i + 900]
                query = f"SELECT key FROM parsed WHERE key IN ({','.join('?' * len(chunk))})"
                found.update(by_row[k] for (k,) in db.execute(query, chunk))
        except sqlite3.Error:
            pass
        return found

    def put(self, key: CacheKey, value: object) -> None:
        try:
            self._pending.append((key.row(), encode(value)))
        except ValueError:
            return  # not marshallable: never happens for parsed data, but never fatal
        if len(self._pending) >= 2000:
            self.flush()

    def put_encoded(self, rows: list[tuple[CacheKey, bytes]]) -> None:
        self._pending.extend((key.row(), value) for key, value in rows)
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
