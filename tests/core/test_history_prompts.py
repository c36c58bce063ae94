"""End-to-end histories of system prompts: bindings, unbound prompts, prompt-only
repositories and output-limit deltas (SPEC sections 1, 2 and 7)."""

from __future__ import annotations

import json

from auditui.core.formats import render
from tests.helpers.repo import RepoBuilder, audit

PROMPT_ONLY_POLICY = """\
[layout]
models = []
defaults = ""
prompts = ["prompts/**/*.md"]
"""

INTRO = "You are a careful coding agent.\n"


def blob(repo, rev, path):
    return repo.git("rev-parse", f"{rev}:{path}")


def by_kind(change, kind):
    return [d for d in change.deltas if d.kind == kind]


def test_shared_prompt_edit_is_a_text_delta_per_binding_model_only(repo):
    repo.start(
        {
            "models/a.toml": 'system_prompt = "prompts/shared.md"\n',
            "models/b.toml": 'system_prompt = ["prompts/own.md", "prompts/shared.md"]\n',
            "models/c.toml": 'system_prompt = "prompts/own.md"\n',
            "models/d.toml": "x = 1\n",
            "prompts/shared.md": INTRO + "Be brief.\n",
            "prompts/own.md": INTRO,
        }
    )
    base = repo.head()
    repo.commit("edit shared", {"prompts/shared.md": INTRO + "Be very brief.\n"})
    head = repo.head()
    (change,) = audit(repo, base).changes
    old, new = blob(repo, base, "prompts/shared.md"), blob(repo, head, "prompts/shared.md")
    assert [(d.model, d.path, d.old, d.new, d.kind) for d in change.deltas] == [
        ("a", "prompt:prompts/shared.md", old, new, "text"),
        ("b", "prompt:prompts/shared.md", old, new, "text"),
    ]
    assert "+Be very brief." in change.deltas[0].detail
    assert change.rules == ["AUD001"]


def test_prompt_inherited_through_extends_and_defaults(repo):
    repo.start(
        {
            "models/_defaults.toml": 'system_prompt = "prompts/default.md"\n',
            "models/family.toml": 'deployed = false\nsystem_prompt = "prompts/family.md"\n',
            "models/member.toml": 'extends = "family"\n',
            "models/plain.toml": "x = 1\n",
            "prompts/default.md": INTRO,
            "prompts/family.md": INTRO,
        }
    )
    base = repo.head()
    repo.commit("family", {"prompts/family.md": INTRO + "Use tools.\n"})
    repo.commit("default", {"prompts/default.md": INTRO + "Think.\n"})
    family, default = audit(repo, base).changes
    assert family.models == ["member"]  # the base itself is not deployed
    assert default.models == ["plain"]  # member overrides system_prompt


def test_switching_a_binding(repo):
    repo.start(
        {
            "models/a.toml": 'system_prompt = "prompts/v1.md"\n',
            "models/b.toml": 'system_prompt = "prompts/v1.md"\n',
            "prompts/v1.md": INTRO + "Keep the final response to at most 100 words.\n",
            "prompts/v2.md": INTRO + "Keep the final response to at most 200 words.\n",
        }
    )
    base = repo.head()
    repo.commit("a to v2", {"models/a.toml": 'system_prompt = "prompts/v2.md"\n'})
    repo.commit("edit v1 (still bound by b)", {"prompts/v1.md": INTRO + "Hi.\n"})
    switch, edit = audit(repo, base).changes
    v1, v2 = blob(repo, base, "prompts/v1.md"), blob(repo, base, "prompts/v2.md")
    words = {"unit": "words", "applies_to": "final response"}
    assert [(d.model, d.path, d.old, d.new, d.kind) for d in switch.deltas] == [
        ("a", "prompt:prompts/v1.md", v1, None, "text"),
        ("a", "prompt:prompts/v1.md#limits", {**words, "max": 100}, None, "limit-removed"),
        ("a", "prompt:prompts/v2.md", None, v2, "text"),
        ("a", "prompt:prompts/v2.md#limits", None, {**words, "max": 200}, "limit-added"),
        ("a", "system_prompt", "prompts/v1.md", "prompts/v2.md", "changed"),
    ]
    # v2 was unbound before: binding it is a change of model `a`, not of `prompt:prompts/v2.md`
    assert switch.models == ["a"]
    assert edit.models == ["b"]


def test_unbinding_a_prompt_makes_it_stand_for_itself_from_then_on(repo):
    repo.start(
        {
            "models/a.toml": 'system_prompt = "prompts/p.md"\n',
            "prompts/p.md": INTRO,
        }
    )
    base = repo.head()
    repo.commit("unbind", {"models/a.toml": "x = 1\n"})
    repo.commit("edit the now unbound prompt", {"prompts/p.md": INTRO + "More.\n"})
    unbind, edit = audit(repo, base).changes
    assert unbind.models == ["a"]
    assert edit.models == ["prompt:prompts/p.md"]
    (delta,) = edit.deltas
    assert delta.kind == "text" and delta.old == blob(repo, base, "prompts/p.md")


