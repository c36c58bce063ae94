"""Evidence for many models from one eval run (SPEC 16, issue 26 item 9): a change to a
shared default moves 30 path-named models of three providers; one promptfoo run
against all 30 providers, on the parent config and on the change, is one `eval
import` writing an entry per model, and every model the files and the change do not
share is said before anything is written."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from tests.helpers import promptfoo
from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit
from tests.test_cli import assert_cannot_judge, run
from tests.test_eval_import import import_pair

POLICY = DEFAULT_POLICY.replace(
    'models = ["models/*.toml", "models/*.yaml", "models/*.yml", "models/*.json"]',
    'models = ["models/*/*.yaml"]\nnaming = "path"',
).replace("max_regression = 1.0", "max_regression = 50.0")
# Three providers, ten models each; azure's names are openai's, told apart by the folder.
PROVIDERS = {"openai": "openai:{}", "azure": "azure:chat:{}", "anthropic": "anthropic:messages:{}"}
STEMS = {"openai": "gpt-{}", "azure": "gpt-{}", "anthropic": "claude-{}"}
TESTS = 40


def catalogue(n: int = 10) -> dict[str, str]:
    return {
        f"models/{p}/{STEMS[p].format(i)}.yaml": f"model: {STEMS[p].format(i)}\nprovider: {p}\n"
        for p in PROVIDERS
        for i in range(n)
    }


def provider_ids(n: int = 10) -> dict[str, str]:
    """promptfoo provider id -> the auditui model it evaluates."""
    return {
        PROVIDERS[p].format(STEMS[p].format(i)): f"models/{p}/{STEMS[p].format(i)}"
        for p in PROVIDERS
        for i in range(n)
    }


@pytest.fixture
def change(tmp_path) -> RepoBuilder:
    """A shared default (max_tokens 4096 -> 8192) moving all 30 models."""
    repo = RepoBuilder(tmp_path / "repo", POLICY)
    repo.start({**catalogue(), "models/_defaults.toml": "max_tokens = 4096\n"})
    repo.commit("raise the default max_tokens", {"models/_defaults.toml": "max_tokens = 8192\n"})
    return repo


def passes(lost: int) -> list[bool]:
    """30 of 40 pass, less `lost` of those 30."""
    return [i < 30 - lost for i in range(TESTS)]


def runs(where: Path, ids: list[str], drop: int = 0) -> tuple[Path, Path]:
    """Baseline and candidate promptfoo files over `ids`; model k loses k % 4 tests."""
    base = {pid: passes(0) for pid in ids}
    cand = {pid: passes(k % 4) for k, pid in enumerate(ids[: len(ids) - drop])}
    return (
        promptfoo.write(
            where / "baseline.json", "eval-bAs-2026-03-05T10:00:00", base, "2026-03-05T10:00:00"
        ),
        promptfoo.write(
            where / "candidate.json", "eval-cNd-2026-03-05T11:00:00", cand, "2026-03-05T11:00:00"
        ),
    )


def import_(capsys, repo: RepoBuilder, files: tuple[Path, Path], *extra: str):
    return import_pair(capsys, repo, *files, "--suite", "coding", *extra)


def entries(repo: RepoBuilder) -> list[dict]:
    (record,) = (repo.path / "audit").glob("*.toml")
    return tomllib.loads(record.read_text())["evals"]


def test_one_run_gives_every_model_its_entry(capsys, change, tmp_path):
    ids = provider_ids()
    files = runs(tmp_path, sorted(ids))
    code, out, err = import_(capsys, change, files)
    assert code == 0, err
    got = {e["model"]: e for e in entries(change)}
    assert sorted(got) == sorted(ids.values()) == audit(change).changes[-1].models
    for k, pid in enumerate(sorted(ids)):
        entry, lost = got[ids[pid]], k % 4
        assert (entry["baseline"], entry["candidate"]) == (75.0, 75.0 - 2.5 * lost)
        assert entry["samples"] == TESTS and entry["source"] == "promptfoo"
        # `lost` tests go from 100 to 0, the rest stay: the paired error by hand.
        mean = -100 * lost / TESTS
        var = (lost * (-100 - mean) ** 2 + (TESTS - lost) * mean**2) / (TESTS - 1)
        assert entry["paired"] is True
        assert entry["stderr"] == pytest.approx((var / TESTS) ** 0.5, abs=1e-6)
    assert len({e["at"] for e in got.values()}) == 1  # one write
    assert "30 evals from promptfoo ->" in out
    assert "  models/azure/gpt-1/coding: 75 -> 67.5 (-7.5 ± 8.3 (n=40, paired))\n" in out
    change.git("config", "user.email", "bob@example.com")
    assert run(capsys, "approve", "HEAD", "--repo", str(change.path))[0] == 0
    change.commit("evidence", author="bob")
    (judged,) = [c for c in audit(change).changes if c.commit.subject.startswith("raise")]
    assert judged.status == "pass", judged.findings


def test_the_same_pair_again_adds_nothing_and_says_so(capsys, change, tmp_path):
    files = runs(tmp_path, sorted(provider_ids()))
    assert import_(capsys, change, files)[0] == 0
    (record,) = (change.path / "audit").glob("*.toml")
    before = record.read_bytes()
    code, out, err = import_(capsys, change, files)
    assert code == 0, err
    assert "this pair is already recorded for models/anthropic/claude-0/coding" in out
    assert "(25 more)" in out and "nothing added" in out
    assert record.read_bytes() == before


def test_model_globs_choose_among_the_changes_models(capsys, change, tmp_path):
    files = runs(tmp_path, sorted(provider_ids()))
    code, _out, err = import_(
        capsys, change, files, "--model", "models/anthropic/*", "--model", "models/openai/gpt-1"
    )
    assert code == 0, err
    chosen = [f"models/anthropic/claude-{i}" for i in range(10)] + ["models/openai/gpt-1"]
    assert sorted(e["model"] for e in entries(change)) == sorted(chosen)
    # The other 19 are said, not silently dropped.
    assert "not imported, not among the models --model chooses: azure:chat:gpt-0" in err
    assert "(14 more)" in err
    # The rest later, from the same files: only those not yet recorded are added.
    code, out, err = import_(capsys, change, files)
    assert code == 0, err
    assert len(entries(change)) == 30 and "19 evals from promptfoo" in out
    assert "already recorded for models/anthropic/claude-0/coding" in out and "for those" in out


def test_a_file_model_the_change_does_not_move_stops_the_import(capsys, change, tmp_path):
    ids = [*provider_ids(), "openai:gpt-99"]
    code, out, err = import_(capsys, change, runs(tmp_path, sorted(ids)))
    assert_cannot_judge(
        code,
        out,
        err,
        "nothing imported: the files' model openai:gpt-99 matches none of the change's models",
        "--map",
        "--model GLOB",
    )
    assert not (change.path / "audit").exists()


def test_a_model_without_scores_stops_the_import(capsys, change, tmp_path):
    ids = sorted(provider_ids())  # the last two: openai:gpt-8, openai:gpt-9
    code, out, err = import_(capsys, change, runs(tmp_path, ids, drop=2))
    assert_cannot_judge(
        code,
        out,
        err,
        "2 of the change's models have no scores in "
        f"{tmp_path / 'candidate.json'}: models/openai/gpt-8, "
        "models/openai/gpt-9",
    )
    assert not (change.path / "audit").exists()
    code, out, err = import_(capsys, change, runs(tmp_path, ids[:-3]))
    assert_cannot_judge(code, out, err, "3 of the change's models have no scores in either file")


def test_a_name_two_models_end_in_is_never_guessed(capsys, change, tmp_path):
    """`gpt-3` could be openai's or azure's: said, then named with --map."""
    ids = [pid for pid in provider_ids() if pid != "openai:gpt-3"] + ["gpt-3"]
    files = runs(tmp_path, sorted(ids))
    code, out, err = import_(capsys, change, files)
    assert_cannot_judge(code, out, err, "gpt-3 could be models/azure/gpt-3 or models/openai/gpt-3")
    code, _out, err = import_(capsys, change, files, "--map", "gpt-3=models/openai/gpt-3")
    assert code == 0, err
    assert len(entries(change)) == 30


def test_a_map_pattern_names_a_providers_models(capsys, tmp_path):
    """promptfoo says `google:`, the catalogue's folder is `gemini`: no part in common,
    so no match until a pattern names them all."""
    repo = RepoBuilder(tmp_path / "repo", POLICY)
    models = {f"models/gemini/gemini-{i}.yaml": f"t: {i}\n" for i in range(3)}
    repo.start(models)
    repo.commit("edit", {k: v.replace("t:", "t: 1") for k, v in models.items()})
    files = runs(tmp_path, [f"google:gemini-{i}" for i in range(3)])
    code, out, err = import_(capsys, repo, files)
    assert_cannot_judge(code, out, err, "3 of the files' models match none of the change's")
    code, out, err = import_(capsys, repo, files, "--map", "google:*=models/gemini/*")
    assert code == 0, err
    assert sorted(e["model"] for e in entries(repo)) == [
        f"models/gemini/gemini-{i}" for i in range(3)
    ]
    code, out, err = import_(capsys, repo, files, "--map", "vertex:*=models/gemini/*")
    assert_cannot_judge(code, out, err, "--map 'vertex:*' matches no model of the files")


def test_a_second_import_waiting_on_the_lock_sees_the_first_ones_entry(capsys, tmp_path):
    """Whether the pair is recorded is decided under the records lock: an import that
    waited for another writer adds nothing that writer recorded (the old code read the
    record before taking the lock, and wrote the pair twice)."""
    from tests.security.test_records_lock import Holder
    from tests.test_eval_import import FIXTURES, mini

    repo = mini(RepoBuilder(tmp_path / "r"))
    argv = [
        "eval",
        "import",
        "HEAD",
        "--repo",
        str(repo.path),
        "--suite",
        "coding",
        "--baseline",
        str(FIXTURES / "inspect" / "baseline.json"),
        "--candidate",
        str(FIXTURES / "inspect" / "candidate.json"),
    ]
    assert run(capsys, *argv)[0] == 0
    (record,) = (repo.path / "audit").glob("*.toml")
    first = record.read_text()
    record.unlink()
    holder = Holder(repo.path / ".git" / "auditui" / "records.lock")
    code = "import sys; from auditui.cli import main; raise SystemExit(main(sys.argv[1:]))"
    second = subprocess.Popen(
        [sys.executable, "-c", code, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    time.sleep(4)  # it has read the files and waits for the lock
    record.write_text(first)  # what the other writer, holding the lock, recorded
    holder.release()
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert "already recorded" in out and len(entries(repo)) == 1


PRICE_RULE = """
[[rules]]
name   = "price-correction"
keys   = ["pricing.**"]
kinds  = ["decrease", "increase"]
suites = []
"""


def test_a_price_correction_needs_no_evals(capsys, tmp_path):
    """`suites = []` for price kinds: a price cut on 30 models passes with an approval
    and no eval; the same commit also moving a limit still needs evals for it."""
    repo = RepoBuilder(tmp_path / "repo", POLICY + PRICE_RULE)
    models = {p: t + "pricing:\n  input: 1.0\n  output: 2.0\n" for p, t in catalogue().items()}
    repo.start(models)
    repo.commit(
        "cut output prices", {k: v.replace("output: 2.0", "output: 1.5") for k, v in models.items()}
    )
    cheaper = {k: v.replace("output: 2.0", "output: 1.5") for k, v in models.items()}
    cheaper = {k: v.replace("input: 1.0", "input: 0.8") for k, v in cheaper.items()}
    cheaper["models/openai/gpt-0.yaml"] += "max_tokens: 100\n"
    repo.commit("cut input prices, raise a limit", cheaper)
    repo.git("config", "user.email", "bob@example.com")
    for sha in ("HEAD~1", "HEAD"):
        assert run(capsys, "approve", sha, "--repo", str(repo.path))[0] == 0
    repo.commit("approvals", author="bob")
    cut, mixed = [c for c in audit(repo).changes if c.commit.subject.startswith("cut")]
    assert (
        len(cut.models) == 30 and cut.status == "pass" and cut.rules_applied == ["price-correction"]
    )
    assert [(f.rule, f.model) for f in mixed.findings] == [("AUD002", "models/openai/gpt-0")]
