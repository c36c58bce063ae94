"""A model file renamed or moved is the same model (SPEC 13, core/renames): its
deltas are against the old model's config, a new name is a `renamed` delta, and a
model's history follows its renames."""

from __future__ import annotations

from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit, forget_changes, triples

NESTED = (
    DEFAULT_POLICY.replace(
        'models = ["models/*.toml", "models/*.yaml", "models/*.yml", "models/*.json"]',
        'models = ["models/**/*.yaml"]',
    )
    + '\n[scales]\n"thinking" = ["minimal", "low", "medium", "high"]\n'
)
# A model file long enough that one edited line keeps it well over 50% alike (git's
# rename detection compares content).
BODY = "".join(f"setting_{i}: {i}\n" for i in range(12))


def nested(tmp_path, naming: str = "stem") -> RepoBuilder:
    policy = NESTED.replace("[layout]\n", f'[layout]\nnaming = "{naming}"\n')
    return RepoBuilder(tmp_path / "r", policy)


def test_a_stem_rename_with_a_downgrade_inside(tmp_path):
    """dify-official-plugins' gemini-3.1-flash-lite-preview.yaml -> ...-lite.yaml hid
    a thinking default high -> minimal: a removal and an addition showed nothing."""
    repo = nested(tmp_path)
    repo.start({"models/g/lite-preview.yaml": "thinking: high\n" + BODY})
    base = repo.head()
    repo.commit(
        "drop preview",
        {"models/g/lite-preview.yaml": None, "models/g/lite.yaml": "thinking: minimal\n" + BODY},
    )
    (change,) = audit(repo, base).changes
    assert triples(change) == [
        ("lite", "model:name", "lite-preview", "lite", "renamed"),
        ("lite", "thinking", "high", "minimal", "downgrade"),
    ]
    assert change.models == ["lite"] and change.status == "blocked"


def test_a_move_keeping_the_stem_is_nothing_a_move_under_path_naming_a_rename(tmp_path):
    for naming in ("stem", "path"):
        repo = nested(tmp_path / naming, naming)
        repo.start({"models/g/a.yaml": "thinking: high\n" + BODY})
        base = repo.head()
        repo.commit("move", {"models/g/a.yaml": None, "models/h/a.yaml": "thinking: high\n" + BODY})
        changes = audit(repo, base).changes
        if naming == "stem":
            assert changes == []  # nothing but its path changed
        else:
            (change,) = changes
            assert triples(change) == [
                ("models/h/a", "model:name", "models/g/a", "models/h/a", "renamed")
            ]


def test_a_rename_that_rewrites_the_file_is_a_removal_and_an_addition(tmp_path):
    """Under 50% alike git sees no rename, and neither does auditui; over it, the
    same edit is the model renamed with its settings changed."""
    other = "".join(f"other_{i}: {i * 7}\n" for i in range(12))
    for body, alike in ((other, False), (BODY + "extra: 1\n", True)):
        repo = nested(tmp_path / str(alike))
        repo.start({"models/g/a.yaml": "thinking: high\n" + BODY})
        base = repo.head()
        repo.commit(
            "replace", {"models/g/a.yaml": None, "models/g/b.yaml": "thinking: low\n" + body}
        )
        (change,) = audit(repo, base).changes
        kinds = {(d.model, d.kind) for d in change.deltas}
        if alike:
            assert kinds == {("b", "renamed"), ("b", "downgrade"), ("b", "added")}
        else:
            assert kinds == {("a", "removed"), ("b", "added")}


def test_a_model_moved_out_of_a_collection_keeps_its_name(tmp_path):
    """Same name, same model: no delta; renamed afterwards, its history goes on."""
    policy = NESTED + (
        '\n[[layout.collection]]\npath = "models/all.yaml"\nitems = "list"\nname_key = "name"\n'
    )
    repo = RepoBuilder(tmp_path / "r", policy)
    entry = "thinking: high\nprice: 1\n" + BODY
    repo.start(
        {
            "models/all.yaml": "- name: a\n  thinking: high\n  price: 1\n  "
            + BODY.replace("\n", "\n  ").rstrip()
            + "\n"
            "- name: b\n  thinking: low\n"
        }
    )
    base = repo.head()
    repo.commit(
        "own file", {"models/all.yaml": "- name: b\n  thinking: low\n", "models/own/a.yaml": entry}
    )
    assert audit(repo, base).changes == []
    repo.commit(
        "renamed",
        {"models/own/a.yaml": None, "models/own/a2.yaml": entry.replace("high", "medium")},
    )
    (change,) = audit(repo, base).changes
    assert triples(change) == [
        ("a2", "model:name", "a", "a2", "renamed"),
        ("a2", "thinking", "high", "medium", "downgrade"),
    ]


