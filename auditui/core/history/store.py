"""The SQLite files auditui keeps in the git dir (parsed blobs, per-commit deltas),
opened one way: write-ahead log (a reader never waits for a writer) and no fsync (a
lost entry is only computed again)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_store(file: Path, *schema: str) -> sqlite3.Connection:
    """The store at `file`, its tables created. Raises sqlite3.Error or OSError: its
    callers are best effort and treat a store they cannot open as absent."""
    file.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(file, timeout=2, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        for statement in schema:
            db.execute(statement)
    except sqlite3.Error:
        db.close()
        raise
    return db
