"""Rollout stages and soak (AUD010) on real histories with controlled committer dates."""

from __future__ import annotations

import datetime as dt

from auditui.core.evidence.records import append_entries
from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit

POLICY = DEFAULT_POLICY + "\n[rollout]\nstages = [1, 10, 50, 100]\nsoak_hours = 24\n"
T0 = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)


def model(percent: float) -> str:
    return f"rollout = {{ percent = {percent} }}\n"


def cleared(repo: RepoBuilder, change) -> None:
    """A record that passes every other rule, so only AUD010 can block."""
    append_entries(
        repo.path,
        change.record_file,
        change.fingerprint,
        evals=[
            {"model": m, "suite": "coding", "baseline": 5.0, "candidate": 5.0}
            for m in change.models
        ],
        approvals=[{"by": "bob@example.com", "verdict": "approve", "at": "2026-04-01T00:00:00Z"}],
    )


def rollout_rules(repo, base):
    report = audit(repo, base)
    for change in report.changes:
        cleared(repo, change)
    repo.commit("records", author="bob", date=T0 + dt.timedelta(days=30))
    return [
        [f.message for f in c.findings if f.rule == "AUD010"] for c in audit(repo, base).changes
    ]


def test_stage_by_stage_with_soak_passes_and_skips_are_blocked(tmp_path):
    repo = RepoBuilder(tmp_path / "r", POLICY)
    repo.start(
        {"models/a.toml": model(1), "models/b.toml": model(1)},
    )
    base = repo.head()
    repo.commit("a to 10", {"models/a.toml": model(10)}, date=T0 + dt.timedelta(days=2))
    repo.commit("a to 50", {"models/a.toml": model(50)}, date=T0 + dt.timedelta(days=4))
    repo.commit("b to 100", {"models/b.toml": model(100)}, date=T0 + dt.timedelta(days=5))
    repo.commit(
        "a back to 10", {"models/a.toml": model(10)}, date=T0 + dt.timedelta(days=5, hours=1)
    )
    a10, a50, b100, rollback = rollout_rules(repo, base)
    assert a10 == [] and a50 == [] and rollback == []
    assert b100 == ["b: rollout 1 -> 100 skips stage 10, 50"]


def test_soak_too_short_and_measured_from_before_the_range(tmp_path):
    repo = RepoBuilder(tmp_path / "r", POLICY)
    repo.start({"models/a.toml": model(1)})
    repo.commit("a to 10", {"models/a.toml": model(10)}, date=T0)
    base = repo.head()  # the 10% stage began before the audited range
    repo.commit("unrelated", {"README.md": "x\n"}, date=T0 + dt.timedelta(hours=2))
    repo.commit("a to 50", {"models/a.toml": model(50)}, date=T0 + dt.timedelta(hours=6))
    (too_soon,) = rollout_rules(repo, base)
    assert too_soon == ["a: stage 10 was held 6.0 h before 50; soak_hours is 24"]


def test_first_value_and_values_off_the_ladder(tmp_path):
    repo = RepoBuilder(tmp_path / "r", POLICY)
    repo.start({"models/a.toml": model(1)})
    base = repo.head()
    repo.commit("new model at 50", {"models/n.toml": model(50)}, date=T0)
    repo.commit("a to 7", {"models/a.toml": model(7)}, date=T0 + dt.timedelta(days=3))
    new_model, off_ladder = rollout_rules(repo, base)
    assert new_model == ["n: a rollout starts at 1, not 50"]
    assert off_ladder == ["a: rollout 7 is not a stage (1, 10, 50, 100)"]


def test_a_renamed_model_keeps_its_stage_and_when_it_began(tmp_path):
    """SPEC 13: renamed, a model is the one it was. Its stage began before the rename
    (inside the range, and below it), so raising it after the rename is judged by that
    start: not a rollout starting at 10, not a stage held an unknown time."""
    long = model(10) + "".join(f"k{i} = {i}\n" for i in range(12))
    for below in (False, True):
        repo = RepoBuilder(tmp_path / str(below), POLICY)
        repo.start({"models/a.toml": long.replace("10", "1", 1)})
        base = repo.head()
        repo.commit("a to 10", {"models/a.toml": long}, date=T0)
        if below:
            base = repo.head()
        repo.commit(
            "rename",
            {"models/a.toml": None, "models/b.toml": long},
            date=T0 + dt.timedelta(hours=30),
        )
        repo.commit(
            "b to 50",
            {"models/b.toml": long.replace("10", "50", 1)},
            date=T0 + dt.timedelta(hours=31),
        )
        *_, rename, raised = rollout_rules(repo, base)
        assert rename == [] and raised == [], below
