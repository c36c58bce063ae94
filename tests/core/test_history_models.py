"""End-to-end histories of model definitions: extends, deployed bases, collections
and symlinks (SPEC sections 1 and 7)."""

from __future__ import annotations

import pytest

from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit, triples


def aud009(change):
    return [f for f in change.findings if f.rule == "AUD009"]


# -- extends ------------------------------------------------------------------


def test_multi_level_extends_change_at_the_root_reaches_every_descendant(repo):
    repo.start(
        {
            "models/base.toml": 'temperature = 0.5\n[reasoning]\neffort = "high"\n',
            "models/mid.toml": 'extends = "base"\nmax_tokens = 100\n',
            "models/leaf.toml": 'extends = "mid"\n[reasoning]\nbudget = 10\n',
            "models/other.toml": 'temperature = 0.5\n[reasoning]\neffort = "high"\n',
        }
    )
    base = repo.head()
    repo.commit(
        "lower effort", {"models/base.toml": 'temperature = 0.5\n[reasoning]\neffort = "low"\n'}
    )
    (change,) = audit(repo, base).changes
    assert change.models == ["base", "leaf", "mid"]  # not `other`: its own file is untouched
    assert triples(change) == [
        (m, "reasoning.effort", "high", "low", "downgrade") for m in ("base", "leaf", "mid")
    ]


def test_multi_level_extends_change_in_the_middle_stops_above_it(repo):
    repo.start(
        {
            "models/base.toml": "max_tokens = 50\n",
            "models/mid.toml": 'extends = "base"\nmax_tokens = 100\n',
            "models/leaf.toml": 'extends = "mid"\n',
            "models/leaf2.toml": 'extends = "mid"\nmax_tokens = 7\n',  # overrides: unmoved
        }
    )
    base = repo.head()
    repo.commit("raise", {"models/mid.toml": 'extends = "base"\nmax_tokens = 200\n'})
    (change,) = audit(repo, base).changes
    assert triples(change) == [
        ("leaf", "max_tokens", 100, 200, "increase"),
        ("mid", "max_tokens", 100, 200, "increase"),
    ]


def test_deep_merge_through_the_chain_and_defaults(repo):
    repo.start(
        {
            "models/_defaults.toml": '[cache]\nttl = 3600\nmode = "idle"\n',
            "models/base.toml": '[cache]\nmode = "turn"\n',
            "models/leaf.toml": 'extends = "base"\n[cache]\nsize = 5\n',
        }
    )
    base = repo.head()
    repo.commit("ttl", {"models/_defaults.toml": '[cache]\nttl = 60\nmode = "idle"\n'})
    (change,) = audit(repo, base).changes
    assert triples(change) == [
        ("base", "cache.ttl", 3600, 60, "decrease"),
        ("leaf", "cache.ttl", 3600, 60, "decrease"),
    ]


def test_re_parenting_a_model_reports_only_the_values_that_moved(repo):
    repo.start(
        {
            "models/fast.toml": 'deployed = false\n[reasoning]\neffort = "low"\n',
            "models/smart.toml": 'deployed = false\n[reasoning]\neffort = "high"\n',
            "models/m.toml": 'extends = "fast"\nmax_tokens = 5\n',
        }
    )
    base = repo.head()
    repo.commit("re-parent", {"models/m.toml": 'extends = "smart"\nmax_tokens = 5\n'})
    (change,) = audit(repo, base).changes
    assert triples(change) == [("m", "reasoning.effort", "low", "high", "upgrade")]


