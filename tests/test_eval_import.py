"""`auditui eval import` (SPEC 9): real-shaped output of promptfoo, lm-evaluation-
harness and inspect_ai (tests/fixtures/evals, each with a note of where its format is
defined) becomes one eval entry with error bars, on a real repository."""

from __future__ import annotations

import hashlib
import math
import tomllib
from pathlib import Path

import pytest

from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit
from tests.test_cli import assert_cannot_judge, run

FIXTURES = Path(__file__).parent / "fixtures" / "evals"
# 40 questions, 30 right before and 27 after, the 3 lost among the 30: by hand,
# differences -100 (3x) and 0 (37x), so se = sqrt(27750 / 39) / sqrt(40).
PAIRED_SE = math.sqrt(27750 / 39) / math.sqrt(40)


# The config the inspect fixtures were run with (their model_generate_config): the change
# moves a setting no run records, so both runs are evidence for it.
MINI = "temperature = 0.0\nmax_tokens = 1024\nsystem_prompt = 'prompts/p.md'\ncache_ttl = {}\n"
PROMPT = {"prompts/p.md": "Solve step by step.\n"}


def mini(repo: RepoBuilder) -> RepoBuilder:
    repo.start({"models/gpt-4.1-mini.toml": MINI.format(60), **PROMPT})
    repo.commit("shorter cache", {"models/gpt-4.1-mini.toml": MINI.format(30)})
    return repo


@pytest.fixture
def change(repo: RepoBuilder) -> RepoBuilder:
    return mini(repo)


def import_pair(
    capsys, repo: RepoBuilder, baseline: Path, candidate: Path, *extra: str
) -> tuple[int, str, str]:
    """`auditui eval import HEAD` of two output files, as a user runs it."""
    pair = ["--baseline", str(baseline), "--candidate", str(candidate)]
    return run(capsys, "eval", "import", "HEAD", "--repo", str(repo.path), *pair, *extra)


def imported(
    capsys, repo, tool_dir: str, *extra: str, base="baseline.json", cand="candidate.json"
) -> tuple[int, str, str]:
    return import_pair(capsys, repo, FIXTURES / tool_dir / base, FIXTURES / tool_dir / cand, *extra)


def entries(repo) -> list[dict]:
    (record,) = (repo.path / "audit").glob("*.toml")
    return tomllib.loads(record.read_text())["evals"]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("tool_dir", "tool", "suite"),
    [
        ("promptfoo", "promptfoo", ["--suite", "coding"]),
        ("inspect", "inspect", ["--suite", "coding"]),
    ],
)
def test_a_pair_becomes_one_paired_entry(capsys, change, tool_dir, tool, suite):
    code, out, err = imported(capsys, change, tool_dir, *suite)
    assert code == 0, err
    (entry,) = entries(change)
    assert entry["model"] == "gpt-4.1-mini"  # the file's openai:/openai/ id, matched
    assert (entry["suite"], entry["source"]) == ("coding", tool)
    assert (entry["baseline"], entry["candidate"], entry["samples"]) == (75.0, 67.5, 40)
    assert entry["paired"] is True and entry["stderr"] == pytest.approx(PAIRED_SE, abs=1e-6)
    assert entry["baseline_sha256"] == sha(FIXTURES / tool_dir / "baseline.json")
    assert entry["candidate_sha256"] == sha(FIXTURES / tool_dir / "candidate.json")
    assert entry["run"].startswith(f"{tool} ") and " -> " in entry["run"]
    assert "-7.5 ± 8.3 (n=40, paired)" in out
    # The same pair again adds nothing, and says so.
    code, out, _ = imported(capsys, change, tool_dir, *suite)
    assert code == 0 and "already recorded" in out and len(entries(change)) == 1


