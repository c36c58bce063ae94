"""Break-glass end to end on real repositories (docs/blocked.md, "Shipping during an
incident"): `auditui override` by someone `[override] allowed` names lets a change
through (status overridden, listed in every format), refused for anyone else; once
`follow_up_hours` have passed at the head commit, AUD014 blocks it (also from later
checks whose range no longer holds it) until others than the overrider record the
evidence; signed where signatures are required; the pre-push hook says how."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from auditui.cli import main
from auditui.core.evidence.records import RecordError, append_entries, parse_record, tally
from auditui.core.formats import render
from tests.helpers.repo import (
    DEFAULT_POLICY,
    RepoBuilder,
    audit,
    bare_remote,
    install_hook,
    push,
)
from tests.helpers.signing import keypair

BREAK_GLASS = '\n[override]\nallowed = ["dave@example.com"]\nfollow_up_hours = 24\n'
POLICY = DEFAULT_POLICY + BREAK_GLASS
FP = "sha256:" + "ab" * 32


def incident(tmp_path, policy: str = POLICY) -> tuple[RepoBuilder, str, str]:
    """A repo whose policy lets dave override, and a hotfix with no evidence."""
    repo = RepoBuilder(tmp_path / "r", policy)
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    base = repo.head()
    fix = repo.commit("hotfix: cap a (INC-7)", {"models/a.toml": "max_tokens = 8\n"}, author="erin")
    return repo, base, fix


def override(repo: RepoBuilder, who: str, target: str, *extra: str) -> int:
    repo.git("config", "user.email", who)
    argv = ["override", target, "--repo", str(repo.path), "--reason", "INC-7: checkout down"]
    return main([*argv, *extra])


def after(hours: float) -> dt.datetime:
    """A commit date `hours` after now: the override's `at` is the time it is written."""
    return dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)


