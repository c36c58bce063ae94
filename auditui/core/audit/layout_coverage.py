"""What the layout misses: files a commit changed that look like model configs but no
`[layout]` pattern covers or excludes (docs/reports.md, "Files the layout misses"),
and a layout that matches nothing at all (an error, not a silent pass)."""

from __future__ import annotations

from auditui.core.audit.context import AuditContext
from auditui.core.base.errors import AuditError
from auditui.core.configs.coverage import ConfigLike
from auditui.core.git.log import CommitInfo
from auditui.core.history.tracker import LAYOUT_KINDS, Tracker
from auditui.core.policy.model import POLICY_FILE, Layout


def missed_paths(
    tracker: Tracker, layout: Layout, config_like: ConfigLike, commit: CommitInfo
) -> tuple[str, ...]:
    """The paths `commit` changed that look like model configs (see coverage) and
    that no layout pattern covers or excludes."""
    explicit = (POLICY_FILE, tracker.signers_path, layout.defaults)
    records = layout.records + "/"
    return tuple(
        sorted(
            {
                ch.path
                for ch in commit.changes
                if tracker.kind(ch.path) is None
                and ch.path not in explicit
                and not ch.path.startswith(records)
                and not layout.excluded(ch.path)
                and config_like.looks(ch.path)
            }
        )
    )


def check_layout_seen(
    ctx: AuditContext, tracker: Tracker, commits: list[CommitInfo], saw: bool
) -> None:
    """A walk whose layout matched no file (`saw` false) cannot judge anything."""
    if commits and not saw and not _layout_at_policy(ctx, tracker):
        raise AuditError(
            f"the policy's [layout] matches no model, collection or prompt file in "
            f"{ctx.repo.root} (in the audited range)",
            "hint: run `auditui init` in a fresh checkout to see what it proposes from "
            "the files present, or fix [layout] models / prompts / collection",
        )


def _layout_at_policy(ctx: AuditContext, tracker: Tracker) -> bool:
    """Whether the layout names a config file where the policy was read (a push's
    destination): a pushed history holding none (git notes) then changes nothing,
    while a policy naming nothing anywhere is still an error."""
    at = ctx.policy_at
    if at is None:
        return False
    files = ctx.repo.list_files(at, tracker.patterns(), tracker.layout.exclude)
    kinds = (tracker.kind(p) for p in files)
    return any(k is not None and k[0] in LAYOUT_KINDS for k in kinds)
