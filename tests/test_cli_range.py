"""Whole history and adoption that cannot say OK by mistake (SPEC 8): `--all` audits
everything whatever the upstream, an empty default range says why on stderr, and a
policy whose layout matches nothing exits 2 instead of passing."""

from __future__ import annotations

import json

from auditui.cli import main
from tests.helpers.repo import RepoBuilder, bare_remote, git


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def cloned(tmp_path):
    """A repository with history, pushed, and a clone whose main tracks origin/main."""
    origin = RepoBuilder(tmp_path / "origin")
    origin.start({"models/a.toml": "t = 1\n"})
    origin.commit("raise", {"models/a.toml": "t = 2\n"})
    bare_remote(origin, tmp_path)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(tmp_path / "origin.git"), str(clone))
    return clone


def test_at_the_upstream_check_says_why_nothing_was_audited(capsys, tmp_path):
    clone = cloned(tmp_path)
    code, out, err = run(capsys, "check", "--repo", str(clone))
    assert code == 0
    assert "0 changes in 0 commits" in out
    first, hint = err.splitlines()
    assert first.startswith("auditui: nothing to audit:") and "origin/main" in first
    assert hint == "hint: pass --all to audit the whole history (or --base REV)"


def test_all_audits_the_whole_history_whatever_the_upstream(capsys, tmp_path):
    clone = cloned(tmp_path)
    code, out, err = run(capsys, "check", "--repo", str(clone), "--all", "--format", "json")
    assert code == 1 and err == ""
    data = json.loads(out)
    assert data["base"] is None
    assert [c["subject"] for c in data["changes"]] == ["adopt auditui", "raise"]
    assert [c["status"] for c in data["changes"]] == ["exempt", "blocked"]


def test_all_with_base_is_refused(capsys, tmp_path):
    clone = cloned(tmp_path)
    try:
        main(["check", "--repo", str(clone), "--all", "--base", "HEAD~1"])
    except SystemExit as exc:
        assert exc.code == 2
    _, err = capsys.readouterr()
    assert "--all and --base cannot be used together" in err


def test_log_accepts_all(capsys, tmp_path):
    clone = cloned(tmp_path)
    code, out, _ = run(capsys, "log", "--repo", str(clone), "--all", "--model", "a")
    assert code == 0
    assert "a: 2 changes" in out


def test_a_layout_matching_nothing_exits_2_never_ok(capsys, tmp_path):
    r = RepoBuilder(tmp_path / "r")  # the default layout: models/*.toml, prompts/**
    r.start({"config/llm/opus.yaml": "reasoning:\n  effort: high\n"})
    r.commit("downgrade", {"config/llm/opus.yaml": "reasoning:\n  effort: low\n"})
    code, out, err = run(capsys, "check", "--repo", str(r.path), "--all")
    assert code == 2 and out == ""
    first, hint = err.splitlines()
    assert "[layout] matches no model, collection or prompt file" in first
    assert hint.startswith("hint: run `auditui init`")


def test_a_layout_matching_a_file_at_the_base_is_judged(capsys, tmp_path):
    r = RepoBuilder(tmp_path / "r")
    r.start({"models/a.toml": "t = 1\n"})
    base = r.head()
    r.commit("docs only", {"README.md": "hello\n"})
    code, out, _ = run(capsys, "check", "--repo", str(r.path), "--base", base)
    assert code == 0 and "0 changes in 1 commit " in out