def test_unbound_prompt_is_reported_as_its_own_model(repo):
    repo.start(
        {
            "models/a.toml": 'system_prompt = "prompts/bound.md"\n',
            "prompts/bound.md": INTRO,
            "prompts/tools/free.md": INTRO,
        }
    )
    base = repo.head()
    repo.commit("free", {"prompts/tools/free.md": INTRO + "Limit yourself to 3 sentences.\n"})
    repo.commit("new", {"prompts/new.txt": "hello\n"})
    repo.commit("gone", {"prompts/tools/free.md": None})
    free, new, gone = audit(repo, base).changes
    assert free.models == ["prompt:prompts/tools/free.md"]
    assert [d.kind for d in free.deltas] == ["text", "limit-added"]
    assert free.deltas[1].new == {"unit": "sentences", "max": 3, "applies_to": None}
    assert [(d.model, d.path, d.old, d.kind) for d in new.deltas] == [
        ("prompt:prompts/new.txt", "prompt:prompts/new.txt", None, "text")
    ]
    assert [(d.model, d.old, d.new, d.kind) for d in gone.deltas] == [
        (
            "prompt:prompts/tools/free.md",
            blob(repo, "HEAD~1", "prompts/tools/free.md"),
            None,
            "text",
        ),
        (
            "prompt:prompts/tools/free.md",
            {"unit": "sentences", "max": 3, "applies_to": None},
            None,
            "limit-removed",
        ),
    ]
    # an unbound prompt needs evals like any model
    assert "AUD001" in free.rules


def test_prompt_only_repository_is_auditable(tmp_path):
    r = RepoBuilder(tmp_path / "r", policy=PROMPT_ONLY_POLICY)
    r.start({"prompts/coder.md": INTRO})
    base = r.head()
    r.commit(
        "limit words",
        {"prompts/coder.md": INTRO + "Keep text between tool calls to <=25 words.\n"},
    )
    r.commit("unrelated file", {"README.md": "hi\n"})
    report = audit(r, base)
    (change,) = report.changes
    assert change.models == ["prompt:prompts/coder.md"]
    assert [(d.path, d.kind) for d in change.deltas] == [
        ("prompt:prompts/coder.md", "text"),
        ("prompt:prompts/coder.md#limits", "limit-added"),
    ]
    assert change.deltas[1].new == {
        "unit": "words",
        "max": 25,
        "applies_to": "text between tool calls",
    }
    assert change.status == "blocked" and change.rules == ["AUD001"]

    whole = audit(r)
    assert [c.status for c in whole.changes] == ["exempt", "blocked"]
    assert whole.policy_source == "head"


def test_limit_added_changed_removed_as_dicts(tmp_path):
    r = RepoBuilder(tmp_path / "r", policy=PROMPT_ONLY_POLICY)
    r.start({"prompts/p.md": INTRO})
    base = r.head()
    r.commit(
        "add limits",
        {
            "prompts/p.md": INTRO
            + "Keep text between tool calls to <=25 words.\n"
            + "Keep the final response to at most 100 words.\n"
        },
    )
    r.commit(
        "loosen one, drop one",
        {"prompts/p.md": INTRO + "Keep text between tool calls to <=40 words.\n"},
    )
    r.commit(
        "rewording that keeps the same limit",
        {"prompts/p.md": "You are a careful agent.\nKeep text between tool calls to ≤ 40 words.\n"},
    )
    added, moved, reworded = audit(r, base).changes
    tools = {"unit": "words", "applies_to": "text between tool calls"}
    final = {"unit": "words", "applies_to": "final response"}

    def limits(change):
        return [(d.old, d.new, d.kind) for d in change.deltas if d.is_limit]

    assert limits(added) == [
        (None, {**final, "max": 100}, "limit-added"),
        (None, {**tools, "max": 25}, "limit-added"),
    ]
    assert sorted(limits(moved), key=lambda t: t[2]) == [
        ({**tools, "max": 25}, {**tools, "max": 40}, "limit-changed"),
        ({**final, "max": 100}, None, "limit-removed"),
    ]
    assert limits(reworded) == []
    assert [d.kind for d in reworded.deltas] == ["text"]
    for change in (added, moved):
        assert {d.path for d in change.deltas if d.is_limit} == {"prompt:prompts/p.md#limits"}

    # SPEC 7: in the JSON report, limit deltas carry exactly these dicts
    doc = json.loads(render(audit(r, base), "json"))
    kinds = [(d["kind"], d["old"], d["new"]) for d in doc["changes"][1]["deltas"]]
    assert ("limit-changed", {**tools, "max": 25}, {**tools, "max": 40}) in kinds


