"""Soak is measured along the history of the commit that raises a stage (security
review, item 1): merging a genuinely old branch in the same push cannot move the start
of the current stage back by weeks."""

from __future__ import annotations

import datetime as dt

from auditui.core.evidence.records import append_entries
from tests.helpers.repo import (
    DEFAULT_POLICY,
    RepoBuilder,
    audit,
    bare_remote,
    install_hook,
    push,
)

POLICY = DEFAULT_POLICY + "\n[rollout]\nstages = [1, 10, 50, 100]\nsoak_hours = 24\n"
T0 = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)


def model(percent: int) -> str:
    return f"rollout = {{ percent = {percent} }}\n"


def history(tmp_path) -> tuple[RepoBuilder, str]:
    """Stage 10 set an hour before it is raised to 50, with an old branch (forked at
    adoption, weeks earlier) merged in between. Returns the repo and the range base."""
    r = RepoBuilder(tmp_path / "r", POLICY)
    r.start({"models/a.toml": model(1)})
    adopted = r.head()
    r.commit("stage 10", {"models/a.toml": model(10)}, date=T0 + dt.timedelta(days=20))
    base = r.head()
    r.git("checkout", "-q", "-b", "old", adopted)
    r.commit("an old docs edit", {"README.md": "old\n"}, date=T0 + dt.timedelta(hours=1))
    r.git("checkout", "-q", "main")
    stamp = (T0 + dt.timedelta(days=20, minutes=30)).isoformat()
    r.git(
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "merge an old branch",
        "old",
        env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp},
    )
    r.commit("stage 50", {"models/a.toml": model(50)}, date=T0 + dt.timedelta(days=20, hours=1))
    return r, base


def clear_everything_but_rollout(r: RepoBuilder, base: str) -> None:
    for change in audit(r, base).changes:
        append_entries(
            r.path,
            change.record_file,
            change.fingerprint,
            evals=[{"model": "a", "suite": "coding", "baseline": 1.0, "candidate": 1.0}],
            approvals=[
                {"by": "bob@example.com", "verdict": "approve", "at": "2026-04-01T00:00:00Z"}
            ],
        )
    r.commit("records", author="bob", date=T0 + dt.timedelta(days=20, hours=2))


def test_a_merged_old_branch_does_not_shorten_the_soak_in_check(tmp_path):
    r, base = history(tmp_path)
    clear_everything_but_rollout(r, base)
    (change,) = audit(r, base).changes
    assert change.commit.subject == "stage 50"
    assert change.rules == ["AUD010"]
    assert "stage 10 was held 1.0 h before 50; soak_hours is 24" in change.findings[0].message


def test_a_merged_old_branch_does_not_shorten_the_soak_in_the_hook(tmp_path):
    r, base = history(tmp_path)
    clear_everything_but_rollout(r, base)
    r.git("checkout", "-q", "-b", "pushed")
    r.git("branch", "-f", "main", base)  # the remote has main at the stage-10 commit
    r.git("checkout", "-q", "main")
    bare_remote(r, tmp_path)
    r.git("checkout", "-q", "pushed")
    install_hook(r)
    result = push(r, "origin", "pushed:main")
    assert result.returncode != 0
    assert "AUD010" in result.stderr and "held 1.0 h" in result.stderr


def test_a_stage_set_on_a_merged_branch_is_in_force_from_the_merge(tmp_path):
    r = RepoBuilder(tmp_path / "r", POLICY)
    r.start({"models/a.toml": model(1)})
    base = r.head()
    r.git("checkout", "-q", "-b", "side")
    r.commit("stage 10 on a branch", {"models/a.toml": model(10)}, date=T0 - dt.timedelta(days=9))
    r.git("checkout", "-q", "main")
    stamp = (T0 + dt.timedelta(days=5)).isoformat()
    r.git(
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "merge the side branch",
        "side",
        env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp},
    )
    r.commit("stage 50", {"models/a.toml": model(50)}, date=T0 + dt.timedelta(days=5, hours=2))
    clear_everything_but_rollout(r, base)
    changes = {c.commit.subject: c for c in audit(r, base).changes}
    # On main, stage 10 is in force from the merge (2 h before), not from the branch.
    assert "held 2.0 h" in changes["stage 50"].findings[0].message
