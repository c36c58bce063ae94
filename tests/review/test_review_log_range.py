"""Review: `auditui log` defaults to the upstream merge-base like `check`, so in any
clone whose branch is up to date with its upstream the timeline is empty: tracing a
regression (the command's purpose) needs the whole history."""

from __future__ import annotations

from auditui.cli import main
from tests.helpers.repo import RepoBuilder, git


def test_log_in_a_clone_shows_history(tmp_path, capsys):
    repo = RepoBuilder(tmp_path / "origin")
    repo.start({"models/a.toml": 'reasoning = { effort = "high" }\n'})
    repo.commit("lower a", {"models/a.toml": 'reasoning = { effort = "medium" }\n'})
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo.path), str(clone))
    code = main(["log", "--repo", str(clone), "--model", "a"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "lower a" in out
