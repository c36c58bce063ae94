"""Each commit's deltas kept between runs: `<git dir>/auditui/changes-v<N>.sqlite`.

What a commit changes is fixed by the commit, the policy and this engine: a commit id
names its tree and parents forever. So a second `check --all` (or `log --model`, or
the app) over a catalogue's history reads each commit's sorted deltas and
fingerprint instead of rebuilding every World; only the verdict is worked out again,
since records, signers and the adoption point may have moved.

Keyed by a context digest: the engine's own source, the policy as parsed, the
`anchors` need, and the walk. A commit's deltas depend on the Worlds its parents had,
and a World is a fold over the first-parent line only when the walk starts at the
roots (`--all`); a range's boundary Worlds are read from trees, so a range is its own
context (base, head, exclusions) and is reused only when the very same range is
judged again.

Used only when every commit of the walk is stored: a World is never rebuilt from a
cache, so a report can never depend on what an earlier run happened to leave here.
A walk with new commits runs in full and stores them all. Best effort throughout, like
the parse cache: a locked, damaged or read-only store means computing again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from functools import cache
from pathlib import Path

from auditui.core.base.values import dumps, loads
from auditui.core.history.store import open_store

VERSION = 2
KEEP_CONTEXTS = 8  # the most recently used walks kept; older ones are dropped


@cache
def engine_digest() -> str:
    """The engine's own source: any change to how deltas are made is a new context."""
    import auditui

    core = Path(__file__).parents[1]  # auditui/core, every package of the engine
    digest = hashlib.sha256(auditui.__version__.encode())
    for file in sorted(core.rglob("*.py")):
        digest.update(file.relative_to(core).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def context_digest(policy_raw: dict, anchors: bool, walk: tuple) -> str:
    text = json.dumps(
        [engine_digest(), policy_raw, anchors, list(walk)],
        sort_keys=True,
        default=str,
        ensure_ascii=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


class ChangeCache:
    @staticmethod
    def present(folder: Path) -> bool:
        """Whether a store exists at all (a first run has nothing to look up)."""
        return (folder / f"changes-v{VERSION}.sqlite").is_file()

    def __init__(self, folder: Path, context: str) -> None:
        self.file = folder / f"changes-v{VERSION}.sqlite"
        self.context = context
        self._db: sqlite3.Connection | None = None
        self._writing = False
        try:
            self._db = open_store(
                self.file,
                "CREATE TABLE IF NOT EXISTS changes "
                "(context TEXT, sha TEXT, head BLOB, deltas BLOB, PRIMARY KEY (context, sha))",
                "CREATE TABLE IF NOT EXISTS contexts (context TEXT PRIMARY KEY, used REAL)",
            )
        except (sqlite3.Error, OSError):
            self._db = None

    def heads(self, shas: list[str]) -> dict[str, tuple] | None:
        """Every commit's head row (saw_layout, fingerprint, models, its renames, the
        uncovered paths it changed: see coverage), or None unless every commit of the
        walk is stored for this context."""
        if self._db is None or not shas:
            return None
        try:
            rows = self._db.execute(
                "SELECT sha, head FROM changes WHERE context = ?", (self.context,)
            ).fetchall()
            found = {sha: head for sha, head in rows}
            if any(sha not in found for sha in shas):
                return None
            return {sha: loads(found[sha]) for sha in shas}
        except (sqlite3.Error, ValueError, EOFError, TypeError):
            return None

    def deltas(self, sha: str) -> tuple | None:
        """One commit's (delta rows, anchors), or None (then the caller computes)."""
        if self._db is None:
            return None
        try:
            row = self._db.execute(
                "SELECT deltas FROM changes WHERE context = ? AND sha = ?", (self.context, sha)
            ).fetchone()
            return None if row is None else loads(row[0])
        except (sqlite3.Error, ValueError, EOFError, TypeError):
            return None

    def begin(self) -> None:
        """Start storing a walk; nothing is visible to other runs until `commit`."""
        if self._db is None:
            return
        try:
            self._db.execute("BEGIN")
            self._writing = True
        except sqlite3.Error:
            self._writing = False

    def put(self, sha: str, head: tuple, deltas: tuple) -> None:
        """Store one commit: its head (saw_layout, fingerprint, models, renames,
        uncovered paths), read for every commit of a walk, and its (delta rows, anchors), read
        only when shown (a value of a type JSON lacks kept typed: values.dumps)."""
        db = self._db
        if not self._writing or db is None:
            return
        try:
            row = (self.context, sha, dumps(head), dumps(deltas))
            db.execute("INSERT OR REPLACE INTO changes VALUES (?, ?, ?, ?)", row)
        except (sqlite3.Error, ValueError):
            self.abort()  # locked by another run (or not marshallable): store nothing

    def commit(self, now: float) -> None:
        db = self._db
        if not self._writing or db is None:
            return
        self._writing = False
        try:
            db.execute("INSERT OR REPLACE INTO contexts VALUES (?, ?)", (self.context, now))
            old = [
                c
                for (c,) in db.execute(
                    "SELECT context FROM contexts ORDER BY used DESC LIMIT -1 OFFSET ?",
                    (KEEP_CONTEXTS,),
                )
            ]
            for context in old:
                db.execute("DELETE FROM changes WHERE context = ?", (context,))
                db.execute("DELETE FROM contexts WHERE context = ?", (context,))
            db.execute("COMMIT")
        except sqlite3.Error:
            self.abort()

    def touch(self, now: float) -> None:
        """Mark the context used (it is kept over older ones)."""
        if self._db is None:
            return
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("INSERT OR REPLACE INTO contexts VALUES (?, ?)", (self.context, now))

    def abort(self) -> None:
        if self._writing and self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
        self._writing = False

    def close(self) -> None:
        self.abort()
        if self._db is not None:
            self._db.close()
            self._db = None