def check_json(repo: RepoBuilder, base: str, capsys) -> tuple[int, dict]:
    capsys.readouterr()
    code = main(["check", "--repo", str(repo.path), "--base", base, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_an_allowed_override_lets_the_change_through_and_every_format_says_so(tmp_path, capsys):
    repo, base, fix = incident(tmp_path)
    assert audit(repo, base).changes[0].status == "blocked"
    assert override(repo, "dave@example.com", fix) == 0
    said = capsys.readouterr().out
    assert "override by dave@example.com" in said and "24 hours" in said
    repo.commit("record the override", author="dave", date=after(0.01))
    code, report = check_json(repo, base, capsys)
    assert code == 0 and report["ok"] is True
    assert report["summary"]["overridden"] == 1 and report["summary"]["blocked"] == 0
    (change,) = report["changes"]
    assert change["status"] == "overridden"
    assert change["override"]["by"] == "dave@example.com"
    assert change["override"]["reason"] == "INC-7: checkout down"
    assert change["override"]["overdue"] is False and change["override"]["hours_left"] > 0
    assert {f["rule"] for f in change["findings"]} == {"AUD002", "AUD004"}  # owed
    assert [o["commit"] for o in report["overridden"]] == [fix]
    r = audit(repo, base)
    text = render(r, "text")
    assert "OVERRIDDEN (1): evidence owed" in text and "owed AUD004" in text
    assert "1 overridden, 0 passed" in text
    junit = ET.fromstring(render(r, "junit"))
    section = junit.find("testsuite[@name='auditui overridden (evidence owed)']")
    assert section is not None and section.find("testcase/skipped") is not None
    assert "INC-7" in section.find("testcase/skipped").get("message")
    sarif = json.loads(render(r, "sarif"))
    results = sarif["runs"][0]["results"]
    assert {x["level"] for x in results} == {"warning"}
    assert all(x["suppressions"][0]["status"] == "accepted" for x in results)
    assert sarif["runs"][0]["properties"]["overridden"][0]["commit"] == fix
    github = render(r, "github")
    assert "::warning" in github and "::error" not in github
    assert "### Overridden: evidence owed" in github


def test_an_override_is_refused_to_anyone_not_allowed(tmp_path, capsys):
    repo, base, fix = incident(tmp_path)
    assert override(repo, "mallory@example.com", fix) == 2
    err = capsys.readouterr().err
    assert "mallory@example.com may not override" in err and "dave@example.com" in err
    assert not (repo.path / "audit").exists()  # nothing written
    # An entry written by hand does not count either: the change stays blocked, and says why.
    (change,) = audit(repo, base).changes
    entry = {"by": "mallory@example.com", "verdict": "override", "reason": "trust me"}
    append_entries(
        repo.path, change.record_file, change.fingerprint, approvals=[{**entry, "at": after(0)}]
    )
    repo.commit("forged override", author="mallory", date=after(0.01))
    (change,) = audit(repo, base).changes
    assert change.status == "blocked" and change.override is None
    assert any(f.rule == "AUD006" and "does not count" in f.message for f in change.findings)


def test_nobody_may_override_by_default(tmp_path, capsys):
    repo, _base, fix = incident(tmp_path, DEFAULT_POLICY)
    assert override(repo, "dave@example.com", fix) == 2
    assert "names nobody" in capsys.readouterr().err


def test_aud014_once_the_follow_up_is_due_until_others_record_the_evidence(tmp_path, capsys):
    repo, base, fix = incident(tmp_path)
    assert override(repo, "dave@example.com", fix) == 0
    recorded = repo.commit("record the override", author="dave", date=after(1))
    assert audit(repo, base).changes[0].status == "overridden"
    repo.commit("later work", date=after(25))  # the head is past the 24 hours
    (change,) = audit(repo, base).changes
    assert change.status == "blocked" and change.rules[0] == "AUD002"
    assert change.findings[0].rule == "AUD014" and change.override.overdue
    # A later check whose range no longer holds the change blocks on it too.
    code, report = check_json(repo, recorded, capsys)
    assert code == 1
    (earlier,) = report["changes"]
    assert earlier["commit"] == fix and earlier["outside_range"] is True
    assert earlier["findings"][0]["rule"] == "AUD014"
    # The overrider's own approval is no follow-up.
    repo.git("config", "user.email", "dave@example.com")
    assert main(["approve", fix, "--repo", str(repo.path)]) == 0
    argv = ["eval", "add", fix, "--repo", str(repo.path), "--model", "a", "--suite", "coding"]
    assert main([*argv, "--baseline", "70", "--candidate", "70"]) == 0
    dave = repo.commit("dave's evidence", author="dave", date=after(26))
    (change,) = audit(repo, base).changes
    assert change.rules == ["AUD004", "AUD014"]
    assert (
        "dave@example.com overrode it"
        in next(f for f in change.findings if f.rule == "AUD004").message
    )
    # Someone else's approval clears it: the change passes, its override noted as followed up.
    repo.git("config", "user.email", "carol@example.com")
    assert main(["approve", fix, "--repo", str(repo.path)]) == 0
    repo.commit("carol follows up", author="carol", date=after(27))
    (change,) = audit(repo, base).changes
    assert change.status == "pass" and change.override is not None
    assert "followed up" in render(audit(repo, base), "text")
    assert audit(repo, dave).changes == []  # nothing owed outside the range any more


def test_a_later_override_does_not_move_the_deadline(tmp_path, capsys):
    repo, base, fix = incident(
        tmp_path,
        POLICY.replace('["dave@example.com"]', '["dave@example.com", "frank@example.com"]'),
    )
    assert override(repo, "dave@example.com", fix) == 0
    repo.commit("first override", author="dave", date=after(1))
    repo.commit("a day on", date=after(25))
    assert override(repo, "frank@example.com", fix) == 0  # tries to buy another day
    repo.commit("second override", author="frank", date=after(25.5))
    (change,) = audit(repo, base).changes
    assert change.status == "blocked" and change.findings[0].rule == "AUD014"
    assert change.override.by == "dave@example.com"


def test_a_signed_override_counts_and_a_reworded_reason_does_not(tmp_path, capsys):
    dave_key, dave_pub = keypair(tmp_path, "dave")
    policy = POLICY.replace("required = 1\n", "required = 1\nrequire_signatures = true\n")
    repo = RepoBuilder(tmp_path / "r", policy)
    repo.start(
        {"models/a.toml": "max_tokens = 10\n"},
        allowed_signers=f'dave@example.com namespaces="auditui-approval" {dave_pub}\n',
    )
    base = repo.head()
    fix = repo.commit("hotfix", {"models/a.toml": "max_tokens = 8\n"}, author="erin")
    assert override(repo, "dave@example.com", fix) == 2  # unsigned: it would not count
    assert "requires signatures" in capsys.readouterr().err
    assert override(repo, "dave@example.com", fix, "--sign", dave_key) == 0
    repo.commit("signed override", author="dave", date=after(0.01))
    (change,) = audit(repo, base).changes
    assert change.status == "overridden"
    record = repo.path / change.record_file
    record.write_text(record.read_text().replace("INC-7: checkout down", "routine tweak"))
    repo.commit("reword the reason", author="mallory", date=after(0.02))
    (change,) = audit(repo, base).changes
    assert change.status == "blocked"
    assert any(f.rule == "AUD007" and "override by dave" in f.message for f in change.findings)


def test_the_pre_push_hook_says_how_to_break_glass_and_lists_what_it_let_through(tmp_path):
    repo = RepoBuilder(tmp_path / "r", POLICY)
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    bare_remote(repo, tmp_path)
    install_hook(repo)
    fix = repo.commit("hotfix", {"models/a.toml": "max_tokens = 8\n"}, author="erin")
    blocked = push(repo, "origin", "main")
    assert blocked.returncode != 0
    assert "auditui override COMMIT --reason TEXT" in blocked.stderr
    assert "dave@example.com can let a change through" in blocked.stderr
    assert override(repo, "dave@example.com", fix) == 0
    repo.commit("override INC-7", author="dave", date=after(0.01))
    landed = push(repo, "origin", "main")
    assert landed.returncode == 0, landed.stderr
    assert "let through by override" in landed.stderr and "INC-7" in landed.stderr


def test_an_override_entry_needs_a_reason_and_is_no_ones_word():
    base = f'fingerprint = "{FP}"\n[[approvals]]\nby = "d@x"\nverdict = "override"\n'
    with pytest.raises(RecordError, match="`reason`"):
        parse_record("r", base + "at = 2026-03-04T00:00:00Z\n")
    with pytest.raises(RecordError, match="empty"):
        parse_record("r", base + 'reason = " "\nat = 2026-03-04T00:00:00Z\n')
    record = parse_record("r", base + 'reason = "INC-1"\nat = 2026-03-04T00:00:00Z\n')
    assert record.verdicts() == {} and [o.by for o in record.overrides()] == ["d@x"]
    assert tally(record) == "0 evals, 0 approvals, 1 override"


def test_the_override_section_is_checked_like_any_other():
    from auditui.core.base.errors import AuditError
    from auditui.core.policy.parse import parse_policy

    policy = parse_policy(POLICY)
    assert policy.override.allowed == ("dave@example.com",)
    assert policy.override.follow_up_hours == 24
    assert parse_policy(DEFAULT_POLICY).override.allowed == ()
    assert parse_policy(DEFAULT_POLICY).override.follow_up_hours == 72
    for bad, said in (
        ("allowed = [1]", "[override] allowed"),
        ("follow_up_hours = -1", "[override] follow_up_hours"),
        ("allowd = []", "unknown key 'allowd'"),
    ):
        with pytest.raises(AuditError, match=re.escape(said)):
            parse_policy(DEFAULT_POLICY + f"\n[override]\n{bad}\n")


def test_deleting_the_record_does_not_clear_what_the_change_owes(tmp_path, capsys):
    repo, _base, fix = incident(tmp_path)
    assert override(repo, "dave@example.com", fix) == 0
    recorded = repo.commit("record the override", author="dave", date=after(1))
    (record,) = (repo.path / "audit").iterdir()
    record.unlink()
    repo.commit("tidy the audit folder", author="mallory", date=after(2))  # before it is due
    code, report = check_json(repo, recorded, capsys)
    assert code == 1
    (earlier,) = report["changes"]
    assert earlier["commit"] == fix and earlier["outside_range"] is True
    assert earlier["status"] == "blocked" and earlier["findings"][0]["rule"] == "AUD001"


def test_an_override_dated_after_the_commit_carrying_it_does_not_count(tmp_path):
    """A later `at` would push the deadline out: it counts only once the head is there,
    and its deadline runs from when it was recorded."""
    repo, base, _fix = incident(tmp_path)
    (change,) = audit(repo, base).changes
    entry = {"by": "dave@example.com", "verdict": "override", "reason": "INC-7"}
    later = {**entry, "at": after(24 * 365)}  # a year on: a year of "overridden"
    append_entries(repo.path, change.record_file, change.fingerprint, approvals=[later])
    repo.commit("record an override dated next year", author="dave", date=after(0.01))
    (change,) = audit(repo, base).changes
    assert change.status == "blocked" and change.override is None
    assert any(f.rule == "AUD014" and "after the head commit" in f.message for f in change.findings)
    repo.commit("a year on", date=after(24 * 365 + 1))
    (change,) = audit(repo, base).changes
    # It counts now, its deadline run from when it was recorded: long past.
    assert change.status == "blocked" and change.findings[0].rule == "AUD014"
    assert change.override is not None and change.override.overdue


# -- what an attacker at the records tried (a review of this code) ------------------


def overdue(tmp_path) -> tuple[RepoBuilder, str, str, str]:
    """An override recorded an hour on; returns the repo, base, the hotfix and the
    commit that recorded the override (the base of every later push)."""
    repo, base, fix = incident(tmp_path)
    assert override(repo, "dave@example.com", fix) == 0
    recorded = repo.commit("record the override", author="dave", date=after(1))
    return repo, base, fix, recorded


def record_of(repo: RepoBuilder) -> Path:
    (record,) = (repo.path / "audit").iterdir()
    return record


def test_an_override_spelled_with_a_toml_escape_is_still_found(tmp_path, capsys):
    repo, _base, fix, recorded = overdue(tmp_path)
    record = record_of(repo)
    record.write_text(record.read_text().replace('"override"', '"\\u006Fverride"'))
    respelled = repo.commit("respell the verdict", author="mallory", date=after(2))
    repo.commit("days on", date=after(50))
    code, report = check_json(repo, respelled, capsys)  # a push after it landed
    assert code == 1 and report["changes"][0]["findings"][0]["rule"] == "AUD014"


def test_a_false_locator_and_models_lower_nothing(tmp_path, capsys):
    repo, _base, fix, recorded = overdue(tmp_path)
    repo.commit("days on", date=after(50))
    record = record_of(repo)
    fingerprint = parse_record("r", record.read_text()).fingerprint
    own = {"by": "erin@example.com", "verdict": "approve", "at": after(51)}
    append_entries(repo.path, f"audit/{record.name}", fingerprint, approvals=[own])
    text = record.read_text().replace(fix, "0" * 40)
    record.write_text(text.replace('models = [\n    "a",\n]', "models = []"))
    repo.commit("point the override elsewhere", author="erin", date=after(51))
    code, report = check_json(repo, recorded, capsys)
    (earlier,) = report["changes"]
    assert code == 1 and earlier["commit"] == fix  # found by its fingerprint
    rules = {f["rule"] for f in earlier["findings"]}
    assert rules == {"AUD014", "AUD002", "AUD004", "AUD005"}  # erin's own word is none


def test_a_re_dated_override_buys_no_time(tmp_path, capsys):
    repo, _base, _fix, recorded = overdue(tmp_path)
    record = record_of(repo)
    stamp = after(20).strftime("%Y-%m-%d %H:%M:%S+00:00")
    lines = record.read_text().splitlines(keepends=True)
    record.write_text("".join(f"at = {stamp}\n" if ln.startswith("at = ") else ln for ln in lines))
    moved = repo.commit("re-date the override", author="mallory", date=after(20))
    repo.commit("a day and more on", date=after(30))  # due 24 h after it was recorded
    code, report = check_json(repo, moved, capsys)
    assert code == 1 and report["changes"][0]["findings"][0]["rule"] == "AUD014"


def test_a_later_policy_neither_cancels_nor_adds_to_what_is_owed(tmp_path, capsys):
    """The policy at the commit where the override first counted judges the change from
    then on: taking dave out of [override] allowed cancels nothing (AUD014 once due),
    and raising `required` after the follow-up asks nothing more."""
    repo, _base, fix, recorded = overdue(tmp_path)
    policy = (repo.path / ".auditui.toml").read_text().replace("dave@", "frank@")
    after_policy = repo.commit("on-call is frank now", {".auditui.toml": policy}, date=after(2))
    repo.commit("later work", date=after(3))  # before dave's deadline: nothing to say
    code, _report = check_json(repo, after_policy, capsys)
    assert code == 0
    late = repo.commit("a day and more on", date=after(30))
    code, report = check_json(repo, after_policy, capsys)
    (earlier,) = report["changes"]
    assert code == 1 and earlier["commit"] == fix
    assert earlier["findings"][0]["rule"] == "AUD014"
    # Followed up as that policy asked: one approval by someone else, and the eval.
    repo.git("config", "user.email", "bob@example.com")
    assert main(["approve", fix, "--repo", str(repo.path)]) == 0
    argv = ["eval", "add", fix, "--repo", str(repo.path), "--model", "a", "--suite", "coding"]
    assert main([*argv, "--baseline", "70", "--candidate", "70"]) == 0
    repo.commit("follow up", author="bob", date=after(31))
    stricter = policy.replace("required = 1", "required = 2")
    repo.commit("two approvals from now on", {".auditui.toml": stricter}, date=after(32))
    repo.commit("later still", date=after(33))
    code, report = check_json(repo, late, capsys)
    assert [c for c in report["changes"] if c.get("outside_range")] == []


def test_a_change_undone_and_redone_in_a_push_does_not_hide_the_earlier_one(tmp_path, capsys):
    repo, _base, fix, recorded = overdue(tmp_path)
    repo.commit("days on", date=after(50))
    repo.commit("lift the cap", {"models/a.toml": "max_tokens = 10\n"}, date=after(51))
    repo.commit("cap again", {"models/a.toml": "max_tokens = 8\n"}, date=after(52))
    code, report = check_json(repo, recorded, capsys)
    assert code == 1
    earlier = [c for c in report["changes"] if c.get("outside_range")]
    assert [c["commit"] for c in earlier] == [fix]


def test_a_rebased_change_is_found_by_its_fingerprint_and_judged_by_its_rules(tmp_path, capsys):
    policy = POLICY + (
        '\n[[rules]]\nname = "caps"\nkeys = ["max_tokens"]\nkinds = ["decrease"]\n'
        "approvals = 2\nsuites = []\n"
    )
    repo = RepoBuilder(tmp_path / "r", policy)
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    main_tip = repo.head()
    repo.git("checkout", "-q", "-b", "pr")
    pr_fix = repo.commit("hotfix", {"models/a.toml": "max_tokens = 8\n"}, author="erin")
    assert override(repo, "dave@example.com", pr_fix) == 0
    repo.commit("override", author="dave", date=after(1))
    repo.git("checkout", "-q", "main")
    repo.git("cherry-pick", main_tip + "..pr")  # the PR rebased onto main
    landed = repo.head()
    for who in ("bob", "carol"):
        repo.git("config", "user.email", f"{who}@example.com")
        assert main(["approve", "HEAD~1", "--repo", str(repo.path)]) == 0
    repo.commit("two approvals", author="bob", date=after(50))
    code, report = check_json(repo, landed, capsys)
    assert code == 0, report  # the rule's two approvals, no eval: followed up
    # Where the search found it is remembered: later checks search only what is new.
    cache = json.loads((repo.path / ".git" / "auditui" / "locators.json").read_text())
    found = [value[0] for value in cache.values() if isinstance(value, list)]
    assert found == [repo.git("rev-parse", "HEAD~2")]
    # And that the record passed: the next check reads it no further. Caches decide
    # nothing: with them and without, the same verdict.
    assert [key for key in cache if key.startswith("settled:")] != []
    assert check_json(repo, landed, capsys)[0] == 0
    shutil.rmtree(repo.path / ".git" / "auditui")
    assert check_json(repo, landed, capsys)[0] == 0


def test_a_deadline_of_more_than_ten_years_is_refused():
    from auditui.core.base.errors import AuditError
    from auditui.core.policy.parse import parse_policy

    for bad in ("1e308", "inf", "100000000"):
        with pytest.raises(AuditError, match="up to 87600"):
            parse_policy(DEFAULT_POLICY + f"\n[override]\nfollow_up_hours = {bad}\n")


def test_a_re_dated_record_merged_from_a_side_branch_buys_no_time(tmp_path, capsys):
    """git log simplifies history: a merge taking the record from its other side hid
    the commit where the override first stood, and with it the deadline."""
    repo, _base, fix, recorded = overdue(tmp_path)
    record = record_of(repo)
    original = record.read_text()
    repo.git("checkout", "-q", "-b", "side", fix)
    stamp = after(20).strftime("%Y-%m-%d %H:%M:%S+00:00")
    lines = original.splitlines(keepends=True)
    record.parent.mkdir(exist_ok=True)
    record.write_text("".join(f"at = {stamp}\n" if ln.startswith("at = ") else ln for ln in lines))
    repo.commit("the same override, later", author="dave", date=after(20))
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "-X", "theirs", "--no-edit", "side", env=_dated(after(21)))
    merged = repo.head()
    repo.commit("a day and more on", date=after(30))  # 24 h after it first stood
    code, report = check_json(repo, merged, capsys)
    assert code == 1 and report["changes"][0]["findings"][0]["rule"] == "AUD014"


def _dated(when: dt.datetime) -> dict[str, str]:
    stamp = when.isoformat()
    return {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}


def test_a_search_under_another_policy_is_not_trusted(tmp_path, capsys):
    """The locator cache is kept per policy: a run with a trial policy under which the
    change is no change must not hide it from the team's own checks."""
    repo, _base, fix, recorded = overdue(tmp_path)
    record = record_of(repo)
    record.write_text(record.read_text().replace(f'commit = "{fix}"\n', ""))
    repo.commit("no locator", author="dave", date=after(2))
    later = repo.commit("days on", date=after(50))
    trial = tmp_path / "trial.toml"
    trial.write_text(POLICY + '\n[watch]\nignore = ["max_tokens"]\n')  # no change there
    capsys.readouterr()
    assert main(["check", "--repo", str(repo.path), "--base", later, "--policy", str(trial)]) == 0
    code, report = check_json(repo, later, capsys)
    assert code == 1 and report["changes"][0]["findings"][0]["rule"] == "AUD014"


def test_a_stray_override_entry_nobody_allowed_leaves_a_passed_change_alone(tmp_path, capsys):
    repo, base, fix = incident(tmp_path)
    repo.git("config", "user.email", "bob@example.com")
    assert main(["approve", fix, "--repo", str(repo.path)]) == 0
    argv = ["eval", "add", fix, "--repo", str(repo.path), "--model", "a", "--suite", "coding"]
    assert main([*argv, "--baseline", "70", "--candidate", "70"]) == 0
    (change,) = audit(repo, base).changes
    stray = {"by": "eve@example.com", "verdict": "override", "reason": "x", "at": after(0)}
    append_entries(repo.path, change.record_file, change.fingerprint, approvals=[stray])
    repo.commit("evidence, and a stray entry", author="bob", date=after(0.01))
    policy = (repo.path / ".auditui.toml").read_text().replace("required = 1", "required = 2")
    tighter = repo.commit("two approvals from now on", {".auditui.toml": policy}, date=after(1))
    repo.commit("later", date=after(100))
    code, report = check_json(repo, tighter, capsys)
    assert code == 0 and report["changes"] == []


def test_an_override_dated_past_any_deadline_is_an_unreadable_record_not_a_crash(tmp_path, capsys):
    repo, base, fix = incident(tmp_path)
    (change,) = audit(repo, base).changes
    (repo.path / "audit").mkdir()
    (repo.path / change.record_file).write_text(
        f'fingerprint = "{change.fingerprint}"\n\n[[approvals]]\nby = "dave@example.com"\n'
        'verdict = "override"\nreason = "x"\nat = 9999-12-31T23:00:00-05:00\n'
    )
    repo.commit("far future", author="dave", date=after(0.01))
    code, report = check_json(repo, base, capsys)
    (finding,) = report["changes"][0]["findings"]
    assert code == 1 and finding["rule"] == "AUD009" and "out of range" in finding["message"]
