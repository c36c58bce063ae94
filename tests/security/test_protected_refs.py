"""Pushes move protected refs (docs/policy.md, `[push]`; issue 25, items 1-3): real pushes
to a real bare repository with `auditui hook pre-receive` installed, each attack as the
security review reproduced it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers.repo import (
    DEFAULT_POLICY,
    RepoBuilder,
    audit,
    clear,
    git,
    install_hook,
    push,
    ref_sha,
    server,
)

STRICT = DEFAULT_POLICY.replace("required = 1", "required = 2")


def approve(dev: RepoBuilder, base: str, *approvers: str) -> None:
    """Evals and the approvals of `approvers` for each change after `base`, committed."""
    for change in audit(dev, base).changes:
        if change.status == "blocked":
            clear(dev, change, *approvers)
    dev.commit("records", author="bob")


@pytest.fixture
def origin(tmp_path) -> tuple[RepoBuilder, Path]:
    dev = RepoBuilder(tmp_path / "dev")
    dev.start({"models/a.toml": "t = 1\n"})
    return dev, server(dev, tmp_path)


def refused(result: subprocess.CompletedProcess, ref: str) -> bool:
    return result.returncode != 0 and f"refused: {ref}" in result.stderr


# -- 1. Objects are read as stored --------------------------------------------------


def test_a_replace_ref_is_refused_and_cannot_launder_a_blob(origin):
    """The attack: push refs/replace/<bad blob> -> <good blob>, then the commit with the
    bad blob; the server read it through the replacement and saw no change."""
    dev, remote = origin
    good = dev.git("rev-parse", "HEAD:models/a.toml")
    (dev.path.parent / "bad.toml").write_text("t = 999\n")
    bad = dev.git("hash-object", "-w", str(dev.path.parent / "bad.toml"))
    dev.git("replace", bad, good)
    result = push(dev, "origin", f"refs/replace/{bad}")
    assert refused(result, f"refs/replace/{bad}")
    assert ref_sha(remote, f"refs/replace/{bad}") is None
    # An admin's (or an older hook's) replace ref on the server changes nothing either.
    git(remote, "update-ref", f"refs/replace/{bad}", good)
    dev.git("replace", "-d", bad)
    dev.commit("innocent", {"models/a.toml": "t = 999\n"})
    result = push(dev, "origin", "main")
    assert result.returncode != 0 and "AUD001" in result.stderr, result.stderr


def test_the_caches_never_keep_what_a_replacement_said(origin):
    """A run made while a replace ref stood must leave caches that the next run, the
    ref gone, reads as a cold run would (the review: a warm check still passed)."""
    dev, _remote = origin
    dev.commit("raise", {"models/a.toml": "t = 2\n"})
    good = dev.git("rev-parse", "HEAD~1:models/a.toml")
    bad = dev.git("rev-parse", "HEAD:models/a.toml")
    dev.git("replace", bad, good)
    replaced = verdicts(audit(dev))
    dev.git("replace", "-d", bad)
    warm = verdicts(audit(dev))
    shutil.rmtree(dev.path / ".git" / "auditui")
    cold = verdicts(audit(dev))
    assert replaced == warm == cold
    assert [status for _sha, _fp, status, _news in cold] == ["exempt", "blocked"]
    assert cold[1][3] == [2]


def verdicts(report) -> list[tuple]:
    return [
        (c.commit.sha, c.fingerprint, c.status, [d.new for d in c.deltas]) for c in report.changes
    ]


def test_a_replaced_commit_is_walked_as_stored(repo):
    """A replace ref on a commit would show another history to `git log`."""
    repo.start({"models/a.toml": "t = 1\n"})
    bad = repo.commit("raise", {"models/a.toml": "t = 5\n"})
    repo.git("checkout", "-q", "--detach", "HEAD~1")
    decoy = repo.commit("decoy", {"README.md": "x\n"})
    repo.git("checkout", "-q", "main")
    repo.git("replace", bad, decoy)
    (change,) = [c for c in audit(repo).changes if c.status != "exempt"]
    assert change.commit.sha == bad and [d.new for d in change.deltas] == [5]


@pytest.mark.parametrize("kind", ["blob", "tree"])
def test_a_ref_naming_a_tree_or_blob_is_refused(origin, kind):
    dev, remote = origin
    obj = dev.git("rev-parse", "HEAD:models/a.toml" if kind == "blob" else "HEAD^{tree}")
    result = push(dev, "origin", f"{obj}:refs/tags/{kind}")
    assert refused(result, f"refs/tags/{kind}") and f"a {kind}, not a commit" in result.stderr
    assert ref_sha(remote, f"refs/tags/{kind}") is None
    result = push(dev, "origin", f"{obj}:refs/heads/{kind}")
    assert refused(result, f"refs/heads/{kind}")


def test_the_pusher_refuses_what_the_server_would(origin):
    dev, remote = origin
    install_hook(dev)
    obj = dev.git("rev-parse", "HEAD:models/a.toml")
    result = push(dev, "origin", f"{obj}:refs/tags/blob")
    assert refused(result, "refs/tags/blob") and "pre-receive" not in result.stderr


# -- 2. A fork from before the policy tightened ----------------------------------------


def tightened(dev: RepoBuilder, *, gate: str = "all") -> str:
    """main requires two approvals from now on (approved by two); returns the commit
    before, whose policy asked one."""
    old = dev.head()
    policy = STRICT + (f'\n[push]\ngate = "{gate}"\n' if gate != "all" else "")
    dev.commit("require two approvals", {".auditui.toml": policy})
    approve(dev, old, "bob", "carol")
    assert push(dev, "origin", "main").returncode == 0
    return old


def one_approved_change_on(dev: RepoBuilder, branch: str, start: str) -> str:
    dev.git("checkout", "-q", "-b", branch, start)
    fork = dev.head()
    dev.commit("raise a", {"models/a.toml": "t = 99\n"})
    approve(dev, fork, "bob")
    return dev.head()


def test_a_new_branch_is_judged_by_the_policy_at_the_servers_head(origin):
    dev, remote = origin
    old = tightened(dev)
    one_approved_change_on(dev, "side", old)
    result = push(dev, "origin", "side")  # forked where one approval was enough
    assert result.returncode != 0 and "AUD004" in result.stderr, result.stderr
    assert ref_sha(remote, "refs/heads/side") is None


def test_merging_a_branch_the_server_has_judges_its_commits_again(origin):
    dev, remote = origin
    old = tightened(dev, gate="protected")
    one_approved_change_on(dev, "side", old)
    result = push(dev, "origin", "side")  # not protected: a warning, let through
    assert result.returncode == 0, result.stderr
    assert 'gate = "protected"' in result.stderr and "AUD004" in result.stderr
    dev.git("checkout", "-q", "main")
    dev.git("merge", "-q", "--no-edit", "side")
    before = ref_sha(remote, "refs/heads/main")
    result = push(dev, "origin", "main")
    assert result.returncode != 0 and "raise a" in result.stderr and "AUD004" in result.stderr
    assert ref_sha(remote, "refs/heads/main") == before


def test_a_new_protected_ref_judges_what_no_protected_ref_reaches(origin):
    """A release tag of main's tip judges nothing; a tag of an unjudged side commit
    judges it, by the policy at the server's HEAD."""
    dev, remote = origin
    old = tightened(dev, gate="protected")
    assert push(dev, "origin", "refs/heads/main:refs/tags/v1").returncode == 0
    tip = one_approved_change_on(dev, "side", old)
    assert push(dev, "origin", "side").returncode == 0  # a warning only
    result = push(dev, "origin", f"{tip}:refs/tags/v2")
    assert result.returncode != 0 and "AUD004" in result.stderr
    assert ref_sha(remote, "refs/tags/v2") is None


