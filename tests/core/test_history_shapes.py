"""Real repositories' own shapes (SPEC 8), each in a real git history: inheritance
through [layout.inherit] and bases, JSON held in a YAML value, lists compared item by
item, prompts kept inline in a config key, and scales on dotted-key globs."""

from __future__ import annotations

import subprocess

from tests.helpers.repo import RepoBuilder, audit, triples


def shape(change) -> list[tuple]:
    return [(d.model, d.path, d.kind) for d in change.deltas]


# -- models.dev today: base_model = "<lab>/<id>" onto canonical models/ --------------

BASE_MODEL_POLICY = """\
[layout]
models   = ["providers/*/models/**/*.toml"]
bases    = ["models/**/*.toml"]
defaults = ""
prompts  = []
naming   = "path"

[layout.inherit]
key  = "base_model"
ref  = ["^(.+)$", "models/\\\\1"]
omit = "base_model_omit"
"""

CANONICAL = """\
name = "Claude Opus"
reasoning = true
[limit]
context = 200000
input = 180000
output = 32000
[modalities]
input = ["text", "image"]
"""


def test_an_edit_to_a_canonical_model_moves_every_provider_model_built_on_it(tmp_path):
    r = RepoBuilder(tmp_path / "r", BASE_MODEL_POLICY)
    r.start(
        {
            "models/anthropic/opus.toml": CANONICAL,
            "providers/vertex/models/opus.toml": (
                'base_model = "anthropic/opus"\n[cost]\ninput = 5\n'
            ),
            "providers/bedrock/models/opus.toml": (
                'base_model = "anthropic/opus"\nbase_model_omit = ["limit.input"]\n'
                "[cost]\ninput = 6\n"
            ),
            "providers/other/models/own.toml": 'name = "Own"\n[limit]\ncontext = 1000\n',
        }
    )
    base = r.head()
    r.commit("raise output", {"models/anthropic/opus.toml": CANONICAL.replace("32000", "64000")})
    r.commit(
        "raise input",
        {
            "models/anthropic/opus.toml": CANONICAL.replace("32000", "64000").replace(
                "180000", "190000"
            )
        },
    )
    output, inp = audit(r, base).changes
    # Reported on each provider model, never on the canonical base itself.
    assert triples(output) == [
        ("providers/bedrock/models/opus", "limit.output", 32000, 64000, "increase"),
        ("providers/vertex/models/opus", "limit.output", 32000, 64000, "increase"),
    ]
    # bedrock omits limit.input: an edit of it moves vertex only.
    assert triples(inp) == [
        ("providers/vertex/models/opus", "limit.input", 180000, 190000, "increase")
    ]


def test_the_structural_keys_are_never_settings_and_omit_prunes_empty_tables(tmp_path):
    r = RepoBuilder(tmp_path / "r", BASE_MODEL_POLICY)
    r.start({"models/a/m.toml": "[experimental]\nfast = true\n[limit]\noutput = 1\n"})
    base = r.head()
    r.commit(
        "wrapper",
        {
            "providers/p/models/m.toml": (
                'base_model = "a/m"\nbase_model_omit = ["experimental.fast"]\n'
            )
        },
    )
    (change,) = audit(r, base).changes
    # No base_model, no base_model_omit, no empty `experimental` table.
    assert triples(change) == [("providers/p/models/m", "limit.output", None, 1, "added")]


def test_migrating_a_full_definition_to_inheritance_shows_only_what_really_changed(tmp_path):
    full = CANONICAL + "[cost]\ninput = 5\n"
    r = RepoBuilder(tmp_path / "r", BASE_MODEL_POLICY)
    r.start(
        {
            "models/anthropic/opus.toml": CANONICAL,
            "providers/vertex/models/opus.toml": full,
            "providers/azure/models/opus.toml": full,
        }
    )
    base = r.head()
    r.commit(
        "migrate to base_model",
        {
            "providers/vertex/models/opus.toml": (
                'base_model = "anthropic/opus"\n[cost]\ninput = 5\n'
            ),
            # this one silently loses image input in the migration
            "providers/azure/models/opus.toml": (
                'base_model = "anthropic/opus"\n[cost]\ninput = 5\n[modalities]\ninput = ["text"]\n'
            ),
        },
    )
    (change,) = audit(r, base).changes
    assert triples(change) == [
        ("providers/azure/models/opus", "modalities.input", ["text", "image"], ["text"], "changed"),
    ]


