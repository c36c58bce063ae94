"""`auditui init` looks at the repository before it writes (SPEC 8, adoption that
cannot say OK by mistake): what it proposes is what `check` then audits."""

from __future__ import annotations

import json
import os

from auditui.cli import main
from auditui.core.policy.parse import parse_policy
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
    r.commit(
        "configs",
        {
            "config/llm/opus.yaml": "model: opus\nreasoning:\n  effort: high\nmax_tokens: 8000\n",
            "config/llm/sonnet.yaml": (
                "model: sonnet\nreasoning:\n  effort: high\nmax_tokens: 4000\n"
            ),
            "config/llm/_defaults.yaml": "temperature: 1.0\ncache:\n  ttl: 3600\n",
            "config/prompts/system.md": "You are a coding agent. Keep replies under 100 words.\n",
            "README.md": "# configs\n",
            "package.json": '{"name": "x", "version": "1.0.0"}',
        },
    )
    policy, out = init(capsys, r)
    assert policy.layout.models == ("config/llm/*.yaml",)
    assert policy.layout.defaults == "config/llm/_defaults.yaml"
    assert policy.layout.prompts == ("config/prompts/**/*.md",)
    assert "models      config/llm/*.yaml (2 files, e.g. config/llm/opus.yaml)" in out
    r.commit("adopt", {})
    r.commit(
        "downgrade",
        {"config/llm/opus.yaml": "model: opus\nreasoning:\n  effort: low\nmax_tokens: 8000\n"},
    )
    code, out, _ = run(capsys, "check", "--repo", str(r.path), "--all", "--format", "json")
    assert code == 1
    (change,) = [c for c in json.loads(out)["changes"] if c["subject"] == "downgrade"]
    assert change["deltas"] == [
        {
            "model": "opus",
            "path": "reasoning.effort",
            "old": "high",
            "new": "low",
            "kind": "downgrade",
        }
    ]


def test_a_list_and_a_mapping_of_models_become_collections(capsys, tmp_path):
    r = RepoBuilder(tmp_path / "r", policy=None)
    r.commit(
        "catalogue",
        {
            "resources/model-settings.yml": "- name: gpt-5\n  edit_format: diff\n"
            "  reasoning_effort: high\n  use_repo_map: true\n"
            "- name: opus\n  edit_format: whole\n"
            "  reasoning_effort: medium\n  streaming: false\n",
            "data/prices.json": json.dumps(
                {
                    "gpt-5": {"input_cost_per_token": 1e-6, "output_cost_per_token": 8e-6},
                    "opus": {"input_cost_per_token": 5e-6, "output_cost_per_token": 2.5e-5},
                }
            ),
        },
    )
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
    r.commit(
        "providers",
        {
            f"prices/providers/{p}.yml": provider.format(a=f"{p}-1")
            for p in ("acme", "globex", "initech")
        },
    )
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
    files |= {
        f"providers/{p}/models/{n}.toml": wrapper.format(n=n)
        for p in ("x", "y")
        for n in ("a", "b", "c")
    }
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

    from auditui.core.policy.parse import parse_policy
    from auditui.core.policy.starter import STARTER

    start = STARTER.index("# [owners]")
    toml = re.compile(r'# (\[|"|\w+ *=)')  # a commented TOML line, not prose
    block = [ln[2:] if toml.match(ln) else "" for ln in STARTER[start:].splitlines()]
    policy = parse_policy("\n".join(block), "starter")
    assert [r.name for r in policy.rules] == ["effort-downgrade", "metadata", "rollback"]
    assert policy.owners[-1][0] == "opus-*"


# -- SPEC 16: every file accounted for -----------------------------------------------------

DIFY_RULES = """\
parameter_rules:
  - name: temperature
    use_template: temperature
  - name: reasoning_effort
    label:
      en_US: Reasoning Effort
      zh_Hans: 推理努力程度
    help:
      en_US: Constrains effort on reasoning.
      zh_Hans: 约束推理努力程度。
    type: string
    default: {effort}
    options: [minimal, low, medium, high]
  - name: thinking_level
    type: string
    default: High
    options: [Low, High, Minimal]
"""


