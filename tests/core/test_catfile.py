"""Blob reads through one `git cat-file --batch`, one at a time or pipelined."""

from __future__ import annotations

import pytest

from auditui.core.git import catfile
from auditui.core.git.catfile import BlobMissing, BlobTooLarge, CatFile, NotAsStored


@pytest.fixture
def blobs(repo):
    texts = [f"x = {i}\n" * (i + 1) for i in range(5)]
    repo.start({f"models/m{i}.toml": t for i, t in enumerate(texts)})
    shas = [repo.git("rev-parse", f"HEAD:models/m{i}.toml") for i in range(5)]
    return repo, shas, [t.encode() for t in texts]


def test_many_reads_answer_in_order_with_missing_bad_and_large_blobs_in_between(blobs):
    repo, shas, texts = blobs
    cat = CatFile(repo.path)
    asked = [shas[0], "f" * 40, shas[1], "HEAD\nmaster", shas[4], shas[2]]
    got = list(cat.read_many(asked, limit=len(texts[3])))
    assert [sha for sha, _ in got] == asked
    assert got[0][1] == texts[0] and got[2][1] == texts[1] and got[5][1] == texts[2]
    assert isinstance(got[1][1], BlobMissing)  # not in the repository
    assert isinstance(got[3][1], BlobMissing)  # never sent: it would read as two requests
    assert isinstance(got[4][1], BlobTooLarge) and got[4][1].size == len(texts[4])
    assert cat.read(shas[3]) == texts[3]  # the pipe is still in step
    cat.close()


def test_a_read_left_mid_group_never_puts_the_pipe_out_of_step(blobs, monkeypatch):
    repo, shas, texts = blobs
    monkeypatch.setattr(catfile, "GROUP", 3)  # two groups for five blobs
    cat = CatFile(repo.path)
    reads = cat.read_many(shas)
    assert next(reads) == (shas[0], texts[0])
    reads.close()  # two answers of the group were never read
    assert cat.read(shas[4]) == texts[4]
    assert [data for _, data in cat.read_many(shas)] == texts  # across groups
    cat.close()


def test_closing_a_reader_while_a_forked_parse_worker_lives_never_hangs(blobs):
    """A worker forked while a reader's pipe is open holds a copy of its write end:
    cat-file then never sees the end of its input, and waiting for it hung the walk."""
    import threading
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    repo, shas, texts = blobs
    cat = CatFile(repo.path)
    assert cat.read(shas[0]) == texts[0]
    with ProcessPoolExecutor(1, mp_context=get_context("fork")) as pool:
        assert pool.submit(abs, -1).result() == 1  # forked now, the pipe open
        closed = threading.Event()
        threading.Thread(target=lambda: (cat.close(), closed.set()), daemon=True).start()
        assert closed.wait(10)


def test_bytes_that_do_not_hash_to_the_id_asked_for_are_never_returned(blobs, monkeypatch):
    """Objects are read as stored: were git ever told to substitute one (a replace ref
    read without GIT_NO_REPLACE_OBJECTS), the read fails rather than cache a lie."""
    repo, shas, texts = blobs
    repo.git("replace", shas[0], shas[1])
    assert CatFile(repo.path).read(shas[0]) == texts[0]  # replacements off
    monkeypatch.delitem(catfile.GIT_ENV, "GIT_NO_REPLACE_OBJECTS")
    cat = CatFile(repo.path)
    with pytest.raises(NotAsStored):
        cat.read(shas[0])
    assert cat.read(shas[2]) == texts[2]  # the pipe is still in step
    cat.close()
