"""Benchmark: auditui over a real catalogue's whole history, as a ratio to its parse floor
(not a unit test).

    python bench/bench_catalogue.py --repo PATH --policy POLICY.toml [--repeat 1]
                                    [--model NAME]

The floor is the work no audit can avoid: list every version of every file the policy's
layout names with one `git log --raw`, read them all with one `git cat-file --batch`,
parse each once (tomllib / json / PyYAML's C loader). It runs in a subprocess like
auditui does, interpreter start included, and is timed in the same run. Then:

  cold   `auditui check --all` with the parse cache (.git/auditui) removed
  warm   the same again, the cache filled
  log    `auditui log --all --model NAME` with the caches filled (with --model)
  half   a cold `check --all` of the history up to its middle commit (date order):
         its peak beside the whole history's says whether memory grows with length

auditui runs compiled to bytecode, as installed (see compiled.py). Peaks are RSS from
/usr/bin/time, in MB. Each time is printed with its ratio to the
floor (the half run's to its own floor).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from compiled import compile_auditui

FLOOR = r"""
import json, re, subprocess, sys, tomllib
import yaml
repo, patterns, head = sys.argv[1], sys.argv[2:], "HEAD"
if "--head" in patterns:
    head = patterns[patterns.index("--head") + 1]
    patterns = patterns[: patterns.index("--head")]
def rx(p):
    out, i = [], 0
    while i < len(p):
        if p.startswith("**/", i): out.append("(?:.*/)?"); i += 3
        elif p.startswith("**", i): out.append(".*"); i += 2
        elif p[i] == "*": out.append("[^/]*"); i += 1
        else: out.append(re.escape(p[i])); i += 1
    return re.compile("".join(out) + r"\Z")
globs = [rx(p) for p in patterns]
log = subprocess.run(["git", "-C", repo, "log", head, "--raw", "-z", "--no-renames",
                      "--no-abbrev", "--format="], capture_output=True, check=True).stdout
tokens = log.decode("utf-8", "surrogateescape").split("\0")
wanted = {}
for meta, path in zip(tokens[0::2], tokens[1::2]):
    meta = meta.lstrip("\n")
    if meta.startswith(":") and any(g.match(path) for g in globs):
        sha = meta.split(" ")[3]
        if set(sha) != {"0"}:
            wanted[sha] = path
cat = subprocess.run(["git", "-C", repo, "cat-file", "--batch"], capture_output=True,
                     input="\n".join(wanted).encode() + b"\n", check=True).stdout
loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
pos = parsed = 0
for sha, path in wanted.items():
    end = cat.index(b"\n", pos)
    header = cat[pos:end].split()
    pos = end + 1
    if len(header) < 3 or header[1] != b"blob":
        continue
    size = int(header[2])
    data = cat[pos:pos + size]
    pos += size + 1
    try:
        text = data.decode("utf-8-sig")
        if path.endswith(".toml"): tomllib.loads(text)
        elif path.endswith(".json"): json.loads(text)
        elif path.endswith((".yaml", ".yml")): yaml.load(text, Loader=loader)
        parsed += 1
    except Exception:
        pass
print(parsed)
"""


def layout_globs(policy: Path) -> list[str]:
    import tomllib

    layout = tomllib.loads(policy.read_text()).get("layout", {})
    globs = list(layout.get("models", [])) + list(layout.get("bases", []))
    globs += list(layout.get("prompts", [])) + [c["path"] for c in layout.get("collection", [])]
    return globs


def timed(cmd: list[str], repeat: int) -> tuple[float, float, str]:
    """Best wall time, the peak RSS (MB) of the last run, and its stdout."""
    best, peak, out = float("inf"), 0.0, ""
    for _ in range(repeat):
        start = time.perf_counter()
        run = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
        best = min(best, time.perf_counter() - start)
        kb = re.findall(r"^(\d+)$", run.stderr, re.M)
        peak, out = (int(kb[-1]) / 1024 if kb else 0.0), run.stdout
    return best, peak, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repo", required=True, type=Path)
    ap.add_argument("--policy", required=True, type=Path)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--model", help="also time `log --model NAME` (warm)")
    args = ap.parse_args()
    compile_auditui()
    repo, globs = str(args.repo), layout_globs(args.policy)
    floor, floor_peak, versions = timed([sys.executable, "-c", FLOOR, repo, *globs], args.repeat)
    auditui = [sys.executable, "-m", "auditui"]
    where = ["--policy", str(args.policy), "--repo", repo]
    check = [*auditui, "check", "--all", "--format", "json", "--output", os.devnull, *where]
    cache = args.repo / ".git" / "auditui"
    if not cache.exists():
        cache = args.repo / "auditui"  # a bare repository
    shutil.rmtree(cache, ignore_errors=True)
    cold, cold_peak, _ = timed(check, 1)
    warm, warm_peak, _ = timed(check, args.repeat)
    rows = [
        ("floor", floor, floor, floor_peak),
        ("cold", cold, floor, cold_peak),
        ("warm", warm, floor, warm_peak),
    ]
    if args.model:
        log, log_peak, _ = timed(
            [*auditui, "log", "--all", "--model", args.model, *where], args.repeat
        )
        rows.append(("log", log, floor, log_peak))
    order = git(repo, "rev-list", "--date-order", "--reverse", "HEAD").split()
    middle = order[len(order) // 2]
    half_floor, _, _ = timed([sys.executable, "-c", FLOOR, repo, *globs, "--head", middle], 1)
    shutil.rmtree(cache, ignore_errors=True)
    half, half_peak, _ = timed([*check, "--head", middle], 1)
    rows.append(("half", half, half_floor, half_peak))
    commits, half_commits = (
        git(repo, "rev-list", "--count", "HEAD"),
        git(repo, "rev-list", "--count", middle),
    )
    print(
        f"repository {args.repo.name}: {commits} commits, {versions.strip()} file versions"
        f" (half: {half_commits} commits up to {middle[:10]})"
    )
    print(f"{'run':8} {'seconds':>8} {'x floor':>8} {'peak MB':>8}")
    for name, seconds, its_floor, peak in rows:
        print(f"{name:8} {seconds:8.2f} {seconds / its_floor:8.2f} {peak:8.0f}")
    return 0


def git(repo: str, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", repo, *args], capture_output=True, text=True, check=True
    ).stdout.strip()


if __name__ == "__main__":
    raise SystemExit(main())