def dify_model(name: str, pricing: bool = True) -> str:
    """A model file shaped like langgenius/dify-official-plugins' (`model` + UI text +
    keyed parameter rules); without pricing only `model` is a recognised key."""
    text = (
        f"model: {name}\nlabel:\n  en_US: {name}\n  zh_Hans: {name}\nmodel_type: llm\n"
        "model_properties:\n  mode: chat\n" + DIFY_RULES.format(effort="medium")
    )
    return text + ("pricing:\n  input: '1.00'\n  output: '8.00'\n" if pricing else "")


def dify_tree(r: RepoBuilder) -> None:
    files = {
        ".github/prompts/editor.prompt.md": "You are the editor's assistant.\n",
        "tools/search/tools/search.yaml": "identity:\n  name: search\n  label: {en_US: Search}\n",
        "models/acme/schemas/model-schema.json": json.dumps(
            {
                "$schema": "http://json-schema.org/draft-07/schema#",
                "properties": {"model": {"type": "string"}, "temperature": {"type": "number"}},
            }
        ),
        "models/acme/settings.yaml": "temperature: 0.5\n",  # a config of sorts, no model
    }
    for provider in ("acme", "globex", "initech", "umbrella"):
        files[f"models/{provider}/manifest.yaml"] = f"name: {provider}\nversion: 0.1.0\n"
        files[f"models/{provider}/provider/{provider}.yaml"] = (
            f"provider: {provider}\nlabel:\n  en_US: {provider}\nsupported_model_types: [llm]\n"
            "model_credential_schema:\n  model:\n    label:\n      en_US: Model\n"
        )
        names = [f"{provider}-{n}" for n in ("large", "small")]
        files[f"models/{provider}/models/llm/_position.yaml"] = "".join(f"- {n}\n" for n in names)
        for name in names:  # initech's files carry one recognised key only: `model`
            files[f"models/{provider}/models/llm/{name}.yaml"] = dify_model(
                name, pricing=provider != "initech"
            )
    # a reseller keeps other labs' models a folder deeper, under their names
    files["models/umbrella/models/llm/acme/acme-large.yaml"] = dify_model("acme-large")
    files["models/acme/models/text_embedding/acme-embed.yaml"] = (
        "model: acme-embed\nmodel_type: text-embedding\nmodel_properties:\n  context_size: 8192\n"
    )
    r.commit("catalogue", files)


