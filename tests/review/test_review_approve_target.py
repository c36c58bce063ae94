"""Review: `auditui approve COMMIT` / `eval add COMMIT` resolve the wrong change.

target.find_target audits `COMMIT^..COMMIT` and takes the last change; for a merge
that range includes the whole merged branch, and the range is judged with the policy
at HEAD rather than the one the change is checked against."""

from __future__ import annotations

from auditui.cli import main
from tests.helpers.repo import DEFAULT_POLICY, audit


def test_approve_a_clean_merge_does_not_approve_a_commit_of_the_merged_branch(repo, capsys):
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    repo.git("checkout", "-q", "-b", "feature")
    side = repo.commit("raise a", {"models/a.toml": "max_tokens = 20\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("docs", {"README.md": "x\n"})
    repo.git("merge", "-q", "--no-edit", "feature")
    merge = repo.head()
    code = main(["approve", merge, "--repo", str(repo.path)])
    out = capsys.readouterr()
    # Correct: the merge itself changes nothing (not an evil merge): refuse, write nothing.
    assert code == 2, out.out
    assert not list((repo.path / "audit").glob("*.toml")), (
        f"approving merge {merge[:7]} wrote a record for side commit {side[:7]}: {out.out}"
    )


def test_approve_commit_writes_the_record_check_reads(repo, capsys):
    repo.start({"models/a.toml": 'reasoning = { effort = "high" }\n'})
    base = repo.head()
    change_sha = repo.commit("lower a", {"models/a.toml": 'reasoning = { effort = "medium" }\n'})
    # A later commit on the branch edits the policy's scales (not yet the policy in force).
    repo.commit(
        "scales",
        {".auditui.toml": DEFAULT_POLICY + '\n[scales]\n"reasoning.effort" = ["low", "high"]\n'},
    )
    repo.git("config", "user.email", "bob@example.com")
    assert main(["approve", change_sha, "--repo", str(repo.path)]) == 0
    capsys.readouterr()
    report = audit(repo, base)
    judged = next(c for c in report.changes if c.commit.sha == change_sha)
    assert (repo.path / judged.record_file).exists(), (
        f"approve wrote {[p.name for p in (repo.path / 'audit').glob('*')]}, "
        f"check looks for {judged.record_file} ({judged.fingerprint})"
    )


def test_approve_by_fingerprint_with_broken_record_is_a_clear_error(repo, capsys):
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    base = repo.head()
    repo.commit("raise a", {"models/a.toml": "max_tokens = 20\n"})
    (change,) = audit(repo, base).changes
    path = repo.path / change.record_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("fingerprint = [\n")
    code = main(["approve", change.fingerprint, "--repo", str(repo.path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "internal error" not in err, err
