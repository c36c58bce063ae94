"""Parsed blobs are kept between runs in the git dir, keyed by blob id."""

from __future__ import annotations

import sqlite3

from auditui.core.history import parse_ahead, parse_cache
from tests.helpers.repo import audit, forget_changes, triples


def cache_file(repo):
    return parse_cache.store_file(repo.path / ".git" / "auditui")


def stored(repo, key):
    with sqlite3.connect(cache_file(repo)) as db:
        row = db.execute("SELECT value FROM parsed WHERE key = ?", (key,)).fetchone()
    return None if row is None else parse_cache.decode(row[0])


def plant(repo, key, value):
    with sqlite3.connect(cache_file(repo)) as db:
        db.execute("INSERT OR REPLACE INTO parsed VALUES (?, ?)", (key, parse_cache.encode(value)))


def test_second_run_reuses_parsed_blobs_and_gives_the_same_report(repo):
    repo.start({"models/a.toml": "x = 1\n", "models/b.yaml": "y: 2\n"})
    base = repo.head()
    repo.commit("edit", {"models/a.toml": "x = 3\n"})
    first = audit(repo, base)
    blob = repo.git("rev-parse", "HEAD:models/a.toml")
    assert stored(repo, f"{blob}:toml") == {"x": 3}
    # The cache is consulted: a planted entry for that blob id is what the run sees.
    plant(repo, f"{blob}:toml", {"x": 42})
    forget_changes(repo)
    assert triples(audit(repo, base).changes[0]) == [("a", "x", 1, 42, "increase")]
    cache_file(repo).unlink()
    forget_changes(repo)
    assert triples(audit(repo, base).changes[0]) == triples(first.changes[0])


def test_a_corrupt_cache_is_ignored(repo):
    repo.start({"models/a.toml": "x = 1\n"})
    base = repo.head()
    repo.commit("edit", {"models/a.toml": "x = 2\n"})
    cache_file(repo).parent.mkdir(parents=True, exist_ok=True)
    cache_file(repo).write_bytes(b"\x00garbage, not a database" * 100)
    (change,) = audit(repo, base).changes
    assert triples(change) == [("a", "x", 1, 2, "increase")]


def test_a_damaged_entry_is_parsed_again(repo):
    repo.start({"models/a.toml": "x = 1\n"})
    base = repo.head()
    repo.commit("edit", {"models/a.toml": "x = 2\n"})
    audit(repo, base)
    blob = repo.git("rev-parse", "HEAD:models/a.toml")
    with sqlite3.connect(cache_file(repo)) as db:
        db.execute("UPDATE parsed SET value = ? WHERE key = ?", (b"\xff\xfe", f"{blob}:toml"))
    forget_changes(repo)
    (change,) = audit(repo, base).changes
    assert triples(change) == [("a", "x", 1, 2, "increase")]


def test_parse_errors_are_cached_as_errors(repo):
    repo.start({"models/a.toml": "x = 1\n"})
    base = repo.head()
    repo.commit("break", {"models/a.toml": "x = \n"})
    first = audit(repo, base)
    forget_changes(repo)
    again = audit(repo, base)  # from the cache
    blob = repo.git("rev-parse", "HEAD:models/a.toml")
    assert isinstance(stored(repo, f"{blob}:toml"), parse_cache.DocumentError)
    assert [c.rules for c in first.changes] == [c.rules for c in again.changes] == [["AUD009"]]
    assert first.changes[0].findings[0].message == again.changes[0].findings[0].message


def test_a_cold_history_is_parsed_by_workers_to_the_same_report(repo, monkeypatch):
    """Past POOL_MIN new blobs the parse runs in worker processes; what they store is
    exactly what the in-process parse gives (same report, same cached values)."""
    files = {f"models/m{i}.toml": f"x = {i}\n" for i in range(12)}
    files["models/bad.toml"] = "x = \n"
    repo.start({"models/seed.toml": "x = 0\n"})
    base = repo.head()
    repo.commit("many", files)
    repo.commit(
        "more",
        {p: t.replace("x =", "x = 1 +") if "bad" in p else t + "y = 2\n" for p, t in files.items()},
    )
    inline = audit(repo, base)
    keys = [f"{repo.git('rev-parse', f'HEAD:{p}')}:toml" for p in files]

    def cached():
        values = {k: stored(repo, k) for k in keys}
        return {k: repr(v) if isinstance(v, Exception) else v for k, v in values.items()}

    in_process = cached()
    cache_file(repo).unlink()
    forget_changes(repo)
    monkeypatch.setattr(parse_ahead, "POOL_MIN", 1)
    pools = []
    real_pool = parse_ahead.ProcessPoolExecutor

    def counted(n, mp_context, initializer):
        import gc

        # Workers write the store through connections of their own: the walk's must
        # be closed when they fork (SQLite forbids carrying one into a child).
        assert not any(
            isinstance(o, parse_cache.BlobCache) and o._db is not None for o in gc.get_objects()
        ), "a store connection open at fork"
        pools.append(n)
        return real_pool(n, mp_context=mp_context, initializer=initializer)

    monkeypatch.setattr(parse_ahead, "ProcessPoolExecutor", counted)
    monkeypatch.setattr(parse_ahead.os, "cpu_count", lambda: 2)
    pooled = audit(repo, base)
    assert pools == [1]  # one core walks while the other parses ahead
    assert [triples(c) for c in pooled.changes] == [triples(c) for c in inline.changes]
    assert [c.fingerprint for c in pooled.changes] == [c.fingerprint for c in inline.changes]
    assert cached() == in_process and "DocumentError" in in_process[keys[-1]]


