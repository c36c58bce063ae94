"""Ways out of a blocked state (SPEC 11): withdrawing a verdict, and `approve`
refusing the self-approval that would only trade one block for another."""

from __future__ import annotations

import pytest

from auditui.cli import main
from auditui.core.evidence.records import append_entries, record_name
from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit
from tests.helpers.signing import keypair
from tests.test_cli import assert_cannot_judge, run


@pytest.fixture
def change(repo: RepoBuilder):
    """One change by alice (the repository's user), with its eval recorded."""
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    base = repo.head()
    repo.commit("raise", {"models/a.toml": "max_tokens = 20\n"})
    argv = ["eval", "add", "HEAD", "--repo", str(repo.path), "--model", "a", "--suite", "coding"]
    assert main([*argv, "--baseline", "1", "--candidate", "1"]) == 0
    repo.commit("eval", author="alice")
    return repo, base


def judged(repo, base):
    (c,) = [c for c in audit(repo, base).changes if c.commit.subject == "raise"]
    return c


def test_approve_refuses_the_authors_own_approval(capsys, change):
    repo, base = change
    capsys.readouterr()
    before = sorted(p.name for p in (repo.path / "audit").iterdir())
    record = (repo.path / "audit" / before[0]).read_text()
    code, out, err = run(capsys, "approve", "HEAD~1", "--repo", str(repo.path))
    assert_cannot_judge(code, out, err, "self-approval is off", "another reviewer")
    assert (repo.path / "audit" / before[0]).read_text() == record  # nothing written
    assert judged(repo, base).rules == ["AUD004"]


def test_a_reject_by_the_author_is_still_written(capsys, change):
    repo, base = change
    assert main(["approve", "HEAD~1", "--repo", str(repo.path), "--reject"]) == 0
    repo.commit("reject")
    assert "AUD008" in judged(repo, base).rules


def test_self_approval_allowed_by_the_policy_is_written(tmp_path):
    repo = RepoBuilder(tmp_path / "r", DEFAULT_POLICY + "allow_self_approval = true\n")
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    base = repo.head()
    repo.commit("raise", {"models/a.toml": "max_tokens = 20\n"})
    argv = ["eval", "add", "HEAD", "--repo", str(repo.path), "--model", "a", "--suite", "coding"]
    assert main([*argv, "--baseline", "1", "--candidate", "1"]) == 0
    assert main(["approve", "HEAD", "--repo", str(repo.path)]) == 0
    repo.commit("record")
    assert judged(repo, base).status == "pass"


def test_withdraw_clears_a_self_approval_and_its_aud005(capsys, change):
    repo, base = change
    c = judged(repo, base)
    # Written by hand (or by an older auditui): the author's own approval.
    append_entries(
        repo.path,
        f"audit/{record_name(c.fingerprint)}",
        c.fingerprint,
        approvals=[{"by": "alice@example.com", "verdict": "approve", "at": "2026-03-02T00:00:00Z"}],
    )
    repo.commit("self")
    assert judged(repo, base).rules == ["AUD004", "AUD005"]
    assert main(["approve", "HEAD~2", "--repo", str(repo.path), "--withdraw"]) == 0
    repo.commit("withdraw")
    assert judged(repo, base).rules == ["AUD004"]  # only the missing approval is left
    repo.git("config", "user.email", "bob@example.com")
    assert main(["approve", "HEAD~3", "--repo", str(repo.path)]) == 0
    repo.commit("bob approves", author="bob")
    assert judged(repo, base).status == "pass"


def test_withdraw_clears_a_rejection_and_a_later_word_counts_again(change):
    repo, base = change
    repo.git("config", "user.email", "bob@example.com")
    assert main(["approve", "HEAD~1", "--repo", str(repo.path), "--reject"]) == 0
    repo.commit("bob rejects", author="bob")
    assert judged(repo, base).rules == ["AUD004", "AUD008"]
    assert main(["approve", "HEAD~2", "--repo", str(repo.path), "--withdraw"]) == 0
    repo.commit("bob withdraws", author="bob")
    assert judged(repo, base).rules == ["AUD004"]
    assert main(["approve", "HEAD~3", "--repo", str(repo.path)]) == 0
    repo.commit("bob approves", author="bob")
    assert judged(repo, base).status == "pass"


def test_reject_and_withdraw_together_is_a_usage_error(change):
    repo, _ = change
    with pytest.raises(SystemExit) as exc:
        main(["approve", "HEAD", "--repo", str(repo.path), "--reject", "--withdraw"])
    assert exc.value.code == 2


def test_an_unsigned_withdrawal_does_not_clear_a_signed_policys_rejection(tmp_path):
    """With signatures required a withdrawal must be signed too: anyone can write a
    record entry in bob's name, and a forged one must not clear bob's rejection."""
    bob_key, bob_pub = keypair(tmp_path, "bob")
    repo = RepoBuilder(tmp_path / "r", DEFAULT_POLICY + "require_signatures = true\n")
    signers = f'bob@example.com namespaces="auditui-approval" {bob_pub}\n'
    repo.start({"models/a.toml": "max_tokens = 10\n"}, allowed_signers=signers)
    base = repo.head()
    repo.commit("raise", {"models/a.toml": "max_tokens = 20\n"})
    repo.git("config", "user.email", "bob@example.com")
    assert main(["approve", "HEAD", "--repo", str(repo.path), "--reject"]) == 0
    repo.commit("reject", author="bob")
    assert main(["approve", "HEAD~1", "--repo", str(repo.path), "--withdraw"]) == 0
    repo.commit("forged-looking withdrawal", author="bob")
    assert "AUD007" in judged(repo, base).rules
    assert (
        main(["approve", "HEAD~2", "--repo", str(repo.path), "--withdraw", "--sign", bob_key]) == 0
    )
    repo.commit("signed withdrawal", author="bob")
    rules = judged(repo, base).rules
    assert "AUD007" not in rules and "AUD008" not in rules


def test_the_record_summary_counts_each_persons_latest_word(capsys, change):
    """`approve` says what the record holds as the checks count it: a withdrawn
    approval is no approval, a re-run eval supersedes (it said "3 approval(s)")."""
    repo, _ = change
    capsys.readouterr()
    said = []
    words = [("bob", ()), ("carol", ()), ("bob", ("--withdraw",)), ("dave", ("--reject",))]
    for who, flags in words:
        repo.git("config", "user.email", f"{who}@example.com")
        assert main(["approve", "HEAD~1", "--repo", str(repo.path), *flags]) == 0
        said.append(capsys.readouterr().out.splitlines()[-1].strip())
    assert said == [
        "now 1 eval, 1 approval in the record; commit it to take effect",
        "now 1 eval, 2 approvals in the record; commit it to take effect",
        "now 1 eval, 1 approval, 1 withdrawn in the record; commit it to take effect",
        "now 1 eval, 1 approval, 1 rejection, 1 withdrawn in the record; commit it to take effect",
    ]
    argv = ["eval", "add", "HEAD~1", "--repo", str(repo.path), "--model", "a", "--suite", "coding"]
    assert main([*argv, "--baseline", "1", "--candidate", "2"]) == 0
    last = capsys.readouterr().out.splitlines()[-1].strip()
    assert last.startswith("now 1 eval (1 superseded), 1 approval, 1 rejection, 1 withdrawn")
