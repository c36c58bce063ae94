"""Review: edits to the target of a symlinked prompt or defaults file go unaudited.

Model files that are symlinks register their targets (World.linked), but a bound
prompt or the defaults file read through a symlink does not, so a later edit to the
target is not a relevant path and no delta is produced.
"""

from __future__ import annotations

from tests.helpers.repo import RepoBuilder, audit, triples


def test_edit_to_target_of_symlinked_prompt_is_a_change(repo: RepoBuilder):
    repo.write({"shared/system.md": "Be thorough.\n"})
    repo.symlink("prompts/main.md", "../shared/system.md")
    repo.start({"models/a.toml": 'system_prompt = "prompts/main.md"\n'})
    base = repo.head()
    repo.commit(
        "tighten", {"shared/system.md": "Be thorough.\nUse <=25 words between tool calls.\n"}
    )
    changes = audit(repo, base).changes
    assert len(changes) == 1, "the prompt bound to model a changed but no change is reported"
    assert ("a", "prompt:prompts/main.md#limits") in {(m, p) for m, p, *_ in triples(changes[0])}


def test_edit_to_target_of_symlinked_prompt_inside_prompts_is_attributed_to_model(repo):
    repo.write({"prompts/shared/system.md": "Be thorough.\n"})
    repo.symlink("prompts/main.md", "shared/system.md")
    repo.start({"models/a.toml": 'system_prompt = "prompts/main.md"\n'})
    base = repo.head()
    repo.commit("tighten", {"prompts/shared/system.md": "Be thorough. Answer in <=25 words.\n"})
    (change,) = audit(repo, base).changes
    # model a's effective prompt text moved: the delta must name model a (and need its evals)
    assert "a" in change.models, triples(change)


def test_edit_to_target_of_symlinked_defaults_is_a_change(repo: RepoBuilder):
    repo.write({"shared/defaults.toml": 'reasoning = { effort = "high" }\n'})
    repo.symlink("models/_defaults.toml", "../shared/defaults.toml")
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    base = repo.head()
    repo.commit("lower", {"shared/defaults.toml": 'reasoning = { effort = "medium" }\n'})
    changes = audit(repo, base).changes
    assert [triples(c) for c in changes] == [
        [("a", "reasoning.effort", "high", "medium", "downgrade")]
    ]
