"""The policy file: SPEC section 1 defaults, strict validation, collections."""

from __future__ import annotations

import math

import pytest

from auditui.core.base.errors import AuditError
from auditui.core.policy.model import (
    POLICY_FILE,
    Approvals,
    Collection,
    Evals,
    Layout,
    Policy,
    Rollout,
    Watch,
)
from auditui.core.policy.parse import parse_policy
from auditui.core.policy.starter import STARTER


def error(text: str, source: str = POLICY_FILE) -> AuditError:
    with pytest.raises(AuditError) as exc:
        parse_policy(text, source)
    err = exc.value
    assert "\n" not in err.message and "Traceback" not in err.message
    assert err.hint and err.hint.startswith("hint:")
    return err


def test_defaults_match_spec_section_1():
    p = Policy()
    assert p.layout.models == ("models/*.toml", "models/*.yaml", "models/*.yml", "models/*.json")
    assert p.layout.defaults == "models/_defaults.toml"
    assert p.layout.prompts == ("prompts/**/*.md", "prompts/**/*.txt")
    assert p.layout.records == "audit"
    assert p.layout.naming == "stem"
    assert p.layout.collections == ()
    assert p.watch.keys == ("*",)
    assert p.watch.ignore == ("description", "notes", "notes.*")
    assert p.scales == {"reasoning.effort": ("low", "medium", "high", "max")}
    assert p.evals.required_suites == ("coding",)
    assert p.evals.max_regression == 1.0
    assert p.approvals.required == 1
    assert p.approvals.approvers == ()
    assert p.approvals.allow_self_approval is False
    assert p.approvals.require_signatures is False
    assert p.approvals.allowed_signers == "allowed_signers"
    assert p.rollout is None


def test_rollout_defaults_match_spec_section_1():
    r = Rollout()
    assert (r.key, r.stages, r.soak_hours) == ("rollout.percent", (1, 10, 50, 100), 24)


def test_empty_policy_is_all_defaults():
    assert parse_policy("") == Policy()
    assert parse_policy("# nothing but a comment\n") == Policy()


def test_starter_parses_to_the_defaults():
    policy = parse_policy(STARTER)
    assert policy == Policy()
    assert policy.rollout is None  # the [rollout] block is commented out


def test_starter_rollout_block_when_uncommented_gives_the_spec_defaults():
    head, block = STARTER.split("# [rollout]")
    for key in ("key", "stages", "soak_hours"):
        block = block.replace(f"# {key} ", f"{key} ")
    assert parse_policy(head + "[rollout]" + block).rollout == Rollout()


def test_starter_collection_example_when_uncommented_parses():
    text = STARTER.replace("# [[layout.collection]]", "[[layout.collection]]")
    for key in ("path", "items", "name_key", "at"):
        text = text.replace(f"# {key} ", f"{key} ")
    (col,) = parse_policy(text).layout.collections
    assert col == Collection("resources/model-settings.yml", "list", "name", "models")


def test_spec_example_policy_parses():
    policy = parse_policy(
        """
[layout]
models   = ["models/*.toml", "models/*.yaml", "models/*.yml", "models/*.json"]
defaults = "models/_defaults.toml"
prompts  = ["prompts/**/*.md", "prompts/**/*.txt"]
records  = "audit"

[watch]
keys   = ["*"]
ignore = ["description", "notes", "notes.*"]

[scales]
"reasoning.effort" = ["low", "medium", "high", "max"]

[evals]
required_suites = ["coding"]
max_regression  = 1.0

[approvals]
required           = 1
approvers          = []
allow_self_approval = false
require_signatures = false
allowed_signers    = "allowed_signers"

[rollout]
key        = "rollout.percent"
stages     = [1, 10, 50, 100]
soak_hours = 24
"""
    )
    assert policy == Policy(rollout=Rollout())


