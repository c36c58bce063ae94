"""From a symptom to its cause (issue 28): `suspects`, `exposure` and `verify` on real
repositories with real commits, merges and reverts; and the bundled sample's answer."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from auditui.cli import main
from auditui.core.features.sample import build_sample
from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit, clear, git

ROLLOUT = DEFAULT_POLICY + "\n[rollout]\nstages = [1, 10, 50, 100]\nsoak_hours = 0\n"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def as_json(capsys, *args: str):
    code, out, err = run(capsys, *args, "--format", "json")
    assert code in (0, 1), err
    return json.loads(out)


def day(n: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 3, n, hour, tzinfo=dt.UTC)


def test_the_samples_answer(tmp_path, capsys):
    """SPEC 14's example: opus-4.6 and opus-4.7 for April 17-19. The word limits (Apr 16)
    and the thinking cache (Mar 26, never undone) first; the effort downgrade, undone on
    Apr 7, not at all."""
    repo = tmp_path / "sample"
    build_sample(repo)
    found = as_json(
        capsys,
        "suspects",
        "--repo",
        str(repo),
        "--models",
        "opus-4.6,opus-4.7",
        "--since",
        "2026-04-17",
        "--until",
        "2026-04-19",
    )
    subjects = [s["commit"] for s in found]
    first, second = (_subject(repo, sha) for sha in subjects[:2])
    assert first.startswith("Prompt: cap verbosity") and "thinking cache" in second
    assert not any(_subject(repo, sha).startswith("Lower default reasoning") for sha in subjects)
    top = found[0]
    assert top["models"] == ["opus-4.6", "opus-4.7"] and top["rank"] == 1
    assert top["from"].startswith("2026-04-16") and top["until"].startswith("2026-04-20")
    assert "limit-added" in top["kinds"] and top["eval_delta"] == pytest.approx(-3.1)
    assert top["rollout"]["opus-4.7"] == [["2026-04-17", 50]]
    assert found[1]["until"] is None and found[1]["status"] == "blocked"
    assert set(top) == {
        "commit",
        "fingerprint",
        "date",
        "author",
        "subject",
        "models",
        "from",
        "until",
        "rollout",
        "status",
        "kinds",
        "eval_delta",
        "rank",
    }


def _subject(repo, sha: str) -> str:
    return git(repo, "log", "-1", "--format=%s", sha)


@pytest.fixture
def fleet(tmp_path) -> RepoBuilder:
    """Two models, adopted on March 1st."""
    r = RepoBuilder(tmp_path / "r", ROLLOUT)
    models = {
        "models/a.toml": "t = 1\nu = 1\n[rollout]\npercent = 1\n",
        "models/b.toml": "t = 1\nu = 1\n[rollout]\npercent = 1\n",
    }
    r.commit("adopt", {**models, ".auditui.toml": ROLLOUT}, date=day(1))
    return r


def suspects(capsys, r: RepoBuilder, models: str, since: str, until: str) -> list[str]:
    found = as_json(
        capsys,
        "suspects",
        "--repo",
        str(r.path),
        "--models",
        models,
        "--since",
        since,
        "--until",
        until,
    )
    return [_subject(r.path, s["commit"]) for s in found]


def test_undone_then_applied_again(fleet, capsys):
    """A change undone before the window is not a suspect; applied again, the new one is."""
    fleet.commit("raise", {"models/a.toml": "t = 2\nu = 1\n[rollout]\npercent = 1\n"}, date=day(3))
    fleet.commit("undo", {"models/a.toml": "t = 1\nu = 1\n[rollout]\npercent = 1\n"}, date=day(5))
    fleet.commit("again", {"models/a.toml": "t = 2\nu = 1\n[rollout]\npercent = 1\n"}, date=day(10))
    assert suspects(capsys, fleet, "a", "2026-03-06", "2026-03-08") == ["undo", "adopt"]
    assert suspects(capsys, fleet, "a", "2026-03-11", "2026-03-12") == ["again", "adopt"]
    assert suspects(capsys, fleet, "a", "2026-03-04", "2026-03-04") == ["raise", "adopt"]


def test_a_change_holds_while_any_of_its_settings_does(fleet, capsys):
    fleet.commit("both", {"models/a.toml": "t = 2\nu = 2\n[rollout]\npercent = 1\n"}, date=day(3))
    fleet.commit("one", {"models/a.toml": "t = 3\nu = 2\n[rollout]\npercent = 1\n"}, date=day(5))
    assert "both" in suspects(capsys, fleet, "a", "2026-03-20", "2026-03-21")
    fleet.commit("other", {"models/a.toml": "t = 3\nu = 3\n[rollout]\npercent = 1\n"}, date=day(8))
    assert "both" not in suspects(capsys, fleet, "a", "2026-03-20", "2026-03-21")


def test_a_branch_is_in_force_from_the_merge_that_lands_it(fleet, capsys):
    """Written on the 3rd on a branch, merged on the 10th: not deployed before."""
    fleet.git("checkout", "-q", "-b", "side")
    fleet.commit(
        "side raise", {"models/b.toml": "t = 5\nu = 1\n[rollout]\npercent = 1\n"}, date=day(3)
    )
    fleet.git("checkout", "-q", "main")
    fleet.commit("main docs", {"README.md": "x\n"}, date=day(4))
    env = {"GIT_COMMITTER_DATE": day(10).isoformat(), "GIT_AUTHOR_DATE": day(10).isoformat()}
    fleet.git("merge", "-q", "--no-ff", "--no-edit", "side", env=env)
    assert "side raise" not in suspects(capsys, fleet, "b", "2026-03-05", "2026-03-08")
    found = as_json(
        capsys,
        "suspects",
        "--repo",
        str(fleet.path),
        "--models",
        "b",
        "--since",
        "2026-03-11",
        "--until",
        "2026-03-12",
    )
    (side,) = [s for s in found if _subject(fleet.path, s["commit"]) == "side raise"]
    assert side["from"].startswith("2026-03-10")


def test_the_share_of_named_models_ranks_first_then_risk_then_evidence(fleet, capsys):
    fleet.commit(
        "a only, lower", {"models/a.toml": "t = 0\nu = 1\n[rollout]\npercent = 1\n"}, date=day(3)
    )
    fleet.commit(
        "both, higher",
        {
            "models/a.toml": "t = 0\nu = 5\n[rollout]\npercent = 1\n",
            "models/b.toml": "t = 1\nu = 5\n[rollout]\npercent = 1\n",
        },
        date=day(4),
    )
    order = suspects(capsys, fleet, "a,b", "2026-03-05", "2026-03-06")
    assert order.index("both, higher") < order.index("a only, lower")
    assert order[0] == "both, higher"  # risk comes after the share: a decrease moved one


def test_exposure_lays_out_each_day(fleet, capsys):
    fleet.commit(
        "raise a", {"models/a.toml": "t = 2\nu = 1\n[rollout]\npercent = 1\n"}, date=day(3)
    )
    fleet.commit(
        "roll a", {"models/a.toml": "t = 2\nu = 1\n[rollout]\npercent = 10\n"}, date=day(5)
    )
    data = as_json(
        capsys,
        "exposure",
        "--repo",
        str(fleet.path),
        "--models",
        "a",
        "--since",
        "2026-03-02",
        "--until",
        "2026-03-06",
    )
    days = data["models"]["a"]
    assert [d["date"] for d in days] == [f"2026-03-0{n}" for n in range(2, 7)]
    assert [d["rollout"] for d in days] == [1, 1, 1, 10, 10]
    assert [len(d["changes"]) for d in days] == [1, 2, 2, 3, 3]
    assert set(data["models"]) == {"a"}
    code, out, _ = run(
        capsys,
        "exposure",
        "--repo",
        str(fleet.path),
        "--models",
        "*",
        "--since",
        "2026-03-05",
        "--until",
        "2026-03-05",
    )
    assert code == 0 and out.splitlines()[0] == "a" and "  2026-03-05        10  3 changes" in out


def test_verify_says_audited_drift_or_unaudited(fleet, capsys, tmp_path):
    base = fleet.head()
    fleet.commit("raise", {"models/a.toml": "t = 2\nu = 1\n[rollout]\npercent = 1\n"}, date=day(3))
    (change,) = audit(fleet, base).changes
    clear(fleet, change, "bob")
    fleet.commit("records", author="bob", date=day(4))
    served = tmp_path / "served.json"
    served.write_text(json.dumps({"t": 2, "u": 1, "rollout": {"percent": 1}}))
    verdict = as_json(capsys, "verify", str(served), "--model", "a", "--repo", str(fleet.path))
    assert verdict["status"] == "audited" and verdict["match"] == fleet.git("rev-parse", "HEAD~1")
    assert run(capsys, "verify", str(served), "--model", "a", "--repo", str(fleet.path))[0] == 0
    served.write_text(json.dumps({"t": 3, "u": 1, "rollout": {"percent": 1}}))
    code, _, err = run(capsys, "verify", str(served), "--model", "a", "--repo", str(fleet.path))
    assert code == 1 and err.startswith("drift:") and "t  2 -> 3  (increase)" in err
    fleet.commit(
        "raise more", {"models/a.toml": "t = 3\nu = 1\n[rollout]\npercent = 1\n"}, date=day(6)
    )
    verdict = as_json(capsys, "verify", str(served), "--model", "a", "--repo", str(fleet.path))
    assert verdict["status"] == "unaudited" and verdict["unaudited"] == [fleet.head()]
    assert run(capsys, "verify", str(served), "--model", "a", "--repo", str(fleet.path))[0] == 1


def test_verify_ignores_what_the_policy_ignores(fleet, capsys, tmp_path):
    served = tmp_path / "served.yaml"
    served.write_text("t: 1\nu: 1\nrollout: {percent: 1}\ndescription: as served\n")
    verdict = as_json(capsys, "verify", str(served), "--model", "a", "--repo", str(fleet.path))
    assert verdict["status"] == "audited" and verdict["deltas"] == []


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["suspects", "--models", "zz"], "no change moved model 'zz'"),
        (["suspects", "--models", ","], "--models names no model"),
        (
            ["suspects", "--models", "a", "--since", "2026-03-09", "--until", "2026-03-02"],
            "is after --until",
        ),
        (["exposure", "--models", "zz*"], "no model matches 'zz*'"),
        (["verify", "missing.json", "--model", "a"], "cannot read it"),
        (["verify", "served.txt", "--model", "a"], "not a JSON, YAML or TOML file"),
    ],
)
def test_bad_input_is_one_line_and_a_hint(fleet, capsys, args, says, monkeypatch):
    monkeypatch.chdir(fleet.path)
    (fleet.path / "served.txt").write_text("t = 1")
    code, out, err = run(capsys, *args, "--repo", str(fleet.path))
    lines = err.splitlines()
    assert code == 2 and out == "" and says in lines[0] and lines[1].startswith("hint:")
