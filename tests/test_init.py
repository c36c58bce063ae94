"""`auditui init` looks at the repository before it writes (SPEC 8, adoption that
cannot say OK by mistake): what it proposes is what `check` then audits."""

from __future__ import annotations

import json
import os

from auditui.cli import main
from auditui.core.policy import parse_policy
from tests.helpers.repo import RepoBuilder


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def init(capsys, repo: RepoBuilder):
    code, out, err = run(capsys, "init", "--repo", str(repo.path))
    assert code == 0, err
    text = (repo.path / ".auditui.toml").read_text()
    return parse_policy(text), out


def test_configs_outside_models_are_found_and_then_audited(capsys, tmp_path):
    r = RepoBuilder(tmp_path / "r", policy=None)
    r.commit("configs", {
        "config/llm/opus.yaml": "model: opus\nreasoning:\n  effort: high\nmax_tokens: 8000\n",
        "config/llm/sonnet.yaml": "model: sonnet\nreasoning:\n  effort: high\nmax_tokens: 4000\n",
        "config/llm/_defaults.yaml": "temperature: 1.0\ncache:\n  ttl: 3600\n",
        "config/prompts/system.md": "You are a coding agent. Keep replies under 100 words.\n",
        "README.md": "# configs\n",
        "package.json": '{"name": "x", "version": "1.0.0"}',
    })  # fmt: skip
    policy, out = init(capsys, r)
    assert policy.layout.models == ("config/llm/*.yaml",)
    assert policy.layout.defaults == "config/llm/_defaults.yaml"
    assert policy.layout.prompts == ("config/prompts/**/*.md",)
    assert "models      config/llm/*.yaml (2 files, e.g. config/llm/opus.yaml)" in out
    r.commit("adopt", {})
    r.commit("downgrade", {"config/llm/opus.yaml": "model: opus\nreasoning:\n  effort: low\n"
                           "max_tokens: 8000\n"})  # fmt: skip
    code, out, _ = run(capsys, "check", "--repo", str(r.path), "--all", "--format", "json")
    assert code == 1
    (change,) = [c for c in json.loads(out)["changes"] if c["subject"] == "downgrade"]
    assert change["deltas"] == [{"model": "opus", "path": "reasoning.effort", "old": "high",
                                 "new": "low", "kind": "downgrade"}]  # fmt: skip


def test_a_list_and_a_mapping_of_models_become_collections(capsys, tmp_path):
    r = RepoBuilder(tmp_path / "r", policy=None)
    r.commit("catalogue", {
        "resources/model-settings.yml": "- name: gpt-5\n  edit_format: diff\n"
                                        "  reasoning_effort: high\n  use_repo_map: true\n"
                                        "- name: opus\n  edit_format: whole\n"
                                        "  reasoning_effort: medium\n  streaming: false\n",
        "data/prices.json": json.dumps({
            "gpt-5": {"input_cost_per_token": 1e-6, "output_cost_per_token": 8e-6},
            "opus": {"input_cost_per_token": 5e-6, "output_cost_per_token": 2.5e-5},
        }),
    })  # fmt: skip
    policy, out = init(capsys, r)
    cols = {c.path: c for c in policy.layout.collections}
    assert cols["resources/model-settings.yml"].items == "list"
    assert cols["resources/model-settings.yml"].name_key == "name"
    assert cols["data/prices.json"].items == "mapping"
    assert policy.layout.naming == "path"  # both files name gpt-5
    # an effort key in words gets an ordered scale, so lowering it is a downgrade
    assert policy.scales["reasoning_effort"][:5] == ("none", "minimal", "low", "medium", "high")
    assert "scale       reasoning_effort" in out


def test_collections_shaped_alike_in_one_folder_share_a_glob(capsys, tmp_path):
    r = RepoBuilder(tmp_path / "r", policy=None)
    provider = "models:\n- id: {a}\n  name: A\n  prices:\n    input_mtok: 1\n    output_mtok: 2\n"
    r.commit("providers", {f"prices/providers/{p}.yml": provider.format(a=f"{p}-1")
                           for p in ("acme", "globex", "initech")})  # fmt: skip
    policy, out = init(capsys, r)
    (col,) = policy.layout.collections
    assert (col.path, col.items, col.name_key, col.at) == (
        "prices/providers/*.yml",
        "list",
        "id",
        "models",
    )
    assert "(3 files)" in out


