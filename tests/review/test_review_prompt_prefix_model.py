"""Review: a model whose name starts with `prompt:` collided with the stand-ins for
unbound prompts, so its changes were invisible. Such names are now refused (AUD009),
and every edit of the entry while it stays broken is reported again."""

from __future__ import annotations

from tests.helpers.repo import RepoBuilder, audit

POLICY = '[[layout.collection]]\npath = "catalogue.json"\nitems = "mapping"\n'


def test_change_to_model_named_prompt_colon_is_not_invisible(tmp_path):
    repo = RepoBuilder(tmp_path / "r", POLICY)
    repo.start({"catalogue.json": '{"prompt:x": {"t": 1}}'})
    base = repo.head()
    repo.commit("raise", {"catalogue.json": '{"prompt:x": {"t": 2}}'})
    (change,) = audit(repo, base).changes
    assert change.rules == ["AUD009"]
    assert [(d.path, d.kind) for d in change.deltas] == [
        ("file:catalogue.json#prompt:x", "invalid")
    ]
    assert "reserved" in change.findings[0].message
