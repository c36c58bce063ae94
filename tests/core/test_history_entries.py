"""One bad entry, one finding (SPEC 8): a collection entry that cannot be a model is an
AUD009 on `file:<path>#<entry>`; every other entry of the file is judged as usual, the
bad one keeps its last good config, and a name clash is blamed on the file the commit
changed, never failing the run."""

from __future__ import annotations

from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit, triples

POLICY = DEFAULT_POLICY + (
    '\n[[layout.collection]]\npath = "settings.yml"\nitems = "list"\nname_key = "name"\n'
    '\n[[layout.collection]]\npath = "prices.json"\nitems = "mapping"\n'
)


def shape(change) -> list[tuple]:
    return [(d.model, d.path, d.kind) for d in change.deltas]


def aud009(change) -> list[str]:
    return [f.message for f in change.findings if f.rule == "AUD009"]


def test_a_duplicated_entry_is_one_finding_and_the_other_entries_are_judged(tmp_path):
    r = RepoBuilder(tmp_path / "r", POLICY)
    r.start({"settings.yml": "- name: a\n  t: 1\n- name: b\n  t: 1\n"})
    base = r.head()

    def doubled(b: int, second_a: int) -> str:
        return f"- name: a\n  t: 1\n- name: b\n  t: {b}\n- name: a\n  t: {second_a}\n"

    r.commit("dup a, edit b", {"settings.yml": doubled(2, 9)})
    r.commit("edit b while a is still doubled", {"settings.yml": doubled(3, 9)})
    r.commit("edit one of the doubles", {"settings.yml": doubled(3, 8)})
    r.commit("drop the double, raise a", {"settings.yml": "- name: a\n  t: 5\n- name: b\n  t: 3\n"})
    dup, edit_b, edit_dup, fixed = audit(r, base).changes

    assert shape(dup) == [("a", "file:settings.yml#a", "invalid"), ("b", "t", "increase")]
    assert aud009(dup) == [
        "settings.yml#a: model 'a' is defined twice in this collection (entries 1, 3)"
    ]
    assert dup.models == ["b"]  # a keeps its last good config: it did not move
    (finding,) = [f for f in dup.findings if f.rule == "AUD009"]
    assert finding.model == "a" and finding.file == "settings.yml"

    # An edit elsewhere in the file is judged on its own: the double is not news.
    assert triples(edit_b) == [("b", "t", 2, 3, "increase")]
    assert aud009(edit_b) == []
    # Editing the bad entry itself reports it again (nobody can evaluate it).
    assert shape(edit_dup) == [("a", "file:settings.yml#a", "invalid")]
    # The repair is compared with a's last good config (t = 1).
    assert triples(fixed) == [("a", "t", 1, 5, "increase")]


def test_an_entry_that_is_not_a_mapping_keeps_its_last_good_config(tmp_path):
    r = RepoBuilder(tmp_path / "r", POLICY)
    r.start({"prices.json": '{"a": {"t": 1}, "b": {"t": 1}}'})
    base = r.head()
    r.commit("break a, edit b", {"prices.json": '{"a": "oops", "b": {"t": 2}, "c": {"t": 7}}'})
    r.commit("repair a", {"prices.json": '{"a": {"t": 3}, "b": {"t": 2}, "c": {"t": 7}}'})
    broken, repair = audit(r, base).changes
    assert shape(broken) == [
        ("a", "file:prices.json#a", "invalid"),
        ("b", "t", "increase"),
        ("c", "t", "added"),
    ]
    assert aud009(broken) == [
        "prices.json#a: model 'a' must be a mapping of settings, got a string"
    ]
    assert triples(repair) == [("a", "t", 1, 3, "increase")]


def test_entries_without_a_name_are_numbered_from_one(tmp_path):
    r = RepoBuilder(tmp_path / "r", POLICY)
    r.start({"settings.yml": "- name: a\n  t: 1\n"})
    base = r.head()
    r.commit("two bad entries", {"settings.yml": "- name: a\n  t: 1\n- t: 2\n- just text\n"})
    (change,) = audit(r, base).changes
    assert shape(change) == [
        (None, "file:settings.yml#2", "invalid"),
        (None, "file:settings.yml#3", "invalid"),
    ]
    assert aud009(change) == [
        "settings.yml#2: entry 2 has no 'name' field naming the model",
        "settings.yml#3: entry 3 is not a mapping",
    ]
    assert change.anchor(None) == ("settings.yml", 1)