def test_a_catalogue_is_proposed_whole_with_excludes_ignores_and_scales(capsys, tmp_path):
    r = RepoBuilder(tmp_path / "r", policy=None)
    dify_tree(r)
    policy, out = init(capsys, r)
    layout = policy.layout
    assert layout.models == ("models/*/models/**/*.yaml",)  # one glob, initech's too
    assert layout.naming == "path"
    assert set(layout.exclude) == {"**/_position.yaml", "**/manifest.yaml", "models/*/provider/**"}
    assert layout.prompts == () and layout.collections == ()  # no editor prompt, no schema
    assert {"**.label", "**.help"} <= set(policy.watch.ignore)
    assert policy.scales["**[name=reasoning_effort].default"] == (
        "minimal",
        "low",
        "medium",
        "high",
    )
    assert policy.scales["**[name=thinking_level].default"] == ("Minimal", "Low", "High")
    lines = out.splitlines()
    table = lines[
        lines.index("auditui: what the policy does with the files it looked at (per folder):") + 1 :
    ]
    assert table[0].split() == [
        "folder",
        "models",
        "prompts",
        "collections",
        "excluded",
        "not",
        "covered",
    ]
    rows = {line.split()[0]: line.split()[1:] for line in table[1:] if line.startswith("  ")}
    assert rows["models/*/models/llm"] == ["8", "-", "-", "4", "-"]
    assert rows["models/*/provider"] == ["-", "-", "-", "4", "-"]
    assert rows["models/*"] == ["-", "-", "-", "4", "1"]  # manifests; acme's settings.yaml
    assert rows["all"] == ["10", "-", "-", "12", "1"]
    assert (
        "auditui: 1 file looks like model configs but no pattern covers or excludes "
        "them: models/acme/settings.yaml; add them to [layout] models, or to exclude"
    ) in out
    text = (r.path / ".auditui.toml").read_text()
    assert "# Not covered, though they look like model configs (1 file)" in text
    # what it proposes is what check then audits: initech's edit is seen, a reorder of a
    # `_position.yaml` list is nothing, and no file is invalid
    r.commit("adopt", {})
    r.commit(
        "edits",
        {
            "models/initech/models/llm/initech-large.yaml": dify_model(
                "initech-large", False
            ).replace("mode: chat", "mode: completion"),
            "models/acme/models/llm/_position.yaml": "- acme-small\n- acme-large\n",
        },
    )
    code, out, _ = run(capsys, "check", "--repo", str(r.path), "--all", "--format", "json")
    (change,) = [c for c in json.loads(out)["changes"] if c["subject"] == "edits"]
    assert change["deltas"] == [
        {
            "model": "models/initech/models/llm/initech-large",
            "path": "model_properties.mode",
            "old": "chat",
            "new": "completion",
            "kind": "changed",
        }
    ]
    assert not [f for f in change["findings"] if f["rule"] == "AUD009"]


def test_a_file_named_for_models_holding_nested_lists_is_one_model(capsys, tmp_path):
    """FlowiseAI/Flowise keeps its model list in packages/components/models.json:
    categories of providers, each with a list of models (prices, UI labels)."""
    r = RepoBuilder(tmp_path / "r", policy=None)
    models = {
        "chat": [
            {
                "name": "chatOpenAI",
                "models": [
                    {
                        "label": "gpt-4o",
                        "name": "gpt-4o",
                        "description": "Omni",
                        "input_cost": 2.5e-06,
                        "output_cost": 1e-05,
                    },
                    {
                        "label": "gpt-4o-mini",
                        "name": "gpt-4o-mini",
                        "input_cost": 1.5e-07,
                        "output_cost": 6e-07,
                    },
                ],
            }
        ],
        "embedding": [
            {
                "name": "openAIEmbeddings",
                "models": [{"label": "text-embedding-3-large", "name": "text-embedding-3-large"}],
            }
        ],
    }
    r.commit(
        "components",
        {
            "packages/components/models.json": json.dumps(models, indent=2),
            "packages/components/package.json": '{"name": "flowise-components"}',
            "packages/components/tsconfig.json": '{"compilerOptions": {}}',
        },
    )
    policy, out = init(capsys, r)
    assert policy.layout.models == ("packages/components/models.json",)
    assert policy.layout.exclude == ()
    assert {"**.label", "**.description"} <= set(policy.watch.ignore)
    r.commit("adopt", {})
    models["chat"][0]["models"][0]["input_cost"] = 2e-06
    models["chat"][0]["models"][0]["label"] = "GPT-4o"  # UI text: ignored
    r.commit("cheaper", {"packages/components/models.json": json.dumps(models, indent=2)})
    code, out, _ = run(capsys, "check", "--repo", str(r.path), "--all", "--format", "json")
    (change,) = [c for c in json.loads(out)["changes"] if c["subject"] == "cheaper"]
    assert [(d["model"], d["path"], d["kind"]) for d in change["deltas"]] == [
        ("models", "chat[name=chatOpenAI].models[name=gpt-4o].input_cost", "decrease")
    ]