def test_extends_cycle_is_aud009_naming_the_file_and_is_repairable(repo):
    repo.start(
        {
            "models/a.toml": 'extends = "b"\nx = 1\n',
            "models/b.toml": "y = 2\n",
            "models/c.toml": "z = 3\n",
        }
    )
    base = repo.head()
    repo.commit("cycle", {"models/b.toml": 'extends = "a"\ny = 2\n'})
    repo.commit("unrelated", {"models/c.toml": "z = 4\n"})
    repo.commit("break the cycle", {"models/b.toml": "y = 3\n"})
    cycle, unrelated, repair = audit(repo, base).changes

    assert cycle.status == "blocked"
    paths = sorted(d.path for d in cycle.deltas)
    assert paths == ["file:models/a.toml", "file:models/b.toml"]
    assert {d.kind for d in cycle.deltas} == {"invalid"}
    findings = aud009(cycle)
    assert findings and all("cycle" in f.message for f in findings)
    assert {f.file for f in findings} == {"models/a.toml", "models/b.toml"}
    assert any(f.message.startswith("models/b.toml: ") for f in findings)

    # The cycle does not leak into unrelated commits...
    assert triples(unrelated) == [("c", "z", 3, 4, "increase")]
    # ...and once broken, both models resolve again, compared with their last good config:
    # only b's own edit shows, for b and for a (which extends it).
    assert triples(repair) == [
        ("a", "y", 2, 3, "increase"),
        ("b", "y", 2, 3, "increase"),
    ]
    assert not aud009(repair)


def test_cycle_repaired_by_editing_the_other_file(repo):
    repo.start({"models/a.toml": 'extends = "b"\nx = 1\n', "models/b.toml": "y = 2\n"})
    base = repo.head()
    repo.commit("cycle", {"models/b.toml": 'extends = "a"\ny = 2\n'})
    repo.commit("a stops extending", {"models/a.toml": "x = 1\n"})
    repo.commit("later edit of a", {"models/a.toml": "x = 2\n"})
    cycle, repair, later = audit(repo, base).changes
    assert aud009(cycle)
    # a no longer inherits y (its last good config had y = 2 from b); b inherits a's x
    assert triples(repair) == [("a", "y", 2, None, "removed"), ("b", "x", None, 1, "added")]
    assert not aud009(repair)
    assert triples(later) == [
        ("a", "x", 1, 2, "increase"),
        ("b", "x", 1, 2, "increase"),
    ]


def test_extends_cycle_at_the_root_does_not_crash(repo):
    repo.start({"models/a.toml": 'extends = "a"\n', "models/b.toml": "k = 1\n"})
    report = audit(repo)
    (adopt,) = report.changes
    assert adopt.status == "exempt"
    assert ("b", "k", None, 1, "added") in triples(adopt)
    assert ("file:models/a.toml", "invalid") in [(d.path, d.kind) for d in adopt.deltas]


def test_extends_of_an_unknown_model_then_the_model_appears(repo):
    repo.start({"models/a.toml": "x = 1\n"})
    base = repo.head()
    repo.commit("bad extends", {"models/b.toml": 'extends = "ghost"\ny = 1\n'})
    repo.commit("ghost appears", {"models/ghost.toml": "g = 1\n"})
    bad, fixed = audit(repo, base).changes
    assert triples(bad) == [("b", "file:models/b.toml", None, bad.deltas[0].new, "invalid")]
    (finding,) = bad.findings
    assert finding.rule == "AUD009"
    assert "models/b.toml" in finding.message and "unknown model 'ghost'" in finding.message
    assert triples(fixed) == [
        ("b", "g", None, 1, "added"),
        ("b", "y", None, 1, "added"),
        ("ghost", "g", None, 1, "added"),
    ]


def test_unknown_model_two_levels_up_is_repaired_by_fixing_the_middle(repo):
    repo.start({"models/root.toml": "r = 1\n"})
    base = repo.head()
    repo.commit(
        "chain to nowhere",
        {
            "models/mid.toml": 'extends = "nowhere"\nm = 1\n',
            "models/leaf.toml": 'extends = "mid"\n',
        },
    )
    repo.commit("fix mid", {"models/mid.toml": 'extends = "root"\nm = 1\n'})
    bad, fixed = audit(repo, base).changes
    assert {d.path for d in bad.deltas} == {"file:models/leaf.toml", "file:models/mid.toml"}
    assert triples(fixed) == [
        ("leaf", "m", None, 1, "added"),
        ("leaf", "r", None, 1, "added"),
        ("mid", "m", None, 1, "added"),
        ("mid", "r", None, 1, "added"),
    ]
    assert not aud009(fixed)