# -- 3. Rewinds and deletions ------------------------------------------------------------


def test_rewinding_main_to_before_adoption_is_refused(tmp_path):
    dev = RepoBuilder(tmp_path / "dev", policy=None)
    dev.commit("models", {"models/a.toml": "t = 1\n"})
    before_adoption = dev.head()
    dev.commit("adopt auditui", {".auditui.toml": DEFAULT_POLICY, "models/a.toml": "t = 2\n"})
    remote = server(dev, tmp_path)
    tip = ref_sha(remote, "refs/heads/main")
    result = push(dev, "--force", "origin", f"{before_adoption}:refs/heads/main")
    assert refused(result, "refs/heads/main") and "may only move forward" in result.stderr
    assert "revert with a new commit" in result.stderr
    assert ref_sha(remote, "refs/heads/main") == tip


def test_a_rewind_that_changes_no_config_goes_through(origin):
    dev, remote = origin
    dev.commit("docs", {"README.md": "one\n"})
    assert push(dev, "origin", "main").returncode == 0
    dev.git("commit", "-q", "--amend", "-m", "docs, reworded")
    result = push(dev, "--force", "origin", "main")
    assert result.returncode == 0, result.stderr
    assert ref_sha(remote, "refs/heads/main") == dev.head()


def test_a_rewind_past_a_config_change_is_refused_unless_allowed(origin):
    dev, remote = origin
    base = dev.head()
    dev.commit("raise", {"models/a.toml": "t = 2\n"})
    approve(dev, base, "bob")
    assert push(dev, "origin", "main").returncode == 0
    result = push(dev, "--force", "origin", f"{base}:refs/heads/main")
    assert refused(result, "refs/heads/main")
    # A team that allows rewinds says so in the policy at the ref's tip.
    allow = DEFAULT_POLICY + "\n[push]\nallow_rewind = true\n"
    dev.commit("allow rewinds", {".auditui.toml": allow})
    approve(dev, dev.git("rev-parse", "HEAD~1"), "bob")
    assert push(dev, "origin", "main").returncode == 0
    result = push(dev, "--force", "origin", f"{base}:refs/heads/main")
    assert result.returncode == 0, result.stderr
    assert ref_sha(remote, "refs/heads/main") == base


