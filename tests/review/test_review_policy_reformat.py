"""Review: SPEC 2 says a commit that only reformats or reorders a file changes nothing;
audit._policy_deltas instead turns any byte change of .auditui.toml (a comment, a
reordering) into a `policy:` change that needs an approval."""

from __future__ import annotations

from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder, audit


def test_comment_only_policy_edit_is_no_change(repo: RepoBuilder):
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    base = repo.head()
    repo.commit(
        "document the policy", {".auditui.toml": "# owned by the eval team\n" + DEFAULT_POLICY}
    )
    report = audit(repo, base)
    assert report.changes == [], [
        (c.commit.subject, [d.path for d in c.deltas]) for c in report.changes
    ]
