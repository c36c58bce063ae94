"""Rollbacks to before the range (docs/policy.md, "Rollbacks"): a change that exactly
inverts the last earlier commit, below the range's base, that touched the same tracked
files. Within the range the revert index (see reverts) knows this for free; below it
the commit is found in git and its deltas read from the Worlds at it and at its parent."""

from __future__ import annotations

from auditui.core.audit.report import Change
from auditui.core.audit.step_deltas import deltas_between
from auditui.core.diff.deltas import Delta
from auditui.core.diff.fingerprint import canonical_json
from auditui.core.git.log import CommitInfo
from auditui.core.git.repo import GitRepo
from auditui.core.history.tracker import Tracker
from auditui.core.history.walker import Walker
from auditui.core.policy.model import POLICY_FILE


class RollbacksBefore:
    """Looks, change by change, for the commit below `base` each one inverts. Asked
    only when rules tell rollbacks apart (`revert = true` or `false`): two git calls
    and two Worlds per change."""

    def __init__(self, repo: GitRepo, tracker: Tracker, base: str, commits: list[CommitInfo]):
        self.repo, self.tracker, self.base = repo, tracker, base
        self.in_range = {c.sha for c in commits}
        self._walker: Walker | None = None  # the Worlds below the range, read as needed

    def before_range(self, change: Change) -> tuple[str | None, bool]:
        """The commit before the range that this change exactly inverts, if the last
        earlier commit touching the same tracked files is one, and whether that makes
        it a rollback (a push rolling back to an audited state; asked only when rules
        tell rollbacks apart): not when that commit was a rollback itself, as undoing
        it redoes the change it rolled back (see RevertIndex.add).

        Its deltas come from the Worlds at it and at its parent, each derived by one
        diff from the first World read (see Walker.world): a catalogue's tree is read
        once per run, not once per change. A merge is no rollback target: its own
        deltas are only what neither parent had (docs/reports.md, "Changes")."""
        if not change.commit.parents or not change.deltas:
            return None, False
        found = self._inverted_before(
            change.commit.sha, change.commit.parents[0], _effect(change.deltas), self.base
        )
        if found is None:
            return None, False
        earlier, (parent, deltas) = found
        redo = self._inverted_before(earlier, parent, _effect(deltas), parent) is not None
        return earlier, not redo

    def _inverted_before(
        self, sha: str, parent: str, effect: set[tuple], since: str | None
    ) -> tuple[str, tuple[str, list[Delta]]] | None:
        """The last commit at or before `since` touching the tracked files that `sha`
        changed, with its parent and deltas, if those are exactly the inverse of
        `effect`. From the range's base, not the change's parent: git then walks none
        of the range, and a commit of the range that touched those files too does not
        hide the one this change inverts."""
        repo, tracker = self.repo, self.tracker
        tracked = (POLICY_FILE, tracker.signers_path)
        paths = sorted(
            {
                ch.path
                for ch in repo.diff(parent, sha)
                if tracker.kind(ch.path) is not None or ch.path in tracked
            }
        )
        earlier = repo.last_touching(since, paths) if paths and since else None
        if earlier is None or earlier in self.in_range:
            return None
        found = self._deltas_of(earlier)
        if found is not None and _inverse(found[1]) == effect:
            return earlier, found
        return None

    def _deltas_of(self, sha: str) -> tuple[str, list[Delta]] | None:
        """A commit's parent and its deltas, from the Worlds at both (None: a root
        commit or a merge)."""
        repo, tracker = self.repo, self.tracker
        parent = repo.peel_commit(f"{sha}^")
        if parent is None or repo.peel_commit(f"{sha}^2") is not None:
            return None
        if self._walker is None:
            self._walker = Walker(tracker, [])
        before, after = self._walker.world(parent), self._walker.world(sha)
        names = sorted(
            n
            for n in set(before.effective) | set(after.effective)
            if (a := before.effective.get(n)) is not (b := after.effective.get(n)) and a != b
        )
        return parent, deltas_between(tracker, before, after, names)


def _effect(deltas: list[Delta]) -> set[tuple]:
    return {(d.model, d.path, canonical_json(d.old), canonical_json(d.new)) for d in deltas}


def _inverse(deltas: list[Delta]) -> set[tuple]:
    return {(m, p, new, old) for m, p, old, new in _effect(deltas)}
