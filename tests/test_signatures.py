"""Signed approvals with real ssh-keygen keys (require_signatures, AUD007)."""

from __future__ import annotations

import pytest

from auditui.cli import main
from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit
from tests.helpers.signing import keypair

POLICY = DEFAULT_POLICY + "require_signatures = true\n"


@pytest.fixture
def signed_repo(tmp_path):
    bob_key, bob_pub = keypair(tmp_path, "bob")
    repo = RepoBuilder(tmp_path / "r", POLICY)
    repo.start(
        {"models/a.toml": "max_tokens = 10\n"},
        allowed_signers=f'bob@example.com namespaces="auditui-approval" {bob_pub}\n',
    )
    base = repo.head()
    repo.commit("raise a", {"models/a.toml": "max_tokens = 20\n"})
    repo.git("config", "user.email", "bob@example.com")
    argv = ["eval", "add", "HEAD", "--repo", str(repo.path), "--model", "a", "--suite", "coding"]
    assert main([*argv, "--baseline", "1", "--candidate", "1"]) == 0
    return repo, base, bob_key, tmp_path


def test_signed_approval_verifies_against_signers_at_base(signed_repo, capsys):
    repo, base, bob_key, _ = signed_repo
    assert main(["approve", "HEAD", "--repo", str(repo.path), "--sign", bob_key]) == 0
    repo.commit("record", author="bob")
    (change,) = audit(repo, base).changes
    assert change.status == "pass", change.findings


def test_unsigned_approval_is_aud007(signed_repo):
    repo, base, _key, _ = signed_repo
    assert main(["approve", "HEAD", "--repo", str(repo.path)]) == 0
    repo.commit("record", author="bob")
    (change,) = audit(repo, base).changes
    assert change.rules == ["AUD004", "AUD007"]
    assert "is not signed" in next(f.message for f in change.findings if f.rule == "AUD007")


def test_signature_by_another_key_fails(signed_repo):
    repo, base, _bob_key, folder = signed_repo
    mallory_key, _ = keypair(folder, "mallory")
    assert main(["approve", "HEAD", "--repo", str(repo.path), "--sign", mallory_key]) == 0
    repo.commit("record", author="bob")
    (change,) = audit(repo, base).changes
    assert "AUD007" in change.rules and "does not verify" in str(change.findings)


def test_record_edited_after_signing_fails(signed_repo):
    import datetime as dt
    import tomllib

    import tomli_w

    repo, base, bob_key, _ = signed_repo
    assert main(["approve", "HEAD", "--repo", str(repo.path), "--sign", bob_key]) == 0
    (record,) = (repo.path / "audit").glob("*.toml")
    data = tomllib.loads(record.read_text())
    data["approvals"][-1]["at"] += dt.timedelta(hours=1)  # edited by hand after signing
    record.write_text(tomli_w.dumps(data, multiline_strings=True))
    repo.commit("record", author="bob")
    (change,) = audit(repo, base).changes
    assert "AUD007" in change.rules and "does not verify" in str(change.findings)


def test_signers_added_in_the_range_do_not_count(tmp_path):
    bob_key, bob_pub = keypair(tmp_path, "bob")
    repo = RepoBuilder(tmp_path / "r", POLICY)
    repo.start({"models/a.toml": "max_tokens = 10\n"})  # no allowed_signers at the base
    base = repo.head()
    repo.commit("raise a", {"models/a.toml": "max_tokens = 20\n"})
    repo.git("config", "user.email", "bob@example.com")
    main(
        [
            "eval",
            "add",
            "HEAD",
            "--repo",
            str(repo.path),
            "--model",
            "a",
            "--suite",
            "coding",
            "--baseline",
            "1",
            "--candidate",
            "1",
        ]
    )
    assert main(["approve", "HEAD", "--repo", str(repo.path), "--sign", bob_key]) == 0
    repo.commit("record + signers", {"allowed_signers": f"bob@example.com {bob_pub}\n"})
    change = audit(repo, base).changes[0]
    assert "AUD007" in change.rules
    assert "no allowed_signers at the base" in str(change.findings)
