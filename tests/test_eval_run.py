"""`auditui eval run` (issue 16): the policy's eval command run on the parent and the
changed config of each affected model and suite, then imported. The eval is a local
script (tests/fixtures/evals/runner/score.py) that scores a config deterministically."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder
from tests.test_cli import assert_cannot_judge, run

SCORE = Path(__file__).parent / "fixtures" / "evals" / "runner" / "score.py"


def repo_with(tmp_path, extra: str = "", timeout: float = 20) -> RepoBuilder:
    command = (
        f"{sys.executable} {SCORE} --model {{model}} --suite {{suite}} "
        f"--config {{config}} --output {{output}}{extra}"
    )
    policy = DEFAULT_POLICY + f"\n[evals.runner]\ncommand = {json.dumps(command)}\n"
    policy += f"timeout = {timeout}\n"
    repo = RepoBuilder(tmp_path / "r", policy)
    repo.start(
        {
            "models/a.toml": "temperature = 0.0\nsystem_prompt = 'prompts/p.md'\n",
            "models/b.toml": "temperature = 0.1\n",
            "prompts/p.md": "Be brief.\n",
        }
    )
    repo.commit(
        "warmer and wordier",
        {
            "models/a.toml": "temperature = 0.2\nsystem_prompt = 'prompts/p.md'\n",
            "prompts/p.md": "Be brief. Answer every question in one short sentence.\n",
        },
    )
    return repo


def test_each_affected_model_is_run_on_both_configs_and_imported(capsys, tmp_path):
    repo = repo_with(tmp_path)
    code, out, err = run(capsys, "eval", "run", "HEAD", "--repo", str(repo.path))
    assert code == 0, err
    assert "eval run 1/2: a on coding, baseline config" in err
    assert "eval run 2/2: a on coding, candidate config" in err
    (record,) = (repo.path / "audit").glob("*.toml")
    (entry,) = tomllib.loads(record.read_text())["evals"]
    # a: 30 of 40 at temperature 0; 30 - 2 (temperature 0.2) - 1 (a prompt over 40 chars).
    assert (entry["model"], entry["suite"], entry["source"]) == ("a", "coding", "promptfoo")
    assert (entry["baseline"], entry["candidate"], entry["samples"]) == (75.0, 67.5, 40)
    assert entry["paired"] is True
    assert "-7.5 ± 8.3 (n=40, paired)" in out
    # Run again: the same outputs, so the same pair: nothing added.
    code, out, _ = run(capsys, "eval", "run", "HEAD", "--repo", str(repo.path))
    assert code == 0 and "already recorded" in out
    assert len(tomllib.loads(record.read_text())["evals"]) == 1


def test_a_failing_or_slow_eval_is_a_clear_error(capsys, tmp_path):
    repo = repo_with(tmp_path / "fail", " --fail")
    code, out, err = run(capsys, "eval", "run", "HEAD", "--repo", str(repo.path))
    assert code == 2 and out == "" and "Traceback" not in err
    assert (
        "auditui: error: [evals.runner] command failed (exit 1): score.py: the eval "
        "crashed (as asked)"
    ) in err
    assert "hint: run it by hand: " in err
    assert not (repo.path / "audit").exists()
    # The runner of the policy that judges the change (at its parent) is the one used.
    slow = repo_with(tmp_path / "slow", " --sleep 5", timeout=0.5)
    code, out, err = run(capsys, "eval", "run", "HEAD", "--repo", str(slow.path))
    assert code == 2 and "ran over its 0.5 s" in err and "hint: raise" in err


def test_without_a_runner_the_policy_is_named(capsys, repo):
    repo.start({"models/a.toml": "t = 1\n"})
    repo.commit("edit", {"models/a.toml": "t = 2\n"})
    code, out, err = run(capsys, "eval", "run", "HEAD", "--repo", str(repo.path))
    assert_cannot_judge(code, out, err, "no [evals.runner]", "[evals.runner] command")


def test_the_command_is_never_given_to_a_shell(capsys, tmp_path):
    """A model name with shell syntax stays one argument: nothing is executed by it."""
    repo = repo_with(tmp_path)
    canary = tmp_path / "pwned"
    code, out, err = run(
        capsys, "eval", "run", "HEAD", "--repo", str(repo.path), "--model", f"a; touch {canary}"
    )
    assert code == 2 and "is not affected" in err
    assert not canary.exists()


def test_a_pinned_policy_names_the_runner(capsys, tmp_path):
    """git config auditui.policy (a reviewed file outside the repository) decides what
    runs, as it decides what judges."""
    repo = repo_with(tmp_path)
    pinned = tmp_path / "pinned.toml"
    pinned.write_text(DEFAULT_POLICY)  # no runner: nothing may run
    repo.git("config", "auditui.policy", str(pinned))
    code, out, err = run(capsys, "eval", "run", "HEAD", "--repo", str(repo.path))
    assert_cannot_judge(code, out, err, "no [evals.runner]")