def test_values_are_read():
    policy = parse_policy(
        """
[layout]
models = "catalog/*.json"
defaults = false
prompts = []
records = "evidence"
naming = "path"

[watch]
keys = ["reasoning.*", "cache"]
ignore = []

[scales]
"cache.mode" = ["off", "turn", "hour"]

[evals]
required_suites = ["coding", "chat"]
max_regression = 0

[approvals]
required = 2
approvers = ["Bob@Example.com", "carol@example.com"]
allow_self_approval = true
require_signatures = true
allowed_signers = ".github/allowed_signers"

[rollout]
key = "deploy.percent"
stages = [5, 25.5, 100]
soak_hours = 0.5
"""
    )
    assert policy.layout == Layout(
        models=("catalog/*.json",),  # a single string is a list of one
        defaults=None,  # `false` turns defaults off
        prompts=(),
        records="evidence",
        naming="path",
    )
    assert policy.watch == Watch(keys=("reasoning.*", "cache"), ignore=())
    assert policy.scales == {"cache.mode": ("off", "turn", "hour")}  # replaces the default
    assert policy.evals == Evals(required_suites=("coding", "chat"), max_regression=0.0)
    assert isinstance(policy.evals.max_regression, float)
    assert policy.approvals == Approvals(
        required=2,
        approvers=("Bob@Example.com", "carol@example.com"),
        allow_self_approval=True,
        require_signatures=True,
        allowed_signers=".github/allowed_signers",
    )
    assert policy.rollout == Rollout(key="deploy.percent", stages=(5, 25.5, 100), soak_hours=0.5)
    assert policy.raw["approvals"]["required"] == 2


def test_empty_defaults_string_turns_defaults_off():
    assert parse_policy('[layout]\ndefaults = ""\n').layout.defaults is None


def test_empty_scales_table_means_no_scales():
    assert parse_policy("[scales]\n").scales == {}


def test_rollout_absent_is_none_and_empty_table_is_defaults():
    assert parse_policy("[evals]\nmax_regression = 2\n").rollout is None
    assert parse_policy("[rollout]\n").rollout == Rollout()
    assert parse_policy("[rollout]\nsoak_hours = 48\n").rollout == Rollout(soak_hours=48.0)


def test_partial_sections_keep_other_defaults():
    policy = parse_policy("[approvals]\nrequired = 3\n")
    assert policy.approvals == Approvals(required=3)
    assert policy.layout == Layout() and policy.evals == Evals()


# -- collections -----------------------------------------------------------------------


def test_collections_parse():
    policy = parse_policy(
        """
[[layout.collection]]
path  = "resources/model-settings.yml"
items = "list"
name_key = "name"

[[layout.collection]]
path  = "model_prices.json"
items = "mapping"

[[layout.collection]]
path  = "configs/*.json"
at    = "models"
items = "list"
name_key = "id"
"""
    )
    assert policy.layout.collections == (
        Collection("resources/model-settings.yml", "list", "name", None),
        Collection("model_prices.json", "mapping", "name", None),
        Collection("configs/*.json", "list", "id", "models"),
    )
    # Declaring collections leaves the model-file globs at their defaults.
    assert policy.layout.models == Layout().models


def test_single_collection_table_is_accepted():
    policy = parse_policy('[layout.collection]\npath = "all.json"\nitems = "mapping"\n')
    assert policy.layout.collections == (Collection("all.json", "mapping"),)


def test_collection_defaults():
    (col,) = parse_policy('[[layout.collection]]\npath = "m.yml"\n').layout.collections
    assert (col.items, col.name_key, col.at) == ("list", "name", None)


@pytest.mark.parametrize(
    ("body", "expect"),
    [
        ('items = "list"', "needs a 'path'"),
        ('path = "m.yml"\nitems = "dict"', '"list" or "mapping"'),
        ('path = "m.yml"\nname_key = 3', "non-empty string"),
        ('path = "m.yml"\nat = ""', "non-empty string"),
        ('path = ""', "non-empty string"),
        ('path = "m.yml"\nnamekey = "id"', "unknown key 'namekey'"),
    ],
)
def test_collection_errors(body, expect):
    err = error(f"[[layout.collection]]\n{body}\n")
    assert expect in err.message
    assert "#1" in err.message
    assert err.message.startswith(".auditui.toml: ")


def test_collection_error_names_which_one():
    err = error('[[layout.collection]]\npath = "a.yml"\n[[layout.collection]]\nitems = "list"\n')
    assert "#2" in err.message and "path" in err.message


def test_collection_must_be_tables():
    err = error('[layout]\ncollection = ["a.yml"]\n')
    assert "[[layout.collection]]" in err.message


# -- errors ------------------------------------------------------------------------------


def test_invalid_toml():
    err = error("[layout\nmodels = 1\n")
    assert err.message.startswith(".auditui.toml: invalid TOML")
    assert "line 1" in err.message


def test_source_names_the_file():
    err = error("[bogus]\n", source="/tmp/other-policy.toml")
    assert err.message.startswith("/tmp/other-policy.toml: ")


def test_a_path_outside_the_repository_names_the_whole_file_name():
    """The file and the key are kept apart, never cut back out of one string: a policy
    file whose name holds ": " was named only up to it."""
    for key in ("records", "defaults"):
        err = error(f'[layout]\n{key} = "../x"\n', source="team: policy.toml")
        assert err.message == (
            f"team: policy.toml: [layout] {key} must be a normalised path inside the "
            "repository (no `..` or `.`), got '../x'"
        )


