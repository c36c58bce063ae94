"""The commit log as auditui reads it: one streamed `git log -z --raw` parsed into
commits and their raw changes, and the value types both carry."""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from auditui.core.base.errors import AuditError

ZERO_SHA = "0" * 40
SYMLINK_MODE = "120000"


class FileEntry(NamedTuple):
    """A path's object at one commit: its mode (as git prints it) and blob id.

    A tuple, not a dataclass: a catalogue's log holds hundreds of thousands, and
    Worlds compare and hash them by the thousand (tuples do that in C)."""

    mode: str
    sha: str

    @property
    def is_symlink(self) -> bool:
        return self.mode == SYMLINK_MODE


_UNREAD = object()


class RawChange:
    """One line of `git diff --raw` against the first parent; `new` is None for a deletion.

    Its modes and blob ids are read from the line only when asked: a catalogue's log
    holds hundreds of thousands of lines, most about files no layout names. The new
    entry, once read, is kept: the walk asks for it twice (prefetch, step)."""

    __slots__ = ("path", "_meta", "_new")

    def __init__(self, path: str, meta: str) -> None:
        self.path = path
        self._meta = meta  # `:oldmode newmode oldsha newsha status`
        self._new: FileEntry | None | object = _UNREAD

    @property
    def old(self) -> FileEntry | None:
        old_mode, _new_mode, old_sha, _new_sha, _status = self._meta.split(" ", 4)
        return _entry(old_mode[1:], old_sha)

    @property
    def new(self) -> FileEntry | None:
        if self._new is _UNREAD:
            _old_mode, new_mode, _old_sha, new_sha, _status = self._meta.split(" ", 4)
            self._new = _entry(new_mode, new_sha)
        return self._new  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"RawChange({self.path!r}, {self.old!r}, {self.new!r})"


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    author_date: str  # RFC 3339, as git prints %aI
    committer_date: str  # RFC 3339, %cI
    subject: str
    changes: tuple[RawChange, ...] = field(default=(), compare=False, repr=False)

    @property
    def short(self) -> str:
        return self.sha[:7]


# One header per commit: sha and parents, then fields a line each. git strips newlines
# from identities and %s joins the subject onto one line, so only the subject's own
# text can follow the last newline; raw diff entries come after the header's NUL.
LOG_FORMAT = "%x1e%H %P%n%an%n%ae%n%aI%n%cI%n%s"


def _entry(mode: str, sha: str) -> FileEntry | None:
    if mode == "000000" or sha == ZERO_SHA:
        return None
    return FileEntry(mode, sha)


def _raw_change(meta: str, path: str) -> RawChange:
    """One `--raw -z` entry: `:oldmode newmode oldsha newsha status` and its path."""
    meta = meta.lstrip("\n")
    if meta.count(" ") < 4:
        raise AuditError("could not read `git log` output (unexpected format)")
    return RawChange(path, meta)


def parse_raw(out: bytes) -> list[RawChange]:
    """Parse `git diff-tree -r -z --raw --no-renames` output."""
    tokens = out.decode("utf-8", "surrogateescape").split("\x00")
    return [
        _raw_change(meta, path)
        for meta, path in zip(tokens[0::2], tokens[1::2], strict=False)
        if meta.lstrip("\n").startswith(":")
    ]


def parse_log(out: bytes | Iterable[bytes]) -> list[CommitInfo]:
    """Parse `git log -z --raw --format=LOG_FORMAT` output, whole or in chunks as it
    is read (a catalogue's log is tens of megabytes: only the commits are kept).

    Read token by token (tokens are NUL-separated): a header, then `:meta` / path
    pairs. A path is taken verbatim, so no byte in a subject, name or file name can
    forge a commit boundary or hide a raw entry."""
    commits: list[CommitInfo] = []
    header: str | None = None
    changes: list[RawChange] = []
    meta: str | None = None
    paths: dict[str, str] = {}  # one string per path: a file edited 500 times is kept once
    for token in _tokens([out] if isinstance(out, bytes) else out):
        if meta is not None:
            changes.append(_raw_change(meta, paths.setdefault(token, token)))
            meta = None
            continue
        stripped = token.lstrip("\n")
        if not stripped:
            continue
        if header is not None and stripped.startswith(":"):
            meta = token
            continue
        if not stripped.startswith("\x1e"):
            raise AuditError("could not read `git log` output (unexpected format)")
        if header is not None:
            commits.append(_commit(header, changes))
        header, changes = stripped, []
    if meta is not None:
        raise AuditError("could not read `git log` output (unexpected format)")
    if header is not None:
        commits.append(_commit(header, changes))
    return commits


def _tokens(chunks: Iterable[bytes]) -> Iterator[str]:
    """NUL-separated tokens across chunk boundaries, each chunk decoded at once (the
    incremental decoder keeps a character cut by a chunk's end for the next)."""
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    rest = ""
    for chunk in chunks:
        parts = (rest + decoder.decode(chunk)).split("\x00")
        rest = parts.pop()
        yield from parts
    rest += decoder.decode(b"", final=True)
    if rest:
        yield rest


def _commit(header: str, changes: list[RawChange]) -> CommitInfo:
    fields = header[1:].split("\n", 5)
    if len(fields) != 6:
        raise AuditError("could not read `git log` output (unexpected format)")
    ids, an, ae, ad, cd, subject = fields
    sha, *parents = ids.split(" ")
    return CommitInfo(
        sha=sha,
        parents=tuple(p for p in parents if p),
        author_name=an,
        author_email=ae,
        author_date=ad,
        committer_date=cd,
        subject=subject,
        changes=tuple(changes),
    )
