"""`auditui hook pre-receive` on the server (security review, item 8): the pre-push hook
runs on the pusher's machine and can be skipped; the same judgement where the push
lands cannot. Real pushes to a real bare repository with the hook installed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.repo import RepoBuilder, audit, clear, git, push, ref_sha, server


@pytest.fixture
def setup(tmp_path) -> tuple[RepoBuilder, Path]:
    """A developer repository whose main is on a server with the hook installed."""
    dev = RepoBuilder(tmp_path / "dev")
    dev.start({"models/a.toml": "t = 1\n"})
    return dev, server(dev, tmp_path)


def cleared(dev: RepoBuilder, base: str) -> None:
    """Evidence for the change after `base`, by bob, committed."""
    (change,) = audit(dev, base).changes
    clear(dev, change, "bob")
    dev.commit("records", author="bob")


def test_a_blocked_push_is_refused_and_the_servers_refs_stay(setup):
    dev, server = setup
    before = ref_sha(server, "main")
    dev.commit("raise", {"models/a.toml": "t = 2\n"})
    result = push(dev, "origin", "main")
    assert result.returncode != 0
    assert "pre-receive hook declined" in result.stderr
    assert "AUD001" in result.stderr and "push blocked" in result.stderr
    assert ref_sha(server, "main") == before


def test_a_cleared_push_is_accepted(setup):
    dev, server = setup
    base = dev.head()
    dev.commit("raise", {"models/a.toml": "t = 2\n"})
    cleared(dev, base)
    result = push(dev, "origin", "main")
    assert result.returncode == 0, result.stderr
    assert ref_sha(server, "main") == dev.head()


def test_several_refs_are_all_or_nothing_and_a_deletion_audits_nothing(setup):
    dev, server = setup
    base = dev.head()
    dev.git("checkout", "-q", "-b", "feature")
    dev.commit("feature raise", {"models/a.toml": "t = 3\n"})  # no record: blocked
    dev.git("checkout", "-q", "main")
    dev.commit("main raise", {"models/a.toml": "t = 2\n"})
    cleared(dev, base)
    result = push(dev, "origin", "main", "feature")
    assert result.returncode != 0 and "feature raise" in result.stderr
    assert ref_sha(server, "refs/heads/feature") is None
    assert ref_sha(server, "main") == base  # main, though cleared, was refused with it
    assert push(dev, "origin", "main").returncode == 0
    git(server.parent, "--git-dir", str(server), "update-ref", "refs/heads/old", base)
    assert push(dev, "origin", "--delete", "old").returncode == 0
    assert ref_sha(server, "refs/heads/old") is None


def test_an_annotated_tag_of_a_blocked_commit_is_refused(setup):
    dev, server = setup
    dev.commit("raise", {"models/a.toml": "t = 2\n"})
    dev.git("tag", "-a", "v1", "-m", "release")
    result = push(dev, "origin", "v1")
    assert result.returncode != 0 and "AUD001" in result.stderr
    assert ref_sha(server, "refs/tags/v1") is None


def test_the_server_gives_the_verdict_the_pre_push_hook_gives(setup):
    dev, server = setup
    dev.commit("raise", {"models/a.toml": "t = 2\n"})
    dev.git("fetch", "-q", "origin")
    tip = dev.head()
    line = f"refs/heads/main {tip} refs/heads/main {ref_sha(server, 'main')}\n"
    local = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditui",
            "hook",
            "pre-push",
            "origin",
            str(server),
            "--repo",
            str(dev.path),
        ],
        input=line,
        capture_output=True,
        text=True,
    )
    remote = push(dev, "origin", "main")
    verdicts = [
        [
            ln.strip().removeprefix("remote: ").strip()
            for ln in out.splitlines()
            if ln.strip().removeprefix("remote: ").strip().startswith(("✗", "AUD"))
        ]
        for out in (local.stderr, remote.stderr)
    ]
    assert local.returncode == 1 and remote.returncode != 0
    assert verdicts[0] == verdicts[1] and verdicts[0]
