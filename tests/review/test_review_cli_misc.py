"""Review: smaller CLI contract problems (exit 2 must be one clear line, never an
'internal error'; an unknown revision must not pass silently)."""

from __future__ import annotations

import io

from auditui.cli import main
from tests.helpers.repo import RepoBuilder


def _started(repo: RepoBuilder) -> str:
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    return repo.commit("raise a", {"models/a.toml": "max_tokens = 20\n"})


def test_check_output_to_a_directory_is_a_clear_error(repo, capsys, tmp_path):
    _started(repo)
    out_dir = tmp_path / "reports"
    out_dir.mkdir()
    code = main(["check", "--repo", str(repo.path), "--output", str(out_dir)])
    err = capsys.readouterr().err
    assert code == 2
    assert "internal error" not in err, err


def test_demo_into_a_file_is_a_clear_error(capsys, tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    code = main(["demo", "--check", "--into", str(target)])
    err = capsys.readouterr().err
    assert code == 2
    assert "internal error" not in err, err


def test_pre_push_with_unknown_local_sha_cannot_judge(repo, capsys, monkeypatch):
    _started(repo)
    line = f"refs/heads/main {'de' * 20} refs/heads/main {'0' * 40}\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(line))
    assert main(["hook", "pre-push", "origin", "url", "--repo", str(repo.path)]) == 2


def test_pre_commit_mode_with_unknown_to_ref_cannot_judge(repo, capsys, monkeypatch):
    _started(repo)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", "no-such-ref")
    assert main(["hook", "pre-commit", "--repo", str(repo.path)]) == 2


def test_uninstall_after_hook_removed_by_hand_restores_the_chained_hook(repo, capsys):
    repo.start({"models/a.toml": "x = 1\n"})
    hooks = repo.path / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    mine = hooks / "pre-push"
    mine.write_text("#!/bin/sh\necho mine\n")
    mine.chmod(0o755)
    assert main(["install-hook", "--repo", str(repo.path)]) == 0
    capsys.readouterr()
    mine.unlink()  # the user removes auditui's hook by hand
    assert main(["install-hook", "--repo", str(repo.path), "--uninstall"]) == 0
    # Correct: the user's own hook is back where git runs it (or the command says where it is).
    out = capsys.readouterr().out
    assert mine.exists() or "pre-push.auditui-chained" in out, out


def test_init_from_a_subdirectory_writes_at_the_repository_root(repo, capsys, monkeypatch):
    repo.start({"models/a.toml": "x = 1\n"})
    repo.git("rm", "-q", ".auditui.toml")
    monkeypatch.chdir(repo.path / "models")
    assert main(["init"]) == 0
    assert (repo.path / ".auditui.toml").exists()
    assert not (repo.path / "models" / ".auditui.toml").exists()
