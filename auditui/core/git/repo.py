"""Read-only access to the audited repository's git objects, through one channel.

Every git command runs through GitPython's `Git.execute`: `_git` takes an answer
whole, `_stream` reads `git log` as it comes. Blobs alone come through catfile's own
pipe (see there why). Both run git with GIT_ENV (catfile): objects as stored, never
through replace refs or grafts. History is read in one `git log --raw` pass, so cost
does not grow with a process per commit (the pre-push hook runs on every push), and
judged from objects alone: only `worktree_files` (for `auditui init`) looks at the
working tree.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, partial
from pathlib import Path
from typing import NamedTuple

from auditui.core.base.errors import AuditError
from auditui.core.base.globs import literal_prefix, match_any
from auditui.core.git.catfile import GIT_ENV, BlobMissing, CatFile, NotAsStored
from auditui.core.git.log import (
    LOG_FORMAT,
    CommitInfo,
    FileEntry,
    RawChange,
    parse_log,
    parse_raw,
)

# GitPython is imported where it is first needed, never at the top: importing it
# runs `git version`, a cost the hook's start-up pays only once a repository opens.

LOG_CHUNK = 1 << 20
# Before every command: a signed commit's log must not carry gpg's verdict in its text.
_CONFIG = ("-c", "log.showSignature=false")
UNSHALLOW_HINT = (
    "hint: run `git fetch --unshallow` (in GitHub Actions: actions/checkout with fetch-depth: 0)"
)
PATH_LIMIT_MAX = 64  # more paths than this: `git log` unlimited, filtered in Python


class Refs(NamedTuple):
    commits: dict[str, str]  # ref -> the commit it names
    symbolic: dict[str, str]  # symbolic ref -> the ref it names


class GitRepo:
    """The audited repository. Construct with `GitRepo.open`."""

    def __init__(self, repo) -> None:  # repo: git.Repo (import deferred, see open)
        self._repo = repo
        self.root = Path(repo.working_tree_dir or repo.git_dir)
        self.git_dir = Path(repo.git_dir)
        self.common_dir = Path(repo.common_dir)  # shared refs of linked worktrees
        self._cat = CatFile(self.root)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> GitRepo:
        import git

        p = Path(path)
        if not p.exists():
            raise AuditError(
                f"{p}: no such directory", "hint: pass --repo PATH of a git repository"
            )
        try:
            repo = git.Repo(p, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise AuditError(
                f"{p}: not a git repository",
                "hint: run auditui inside a git repository or pass --repo PATH",
            ) from None
        repo.git.update_environment(**GIT_ENV)
        return cls(repo)

    # -- the channel -------------------------------------------------------

    def _git(self, *args: str, binary: bool = False):
        """git's output, taken whole (text, or bytes with `binary`); _GitFailed says
        git's last line of complaint."""
        import git

        try:
            return self._repo.git.execute(
                ["git", *_CONFIG, *args],
                stdout_as_string=not binary,
                strip_newline_in_stdout=not binary,
            )
        except git.GitCommandError as exc:
            stderr = (exc.stderr or "").strip().splitlines()
            raise _GitFailed(stderr[-1] if stderr else str(exc)) from None

    @contextmanager
    def _stream(self, args: list[str]) -> Iterator[Iterator[bytes]]:
        """git's output in chunks as it comes, for output too large to hold whole.
        Leaving early stops git (what is left is not wanted); a failure is _GitFailed
        once git has exited. Its complaints are drained as they come: a long one can
        never block git."""
        # GitPython's handle stops git when dropped: it is kept until git is done.
        handle = self._repo.git.execute(["git", *_CONFIG, *args], as_process=True)
        proc = handle.proc
        complaint = bytearray()
        drain = threading.Thread(target=lambda: complaint.extend(proc.stderr.read()))
        drain.start()
        try:
            yield iter(partial(proc.stdout.read, LOG_CHUNK), b"")
        except BaseException:
            proc.kill()
            raise
        finally:
            proc.stdout.close()
            failed = proc.wait() != 0
            drain.join()
            proc.stderr.close()
        if failed:
            lines = complaint.decode("utf-8", "replace").strip().splitlines()
            raise _GitFailed(lines[-1] if lines else f"git {args[0]} failed")

    # -- revisions ---------------------------------------------------------

    def _log(self, args: list[str]) -> list[CommitInfo]:
        """`git log` parsed as it streams in, never held whole (see parse_log)."""
        with self._stream(args) as chunks:
            return parse_log(chunks)

    def resolve(self, rev: str, what: str = "revision") -> str:
        """Full sha of the commit `rev` names, or AuditError naming it."""
        try:
            out = self._git(
                "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"
            )
        except _GitFailed:
            out = ""
        if not out:
            if self.is_empty():
                raise AuditError(
                    f"{self.root}: the repository has no commits yet",
                    "hint: commit your config files (and .auditui.toml) first, then run this again",
                )
            hint = "hint: check the name with `git rev-parse`"
            if self.is_shallow():
                hint = UNSHALLOW_HINT
            raise AuditError(f"unknown {what} '{rev}' in {self.root}", hint)
        return out.strip()

    def committed_at(self, rev: str) -> dt.datetime | None:
        """The committer date of commit `rev` (None when it names none)."""
        try:
            out = self._git("log", "-1", "--no-walk", "--format=%cI", "--end-of-options", rev, "--")
        except _GitFailed:
            return None
        return dt.datetime.fromisoformat(out.strip()) if out.strip() else None

    def path_versions(
        self, head: str, paths: list[str]
    ) -> dict[str, list[tuple[str, str | None, dt.datetime, str | None]]]:
        """Each path's versions in `head`'s history, oldest first: (commit, its first
        parent, its committer date, the blob it wrote or None for a deletion), one `git
        log` for all. With --full-history: a merge taking a path from its other side
        hides no commit of that side (git's default simplification would)."""
        out: dict[str, list[tuple[str, str | None, dt.datetime, str | None]]] = {}
        if not paths:
            return out
        wanted = set(paths)
        args = [
            "log",
            "--full-history",
            "--reverse",
            "--root",
            *_log_options(raw=True),
            head,
            "--",
            *(f":(top,literal){path}" for path in paths),
        ]
        try:
            commits = self._log(args)
        except _GitFailed:
            return out
        for commit in commits:
            when = dt.datetime.fromisoformat(commit.committer_date)
            parent = commit.parents[0] if commit.parents else None
            for change in commit.changes:
                if change.path in wanted:
                    entry = change.new
                    row = (commit.sha, parent, when, entry.sha if entry else None)
                    out.setdefault(change.path, []).append(row)
        return out

    def first_parent_at(self, head: str, when: dt.datetime) -> str | None:
        """The last commit on `head`'s first-parent line committed at or before `when`
        (git's `--before`: committer dates, which a first-parent line keeps in order)."""
        try:
            out = self._git(
                "rev-list", "--first-parent", "-1", f"--before={int(when.timestamp())}", head, "--"
            )
        except _GitFailed:
            return None
        return out.strip() or None

    def added_on_first_parent(self, head: str, path: str) -> set[str]:
        """Commits on head's first-parent line that added `path` (against their first
        parent): what a walk without raw diffs cannot see for itself."""
        try:
            out = self._git(
                "log",
                "--first-parent",
                "--root",
                "--diff-merges=first-parent",
                "--diff-filter=A",
                "--no-renames",
                "--format=%H",
                head,
                "--",
                f":(literal){path}",
            )
        except _GitFailed:
            return set()
        return set(out.split())

    def last_touching(self, commit: str, paths: list[str]) -> str | None:
        """The newest commit at or before `commit` that changed any of `paths`."""
        if not paths:
            return None
        try:
            out = self._git(
                "log", "-1", "--format=%H", commit, "--", *(f":(literal){p}" for p in paths)
            )
        except _GitFailed:
            return None
        return out.strip() or None

    def touching(self, head: str, paths: list[str]) -> list[tuple[str, list[str]]]:
        """(commit, the `paths` it changed against its first parent) for each commit up
        to `head` that changed any: one `git log`, path-limited for a few paths (git
        matches each pathspec against every path, so for many paths filtering here
        costs far less)."""
        limit = [f":(literal){p}" for p in paths] if len(paths) <= PATH_LIMIT_MAX else []
        try:
            out = self._git(
                "log",
                "-z",
                "--format=%x1e%H",
                "--name-only",
                "--no-renames",
                "--diff-merges=first-parent",
                head,
                "--",
                *limit,
                binary=True,
            )
        except _GitFailed:
            return []
        wanted, found = set(paths), []
        for record in out.decode("utf-8", "surrogateescape").split("\x1e")[1:]:
            sha, _nl, names = record.partition("\n")
            hit = [n for n in names.strip("\0\n").split("\0") if n in wanted]
            if hit:
                found.append((sha.strip("\0"), hit))
        return found

    def is_empty(self) -> bool:
        """No commit on any ref: a fresh `git init`."""
        try:
            return not self._git("rev-list", "-n", "1", "--all").strip()
        except _GitFailed:
            return False

    def is_shallow(self) -> bool:
        return (self.git_dir / "shallow").exists()

    def shallow_boundary(self) -> set[str]:
        path = self.git_dir / "shallow"
        if not path.exists():
            return set()
        return {line.strip() for line in path.read_text().splitlines() if line.strip()}

    def upstream(self) -> str | None:
        """The current branch's upstream (`origin/main`), or None if it has none."""
        try:
            out = self._git("rev-parse", "--verify", "--quiet", "--abbrev-ref", "@{upstream}")
        except _GitFailed:
            return None
        return out.strip() or None

    def merge_base(self, a: str, b: str) -> str | None:
        try:
            out = self._git("merge-base", a, b)
        except _GitFailed:
            return None
        return out.strip() or None

    def object_type(self, sha: str) -> str | None:
        """ "commit", "tag", "tree" or "blob"; None if the object is not here."""
        if not sha or any(c not in "0123456789abcdef" for c in sha):
            return None  # an object id, never a revision git would resolve
        try:
            return self._git("cat-file", "-t", sha) or None
        except _GitFailed:
            return None

    def peel_commit(self, sha: str) -> str | None:
        """The commit an object names (annotated tags peeled), or None for a tree/blob."""
        try:
            out = self._git("rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}")
        except _GitFailed:
            return None
        return out.strip() or None

    def is_ancestor(self, a: str, b: str) -> bool:
        """Whether commit `a` is reachable from commit `b` (a move from a to b is a
        fast-forward)."""
        try:
            self._git("merge-base", "--is-ancestor", a, b)
        except _GitFailed:
            return False
        return True

    def refs(self, prefix: str = "refs/") -> Refs:
        """The refs under `prefix`: each one's commit (annotated tags peeled; refs naming
        a tree or blob left out), and the symbolic ones' targets (one `git for-each-ref`)."""
        fields = "%(objecttype) %(objectname) %(*objecttype) %(*objectname) %(symref) %(refname)"
        try:
            out = self._git("for-each-ref", f"--format={fields}", prefix)
        except _GitFailed:
            return Refs({}, {})
        commits, symbolic = {}, {}
        for line in out.splitlines():
            kind, sha, peeled_kind, peeled, target, ref = (line.split(" ", 5) + [""] * 6)[:6]
            if target:
                symbolic[ref] = target
            if kind == "commit":
                commits[ref] = sha
            elif kind == "tag" and peeled_kind == "commit":
                commits[ref] = peeled
        return Refs(commits, symbolic)

    def head_ref(self) -> str | None:
        """The branch HEAD names (None when detached), read from the git dir's HEAD file
        as git keeps it; asked of git only where that file is a stub (reftable)."""
        try:
            text = (self.git_dir / "HEAD").read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        ref = text.strip().removeprefix("ref: ") if text.startswith("ref: ") else None
        if ref is not None and not ref.endswith("/.invalid"):
            return ref
        try:
            return self._git("symbolic-ref", "-q", "HEAD").strip() or None
        except _GitFailed:
            return None

    def has_remote_refs(self, remote: str) -> bool:
        return (self.common_dir / "refs" / "remotes" / remote).is_dir() or any(
            line.split(" ", 1)[-1].startswith(f"refs/remotes/{remote}/")
            for line in self._packed_refs()
        )

    def _packed_refs(self) -> list[str]:
        path = self.common_dir / "packed-refs"
        if not path.exists():
            return []
        return [ln for ln in path.read_text(errors="replace").splitlines() if ln[:1] not in "#^"]

    # -- history -----------------------------------------------------------

    def walk(
        self,
        head: str,
        base: str | None,
        exclude: tuple[str, ...] = (),
        first_parent: bool = False,
        raw: bool = True,
    ) -> list[CommitInfo]:
        """Commits reachable from head and not from base (nor from the `exclude` rev
        arguments, e.g. `--remotes=origin`), oldest first, parents before children,
        each with its raw diff against its first parent (only the first-parent line
        of head with `first_parent`). Without `raw`, commits only: a catalogue's raw
        diffs are most of the time of a walk answered from the per-commit store."""
        args = [
            "log",
            *(["--first-parent"] if first_parent else []),
            "--date-order",  # oldest first, yet never a child before its parent
            "--reverse",
            "--root",
            *_log_options(raw),
            head,
        ]
        if base:
            args.append(f"^{base}")
        if exclude:
            args += ["--not", *exclude]
        args.append("--")
        try:
            commits = self._log(args)
        except _GitFailed as exc:
            raise AuditError(
                f"cannot read history of {self.root}: {exc}",
                UNSHALLOW_HINT
                if self.is_shallow()
                else "hint: run `git fsck` to check the repository",
            ) from None
        boundary = self.shallow_boundary()
        for c in commits:
            if c.sha in boundary:
                raise AuditError(
                    f"history before commit {c.short} is missing (shallow clone)",
                    UNSHALLOW_HINT,
                )
        return commits

    def diff(self, a: str, b: str) -> list[RawChange]:
        """Raw changes from commit a to commit b (one process, whatever their distance)."""
        try:
            out = self._git(
                "diff-tree", "-r", "-z", "--raw", "--no-renames", "--no-abbrev", a, b, binary=True
            )
        except _GitFailed as exc:
            raise AuditError(f"cannot compare {a[:7]} and {b[:7]}: {exc}") from None
        return parse_raw(out)

    def renames(self, a: str, b: str, paths: list[str], similarity: int) -> list[tuple[str, str]]:
        """(old path, new path) of each file among `paths` that git takes for renamed
        from commit a to commit b, its content at least `similarity` percent alike.
        Limited to those paths: git pairs only the deletions and additions it is shown."""
        try:
            out = self._git(
                "diff-tree",
                "-r",
                "-z",
                "--raw",
                "--no-abbrev",
                f"--find-renames={similarity}%",
                a,
                b,
                "--",
                *(f":(literal){p}" for p in paths),
                binary=True,
            )
        except _GitFailed as exc:
            raise AuditError(f"cannot compare {a[:7]} and {b[:7]}: {exc}") from None
        tokens = iter(out.decode("utf-8", "surrogateescape").split("\x00"))
        found = []
        for token in tokens:
            meta = token.lstrip("\n")
            if not meta.startswith(":"):
                continue
            if meta.rsplit(" ", 1)[-1].startswith("R"):  # R<score>: two paths follow
                found.append((next(tokens, ""), next(tokens, "")))
            else:
                next(tokens, "")
        return found

    # -- objects -----------------------------------------------------------

    def _tree(
        self, commit_sha: str, *paths: str, recursive: bool = False
    ) -> Iterator[tuple[str, str, str, str]]:
        """(mode, type, id, path) of each entry of the commit's tree (under `paths`,
        or all of it `recursive`ly): one `git ls-tree`."""
        args = ["ls-tree", "-z", "--full-tree", *(["-r"] if recursive else []), commit_sha]
        try:
            out = self._git(*args, "--", *(f":(literal){p}" for p in paths), binary=True)
        except _GitFailed:
            raise _missing(commit_sha, "commit") from None
        for line in out.decode("utf-8", "surrogateescape").split("\0"):
            meta, _tab, path = line.partition("\t")
            parts = meta.split(" ")
            if len(parts) == 3:
                yield parts[0], parts[1], parts[2], path

    def lookup(self, commit_sha: str, path: str) -> FileEntry | None:
        """The entry at `path` in the commit's tree, or None if absent (or a directory)."""
        for mode, kind, sha, found in self._tree(commit_sha, path):
            if found == path and kind == "blob":
                return FileEntry(mode, sha)
        return None

    def blobs_at(self, commit: str, paths: list[str]) -> dict[str, str]:
        """Blob id of each of `paths` that exists at `commit` (none if it is missing)."""
        if not paths:
            return {}
        try:
            return {
                path: sha
                for _mode, kind, sha, path in self._tree(commit, *paths, recursive=True)
                if kind == "blob"
            }
        except AuditError:
            return {}

    def list_files(
        self, commit_sha: str, patterns: list[str], skip: tuple[str, ...] = ()
    ) -> dict[str, FileEntry]:
        """Blobs under the commit's tree that could match any of the globs, by path:
        those in directories a pattern can reach, so a catalogue's unrelated `src/` is
        left out, as are directories a `skip` glob ending in `/**` takes whole
        (`[layout] exclude`)."""
        prefixes = [literal_prefix(p) for p in patterns]
        depths = [None if "**" in p else p.count("/") for p in patterns]
        pruned = [g[:-3] for g in skip if g.endswith("/**")]
        named = [p for p, pre in zip(patterns, prefixes, strict=True) if p == pre]

        @cache
        def wanted_dir(d: str) -> bool:
            """Whether the walk reaches directory `d`: its parent is reached, and a
            pattern can match inside it."""
            parent, _slash, _name = d.rpartition("/")
            if parent and not wanted_dir(parent):
                return False
            dd = d + "/"
            if pruned and match_any(pruned, d) and not any(p.startswith(dd) for p in named):
                return False  # excluded whole, and no file named outright lies inside
            depth = dd.count("/")
            for pre, maxd in zip(prefixes, depths, strict=True):
                if pre.startswith(dd) or (dd.startswith(pre) and (maxd is None or depth <= maxd)):
                    return True
            return False

        return {
            path: FileEntry(mode, sha)
            for mode, kind, sha, path in self._tree(commit_sha, recursive=True)
            if kind == "blob" and ("/" not in path or wanted_dir(path.rpartition("/")[0]))
        }

    def read_blob(self, sha: str, limit: int | None = None) -> bytes:
        """The blob's bytes; over `limit` bytes it is refused unread (BlobTooLarge: one
        round trip, the size comes with the stream header; what a file too large is to
        an audit is the reader's to say)."""
        try:
            return self._cat.read(sha, limit)
        except NotAsStored:
            raise AuditError(
                f"git blob {sha[:12]} does not hash to its id: git read something else for it",
                "hint: run `git fsck`; auditui reads objects as stored, never through replacements",
            ) from None
        except BlobMissing:
            raise _missing(sha, "blob") from None

    def files_holding(
        self, revs: list[str], texts: tuple[str, ...], folder: str
    ) -> dict[str, set[str]]:
        """Per commit of `revs` (full ids), the files under `folder` whose content holds
        one of `texts`: `git grep` searches them inside git, no blob crosses a pipe
        (binary files too: a NUL must not hide a file)."""
        spec = f":(top,literal){folder.rstrip('/')}/"
        patterns = [arg for text in texts for arg in ("-e", text)]
        args = ["grep", "-l", "-z", "-a", "-F", "--no-color", "--no-textconv", *patterns]
        status, out, err = self._repo.git.execute(
            ["git", *_CONFIG, *args, *revs, "--", spec],
            stdout_as_string=False,
            with_extended_output=True,
            with_exceptions=False,
        )
        if isinstance(err, bytes):
            err = err.decode("utf-8", "replace")
        if status not in (0, 1):  # 1: nothing found (git may still say a hint)
            lines = err.strip().splitlines()
            raise AuditError(
                f"cannot search the records in {self.root}: {lines[-1] if lines else 'git grep'}",
                "hint: run `git fsck` to check the repository",
            )
        found: dict[str, set[str]] = {rev: set() for rev in revs}
        for item in out.split(b"\0"):
            rev, _, path = item.decode("utf-8", "surrogateescape").partition(":")
            if rev in found:
                found[rev].add(path)
        return found

    def worktree_files(self) -> list[str]:
        """Files of the working tree git knows or would add (tracked, and untracked but
        not ignored): what `auditui init` looks at, before any commit too."""
        try:
            out = self._git("ls-files", "-z", "-c", "-o", "--exclude-standard", binary=True)
        except _GitFailed:
            return []
        names = out.decode("utf-8", "surrogateescape").split("\x00")
        return sorted({n for n in names if n})

    def config_value(self, key: str) -> str | None:
        try:
            out = self._git("config", "--get", key)
        except _GitFailed:
            return None
        return out.strip() or None


class _GitFailed(Exception):
    pass


def _log_options(raw: bool) -> list[str]:
    """How every `git log` auditui parses is asked (git/log.py reads it): NUL-separated,
    ids whole, a rename as a deletion and an addition, each commit's raw diff against
    its first parent (or none)."""
    diffs = ["--raw", "--diff-merges=first-parent"] if raw else ["--no-patch"]
    return [*diffs, "-z", "--no-renames", "--no-abbrev", "--no-color", f"--format={LOG_FORMAT}"]


def _missing(sha: str, kind: str) -> AuditError:
    return AuditError(
        f"git {kind} {sha[:12]} is missing from the repository (partial or damaged clone)",
        "hint: fetch the missing objects (`git fetch --refetch`) or clone without --filter",
    )