def test_confidence_policy_judges_the_imported_error_bars(capsys, tmp_path):
    policy = DEFAULT_POLICY.replace(
        "max_regression = 1.0", "max_regression = 10.0\nconfidence = 0.95"
    )
    repo = mini(RepoBuilder(tmp_path / "r", policy))
    base = repo.git("rev-parse", "HEAD~1")
    assert imported(capsys, repo, "inspect", "--suite", "coding")[0] == 0
    repo.git("config", "user.email", "bob@example.com")
    assert run(capsys, "approve", "HEAD", "--repo", str(repo.path))[0] == 0
    repo.commit("evidence", author="bob")
    (c,) = [c for c in audit(repo, base).changes if c.commit.subject == "shorter cache"]
    # -7.5 points is within the 10 allowed, but -7.5 ± 8.3 could be -15.8: blocks.
    assert c.rules == ["AUD003"]
    assert "-7.5 ± 8.3 (n=40, paired)" in c.findings[0].message


def test_two_providers_need_the_model_named(capsys, change):
    code, out, err = imported(
        capsys, change, "promptfoo", "--suite", "coding", cand="two_providers.json"
    )
    assert_cannot_judge(
        code,
        out,
        err,
        "the files' model anthropic:messages:claude-sonnet-4-"
        "20250514 matches none of the change's models",
        "--model GLOB",
    )
    code, _out, err = imported(
        capsys,
        change,
        "promptfoo",
        "--suite",
        "coding",
        "--model",
        "gpt-4.1-mini",
        cand="two_providers.json",
    )
    assert code == 0, err
    assert "not imported, not among the models --model chooses: anthropic:messages:" in err
    (entry,) = entries(change)
    assert entry["candidate"] == 80.0 and entry["paired"] is True


def test_two_tools_and_unknown_shapes_are_clear_errors(capsys, change, tmp_path):
    code, out, err = import_pair(
        capsys,
        change,
        FIXTURES / "promptfoo" / "baseline.json",
        FIXTURES / "inspect" / "candidate.json",
        "--suite",
        "coding",
    )
    assert_cannot_judge(code, out, err, "is promptfoo output", "is inspect output")
    odd = tmp_path / "odd.json"
    odd.write_text('{"accuracy": 0.9}')
    code, out, err = import_pair(capsys, change, odd, odd)
    assert_cannot_judge(code, out, err, "not the output of promptfoo", "--tool")
    assert not (change.path / "audit").exists()


def test_a_model_the_change_does_not_move_is_refused(capsys, repo):
    repo.start({"models/other.toml": "t = 1\n"})
    repo.commit("edit", {"models/other.toml": "t = 2\n"})
    code, out, err = imported(capsys, repo, "inspect", "--suite", "coding")
    assert_cannot_judge(code, out, err, "none of the change's models", "--model")


def test_a_promptfoo_file_names_no_suite(capsys, change):
    """promptfoo has no task name (its description is free text): --suite says it."""
    code, out, err = imported(capsys, change, "promptfoo")
    assert_cannot_judge(code, out, err, "names no task", "--suite")
    code, _out, err = imported(capsys, change, "promptfoo", "--suite", "vibes")
    assert code == 0 and "'vibes' is not one the policy requires" in err


@pytest.fixture
def pythia(repo: RepoBuilder) -> RepoBuilder:
    repo.start({"models/pythia-160m.toml": "max_tokens = 64\n"})
    repo.commit("longer", {"models/pythia-160m.toml": "max_tokens = 128\n"})
    return repo


def lm_eval(name: str) -> Path:
    return next((FIXTURES / "lm_eval" / name).glob("results_*.json"))


def test_lm_eval_pairs_on_doc_ids_from_the_samples_beside(capsys, pythia):
    code, _out, err = import_pair(capsys, pythia, lm_eval("baseline"), lm_eval("candidate"))
    assert code == 0, err
    (entry,) = entries(pythia)
    # By hand: 50 docs, 35 right then 32, three lost: diffs -100 (3x), 0 (47x), mean -6,
    # squared deviations 3(94^2) + 47(6^2) = 28200.
    assert (entry["model"], entry["suite"], entry["source"]) == (
        "pythia-160m",
        "arc_easy",
        "lm-eval",
    )
    assert (entry["baseline"], entry["candidate"], entry["samples"]) == (70.0, 64.0, 50)
    assert entry["paired"] is True
    assert entry["stderr"] == pytest.approx(math.sqrt(28200 / 49) / math.sqrt(50), abs=1e-6)