def test_unknown_section_is_named_with_the_known_ones():
    err = error("[aprovals]\nrequired = 2\n")
    assert "unknown section [aprovals]" in err.message
    assert "approvals" in err.message.split("known:")[1]


def test_top_level_key_is_an_unknown_section():
    err = error("required = 2\n")
    assert "[required]" in err.message


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("layout", "model"),
        ("watch", "key"),
        ("evals", "required_suite"),
        ("evals", "max_regresion"),
        ("approvals", "approver"),
        ("approvals", "allow_self_approvals"),
        ("rollout", "stage"),
    ],
)
def test_unknown_key_is_named_with_its_section(section, key):
    err = error(f'[{section}]\n{key} = "x"\n')
    assert f"unknown key '{key}' in [{section}]" in err.message
    assert "known:" in err.message


@pytest.mark.parametrize(
    ("text", "where", "expected"),
    [
        ("[layout]\nmodels = 3", "[layout] models", "a list of strings"),
        ('[layout]\nmodels = ["a", 1]', "[layout] models", "a list of strings"),
        ("[layout]\ndefaults = 3", "[layout] defaults", "a non-empty string"),
        ("[layout]\nrecords = []", "[layout] records", "a non-empty string"),
        ('[layout]\nrecords = ""', "[layout] records", "a non-empty string"),
        ('[layout]\nnaming = "stems"', "[layout] naming", '"stem" or "path"'),
        ("[watch]\nkeys = {a = 1}", "[watch] keys", "a list of strings"),
        ("[watch]\nignore = [true]", "[watch] ignore", "a list of strings"),
        ('[evals]\nrequired_suites = "coding"\nmax_regression = "1"', "max_regression", "number"),
        ("[evals]\nmax_regression = -1", "[evals] max_regression", "a non-negative number"),
        ("[evals]\nmax_regression = true", "[evals] max_regression", "a non-negative number"),
        ("[evals]\nmax_regression = nan", "[evals] max_regression", "a non-negative number"),
        ("[approvals]\nrequired = 1.5", "[approvals] required", "a non-negative integer"),
        ("[approvals]\nrequired = -1", "[approvals] required", "a non-negative integer"),
        ("[approvals]\nrequired = true", "[approvals] required", "a non-negative integer"),
        ('[approvals]\nrequired = "2"', "[approvals] required", "a non-negative integer"),
        ('[approvals]\napprovers = "a@x"\nallow_self_approval = "no"', "allow_self", "true or"),
        ("[approvals]\nrequire_signatures = 1", "[approvals] require_signatures", "true or"),
        ("[approvals]\nallowed_signers = false", "[approvals] allowed_signers", "non-empty"),
        ("[rollout]\nstages = []", "[rollout] stages", "a non-empty list of numbers"),
        ('[rollout]\nstages = [1, "10"]', "[rollout] stages", "a non-empty list of numbers"),
        ("[rollout]\nstages = [1, true]", "[rollout] stages", "a non-empty list of numbers"),
        ("[rollout]\nstages = [1, nan]", "[rollout] stages", "a non-empty list of numbers"),
        ("[rollout]\nstages = [10, 1]", "[rollout] stages", "increasing order"),
        ("[rollout]\nstages = [1, 10, 10, 100]", "[rollout] stages", "increasing order"),
        ("[rollout]\nsoak_hours = -2", "[rollout] soak_hours", "a non-negative number"),
        ("[rollout]\nkey = 1", "[rollout] key", "a non-empty string"),
        ("[scales]\neffort = 3", "[scales] 'effort'", "a list of strings"),
        ('[scales]\n"a.b" = [1, 2]', "[scales] 'a.b'", "a list of strings"),
        ('[push]\nprotected = ["main"]', "[push] protected", "ref names or globs under refs/"),
        ("[push]\nprotected = true", "[push] protected", "a list of strings"),
        ('[push]\nallow_rewind = "yes"', "[push] allow_rewind", "true or false"),
        ('[push]\ngate = "some"', "[push] gate", '"all" or "protected"'),
    ],
)
def test_wrong_types_name_section_and_key(text, where, expected):
    err = error(text + "\n")
    assert where in err.message, err.message
    assert expected in err.message, err.message
    assert "got " in err.message


