"""Benchmark: auditui on a large synthetic config history (not a unit test).

Builds (once, cached under --workdir) a repository with a catalogue of one-TOML-per-
model files and 10,000+ commits via `git fast-import`, then times the paths users
wait on:

  hook-empty      pre-push with nothing new (the common push)
  hook-10         pre-push of 10 new config commits on top of the big history
  hook-10-nocfg   pre-push of 10 commits that touch no config
  check-10        `auditui check --base HEAD~10`
  check-all       `auditui check` over the whole history (the app's worst case), cold
                  (no cache in the git dir) and warm

Each is run as a real subprocess (`python -m auditui ...`), best of --repeat runs, and
printed as a ratio to a floor measured in the same run: pushes and check-10 to the
import floor (interpreter start + importing the engine and GitPython, which every
check loads), check-all to the history
floor (`git log -p` over the config paths, plus the import floor).
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

from compiled import compile_auditui

POLICY = """[layout]
models = ["models/*.toml"]
defaults = "models/_defaults.toml"
prompts = ["prompts/**/*.md"]
"""


def git(cwd: Path, *args: str, input: bytes | None = None) -> str:
    return (
        subprocess.run(["git", *args], cwd=cwd, input=input, check=True, capture_output=True)
        .stdout.decode()
        .strip()
    )


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


def timed(cmd: list[str], cwd: Path, stdin: str = "", repeat: int = 3) -> tuple[float, int, float]:
    """Best wall time, the exit code, and the peak RSS in MB (from /usr/bin/time)."""
    best, code, peak = float("inf"), 0, 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(
            ["/usr/bin/time", "-f", "%M", *cmd], cwd=cwd, input=stdin.encode(), capture_output=True
        )
        best = min(best, time.perf_counter() - start)
        code = proc.returncode
        kb = proc.stderr.decode(errors="replace").strip().splitlines()[-1:]
        peak = int(kb[0]) / 1024 if kb and kb[0].isdigit() else 0.0
    return best, code, peak


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--commits", type=int, default=10_000)
    ap.add_argument("--models", type=int, default=2_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "auditui-bench"))
    ap.add_argument("--skip-all", action="store_true", help="skip the whole-history check")
    args = ap.parse_args()
    compile_auditui()
    repo = Path(args.workdir) / f"hist-{args.commits}-{args.models}"
    if not repo.exists():
        t = time.perf_counter()
        build(repo, args.commits, args.models)
        print(f"built {repo} in {time.perf_counter() - t:.1f}s")
    py = [sys.executable, "-m", "auditui"]
    tip = git(repo, "rev-parse", "HEAD")
    base10 = git(repo, "rev-parse", "HEAD~10")
    docs_tip = docs_only_branch(repo)
    hook = py + ["hook", "pre-push", "origin", "x"]
    # The floors, measured in this run: what any tool pays to start, and to read the
    # config history at all (`git log -p` over the config paths).
    floor = "import auditui.cli, auditui.core.audit.run, git"  # what every check loads
    imports, _, _ = timed([sys.executable, "-c", floor], repo, repeat=args.repeat)
    log_p, _, _ = timed(
        ["git", "log", "-p", "--", "models", "prompts", ".auditui.toml"], repo, repeat=args.repeat
    )
    history = imports + log_p
    rows = [
        ("interpreter + engine imports (import floor)", imports, 0, 0.0, imports),
        ("git log -p over the config + imports (history floor)", history, 0, 0.0, history),
    ]
    line = f"refs/heads/main {tip} refs/heads/main {base10}\n"  # the remote has HEAD~10
    line_docs = f"refs/heads/docs {docs_tip} refs/heads/main {tip}\n"
    line_same = f"refs/heads/main {tip} refs/heads/main {tip}\n"
    for name, cmd, stdin in [
        ("hook-empty (no refs)", hook, ""),
        ("hook-10 (10 new commits)", hook, line),
        ("hook-10-nocfg (10 doc-only commits)", hook, line_docs),
        ("hook, already up to date", hook, line_same),
        ("check-10 (--base HEAD~10)", py + ["check", "--base", "HEAD~10", "--format", "json"], ""),
    ]:
        rows.append((name, *timed(cmd, repo, stdin, args.repeat), imports))
    if not args.skip_all:
        whole = py + ["check", "--format", "json", "--output", os.devnull]

        def forget() -> None:
            for cache in repo.joinpath(".git", "auditui").glob("*"):
                cache.unlink()

        forget()
        rows.append(
            (f"check-all cold ({args.commits} commits)", *timed(whole, repo, repeat=1), history)
        )
        rows.append(
            (
                f"check-all warm ({args.commits} commits)",
                *timed(whole, repo, repeat=args.repeat),
                history,
            )
        )
        # Memory against history length, the catalogue the same size: half the history.
        middle = f"HEAD~{args.commits // 2}"
        half_log, _, _ = timed(
            ["git", "log", "-p", middle, "--", "models", "prompts", ".auditui.toml"],
            repo,
            repeat=args.repeat,
        )
        forget()
        cold_half = timed([*whole, "--head", middle], repo, repeat=1)
        rows.append(("check-all cold, first half", *cold_half, imports + half_log))
    print(f"\nrepository: {args.commits} commits, {args.models} model files, 20 prompts")
    print(f"{'case':54} {'seconds':>8} {'x floor':>8} {'peak MB':>8}  exit")
    for name, secs, code, peak, floor in rows:
        print(f"{name:54} {secs:8.3f} {secs / floor:8.2f} {peak:8.0f}  {code}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
