"""The pre-push hook end to end: real `git push` to a real bare repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditui.cli import main
from auditui.core.evidence.records import append_entries
from tests.helpers.repo import RepoBuilder, bare_remote, clear, git, install_hook, push

ZERO = "0" * 40


@pytest.fixture
def pushed(tmp_path) -> tuple[RepoBuilder, Path]:
    """A repo with an adopted policy pushed to a bare remote, hook installed."""
    repo = RepoBuilder(tmp_path / "work")
    repo.start({"models/a.toml": "max_tokens = 10\n", "models/b.toml": "max_tokens = 10\n"})
    remote = bare_remote(repo, tmp_path)
    install_hook(repo)
    return repo, remote


def remote_sha(remote: Path, ref: str = "refs/heads/main") -> str | None:
    out = git(remote, "rev-parse", "--verify", "--quiet", ref, check=False)
    return out or None


def audit_record(repo: RepoBuilder, sha: str, approver: str = "bob@example.com") -> None:
    """Write a passing record for the change `sha` makes, via the CLI's own lookup."""
    from auditui.core.features.target import find_target

    clear(repo, find_target(repo.path, sha).change, approver)


def test_unaudited_change_is_refused_and_remote_does_not_move(pushed):
    repo, remote = pushed
    before = remote_sha(remote)
    sha = repo.commit("raise a", {"models/a.toml": "max_tokens = 20\n"})
    result = push(repo, "origin", "main")
    assert result.returncode != 0
    assert remote_sha(remote) == before
    assert "auditui: push to origin blocked: 1 of 1 config change not cleared" in result.stderr
    assert f"✗ {sha[:7]}  raise a  [AUD001]" in result.stderr
    assert f"inspect: auditui review --base {before[:12]} --head {sha[:12]}" in result.stderr


def test_audited_change_lands(pushed):
    repo, remote = pushed
    sha = repo.commit("raise a", {"models/a.toml": "max_tokens = 20\n"})
    audit_record(repo, sha)
    repo.commit("record", author="bob")
    result = push(repo, "origin", "main")
    assert result.returncode == 0, result.stderr
    assert remote_sha(remote) == repo.head()
    assert "1 config change to origin, all cleared by policy" in result.stderr


def test_push_without_config_change_is_silent(pushed):
    repo, remote = pushed
    repo.commit("docs", {"README.md": "hello\n"})
    result = push(repo, "origin", "main")
    assert result.returncode == 0 and "auditui" not in result.stderr
    assert remote_sha(remote) == repo.head()


def test_new_branch_audits_only_commits_not_on_the_remote(pushed):
    repo, remote = pushed
    repo.git("checkout", "-q", "-b", "feature")
    sha = repo.commit("raise b", {"models/b.toml": "max_tokens = 30\n"})
    result = push(repo, "origin", "feature")
    assert result.returncode != 0
    assert result.stderr.count("✗ ") == 1 and f"✗ {sha[:7]}" in result.stderr
    assert remote_sha(remote, "refs/heads/feature") is None


def test_deletion_audits_nothing(pushed):
    repo, remote = pushed
    repo.git("checkout", "-q", "-b", "old")
    repo.git("push", "-q", "--no-verify", "origin", "old")
    repo.commit("unaudited on old", {"models/a.toml": "max_tokens = 99\n"})
    result = push(repo, "origin", "--delete", "old")
    assert result.returncode == 0, result.stderr
    assert remote_sha(remote, "refs/heads/old") is None


def test_annotated_tag_is_peeled_and_judged(pushed):
    repo, remote = pushed
    repo.commit("raise a", {"models/a.toml": "max_tokens = 20\n"})
    repo.git("tag", "-a", "v1", "-m", "release")
    result = push(repo, "origin", "v1")
    assert result.returncode != 0 and "AUD001" in result.stderr
    assert remote_sha(remote, "refs/tags/v1") is None
    repo.git("tag", "-a", "v0", "-m", "old", "HEAD~1")  # already on the remote
    assert push(repo, "origin", "v0").returncode == 0


def test_force_push_audits_the_rewritten_commits(pushed):
    repo, remote = pushed
    sha = repo.commit("raise a", {"models/a.toml": "max_tokens = 20\n"})
    audit_record(repo, sha)
    repo.commit("record", author="bob")
    assert push(repo, "origin", "main").returncode == 0
    repo.git("reset", "-q", "--hard", "HEAD~2")
    bad = repo.commit("raise a differently", {"models/a.toml": "max_tokens = 25\n"})
    result = push(repo, "--force", "origin", "main")
    assert result.returncode != 0
    assert f"✗ {bad[:7]}" in result.stderr and result.stderr.count("✗ ") == 1


def test_several_refs_at_once(pushed):
    repo, remote = pushed
    repo.git("checkout", "-q", "-b", "ok")
    repo.commit("docs", {"README.md": "x\n"})
    repo.git("checkout", "-q", "main")
    bad = repo.commit("raise b", {"models/b.toml": "max_tokens = 11\n"})
    result = push(repo, "origin", "main", "ok")
    assert result.returncode != 0
    assert f"✗ {bad[:7]}" in result.stderr
    assert remote_sha(remote, "refs/heads/ok") is None  # git refuses the whole push


