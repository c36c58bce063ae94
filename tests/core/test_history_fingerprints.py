"""Fingerprints survive cherry-picks and rebases, change with content, ignore
authors and dates (SPEC section 2); reports are deterministic."""

from __future__ import annotations

import datetime as dt
import json

from auditui.core.evidence.records import append_entries, record_name
from auditui.core.formats import render
from tests.helpers.repo import RepoBuilder, audit

CAROL = "carol@example.com"

MODELS = {
    "models/_defaults.toml": '[reasoning]\neffort = "high"\n',
    "models/a.toml": 'system_prompt = "prompts/p.md"\n',
    "models/b.toml": "max_tokens = 10\n",
    "prompts/p.md": "You are an agent.\n",
}


def only(report):
    (change,) = report.changes
    return change


EDIT = {
    "models/_defaults.toml": '[reasoning]\neffort = "medium"\n',
    "prompts/p.md": "You are an agent.\nKeep the final response to at most 100 words.\n",
}


def test_cherry_picked_change_keeps_its_fingerprint(repo):
    repo.start(MODELS)
    base = repo.head()
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("lower effort, limit words", EDIT, author="bob")
    original = only(audit(repo, base))
    repo.git("checkout", "-q", "main")
    repo.commit("unrelated", {"models/b.toml": "max_tokens = 20\n"})
    unrelated_base = repo.head()
    committer = {"GIT_COMMITTER_EMAIL": CAROL, "GIT_COMMITTER_DATE": "2027-01-01T00:00:00+00:00"}
    repo.git("cherry-pick", "feature", env=committer)
    picked = only(audit(repo, unrelated_base))
    assert picked.commit.sha != original.commit.sha
    assert picked.fingerprint == original.fingerprint
    assert picked.record_file == original.record_file
    assert picked.fingerprint.startswith("sha256:") and len(picked.fingerprint) == 7 + 64


def test_rebased_branch_keeps_every_fingerprint(repo):
    repo.start(MODELS)
    base = repo.head()
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("one", {"models/b.toml": "max_tokens = 11\n"})
    repo.commit("two", EDIT)
    before = [c.fingerprint for c in audit(repo, base).changes]
    repo.git("checkout", "-q", "main")
    repo.commit("main moves", {"README.md": "x\n", "prompts/other.md": "Other.\n"})
    new_base = repo.head()
    repo.git("checkout", "-q", "feature")
    repo.git("rebase", "-q", "main", env={"GIT_COMMITTER_DATE": "2027-02-02T00:00:00+00:00"})
    after = audit(repo, new_base).changes
    assert [c.commit.subject for c in after] == ["one", "two"]
    assert [c.fingerprint for c in after] == before
    assert len(set(before)) == 2

    # Rebased onto a base where the same edit moves one more model, it is a different
    # change: the fingerprint (and so any approval) does not carry over.
    repo.git("checkout", "-q", "main")
    repo.commit("new model inheriting the defaults", {"models/c.toml": "k = 1\n"})
    newer_base = repo.head()
    repo.git("checkout", "-q", "feature")
    repo.git("rebase", "-q", "main")
    one, two = audit(repo, newer_base).changes
    assert one.fingerprint == before[0]
    assert two.fingerprint != before[1]
    assert two.models == ["a", "b", "c"]


def test_record_written_before_a_rebase_still_covers_the_change(repo):
    repo.start(MODELS)
    base = repo.head()
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("raise", {"models/b.toml": "max_tokens = 11\n"})
    change = only(audit(repo, base))
    append_entries(
        repo.path,
        f"audit/{record_name(change.fingerprint)}",
        change.fingerprint,
        evals=[{"model": "b", "suite": "coding", "baseline": 50.0, "candidate": 50.0}],
        approvals=[{"by": "bob@example.com", "verdict": "approve", "at": "2026-03-02T00:00:00Z"}],
    )
    repo.commit("record", author="bob")
    repo.git("checkout", "-q", "main")
    repo.commit("main moves", {"models/c.toml": "k = 1\n"})
    new_base = repo.head()
    repo.git("checkout", "-q", "feature")
    repo.git("rebase", "-q", "main")
    (rebased,) = audit(repo, new_base).changes
    assert rebased.status == "pass", rebased.findings


def test_any_edit_of_the_content_changes_the_fingerprint(repo):
    repo.start(MODELS)
    base = repo.head()
    variants = {
        "value": {"models/b.toml": "max_tokens = 12\n"},
        "other value": {"models/b.toml": "max_tokens = 13\n"},
        "key": {"models/b.toml": "max_output = 10\nmax_tokens = 10\n"},
        "model": {"models/c.toml": "max_tokens = 12\n", "models/b.toml": "max_tokens = 10\n"},
        "prompt": {"prompts/p.md": "You are an agent!\n"},
        "prompt again": {"prompts/p.md": "You are an agent!!\n"},
        "defaults": {"models/_defaults.toml": '[reasoning]\neffort = "low"\n'},
    }
    seen = {}
    for name, files in variants.items():
        repo.git("checkout", "-q", "-B", f"v-{len(seen)}", base)
        repo.commit(name, files)
        seen[name] = only(audit(repo, base)).fingerprint
    assert len(set(seen.values())) == len(seen), seen


def test_fingerprint_ignores_author_date_message_and_formatting(repo):
    repo.start(MODELS)
    base = repo.head()
    prints = []
    for n, (author, date, text) in enumerate(
        [
            ("alice", dt.datetime(2026, 3, 5, tzinfo=dt.UTC), "max_tokens = 42\n"),
            ("bob", dt.datetime(2030, 1, 1, tzinfo=dt.UTC), "# tuned\nmax_tokens   =   42\n"),
            ("carol", dt.datetime(2026, 4, 1, tzinfo=dt.UTC), "max_tokens = 0x2a\n"),
        ]
    ):
        repo.git("checkout", "-q", "-B", f"try-{n}", base)
        repo.commit(f"message {n}", {"models/b.toml": text}, author=author, date=date)
        change = only(audit(repo, base))
        assert change.commit.author_email == f"{author}@example.com"
        prints.append(change.fingerprint)
    assert prints[0] == prints[1] == prints[2]


def test_same_delta_in_a_different_format_file_keeps_the_fingerprint(tmp_path):
    fps = []
    for name, files in (
        ("toml", {"models/m.toml": "t = 1\n"}),
        ("yaml", {"models/m.yaml": "t: 1\n"}),
    ):
        r = RepoBuilder(tmp_path / name)
        r.start({"models/m.toml": "t = 0\n"})
        base = r.head()
        r.commit("edit", {"models/m.toml": None, **files})
        fps.append(only(audit(r, base)).fingerprint)
    assert fps[0] == fps[1]


def test_audit_json_is_deterministic(repo):
    repo.start(MODELS)
    base = repo.head()
    repo.commit("edit", EDIT)
    repo.commit("prompt", {"prompts/free.md": "Use at most 3 sentences in summaries.\n"})
    repo.commit("broken", {"models/b.toml": "max_tokens = \n"})
    first = render(audit(repo, base), "json")
    second = render(audit(repo, base), "json")
    assert first == second
    doc = json.loads(first)
    assert doc["summary"] == {
        "changes": 3,
        "blocked": 3,
        "overridden": 0,
        "passed": 0,
        "exempt": 0,
        "reverted": 0,
    }
    assert [c["subject"] for c in doc["changes"]] == ["edit", "prompt", "broken"]
    whole1 = render(audit(repo), "json")
    whole2 = render(audit(repo), "json")
    assert whole1 == whole2
    assert json.loads(whole1)["changes"][0]["status"] == "exempt"