def test_a_parent_that_does_not_match_ref_or_is_not_a_string_is_aud009(tmp_path):
    policy = BASE_MODEL_POLICY.replace('"^(.+)$"', '"^([a-z]+/[a-z]+)$"')
    r = RepoBuilder(tmp_path / "r", policy)
    r.start({"models/a/m.toml": "x = 1\n"})
    base = r.head()
    r.commit(
        "bad refs",
        {
            "providers/p/models/one.toml": 'base_model = "No/Match!"\n',
            "providers/p/models/two.toml": "base_model = 3\n",
        },
    )
    (change,) = audit(r, base).changes
    assert change.rules == ["AUD009"]
    messages = sorted(f.message for f in change.findings)
    assert "does not match [layout.inherit] ref" in messages[0]
    assert "`base_model` must be a model name" in messages[1]


# -- models.dev in April 2026: [extends] from = "<provider>/<id>" with omit ----------

EXTENDS_POLICY = """\
[layout]
models   = ["providers/*/models/**/*.toml"]
defaults = ""
prompts  = []
naming   = "path"

[layout.inherit]
key  = "extends.from"
ref  = ["^([^/]+)/(.+)$", "providers/\\\\1/models/\\\\2"]
omit = "extends.omit"
"""


def test_extends_tables_chain_and_omit(tmp_path):
    r = RepoBuilder(tmp_path / "r", EXTENDS_POLICY)
    r.start(
        {
            "providers/anthropic/models/opus.toml": (
                'name = "Opus"\n[cost]\ninput = 5\n[experimental.modes]\nfast = "x"\n'
            ),
            "providers/proxy/models/opus.toml": (
                '[extends]\nfrom = "anthropic/opus"\nomit = ["experimental.modes.fast"]\n'
            ),
            "providers/proxy2/models/opus.toml": (
                '[extends]\nfrom = "proxy/opus"\n[cost]\ninput = 7\n'
            ),
        }
    )
    base = r.head()
    r.commit(
        "rename",
        {
            "providers/anthropic/models/opus.toml": (
                'name = "Opus 4"\n[cost]\ninput = 5\n[experimental.modes]\nfast = "x"\n'
            )
        },
    )
    (change,) = audit(r, base).changes
    # The root and every model down the chain move; none carries `extends` or
    # `experimental` (the omit pruned it, and proxy2 inherits proxy's result).
    assert triples(change) == [
        ("providers/anthropic/models/opus", "name", "Opus", "Opus 4", "changed"),
        ("providers/proxy/models/opus", "name", "Opus", "Opus 4", "changed"),
        ("providers/proxy2/models/opus", "name", "Opus", "Opus 4", "changed"),
    ]


def test_shallow_merge_and_excluded_parent_keys(tmp_path):
    policy = (
        '[layout]\nmodels = ["m/*.toml"]\ndefaults = ""\nprompts = []\n'
        '[layout.inherit]\nkey = "parent"\nmerge = "shallow"\nexclude = ["benchmarks"]\n'
    )
    r = RepoBuilder(tmp_path / "r", policy)
    parent = "[limit]\ncontext = 1\noutput = 2\n[benchmarks]\nswe = 70\n"
    r.start({"m/base.toml": parent, "m/child.toml": 'parent = "base"\n[limit]\ncontext = 5\n'})
    base = r.head()
    r.commit(
        "parent moves",
        {"m/base.toml": parent.replace("output = 2", "output = 3").replace("swe = 70", "swe = 71")},
    )
    (change,) = audit(r, base).changes
    # The child replaced `limit` whole (shallow) and never inherits benchmarks: only the
    # parent itself moved.
    assert [d.model for d in change.deltas] == ["base", "base"]


# -- a Helm values file holding a JSON model list ------------------------------------

HELM_POLICY = """\
[layout]
models   = []
defaults = ""
prompts  = []
inline_prompts = ["preprompt"]

[[layout.collection]]
path     = "chart/env/prod.yaml"
at       = "envVars.MODELS"
decode   = "json"
items    = "list"
name_key = "id"
"""

