"""git's push protocols: which commits a push publishes, and judging them.

On the pusher's side git runs `pre-push REMOTE URL` with one line per pushed ref on
stdin: `<local ref> <local sha> <remote ref> <remote sha>`; we audit only commits not
yet on that remote (reachable from the pushed sha and from no `refs/remotes/<remote>/*`
ref, nor from the remote's current sha). On the server git runs `pre-receive` with
`<old sha> <new sha> <ref>` lines, the pushed objects still in quarantine (git's
environment makes them readable); we audit the commits reachable from no ref the server
has. Either way: one `git log` per ref, never one per commit, and the same verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditui.core.audit import AuditContext, Change, Report, audit, load_policy
from auditui.core.errors import AuditError
from auditui.core.gitrepo import ZERO_SHA, GitRepo


@dataclass(frozen=True)
class PushedRef:
    local_ref: str
    local_sha: str
    remote_ref: str
    remote_sha: str

    @property
    def is_deletion(self) -> bool:
        return self.local_sha == ZERO_SHA


@dataclass
class PushVerdict:
    """Every ref's report; a change pushed under two refs is judged once."""

    reports: list[tuple[PushedRef, Report]] = field(default_factory=list)

    @property
    def changes(self) -> list[Change]:
        seen: dict[str, Change] = {}
        for _ref, report in self.reports:
            for change in report.changes:
                # Each ref reads records from its own head: a change blocked under
                # any ref it is pushed with is blocked.
                known = seen.get(change.commit.sha)
                if known is None or (change.status == "blocked" and known.status != "blocked"):
                    seen[change.commit.sha] = change
        return list(seen.values())

    @property
    def blocked(self) -> list[Change]:
        return [c for c in self.changes if c.status == "blocked"]


def parse_push_lines(text: str) -> list[PushedRef]:
    refs = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 4:
            raise AuditError(
                f"pre-push input line {n} is not '<local ref> <local sha> <remote ref> "
                f"<remote sha>': {line[:80]!r}",
                "hint: git runs `auditui hook pre-push` itself (see `auditui install-hook`)",
            )
        refs.append(PushedRef(*parts))
    return refs


def parse_receive_lines(text: str) -> list[PushedRef]:
    """pre-receive's `<old> <new> <ref>` lines, as the refs a push updates."""
    refs = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 3:
            raise AuditError(
                f"pre-receive input line {n} is not '<old sha> <new sha> <ref>': {line[:80]!r}",
                "hint: git runs `auditui hook pre-receive` itself, on the server",
            )
        old, new, ref = parts
        refs.append(PushedRef(ref, new, ref, old))
    return refs


@dataclass(frozen=True)
class Destination:
    """Where a push lands, as judging it needs to know: a named remote seen from the
    pusher (its tracking refs say what it has), a URL (nothing known), or this very
    repository receiving the push on the server (its refs say what it has)."""

    remote: str | None = None
    server: bool = False

    @property
    def label(self) -> str:
        return f" to {self.remote}" if self.remote else ""


def _remote_excludes(repo: GitRepo, dest: Destination, ref: PushedRef) -> tuple[str, ...]:
    exclude: list[str] = []
    if dest.server:
        exclude.append("--all")  # every ref the server has (pushed refs are not updated yet)
    elif dest.remote and repo.has_remote_refs(dest.remote):
        exclude.append(f"--remotes={dest.remote}")
    if ref.remote_sha != ZERO_SHA and repo.has_commit(ref.remote_sha):
        exclude.append(ref.remote_sha)  # what the remote has now (a force push included)
    return tuple(exclude)


def _push_base(
    repo: GitRepo, dest: Destination, ref: PushedRef, head: str, commits: list
) -> str | None:
    """The commit whose policy judges the push: where it meets what the remote has
    (the ref's current sha, else the remote's default branch), so the pusher cannot
    choose an older, weaker policy by forking early and merging back."""
    candidates = []
    if ref.remote_sha != ZERO_SHA and repo.has_commit(ref.remote_sha):
        candidates.append(ref.remote_sha)
    if dest.server:
        candidates.append("HEAD")  # the server's default branch: what a new ref forks from
    elif dest.remote:
        branch = ref.remote_ref.removeprefix("refs/heads/")
        candidates += [f"refs/remotes/{dest.remote}/{branch}", f"refs/remotes/{dest.remote}/HEAD"]
    for rev in candidates:
        tip = repo.peel_commit(rev)
        base = repo.merge_base(head, tip) if tip else None
        if base:
            return base
    first = commits[0]  # nothing shared with the remote that we know of
    return first.parents[0] if first.parents else None


def judge_push(
    repo: GitRepo, dest: Destination, refs: list[PushedRef], policy_file: str | None = None,
    signers_file: str | None = None,
) -> PushVerdict:  # fmt: skip
    from auditui.core.audit import pinned

    policy_file, signers_file = pinned(repo, policy_file, signers_file)
    verdict = PushVerdict()
    for ref in refs:
        if ref.is_deletion:
            continue
        head = repo.peel_commit(ref.local_sha)
        if head is None:
            if repo.object_type(ref.local_sha) is None:
                raise AuditError(
                    f"pushed object {ref.local_sha[:12]} ({ref.local_ref}) is not in this "
                    "repository",
                    "hint: run the hook from the repository being pushed (git does this)",
                )
            continue  # a tag of a tree or blob: no history to audit
        commits = repo.walk(head, None, _remote_excludes(repo, dest, ref))
        if not commits:
            continue
        base = _push_base(repo, dest, ref, head, commits)
        policy, source = load_policy(repo, base, head, policy_file)
        ctx = AuditContext(repo, head, base, policy, source, commits=commits,
                           signers_file=signers_file, anchors=False)  # fmt: skip
        verdict.reports.append((ref, audit(ctx)))
    return verdict
