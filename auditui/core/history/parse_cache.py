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

from auditui.core.base.values import dumps, loads
from auditui.core.configs.documents import (
    MAX_BYTES,
    DocumentError,
    decode_text,
    format_of,
    parse_data,
    too_large,
)
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


def data_key(path: str, sha: str) -> str:
    """The cache key of a config blob's parsed data: what it yields depends on its
    content and its format alone (an unknown format: the same error whatever the path,
    so a path never reaches a key)."""
    return f"{sha}:{format_of(path) or ''}"


_NODE = ":in:"  # marks a key of the entries a collection keeps encoded in one value


def node_key(path: str, sha: str, at: str | None, decode: str) -> str:
    """The cache key of a collection's entries decoded from the string at `at` (a YAML
    file whose MODELS variable holds JSON): parsing that string again for every
    version was most of a cold run over such a history."""
    return f"{data_key(path, sha)}{_NODE}{decode}:{at or ''}"


def derive(key: str, path: str, read) -> object:
    """The value `key` names for a blob (see data_key, node_key, limits_key): what the
    walk would compute itself, or the DocumentError saying why there is none."""
    _sha, _, kind = key.partition(":")  # after the blob id: format, limits-, or a node
    if kind.startswith("limits-"):
        return prompt_limits(read)
    value = parse_blob(path, read)
    _format, node, spec = kind.partition(_NODE)
    if not node or isinstance(value, DocumentError):
        return value
    from auditui.core.configs.models import ModelError, collection_node

    decode, _, at = spec.partition(":")
    try:
        return collection_node(value, at or None, decode)
    except ModelError as exc:  # the file holds no such entries: a finding like any other
        return DocumentError(str(exc))


def limits_key(sha: str) -> str:
    """The cache key of a prompt blob's limits: tied to limits.py's own source, so a
    change to how limits are read never serves an old reading."""
    return f"{sha}:limits-{_limits_source()}"


@cache
def _limits_source() -> str:
    from auditui.core.configs import limits

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
    from auditui.core.configs.limits import extract_limits

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
        self._pending: list[tuple[str, bytes]] = []

    def _conn(self) -> sqlite3.Connection | None:
        if self._db is None and not self._broken:
            try:
                if not self.file.exists():
                    _drop_others(self.file.parent, self.file)
                self._db = open_store(
                    self.file,
                    "CREATE TABLE IF NOT EXISTS parsed (key TEXT PRIMARY KEY, value BLOB)",
                )
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
