"""`auditui eval run` never gives a repository's strings to a shell (issue 25, item 5).

A model's name is whatever a pushed file is called. The policy's runner is split into
words once; each placeholder fills its own word and is never read again; code an
interpreter runs (`sh -c ...`) never holds a placeholder and reads AUDITUI_MODEL & co.
instead. Real repositories, real runner processes: tests/fixtures/evals/runner/score.py
with `--record` writes down the arguments and AUDITUI_* variables it was given.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditui.core.base.errors import AuditError
from auditui.core.features.runner import split
from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder
from tests.test_cli import assert_cannot_judge, run

SCORE = Path(__file__).parents[1] / "fixtures" / "evals" / "runner" / "score.py"
PY, SC = shlex.quote(sys.executable), shlex.quote(str(SCORE))
HOSTILE = "m$(touch PWNED)"  # the issue's model file: models/m$(touch PWNED).yaml


def with_runner(command: str, extra: str = "") -> str:
    return DEFAULT_POLICY + extra + f"\n[evals.runner]\ncommand = {json.dumps(command)}\n"


def eval_repo(where: Path, command: str, names: list[str]) -> RepoBuilder:
    """Models named `names` (as YAML files) warmed by HEAD, judged with `command`."""
    repo = RepoBuilder(where, with_runner(command))
    repo.start({f"models/{name}.yaml": "temperature: 0.0\n" for name in names})
    repo.commit("warmer", {f"models/{name}.yaml": "temperature: 0.2\n" for name in names})
    return repo


def received(record: Path) -> list[dict]:
    """What each run of score.py was given: its arguments and AUDITUI_* variables."""
    if not record.exists():
        return []
    return [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]


def intended(template: list[str], seen: dict, name: str) -> list[str]:
    """`template` (score.py's words after its path) as this run should have received
    it: each placeholder replaced, as a whole, by the one value it stands for."""
    values = {
        "{model}": name,
        "{suite}": "coding",
        "{config}": seen["env"]["AUDITUI_CONFIG"],
        "{output}": seen["env"]["AUDITUI_OUTPUT"],
    }
    out = []
    for word in template:
        for key, value in values.items():
            head, sep, tail = word.partition(key)
            if sep:
                word = head + value + tail
                break
        out.append(word)
    return out


def test_the_issue_attack_runs_nothing_and_says_how_to_write_it(tmp_path):
    """`sh -c '... {model}'` with a model file `models/m$(touch PWNED).yaml`: refused
    before anything runs, one line and a hint, exit 2, no PWNED anywhere."""
    script = (
        f"{PY} {SC} --model {{model}} --suite {{suite}} --config {{config}} --output {{output}}"
    )
    repo = eval_repo(tmp_path / "r", f"sh -c {shlex.quote(script)}", [HOSTILE])
    assert (repo.path / "models" / f"{HOSTILE}.yaml").exists()
    done = subprocess.run(
        [sys.executable, "-m", "auditui", "eval", "run", "HEAD"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_cannot_judge(
        done.returncode,
        done.stdout,
        done.stderr,
        "puts {model} into what `sh -c` runs as code",
        'hint: read it from the environment instead: "$AUDITUI_MODEL"',
    )
    assert not list(tmp_path.rglob("PWNED"))
    assert not (repo.path / "audit").exists()


def test_the_same_shell_runner_reading_the_environment_gets_the_name_as_data(capsys, tmp_path):
    record = tmp_path / "seen.jsonl"
    script = (
        f'{PY} {SC} --model "$AUDITUI_MODEL" --suite "$AUDITUI_SUITE" '
        f'--config "$AUDITUI_CONFIG" --output "$AUDITUI_OUTPUT" --record {shlex.quote(str(record))}'
    )
    repo = eval_repo(tmp_path / "r", f"sh -c {shlex.quote(script)}", [HOSTILE])
    code, out, err = run(capsys, "eval", "run", "HEAD", "--repo", str(repo.path))
    assert code == 0, err
    runs = received(record)
    assert len(runs) == 2
    for seen in runs:
        assert seen["argv"][:4] == ["--model", HOSTILE, "--suite", "coding"]
        assert seen["env"]["AUDITUI_MODEL"] == HOSTILE
        assert seen["env"]["AUDITUI_SUITE"] == "coding"
        assert seen["argv"][5] == seen["env"]["AUDITUI_CONFIG"]
        assert Path(seen["env"]["AUDITUI_CONFIG"]).parent.name.startswith("auditui-eval-")
    assert not list(tmp_path.rglob("PWNED"))
    (written,) = (repo.path / "audit").glob("*.toml")
    assert tomllib.loads(written.read_text())["evals"][0]["model"] == HOSTILE


# Spaces, both quotes, $(), backticks, ; & |, a glob, ~, a variable, a backslash, a
# newline, and another placeholder's text: one argument each time, byte for byte.
NASTY = "w x 'q' \"d\" $(touch PWNED) `touch PWNED`; touch PWNED & | * ~ $HOME {suite} \\ \nz"
TEMPLATE = [
    "--model",
    "{model}",
    "--suite",
    "{suite}",
    "--config",
    "{config}",
    "--output",
    "{output}",
    "--note=<{model}>",
]


def test_a_placeholder_is_always_exactly_one_argument(capsys, tmp_path):
    record = tmp_path / "seen.jsonl"
    command = shlex.join([sys.executable, str(SCORE), *TEMPLATE, "--record", str(record)])
    repo = eval_repo(tmp_path / "r", command, [NASTY])
    code, out, err = run(capsys, "eval", "run", "HEAD", "--repo", str(repo.path))
    assert code == 0, err
    runs = received(record)
    assert len(runs) == 2
    for seen in runs:
        assert seen["argv"] == [*intended(TEMPLATE, seen, NASTY), "--record", str(record)]
        assert seen["env"]["AUDITUI_MODEL"] == NASTY
    assert not list(tmp_path.rglob("PWNED"))


@pytest.mark.parametrize("name", ["-rf", "--output=PWNED.json"])
def test_a_name_that_would_be_an_option_is_refused_or_kept_behind_its_equals(
    capsys, tmp_path, name
):
    """As a whole argument a leading '-' would make the name an option of the runner:
    refused before any run, with the `--model={model}` form as the hint; in that form
    it is any other value."""
    record = tmp_path / "seen.jsonl"
    tail = [
        "--suite",
        "{suite}",
        "--config",
        "{config}",
        "--output",
        "{output}",
        "--record",
        str(record),
    ]
    whole = shlex.join([sys.executable, str(SCORE), "--model", "{model}", *tail])
    repo = eval_repo(tmp_path / "whole", whole, [name])
    code, out, err = run(capsys, "eval", "run", "HEAD", "--repo", str(repo.path))
    assert_cannot_judge(
        code,
        out,
        err,
        f"model '{name}' begins with '-'",
        "hint: put it after an option's '=' in the command (like --model={model})",
    )
    assert received(record) == [] and not list(tmp_path.rglob("PWNED*"))
    joined = shlex.join([sys.executable, str(SCORE), "--model={model}", *tail])
    repo = eval_repo(tmp_path / "joined", joined, [name])
    code, out, err = run(capsys, "eval", "run", "HEAD", "--repo", str(repo.path))
    assert code == 0, err
    assert [seen["argv"][0] for seen in received(record)] == [f"--model={name}"] * 2
    assert not list(tmp_path.rglob("PWNED*"))


# Fragments that mean something to a shell, to argparse or to a placeholder filler,
# mixed with arbitrary text (no surrogates: JSON keys carry them, a file system cannot).
FRAGMENTS = [
    "{model}",
    "{suite}",
    "{output}",
    "$(touch PWNED)",
    "`touch PWNED`",
    ";",
    "&&",
    "|",
    "'",
    '"',
    "\\",
    " ",
    "\t",
    "\n",
    "*",
    "?",
    "~",
    "$HOME",
    "${IFS}",
    "-",
    "--output=x",
    "=",
    "\0",
    "é",
    "\u202e",
]
NAMES = (
    st.lists(
        st.sampled_from(FRAGMENTS) | st.text(st.characters(exclude_categories=["Cs"])),
        min_size=1,
        max_size=6,
    )
    .map("".join)
    .filter(bool)
)
CATALOGUE = '\n[[layout.collection]]\npath = "catalogue.json"\nitems = "mapping"\n'


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=NAMES)
def test_any_model_name_reaches_the_runner_as_exactly_the_intended_argv(capsys, name):
    """A collection entry's name is any JSON string. Whatever it is, each run's argv is
    the command's words with each placeholder replaced whole, never split or expanded;
    or, for a name that argv cannot carry as given (a NUL) or that would begin an
    argument with '-', a one-line refusal before anything runs."""
    with tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "seen.jsonl"
        command = shlex.join([sys.executable, str(SCORE), *TEMPLATE, "--record", str(record)])
        repo = RepoBuilder(Path(tmp) / "r", with_runner(command, CATALOGUE))
        repo.start({"catalogue.json": json.dumps({name: {"temperature": 0.0}})})
        repo.commit("warmer", {"catalogue.json": json.dumps({name: {"temperature": 0.2}})})
        code, out, err = run(capsys, "eval", "run", "HEAD", "--repo", str(repo.path))
        runs = received(record)
        if "\0" in name or name.startswith("-"):
            assert_cannot_judge(code, out, err, "model '")
            assert runs == []
        else:
            assert code == 0, err
            assert len(runs) == 2
            for seen in runs:
                assert seen["argv"] == [*intended(TEMPLATE, seen, name), "--record", str(record)]
                assert seen["env"]["AUDITUI_MODEL"] == name
        assert not list(Path(tmp).rglob("PWNED"))


def test_a_name_with_a_nul_is_refused_before_any_run(capsys, tmp_path):
    """A NUL would cut the argument short (a JSON key can hold one): a one-line error,
    not a truncated name or a traceback."""
    name = "a\0b"
    record = tmp_path / "seen.jsonl"
    command = shlex.join([sys.executable, str(SCORE), *TEMPLATE, "--record", str(record)])
    repo = RepoBuilder(tmp_path / "r", with_runner(command, CATALOGUE))
    repo.start({"catalogue.json": json.dumps({name: {"temperature": 0.0}})})
    repo.commit("warmer", {"catalogue.json": json.dumps({name: {"temperature": 0.2}})})
    code, out, err = run(capsys, "eval", "run", "HEAD", "--repo", str(repo.path))
    assert_cannot_judge(
        code,
        out,
        err,
        "cannot be given to [evals.runner] command as it is",
        "hint: rename the model",
    )
    assert received(record) == []


REFUSED = [
    "sh -c 'score --model {model}'",
    "/bin/sh -c 'score --model {model}'",
    "bash -c 'score --suite={suite}'",
    "zsh -c 'score {model}'",
    "dash -ec 'score {model}'",
    "bash -o pipefail -lc 'score {model}'",
    "env sh -c 'score {model}'",
    "env -i PATH=/usr/bin sh -c 'score {model}'",
    "timeout 600 bash -c 'score {model}'",
    "sh -c 'score \"$1\"' sh {model}",  # after the script: still refused, use the variable
    "python3 -c 'import score; score.run(\"{model}\")'",
    "/usr/bin/python3.12 -Ic 'print(1)' {config}",
    "python3 {model}",
    "python3 -m {model}",
    "perl -le 'print \"{model}\"'",
    "node -e 'run(\"{model}\")'",
    "ruby -e 'run \"{model}\"'",
    "env -S 'score --model {model}'",
    "cmd /c score {model}",
    "pwsh -Command score {model}",
    "ssh evalhost score --model {model}",
    "npx -c 'promptfoo eval --description {model}'",
]


@pytest.mark.parametrize("command", REFUSED)
def test_code_an_interpreter_runs_never_holds_a_placeholder(command):
    with pytest.raises(AuditError) as caught:
        split(command)
    assert "runs as code" in caught.value.message
    assert caught.value.hint.startswith("hint: read it from the environment instead: ")


ALLOWED = [
    "python3 score.py --model {model} --suite {suite} --config {config} --output {output}",
    "python3 score.py -c {config} --model={model}",  # the script's own -c, not python's
    "python3 -u -W ignore score.py {model}",
    "python3 -m lm_eval --model hf --model_args pretrained={model} --output_path {output}",
    "perl -Mfeature=say score.pl {model}",
    "env AUDITUI_MODE=ci sh -c 'score --model \"$AUDITUI_MODEL\"'",
    "env MODEL={model} sh -c 'score --model \"$MODEL\"'",
    'sh -c \'score --model "$AUDITUI_MODEL" --output "$AUDITUI_OUTPUT"\'',
    "promptfoo eval -c {config} -o {output} --description '{model} on {suite}'",
    "npx --yes promptfoo@latest eval -c {config} -o {output}",
]


@pytest.mark.parametrize("command", ALLOWED)
def test_a_placeholder_outside_code_is_kept(command):
    assert split(command) == tuple(shlex.split(command))


@pytest.mark.parametrize(
    "command, needle",
    [
        ("{model}-eval --x", "names the program"),
        ("./run-{suite}.sh", "names the program"),
        ("score 'unclosed", "cannot be split"),
        ("  ", "is empty"),
    ],
)
def test_a_command_auditui_cannot_run_safely_is_one_clear_error(command, needle):
    with pytest.raises(AuditError) as caught:
        split(command)
    assert needle in caught.value.message and caught.value.hint


def test_a_runner_that_prints_bytes_or_cannot_start_is_one_clear_error(capsys, tmp_path):
    """What a runner prints may quote a name that is not UTF-8; a program may exist
    without being executable: both one line and a hint, never a traceback."""
    bad = f"{PY} -c " + shlex.quote("import sys; sys.stderr.buffer.write(b'no \\xff\\n'); exit(3)")
    repo = eval_repo(tmp_path / "bytes", bad, ["a"])
    code, out, err = run(capsys, "eval", "run", "HEAD", "--repo", str(repo.path))
    assert code == 2 and "Traceback" not in err and "internal error" not in err
    assert "auditui: error: [evals.runner] command failed (exit 3): no \ufffd" in err
    script = tmp_path / "eval.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o644)
    repo = eval_repo(tmp_path / "noexec", shlex.quote(str(script)) + " {model}", ["a"])
    code, out, err = run(capsys, "eval", "run", "HEAD", "--repo", str(repo.path))
    assert "auditui: eval run 1/2: a on coding, baseline config" in err
    assert_cannot_judge(code, out, err.split("\n", 1)[1], "command cannot be run", "executable")
