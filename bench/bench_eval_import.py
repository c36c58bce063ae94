"""Benchmark: `auditui eval import` of one promptfoo run naming every model a change moves
(issue 26 item 9: one dify-official-plugins change moves 446 models), as a ratio to its
floor (not a unit test).

    python bench/bench_eval_import.py [--models 446] [--tests 50] [--repeat 3]

It builds, in a temporary folder, a catalogue of --models path-named model files under
20 providers (`models/<provider>/models/llm/<name>.yaml`, dify's layout) whose shared
default the last commit changes, and promptfoo `-o results.json` files for the parent
and the changed config with every model as a provider (`<provider>:<name>`, --tests
tests each: 446 x 50 rows is about 40 MB a file). Then, best of --repeat:

  floor    a Python process that reads both files, parses them (json) and hashes them:
           what no import can avoid (interpreter start included)
  import   `auditui eval import HEAD` of the pair: an entry per model, one write
           (the record is removed between runs)

and prints each time with its ratio to the floor.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from compiled import compile_auditui

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import promptfoo  # noqa: E402  (the builder the tests use)

FLOOR = """
import hashlib, json, sys
for name in sys.argv[1:]:
    data = open(name, "rb").read()
    json.loads(data)
    hashlib.sha256(data).hexdigest()
"""

POLICY = """\
[layout]
models = ["models/*/models/llm/*.yaml"]
defaults = "models/_defaults.toml"
naming = "path"

[evals]
required_suites = ["coding"]
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def build(where: Path, models: int, tests: int) -> tuple[Path, Path, Path]:
    repo = where / "repo"
    names = [(f"provider{i % 20}", f"model-{i}") for i in range(models)]
    for provider, name in names:
        file = repo / "models" / provider / "models" / "llm" / f"{name}.yaml"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(f"model: {name}\nmodel_type: llm\n")
    (repo / ".auditui.toml").write_text(POLICY)
    (repo / "models" / "_defaults.toml").write_text("max_tokens = 4096\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "-c", "user.email=a@x", "-c", "user.name=A", "add", "-A")
    git(repo, "-c", "user.email=a@x", "-c", "user.name=A", "commit", "-qm", "adopt")
    (repo / "models" / "_defaults.toml").write_text("max_tokens = 8192\n")
    git(repo, "-c", "user.email=a@x", "-c", "user.name=A", "commit", "-qam", "raise the default")
    git(repo, "config", "user.email", "bench@example.com")
    ids = [f"{provider}:{name}" for provider, name in names]
    base = {pid: [t < tests * 3 // 4 for t in range(tests)] for pid in ids}
    cand = {pid: [t < tests * 3 // 4 - k % 3 for t in range(tests)] for k, pid in enumerate(ids)}
    b = promptfoo.write(
        where / "baseline.json", "eval-bAs-2026-03-05T10:00:00", base, "2026-03-05T10:00:00"
    )
    c = promptfoo.write(
        where / "candidate.json", "eval-cNd-2026-03-05T11:00:00", cand, "2026-03-05T11:00:00"
    )
    return repo, b, c


def timed(argv: list[str], repeat: int, before=None) -> float:
    best = float("inf")
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        result = subprocess.run(argv, capture_output=True, text=True)
        best = min(best, time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"{argv[:4]} failed: {result.stderr}")
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=446)
    parser.add_argument("--tests", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    compile_auditui()
    with tempfile.TemporaryDirectory(prefix="auditui-bench-") as tmp:
        repo, base, cand = build(Path(tmp), args.models, args.tests)
        size = (base.stat().st_size + cand.stat().st_size) / 2**20
        floor = timed([sys.executable, "-c", FLOOR, str(base), str(cand)], args.repeat)
        command = [
            sys.executable,
            "-m",
            "auditui",
            "eval",
            "import",
            "HEAD",
            "--repo",
            str(repo),
            "--baseline",
            str(base),
            "--candidate",
            str(cand),
        ]
        wipe = lambda: shutil.rmtree(repo / "audit", ignore_errors=True)  # noqa: E731
        took = timed([*command, "--suite", "coding"], args.repeat, wipe)
        written = len(list((repo / "audit").glob("*.toml")))
        print(f"{args.models} models x {args.tests} tests, {size:.1f} MB per file")
        print(f"  floor   {floor:6.2f} s")
        print(f"  import  {took:6.2f} s  {took / floor:5.2f}x floor  ({written} record)")


if __name__ == "__main__":
    main()