def test_a_walk_left_early_stops_its_parse_workers_and_keeps_what_they_parsed(repo, monkeypatch):
    """The app drops a load when the user reloads: the workers parsing ahead stop with
    it, and the chunks they finished are stored (the next run parses none of them)."""
    import multiprocessing

    from auditui.core.audit.context import resolve_context
    from auditui.core.audit.run import AuditRun

    repo.start({"models/seed.toml": "x = 0\n"})
    for n in range(6):
        repo.commit(f"c{n}", {f"models/m{n}{i}.toml": f"x = {n}{i}\n" for i in range(10)})
    monkeypatch.setattr(parse_ahead, "POOL_MIN", 1)
    monkeypatch.setattr(parse_ahead.Ahead, "FIRST", 4)
    monkeypatch.setattr(parse_ahead.os, "cpu_count", lambda: 2)
    run = AuditRun(resolve_context(repo.path, None, "HEAD", default_base=False))
    changes = iter(run)
    next(changes)
    assert multiprocessing.active_children()  # parsing ahead of the walk
    changes.close()
    assert not multiprocessing.active_children()
    with sqlite3.connect(cache_file(repo)) as db:
        kept = db.execute("SELECT count(*) FROM parsed").fetchone()[0]
    assert kept >= 4  # at least the first chunk, taken in by the walk


def test_a_walk_in_a_thread_parses_ahead_in_fresh_processes_to_the_same_report(repo, monkeypatch):
    """The app judges in a thread: forking a threaded process can deadlock, so its
    workers start fresh interpreters (spawn). They give the very same report."""
    import threading

    files = {f"models/m{i}.toml": f"x = {i}\n" for i in range(8)}
    repo.start({"models/seed.toml": "x = 0\n"})
    base = repo.head()
    repo.commit("many", files)
    inline = audit(repo, base)
    cache_file(repo).unlink()
    forget_changes(repo)
    monkeypatch.setattr(parse_ahead, "POOL_MIN", 1)
    monkeypatch.setattr(parse_ahead.os, "cpu_count", lambda: 2)
    methods, real_context = [], parse_ahead.get_context
    monkeypatch.setattr(parse_ahead, "get_context", lambda m: methods.append(m) or real_context(m))
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("report", audit(repo, base)))
    thread.start()
    thread.join(60)
    assert methods == ["spawn"]
    assert [triples(c) for c in result["report"].changes] == [triples(c) for c in inline.changes]
    assert stored(repo, f"{repo.git('rev-parse', 'HEAD:models/m3.toml')}:toml") == {"x": 3}


def test_the_walk_parses_chunks_itself_while_a_slow_worker_parses_others(repo, monkeypatch):
    """Work is shared: while the walk waits for a chunk a worker is parsing, it parses
    the furthest chunk no worker started (tokencost's large blobs parse slower than they
    are judged). The same report and the same stored values as parsing in-process."""
    import os
    import time

    repo.start({"models/seed.toml": "x = 0\n"})
    base = repo.head()
    for n in range(4):
        repo.commit(f"c{n}", {f"models/m{n}{i}.toml": f"x = {n}{i}\n" for i in range(8)})
    repo.commit("broken", {"models/m00.toml": "x = \n"})
    inline = audit(repo, base)
    keys = [
        f"{repo.git('rev-parse', f'{sha}:{p}')}:toml"
        for sha in repo.git("rev-list", f"{base}..HEAD").split()
        for p in repo.git("ls-tree", "-r", "--name-only", sha).split()
        if p.startswith("models/m")
    ]
    values = {k: repr(stored(repo, k)) for k in keys}
    cache_file(repo).unlink()
    forget_changes(repo)
    real, real_steal = parse_cache.parse_blob, parse_ahead.Ahead._steal
    stolen, walk = [], os.getpid()

    def slow_in_a_worker(path, read):
        if os.getpid() != walk:
            time.sleep(0.1)
        return real(path, read)

    def steal(self):
        stolen.append(real_steal(self))
        return stolen[-1]

    monkeypatch.setattr(parse_cache, "parse_blob", slow_in_a_worker)  # forked: workers see it
    monkeypatch.setattr(parse_ahead.Ahead, "_steal", steal)
    monkeypatch.setattr(parse_ahead, "POOL_MIN", 1)
    monkeypatch.setattr(parse_ahead.Ahead, "FIRST", 2)
    monkeypatch.setattr(parse_ahead.os, "cpu_count", lambda: 2)
    shared = audit(repo, base)
    assert any(stolen), "while waiting, the walk parsed a later chunk no worker had started"
    assert [triples(c) for c in shared.changes] == [triples(c) for c in inline.changes]
    assert [c.fingerprint for c in shared.changes] == [c.fingerprint for c in inline.changes]
    assert {k: repr(stored(repo, k)) for k in keys} == values


def test_another_engines_store_is_never_read_and_is_dropped(repo, monkeypatch):
    """What a blob yields is what an engine's parsing makes of it: a store written by
    another engine (an upgrade, a development build; the blob cache once served
    dates parsed as strings to the engine that types them) is not this one's."""
    repo.start({"models/a.toml": "t = 1\n"})
    audit(repo)
    mine = cache_file(repo)
    assert mine.is_file()
    monkeypatch.setattr(parse_cache, "engine_digest", lambda: "f" * 64)
    forget_changes(repo)
    audit(repo)
    theirs = cache_file(repo)
    assert theirs != mine and theirs.is_file() and not mine.exists()
