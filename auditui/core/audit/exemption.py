"""Adoption (docs/adoption.md, "3. Commit the policy"): the commits a policy read at
the head exempts, those made before the policy was adopted."""

from __future__ import annotations

from auditui.core.git.log import CommitInfo
from auditui.core.policy.model import POLICY_FILE


def before_adoption(
    commits: list[CommitInfo], head: str, added: set[str] | None = None
) -> set[str]:
    """Commits exempt under the head's policy (docs/adoption.md): the commit on the
    head's first-parent line that first added the policy, and its ancestors. `added`:
    the commits that added it, when the walk has no raw diffs to tell.

    Only ancestry counts: an orphan or pre-adoption branch merged later has no claim
    to the exemption (a policy at the base exempts nothing at all)."""
    by_sha = {c.sha: c for c in commits}
    line = []
    sha: str | None = head
    while sha in by_sha:
        line.append(by_sha[sha])
        parents = by_sha[sha].parents
        sha = parents[0] if parents else None

    def adds_policy(c: CommitInfo) -> bool:
        if added is not None:
            return c.sha in added
        return any(ch.path == POLICY_FILE and ch.old is None and ch.new for ch in c.changes)

    adoption = next((c for c in reversed(line) if adds_policy(c)), None)
    if adoption is None:
        return set()
    exempt: set[str] = set()
    stack = [adoption.sha]
    while stack:
        sha = stack.pop()
        if sha in exempt or sha not in by_sha:
            continue
        exempt.add(sha)
        stack.extend(by_sha[sha].parents)
    return exempt
