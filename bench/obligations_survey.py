"""Survey: prompt obligation deltas over a real prompt history (not a unit test).

For every commit (first parent) and every changed file under --folder, reads both
blob versions with `git cat-file`, extracts the obligations of each and pairs them
(auditui/core/configs/obligations.py, obligation_pairs.py), then prints how many
commits and file pairs were read, the deltas of each kind, and a random sample (fixed
seed) to read by hand.
--ratios prints, for the pairs a changed block compared, how alike they were: what
the similarity threshold was chosen from. --pathological times extraction and pairing
of 1 MB inputs chosen to be slow.

Usage: python bench/obligations_survey.py REPO [--folder system-prompts] [--sample 30]
       [--seed 29] [--ratios] [--pathological]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import time
from collections import Counter

from auditui.core.configs import obligation_pairs as op
from auditui.core.configs import obligations as ob

MB = 1_000_000


def git(repo: str, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", repo, *args], check=True, capture_output=True, text=True
    ).stdout


def changed_files(repo: str, folder: str) -> list[tuple[str, str, str, str]]:
    """(commit, path, old blob, new blob) of every changed file, oldest commit first,
    a renamed file followed to its new path; a blob is "" where the file is absent."""
    out = []
    log = git(repo, "log", "--first-parent", "--reverse", "--format=%H").split()
    for commit in log:
        raw = git(repo, "diff-tree", "-r", "--root", "-M", commit, "--", folder)
        for line in raw.splitlines():
            if not line.startswith(":"):
                continue
            meta, *paths = line.split("\t")
            path = paths[-1]
            _, _, old, new, _ = meta[1:].split()
            zero = "0" * 40
            out.append((commit, path, "" if old == zero else old, "" if new == zero else new))
    return out


def read_blobs(repo: str, shas: set[str]) -> dict[str, str]:
    """Every blob's text through one `git cat-file --batch`."""
    order = sorted(shas)
    run = subprocess.run(
        ["git", "-C", repo, "cat-file", "--batch"],
        input="".join(s + "\n" for s in order).encode(),
        capture_output=True,
        check=True,
    )
    data, at, texts = run.stdout, 0, {}
    for sha in order:
        header_end = data.index(b"\n", at)
        size = int(data[at:header_end].split()[2])
        texts[sha] = data[header_end + 1 : header_end + 1 + size].decode("utf-8", "replace")
        at = header_end + 1 + size + 1
    return texts


Delta = tuple[str, str, ob.Obligation | None, ob.Obligation | None, bool]


def survey(repo: str, folder: str) -> list[Delta]:
    """Every obligation delta: (commit, path, old, new, whether both versions exist)."""
    files = changed_files(repo, folder)
    texts = read_blobs(repo, {s for _, _, o, n in files for s in (o, n) if s})
    texts[""] = ""
    cache: dict[str, tuple[ob.Obligation, ...]] = {}

    def obligations(sha: str) -> tuple[ob.Obligation, ...]:
        if sha not in cache:
            cache[sha] = ob.extract_obligations(texts[sha])
        return cache[sha]

    deltas: list[Delta] = []
    for commit, path, old, new in files:
        for o, n in op.pair_obligations(texts[old], texts[new], obligations(old), obligations(new)):
            deltas.append((commit, path, o, n, bool(old and new)))
    commits = len({c for c, _, _, _ in files})
    print(
        f"{commits} commits, {len(files)} changed prompt files "
        f"({sum(1 for _, _, o, n in files if o and n)} with both versions), "
        f"{len(cache)} blobs, {sum(len(v) for v in cache.values())} obligations read"
    )
    return deltas


def ratios(repo: str, folder: str) -> None:
    """How alike the sentences a changed block compares are: a histogram by tenths."""
    seen: Counter[int] = Counter()
    original = op.SequenceMatcher

    class Counting(original):  # type: ignore[misc, valid-type]
        def ratio(self) -> float:
            r = super().ratio()
            seen[int(r * 10)] += 1
            return r

    op.SequenceMatcher = Counting  # type: ignore[misc]
    try:
        survey(repo, folder)
    finally:
        op.SequenceMatcher = original  # type: ignore[misc]
    for tenth in sorted(seen):
        print(f"  ratio {tenth / 10:.1f}-{(tenth + 1) / 10:.1f}: {seen[tenth]}")


def pathological() -> None:
    """Each shape at 0.2 and 1 MB: the time per MB must stay flat (linear cost)."""
    shapes = {
        "one line of letters": lambda n: "a" * n,
        "spaces after must": lambda n: "must" + " " * n,
        "backtick runs of growing length": lambda n: "".join(
            "`" * k + "x " for k in range(1, int((2 * n) ** 0.5))
        ),
        "single backticks": lambda n: "` " * (n // 2),
        "quotes": lambda n: '"a ' * (n // 3),
        "markers only": lambda n: "must never should may " * (n // 22),
        "periods only": lambda n: ". " * (n // 2),
        "bullets": lambda n: "- you must x\n" * (n // 13),
        "e.g. abbreviations": lambda n: "e.g. " * (n // 5),
        "one sentence of markers": lambda n: "you must " * (n // 9),
        "fences": lambda n: "```\nx\n" * (n // 6),
    }
    for name, shape in shapes.items():
        for size in (MB // 5, MB):
            text = shape(size)
            start = time.perf_counter()
            found = ob.extract_obligations(text)
            extract = time.perf_counter() - start
            half = text[: len(text) // 2]
            other = ob.extract_obligations(half)
            start = time.perf_counter()
            op.pair_obligations(text, half, found, other)
            pair = time.perf_counter() - start
            mb = len(text) / MB
            print(
                f"  {name:32} {mb:.2f} MB  extract {extract:5.2f} s ({extract / mb:5.2f} s/MB)"
                f"  pair {pair:5.2f} s ({pair / mb:5.2f} s/MB)"
            )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("repo", nargs="?")
    parser.add_argument("--folder", default="system-prompts")
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", type=int, default=29)
    parser.add_argument("--ratios", action="store_true")
    parser.add_argument("--pathological", action="store_true")
    args = parser.parse_args()
    if args.pathological:
        pathological()
        return 0
    if args.ratios:
        ratios(args.repo, args.folder)
        return 0
    deltas = survey(args.repo, args.folder)
    edited = [d for d in deltas if d[4]]
    for name, some in (("all", deltas), ("in edited files (both versions)", edited)):
        kinds = Counter(op.obligation_kind(o, n) for _, _, o, n, _ in some)
        pairs = len({(c, p) for c, p, _, _, _ in some})
        print(f"{len(some)} obligation deltas {name}, in {pairs} file pairs")
        for kind, count in sorted(kinds.items()):
            print(f"  {kind:25} {count}")
    sample = random.Random(args.seed).sample(edited, min(args.sample, len(edited)))
    for k, (commit, path, o, n, _) in enumerate(sample, 1):
        print(f"\n{k}. {op.obligation_kind(o, n)}  {commit[:10]} {path}")
        if o:
            print(f"   - line {o.line}: [{o.strength.label}: {o.word}] {o.text}")
        if n:
            print(f"   + line {n.line}: [{n.strength.label}: {n.word}] {n.text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
