"""git's push protocols: what a push moves, and judging each move.

On the pusher's side git runs `pre-push REMOTE URL` with one line per pushed ref on
stdin: `<local ref> <local sha> <remote ref> <remote sha>`. On the server git runs
`pre-receive` with `<old sha> <new sha> <ref>` lines, the pushed objects still in
quarantine (git's environment makes them readable). Both are judged by the same rules
(docs/policy.md, `[push]`), each from what it knows of the destination:

- What a server deploys is the tip of a **protected** ref, so an update of one judges
  every commit the ref newly reaches (`NEW ^OLD`), even commits the server already has
  on another ref, by the policy at its old tip; it may only move forward.
- A new ref is judged by the policy at the destination's HEAD, never at an older fork
  point the pusher chose.
- Other refs are judged as before: the commits the destination has on no ref.
- A ref may only name a commit, and `refs/replace/*` is never pushed: auditui reads
  objects as stored, and so must whoever deploys.

One `git log` per ref, never one per commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from auditui.core.audit.context import AuditContext, load_policy, pinned
from auditui.core.audit.report import Change, Report
from auditui.core.audit.run import audit
from auditui.core.audit.step_deltas import state_deltas
from auditui.core.base.errors import AuditError
from auditui.core.git.log import ZERO_SHA
from auditui.core.git.repo import GitRepo
from auditui.core.policy.model import POLICY_FILE, Policy

REWIND = "may only move forward; revert with a new commit"


@dataclass(frozen=True)
class PushedRef:
    local_ref: str
    local_sha: str
    remote_ref: str
    remote_sha: str

    @property
    def is_deletion(self) -> bool:
        return self.local_sha == ZERO_SHA

    @property
    def is_new(self) -> bool:
        return self.remote_sha == ZERO_SHA


@dataclass
class RefVerdict:
    """One ref's move: refused outright, or the report of the commits it publishes.
    An ungated ref (`gate = "protected"`, a ref that is not protected) only warns."""

    ref: PushedRef
    report: Report | None = None
    refused: str | None = None
    gated: bool = True


@dataclass
class PushVerdict:
    """Every ref's verdict; a change pushed under two refs is judged once, blocked if
    any ref it gates blocks it."""

    refs: list[RefVerdict] = field(default_factory=list)

    @property
    def reports(self) -> list[tuple[PushedRef, Report]]:
        return [(v.ref, v.report) for v in self.refs if v.report is not None]

    @property
    def refused(self) -> list[RefVerdict]:
        return [v for v in self.refs if v.refused]

    def _changes(self, gated: bool) -> list[Change]:
        seen: dict[str, Change] = {}
        for v in self.refs:
            if v.report is None or v.gated != gated:
                continue
            for change in v.report.changes:
                # Each ref reads records from its own head: a change blocked under
                # any ref it is pushed with is blocked.
                known = seen.get(change.commit.sha)
                if known is None or (change.status == "blocked" and known.status != "blocked"):
                    seen[change.commit.sha] = change
        return list(seen.values())

    @property
    def changes(self) -> list[Change]:
        """The changes of gated refs: those that decide the push."""
        return self._changes(gated=True)

    @property
    def blocked(self) -> list[Change]:
        return [c for c in self.changes if c.status == "blocked"]

    @property
    def warnings(self) -> list[Change]:
        """Changes blocked only under ungated refs and let through (gate = "protected")."""
        gated = {c.commit.sha for c in self.blocked}
        return [
            c
            for c in self._changes(gated=False)
            if c.status == "blocked" and c.commit.sha not in gated
        ]

    @property
    def ok(self) -> bool:
        return not self.refused and not self.blocked


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
    """Where a push lands: a named remote seen from the pusher (its tracking refs say
    what it has), a URL (nothing known), or this very repository receiving the push on
    the server (its refs say what it has)."""

    remote: str | None = None
    server: bool = False

    @property
    def label(self) -> str:
        return f" to {self.remote}" if self.remote else ""

    def known(self, repo: GitRepo) -> Known:
        if self.server:
            return ServerRefs(repo)
        if self.remote and repo.has_remote_refs(self.remote):
            return TrackingRefs(repo, self.remote)
        return Known()


class Known:
    """What is known of the destination (nothing, for a URL): its refs (names there ->
    commits), the branch its HEAD names, and the rev arguments standing for everything
    it has. Read when first asked: most pushes move one ref forward and need little."""

    everything: tuple[str, ...] = ()

    @cached_property
    def refs(self) -> dict[str, str]:
        return {}

    @cached_property
    def head_branch(self) -> str | None:
        return None

    @property
    def head_tip(self) -> str | None:
        return self.refs.get(self.head_branch) if self.head_branch else None


class ServerRefs(Known):
    """The server's own refs, as they stand before the push."""

    everything = ("--all",)

    def __init__(self, repo: GitRepo) -> None:
        self.repo = repo

    @cached_property
    def refs(self) -> dict[str, str]:
        return self.repo.refs().commits

    @cached_property
    def head_branch(self) -> str | None:
        return self.repo.head_ref()


class TrackingRefs(Known):
    """A named remote's branches as its tracking refs knew them at the last fetch (by
    their names there, refs/heads/...); its HEAD branch from refs/remotes/<name>/HEAD."""

    def __init__(self, repo: GitRepo, remote: str) -> None:
        self.prefix = f"refs/remotes/{remote}/"
        self.everything = (f"--remotes={remote}",)
        self._refs = repo.refs(self.prefix)

    @cached_property
    def refs(self) -> dict[str, str]:
        commits, symbolic = self._refs
        return {
            f"refs/heads/{r.removeprefix(self.prefix)}": sha
            for r, sha in commits.items()
            if r not in symbolic
        }

    @cached_property
    def head_branch(self) -> str | None:
        head = self._refs.symbolic.get(f"{self.prefix}HEAD")
        return f"refs/heads/{head.removeprefix(self.prefix)}" if head else None


