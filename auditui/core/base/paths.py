"""Paths a policy or a repository names, checked before anything is read or written:
relative, normalised, inside the work tree."""

from __future__ import annotations

import posixpath


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
