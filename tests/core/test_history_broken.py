"""Broken files in history (SPEC section 7): the breaking commit is a change with an
`invalid` delta and AUD009; while broken nothing else is blamed on it; the repair is
compared with the last good config."""

from __future__ import annotations

from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit, triples

GOOD = 'max_tokens = 100\n[reasoning]\neffort = "high"\n'


def test_breaking_a_model_file_then_repairing_it_identically(repo):
    repo.start({"models/a.toml": GOOD, "models/b.toml": "x = 1\n"})
    base = repo.head()
    repo.commit("break", {"models/a.toml": "max_tokens = = 100\n"})
    broken_blob = repo.git("rev-parse", "HEAD:models/a.toml")
    repo.commit("unrelated readme", {"README.md": "hi\n"})
    repo.commit("unrelated model", {"models/b.toml": "x = 2\n"})
    repair = repo.commit("repair as before", {"models/a.toml": GOOD})
    report = audit(repo, base)
    assert report.commits_walked == 4
    broken, unrelated = report.changes  # readme: nothing; repair to same content: nothing

    assert triples(broken) == [(None, "file:models/a.toml", None, broken_blob, "invalid")]
    # Repaired within the range, the break reaches nothing (SPEC 11): reverted, its
    # finding kept for the record.
    assert (broken.status, broken.reverted_by) == ("reverted", repair)
    (finding,) = broken.findings
    assert finding.rule == "AUD009"
    assert finding.message.startswith("models/a.toml: invalid TOML")
    assert broken.deltas[0].detail and "invalid TOML" in broken.deltas[0].detail

    assert triples(unrelated) == [("b", "x", 1, 2, "increase")]
    assert unrelated.rules == ["AUD001"]


def test_repair_with_different_content_is_compared_with_last_good(repo):
    repo.start({"models/a.toml": GOOD})
    base = repo.head()
    repo.commit("break", {"models/a.toml": "{{{"})
    repo.commit("break differently", {"models/a.toml": "[[["})
    repo.commit("repair with a new value", {"models/a.toml": GOOD.replace("100", "50")})
    broken, broken_again, repair = audit(repo, base).changes
    for change in (broken, broken_again):
        assert [(d.path, d.kind) for d in change.deltas] == [("file:models/a.toml", "invalid")]
        assert change.rules == ["AUD009"]
    assert broken.fingerprint != broken_again.fingerprint  # a different broken blob
    assert triples(repair) == [("a", "max_tokens", 100, 50, "decrease")]
    assert "AUD009" not in repair.rules


def test_breaking_a_yaml_and_a_json_model_names_the_parser_message(repo):
    repo.start({"models/y.yaml": "a: 1\n", "models/j.json": '{"a": 1}'})
    base = repo.head()
    repo.commit("break both", {"models/y.yaml": "a: [1\n", "models/j.json": '{"a": 1,}'})
    (change,) = audit(repo, base).changes
    assert [d.path for d in change.deltas] == ["file:models/j.json", "file:models/y.yaml"]
    messages = {f.file: f.message for f in change.findings}
    assert set(messages) == {"models/j.json", "models/y.yaml"}
    assert "invalid JSON" in messages["models/j.json"]
    assert "invalid YAML" in messages["models/y.yaml"]


def test_a_model_file_that_is_not_a_mapping_is_invalid(repo):
    repo.start({"models/a.json": '{"x": 1}'})
    base = repo.head()
    repo.commit("list", {"models/a.json": "[1, 2]"})
    (change,) = audit(repo, base).changes
    assert change.rules == ["AUD009"]
    assert "mapping" in change.findings[0].message


def test_while_broken_defaults_changes_do_not_blame_the_broken_file(repo):
    repo.start(
        {
            "models/_defaults.toml": "t = 1\n",
            "models/a.toml": "x = 1\n",
            "models/b.toml": "y = 1\n",
        }
    )
    base = repo.head()
    repo.commit("break a", {"models/a.toml": "x = \n"})
    repo.commit("defaults", {"models/_defaults.toml": "t = 2\n"})
    repo.commit("repair a", {"models/a.toml": "x = 1\n"})
    broken, defaults = audit(repo, base).changes
    # a keeps its last good definition, so the defaults edit moves it too; no AUD009 again
    assert triples(defaults) == [("a", "t", 1, 2, "increase"), ("b", "t", 1, 2, "increase")]
    assert "AUD009" not in defaults.rules


