"""Benchmark: what looking for overdue overrides costs a check (not a unit test).

Break-glass (docs/blocked.md): every check looks among the records at its head (and
at its base) for overrides of earlier changes whose follow-up is due: one `git grep`
finds the records that may hold one, and those are read. This builds two repositories
of --records audit records and times, as whole processes, best of --repeat, `auditui
check` of a range of one change in each:

  floor     no record names an override: the grep finds nothing to read
  scan      1 in 100 records holds an override long due (as a team that broke glass
            now and then would have): each is read and its change looked for

and prints each time and the ratio scan / floor.
Usage: python bench/bench_followups.py [--records 2000] [--repeat 5] [--smoke]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POLICY = """\
[layout]
models = ["models/*.toml"]
records = "audit"

[evals]
required_suites = ["coding"]

[approvals]
required = 1
"""
ALLOWED = '\n[override]\nallowed = ["dave@example.com"]\n'
ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "A",
    "GIT_AUTHOR_EMAIL": "alice@example.com",
    "GIT_COMMITTER_NAME": "A",
    "GIT_COMMITTER_EMAIL": "alice@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(where: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=where, env=ENV, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)}: {done.stderr}")
    return done.stdout.strip()


def fingerprint(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def record(n: int, override: bool) -> str:
    text = (
        f'fingerprint = "sha256:{fingerprint(n)}"\nmodels = ["m{n}"]\n\n'
        f'[[evals]]\nmodel = "m{n}"\nsuite = "coding"\nbaseline = 70.0\ncandidate = 70.1\n'
        "at = 2026-01-02T00:00:00Z\n\n"
        '[[approvals]]\nby = "bob@example.com"\nverdict = "approve"\n'
        "at = 2026-01-02T00:00:00Z\n"
    )
    if override:
        text += (
            '\n[[approvals]]\nby = "dave@example.com"\nverdict = "override"\n'
            'reason = "INC"\nat = 2026-01-01T00:00:00Z\n'
        )
    return text


def build(where: Path, records: int, policy: str, overrides: bool) -> None:
    git(where, "init", "-q", "-b", "main")
    (where / ".auditui.toml").write_text(policy)
    (where / "models").mkdir()
    (where / "models" / "a.toml").write_text("max_tokens = 1\n")
    audit = where / "audit"
    audit.mkdir()
    for n in range(records):
        name = f"{fingerprint(n)[:16]}.toml"  # a change's record is named by its fingerprint
        (audit / name).write_text(record(n, overrides and n % 100 == 0))
    git(where, "add", "-A")
    git(where, "commit", "-q", "-m", "adopt")
    (where / "models" / "a.toml").write_text("max_tokens = 2\n")
    git(where, "commit", "-qam", "raise a")
    git(where, "gc", "-q")  # packed, as a repository that has lived a while is


def timed(where: Path, repeat: int) -> float:
    argv = [sys.executable, "-m", "auditui", "check", "--repo", str(where), "--base", "HEAD~1"]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 1:  # the change has no record: blocked, and nothing else
            raise SystemExit(f"unexpected exit {done.returncode}: {done.stderr}{done.stdout}")
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="small and once: it must run")
    args = parser.parse_args()
    records, repeat = (50, 1) if args.smoke else (args.records, args.repeat)
    with tempfile.TemporaryDirectory(prefix="auditui-bench-") as tmp:
        floor_repo, scan_repo = Path(tmp) / "floor", Path(tmp) / "scan"
        floor_repo.mkdir()
        scan_repo.mkdir()
        build(floor_repo, records, POLICY + ALLOWED, overrides=False)
        build(scan_repo, records, POLICY + ALLOWED, overrides=True)
        floor, scan = timed(floor_repo, repeat), timed(scan_repo, repeat)
    print(f"{records} records, {records // 100} with an override; best of {repeat}")
    print(f"  floor  {floor:.3f} s  (no record names an override)")
    print(f"  scan   {scan:.3f} s  ({scan / floor:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
