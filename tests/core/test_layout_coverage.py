"""What a layout covers (SPEC 16): `[layout] exclude` takes files out of every
pattern, `name_key` names a model file by one of its values, and `check` names the
changed files that look like model configs which no pattern covers or excludes."""

from __future__ import annotations

import json

import pytest

from auditui.cli import main
from auditui.core.base.errors import AuditError
from auditui.core.policy.parse import parse_policy
from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit, forget_changes, triples

CATALOGUE = """\
[layout]
models   = ["models/*/models/**/*.yaml"]
defaults = ""
prompts  = ["prompts/**/*.md"]
naming   = "path"
{extra}
[approvals]
required = 1
"""
RULE = "model: {m}\nparameter_rules:\n  - name: max_tokens\n    default: {n}\n"


def catalogue(repo_path, extra: str = "") -> RepoBuilder:
    repo = RepoBuilder(repo_path, CATALOGUE.format(extra=extra))
    repo.start(
        {
            "models/acme/models/llm/a.yaml": RULE.format(m="a", n=100),
            "models/acme/models/llm/_position.yaml": "- a\n",
            "models/acme/schemas/model.json": '{"$schema": "x", "type": "object"}',
            "prompts/system.md": "Be brief.\n",
        }
    )
    return repo


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- exclude ------------------------------------------------------------------------


def test_a_list_the_models_glob_takes_in_is_aud009_until_excluded(tmp_path):
    def position_edits(name: str, extra: str = ""):
        repo = catalogue(tmp_path / name, extra)
        base = repo.head()
        repo.commit("reorder", {"models/acme/models/llm/_position.yaml": "- a\n- b\n"})
        repo.commit(
            "raise",
            {
                "models/acme/models/llm/a.yaml": RULE.format(m="a", n=200),
                "models/acme/models/llm/_position.yaml": "- b\n- a\n",
            },
        )
        return audit(repo, base).changes

    before = position_edits("plain")
    assert [f.rule for c in before for f in c.findings if f.rule == "AUD009"] == ["AUD009"] * 2
    after = position_edits("excluding", 'exclude = ["**/_position.yaml"]\n')
    (change,) = after  # the reorder alone changes nothing; no file is invalid
    assert triples(change) == [
        (
            "models/acme/models/llm/a",
            "parameter_rules[name=max_tokens].default",
            100,
            200,
            "increase",
        )
    ]
    assert not [f for f in change.findings if f.rule == "AUD009"]


def test_exclude_wins_over_models_prompts_bases_and_collections(tmp_path):
    policy = """\
[layout]
models   = ["models/*.yaml"]
bases    = ["bases/*.yaml"]
prompts  = ["prompts/**/*.md"]
defaults = ""
exclude  = ["models/draft-*", "bases/old.yaml", "prompts/drafts/**", "lists/b.json"]
[[layout.collection]]
path = "lists/*.json"
items = "mapping"
"""
    repo = RepoBuilder(tmp_path / "r", policy)
    repo.start({"models/a.yaml": "max_tokens: 1\n", "lists/a.json": '{"x": {"max_tokens": 1}}'})
    base = repo.head()
    repo.commit(
        "edits",
        {
            "models/a.yaml": "max_tokens: 2\n",
            "models/draft-b.yaml": "max_tokens: 5\n",
            "bases/old.yaml": "max_tokens: 5\n",
            "prompts/drafts/x.md": "Draft.\n",
            "lists/b.json": '{"y": {"max_tokens": 1}}',
        },
    )
    (change,) = audit(repo, base).changes
    assert change.models == ["a"]


def test_an_excluded_folder_is_not_listed_but_a_file_named_outright_inside_is(tmp_path):
    policy = """\
[layout]
models   = ["config/**/*.yaml"]
defaults = "config/vendor/_defaults.yaml"
prompts  = []
exclude  = ["config/vendor/**"]
"""
    repo = RepoBuilder(tmp_path / "r", policy)
    repo.start(
        {
            "config/a.yaml": "max_tokens: 1\n",
            "config/vendor/_defaults.yaml": "temperature: 0.5\n",
            "config/vendor/lib.yaml": "- not a model\n",
        }
    )
    base = repo.head()  # the range starts here: its World is read from the tree
    repo.commit("cooler", {"config/vendor/_defaults.yaml": "temperature: 0.2\n"})
    (change,) = audit(repo, base).changes
    assert triples(change) == [("a", "temperature", 0.5, 0.2, "decrease")]
    from auditui.core.git.repo import GitRepo

    listed = GitRepo.open(repo.path).list_files(base, ["config/**/*.yaml"], ("config/vendor/**",))
    assert "config/a.yaml" in listed and "config/vendor/lib.yaml" not in listed


