"""Files auditui reads or writes in the working tree: audit records.

A branch can commit anything at a record's path: a symlink to a file outside the
repository (a reviewer's `approve` would then write there), a link to /dev/zero or a
FIFO (a read would never end), a huge file. So a record is only ever a regular file,
reached through real folders inside the work tree, read with a size cap and written
without following a link, and only while holding the records lock in the git directory.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from auditui.core.base.errors import AuditError
from auditui.core.base.paths import check_relative
from auditui.core.git.repo import GitRepo

MAX_RECORD_BYTES = 1024 * 1024  # a record is a few kilobytes; a megabyte is plenty
_HINT = "hint: records are regular files inside the repository; remove the link and write it anew"


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
            raise AuditError(
                f"{here}: is a symlink; auditui never reads or writes a record through a link",
                _HINT,
            )
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


LOCK_TIMEOUT = 10.0  # seconds to wait for another writer; a write takes milliseconds
LOCK_FILE = "records.lock"  # in `<git common dir>/auditui/`, beside the stores
_LOCK_HINT = (
    "hint: auditui writes a record only while holding this lock, inside the git "
    "directory; make that a writable folder of your own (no link) and try again"
)


@contextlib.contextmanager
def records_lock(root: Path, timeout: float | None = None) -> Iterator[None]:
    """Held while a record is read, extended and replaced: two writers at once (the
    app and `eval import`, two CI jobs) both keep their entries.

    The lock is `<git common dir>/auditui/records.lock`, where git keeps its own locks
    (one for all linked work trees): a file in the shared temp dir has a name any
    local account can guess and take first. Neither the folder nor the file is
    followed if a link; the file is created 0600 and never written. A lock that cannot
    be had (it cannot be opened, or another writer holds it past `timeout` seconds) is
    an AuditError: a record is never written unlocked."""
    path = lock_path(root)
    fd = _open_lock(path)
    try:
        _wait_for(fd, path, LOCK_TIMEOUT if timeout is None else timeout)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def lock_path(root: Path) -> Path:
    """Where the records lock of the work tree at `root` lives, in the git common dir
    as git itself names it (linked work trees, `.git` files)."""
    try:
        repo = GitRepo.open(root)
    except AuditError:
        raise AuditError(
            f"{root}: not a git work tree; auditui writes records only in one",
            "hint: run it inside the repository whose records you mean to write",
        ) from None
    return repo.common_dir / "auditui" / LOCK_FILE


def _open_lock(path: Path) -> int:
    """The lock file opened for locking: its folder made if missing, neither of them
    followed if a link, the file only if regular."""
    try:
        with contextlib.suppress(FileExistsError):  # opened next only if a real folder
            os.mkdir(path.parent)  # as the stores beside it: the usual permissions (umask)
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise _cannot_lock(path.parent, exc) from None
    try:
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        fd = os.open(path.name, flags, 0o600, dir_fd=folder)
    except OSError as exc:
        raise _cannot_lock(path, exc) from None
    finally:
        os.close(folder)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise _cannot_lock(path, OSError(0, "not a regular file"))
    return fd


def _cannot_lock(where: Path, exc: OSError) -> AuditError:
    why = "a symlink, never followed" if exc.errno == errno.ELOOP else exc.strerror
    return AuditError(f"{where}: cannot lock the records ({why}); nothing written", _LOCK_HINT)


def _wait_for(fd: int, path: Path, timeout: float) -> None:
    """Take the lock, waiting up to `timeout` seconds for the writer holding it."""
    deadline = time.monotonic() + timeout
    while not _try_lock(fd, path):
        if time.monotonic() >= deadline:
            raise AuditError(
                f"{path}: another writer has held the records lock for over {timeout:g} s; "
                "nothing written",
                "hint: let the other auditui (the app, an `eval run`) finish, then try again",
            )
        time.sleep(0.02)


def _try_lock(fd: int, path: Path) -> bool:
    """Whether the lock was taken (False: another writer holds it)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:  # ENOLCK: a file system that cannot lock
        raise _cannot_lock(path, exc) from None
    return True