def test_undeployed_base_is_not_reported_and_deployed_false_is_not_inherited(repo):
    repo.start(
        {
            "models/family.toml": 'deployed = false\n[reasoning]\neffort = "high"\n',
            "models/member.toml": 'extends = "family"\n',
        }
    )
    base = repo.head()
    repo.commit(
        "lower family effort",
        {"models/family.toml": 'deployed = false\n[reasoning]\neffort = "medium"\n'},
    )
    notes = 'deployed = false\nnotes = "x"\n[reasoning]\neffort = "medium"\n'
    repo.commit("edit only the base's ignored notes", {"models/family.toml": notes})
    report = audit(repo, base)
    (change,) = report.changes  # the ignored `notes` edit is no change
    assert change.models == ["member"]
    assert triples(change) == [("member", "reasoning.effort", "high", "medium", "downgrade")]


def test_undeployed_base_changing_alone_is_no_change(repo):
    repo.start({"models/family.toml": "deployed = false\nx = 1\n", "models/m.toml": "y = 1\n"})
    base = repo.head()
    repo.commit("edit unused base", {"models/family.toml": "deployed = false\nx = 2\n"})
    report = audit(repo, base)
    assert report.changes == []
    assert report.commits_walked == 1


def test_turning_a_model_into_an_undeployed_base_removes_it(repo):
    repo.start({"models/a.toml": "x = 1\n"})
    base = repo.head()
    repo.commit("retire", {"models/a.toml": "deployed = false\nx = 1\n"})
    (change,) = audit(repo, base).changes
    assert triples(change) == [("a", "x", 1, None, "removed")]


def test_middle_of_chain_undeployed_leaf_still_inherits_root(repo):
    repo.start(
        {
            "models/root.toml": "k = 1\n",
            "models/mid.toml": 'extends = "root"\ndeployed = false\n',
            "models/leaf.toml": 'extends = "mid"\n',
        }
    )
    base = repo.head()
    repo.commit("root edit", {"models/root.toml": "k = 2\n"})
    (change,) = audit(repo, base).changes
    assert change.models == ["leaf", "root"]


# -- collections ----------------------------------------------------------------

COLLECTION_POLICY = (
    DEFAULT_POLICY
    + """
[[layout.collection]]
path = "resources/model-settings.yml"
items = "list"
name_key = "name"

[[layout.collection]]
path = "model_prices.json"
items = "mapping"

[[layout.collection]]
path = "configs/*.json"
at = "catalogue.models"
items = "list"
name_key = "id"
"""
)

SETTINGS_YML = """\
- name: opus
  reasoning:
    effort: high
- name: sonnet
  reasoning:
    effort: medium
"""

PRICES_JSON = '{"gpt-x": {"input": 15, "output": 75}, "haiku": {"input": 1, "output": 5}}'


def provider_json(*models: tuple[str, int]) -> str:
    items = ", ".join(f'{{"id": "{n}", "max_tokens": {t}}}' for n, t in models)
    return f'{{"catalogue": {{"models": [{items}], "vendor": "x"}}}}'


@pytest.fixture
def collections(tmp_path):
    r = RepoBuilder(tmp_path / "coll", policy=COLLECTION_POLICY)
    r.start(
        {
            "resources/model-settings.yml": SETTINGS_YML,
            "model_prices.json": PRICES_JSON,
            "configs/azure.json": provider_json(("gpt-a", 100)),
            "configs/aws.json": provider_json(("claude-b", 200), ("claude-c", 300)),
        }
    )
    return r


def test_yaml_list_collection_entries_are_models(collections):
    base = collections.head()
    collections.commit(
        "lower opus", {"resources/model-settings.yml": SETTINGS_YML.replace("high", "low")}
    )
    (change,) = audit(collections, base).changes
    assert triples(change) == [("opus", "reasoning.effort", "high", "low", "downgrade")]


def test_reordering_collection_entries_is_no_change(collections):
    base = collections.head()
    swapped = (
        "- name: sonnet\n  reasoning: {effort: medium}\n- name: opus\n  reasoning: {effort: high}\n"
    )
    collections.commit("reorder", {"resources/model-settings.yml": swapped})
    assert audit(collections, base).changes == []


def test_json_mapping_collection_add_and_change(collections):
    base = collections.head()
    collections.commit(
        "prices",
        {
            "model_prices.json": (
                '{"haiku": {"input": 1, "output": 4}, "gpt-x": {"input": 15, "output": 75},'
                ' "new": {"input": 2}}'
            )
        },
    )
    (change,) = audit(collections, base).changes
    assert triples(change) == [
        ("haiku", "output", 5, 4, "decrease"),
        ("new", "input", None, 2, "added"),
    ]