def test_lm_eval_without_samples_or_stderr_falls_back_to_binomial(capsys, pythia):
    """The "N/A" stderr of a run without bootstrap, and no samples file: the pass rates
    and counts still give a binomial error."""
    code, _out, err = import_pair(capsys, pythia, lm_eval("na_stderr"), lm_eval("candidate"))
    assert code == 0, err
    (entry,) = entries(pythia)
    assert entry["paired"] is False
    assert entry["stderr"] == pytest.approx(
        100 * math.sqrt(0.7 * 0.3 / 50 + 0.64 * 0.36 / 50), abs=1e-6
    )


def test_lm_eval_with_two_tasks_needs_the_suite_named(capsys, pythia):
    pair = (lm_eval("two_tasks"), lm_eval("two_tasks"))
    code, out, err = import_pair(capsys, pythia, *pair)
    assert_cannot_judge(code, out, err, "holds several runs", "--suite")
    code, _out, err = import_pair(capsys, pythia, *pair, "--suite", "hellaswag")
    assert code == 0, err
    assert entries(pythia)[0]["suite"] == "hellaswag"


def test_unpaired_from_the_errors_each_run_reports(capsys, pythia):
    """The older (v0.4.9) layout has no samples file here: the stderrs it reports."""
    pair = (lm_eval("classic_v0_4_9"), lm_eval("two_tasks"))
    code, _out, err = import_pair(capsys, pythia, *pair, "--suite", "arc_easy")
    assert code == 0, err
    (entry,) = entries(pythia)
    assert entry["paired"] is False
    assert entry["stderr"] == pytest.approx(
        math.hypot(6.546536707079771, 6.546536707079771), abs=1e-6
    )


def test_a_run_of_another_config_is_not_evidence(capsys, change):
    """inspect records the generate config it ran with: a candidate run at temperature
    0.7 is not a run of this change (0.0), which the import warns of and the check
    reports (AUD012)."""
    from tests.helpers.repo import audit

    code, _out, err = imported(
        capsys, change, "inspect", "--suite", "coding", cand="other_config.json"
    )
    assert code == 0
    assert "candidate run: temperature 0.7, the config has 0.0" in err
    (entry,) = entries(change)
    assert entry["config_mismatch"] == ["candidate run: temperature 0.7, the config has 0.0"]
    change.git("config", "user.email", "bob@example.com")
    assert run(capsys, "approve", "HEAD", "--repo", str(change.path))[0] == 0
    change.commit("evidence", author="bob")
    (c,) = [c for c in audit(change).changes if c.commit.subject == "shorter cache"]
    (why,) = [f.message for f in c.findings if f.rule == "AUD012"]
    assert "evaluated another config" in why  # (AUD003 too: -7.5 is more than 1 point)


def test_lm_evals_system_instruction_is_checked_against_the_prompt(capsys, repo):
    """lm-eval records the sha256 of its system instruction: a model whose prompt is
    another text was not what ran."""
    repo.start(
        {
            "models/pythia-160m.toml": "max_tokens = 64\nsystem_prompt = 'prompts/p.md'\n",
            "prompts/p.md": "You are a careful assistant.",
        }
    )
    repo.commit(
        "longer", {"models/pythia-160m.toml": "max_tokens = 128\nsystem_prompt = 'prompts/p.md'\n"}
    )
    pair = (lm_eval("baseline"), lm_eval("candidate"))
    code, _out, err = import_pair(capsys, repo, *pair)
    assert code == 0 and "system instruction" not in err  # the same instruction: evidence
    repo.commit("new prompt", {"prompts/p.md": "You are a terse assistant."})
    code, _out, err = import_pair(capsys, repo, *pair)
    assert code == 0 and "system instruction (sha256 9c5ab41ee459…) is none" in err
