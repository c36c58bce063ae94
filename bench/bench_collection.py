"""Benchmark: one large collection (a JSON mapping of model name to settings), the shape
of a prices catalogue, at 1, 2 and 4 MiB (not a unit test).

For each size it builds a two-commit repository (the catalogue added, then one entry
edited) and times, as whole processes, best of --repeat:

  floor       the interpreter parsing the file once with json (what no audit can avoid)
  check-1     `auditui check --base HEAD~1`: the one-entry edit (a push)
  check-all   `auditui check --all`: every entry added, then the edit

It prints each figure and its ratio to the floor, and seconds per MiB, which must stay
flat as the file grows (the audit is linear in entries).
Usage: python bench/bench_collection.py [--repeat 3] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from compiled import compile_auditui

POLICY = """[layout]
models = []
defaults = ""
prompts = []

[[layout.collection]]
path = "prices.json"
items = "mapping"
"""


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def build(path: Path, entries: int) -> None:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    catalogue = {
        f"provider/model-{i}": {
            "input_cost_per_token": (i % 97) * 1e-7,
            "max_tokens": 4096 + i % 5,
            "mode": "chat",
        }
        for i in range(entries)
    }
    (path / "prices.json").write_text(json.dumps(catalogue, separators=(",", ":")))
    (path / ".auditui.toml").write_text(POLICY)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "a",
        "GIT_AUTHOR_EMAIL": "a@x",
        "GIT_COMMITTER_NAME": "a",
        "GIT_COMMITTER_EMAIL": "a@x",
    }
    subprocess.run(["git", "add", "-A"], cwd=path, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "catalogue"], cwd=path, check=True, env=env)
    catalogue["provider/model-5"]["max_tokens"] = 8192
    (path / "prices.json").write_text(json.dumps(catalogue, separators=(",", ":")))
    subprocess.run(["git", "commit", "-qam", "raise one"], cwd=path, check=True, env=env)


def timed(cmd: list[str], cwd: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--smoke", action="store_true", help="one small size, once (CI)")
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "auditui-bench"))
    args = ap.parse_args()
    compile_auditui()
    sizes = [2_000] if args.smoke else [11_000, 22_000, 44_000]  # ~1, 2, 3.9 MiB (the limit is 4)
    repeat = 1 if args.smoke else args.repeat
    py = [sys.executable, "-m", "auditui"]
    print(
        f"{'entries':>8} {'MiB':>5} {'floor':>7} {'check-1':>8} {'ratio':>6} {'check-all':>9} "
        f"{'ratio':>6} {'s/MiB':>6}"
    )
    for entries in sizes:
        repo = Path(args.workdir) / f"collection-{entries}"
        if not repo.exists():
            build(repo, entries)
        mib = (repo / "prices.json").stat().st_size / 1048576
        floor = timed(
            [sys.executable, "-c", "import json; json.load(open('prices.json'))"], repo, repeat
        )
        one = timed(py + ["check", "--base", "HEAD~1", "-o", os.devnull], repo, repeat)
        whole = timed(py + ["check", "--all", "-o", os.devnull], repo, repeat)
        print(
            f"{entries:>8} {mib:>5.1f} {floor:>7.2f} {one:>8.2f} {one / floor:>6.1f} "
            f"{whole:>9.2f} {whole / floor:>6.1f} {whole / mib:>6.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