HELM = """\
image:
  name: chat-ui
envVars:
  APP_BASE: "/chat"
  MODELS: >
    [
      {{ "id": "omni", "parameters": {{ "max_tokens": {a} }} }},
      {{ "id": "kimi", "preprompt": "{pre}", "parameters": {{ "temperature": 0.6 }} }}
    ]
"""


def test_json_in_a_yaml_value_is_a_collection(tmp_path):
    r = RepoBuilder(tmp_path / "r", HELM_POLICY)
    r.start({"chart/env/prod.yaml": HELM.format(a=4096, pre="Be helpful.")})
    base = r.head()
    r.commit("tokens", {"chart/env/prod.yaml": HELM.format(a=8192, pre="Be helpful.")})
    r.commit(
        "unrelated",
        {"chart/env/prod.yaml": HELM.format(a=8192, pre="Be helpful.").replace("/chat", "/c")},
    )
    r.commit("break it", {"chart/env/prod.yaml": HELM.format(a=8192, pre="x").replace("[", "{")})
    tokens, broken = audit(r, base).changes
    assert triples(tokens) == [("omni", "parameters.max_tokens", 4096, 8192, "increase")]
    assert shape(broken) == [(None, "file:chart/env/prod.yaml", "invalid")]
    assert "value at 'envVars.MODELS': invalid JSON" in broken.findings[0].message


def test_an_inline_preprompt_is_prompt_text_with_limits(tmp_path):
    r = RepoBuilder(tmp_path / "r", HELM_POLICY)
    r.start({"chart/env/prod.yaml": HELM.format(a=1, pre="Be helpful.")})
    base = r.head()
    new_text = "Be helpful. Keep answers under 50 words."
    r.commit("terse", {"chart/env/prod.yaml": HELM.format(a=1, pre=new_text)})
    (change,) = audit(r, base).changes
    text, limit = change.deltas

    def hash_object(text: str) -> str:
        return subprocess.run(
            ["git", "hash-object", "--stdin"],
            input=text,
            text=True,
            capture_output=True,
            check=True,
        ).stdout.strip()

    assert (text.model, text.path, text.kind) == ("kimi", "preprompt", "text")
    assert (text.old, text.new) == (hash_object("Be helpful."), hash_object(new_text))
    assert "+Be helpful. Keep answers under 50 words." in text.detail
    assert (limit.path, limit.kind, limit.new) == (
        "preprompt#limits",
        "limit-added",
        {"unit": "words", "max": 50, "applies_to": "answers"},
    )


def test_a_value_that_is_not_a_string_cannot_be_decoded(tmp_path):
    r = RepoBuilder(tmp_path / "r", HELM_POLICY)
    r.start({"chart/env/prod.yaml": HELM.format(a=1, pre="x")})
    base = r.head()
    r.commit("a list", {"chart/env/prod.yaml": "envVars:\n  MODELS:\n    - id: omni\n"})
    (change,) = audit(r, base).changes
    assert change.rules == ["AUD009"]
    assert "must be a string holding JSON, got a list" in change.findings[0].message


# -- an agent config with templates kept inline --------------------------------------

AGENT_POLICY = """\
[layout]
models   = ["config/*.yaml"]
defaults = ""
prompts  = []
inline_prompts = ["**.system_template", "**.instance_template"]

[scales]
"**.reasoning_effort" = ["low", "medium", "high"]
"""

AGENT = """\
agent:
  templates:
    system_template: |-
      You are a helpful assistant. {limit}
    next_step_template: "OBSERVATION: {{observation}}"
  model:
    name: o3
    completion_kwargs:
      reasoning_effort: {effort}
"""


def test_a_nested_template_is_prompt_text_and_a_nested_effort_has_its_scale(tmp_path):
    r = RepoBuilder(tmp_path / "r", AGENT_POLICY)
    r.start({"config/default.yaml": AGENT.format(limit="", effort="high")})
    base = r.head()
    r.commit(
        "terse and cheaper",
        {
            "config/default.yaml": AGENT.format(
                limit="Reply in at most 3 sentences.", effort="medium"
            )
        },
    )
    (change,) = audit(r, base).changes
    assert shape(change) == [
        ("default", "agent.model.completion_kwargs.reasoning_effort", "downgrade"),
        ("default", "agent.templates.system_template", "text"),
        ("default", "agent.templates.system_template#limits", "limit-added"),
    ]