def test_exclude_must_be_path_globs_inside_the_repository():
    with pytest.raises(AuditError, match=r"\[layout\] exclude must be globs of paths inside"):
        parse_policy('[layout]\nexclude = ["../x"]\n')
    with pytest.raises(AuditError, match=r"\[layout\] exclude must be a list of strings"):
        parse_policy("[layout]\nexclude = 3\n")
    assert parse_policy('[layout]\nexclude = "**/_position.yaml"\n').layout.exclude == (
        "**/_position.yaml",
    )


# -- name_key -----------------------------------------------------------------------


def test_name_key_names_a_model_file_by_its_value(tmp_path):
    policy = DEFAULT_POLICY.replace('records = "audit"', 'records = "audit"\nname_key = "id"')
    repo = RepoBuilder(tmp_path / "r", policy)
    repo.start(
        {
            "models/phi-2.json": '{"id": "Phi 2", "max_tokens": 1}',
            "models/plain.json": '{"max_tokens": 1}',
        }
    )
    base = repo.head()
    repo.commit(
        "more",
        {
            "models/phi-2.json": '{"id": "Phi 2", "max_tokens": 2}',
            "models/plain.json": '{"max_tokens": 2}',
        },
    )
    (change,) = audit(repo, base).changes
    # the key is the model's identity, not one of its settings; a file without it
    # keeps its stem
    assert triples(change) == [
        ("Phi 2", "max_tokens", 1, 2, "increase"),
        ("plain", "max_tokens", 1, 2, "increase"),
    ]


def test_name_key_with_path_naming_keeps_the_folder(tmp_path):
    policy = CATALOGUE.format(extra='name_key = "model"\n')
    repo = RepoBuilder(tmp_path / "r", policy)
    repo.start(
        {
            "models/acme/models/llm/a-preview.yaml": RULE.format(m="a-1", n=1),
            "models/zeta/models/llm/a-preview.yaml": RULE.format(m="a-1", n=1),
        }
    )
    base = repo.head()
    repo.commit("raise", {"models/zeta/models/llm/a-preview.yaml": RULE.format(m="a-1", n=2)})
    (change,) = audit(repo, base).changes
    assert change.models == ["models/zeta/models/llm/a-1"]


def test_two_files_naming_one_model_by_their_key_clash(tmp_path):
    policy = DEFAULT_POLICY.replace('records = "audit"', 'records = "audit"\nname_key = "id"')
    repo = RepoBuilder(tmp_path / "r", policy)
    repo.start({"models/a.json": '{"id": "m", "max_tokens": 1}'})
    base = repo.head()
    repo.commit("copy", {"models/b.json": '{"id": "m", "max_tokens": 3}'})
    (change,) = audit(repo, base).changes
    (finding,) = [f for f in change.findings if f.rule == "AUD009"]
    assert "model 'm' is already defined by models/a.json" in finding.message


# -- check names what the layout misses ----------------------------------------------


def _missed_history(tmp_path) -> RepoBuilder:
    repo = catalogue(tmp_path / "r", 'exclude = ["**/_position.yaml"]\n')
    repo.commit(
        "new provider, wrong place",
        {
            "models/zeta/llm/b.yaml": RULE.format(m="b", n=1),  # not under models/*/models/
            "models/zeta/models/llm/notes.json": '{"x": 1}',  # beside the models, other format
            "models/zeta/models/llm/_position.yaml": "- b\n",  # excluded
            "tools/zeta/tool.yaml": "name: search\n",  # another tree: not a model's
            "models/zeta/package.json": '{"name": "zeta"}',  # a tool's own file
            "models/zeta/tests/case.yaml": "model: b\n",  # tests
        },
    )
    for n in range(6):
        repo.commit(f"more {n}", {f"models/p{n}/provider/p{n}.yaml": "provider: p\n"})
    repo.commit("raise", {"models/acme/models/llm/a.yaml": RULE.format(m="a", n=200)})
    return repo