def test_glob_collection_with_at_key(collections):
    base = collections.head()
    collections.commit(
        "providers",
        {
            "configs/aws.json": provider_json(("claude-b", 250), ("claude-c", 300)),
            "configs/gcp.json": provider_json(("gemini", 10)),
        },
    )
    collections.commit(
        "vendor field outside `at` is not a model setting",
        {"configs/azure.json": provider_json(("gpt-a", 100)).replace('"x"', '"y"')},
    )
    (change,) = audit(collections, base).changes
    assert triples(change) == [
        ("claude-b", "max_tokens", 200, 250, "increase"),
        ("gemini", "max_tokens", None, 10, "added"),
    ]


def test_collection_missing_its_at_key_is_aud009(collections):
    base = collections.head()
    collections.commit("flatten", {"configs/azure.json": '{"models": []}'})
    (change,) = audit(collections, base).changes
    assert [d.path for d in change.deltas] == ["file:configs/azure.json"]
    (finding,) = change.findings
    assert finding.rule == "AUD009" and "catalogue.models" in finding.message


def test_collection_entry_can_extend_a_model_file(tmp_path):
    r = RepoBuilder(tmp_path / "r", policy=COLLECTION_POLICY)
    r.start(
        {
            "models/house.toml": "deployed = false\ntemperature = 1\n",
            "model_prices.json": '{"m": {"extends": "house", "input": 1}}',
        }
    )
    base = r.head()
    r.commit("house", {"models/house.toml": "deployed = false\ntemperature = 0\n"})
    (change,) = audit(r, base).changes
    assert triples(change) == [("m", "temperature", 1, 0, "decrease")]


PATH_POLICY = (
    DEFAULT_POLICY.replace("[layout]\n", '[layout]\nnaming = "path"\n').replace(
        'models = ["models/*.toml", "models/*.yaml", "models/*.yml", "models/*.json"]',
        'models = ["providers/*/models/*.toml"]',
    )
    + """
[[layout.collection]]
path = "catalogues/*.json"
items = "mapping"
"""
)


def test_naming_path_names_models_and_collection_entries_by_path(tmp_path):
    r = RepoBuilder(tmp_path / "r", policy=PATH_POLICY)
    r.start(
        {
            "providers/azure/models/gpt-5.toml": "t = 1\n",
            "providers/openai/models/gpt-5.toml": "t = 1\n",
            "catalogues/eu.json": '{"gpt-5": {"t": 1}}',
        }
    )
    base = r.head()
    r.commit(
        "edit all",
        {
            "providers/azure/models/gpt-5.toml": "t = 2\n",
            "providers/openai/models/gpt-5.toml": "t = 3\n",
            "catalogues/eu.json": '{"gpt-5": {"t": 4}}',
        },
    )
    (change,) = audit(r, base).changes
    assert change.models == [
        "catalogues/eu/gpt-5",
        "providers/azure/models/gpt-5",
        "providers/openai/models/gpt-5",
    ]


def test_naming_path_extends_uses_path_names(tmp_path):
    r = RepoBuilder(tmp_path / "r", policy=PATH_POLICY)
    r.start(
        {
            "providers/azure/models/base.toml": "deployed = false\nt = 1\n",
            "providers/azure/models/gpt-5.toml": 'extends = "providers/azure/models/base"\n',
        }
    )
    base = r.head()
    r.commit("base", {"providers/azure/models/base.toml": "deployed = false\nt = 2\n"})
    (change,) = audit(r, base).changes
    assert triples(change) == [("providers/azure/models/gpt-5", "t", 1, 2, "increase")]


STEM_POLICY = DEFAULT_POLICY.replace(
    'models = ["models/*.toml", "models/*.yaml", "models/*.yml", "models/*.json"]',
    'models = ["providers/*/models/*.toml"]',
)


