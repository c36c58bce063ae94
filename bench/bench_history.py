"""Benchmark: auditui on a large synthetic config history (not a unit test).

Builds (once, cached under --workdir) a repository with a catalogue of one-TOML-per-
model files and 10,000+ commits via `git fast-import`, then times the paths users
wait on:

  hook-empty      pre-push with nothing new (the common push)
  hook-10         pre-push of 10 new config commits on top of the big history
  hook-10-nocfg   pre-push of 10 commits that touch no config
  check-10        `auditui check --base HEAD~10`
  check-all       `auditui check` over the whole history (the app's worst case)

Each is run as a real subprocess (`python -m auditui ...`), best of --repeat runs.
Usage: python bench/bench_history.py [--commits 10000] [--models 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POLICY = """[layout]
models = ["models/*.toml"]
defaults = "models/_defaults.toml"
prompts = ["prompts/**/*.md"]
"""


def git(cwd: Path, *args: str, input: bytes | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, input=input, check=True,
                          capture_output=True).stdout.decode().strip()  # fmt: skip


def model_text(n: int, effort: str, tokens: int) -> str:
    prompt = f'system_prompt = "prompts/p{n % 20}.md"\n' if n % 3 == 0 else ""
    return f'{prompt}[reasoning]\neffort = "{effort}"\n\n[limits]\nmax_output_tokens = {tokens}\n'


def build(path: Path, commits: int, models: int) -> None:
    rng = random.Random(42)
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    out: list[bytes] = []
    mark = 0

    def blob(text: str) -> int:
        nonlocal mark
        mark += 1
        data = text.encode()
        out.append(b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(data), data))
        return mark

    def commit(msg: str, files: dict[str, int], when: int, parent: int | None) -> int:
        nonlocal mark
        mark += 1
        data = msg.encode()
        out.append(b"commit refs/heads/main\nmark :%d\n" % mark)
        out.append(b"author Bench <bench@example.com> %d +0000\n" % when)
        out.append(b"committer Bench <bench@example.com> %d +0000\n" % when)
        out.append(b"data %d\n%s\n" % (len(data), data))
        if parent:
            out.append(b"from :%d\n" % parent)
        for p, m in files.items():
            out.append(b"M 100644 :%d %s\n" % (m, p.encode()))
        out.append(b"\n")
        return mark

    when = 1_700_000_000
    files = {
        ".auditui.toml": blob(POLICY),
        "models/_defaults.toml": blob("[rollout]\npercent = 100\n"),
    }
    for p in range(20):
        files[f"prompts/p{p}.md"] = blob(f"You are assistant {p}. Be careful.\n")
    for n in range(models):
        files[f"models/m{n:05d}.toml"] = blob(model_text(n, "high", 32000))
    head = commit("catalogue", files, when, None)
    for i in range(1, commits):
        when += 600
        r = rng.random()
        if r < 0.6:
            n = rng.randrange(models)
            changed = {
                f"models/m{n:05d}.toml": blob(
                    model_text(
                        n, rng.choice(["low", "medium", "high"]), rng.choice([8000, 16000, 32000])
                    )
                )
            }
        elif r < 0.7:
            p = rng.randrange(20)
            changed = {
                f"prompts/p{p}.md": blob(
                    f"You are assistant {p}. Use at most {rng.randrange(10, 200)} words.\n"
                )
            }
        else:
            changed = {f"docs/note{i % 50}.md": blob(f"note {i}\n")}
        head = commit(f"change {i}", changed, when, head)
    git(path, "fast-import", "--quiet", input=b"".join(out))
    git(path, "reset", "-q", "--hard", "main")


def docs_only_branch(repo: Path) -> str:
    """A branch `docs` of 10 commits on top of main that touch no config file."""
    try:
        return git(repo, "rev-parse", "--verify", "refs/heads/docs")
    except subprocess.CalledProcessError:
        pass
    parent = git(repo, "rev-parse", "main")
    for i in range(10):
        blob = git(repo, "hash-object", "-w", "--stdin", input=f"doc {i}\n".encode())
        tree = git(repo, "rev-parse", f"{parent}^{{tree}}")
        git(repo, "read-tree", tree)
        git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},docs/extra{i}.md")
        tree = git(repo, "write-tree")
        parent = git(repo, "commit-tree", tree, "-p", parent, "-m", f"docs {i}")
    git(repo, "update-ref", "refs/heads/docs", parent)
    git(repo, "read-tree", "main")
    return parent


def timed(cmd: list[str], cwd: Path, stdin: str = "", repeat: int = 3) -> tuple[float, int]:
    best = float("inf")
    code = 0
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, input=stdin.encode(), capture_output=True)
        best = min(best, time.perf_counter() - start)
        code = proc.returncode
    return best, code


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--commits", type=int, default=10_000)
    ap.add_argument("--models", type=int, default=2_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "auditui-bench"))
    ap.add_argument("--skip-all", action="store_true", help="skip the whole-history check")
    args = ap.parse_args()
    repo = Path(args.workdir) / f"hist-{args.commits}-{args.models}"
    if not repo.exists():
        t = time.perf_counter()
        build(repo, args.commits, args.models)
        print(f"built {repo} in {time.perf_counter() - t:.1f}s")
    py = [sys.executable, "-m", "auditui"]
    tip = git(repo, "rev-parse", "HEAD")
    base10 = git(repo, "rev-parse", "HEAD~10")
    docs_tip = docs_only_branch(repo)
    rows = []
    rows.append(
        (
            "interpreter + import auditui.cli",
            *timed([sys.executable, "-c", "import auditui.cli"], repo, repeat=args.repeat),
        )
    )
    rows.append(
        (
            "hook-empty (no refs)",
            *timed(py + ["hook", "pre-push", "origin", "x"], repo, "", args.repeat),
        )
    )
    # 10 new config commits: pretend the remote has HEAD~10.
    line = f"refs/heads/main {tip} refs/heads/main {base10}\n"
    rows.append(
        (
            "hook-10 (10 new commits)",
            *timed(py + ["hook", "pre-push", "origin", "x"], repo, line, args.repeat),
        )
    )
    line_docs = f"refs/heads/docs {docs_tip} refs/heads/main {tip}\n"
    rows.append(
        (
            "hook-10-nocfg (10 doc-only commits)",
            *timed(py + ["hook", "pre-push", "origin", "x"], repo, line_docs, args.repeat),
        )
    )
    line_same = f"refs/heads/main {tip} refs/heads/main {tip}\n"
    rows.append(
        (
            "hook, already up to date",
            *timed(py + ["hook", "pre-push", "origin", "x"], repo, line_same, args.repeat),
        )
    )
    rows.append(
        (
            "check-10 (--base HEAD~10)",
            *timed(
                py + ["check", "--base", "HEAD~10", "--format", "json"], repo, repeat=args.repeat
            ),
        )
    )
    if not args.skip_all:
        rows.append(
            (
                f"check-all ({args.commits} commits)",
                *timed(py + ["check", "--format", "json", "--output", os.devnull], repo, repeat=1),
            )
        )
    print(f"\nrepository: {args.commits} commits, {args.models} model files, 20 prompts")
    print(f"{'case':38} {'seconds':>8}  exit")
    for name, secs, code in rows:
        print(f"{name:38} {secs:8.3f}  {code}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