def test_an_exact_scale_wins_over_a_glob_and_the_first_glob_wins(tmp_path):
    policy = (
        '[layout]\nmodels = ["m/*.toml"]\ndefaults = ""\nprompts = []\n[scales]\n'
        '"**.effort" = ["a", "b"]\n"x.**" = ["b", "a"]\n"x.effort" = ["lo", "hi"]\n'
    )
    r = RepoBuilder(tmp_path / "r", policy)
    r.start({"m/m.toml": '[x]\neffort = "hi"\n[y]\neffort = "b"\n[x.z]\neffort = "b"\n'})
    base = r.head()
    r.commit("down", {"m/m.toml": '[x]\neffort = "lo"\n[y]\neffort = "a"\n[x.z]\neffort = "a"\n'})
    (change,) = audit(r, base).changes
    assert [(d.path, d.kind) for d in change.deltas] == [
        ("x.effort", "downgrade"),  # its exact key
        ("x.z.effort", "downgrade"),  # "**.effort" is listed first
        ("y.effort", "downgrade"),
    ]


# -- lists of mappings, item by item -------------------------------------------------

PRICES_POLICY = """\
[layout]
models   = []
defaults = ""
prompts  = []

[[layout.collection]]
path     = "prices/providers/*.yml"
at       = "models"
items    = "list"
name_key = "id"

[diff]
list_ids = ["start", "id", "name"]
"""

PRICES = """\
models:
  - id: gpt-5
    prices:
      input_mtok:
        base: 1.25
        tiers:
{tiers}
"""


def tiers(*rows: tuple[int, float]) -> str:
    return "".join(f"          - start: {s}\n            price: {p}\n" for s, p in rows)


def test_a_price_cut_in_a_tier_is_a_decrease_at_the_items_path(tmp_path):
    r = RepoBuilder(tmp_path / "r", PRICES_POLICY)
    r.start({"prices/providers/openai.yml": PRICES.format(tiers=tiers((0, 1.25), (272000, 2.5)))})
    base = r.head()
    r.commit(
        "cut", {"prices/providers/openai.yml": PRICES.format(tiers=tiers((0, 1.25), (272000, 2.0)))}
    )
    r.commit(
        "reorder",
        {"prices/providers/openai.yml": PRICES.format(tiers=tiers((272000, 2.0), (0, 1.25)))},
    )
    r.commit(
        "add a tier",
        {
            "prices/providers/openai.yml": PRICES.format(
                tiers=tiers((272000, 2.0), (0, 1.25), (1000000, 3))
            )
        },
    )
    cut, added = audit(r, base).changes  # the reorder is no change
    assert triples(cut) == [
        ("gpt-5", "prices.input_mtok.tiers[start=272000].price", 2.5, 2.0, "decrease")
    ]
    assert triples(added) == [
        (
            "gpt-5",
            "prices.input_mtok.tiers[start=1000000]",
            None,
            {"start": 1000000, "price": 3},
            "added",
        )
    ]


def test_a_list_without_a_unique_identity_stays_one_value(tmp_path):
    r = RepoBuilder(tmp_path / "r", PRICES_POLICY)
    r.start({"prices/providers/o.yml": PRICES.format(tiers=tiers((0, 1), (0, 2)))})
    base = r.head()
    r.commit("edit", {"prices/providers/o.yml": PRICES.format(tiers=tiers((0, 1), (0, 3)))})
    (change,) = audit(r, base).changes
    assert shape(change) == [("gpt-5", "prices.input_mtok.tiers", "changed")]
    r2 = RepoBuilder(tmp_path / "r2", PRICES_POLICY.replace('["start", "id", "name"]', "[]"))
    r2.start({"prices/providers/o.yml": PRICES.format(tiers=tiers((0, 1)))})
    base = r2.head()
    r2.commit("edit", {"prices/providers/o.yml": PRICES.format(tiers=tiers((0, 2)))})
    (change,) = audit(r2, base).changes
    assert shape(change) == [("gpt-5", "prices.input_mtok.tiers", "changed")]  # turned off