def test_check_ends_with_a_warning_naming_what_the_layout_misses(capsys, tmp_path):
    repo = _missed_history(tmp_path)
    code, out, _ = run(capsys, "check", "--repo", str(repo.path), "--all")
    last = out.splitlines()[-1]
    assert last == (
        "auditui: warning: 8 changed files look like model configs but no [layout] pattern "
        "covers or excludes: models/p0/provider/p0.yaml, models/p1/provider/p1.yaml, "
        "models/p2/provider/p2.yaml, models/p3/provider/p3.yaml, "
        "models/p4/provider/p4.yaml, … (add to [layout] models, or to exclude)"
    )
    assert out.splitlines()[-2].startswith("auditui: BLOCKED")
    code, out, _ = run(capsys, "check", "--repo", str(repo.path), "--all", "--format", "json")
    report = json.loads(out)
    assert report["version"] == 1
    assert [u["path"] for u in report["uncovered"]] == [
        *(f"models/p{n}/provider/p{n}.yaml" for n in range(6)),
        "models/zeta/llm/b.yaml",
        "models/zeta/models/llm/notes.json",
    ]
    first = report["uncovered"][0]
    assert first["commits"] == 1 and len(first["last"]) == 40
    # the same from the per-commit store (a second run reads it, no World is built)
    code, again, _ = run(capsys, "check", "--repo", str(repo.path), "--all", "--format", "json")
    assert again == out
    forget_changes(repo)
    code, text, _ = run(capsys, "check", "--repo", str(repo.path), "--all")
    assert text.splitlines()[-1] == last


def test_nothing_missed_means_no_warning_and_no_key(capsys, tmp_path):
    repo = catalogue(tmp_path / "r", 'exclude = ["**/_position.yaml"]\n')
    repo.commit(
        "raise",
        {
            "models/acme/models/llm/a.yaml": RULE.format(m="a", n=200),
            "tools/x/tool.yaml": "name: t\n",
        },
    )
    code, out, _ = run(capsys, "check", "--repo", str(repo.path), "--all")
    assert "warning" not in out
    code, out, _ = run(capsys, "check", "--repo", str(repo.path), "--all", "--format", "json")
    assert "uncovered" not in json.loads(out)


def test_one_missed_file_is_named_alone(capsys, tmp_path):
    repo = catalogue(tmp_path / "r", 'exclude = ["**/_position.yaml"]\n')
    repo.commit("stray", {"models/acme/models/llm/b.yml": "model: b\n"})
    _code, out, _ = run(capsys, "check", "--repo", str(repo.path), "--all")
    assert out.splitlines()[-1] == (
        "auditui: warning: 1 changed file looks like model configs but no [layout] pattern "
        "covers or excludes: models/acme/models/llm/b.yml (add to [layout] models, or to "
        "exclude)"
    )


def test_every_trial_policy_parses_and_the_starter_shows_both_keys():
    """docs/examples/ are policies users copy: each parses, the scales keyed by a list
    item's identity (`**[name=reasoning_effort].default`) included."""
    from pathlib import Path

    from auditui.core.policy.starter import STARTER

    examples = Path(__file__).parents[2] / "docs" / "examples"
    policies = {p.name: parse_policy(p.read_text(), p.name) for p in examples.glob("*.toml")}
    dify = policies["dify-official-plugins.toml"]
    assert "**/_position.yaml" in dify.layout.exclude
    assert dify.scale_for("**[name=thinking_level].default") == ("Minimal", "Low", "Medium", "High")
    assert policies["flowise.toml"].layout.models[0] == "packages/components/models.json"
    text = STARTER.replace("# exclude = [", "exclude = [", 1).replace(
        "# name_key =", "name_key =", 1
    )
    layout = parse_policy(text).layout
    assert (layout.exclude, layout.name_key) == (("**/_position.yaml", "**/schemas/**"), "model")
