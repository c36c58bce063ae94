"""`approve` refuses the author's own approval however the change is named (issue 25,
item 8).

Once a change had a record (after `eval add`), `auditui approve <FINGERPRINT>` — the
command a finding suggests — found the record, had no commit, and wrote the author's
approval; only `approve <COMMIT>` refused. Now a fingerprint is looked up in the
history of HEAD: its authors are those of every commit making that change (a
cherry-pick carries the same record), self-approval is off unless every policy that
may judge it allows it, and a fingerprint no commit makes is refused with a hint to
name the commit."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditui.cli import main
from auditui.core.audit.checks import record_findings
from auditui.core.base.errors import AuditError
from auditui.core.evidence.records import Approval, Record
from auditui.core.features.target import refuse_approval_by_author
from auditui.core.git.log import CommitInfo
from auditui.core.policy.model import Approvals, Policy
from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit, bare_remote

SELF_OK = DEFAULT_POLICY + "allow_self_approval = true\n"


def run(repo: RepoBuilder, capsys, *args: str, who: str) -> tuple[int, str, str]:
    """`auditui ARGS --repo REPO` as `who` (their git config user.email)."""
    repo.git("config", "user.email", who)
    code = main([*args, "--repo", str(repo.path)])
    out = capsys.readouterr()
    return code, out.out, out.err


def refused(result: tuple[int, str, str], says: str = "self-approval is off") -> bool:
    code, out, err = result
    lines = err.splitlines()
    return (
        code == 2
        and out == ""
        and len(lines) == 2
        and says in lines[0]
        and lines[1].startswith("hint:")
    )


def with_record(repo: RepoBuilder, capsys, sha: str) -> tuple[str, str]:
    """`eval add` by the change's author (allowed: evidence is not a verdict) writes the
    record; returns the fingerprint and the record's text."""
    code, _, err = run(
        repo,
        capsys,
        "eval",
        "add",
        sha,
        "--model",
        "a",
        "--suite",
        "coding",
        "--baseline",
        "70",
        "--candidate",
        "70",
        who="alice@example.com",
    )
    assert code == 0, err
    (change,) = [c for c in audit(repo).changes if c.commit.sha == sha]
    return change.fingerprint, (repo.path / change.record_file).read_text()


def names(fingerprint: str, sha: str) -> list[str]:
    """Every way a reviewer may name one change."""
    hexes = fingerprint.removeprefix("sha256:")
    return [
        fingerprint,
        hexes,
        hexes[:16],
        hexes[:20],
        f"sha256:{hexes[:20]}",
        hexes.upper(),
        sha,
        sha[:10],
        "HEAD",
    ]


@pytest.fixture
def change(repo) -> str:
    """alice's change at HEAD."""
    repo.start({"models/a.toml": "t = 1\n"})
    return repo.commit("raise a", {"models/a.toml": "t = 2\n"}, author="alice")


def test_the_author_is_refused_however_the_change_is_named(repo, capsys, change):
    fp, text = with_record(repo, capsys, change)
    record = repo.path / "audit" / f"{fp.removeprefix('sha256:')[:16]}.toml"
    let_through = []
    for name in names(fp, change):
        for who in ("alice@example.com", " Alice@Example.COM "):  # as git's mailmap compares
            if not refused(run(repo, capsys, "approve", name, who=who)):
                let_through.append((name, who))
    assert let_through == [], f"wrote the author's own approval for {let_through}"
    assert record.read_text() == text  # nothing written
    for name in names(fp, change):  # another reviewer, by any of those names
        assert run(repo, capsys, "approve", name, who="bob@example.com")[0] == 0, name


def test_the_author_may_still_reject_and_withdraw_by_fingerprint(repo, capsys, change):
    """A reject only blocks; a withdrawal takes back one's own word (SPEC 11 lets the
    author clear an AUD005 that way): neither is a self-approval."""
    fp, _ = with_record(repo, capsys, change)
    assert run(repo, capsys, "approve", fp, "--reject", who="alice@example.com")[0] == 0
    assert run(repo, capsys, "approve", fp, "--withdraw", who="alice@example.com")[0] == 0
    assert refused(run(repo, capsys, "approve", fp, who="alice@example.com"))


def test_a_fingerprint_no_commit_makes_is_refused_with_a_hint_to_name_the_commit(repo, capsys):
    """A record committed for a change HEAD's history does not have (a rebased-away
    branch, or a made-up fingerprint): nobody can tell who wrote it."""
    repo.start({"models/a.toml": "t = 1\n"})
    fp = "sha256:" + "c0ffee" * 10 + "c0ff"
    record = repo.path / "audit" / f"{fp.removeprefix('sha256:')[:16]}.toml"
    record.parent.mkdir()
    record.write_text(f'fingerprint = "{fp}"\n')
    repo.commit("a record for nothing", {})
    for who in ("alice@example.com", "bob@example.com"):
        code, out, err = run(repo, capsys, "approve", fp, who=who)
        assert refused((code, out, err), "no commit in the history of HEAD makes"), err
        assert "auditui approve <COMMIT>" in err.splitlines()[1]
    assert record.read_text() == f'fingerprint = "{fp}"\n'
    assert run(repo, capsys, "approve", fp, "--withdraw", who="bob@example.com")[0] == 0