def test_wrong_type_message_shows_the_value():
    err = error("[approvals]\nrequired = 1.5\n")
    assert err.message == (
        ".auditui.toml: [approvals] required must be a non-negative integer, got a number (1.5)"
    )


def test_long_values_are_cut_short_in_messages():
    err = error(f'[layout]\nrecords = ["{"x" * 500}"]\n')
    assert len(err.message) < 200


@pytest.mark.parametrize("section", ["layout", "watch", "evals", "approvals", "rollout", "scales"])
def test_section_that_is_not_a_table(section):
    err = error(f"{section} = 1\n")
    assert f"[{section}] must be a table" in err.message


def test_infinite_max_regression_is_allowed_but_nan_is_not():
    assert math.isinf(parse_policy("[evals]\nmax_regression = inf\n").evals.max_regression)
    error("[evals]\nmax_regression = nan\n")
    error("[rollout]\nsoak_hours = nan\n")


def test_huge_numbers_do_not_crash():
    err = error(f"[approvals]\nrequired = {'9' * 5000}\n")
    assert "invalid TOML" in err.message and "sys." not in err.message
    # an integer too large for a float is simply no limit at all
    assert math.isinf(parse_policy(f"[evals]\nmax_regression = {'9' * 400}\n").evals.max_regression)


def test_policy_is_immutable_and_comparable():
    a, b = parse_policy(STARTER), parse_policy(STARTER)
    assert a == b
    with pytest.raises(AttributeError):
        a.approvals.required = 0  # type: ignore[misc]


def test_starter_examples_of_every_real_shape_parse_when_uncommented():
    """`auditui init` writes a commented example of each SPEC 8 key; each works."""
    from auditui.core.policy.model import Diff, Inherit

    text = STARTER
    for marker in ("# bases =", "# inline_prompts =", "# [diff]", "# list_ids"):
        text = text.replace(marker, marker.removeprefix("# "))
    head, block = text.split("# [layout.inherit]")
    for key in ("key", "ref", "omit", "merge", "exclude"):
        block = block.replace(f"# {key} ", f"{key} ", 1)
    policy = parse_policy(head + "[layout.inherit]" + block)
    assert policy.layout.inherit == Inherit(
        "base_model", ("^(.+)$", "models/\\1"), "base_model_omit", "deep", ("benchmarks",)
    )
    assert policy.layout.bases == ("models/bases/*.toml",)
    assert policy.layout.inline_prompts == ("**.system_template", "preprompt")
    assert policy.diff == Diff()
    head, block = STARTER.split("# [[layout.collection]]")
    for key in ("path", "items", "name_key", "at", "decode"):
        block = block.replace(f"# {key} ", f"{key} ", 1)
    (col,) = parse_policy(head + "[[layout.collection]]" + block).layout.collections
    assert col.decode == "json"


@pytest.mark.parametrize(
    ("body", "expect"),
    [
        ('[layout.inherit]\nref = "x"\n', "must be [regex, replacement]"),
        ('[layout.inherit]\nref = ["(", "y"]\n', "invalid regex"),
        ('[layout.inherit]\nmerge = "deepest"\n', '"deep" or "shallow"'),
        ('[layout.inherit]\nparent = "x"\n', "unknown key 'parent' in [layout.inherit]"),
        ("[layout]\ninherit = 3\n", "must be a [layout.inherit] table"),
        ('[[layout.collection]]\npath = "x.yml"\ndecode = "xml"\n', '"json" or "yaml"'),
        ("[diff]\nlist_ids = [1]\n", "[diff] list_ids must be a list of strings"),
        ("[diff]\nitems = []\n", "unknown key 'items' in [diff]"),
        ('[layout]\nbases = "x"\ninline_prompts = [3]\n', "inline_prompts must be a list"),
    ],
)
def test_real_shape_keys_are_validated(body, expect):
    assert expect in error(body).message


def test_protected_refs_default_to_the_head_branch_and_every_tag():
    push = parse_policy("").push
    assert push.protects("refs/heads/main", "refs/heads/main")
    assert push.protects("refs/tags/v1", None) and push.protects("refs/tags/rel/v1", None)
    assert not push.protects("refs/heads/main", None)  # the HEAD branch unknown
    assert not push.protects("refs/heads/topic", "refs/heads/main")
    named = parse_policy('[push]\nprotected = ["refs/heads/release/*"]\n').push
    assert named.protects("refs/heads/release/1.2", "refs/heads/main")
    assert not named.protects("refs/heads/release/1/hotfix", "refs/heads/main")
    assert not named.protects("refs/heads/main", "refs/heads/main")
    assert not named.protects("refs/tags/v1", "refs/heads/main")
