"""Files auditui reads or writes in the working tree: audit records.

A branch can commit anything at a record's path: a symlink to a file outside the
repository (a reviewer's `approve` would then write there), a link to /dev/zero or a
FIFO (a read would never end), a huge file. So a record is only ever a regular file,
reached through real folders inside the work tree, read with a size cap and written
without following a link.
"""

from __future__ import annotations

import contextlib
import errno
import os
import posixpath
import stat
from collections.abc import Iterator
from pathlib import Path

from auditui.core.errors import AuditError

MAX_RECORD_BYTES = 1024 * 1024  # a record is a few kilobytes; a megabyte is plenty
_HINT = "hint: records are regular files inside the repository; remove the link and write it anew"


def check_relative(path: str, what: str) -> str:
    """A path from a policy or a repository, as it must be to name a file inside the
    work tree: relative, normalised, no `..`, no backslash or NUL."""
    if not path or path.startswith("/") or "\\" in path or "\x00" in path:
        raise ValueError(f"{what} must be a relative path inside the repository, got {path!r}")
    if posixpath.normpath(path) != path.rstrip("/") or path.split("/")[0] == "..":
        raise ValueError(
            f"{what} must be a normalised path inside the repository (no `..` or `.`), got {path!r}"
        )
    return path


def record_path(root: Path, relative: str) -> Path:
    """Where the record `relative` lives in the work tree at `root`, refusing any way
    out: a symlinked folder or file on the way, something that is not a regular file."""
    try:
        check_relative(relative, "a record path")
    except ValueError as exc:
        raise AuditError(str(exc), _HINT) from None
    here = root
    parts = relative.split("/")
    for n, part in enumerate(parts):
        here = here / part
        try:
            info = os.lstat(here)
        except FileNotFoundError:
            return root / relative  # the rest does not exist yet: created as folders
        if stat.S_ISLNK(info.st_mode):
            raise AuditError(f"{here}: is a symlink; auditui never reads or writes a record "
                             "through a link", _HINT)  # fmt: skip
        last = n == len(parts) - 1
        if not last and not stat.S_ISDIR(info.st_mode):
            raise AuditError(f"{here}: is not a folder", _HINT)
        if last and not stat.S_ISREG(info.st_mode):
            raise AuditError(f"{here}: is not a regular file", _HINT)
    return root / relative


def read_record(root: Path, relative: str) -> str | None:
    """The text of a record in the work tree, or None if there is none. Never follows
    a link, never blocks on a FIFO, never reads more than MAX_RECORD_BYTES."""
    path = record_path(root, relative)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise AuditError(f"{path}: is a symlink", _HINT) from None
        raise AuditError(f"{path}: cannot read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # swapped in since the check
            raise AuditError(f"{path}: is not a regular file", _HINT)
        data = fh.read(MAX_RECORD_BYTES + 1)
    if len(data) > MAX_RECORD_BYTES:
        raise AuditError(f"{path}: is over {MAX_RECORD_BYTES // 1024} KiB; not a record", _HINT)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AuditError(
            f"{path}: cannot read this record: not UTF-8 text (byte {exc.start})",
            "hint: fix the file by hand first; auditui never rewrites a record it cannot read",
        ) from None


@contextlib.contextmanager
def records_lock(root: Path) -> Iterator[None]:
    """Held while a record is read, extended and replaced: two writers at once (the
    app and `eval import`, two CI jobs) both keep their entries. The lock file lives in
    the temp dir, keyed by the work tree (never a stray file in the repository), and is
    opened without following links; where it cannot be had, writing goes on unlocked."""
    import fcntl
    import hashlib
    import tempfile

    key = hashlib.sha256(str(root.resolve()).encode("utf-8", "surrogateescape")).hexdigest()
    path = Path(tempfile.gettempdir()) / f"auditui-records-{key[:20]}.lock"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