def test_a_cherry_pick_by_another_author_refuses_both_authors(repo, capsys):
    """alice's change, undone by carol, made again by bob: both commits have one
    fingerprint and share its record, so neither alice nor bob may approve it, by
    either commit or by fingerprint; carol may."""
    repo.start({"models/a.toml": "t = 1\n"})
    first = repo.commit("raise a", {"models/a.toml": "t = 2\n"}, author="alice")
    repo.commit("undo", {"models/a.toml": "t = 1\n"}, author="carol")
    again = repo.commit("raise a again", {"models/a.toml": "t = 2\n"}, author="bob")
    report = audit(repo)
    fp = next(c.fingerprint for c in report.changes if c.commit.sha == first)
    assert next(c.fingerprint for c in report.changes if c.commit.sha == again) == fp
    for who in ("alice@example.com", "bob@example.com"):
        for name in (fp, first, again):
            assert refused(run(repo, capsys, "approve", name, who=who)), (who, name)
    assert not (repo.path / "audit").exists()
    assert run(repo, capsys, "approve", fp, who="carol@example.com")[0] == 0


def test_with_an_upstream_the_authors_are_those_of_the_range_check_judges(repo, capsys, tmp_path):
    """alice's change is on the remote already; bob makes it again in the range `check`
    judges (from the upstream on): that range's record judges bob's commit, which
    alice did not write, and the lookup never walks the whole history for it."""
    repo.start({"models/a.toml": "t = 1\n"})
    first = repo.commit("raise a", {"models/a.toml": "t = 2\n"}, author="alice")
    repo.commit("undo", {"models/a.toml": "t = 1\n"}, author="carol")
    bare_remote(repo, tmp_path)
    again = repo.commit("raise a again", {"models/a.toml": "t = 2\n"}, author="bob")
    fp = next(c.fingerprint for c in audit(repo).changes if c.commit.sha == again)
    for name in (fp, again):
        assert refused(run(repo, capsys, "approve", name, who="bob@example.com")), name
    assert run(repo, capsys, "approve", fp, who="alice@example.com")[0] == 0
    assert refused(run(repo, capsys, "approve", first, who="alice@example.com"))


def test_a_policy_that_allows_it_later_clears_only_the_changes_made_under_it(repo, capsys, change):
    """Self-approval allowed at HEAD, but off in the policy at the change's parent
    (what its push was judged by): still refused, by fingerprint as by commit. A change
    made once every policy allows it is the author's to approve."""
    fp, _ = with_record(repo, capsys, change)
    repo.commit("allow self-approval", {".auditui.toml": SELF_OK}, author="carol")
    for name in (fp, change):
        assert refused(run(repo, capsys, "approve", name, who="alice@example.com")), name
    later = repo.commit("raise a more", {"models/a.toml": "t = 3\n"}, author="alice")
    later_fp, _ = with_record(repo, capsys, later)
    assert run(repo, capsys, "approve", later_fp, who="alice@example.com")[0] == 0


EMAILS = st.from_regex(r"[a-z0-9._+-]{1,12}@[a-z0-9-]{1,10}\.[a-z]{2,4}", fullmatch=True)


@st.composite
def spelt(draw, email: str) -> str:
    """`email` as someone may type it: any letter's case changed, blanks around it."""
    cased = "".join(c.upper() if draw(st.booleans()) else c for c in email)
    return draw(st.sampled_from(["", " ", "\t"])) + cased + draw(st.sampled_from(["", " "]))


@given(data=st.data(), author=EMAILS, other=EMAILS)
def test_approve_refuses_exactly_the_approvals_aud005_flags(data, author, other):
    """One notion of a person: for any approver (the author spelt another way, or
    someone else) and either setting, `approve`'s refusal and AUD005 agree."""
    by = data.draw(st.one_of(spelt(author), spelt(other)))
    allow = data.draw(st.booleans())
    pol = Policy(approvals=Approvals(allow_self_approval=allow))
    at = dt.datetime(2026, 3, 4, tzinfo=dt.UTC)
    record = Record("audit/x.toml", "sha256:x", approvals=(Approval(by, "approve", at),))
    findings = record_findings(
        fingerprint="sha256:x",
        models=[],
        author=author,
        needs_evals=False,
        record_file="audit/x.toml",
        record=record,
        record_error=None,
        policy=pol,
    )
    commit = CommitInfo("0" * 40, (), "A", author, "", "", "change")
    try:
        refuse_approval_by_author(by, [commit], [pol])
        refuses = False
    except AuditError:
        refuses = True
    assert refuses == any(f.rule == "AUD005" for f in findings)
