"""The command line as CI scripts see it: exit codes, stdout data, stderr diagnostics."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditui.cli import main
from tests.helpers.repo import RepoBuilder, git

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_cannot_judge(code: int, out: str, err: str, *needles: str) -> None:
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert 1 <= len(lines) <= 2, err
    assert lines[0].startswith("auditui: error: ")
    if len(lines) == 2:
        assert lines[1].startswith("hint: ")
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err


@pytest.fixture
def simple(repo: RepoBuilder) -> RepoBuilder:
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    repo.commit("raise", {"models/a.toml": "max_tokens = 20\n"})
    return repo


def test_check_blocks_unaudited_change_exit_1(capsys, simple):
    code, out, err = run(capsys, "check", "--repo", str(simple.path))
    assert code == 1
    assert "BLOCKED AUD001" in out
    assert "a  max_tokens  10 -> 20  (increase)" in out
    assert out.rstrip().splitlines()[-1].startswith("auditui: BLOCKED — 2 changes in 2 commits")
    assert err == ""


def test_check_json_is_the_spec_shape(capsys, simple):
    code, out, _ = run(capsys, "check", "--repo", str(simple.path), "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["version"] == 1 and data["ok"] is False and data["policy"] == "head"
    assert data["base"] is None and len(data["head"]) == 40
    assert data["summary"] == {
        "changes": 2,
        "blocked": 1,
        "overridden": 0,
        "passed": 0,
        "exempt": 1,
        "reverted": 0,
    }
    assert data["overridden"] == []  # the section of overrides, after the changes
    first, second = data["changes"]
    assert first["status"] == "exempt" and second["status"] == "blocked"
    assert set(second) == {
        "commit",
        "subject",
        "author",
        "date",
        "fingerprint",
        "models",
        "deltas",
        "status",
        "findings",
        "evals",
    }
    assert second["deltas"] == [
        {"model": "a", "path": "max_tokens", "old": 10, "new": 20, "kind": "increase"}
    ]
    assert second["findings"][0]["rule"] == "AUD001"
    assert second["author"] == "alice@example.com"
    assert second["date"].startswith("2026-03-01T")


def test_check_output_file(capsys, simple, tmp_path):
    target = tmp_path / "report.json"
    code, out, _ = run(
        capsys, "check", "--repo", str(simple.path), "--format", "json", "--output", str(target)
    )
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["summary"]["blocked"] == 1


def test_empty_range_passes_exit_0(capsys, simple):
    code, out, _ = run(capsys, "check", "--repo", str(simple.path), "--base", "HEAD")
    assert code == 0
    assert "0 changes in 0 commits" in out


def test_not_a_git_repository(capsys, tmp_path):
    assert_cannot_judge(*run(capsys, "check", "--repo", str(tmp_path)), "not a git repository")


def test_missing_directory(capsys, tmp_path):
    assert_cannot_judge(*run(capsys, "check", "--repo", str(tmp_path / "nope")), "no such")


def test_unknown_revision(capsys, simple):
    assert_cannot_judge(
        *run(capsys, "check", "--repo", str(simple.path), "--base", "no-such-rev"),
        "unknown base revision 'no-such-rev'",
    )


def test_invalid_policy_at_base(capsys, tmp_path):
    repo = RepoBuilder(tmp_path / "r", policy="[aprovals]\nrequired = 2\n")
    repo.start({"models/a.toml": "x = 1\n"})
    repo.commit("edit", {"models/a.toml": "x = 2\n"})
    assert_cannot_judge(
        *run(capsys, "check", "--repo", str(repo.path), "--base", "HEAD~1"),
        "unknown section [aprovals]",
        ".auditui.toml",
    )


def test_wrong_type_in_policy(capsys, tmp_path):
    repo = RepoBuilder(tmp_path / "r", policy='[approvals]\nrequired = "2"\n')
    repo.start({"models/a.toml": "x = 1\n"})
    assert_cannot_judge(
        *run(capsys, "check", "--repo", str(repo.path)), "[approvals] required", "integer"
    )


def test_no_policy_anywhere(capsys, tmp_path):
    bare = RepoBuilder(tmp_path / "r", policy=None)
    bare.commit("models", {"models/a.toml": "x = 1\n"})
    assert_cannot_judge(
        *run(capsys, "check", "--repo", str(bare.path)), "no .auditui.toml", "auditui init"
    )


def test_policy_option_missing_file(capsys, simple, tmp_path):
    assert_cannot_judge(
        *run(capsys, "check", "--repo", str(simple.path), "--policy", str(tmp_path / "p.toml")),
        "cannot read policy file",
    )


def test_policy_option_judges_without_exemption(capsys, tmp_path):
    bare = RepoBuilder(tmp_path / "r", policy=None)
    bare.commit("models", {"models/a.toml": "x = 1\n"})
    policy = tmp_path / "trial.toml"
    policy.write_text("[approvals]\nrequired = 1\n")
    code, out, _ = run(
        capsys, "check", "--repo", str(bare.path), "--policy", str(policy), "--format", "json"
    )
    data = json.loads(out)
    assert code == 1 and data["policy"] == str(policy)
    assert [c["status"] for c in data["changes"]] == ["blocked"]


def test_shallow_clone_whole_history_is_explained(capsys, simple, tmp_path):
    for n in range(3):
        simple.commit(f"more {n}", {"models/a.toml": f"max_tokens = {30 + n}\n"})
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "2", f"file://{simple.path}", str(clone))
    git(clone, "branch", "--unset-upstream")  # no upstream: the default range is all history
    assert_cannot_judge(
        *run(capsys, "check", "--repo", str(clone)), "shallow clone", "git fetch --unshallow"
    )


def test_shallow_clone_missing_base_is_explained(capsys, simple, tmp_path):
    simple.commit("more", {"models/a.toml": "max_tokens = 30\n"})
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{simple.path}", str(clone))
    assert_cannot_judge(
        *run(capsys, "check", "--repo", str(clone), "--base", "HEAD~2"),
        "unknown base revision",
        "fetch-depth: 0",
    )


def test_shallow_clone_with_base_inside_history_works(capsys, simple, tmp_path):
    simple.commit("more", {"models/a.toml": "max_tokens = 30\n"})
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "2", f"file://{simple.path}", str(clone))
    code, out, _ = run(capsys, "check", "--repo", str(clone), "--base", "HEAD~1")
    assert code == 1
    assert "max_tokens  20 -> 30" in out


def test_partial_clone_with_missing_objects_is_explained(capsys, simple, tmp_path):
    source = tmp_path / "source"
    git(tmp_path, "clone", "-q", "--bare", str(simple.path), str(source))
    git(source, "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "partial"
    git(
        tmp_path,
        "clone",
        "-q",
        "--no-checkout",
        "--filter=blob:none",
        f"file://{source}",
        str(clone),
    )
    git(clone, "remote", "set-url", "origin", str(tmp_path / "gone"))  # the promisor is gone
    code, out, err = run(capsys, "check", "--repo", str(clone))
    assert_cannot_judge(code, out, err, "missing", "partial")


def test_init_writes_starter_and_refuses_overwrite(capsys, tmp_path):
    git(tmp_path, "init", "-q")
    code, out, _ = run(capsys, "init", "--repo", str(tmp_path))
    assert code == 0 and "wrote" in out and "found no model configs or prompts" in out
    from auditui.core.policy.model import Policy
    from auditui.core.policy.parse import parse_policy

    text = (tmp_path / ".auditui.toml").read_text()
    assert parse_policy(text) == Policy()  # nothing found: the defaults, and a warning
    assert "auditui init found no model configs or prompts" in text
    (tmp_path / ".auditui.toml").write_text("# mine\n")
    code, out, err = run(capsys, "init", "--repo", str(tmp_path))
    assert_cannot_judge(code, out, err, "already exists")
    assert (tmp_path / ".auditui.toml").read_text() == "# mine\n"


def test_approve_and_eval_add_write_the_record(capsys, simple):
    simple.git("config", "user.email", "bob@example.com")
    code, out, _ = run(
        capsys,
        "eval",
        "add",
        "HEAD",
        "--repo",
        str(simple.path),
        "--model",
        "a",
        "--suite",
        "coding",
        "--baseline",
        "50",
        "--candidate",
        "50.5",
    )
    assert code == 0 and "eval a/coding 50 -> 50.5 (+0.5)" in out
    code, out, _ = run(capsys, "approve", "HEAD", "--repo", str(simple.path), "--comment", "ok")
    assert code == 0 and "approve by bob@example.com" in out
    records = list((simple.path / "audit").glob("*.toml"))
    assert len(records) == 1
    text = records[0].read_text()
    assert (
        'by = "bob@example.com"' in text and 'comment = "ok"' in text and "candidate = 50.5" in text
    )
    simple.commit("record", author="bob")
    code, out, _ = run(capsys, "check", "--repo", str(simple.path))
    assert code == 0, out
    assert "PASS" in out


def test_eval_add_refuses_unaffected_model(capsys, simple):
    argv = ["eval", "add", "HEAD", "--repo", str(simple.path), "--model", "zzz"]
    argv += ["--suite", "coding", "--baseline", "1", "--candidate", "1"]
    code, out, err = run(capsys, *argv)
    assert_cannot_judge(code, out, err, "'zzz' is not affected")
    assert not (simple.path / "audit").exists()


def test_demo_check_golden_json(capsys, tmp_path):
    """The sample history's JSON report is stable: a diff here is a contract change."""
    target = tmp_path / "demo"
    assert main(["demo", "--check", "--into", str(target)]) == 1
    capsys.readouterr()
    code, out, _ = run(capsys, "check", "--repo", str(target), "--format", "json")
    assert code == 1
    data = json.loads(out)
    data["repo"] = "<demo>"
    golden = ROOT / "tests" / "golden" / "demo.json"
    if os.environ.get("AUDITUI_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    assert data == json.loads(golden.read_text())
    statuses = {
        c["subject"]: (c["status"], sorted({f["rule"] for f in c["findings"]}))
        for c in data["changes"]
    }
    # Two of the incident's causes were undone within the history: reverted, with the
    # findings they had kept for the record; the third (the cache) still blocks.
    # The sample's policy asks two approvals, an owner's among them, for an effort
    # downgrade (its [[rules]]): the change had one and no owner's.
    assert statuses["Lower default reasoning effort high -> medium for latency"] == (
        "reverted",
        ["AUD002", "AUD004", "AUD013"],
    )
    assert statuses["Clear thinking cache every turn to cut memory use"] == ("blocked", ["AUD001"])
    assert statuses["Prompt: cap verbosity between tool calls and in final responses"] == (
        "reverted",
        ["AUD003"],
    )
    by_subject = {c["subject"]: c for c in data["changes"]}
    effort = by_subject["Lower default reasoning effort high -> medium for latency"]
    undo = by_subject["Revert default reasoning effort to high (quality regression)"]
    assert effort["reverted_by"] == undo["commit"] and undo["reverts"] == effort["commit"]
    assert undo["status"] == "reverted" and "reverted_by" not in undo
    assert data["summary"] == {
        "changes": 16,
        "blocked": 3,
        "overridden": 1,
        "passed": 5,
        "exempt": 2,
        "reverted": 5,
    }
    # The INC-12 hotfix weakens a prompt instruction (must -> should), which the
    # sample's rule asks two approvals for; carol broke glass: overridden, evidence owed.
    hotfix = by_subject[
        "Hotfix INC-12: haiku hedges every answer since Apr 30; ask it, do not require it"
    ]
    assert hotfix["status"] == "overridden" and hotfix["rules_applied"] == ["weaker-instructions"]
    assert sorted({f["rule"] for f in hotfix["findings"]}) == ["AUD002", "AUD004"]
    assert hotfix["override"]["by"] == "carol@example.com"
    assert hotfix["override"]["hours_left"] == 72.0
    assert [o["commit"] for o in data["overridden"]] == [hotfix["commit"]]
    weakened = [d for d in hotfix["deltas"] if d["kind"] == "obligation-weakened"]
    assert [(d["old"]["word"], d["new"]["word"]) for d in weakened] == [("must", "should")]
    broken = by_subject["Add sonnet-4.6-fast for low-latency completions"]
    fix = by_subject["Fix indentation in sonnet-4.6-fast.yaml"]
    assert (broken["status"], broken["reverted_by"]) == ("reverted", fix["commit"])
    assert effort["rules_applied"] == ["effort-downgrade"]
    aud013 = [f for f in effort["findings"] if f["rule"] == "AUD013"]
    assert {f["model"] for f in aud013} == {"opus-4.6", "opus-4.7", "sonnet-4.6"}
    assert all(f["by_rule"] == "effort-downgrade" for f in aud013)
    assert fix["status"] == "pass"  # the fix adds the model: judged, with its evidence
    kinds = {d["kind"] for c in data["changes"] for d in c["deltas"]}
    assert {"limit-added", "limit-removed", "downgrade", "upgrade", "increase", "text"} <= kinds


def test_entry_point_and_hook_path_do_not_import_textual(simple):
    code = (
        "import sys; from auditui.cli import main; rc = main(['check', '--repo', sys.argv[1]]);"
        "assert 'textual' not in sys.modules, 'textual imported'; print('rc', rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(simple.path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("rc 1")


def test_console_script_runs(simple):
    result = subprocess.run(
        [sys.executable, "-m", "auditui", "check", "--repo", str(simple.path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "AUD001" in result.stdout and result.stderr == ""


def test_output_through_symlink_and_to_a_fifo(capsys, simple, tmp_path):
    """--output never replaces what the path is: a link keeps pointing, a FIFO stays one."""
    import threading

    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    code, _, _ = run(
        capsys, "check", "--repo", str(simple.path), "--format", "json", "--output", str(link)
    )
    assert code == 1 and link.is_symlink()
    assert json.loads(real.read_text())["summary"]["blocked"] == 1

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    code, _, _ = run(capsys, "check", "--repo", str(simple.path), "--output", str(fifo))
    reader.join(timeout=10)
    assert code == 1 and "AUD001" in received[0]
    import stat as stat_mod

    assert stat_mod.S_ISFIFO(fifo.stat().st_mode)


def test_log_lists_models_and_traces_one(capsys, tmp_path):
    target = tmp_path / "demo"
    main(["demo", "--check", "--into", str(target)])
    capsys.readouterr()
    code, out, _ = run(capsys, "log", "--repo", str(target))
    assert code == 0
    assert out.splitlines()[0].split("\t")[0] == "haiku-4.5"
    assert "opus-4.7\t8 changes" in out
    code, out, _ = run(
        capsys,
        "log",
        "--repo",
        str(target),
        "--model",
        "opus-4.6",
        "--format",
        "json",
        "--since",
        "2026-03-01",
        "--until",
        "2026-04-16",
    )
    data = json.loads(out)
    subjects = [e["subject"] for e in data["entries"]]
    assert subjects == [
        "Lower default reasoning effort high -> medium for latency",
        "Clear thinking cache every turn to cut memory use",
        "Revert default reasoning effort to high (quality regression)",
        "Prompt: cap verbosity between tool calls and in final responses",
    ]
    limits = data["entries"][-1]
    assert {d["kind"] for d in limits["deltas"]} == {"text", "limit-added"}
    assert limits["evals"] == [
        {
            "suite": "coding",
            "baseline": 72.5,
            "candidate": 69.4,
            "delta": -3.1,
            "stderr": None,
            "samples": 1200,
            "paired": None,
            "source": None,
        }
    ]
    code, out, err = run(capsys, "log", "--repo", str(target), "--model", "nope")
    assert_cannot_judge(code, out, err, "no change to model 'nope'")
    code, out, err = run(capsys, "log", "--repo", str(target), "-m", "opus-4.6", "--since", "x")
    assert_cannot_judge(code, out, err, "--since: 'x' is not a date")


def test_terminal_escapes_in_repository_text_are_not_sent(capsys, repo):
    repo.start({"models/a.toml": "x = 1\n"})
    repo.commit("innocent\x1b[2K\x1b[1Ahidden", {"models/a.toml": "x = 2\n"})
    code, out, _ = run(capsys, "check", "--repo", str(repo.path), "--color", "never")
    assert code == 1
    assert "\x1b" not in out
    assert "innocent\\x1b[2K\\x1b[1Ahidden" in out


def test_review_errors_before_any_screen_opens(capsys, tmp_path, simple):
    """The app is never opened on an error: review (and plain `auditui`) check the
    repository, revisions and policy first (the test would hang in the app if not)."""
    code, out, err = run(capsys, "--repo", str(tmp_path))
    assert_cannot_judge(code, out, err, "not a git repository")
    code, out, err = run(capsys, "review", "--repo", str(simple.path), "--base", "nope")
    assert_cannot_judge(code, out, err, "unknown base revision 'nope'")
    code, out, err = run(capsys, "review", "--repo", str(simple.path), "--policy", "/nonexistent")
    assert_cannot_judge(code, out, err, "cannot read policy file", "hint: give --policy")


def test_an_empty_repository_says_it_has_no_commits(capsys, tmp_path):
    git(tmp_path, "init", "-q")
    for argv in (["check"], ["review"], ["log"], ["show", "a"]):
        code, out, err = run(capsys, *argv, "--repo", str(tmp_path))
        assert_cannot_judge(code, out, err, "has no commits yet", "hint: commit your config")


def test_targets_that_are_no_change_have_a_hint(capsys, simple):
    simple.commit("empty")
    code, out, err = run(capsys, "approve", "HEAD", "--repo", str(simple.path))
    assert_cannot_judge(code, out, err, "nothing to audit", "hint: ")
    argv = ["--model", "a", "--suite", "coding", "--baseline", "1", "--candidate", "1"]
    code, out, err = run(capsys, "eval", "add", "deadbeef", "--repo", str(simple.path), *argv)
    assert_cannot_judge(code, out, err, "neither a commit nor a fingerprint", "hint: ")


def test_a_report_written_to_a_file_still_says_the_verdict(capsys, simple, tmp_path):
    out_file = tmp_path / "r.xml"
    code, out, err = run(
        capsys, "check", "--repo", str(simple.path), "--format", "junit", "--output", str(out_file)
    )
    assert code == 1 and out == "" and out_file.read_text().startswith("<?xml")
    assert err.splitlines()[0].startswith("auditui: BLOCKED — 2 changes in 2 commits")
    assert err.splitlines()[1] == f"auditui: report written to {out_file}"


def test_log_dates_filter_the_model_list(capsys, repo):
    import datetime as dt

    repo.start({"models/a.toml": "t = 1\n", "models/b.toml": "t = 1\n"})
    repo.commit("a", {"models/a.toml": "t = 2\n"}, date=dt.datetime(2026, 3, 5, tzinfo=dt.UTC))
    repo.commit("b", {"models/b.toml": "t = 2\n"}, date=dt.datetime(2026, 4, 5, tzinfo=dt.UTC))
    code, out, _ = run(capsys, "log", "--repo", str(repo.path), "--since", "2026-04-01")
    assert code == 0 and out == "b\t1 change\n"
    code, out, _ = run(capsys, "log", "--repo", str(repo.path), "--until", "2026-03-31")
    assert out == "a\t2 changes\nb\t1 change\n"  # the adoption commit added both


def test_eval_add_for_a_suite_the_policy_does_not_require_warns(capsys, simple):
    argv = ["--model", "a", "--suite", "vibes", "--baseline", "1", "--candidate", "1"]
    code, _out, err = run(capsys, "eval", "add", "HEAD", "--repo", str(simple.path), *argv)
    assert code == 0
    assert "warning: suite 'vibes' is not one the policy requires (coding)" in err


def test_every_subcommand_help_has_a_description_option_help_and_exit_codes():
    import argparse

    from auditui.cli import build_parser

    def walk(parser, name):
        yield name, parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub_name, sub in action.choices.items():
                    yield from walk(sub, f"{name} {sub_name}")

    checked = 0
    for name, parser in walk(build_parser(), "auditui"):
        if name == "auditui":
            continue
        assert parser.description, f"{name}: no description"
        assert "exit codes:" in parser.format_help() and "2  auditui cannot judge" in (
            parser.format_help()
        ), name
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
                continue
            assert action.help, f"{name} {action.option_strings or action.dest}: no help text"
        checked += 1
    assert checked >= 13