def test_nothing_found_writes_the_defaults_and_check_refuses_them(capsys, tmp_path):
    r = RepoBuilder(tmp_path / "r", policy=None)
    r.commit("code", {"src/app.py": "print('hi')\n"})
    _policy, out = init(capsys, r)
    assert "found no model configs or prompts" in out
    r.commit("adopt", {})
    code, out, err = run(capsys, "check", "--repo", str(r.path), "--all")
    assert code == 2 and out == "" and "matches no model" in err


def test_outside_a_repository_init_writes_nothing(capsys, tmp_path):
    code, out, err = run(capsys, "init", "--repo", str(tmp_path))
    assert code == 2 and out == ""
    assert "not a git repository" in err and "hint: run `git init` first" in err
    assert not (tmp_path / ".auditui.toml").exists()


def test_a_symlink_is_never_followed_when_looking(capsys, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("model: secret\ntemperature: 0.1\nmax_tokens: 10\n")
    r = RepoBuilder(tmp_path / "r", policy=None)
    r.symlink("config/leak.yaml", str(outside))
    r.commit("link", {})
    _policy, out = init(capsys, r)
    assert "found no model configs or prompts" in out
    assert os.path.islink(r.path / "config/leak.yaml")


def test_a_repositorys_own_inheritance_is_proposed_with_its_bases(capsys, tmp_path):
    r = RepoBuilder(tmp_path / "r", policy=None)
    canonical = 'name = "{n}"\nreasoning = true\n[limit]\ncontext = 1000\noutput = 100\n'
    wrapper = 'base_model = "lab/{n}"\nbase_model_omit = ["limit.output"]\n[cost]\ninput = 1\n'
    files = {f"models/lab/{n}.toml": canonical.format(n=n) for n in ("a", "b", "c")}
    files |= {f"providers/{p}/models/{n}.toml": wrapper.format(n=n)
              for p in ("x", "y") for n in ("a", "b", "c")}  # fmt: skip
    r.commit("catalogue", files)
    policy, out = init(capsys, r)
    assert policy.layout.bases == ("models/lab/*.toml",)
    assert policy.layout.models == ("providers/*/models/*.toml",)
    assert (policy.layout.inherit.key, policy.layout.inherit.ref, policy.layout.inherit.omit) == (
        "base_model",
        ("^(.+)$", "models/\\1"),
        "base_model_omit",
    )
    assert policy.layout.naming == "path"
    assert 'inherit     base_model = "..." names a model under models/' in out
    # and what it proposes works: an edit of a canonical model moves its wrappers
    r.commit("adopt", {})
    r.commit(
        "longer context", {"models/lab/a.toml": canonical.format(n="a").replace("1000", "2000")}
    )
    code, out, _ = run(capsys, "check", "--repo", str(r.path), "--all", "--format", "json")
    (change,) = [c for c in json.loads(out)["changes"] if c["subject"] == "longer context"]
    assert change["models"] == ["providers/x/models/a", "providers/y/models/a"]


def test_the_starters_commented_owners_and_rules_parse_when_uncommented():
    """The hint on every policy error points at `auditui init`'s examples: those for
    [owners] and [[rules]] must be valid policy once uncommented."""
    import re

    from auditui.core.policy import STARTER, parse_policy

    start = STARTER.index("# [owners]")
    toml = re.compile(r'# (\[|"|\w+ *=)')  # a commented TOML line, not prose
    block = [ln[2:] if toml.match(ln) else "" for ln in STARTER[start:].splitlines()]
    policy = parse_policy("\n".join(block), "starter")
    assert [r.name for r in policy.rules] == ["effort-downgrade", "metadata", "rollback"]
    assert policy.owners[-1][0] == "opus-*"