def test_colliding_stems_at_the_base_are_judged_not_a_failed_run(tmp_path):
    r = RepoBuilder(tmp_path / "r", policy=STEM_POLICY)
    r.start(
        {
            "providers/azure/models/gpt-5.toml": "t = 1\n",
            "providers/openai/models/gpt-5.toml": "t = 1\n",
        }
    )
    base = r.head()
    r.commit("edit the holder", {"providers/azure/models/gpt-5.toml": "t = 2\n"})
    r.commit("edit the other", {"providers/openai/models/gpt-5.toml": "t = 3\n"})
    r.commit("edit the holder again", {"providers/azure/models/gpt-5.toml": "t = 4\n"})
    holder, other, again = audit(r, base).changes
    # The first file by path holds the name at the base, and keeps it: every edit to
    # it is judged; the clash is blamed on the other file, when it is edited.
    assert triples(holder) == [("gpt-5", "t", 1, 2, "increase")]
    assert [(d.model, d.path, d.kind) for d in other.deltas] == [
        ("gpt-5", "file:providers/openai/models/gpt-5.toml", "invalid")
    ]
    (finding,) = other.findings
    assert finding.rule == "AUD009" and finding.model == "gpt-5"
    assert "already defined by providers/azure/models/gpt-5.toml" in finding.message
    assert 'naming = "path"' in finding.message
    assert triples(again) == [("gpt-5", "t", 2, 4, "increase")]


def test_colliding_stems_introduced_mid_history_is_aud009(tmp_path):
    r = RepoBuilder(tmp_path / "r", policy=STEM_POLICY)
    r.start({"providers/azure/models/gpt-5.toml": "t = 1\n"})
    base = r.head()
    r.commit("clash", {"providers/openai/models/gpt-5.toml": "t = 9\n"})
    r.commit("edit the original", {"providers/azure/models/gpt-5.toml": "t = 2\n"})
    clash, edit = audit(r, base).changes
    assert [(d.path, d.kind) for d in clash.deltas] == [
        ("file:providers/openai/models/gpt-5.toml", "invalid")
    ]
    (finding,) = clash.findings
    assert finding.rule == "AUD009"
    assert "gpt-5" in finding.message and "providers/azure/models/gpt-5.toml" in finding.message
    assert 'naming = "path"' in finding.message
    # the original keeps defining the model
    assert triples(edit) == [("gpt-5", "t", 1, 2, "increase")]


# -- symlinks -----------------------------------------------------------------


def test_symlinked_model_files_follow_their_target(repo):
    repo.write({"shared/opus.toml": '[reasoning]\neffort = "high"\n'})
    repo.symlink("models/opus-4.6.toml", "../shared/opus.toml")
    repo.symlink("models/opus-4.7.toml", "../shared/opus.toml")
    repo.start({"models/sonnet.toml": '[reasoning]\neffort = "high"\n'})
    base = repo.head()
    repo.commit("lower", {"shared/opus.toml": '[reasoning]\neffort = "medium"\n'})
    (change,) = audit(repo, base).changes
    assert triples(change) == [
        ("opus-4.6", "reasoning.effort", "high", "medium", "downgrade"),
        ("opus-4.7", "reasoning.effort", "high", "medium", "downgrade"),
    ]


def test_symlink_to_another_model_file(repo):
    repo.write({"models/a.toml": "x = 1\n"})
    repo.symlink("models/b.toml", "a.toml")
    repo.start()
    base = repo.head()
    repo.commit("edit a", {"models/a.toml": "x = 2\n"})
    repo.commit("unlink b", {"models/b.toml": "x = 2\n"})
    repo.commit("edit a again", {"models/a.toml": "x = 3\n"})
    edit, again = audit(repo, base).changes  # replacing the link by equal content: nothing
    assert edit.models == ["a", "b"]
    assert again.models == ["a"]
    assert [c.commit.subject for c in (edit, again)] == ["edit a", "edit a again"]


def test_repointing_a_symlink_is_a_change_of_that_model_only(repo):
    repo.write({"shared/one.toml": "x = 1\n", "shared/two.toml": "x = 2\n"})
    repo.symlink("models/a.toml", "../shared/one.toml")
    repo.symlink("models/b.toml", "../shared/one.toml")
    repo.start()
    base = repo.head()
    repo.symlink("models/a.toml", "../shared/two.toml")
    repo.commit("repoint a")
    repo.commit("edit one", {"shared/one.toml": "x = 5\n"})
    repoint, edit = audit(repo, base).changes
    assert triples(repoint) == [("a", "x", 1, 2, "increase")]
    assert triples(edit) == [("b", "x", 1, 5, "increase")]


