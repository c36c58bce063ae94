"""Which later commit of a walk fixed each file it left broken: what a broken file's
revert mark names (see RevertIndex.marks in diff/reverts)."""

from __future__ import annotations

from auditui.core.git.log import CommitInfo
from auditui.core.git.repo import GitRepo


def fixed_by(
    repo: GitRepo,
    head: str,
    commits: list[CommitInfo],
    light: bool,
    broken: dict[str, tuple[str, str]],
) -> dict[str, str | None]:
    """For each file last broken (blob, commit): the first later commit of the walk
    that changed it, unless the head still holds that blob. Two git calls for all
    of them, however many files a catalogue's history broke."""
    at_head = repo.blobs_at(head, list(broken))
    where = {c.sha: i for i, c in enumerate(commits)}
    touched = _touches(repo, head, commits, light, set(broken), where)
    out: dict[str, str | None] = {}
    for file, (blob, sha) in broken.items():
        if at_head.get(file) == blob:
            out[file] = None
            continue
        after = [i for i in touched.get(file, ()) if i > where[sha]]
        out[file] = commits[min(after)].sha if after else None
    return out


def _touches(
    repo: GitRepo,
    head: str,
    commits: list[CommitInfo],
    light: bool,
    files: set[str],
    where: dict[str, int],
) -> dict[str, list[int]]:
    """The walk's commits (by position) whose diff against their first parent
    touches each of `files` (`light`: a walk listed without raw diffs asks git)."""
    out: dict[str, list[int]] = {}
    if not light:
        for i, c in enumerate(commits):
            for ch in c.changes:
                if ch.path in files:
                    out.setdefault(ch.path, []).append(i)
        return out
    for sha, paths in repo.touching(head, sorted(files)):
        if sha in where:
            for path in paths:
                out.setdefault(path, []).append(where[sha])
    return out
