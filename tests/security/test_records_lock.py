"""The records lock lives where git keeps its own (issue 25, item 9).

It used to be `<temp dir>/auditui-records-<hash of the work tree>.lock`: a name any
local account can work out and plant first, and where it could not be opened the
record was written unlocked. Now it is `<git common dir>/auditui/records.lock`,
never followed if a link, and a lock that cannot be had is a one-line error (exit 2)
with nothing written. Every writer here is a real process."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import textwrap
import time
import tomllib
from pathlib import Path

import pytest

from tests.helpers.repo import RepoBuilder, approved_change

FP = "sha256:" + "ab" * 32


@pytest.fixture
def repo(tmp_path) -> RepoBuilder:
    """A change (HEAD) that bob, not its author alice, approves."""
    return approved_change(tmp_path / "r")


def lock_of(repo: RepoBuilder) -> Path:
    return repo.path / ".git" / "auditui" / "records.lock"


def approve(repo: RepoBuilder, env: dict | None = None, timeout: float | None = None):
    """`auditui approve HEAD` in a process of its own (with the lock's timeout set)."""
    code = "from auditui.cli import main; raise SystemExit(main(sys.argv[1:]))"
    if timeout is not None:
        code = f"import auditui.core.evidence.recordfiles as w; w.LOCK_TIMEOUT = {timeout}; {code}"
    return subprocess.Popen(
        [sys.executable, "-c", f"import sys; {code}", "approve", "HEAD", "--repo", str(repo.path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def records(repo: RepoBuilder) -> list[Path]:
    return sorted((repo.path / "audit").glob("*")) if (repo.path / "audit").exists() else []


def one_line_error(result: tuple[str, str], code: int, says: str) -> None:
    out, err = result
    lines = err.splitlines()
    assert code == 2 and out == "", (code, out, err)
    assert len(lines) == 2 and lines[1].startswith("hint:"), err
    assert says in lines[0] and "Traceback" not in err, err


class Holder:
    """Another process holding the lock at the path the contract names, until released."""

    def __init__(self, path: Path) -> None:
        code = textwrap.dedent("""
            import fcntl, os, sys
            path = sys.argv[1]
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            print("held", flush=True)
            sys.stdin.read()  # until the test closes our stdin
        """)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout.readline() == "held\n"

    def release(self) -> None:
        self.proc.stdin.close()
        assert self.proc.wait(timeout=30) == 0


def test_two_writers_at_once_keep_every_entry_even_with_the_old_lock_planted(tmp_path):
    """Each process appends 25 evals to one record at the same time. Another account
    planted a folder at the old temp-dir lock name (it is predictable): the old code
    could not open it and wrote unlocked, so the last rename won and entries were lost."""
    r = RepoBuilder(tmp_path / "r")
    temp = tmp_path / "tmp"
    old = hashlib.sha256(str(r.path.resolve()).encode()).hexdigest()[:20]
    (temp / f"auditui-records-{old}.lock").mkdir(parents=True)
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from auditui.core.evidence.records import append_entries
        who = sys.argv[1]
        for i in range(25):
            append_entries(Path({str(r.path)!r}), "audit/r.toml", {FP!r},
                           evals=[{{"model": who, "suite": f"s{{i}}", "baseline": 1.0,
                                   "candidate": 1.0}}])
    """)
    env = {**os.environ, "TMPDIR": str(temp)}
    procs = [subprocess.Popen([sys.executable, "-c", code, who], env=env) for who in "ab"]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    data = tomllib.loads((r.path / "audit" / "r.toml").read_text())
    assert sorted((e["model"], e["suite"]) for e in data["evals"]) == sorted(
        (who, f"s{i}") for who in "ab" for i in range(25)
    )


def test_a_writer_waits_while_another_holds_the_lock(repo):
    holder = Holder(lock_of(repo))
    writer = approve(repo)
    time.sleep(3)  # the old code had written and exited by now
    assert writer.poll() is None, f"wrote without the lock: {writer.communicate()}"
    assert records(repo) == []
    holder.release()
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    assert len(records(repo)) == 1


def test_a_lock_held_past_the_timeout_is_an_error_and_writes_nothing(repo):
    holder = Holder(lock_of(repo))
    try:
        writer = approve(repo, timeout=0.5)
        result = writer.communicate(timeout=60)
        one_line_error(result, writer.returncode, "held the records lock")
        assert records(repo) == []
    finally:
        holder.release()


def plant_file_at_folder(repo: RepoBuilder, _outside: Path) -> None:
    (repo.path / ".git" / "auditui").write_text("not a folder\n")


def plant_folder_at_lock(repo: RepoBuilder, _outside: Path) -> None:
    lock_of(repo).mkdir(parents=True)


def plant_fifo_at_lock(repo: RepoBuilder, _outside: Path) -> None:
    lock_of(repo).parent.mkdir()
    os.mkfifo(lock_of(repo))


@pytest.mark.parametrize("plant", [plant_file_at_folder, plant_folder_at_lock, plant_fifo_at_lock])
def test_an_unopenable_lock_is_an_error_and_writes_nothing(repo, tmp_path, plant):
    plant(repo, tmp_path)
    writer = approve(repo)
    one_line_error(writer.communicate(timeout=60), writer.returncode, "cannot lock the records")
    assert records(repo) == []


def test_a_symlink_at_the_lock_is_never_followed(repo, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    before = victim.stat()
    lock_of(repo).parent.mkdir()
    lock_of(repo).symlink_to(victim)
    writer = approve(repo)
    one_line_error(writer.communicate(timeout=60), writer.returncode, "symlink")
    assert victim.read_text() == "precious\n"
    assert (victim.stat().st_mtime_ns, victim.stat().st_mode) == (
        before.st_mtime_ns,
        before.st_mode,
    )
    assert records(repo) == []


def test_a_dangling_symlink_at_the_lock_creates_nothing(repo, tmp_path):
    lock_of(repo).parent.mkdir()
    lock_of(repo).symlink_to(tmp_path / "made-by-auditui")
    writer = approve(repo)
    one_line_error(writer.communicate(timeout=60), writer.returncode, "symlink")
    assert not (tmp_path / "made-by-auditui").exists()
    assert records(repo) == []


def test_a_symlinked_lock_folder_is_never_followed(repo, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (repo.path / ".git" / "auditui").symlink_to(elsewhere)
    writer = approve(repo)
    one_line_error(writer.communicate(timeout=60), writer.returncode, "symlink")
    assert not (elsewhere / "records.lock").exists()
    assert records(repo) == []


def test_the_lock_is_in_the_git_dir_owner_only_and_the_temp_dir_is_not_used(repo, tmp_path):
    temp = tmp_path / "tmp"
    temp.mkdir()
    writer = approve(repo, env={"TMPDIR": str(temp)})
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    assert os.listdir(temp) == []
    info = os.lstat(lock_of(repo))
    assert stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o600
    assert info.st_size == 0  # a lock file carries nothing
    assert len(records(repo)) == 1


def test_linked_work_trees_share_the_lock_in_the_common_dir(repo, tmp_path):
    linked = tmp_path / "linked"
    repo.git("worktree", "add", "-q", str(linked))
    writer = subprocess.run(
        [sys.executable, "-m", "auditui", "approve", "HEAD", "--repo", str(linked)],
        capture_output=True,
        text=True,
    )
    assert writer.returncode == 0, writer.stderr
    assert lock_of(repo).is_file()
    assert not list((repo.path / ".git" / "worktrees").rglob("records.lock"))
    assert list((linked / "audit").glob("*.toml"))
