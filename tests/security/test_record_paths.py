"""Records are regular files inside the repository (security review, items 2-4): a
committed symlink, a policy path pointing outside, a device or FIFO, a huge file —
each refused with a clear error, nothing written or read outside the work tree."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from auditui.core.audit.context import resolve_context
from auditui.core.audit.run import audit as run_ctx
from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, approved_change


def auditui(repo: RepoBuilder, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "auditui", *args, "--repo", str(repo.path)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def change_record(repo: RepoBuilder) -> str:
    """The record path of HEAD's change (a commit raising a setting)."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditui",
            "check",
            "--repo",
            str(repo.path),
            "--base",
            "HEAD~1",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
    )
    import json

    (change,) = json.loads(out.stdout)["changes"]
    return "audit/" + change["fingerprint"].removeprefix("sha256:")[:16] + ".toml"


@pytest.fixture
def repo(tmp_path) -> RepoBuilder:
    """A change (HEAD) that bob, not its author alice, approves."""
    return approved_change(tmp_path / "r")


def test_a_committed_record_symlink_is_never_written_through(repo, tmp_path):
    outside = tmp_path / "outside" / "victim.toml"
    record = change_record(repo)
    repo.symlink(record, str(outside))
    repo.commit("plant a link", {})
    result = auditui(repo, "approve", "HEAD~1")
    assert result.returncode == 2 and result.stdout == ""
    assert "is a symlink" in result.stderr and "hint:" in result.stderr
    assert not (tmp_path / "outside").exists()  # no folder, no file out there


def test_a_symlinked_records_folder_is_never_written_through(repo, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    repo.symlink("audit", str(tmp_path / "elsewhere"))
    repo.commit("plant a folder link", {})
    result = auditui(repo, "approve", "HEAD~1")
    assert result.returncode == 2
    assert "is a symlink" in result.stderr
    assert list((tmp_path / "elsewhere").iterdir()) == []


@pytest.mark.parametrize("records", ["/tmp/anywhere", "../sibling", "audit/../../x", "a\\b"])
def test_a_policy_records_path_outside_the_repository_is_refused(tmp_path, records):
    r = RepoBuilder(
        tmp_path / "r", DEFAULT_POLICY.replace('records = "audit"', f"records = {records!r}")
    )
    r.start({"models/a.toml": "t = 1\n"})
    r.commit("raise", {"models/a.toml": "t = 2\n"})
    for args in (("approve", "HEAD"), ("check",)):
        result = auditui(r, *args)
        assert result.returncode == 2, result.stderr
        assert "[layout] records must be" in result.stderr
    assert not (tmp_path / "sibling").exists() and not (tmp_path / "x").exists()


def test_a_record_linked_to_dev_zero_is_refused_not_read(repo):
    record = change_record(repo)
    repo.symlink(record, "/dev/zero")
    result = auditui(repo, "approve", "HEAD", timeout=20)
    assert result.returncode == 2 and "is a symlink" in result.stderr
    ctx = resolve_context(repo.path, "HEAD~1", "HEAD", None, False)
    (change,) = run_ctx(ctx, worktree_records=True).changes  # the app's view
    assert "AUD009" in change.rules
    assert any("is a symlink" in f.message for f in change.findings)


def test_a_fifo_or_a_huge_record_is_refused_without_blocking(repo):
    record = change_record(repo)
    path = repo.path / record
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    result = auditui(repo, "approve", "HEAD", timeout=20)
    assert result.returncode == 2 and "is not a regular file" in result.stderr
    path.unlink()
    path.write_text("# " + "x" * (2 * 1024 * 1024) + "\n")
    result = auditui(repo, "approve", "HEAD", timeout=20)
    assert result.returncode == 2 and "not a record" in result.stderr