def test_a_renamed_collection_renames_its_entries_under_path_naming(tmp_path):
    policy = NESTED.replace("[layout]\n", '[layout]\nnaming = "path"\n') + (
        '\n[[layout.collection]]\npath = "models/*/all.yaml"\nitems = "list"\nname_key = "name"\n'
    )
    repo = RepoBuilder(tmp_path / "r", policy)
    text = "- name: a\n  thinking: high\n  " + BODY.replace("\n", "\n  ").rstrip() + "\n"
    repo.start({"models/g/all.yaml": text + "- name: b\n  thinking: low\n"})
    base = repo.head()
    moved = text + "- name: b\n  thinking: minimal\n"
    repo.commit("move", {"models/g/all.yaml": None, "models/h/all.yaml": moved})
    (change,) = audit(repo, base).changes
    assert triples(change) == [
        ("models/h/all/a", "model:name", "models/g/all/a", "models/h/all/a", "renamed"),
        ("models/h/all/b", "model:name", "models/g/all/b", "models/h/all/b", "renamed"),
        ("models/h/all/b", "thinking", "low", "minimal", "downgrade"),
    ]


def test_the_stored_walk_says_what_the_walk_said(tmp_path):
    """The per-commit store keeps a rename's deltas: a warm run (no raw diffs, no
    Worlds) gives the cold run's report, and so does a merge bringing the rename."""
    from auditui.core.formats import render

    repo = nested(tmp_path)
    repo.start({"models/g/lite-preview.yaml": "thinking: high\n" + BODY})
    repo.git("checkout", "-q", "-b", "side")
    repo.commit(
        "rename",
        {"models/g/lite-preview.yaml": None, "models/g/lite.yaml": "thinking: low\n" + BODY},
    )
    repo.git("checkout", "-q", "main")
    repo.commit("other", {"models/g/x.yaml": "thinking: high\n"})
    repo.git("merge", "-q", "--no-ff", "-m", "merge side", "side")
    cold = audit(repo)
    subjects = [c.commit.subject for c in cold.changes]
    assert subjects == ["adopt auditui", "rename", "other"]  # the merge brings nothing new
    assert triples(cold.changes[1])[0][4] == "renamed"
    warm = audit(repo)
    assert render(warm, "json") == render(cold, "json")
    forget_changes(repo)
    assert render(audit(repo), "json") == render(cold, "json")


def test_the_history_of_a_model_follows_its_renames(tmp_path):
    """`log --model NEW` (and blame) read like `git log --follow`: changes made under
    the old name before the rename, not those of a later model given the old name."""
    from auditui.core.features.lookback import blame

    repo = nested(tmp_path)
    repo.start({"models/g/a.yaml": "thinking: high\n" + BODY})
    repo.commit("raise", {"models/g/a.yaml": "thinking: high\n" + BODY + "price: 2\n"})
    priced = "thinking: high\n" + BODY + "price: 2\n"
    repo.commit("rename", {"models/g/a.yaml": None, "models/g/b.yaml": priced})
    repo.commit("new a", {"models/g/a.yaml": "thinking: low\n"})
    repo.commit("edit b", {"models/g/b.yaml": "thinking: medium\n" + BODY + "price: 2\n"})
    for _ in range(2):  # computed, then from the store
        logged = [c.commit.subject for c in audit(repo, only_models=frozenset({"b"})).changes]
        assert logged == ["adopt auditui", "raise", "rename", "edit b"]
    forget_changes(repo)
    _now, rows = blame(repo.path, "b", "price")
    assert [r.change.commit.subject for r in rows] == ["raise"]
    assert [c.commit.subject for c in audit(repo, only_models=frozenset({"a"})).changes] == [
        "adopt auditui",
        "raise",
        "new a",
    ]


def test_a_rule_can_ask_nothing_of_a_pure_rename(tmp_path):
    """`kinds = ["renamed"]` is a rule's kind: a move asking no evidence passes, and
    the same move with a downgrade inside still needs its evidence."""
    rule = '\n[[rules]]\nname = "moves"\nkinds = ["renamed"]\napprovals = 0\nsuites = []\n'
    repo = RepoBuilder(
        tmp_path / "r", NESTED.replace("[layout]\n", '[layout]\nnaming = "path"\n') + rule
    )
    repo.start(
        {"models/g/a.yaml": "thinking: high\n" + BODY, "models/g/b.yaml": "thinking: high\n" + BODY}
    )
    base = repo.head()
    repo.commit("move a", {"models/g/a.yaml": None, "models/h/a.yaml": "thinking: high\n" + BODY})
    repo.commit("move b", {"models/g/b.yaml": None, "models/h/b.yaml": "thinking: low\n" + BODY})
    report = audit(repo, base)
    assert [(c.status, c.rules_applied) for c in report.changes] == [
        ("pass", ["moves"]),
        ("blocked", ["moves"]),
    ]
