"""The incremental World agrees with a World read from scratch: auditing from any
base gives the same changes (and fingerprints) as the whole history after it."""

from __future__ import annotations

from auditui.core.audit.run import run_audit
from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder

POLICY = (
    DEFAULT_POLICY
    + """
[[layout.collection]]
path = "catalogue/*.yml"
items = "list"
name_key = "name"
"""
)


def build(tmp_path) -> RepoBuilder:
    r = RepoBuilder(tmp_path / "r", policy=POLICY)
    r.write({"shared/opus.toml": 'extends = "family"\nmax_tokens = 100\n'})
    r.symlink("models/opus-a.toml", "../shared/opus.toml")
    r.start(
        {
            "models/_defaults.toml": '[reasoning]\neffort = "high"\n',
            "models/family.toml": 'deployed = false\nsystem_prompt = "prompts/family.md"\n',
            "models/solo.toml": 'system_prompt = ["prompts/solo.md", "prompts/family.md"]\n',
            "prompts/family.md": "Family prompt.\n",
            "prompts/solo.md": "Solo prompt.\n",
            "prompts/free.md": "Free prompt.\n",
            "catalogue/one.yml": "- name: c1\n  t: 1\n- name: c2\n  extends: family\n",
        }
    )
    steps = [
        {"models/_defaults.toml": '[reasoning]\neffort = "medium"\n'},
        {"prompts/family.md": "Family prompt. Keep the final response to at most 50 words.\n"},
        {"shared/opus.toml": 'extends = "family"\nmax_tokens = 200\n'},
        {"models/solo.toml": 'system_prompt = "prompts/free.md"\n'},
        {"prompts/solo.md": "Solo prompt, now unbound.\n"},
        {"prompts/free.md": "Free prompt, now bound.\n"},
        {
            "catalogue/two.yml": "- name: c3\n  extends: c1\n",
            "catalogue/one.yml": "- name: c1\n  t: 2\n",
        },
        {"models/family.toml": 'deployed = false\nsystem_prompt = "prompts/free.md"\n'},
        {"models/mid.toml": 'extends = "c3"\nu = 1\n'},
        {"catalogue/one.yml": "- name: c1\n  t: 3\n- name: c0\n  t: 0\n"},
        {"models/_defaults.toml": '[reasoning]\neffort = "max"\n[cache]\nttl = 1\n'},
        {"README.md": "docs only\n"},
        {"models/solo.toml": None},
    ]
    for n, files in enumerate(steps, 1):
        r.commit(f"step {n}", files)
    r.symlink("models/opus-b.toml", "../shared/opus.toml")
    r.commit("second link")
    r.commit("edit shared", {"shared/opus.toml": 'extends = "family"\nmax_tokens = 300\n'})
    return r


def test_every_base_agrees_with_the_whole_history(tmp_path):
    r = build(tmp_path)
    whole = run_audit(r.path, default_base=False)
    assert whole.commits_walked == 16
    by_commit = {c.commit.sha: c for c in whole.changes}
    assert len(by_commit) == 15  # every commit but the docs-only one; the root is exempt
    shas = r.git("rev-list", "--reverse", "HEAD").split()
    for k, base in enumerate(shas):
        report = run_audit(r.path, base=base, default_base=False)
        expected = [by_commit[s] for s in shas[k + 1 :] if s in by_commit]
        got = [(c.commit.sha, c.fingerprint, c.deltas) for c in report.changes]
        assert got == [(c.commit.sha, c.fingerprint, c.deltas) for c in expected], f"base {k}"


def test_the_rich_history_reports_what_each_step_did(tmp_path):
    r = build(tmp_path)
    changes = run_audit(r.path, default_base=False).changes
    models = {c.commit.subject: c.models for c in changes}
    assert models["step 1"] == ["c1", "c2", "opus-a", "solo"]
    assert models["step 2"] == ["c2", "opus-a", "solo"]
    assert models["step 3"] == ["opus-a"]
    assert models["step 4"] == ["solo"]
    assert models["step 5"] == ["prompt:prompts/solo.md"]
    assert models["step 6"] == ["solo"]
    assert models["step 7"] == ["c1", "c2", "c3"]  # c2 dropped from one.yml
    assert models["step 8"] == ["opus-a"]
    assert models["step 9"] == ["mid"]
    assert models["step 10"] == ["c0", "c1", "c3", "mid"]
    assert "step 12" not in models
    assert models["step 13"] == ["solo"]
    assert models["second link"] == ["opus-b"]
    assert models["edit shared"] == ["opus-a", "opus-b"]
    (no_unbound_prompt,) = [c for c in changes if c.commit.subject == "step 8"]
    # family moves from family.md to free.md: family.md is no longer bound by anyone,
    # but it did not change, so it is not reported on its own
    assert "prompt:prompts/family.md" not in no_unbound_prompt.models


def test_branchy_history_agrees_from_every_base(tmp_path):
    """Worlds shared between branches (and reused in place) never leak between them."""
    r = RepoBuilder(tmp_path / "b")
    r.start(
        {
            "models/_defaults.toml": "t = 0\n",
            "models/a.toml": 'system_prompt = "prompts/p.md"\n',
            "models/b.toml": "x = 1\n",
            "prompts/p.md": "P.\n",
        }
    )
    r.git("checkout", "-q", "-b", "f1")
    r.commit("f1: a", {"models/a.toml": 'system_prompt = "prompts/p.md"\nk = 1\n'})
    r.commit("f1: docs", {"README.md": "f1\n"})
    r.git("checkout", "-q", "-b", "f2", "main")
    r.commit("f2: docs", {"NOTES.md": "f2\n"})
    r.commit("f2: prompt", {"prompts/p.md": "P2.\n"})
    r.git("checkout", "-q", "main")
    r.commit("main: defaults", {"models/_defaults.toml": "t = 1\n"})
    r.git("merge", "-q", "--no-ff", "--no-commit", "f1")
    r.commit("merge f1")
    r.git("merge", "-q", "--no-ff", "--no-commit", "f2")
    r.commit("merge f2, evil", {"models/b.toml": "x = 5\n"})
    r.git("checkout", "-q", "f2")
    r.commit("f2: after", {"models/b.toml": "x = 2\n"})
    r.git("checkout", "-q", "main")
    r.git("merge", "-q", "--no-ff", "--no-commit", "f2", check=False)
    r.commit("merge f2 again, keep main's x", {"models/b.toml": "x = 5\n"})
    r.commit("main: last", {"models/a.toml": 'system_prompt = "prompts/p.md"\nk = 2\n'})

    whole = run_audit(r.path, default_base=False)
    subjects = sorted(c.commit.subject for c in whole.changes)
    assert subjects == sorted(
        [
            "adopt auditui",
            "f1: a",
            "f2: prompt",
            "main: defaults",
            "merge f2, evil",
            "f2: after",
            "main: last",
        ]
    )
    evil = next(c for c in whole.changes if c.commit.subject == "merge f2, evil")
    assert [(d.model, d.path, d.old, d.new) for d in evil.deltas] == [("b", "x", 1, 5)]
    by_commit = {c.commit.sha: c for c in whole.changes}
    for base in r.git("rev-list", "HEAD").split():
        reachable = set(r.git("rev-list", base).split())
        report = run_audit(r.path, base=base, default_base=False)
        expected = [by_commit[s] for s in by_commit if s not in reachable]
        got = sorted((c.commit.sha, c.fingerprint) for c in report.changes)
        assert got == sorted((c.commit.sha, c.fingerprint) for c in expected), base
