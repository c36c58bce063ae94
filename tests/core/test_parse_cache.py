"""Parsed blobs are kept between runs in the git dir, keyed by blob id."""

from __future__ import annotations

import marshal

from tests.helpers.repo import audit, triples


def cache_file(repo):
    return repo.path / ".git" / "auditui" / "parsed-v1.marshal"


def test_second_run_reuses_parsed_blobs_and_gives_the_same_report(repo):
    repo.start({"models/a.toml": "x = 1\n", "models/b.yaml": "y: 2\n"})
    base = repo.head()
    repo.commit("edit", {"models/a.toml": "x = 3\n"})
    first = audit(repo, base)
    stored = marshal.loads(cache_file(repo).read_bytes())
    blob = repo.git("rev-parse", "HEAD:models/a.toml")
    assert stored[f"{blob}:toml"] == {"x": 3}
    # The cache is consulted: a planted entry for that blob id is what the run sees.
    stored[f"{blob}:toml"] = {"x": 42}
    cache_file(repo).write_bytes(marshal.dumps(stored))
    assert triples(audit(repo, base).changes[0]) == [("a", "x", 1, 42, "increase")]
    cache_file(repo).unlink()
    assert triples(audit(repo, base).changes[0]) == triples(first.changes[0])


def test_a_corrupt_cache_is_ignored_and_rewritten(repo):
    repo.start({"models/a.toml": "x = 1\n"})
    base = repo.head()
    repo.commit("edit", {"models/a.toml": "x = 2\n"})
    cache_file(repo).parent.mkdir(parents=True, exist_ok=True)
    cache_file(repo).write_bytes(b"\x00garbage")
    (change,) = audit(repo, base).changes
    assert triples(change) == [("a", "x", 1, 2, "increase")]
    assert isinstance(marshal.loads(cache_file(repo).read_bytes()), dict)


def test_parse_errors_are_cached_as_errors(repo):
    repo.start({"models/a.toml": "x = 1\n"})
    base = repo.head()
    repo.commit("break", {"models/a.toml": "x = \n"})
    first = audit(repo, base)
    again = audit(repo, base)  # from the cache
    assert [c.rules for c in first.changes] == [c.rules for c in again.changes] == [["AUD009"]]
    assert first.changes[0].findings[0].message == again.changes[0].findings[0].message