def judge_push(
    repo: GitRepo,
    dest: Destination,
    refs: list[PushedRef],
    policy_file: str | None = None,
    signers_file: str | None = None,
) -> PushVerdict:
    policy_file, signers_file = pinned(repo, policy_file, signers_file)
    known = dest.known(repo)
    verdict = PushVerdict()
    for ref in refs:
        verdict.refs.append(_judge_ref(repo, known, ref, policy_file, signers_file))
    return verdict


def _judge_ref(
    repo: GitRepo, known: Known, ref: PushedRef, policy_file: str | None, signers_file: str | None
) -> RefVerdict:
    name = ref.remote_ref
    if name.startswith("refs/replace/") and not ref.is_deletion:
        return RefVerdict(
            ref,
            refused=f"{name}: a replace ref makes git show one object as "
            "another; auditui reads objects as stored and refuses them",
        )
    new = None if ref.is_deletion else _new_commit(repo, ref)
    if not ref.is_deletion and new is None:
        kind = repo.object_type(ref.local_sha)
        return RefVerdict(
            ref, refused=f"{name} would name a {kind}, not a commit: only history can be audited"
        )
    old = None if ref.is_new else repo.peel_commit(ref.remote_sha)
    found = _policy(repo, (old, lambda: known.head_tip), new, policy_file)
    if found is None:
        return RefVerdict(ref)  # a deletion where no policy is in force: nothing to judge
    policy, source, policy_at = found
    protected = policy.push.protects(name, known.head_branch)
    if new is None:  # a deletion
        if protected and not policy.push.allow_rewind:
            return RefVerdict(ref, refused=f"{name} {REWIND} (deleting it is refused)")
        return RefVerdict(ref)
    if protected and old is not None and _rewinds(repo, policy, old, new):
        return RefVerdict(ref, refused=f"{name} {REWIND}")
    base, exclude = _range(repo, known, ref, new, old, policy)
    commits = repo.walk(new, base, exclude)
    if not commits:
        return RefVerdict(ref)
    ctx = AuditContext(
        repo,
        new,
        base,
        policy,
        source,
        exclude=exclude,
        commits=commits,
        signers_file=signers_file,
        anchors=False,
        policy_at=policy_at,
    )
    gated = protected or policy.push.gate == "all"
    return RefVerdict(ref, audit(ctx), gated=gated)


def _rewinds(repo: GitRepo, policy: Policy, old: str, new: str) -> bool:
    """Whether moving a protected ref from `old` to `new` is a refused rewind: not a
    fast-forward, not allowed by the policy, and changing what the ref deploys (an
    effective config, the policy or the signers file)."""
    if policy.push.allow_rewind or repo.is_ancestor(old, new):
        return False
    return bool(state_deltas(repo, policy, old, new))


def _new_commit(repo: GitRepo, ref: PushedRef) -> str | None:
    """The commit a pushed ref will name (annotated tags peeled), None for a tree or blob."""
    new = repo.peel_commit(ref.local_sha)
    if new is None and repo.object_type(ref.local_sha) is None:
        raise AuditError(
            f"pushed object {ref.local_sha[:12]} ({ref.local_ref}) is not in this repository",
            "hint: run the hook from the repository being pushed (git does this)",
        )
    return new


def _policy(
    repo: GitRepo,
    candidates: tuple[str | None, Callable[[], str | None]],
    head: str | None,
    policy_file: str | None,
) -> tuple[Policy, str, str | None] | None:
    """The policy judging a ref's move, where it was read, and the commit it was read
    at: a pinned one, else the first of `candidates` (the ref's old tip, the
    destination's HEAD) holding one, else the pushed head's (the report says so); None
    when there is none at all (a deletion)."""
    if policy_file is not None:
        policy, source = load_policy(repo, None, head or "", policy_file)
        return policy, source, None
    for candidate in candidates:
        sha = candidate() if callable(candidate) else candidate
        if sha is not None and repo.lookup(sha, POLICY_FILE) is not None:
            policy, source = load_policy(repo, sha, head or sha)
            return policy, source, sha
    if head is None:
        return None
    policy, source = load_policy(repo, None, head)
    return policy, source, None


def _range(
    repo: GitRepo, known: Known, ref: PushedRef, new: str, old: str | None, policy: Policy
) -> tuple[str | None, tuple[str, ...]]:
    """The commits a ref's move publishes, as a base and rev arguments to leave out.

    A protected ref: what it newly reaches, `NEW ^OLD`; a new one, what no other
    protected ref of the destination reaches (those were judged as they moved). Another
    ref: what the destination has on no ref. The base also names the range in the
    hook's `inspect:` line."""
    if policy.push.protects(ref.remote_ref, known.head_branch):
        if old is not None:
            return old, ()
        if not ref.is_new:  # the old tip is not here: the pusher has not fetched it
            return None, known.everything
        others = {
            sha
            for r, sha in known.refs.items()
            if r != ref.remote_ref and policy.push.protects(r, known.head_branch)
        }
        return None, tuple(sorted(others))
    exclude = list(known.everything)
    if old is not None:
        exclude.append(old)  # what the ref names now (a force push included)
        return old, tuple(exclude)
    tip = known.head_tip
    return (repo.merge_base(new, tip) if tip else None), tuple(exclude)
