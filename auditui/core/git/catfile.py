"""Blob reads through one long-lived `git cat-file --batch`.

A catalogue's history is tens of thousands of blob versions: each read is a round
trip on a pipe, not a process. Blobs come through this pipe and not through GitPython
(everything else does, in repo.py) because GitPython's object streams cost more than
the read itself at this scale. Used by GitRepo and by the parse workers.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
from pathlib import Path
from typing import IO, NamedTuple

CHUNK = 1 << 20
GROUP = 512  # requests written at once: 512 ids of up to 65 bytes fit any pipe buffer
# Every git auditui runs (this pipe, GitPython's commands and object reads, `git log`)
# runs with this environment. Objects are read as stored: a `refs/replace/*` ref or a
# grafts file could otherwise show a pushed commit or blob as something else, and a
# cache would remember what the replacement said (docs/threat-model.md). A partial
# clone would otherwise try the network for each missing blob, and a credential
# prompt must never wait on a hook's terminal.
GIT_ENV = {
    "GIT_NO_REPLACE_OBJECTS": "1",
    "GIT_GRAFT_FILE": os.devnull,  # an empty grafts file: none apply (shallow still does)
    "GIT_NO_LAZY_FETCH": "1",
    "GIT_TERMINAL_PROMPT": "0",
}


class BlobMissing(Exception):
    """The object is not in the repository (a partial or damaged clone)."""


class NotAsStored(BlobMissing):
    """The bytes git gave do not hash to the id asked for: never read as that object."""


class BlobTooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def as_stored(sha: str, kind: bytes, data: bytes) -> bool:
    """Whether `data` is the object `sha` names: its id is the hash of its header and
    bytes. What a cache keeps is keyed by the id, so what it keeps must be what the id
    names, whatever git was told to substitute (SHA-1, or SHA-256 repositories)."""
    digest = (hashlib.sha1 if len(sha) == 40 else hashlib.sha256)(b"%s %d\x00" % (kind, len(data)))
    digest.update(data)
    return digest.hexdigest() == sha


def _valid(sha: str) -> bool:
    """Never a line that cat-file could read as another request."""
    return bool(sha) and len(sha) <= 64 and all(c in "0123456789abcdef" for c in sha)


class _Batch(NamedTuple):
    """A running `git cat-file --batch` and its two pipes."""

    proc: subprocess.Popen[bytes]
    stdin: IO[bytes]
    stdout: IO[bytes]


class CatFile:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._proc: _Batch | None = None

    def _start(self) -> _Batch:
        if self._proc is None or self._proc.proc.poll() is not None:
            proc = subprocess.Popen(
                ["git", "cat-file", "--batch"],
                cwd=self.root,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={**os.environ, **GIT_ENV},
            )
            assert proc.stdin is not None and proc.stdout is not None  # asked for as pipes
            self._proc = _Batch(proc, proc.stdin, proc.stdout)
        return self._proc

    def read(self, sha: str, limit: int | None = None) -> bytes:
        """The object's bytes. Over `limit` bytes it is drained unread in chunks (the
        pipe must stay in step, and a huge blob is never held) and BlobTooLarge raised."""
        ((_, got),) = self.read_many([sha], limit)
        if isinstance(got, Exception):
            raise got
        return got

    def read_many(self, shas: list[str], limit: int | None = None):
        """(sha, bytes or the BlobMissing/BlobTooLarge that `read` would raise) for each,
        in order. Requests go out a group at a time, so a parse worker's thousands of
        blobs cost no round trip each (a group fits the pipe: writing never blocks)."""
        finished = False
        try:
            for start in range(0, len(shas), GROUP):
                group = shas[start : start + GROUP]
                asked = [_valid(sha) for sha in group]
                proc = self._start()
                try:
                    proc.stdin.write(b"".join(sha.encode() + b"\n" for sha in group if _valid(sha)))
                    proc.stdin.flush()
                except (BrokenPipeError, OSError):
                    self.close()
                    asked = [False] * len(group)
                for sha, sent in zip(group, asked, strict=True):
                    try:
                        if not sent:
                            raise BlobMissing(sha)
                        yield sha, self._answer(sha, limit)
                    except (BlobMissing, BlobTooLarge) as exc:
                        yield sha, exc
            finished = True
        finally:
            if not finished:
                self.close()  # left mid-group: answers still in the pipe would be misread

    def _answer(self, sha: str, limit: int | None) -> bytes:
        proc = self._proc
        if proc is None:
            raise BlobMissing(sha)  # cat-file died earlier in this group
        try:
            header = proc.stdout.readline()
        except OSError:
            self.close()
            raise BlobMissing(sha) from None
        parts = header.split()
        if len(parts) != 3 or not parts[2].isdigit():
            if not header:
                self.close()  # cat-file died (a damaged repository)
            raise BlobMissing(sha)
        size = int(parts[2])
        if limit is not None and size > limit:
            left = size + 1
            while left:
                left -= len(proc.stdout.read(min(CHUNK, left))) or left
            raise BlobTooLarge(size)
        data = proc.stdout.read(size)
        proc.stdout.read(1)  # the newline after the content
        if not as_stored(sha, parts[1], data):
            raise NotAsStored(sha)
        return data

    def close(self) -> None:
        """Stop cat-file. Killed, not asked: a parse worker forked while this pipe was
        open holds a copy of its write end, so cat-file would wait for an end of input
        that never comes (it only reads; stopping it mid-read loses nothing)."""
        proc, self._proc = self._proc, None
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                with contextlib.suppress(OSError):
                    stream.close()
            with contextlib.suppress(OSError):
                proc.proc.kill()
            proc.proc.wait()

    def __del__(self) -> None:
        # Not contextlib.suppress: at interpreter exit its module may already be gone.
        try:  # noqa: SIM105
            self.close()
        except Exception:
            pass