def test_symlink_leaving_the_repository_is_aud009(repo, tmp_path):
    outside = tmp_path / "outside.toml"
    outside.write_text("x = 1\n")
    repo.start({"models/a.toml": "x = 1\n"})
    base = repo.head()
    repo.symlink("models/evil.toml", str(outside))
    repo.commit("absolute link")
    repo.symlink("models/evil2.toml", "../../outside.toml")
    repo.commit("relative link")
    absolute, relative = audit(repo, base).changes
    for change, path in ((absolute, "models/evil.toml"), (relative, "models/evil2.toml")):
        assert [(d.path, d.kind) for d in change.deltas] == [(f"file:{path}", "invalid")]
        (finding,) = change.findings
        assert finding.rule == "AUD009"
        assert path in finding.message and "leaves the repository" in finding.message
        assert change.status == "blocked"


def test_dangling_symlink_target_deleted_is_aud009(repo):
    repo.write({"shared/one.toml": "x = 1\n"})
    repo.symlink("models/a.toml", "../shared/one.toml")
    repo.start()
    base = repo.head()
    repo.commit("drop target", {"shared/one.toml": None})
    repo.commit("restore target", {"shared/one.toml": "x = 1\n"})
    changes = audit(repo, base).changes
    assert len(changes) == 1  # restoring identical content is no config change
    (finding,) = changes[0].findings
    assert finding.rule == "AUD009" and "models/a.toml" in finding.message
    assert "does not exist" in finding.message


def test_moving_an_entry_between_provider_files_is_not_a_clash(collections):
    base = collections.head()
    collections.commit(
        "move claude-b to azure",
        {
            "configs/aws.json": provider_json(("claude-c", 300)),
            "configs/azure.json": provider_json(("gpt-a", 100), ("claude-b", 200)),
        },
    )
    collections.commit(
        "and back, with a new value",
        {
            "configs/aws.json": provider_json(("claude-c", 300), ("claude-b", 222)),
            "configs/azure.json": provider_json(("gpt-a", 100)),
        },
    )
    (change,) = audit(collections, base).changes  # the move itself changes no config
    assert triples(change) == [("claude-b", "max_tokens", 200, 222, "increase")]


def test_converting_a_model_file_to_another_format_is_no_change(repo):
    repo.start({"models/a.toml": 'x = 1\n[r]\neffort = "high"\n'})
    base = repo.head()
    repo.commit("to yaml", {"models/a.toml": None, "models/a.yaml": "r: {effort: high}\nx: 1\n"})
    repo.commit(
        "to json", {"models/a.yaml": None, "models/a.json": '{"x": 1, "r": {"effort": "low"}}'}
    )
    (change,) = audit(repo, base).changes
    assert change.commit.subject == "to json"
    assert triples(change) == [("a", "r.effort", "high", "low", "changed")]


def test_symlink_added_mid_history_tracks_its_target_from_then_on(repo):
    repo.start({"models/a.toml": "x = 1\n", "shared/base.toml": "x = 1\n"})
    base = repo.head()
    repo.symlink("models/b.toml", "../shared/base.toml")
    repo.commit("link b")
    repo.commit("edit target", {"shared/base.toml": "x = 2\n"})
    repo.commit("unlink", {"models/b.toml": None})
    repo.commit("edit target again", {"shared/base.toml": "x = 3\n"})
    link, edit, unlink = audit(repo, base).changes
    assert triples(link) == [("b", "x", None, 1, "added")]
    assert triples(edit) == [("b", "x", 1, 2, "increase")]
    assert triples(unlink) == [("b", "x", 2, None, "removed")]


def test_symlink_loop_is_aud009(repo):
    repo.start({"models/a.toml": "x = 1\n"})
    base = repo.head()
    repo.symlink("models/l1.toml", "l2.toml")
    repo.symlink("models/l2.toml", "l1.toml")
    repo.commit("loop")
    (change,) = audit(repo, base).changes
    assert sorted(d.path for d in change.deltas) == ["file:models/l1.toml", "file:models/l2.toml"]
    assert change.rules == ["AUD009"]