def test_a_folder_of_model_files_with_no_known_setting_is_found(capsys, tmp_path):
    """lmstudio-ai/model-catalog: models/*.json name their model and describe its files
    (no key init knew), beside a JSON schema and a generated catalog at the root."""
    r = RepoBuilder(tmp_path / "r", policy=None)
    entry = {
        "_descriptorVersion": "0.0.1",
        "name": "{n}",
        "description": "A model.",
        "arch": "llama",
        "numParameters": "7B",
        "files": {"all": [{"name": "{n}.gguf", "quantization": "Q4_K_S"}]},
    }
    docs = {n: json.loads(json.dumps(entry).replace("{n}", n)) for n in ("phi-2", "zephyr")}
    r.commit(
        "catalog",
        {
            **{f"models/{n}.json": json.dumps(d, indent=2) for n, d in docs.items()},
            "catalog.json": json.dumps(list(docs.values())),
            "schema.json": json.dumps(
                {"$schema": "http://json-schema.org/draft-07/schema#", "type": "array"}
            ),
        },
    )
    policy, out = init(capsys, r)
    assert policy.layout.models == ("models/*.json",)
    assert policy.layout.collections == () and policy.layout.exclude == ()
    assert "found no model configs" not in out
    assert "  models     " in out and "models/*.json (2 files" in out


def test_colliding_stems_with_distinct_names_propose_name_key(capsys, tmp_path):
    r = RepoBuilder(tmp_path / "r", policy=None)
    r.commit(
        "configs",
        {
            f"providers/{p}/config.yaml": f"model: {p}-1\ntemperature: 0.5\nmax_tokens: 10\n"
            for p in ("acme", "globex", "initech")
        },
    )
    policy, out = init(capsys, r)
    assert policy.layout.models == ("providers/*/*.yaml",)
    assert (policy.layout.name_key, policy.layout.naming) == ("model", "stem")
    r.commit("adopt", {})
    r.commit(
        "cooler",
        {"providers/globex/config.yaml": "model: globex-1\ntemperature: 0.2\nmax_tokens: 10\n"},
    )
    code, out, _ = run(capsys, "check", "--repo", str(r.path), "--all", "--format", "json")
    (change,) = [c for c in json.loads(out)["changes"] if c["subject"] == "cooler"]
    assert change["models"] == ["globex-1"]


def test_init_is_deterministic_and_never_overwrites(capsys, tmp_path):
    outputs = []
    for name in ("one", "two"):
        r = RepoBuilder(tmp_path / name, policy=None)
        dify_tree(r)
        code, out, err = run(capsys, "init", "--repo", str(r.path))
        assert code == 0, err
        outputs.append((out.replace(str(r.path), "R"), (r.path / ".auditui.toml").read_bytes()))
    assert outputs[0] == outputs[1]
    assert "what the policy does with the files" in outputs[0][0]
    target = tmp_path / "one" / ".auditui.toml"
    target.write_text("# mine\n")
    code, out, err = run(capsys, "init", "--repo", str(tmp_path / "one"))
    assert code == 2 and out == "" and "already exists; not overwriting it" in err
    assert target.read_text() == "# mine\n"
    target.unlink()
    target.symlink_to(tmp_path / "elsewhere.toml")  # a dangling link is a file too
    code, out, err = run(capsys, "init", "--repo", str(tmp_path / "one"))
    assert code == 2 and not (tmp_path / "elsewhere.toml").exists()


def test_a_policy_appearing_while_init_writes_is_kept(tmp_path):
    """init checks first, and writes only where no file is, however late one appears
    (a hard link never replaces a name; a rename would)."""
    from auditui.core.base.errors import AuditError
    from auditui.core.evidence.records import atomic_write

    target = tmp_path / ".auditui.toml"

    def late(fh):
        target.write_text("# written meanwhile\n")
        fh.write("# init's\n")

    try:
        atomic_write(target, late, follow_links=False, exclusive=True)
    except AuditError as exc:
        assert "already exists" in exc.message
    else:
        raise AssertionError("overwrote the policy")
    assert target.read_text() == "# written meanwhile\n"
    assert [p.name for p in tmp_path.iterdir()] == [".auditui.toml"]  # no temp file left
