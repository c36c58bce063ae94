"""What a run is about, resolved before it walks: the repository, the range, and the
policy in force (and where each was read)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from auditui.core.base.errors import AuditError
from auditui.core.git.log import CommitInfo
from auditui.core.git.repo import GitRepo
from auditui.core.policy.model import POLICY_FILE, Policy
from auditui.core.policy.parse import parse_policy


@dataclass
class AuditContext:
    """Everything resolved before the walk: which repo, range and policy."""

    repo: GitRepo
    head: str
    base: str | None
    policy: Policy
    policy_source: str
    exclude: tuple[str, ...] = ()  # more rev arguments to leave out (`--remotes=origin`)
    commits: list[CommitInfo] | None = None  # the walk, when a caller already did it
    upstream: str | None = None  # the upstream the base was taken from, when it was
    signers_file: str | None = None  # a trusted allowed-signers file, pinned outside the repo
    anchors: bool = True  # where each change lands (file, line): only SARIF/JUnit/GitHub need it
    store: bool = True  # keep each commit's deltas in the per-commit store (see changecache)
    # Where the policy (and the keys that verify signatures) was read, when not at the
    # base: a push to a new ref is judged at the destination's HEAD (docs/policy.md).
    policy_at: str | None = None


@dataclass(frozen=True)
class Source:
    """What a command names, before it is resolved: a repository, a range, a policy
    (the app keeps it to read the history again on `r`)."""

    repo_path: str | Path = "."
    base: str | None = None
    head: str = "HEAD"
    policy_file: str | None = None
    default_base: bool = True
    signers_file: str | None = None

    def context(self) -> AuditContext:
        return resolve_context(
            self.repo_path,
            self.base,
            self.head,
            self.policy_file,
            self.default_base,
            self.signers_file,
        )

    def whole_history(self) -> AuditContext:
        """Every commit up to the head, judged by the same policy: what was in force
        at any date."""
        return replace(self, base=None, default_base=False).context()


def resolve_context(
    repo_path: str | Path = ".",
    base: str | None = None,
    head: str = "HEAD",
    policy_file: str | Path | None = None,
    default_base: bool = True,
    signers_file: str | None = None,
) -> AuditContext:
    repo = GitRepo.open(repo_path)
    policy_file, signers_file = pinned(repo, policy_file, signers_file)
    head_sha = repo.resolve(head, "head revision")
    upstream = None
    if base:
        base_sha: str | None = repo.resolve(base, "base revision")
    else:
        upstream = repo.upstream() if default_base else None
        base_sha = repo.merge_base(head_sha, upstream) if upstream else None
    policy, source = load_policy(repo, base_sha, head_sha, policy_file)
    return AuditContext(
        repo, head_sha, base_sha, policy, source, upstream=upstream, signers_file=signers_file
    )


def pinned(repo: GitRepo, policy_file, signers_file) -> tuple:
    """The policy and allowed-signers files pinned outside the repository: the options
    given, else `git config auditui.policy` / `auditui.allowedSigners` (a server's or
    CI runner's own settings, which no push can change)."""
    return (
        policy_file or repo.config_value("auditui.policy"),
        signers_file or repo.config_value("auditui.allowedSigners"),
    )


def load_policy(
    repo: GitRepo, base: str | None, head: str, policy_file: str | Path | None = None
) -> tuple[Policy, str]:
    """The policy in force: --policy FILE, else the one at base, else at head
    (docs/policy.md)."""
    if policy_file is not None:
        path = Path(policy_file)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise AuditError(
                f"{path}: cannot read policy file ({exc.strerror})",
                "hint: give --policy the path of a policy file (`auditui init` writes one)",
            ) from None
        return parse_policy(text, str(path)), str(path)
    for where, sha in (("base", base), ("head", head)):
        if sha is None:
            continue
        entry = repo.lookup(sha, POLICY_FILE)
        if entry is not None:
            text = repo.read_blob(entry.sha).decode("utf-8", "replace")
            label = f"{POLICY_FILE} at {where} ({sha[:7]})"
            return parse_policy(text, label), where
    raise AuditError(
        f"no {POLICY_FILE} at {'base or head' if base else 'head'} of {repo.root}",
        "hint: run `auditui init` to write a starter policy, or pass --policy FILE",
    )