def test_a_clash_with_a_model_file_is_blamed_on_the_collection_entry(tmp_path):
    r = RepoBuilder(tmp_path / "r", POLICY)
    r.start({"models/a.toml": "t = 1\n", "settings.yml": "- name: b\n  t: 1\n"})
    base = r.head()
    r.commit("claim a in the list too", {"settings.yml": "- name: b\n  t: 2\n- name: a\n  t: 4\n"})
    r.commit("edit the model file", {"models/a.toml": "t = 2\n"})
    r.commit("remove the model file", {"models/a.toml": None})
    claim, edit, removed = audit(r, base).changes
    assert shape(claim) == [("a", "file:settings.yml#a", "invalid"), ("b", "t", "increase")]
    assert aud009(claim) == [
        "settings.yml#a: model 'a' is already defined by models/a.toml; "
        'set [layout] naming = "path" to name models by path'
    ]
    assert claim.anchor("a") == ("settings.yml", 3)  # SARIF points at the entry's name
    # The file holding the name keeps it: its edits are judged, blame never flips.
    assert triples(edit) == [("a", "t", 1, 2, "increase")]
    assert aud009(edit) == []
    # Once the model file is gone, the list's entry defines `a`.
    assert triples(removed) == [("a", "t", 2, 4, "increase")]
    assert aud009(removed) == []


def test_a_clash_between_two_files_at_the_base_never_fails_the_run(tmp_path):
    r = RepoBuilder(tmp_path / "r", POLICY)
    r.start({"models/a.toml": "t = 1\n", "settings.yml": "- name: a\n  t: 2\n- name: b\n  t: 1\n"})
    base = r.head()
    r.commit("edit b", {"settings.yml": "- name: a\n  t: 2\n- name: b\n  t: 5\n"})
    r.commit("edit a in the model file", {"models/a.toml": "t = 3\n"})
    edit_b, edit_a = audit(r, base).changes
    assert triples(edit_b) == [("b", "t", 1, 5, "increase")]
    assert triples(edit_a) == [("a", "t", 1, 3, "increase")]


def test_a_clash_made_in_one_commit_blames_the_same_file_whatever_the_order(tmp_path):
    r = RepoBuilder(tmp_path / "r", POLICY)
    r.start({"settings.yml": "- name: z\n  t: 1\n"})
    base = r.head()
    r.commit("both at once", {"models/a.toml": "t = 1\n", "prices.json": '{"a": {"t": 2}}'})
    (change,) = audit(r, base).changes
    # Nobody held `a`: the first file by path takes it, the other is blamed.
    assert shape(change) == [("a", "file:prices.json#a", "invalid"), ("a", "t", "added")]
    assert triples(change)[1] == ("a", "t", None, 1, "added")


def test_a_whole_history_with_a_clash_is_judged_to_the_end(tmp_path):
    r = RepoBuilder(tmp_path / "r", POLICY)
    r.start({"models/a.toml": "t = 1\n"})
    r.commit("clash", {"prices.json": '{"a": {"t": 2}, "b": {"t": 1}}'})
    r.commit("edit b", {"prices.json": '{"a": {"t": 2}, "b": {"t": 2}}'})
    report = audit(r)
    assert [c.commit.subject for c in report.changes] == ["adopt auditui", "clash", "edit b"]
    assert triples(report.changes[-1]) == [("b", "t", 1, 2, "increase")]


def test_an_untouched_entry_keeps_its_model_and_a_touched_one_is_rebuilt(tmp_path):
    """Speed rests on this (one edit to a 2,000-entry mapping builds one model), and
    so does correctness: `1 -> true` or `1 -> 1.0` in an entry is an edit."""
    from auditui.core.configs.models import models_in_collection
    from auditui.core.policy.parse import parse_policy

    policy = parse_policy(POLICY)
    spec = next(c for c in policy.layout.collections if c.path == "prices.json")

    def models(doc, previous=None):
        found, problems = models_in_collection("prices.json", doc, spec, policy.layout, previous)
        assert problems == []
        return {m.name: m for m in found}

    first = models({"a": {"in": 1, "cap": True}, "b": {"in": 2}, "c": {"in": 3}})
    again = models({"a": {"in": 1, "cap": True}, "b": {"in": True}, "c": {"in": 3.0}}, first)
    assert again["a"] is first["a"]
    assert again["b"] is not first["b"] and again["b"] != first["b"]
    assert again["c"] is not first["c"]  # 3 -> 3.0: re-resolved; the diff reports nothing
    reordered = models({"a": {"cap": True, "in": 1}}, first)
    assert reordered["a"] is not first["a"]  # written differently: built again, never wrong