def test_deleting_a_protected_ref_is_refused_and_another_is_not(origin):
    dev, remote = origin
    dev.git("tag", "v1")
    dev.git("branch", "topic")
    assert push(dev, "origin", "v1", "topic").returncode == 0
    assert refused(push(dev, "origin", "--delete", "main"), "refs/heads/main")
    assert refused(push(dev, "origin", "--delete", "v1"), "refs/tags/v1")
    assert push(dev, "origin", "--delete", "topic").returncode == 0
    assert ref_sha(remote, "refs/tags/v1") and ref_sha(remote, "refs/heads/main")


def test_a_tag_moves_forward_judged_and_never_back(origin):
    dev, _remote = origin
    base = dev.head()
    dev.git("tag", "v1")
    assert push(dev, "origin", "v1").returncode == 0
    dev.commit("raise", {"models/a.toml": "t = 2\n"})
    dev.git("tag", "-f", "v1")
    result = push(dev, "--force", "origin", "v1")  # forward, but not cleared
    assert result.returncode != 0 and "AUD001" in result.stderr
    approve(dev, base, "bob")
    dev.git("tag", "-f", "v1")
    assert push(dev, "--force", "origin", "v1").returncode == 0
    dev.git("tag", "-f", "v1", base)
    assert refused(push(dev, "--force", "origin", "v1"), "refs/tags/v1")


def test_protected_refs_are_the_policys_to_name(origin):
    dev, remote = origin
    policy = DEFAULT_POLICY + '\n[push]\nprotected = ["refs/heads/release/*"]\n'
    base = dev.head()
    dev.commit("protect releases", {".auditui.toml": policy})
    approve(dev, base, "bob")
    assert push(dev, "origin", "main", "main:refs/heads/release/1").returncode == 0
    dev.commit("docs", {"README.md": "x\n"})
    assert push(dev, "origin", "main").returncode == 0
    assert push(dev, "--force", "origin", "HEAD~1:refs/heads/main").returncode == 0
    assert refused(push(dev, "origin", "--delete", "release/1"), "refs/heads/release/1")
    assert ref_sha(remote, "refs/heads/release/1")


def test_the_pre_push_hook_refuses_a_rewind_from_what_it_knows(origin):
    dev, remote = origin
    install_hook(dev)
    base = dev.head()
    dev.commit("raise", {"models/a.toml": "t = 2\n"})
    approve(dev, base, "bob")
    assert push(dev, "origin", "main").returncode == 0
    dev.git("remote", "set-head", "origin", "main")
    result = push(dev, "--force", "origin", f"{base}:refs/heads/main")
    assert refused(result, "refs/heads/main") and "pre-receive" not in result.stderr
    assert "remote:" not in result.stderr  # refused before anything was sent


def test_git_notes_are_pushed_like_any_history_without_configs(origin):
    """A notes ref holds no config: it changes nothing (it was refused as a policy
    matching nothing)."""
    dev, remote = origin
    dev.git("notes", "add", "-m", "deployed to staging")
    result = push(dev, "origin", "refs/notes/commits")
    assert result.returncode == 0, result.stderr
    assert ref_sha(remote, "refs/notes/commits")