def test_broken_defaults_and_broken_prompt(repo):
    repo.start(
        {
            "models/_defaults.toml": "t = 1\n",
            "models/a.toml": 'system_prompt = "prompts/p.md"\n',
            "prompts/p.md": "hello\n",
            "prompts/free.md": "free\n",
        }
    )
    base = repo.head()
    repo.commit("break defaults", {"models/_defaults.toml": "t = \n"})
    repo.commit("repair defaults", {"models/_defaults.toml": "t = 1\n"})
    repo.commit("binary prompt", {"prompts/p.md": b"\x00\x01\x02"})
    repo.commit("non-utf8 free prompt", {"prompts/free.md": b"\xff\xfe bad"})
    repo.commit("repair both", {"prompts/p.md": "hello\n", "prompts/free.md": "free\n"})
    changes = audit(repo, base).changes
    assert [c.commit.subject for c in changes] == [
        "break defaults",
        "binary prompt",
        "non-utf8 free prompt",
    ]
    assert [d.path for c in changes for d in c.deltas] == [
        "file:models/_defaults.toml",
        "file:prompts/p.md",
        "file:prompts/free.md",
    ]
    assert all(c.rules == ["AUD009"] for c in changes)
    assert "NUL" in changes[1].findings[0].message
    assert "UTF-8" in changes[2].findings[0].message


def test_broken_file_in_the_same_commit_as_a_real_change(repo):
    repo.start({"models/a.toml": "x = 1\n", "models/b.toml": "y = 1\n"})
    base = repo.head()
    repo.commit("both", {"models/a.toml": "x = 2\n", "models/b.toml": "y = \n"})
    (change,) = audit(repo, base).changes
    assert [(d.model, d.path, d.kind) for d in change.deltas] == [
        (None, "file:models/b.toml", "invalid"),
        ("a", "x", "increase"),
    ]
    # the broken file is reported and the valid part is still judged against records
    assert change.rules == ["AUD001", "AUD009"]


def test_deleting_a_broken_file_removes_its_last_good_models(repo):
    repo.start({"models/a.toml": "x = 1\n"})
    base = repo.head()
    repo.commit("break", {"models/a.toml": "x = \n"})
    repo.commit("delete", {"models/a.toml": None})
    broken, deleted = audit(repo, base).changes
    assert broken.rules == ["AUD009"]
    assert triples(deleted) == [("a", "x", 1, None, "removed")]


def test_unparsable_collection_keeps_every_entry_at_its_last_good_config(tmp_path):
    policy = DEFAULT_POLICY + (
        '\n[[layout.collection]]\npath = "catalogue.yml"\nitems = "list"\nname_key = "name"\n'
    )
    r = RepoBuilder(tmp_path / "r", policy=policy)
    good = "- name: m1\n  t: 1\n- name: m2\n  t: 1\n"
    r.start({"catalogue.yml": good})
    base = r.head()
    r.commit("break", {"catalogue.yml": "- name: m1\n  t: [\n"})
    r.commit(
        "repair, moving m2 only", {"catalogue.yml": "- name: m1\n  t: 1\n- name: m2\n  t: 2\n"}
    )
    broken, repair = audit(r, base).changes
    assert broken.rules == ["AUD009"]
    assert triples(broken) == [
        (None, "file:catalogue.yml", None, r.git("rev-parse", "HEAD~1:catalogue.yml"), "invalid")
    ]
    assert triples(repair) == [("m2", "t", 1, 2, "increase")]


def test_a_nameless_entry_is_one_finding_and_the_others_are_judged(tmp_path):
    policy = DEFAULT_POLICY + (
        '\n[[layout.collection]]\npath = "catalogue.yml"\nitems = "list"\nname_key = "name"\n'
    )
    r = RepoBuilder(tmp_path / "r", policy=policy)
    r.start({"catalogue.yml": "- name: m1\n  t: 1\n- name: m2\n  t: 1\n"})
    base = r.head()
    # m1 loses its name (a nameless entry cannot say which model it was: m1 is gone)
    # while m2 really changes in the same commit.
    r.commit("nameless", {"catalogue.yml": "- t: 1\n- name: m2\n  t: 5\n"})
    (change,) = audit(r, base).changes
    assert [(d.model, d.path, d.kind) for d in change.deltas] == [
        (None, "file:catalogue.yml#1", "invalid"),
        ("m1", "t", "removed"),
        ("m2", "t", "increase"),
    ]
    (finding,) = [f for f in change.findings if f.rule == "AUD009"]
    assert finding.message == "catalogue.yml#1: entry 1 has no 'name' field naming the model"
    assert finding.file == "catalogue.yml"


def test_broken_at_the_base_then_repaired(repo):
    repo.start({"models/a.toml": "x = \n", "models/b.toml": "y = 1\n"})
    base = repo.head()
    repo.commit("repair", {"models/a.toml": "x = 1\n"})
    (change,) = audit(repo, base).changes
    # there was no good config of `a` before: it appears
    assert triples(change) == [("a", "x", None, 1, "added")]