def test_limit_deltas_per_binding_model(repo):
    repo.start(
        {
            "models/a.toml": 'system_prompt = "prompts/s.md"\n',
            "models/b.toml": 'system_prompt = "prompts/s.md"\n',
            "prompts/s.md": INTRO,
        }
    )
    base = repo.head()
    repo.commit("limit", {"prompts/s.md": INTRO + "Answer in no more than 3 sentences.\n"})
    (change,) = audit(repo, base).changes
    limit = [(d.model, d.kind) for d in change.deltas if d.is_limit]
    assert limit == [("a", "limit-added"), ("b", "limit-added")]


def test_binding_a_missing_prompt_is_aud009_then_creating_it_resolves(repo):
    repo.start({"models/a.toml": "x = 1\n"})
    base = repo.head()
    repo.commit("bind missing", {"models/a.toml": 'x = 1\nsystem_prompt = "prompts/later.md"\n'})
    repo.commit("create it", {"prompts/later.md": INTRO})
    missing, created = audit(repo, base).changes
    assert [(d.path, d.kind) for d in missing.deltas] == [("file:models/a.toml", "invalid")]
    assert missing.findings[0].rule == "AUD009"
    assert "prompts/later.md" in missing.findings[0].message
    assert [(d.model, d.path, d.kind) for d in created.deltas] == [
        ("a", "prompt:prompts/later.md", "text"),
        ("a", "system_prompt", "added"),
    ]


def test_prompts_without_any_model_under_the_default_layout(repo):
    repo.start({"prompts/agents/coder.md": INTRO})
    base = repo.head()
    repo.commit("edit", {"prompts/agents/coder.md": INTRO + "Be terse.\n"})
    (change,) = audit(repo, base).changes
    assert change.models == ["prompt:prompts/agents/coder.md"]
    assert [d.kind for d in change.deltas] == ["text"]
    assert "+Be terse." in change.deltas[0].detail


# -- limits in place (SPEC 8) ------------------------------------------------------


def limit_rows(change) -> list[tuple]:
    def show(v):
        return None if v is None else (v["max"], v["unit"], v["applies_to"])

    return [(d.kind, show(d.old), show(d.new)) for d in change.deltas if d.is_limit]


def test_a_tightened_limit_is_changed_even_when_its_new_value_stands_elsewhere(tmp_path):
    r = RepoBuilder(tmp_path / "r", '[layout]\nprompts = ["prompts/*.md"]\n')
    before = "# Output\n\nKeep the summary under 400 chars.\n\nKeep each title under 300 chars.\n"
    r.start({"prompts/p.md": before})
    base = r.head()
    r.commit("tighten", {"prompts/p.md": before.replace("400", "300")})
    (change,) = audit(r, base).changes
    assert limit_rows(change) == [
        ("limit-changed", (400, "characters", "summary"), (300, "characters", "summary"))
    ]


def test_a_moved_limit_is_no_limit_change_and_a_duplicate_counts(tmp_path):
    r = RepoBuilder(tmp_path / "r", '[layout]\nprompts = ["prompts/*.md"]\n')
    one = "Keep final responses to at most 100 words."
    two = "Use at most 3 bullets per list."
    r.start({"prompts/p.md": f"{one}\n\nOther text.\n\n{two}\n"})
    base = r.head()
    r.commit("reorder", {"prompts/p.md": f"{two}\n\nOther text.\n\n{one}\n"})
    r.commit("say it twice", {"prompts/p.md": f"{two}\n\nOther text.\n\n{one}\n\n{two}\n"})
    moved, twice = audit(r, base).changes
    assert [d.kind for d in moved.deltas] == ["text"]
    assert limit_rows(twice) == [("limit-added", None, (3, "bullets", "per list"))]


def test_limits_inserted_before_others_on_one_line_pair_with_their_own(tmp_path):
    r = RepoBuilder(tmp_path / "r", '[layout]\nprompts = ["prompts/*.md"]\n')
    r.start({"prompts/p.md": "Titles: at most 60 chars; bodies: at most 400 chars.\n"})
    base = r.head()
    r.commit(
        "add and tighten",
        {
            "prompts/p.md": "Labels: at most 20 chars; titles: at most "
            "60 chars; bodies: at most 300 chars.\n"
        },
    )
    (change,) = audit(r, base).changes
    assert limit_rows(change) == [
        ("limit-added", None, (20, "characters", "labels")),
        ("limit-changed", (400, "characters", "bodies"), (300, "characters", "bodies")),
    ]