def test_hook_command_protocol_directly(pushed, capsys, monkeypatch):
    repo, _remote = pushed
    sha = repo.commit("raise a", {"models/a.toml": "max_tokens = 20\n"})
    import io

    line = f"refs/heads/main {sha} refs/heads/main {ZERO}\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(line))
    assert main(["hook", "pre-push", "origin", "url", "--repo", str(repo.path)]) == 1
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["hook", "pre-push", "origin", "url", "--repo", str(repo.path)]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("garbage\n"))
    assert main(["hook", "pre-push", "origin", "url", "--repo", str(repo.path)]) == 2
    err = capsys.readouterr().err
    assert "pre-push input line 1" in err and "Traceback" not in err


def test_pre_commit_framework_mode(pushed, capsys, monkeypatch):
    repo, remote = pushed
    sha = repo.commit("raise a", {"models/a.toml": "max_tokens = 20\n"})
    monkeypatch.setenv("PRE_COMMIT_TO_REF", sha)
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", remote_sha(remote))
    monkeypatch.setenv("PRE_COMMIT_REMOTE_NAME", "origin")
    assert main(["hook", "pre-commit", "--repo", str(repo.path)]) == 1
    assert "AUD001" in capsys.readouterr().err
    monkeypatch.delenv("PRE_COMMIT_TO_REF")
    assert main(["hook", "pre-commit", "--repo", str(repo.path)]) == 2


def test_policy_weakened_in_the_push_is_judged_by_the_base(pushed):
    repo, remote = pushed
    weak = repo.path / ".auditui.toml"
    sha = repo.commit(
        "weaken",
        {
            ".auditui.toml": weak.read_text().replace(
                'required_suites = ["coding"]', "required_suites = []"
            )
        },
    )
    result = push(repo, "origin", "main")
    assert result.returncode != 0 and f"✗ {sha[:7]}" in result.stderr
    assert "AUD001" in result.stderr


class TestInstall:
    def test_respects_core_hooks_path_and_chains_foreign_hook(self, repo, capsys, tmp_path):
        repo.start({"models/a.toml": "x = 1\n"})
        hooks = tmp_path / "hooks"
        hooks.mkdir()
        repo.git("config", "core.hooksPath", str(hooks))
        foreign = hooks / "pre-push"
        foreign.write_text("#!/bin/sh\necho foreign-ran >&2\ncat > /dev/null\nexit 0\n")
        foreign.chmod(0o755)
        assert main(["install-hook", "--repo", str(repo.path)]) == 0
        assert "runs first" in capsys.readouterr().out
        assert "auditui-managed-hook" in foreign.read_text()
        assert (hooks / "pre-push.auditui-chained").read_text().startswith("#!/bin/sh\necho")
        assert main(["install-hook", "--repo", str(repo.path)]) == 0  # idempotent
        assert "updated" in capsys.readouterr().out
        assert main(["install-hook", "--repo", str(repo.path), "--uninstall"]) == 0
        assert "echo foreign-ran" in foreign.read_text()
        assert not (hooks / "pre-push.auditui-chained").exists()

    def test_chained_hook_runs_and_can_block(self, pushed):
        repo, remote = pushed
        hooks = repo.path / ".git" / "hooks"
        chained = hooks / "pre-push.auditui-chained"
        chained.write_text('#!/bin/sh\nread line\necho "chained saw: $line" >&2\nexit 3\n')
        chained.chmod(0o755)
        repo.commit("docs", {"README.md": "x\n"})
        result = push(repo, "origin", "main")
        assert result.returncode != 0 and "chained saw: refs/heads/main" in result.stderr

    def test_uninstall_refuses_foreign_hook(self, repo, capsys):
        repo.start({"models/a.toml": "x = 1\n"})
        hook = repo.path / ".git" / "hooks" / "pre-push"
        hook.parent.mkdir(exist_ok=True)
        hook.write_text("#!/bin/sh\nexit 0\n")
        assert main(["install-hook", "--repo", str(repo.path), "--uninstall"]) == 2
        assert hook.read_text() == "#!/bin/sh\nexit 0\n"


def test_the_inspect_line_reproduces_the_hooks_verdict(pushed):
    """Records committed later in the push judge the change (they are read at the
    pushed head): the hint's range, head and policy give the hook's very verdict, not
    the one the change's own commit would give (AUD001 there, AUD004 here)."""
    import re
    import subprocess
    import sys

    from auditui.core.features.target import find_target

    repo, _remote = pushed
    sha = repo.commit("raise a", {"models/a.toml": "max_tokens = 20\n"})
    repo.commit("later", {"models/b.toml": "max_tokens = 1\n"})
    target = find_target(repo.path, sha)
    evals = [{"model": "a", "suite": "coding", "baseline": 5.0, "candidate": 5.0}]
    append_entries(target.root, target.relative, target.fingerprint, evals=evals)
    repo.commit("evals, no approval yet", author="bob")
    # An approval written but not committed: the hook never sees it, nor may the hint.
    approval = {"by": "carol@example.com", "verdict": "approve", "at": "2026-03-02T00:00:00Z"}
    append_entries(target.root, target.relative, target.fingerprint, approvals=[approval])
    result = push(repo, "origin", "main")
    assert result.returncode != 0
    assert f"✗ {sha[:7]}  raise a  [AUD004]" in result.stderr
    (hint, *_) = re.findall(r"inspect: auditui review (.*)", result.stderr)
    argv = ["check", *hint.split(), "--format", "json", "--repo", str(repo.path)]
    check = subprocess.run([sys.executable, "-m", "auditui", *argv], capture_output=True, text=True)
    report = json.loads(check.stdout)
    (change,) = [c for c in report["changes"] if c["commit"] == sha]
    assert change["status"] == "blocked"
    assert [f["rule"] for f in change["findings"]] == ["AUD004"]
