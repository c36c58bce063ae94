"""`auditui show` and `auditui blame` (SPEC 10): a model at a commit, and which change
last set each of its settings, checked against histories whose answers are known."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from auditui.cli import main
from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit, forget_changes
from tests.test_cli import assert_cannot_judge, run

DAY = dt.timedelta(days=1)
START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def history(repo: RepoBuilder) -> dict[str, str]:
    """Commits a day apart: defaults, a model, a prompt, then edits to each."""
    shas = {}
    repo.start(
        {
            "models/_defaults.toml": "[cache]\nttl = 3600\n",
            "models/a.toml": "max_tokens = 10\nsystem_prompt = 'prompts/p.md'\n",
            "prompts/p.md": "Be brief. Answer in at most 40 words.\n",
        }
    )
    a20 = "max_tokens = 20\nsystem_prompt = 'prompts/p.md'\n"
    shas["tokens"] = repo.commit("tokens", {"models/a.toml": a20}, date=START + DAY)
    shas["ttl"] = repo.commit(
        "ttl", {"models/_defaults.toml": "[cache]\nttl = 60\n"}, date=START + 2 * DAY
    )
    shas["prompt"] = repo.commit(
        "prompt",
        {"prompts/p.md": "Be brief. At most 30 words.\n"},
        author="bob",
        date=START + 3 * DAY,
    )
    shas["other"] = repo.commit(
        "other model", {"models/b.toml": "max_tokens = 5\n"}, date=START + 4 * DAY
    )
    return shas


def as_json(capsys, *argv: str):
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    return json.loads(out)


def test_show_is_the_effective_config_with_prompts_and_limits(capsys, repo, history):
    shown = as_json(capsys, "show", "a", "--repo", str(repo.path), "--format", "json")
    blob = repo.git("rev-parse", "HEAD:prompts/p.md")
    assert shown == {
        "model": "a",
        "commit": repo.head(),
        "source": "models/a.toml",
        "config": {"cache": {"ttl": 60}, "max_tokens": 20, "system_prompt": "prompts/p.md"},
        "settings": [
            {"key": "cache.ttl", "value": 60},
            {"key": "max_tokens", "value": 20},
            {"key": "system_prompt", "value": "prompts/p.md"},
        ],
        "prompts": [{"path": "prompts/p.md", "blob": blob}],
        "limits": [{"prompt": "prompts/p.md", "unit": "words", "max": 30, "applies_to": None}],
    }


def test_show_at_a_revision_and_at_a_date(capsys, repo, history):
    at_rev = as_json(
        capsys, "show", "a", "--repo", str(repo.path), "--at", history["tokens"], "--format", "json"
    )
    assert at_rev["commit"] == history["tokens"]
    assert at_rev["config"]["cache"] == {"ttl": 3600}
    assert at_rev["limits"][0]["max"] == 40
    # A bare date is its whole day: the ttl commit (START + 2 days, 09:00) is in it.
    day = (START + 2 * DAY).date().isoformat()
    at_day = as_json(capsys, "show", "a", "--repo", str(repo.path), "--at", day, "--format", "json")
    assert at_day["commit"] == history["ttl"]
    assert at_day["config"]["cache"] == {"ttl": 60}
    code, out, err = run(capsys, "show", "a", "--repo", str(repo.path), "--at", "2020-01-01")
    assert_cannot_judge(code, out, err, "no commit", "first-parent")


def test_show_text_lists_every_setting(capsys, repo, history):
    code, out, _ = run(capsys, "show", "a", "--repo", str(repo.path))
    assert code == 0
    assert out.splitlines()[0] == f"a at {repo.head()[:7]}  (models/a.toml)"
    assert "  cache.ttl = 60" in out and "  max_tokens = 20" in out
    assert "  limit  prompts/p.md: <= 30 words" in out


def test_an_unknown_model_is_an_error_with_the_names_there(capsys, repo, history):
    code, out, err = run(capsys, "show", "models/a", "--repo", str(repo.path))
    assert_cannot_judge(code, out, err, "no model 'models/a'", "did you mean")
    code, out, err = run(capsys, "blame", "zzz", "--repo", str(repo.path))
    assert_cannot_judge(code, out, err, "no model 'zzz'")


def test_blame_names_the_change_that_last_set_each_setting(capsys, repo, history):
    rows = as_json(capsys, "blame", "a", "--repo", str(repo.path), "--format", "json")
    by_key = {r["key"]: r for r in rows}
    assert set(by_key) == {"cache.ttl", "max_tokens", "system_prompt", "prompt:prompts/p.md"}
    assert by_key["max_tokens"]["commit"] == history["tokens"]
    assert by_key["max_tokens"]["value"] == 20
    assert by_key["cache.ttl"]["commit"] == history["ttl"]  # through the defaults file
    assert by_key["prompt:prompts/p.md"]["commit"] == history["prompt"]
    assert by_key["prompt:prompts/p.md"]["author"] == "bob@example.com"
    assert by_key["system_prompt"]["commit"] == repo.git("rev-list", "--max-parents=0", "HEAD")
    assert by_key["system_prompt"]["status"] == "exempt"  # the adoption commit
    change = next(c for c in audit(repo).changes if c.commit.sha == history["ttl"])
    assert by_key["cache.ttl"]["fingerprint"] == change.fingerprint
    assert by_key["cache.ttl"]["status"] == change.status == "blocked"
    assert by_key["cache.ttl"]["date"] == change.commit.author_date


def test_blame_one_key_and_keys_under_it(capsys, repo, history):
    rows = as_json(capsys, "blame", "a", "cache", "--repo", str(repo.path), "--format", "json")
    assert [r["key"] for r in rows] == ["cache.ttl"]
    code, out, err = run(capsys, "blame", "a", "nope", "--repo", str(repo.path))
    assert_cannot_judge(code, out, err, "no setting 'nope'")


def test_blame_is_the_same_from_the_store_and_from_a_walk(capsys, repo, history):
    argv = ("blame", "a", "--repo", str(repo.path), "--format", "json")
    first = as_json(capsys, *argv)
    assert as_json(capsys, *argv) == first  # served from the per-commit store
    forget_changes(repo)
    assert as_json(capsys, *argv) == first


def test_blame_text(capsys, repo, history):
    code, out, _ = run(capsys, "blame", "a", "--repo", str(repo.path))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"a at {repo.head()[:7]}: 4 settings"
    ttl = next(line for line in lines if line.strip().startswith("cache.ttl"))
    assert history["ttl"][:7] in ttl and "[blocked]" in ttl


def test_main_parses_show_and_blame_help(capsys):
    for command in ("show", "blame"):
        with pytest.raises(SystemExit) as exc:
            main([command, "--help"])
        assert exc.value.code == 0
        assert "--format" in capsys.readouterr().out


def test_blame_after_a_revert_names_the_revert(capsys, repo, history):
    tokens = "max_tokens = {}\nsystem_prompt = 'prompts/p.md'\n"
    up = repo.commit("tokens up", {"models/a.toml": tokens.format(99)}, date=START + 5 * DAY)
    back = repo.commit(
        "Revert tokens up", {"models/a.toml": tokens.format(20)}, date=START + 6 * DAY
    )
    rows = as_json(capsys, "blame", "a", "max_tokens", "--repo", str(repo.path), "--format", "json")
    assert [(r["value"], r["commit"], r["status"]) for r in rows] == [(20, back, "reverted")]
    # As of the raise, the raise set it.
    rows = as_json(
        capsys,
        "blame",
        "a",
        "max_tokens",
        "--repo",
        str(repo.path),
        "--head",
        up,
        "--format",
        "json",
    )
    assert [(r["value"], r["commit"]) for r in rows] == [(99, up)]


def test_show_at_a_time_between_two_commits_is_the_earlier_one(capsys, repo, history):
    between = (START + 2 * DAY + dt.timedelta(hours=12)).isoformat()
    shown = as_json(
        capsys, "show", "a", "--repo", str(repo.path), "--at", between, "--format", "json"
    )
    assert shown["commit"] == history["ttl"]  # 2 days in; the prompt edit is 3 days in
    assert shown["limits"][0]["max"] == 40


def test_show_before_the_policy_was_adopted_reads_with_heads_policy(capsys, tmp_path):
    """A catalogue that adopted auditui partway: `show --at` an earlier commit uses the
    policy at head, as check and blame do (SPEC 2)."""
    repo = RepoBuilder(tmp_path / "r", policy=None)
    old = repo.commit("before", {"models/m.toml": "[reasoning]\neffort = 'high'\n"})
    repo.commit("adopt", {".auditui.toml": DEFAULT_POLICY})
    assert main(["show", "m", "--at", old, "--repo", str(repo.path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["config"] == {"reasoning": {"effort": "high"}}


# A provider catalogue's model (dify-official-plugins): its settings are items of a
# list keyed by `name`, each with several leaves.
RULES = """\
model: m
parameter_rules:
  - name: max_tokens
    default: {tokens}
    max: {top}
  - name: reasoning_effort
    default: high
    options: [low, medium, high]
  - name: top_p
    use_template: top_p
{extra}"""
TOKENS = "parameter_rules[name=max_tokens].default"


def rules(tokens=8192, top=32000, extra=""):
    return RULES.format(tokens=tokens, top=top, extra=extra)


@pytest.fixture
def catalogue(repo: RepoBuilder) -> dict[str, str]:
    """The default of max_tokens lowered, then its maximum raised: another leaf of the
    same item, changed later."""
    return {
        "added": repo.start({"models/m.yaml": rules()}),
        "default": repo.commit("tokens", {"models/m.yaml": rules(tokens=4096)}),
        "max": repo.commit("room", {"models/m.yaml": rules(tokens=4096, top=64000)}),
    }


def test_blame_names_the_change_that_moved_each_leaf_of_a_list_item(capsys, repo, catalogue):
    rows = as_json(capsys, "blame", "m", "--repo", str(repo.path), "--format", "json")
    by_key = {r["key"]: (r["value"], r["commit"]) for r in rows}
    assert by_key == {
        "model": ("m", catalogue["added"]),
        TOKENS: (4096, catalogue["default"]),  # not the later change to the item's max
        "parameter_rules[name=max_tokens].max": (64000, catalogue["max"]),
        "parameter_rules[name=reasoning_effort].default": ("high", catalogue["added"]),
        "parameter_rules[name=reasoning_effort].options": (
            ["low", "medium", "high"],
            catalogue["added"],
        ),
        "parameter_rules[name=top_p].use_template": ("top_p", catalogue["added"]),
    }


def test_blame_and_show_accept_a_list_items_setting(capsys, repo, catalogue):
    rows = as_json(capsys, "blame", "m", TOKENS, "--repo", str(repo.path), "--format", "json")
    assert [(r["key"], r["value"], r["commit"]) for r in rows] == [
        (TOKENS, 4096, catalogue["default"])
    ]
    item = as_json(
        capsys,
        "blame",
        "m",
        "parameter_rules[name=max_tokens]",
        "--repo",
        str(repo.path),
        "--format",
        "json",
    )
    assert [r["key"] for r in item] == [TOKENS, "parameter_rules[name=max_tokens].max"]
    code, out, _ = run(capsys, "show", "m", TOKENS, "--repo", str(repo.path))
    assert (code, out.splitlines()[1:]) == (0, [f"  {TOKENS} = 4096"])
    shown = as_json(capsys, "show", "m", TOKENS, "--repo", str(repo.path), "--format", "json")
    assert shown["settings"] == [{"key": TOKENS, "value": 4096}]
    assert shown["config"]["parameter_rules"][0] == {
        "name": "max_tokens",
        "default": 4096,
        "max": 64000,
    }  # the config as it is
    code, out, err = run(
        capsys, "blame", "m", "parameter_rules.max_tokens.default", "--repo", str(repo.path)
    )
    assert_cannot_judge(
        code, out, err, "no setting 'parameter_rules.max_tokens.default'", f"did you mean {TOKENS}"
    )


def test_show_lists_a_keyed_lists_items_one_leaf_per_line(capsys, repo, catalogue):
    code, out, _ = run(capsys, "show", "m", "--repo", str(repo.path))
    assert code == 0
    assert out.splitlines()[1:] == [
        "  model = m",
        f"  {TOKENS} = 4096",
        "  parameter_rules[name=max_tokens].max = 64000",
        "  parameter_rules[name=reasoning_effort].default = high",
        '  parameter_rules[name=reasoning_effort].options = ["low", "medium", "high"]',
        "  parameter_rules[name=top_p].use_template = top_p",
    ]


def test_a_list_replaced_whole_is_blamed_only_for_the_leaves_it_moved(capsys, repo, catalogue):
    """An item without a name makes the list one setting for a while: the deltas on it
    carry the whole list, and each leaf is blamed on the one that changed its value."""
    nameless = "  - use_template: stop\n"
    repo.commit("unnamed", {"models/m.yaml": rules(tokens=2048, top=64000, extra=nameless)})
    named = repo.commit("named again", {"models/m.yaml": rules(tokens=2048, top=99000)})
    rows = as_json(
        capsys, "blame", "m", "parameter_rules", "--repo", str(repo.path), "--format", "json"
    )
    commits = {r["key"]: r["commit"] for r in rows}
    unnamed = repo.git("rev-parse", "HEAD~1")
    assert commits[TOKENS] == unnamed
    assert commits["parameter_rules[name=max_tokens].max"] == named
    assert commits["parameter_rules[name=reasoning_effort].default"] == catalogue["added"]


def test_a_short_name_finds_the_path_names_it_ends(capsys, tmp_path):
    """A catalogue named by path (dify's `models/<provider>/models/llm/<id>`): `log`
    and `show` given the id, or provider/id as the app shows it, suggest the full names
    ending in it first (log listed the first twelve models of the range instead)."""
    policy = '[layout]\nmodels = ["models/*/models/llm/*.yaml"]\ndefaults = ""\nnaming = "path"\n'
    repo = RepoBuilder(tmp_path / "plugins", policy)
    ids = ["claude-3-5-sonnet", "claude-3-5-sonnet-20241022", "claude-3-haiku"]
    providers = ["aihubmix", "anthropic", "bedrock", "cohere", "openrouter"]
    files = [f"models/{p}/models/llm/{i}.yaml" for p in providers for i in ids]
    repo.start(dict.fromkeys(files, "max_tokens: 1\n"))
    repo.commit("more", dict.fromkeys(files, "max_tokens: 2\n"))
    code, out, err = run(capsys, "log", "--repo", str(repo.path), "-m", "claude-3-5-sonnet")
    assert_cannot_judge(code, out, err, "no change to model 'claude-3-5-sonnet'")
    hint = err.splitlines()[1]
    assert hint.startswith(
        "hint: did you mean models/aihubmix/models/llm/claude-3-5-sonnet, "
        "models/anthropic/models/llm/claude-3-5-sonnet, "
    )
    assert hint.endswith("(and 5 more)?")  # the five of that id, then those holding it
    code, out, err = run(capsys, "show", "anthropic/claude-3-5-sonnet", "--repo", str(repo.path))
    hint = err.splitlines()[1]
    assert hint.startswith("hint: did you mean models/anthropic/models/llm/claude-3-5-sonnet, ")
    code, out, err = run(capsys, "log", "--repo", str(repo.path), "-m", "claude-3-haiku-x")
    assert "models/aihubmix/models/llm/claude-3-haiku" in err  # spelled alike
