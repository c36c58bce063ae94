"""Benchmark: reading output limits from prompts made of one long line (not a unit test).

Issue 25, item 6: one line of letters ending in `<= 5 words` took 4 s at 16 KB and over
30 s at 60 KB, per blob. For each shape below at 16, 40, 60, 200 and 1,000 KB it times,
in this process, best of --repeat:

  floor     re.findall(r"\\w+", text): one plain linear scan of the same text
  limits    extract_limits(text)

and prints each time and its ratio to the floor, which must stay flat as the line grows
(the reading is linear in the text: each limit reads a bounded window around it).
--module PATH reads limits with another copy of auditui/core/configs/limits.py (an older one,
to compare); --budget stops a shape once one reading takes longer than that.
Usage: python bench/bench_limits.py [--repeat 3] [--smoke] [--module PATH] [--budget S]
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import time
from collections.abc import Callable

KB = 1000
SHAPES: dict[str, Callable[[int], str]] = {
    "letters, then a limit": lambda n: "a" * (n - 11) + " <= 5 words",
    "a limit, then spaces": lambda n: "<= 5 words for" + " " * (n - 15) + "x",
    "underscores, then a limit": lambda n: "_" * (n - 12) + "a <= 5 words",
    "never, then spaces": lambda n: "never" + " " * (n - 12) + "x words",
    "limits only": lambda n: "<= 5 words " * (n // 11),
    "clauses and limits": lambda n: ("Keep" + " to" * 90 + " x <= 5 words. ") * (n // 290),
    "keyed placeholders": lambda n: '"k": "<<= 5 words>", ' * (n // 21),
}


def best(func: Callable[[str], object], text: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func(text)
        times.append(time.perf_counter() - start)
    return min(times)


def load(path: str | None) -> Callable[[str], tuple]:
    if path is None:
        from auditui.core.configs.limits import extract_limits

        return extract_limits
    spec = importlib.util.spec_from_file_location("limits_under_bench", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module.extract_limits


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--smoke", action="store_true", help="one small size, once (CI)")
    ap.add_argument("--module", help="another limits.py to read with")
    ap.add_argument("--budget", type=float, default=60.0, help="seconds; stop a shape past it")
    args = ap.parse_args()
    extract = load(args.module)
    sizes = [16 * KB] if args.smoke else [16 * KB, 40 * KB, 60 * KB, 200 * KB, 1000 * KB]
    repeat = 1 if args.smoke else args.repeat
    words = re.compile(r"\w+")
    print(f"{'shape':<28} {'KB':>5} {'floor ms':>9} {'limits ms':>10} {'ratio':>7}")
    for name, make in SHAPES.items():
        for size in sizes:
            text = make(size)
            floor = best(words.findall, text, repeat)
            took = best(extract, text, repeat)
            kb, floor_ms, took_ms = len(text) / KB, floor * 1e3, took * 1e3
            print(f"{name:<28} {kb:>5.0f} {floor_ms:>9.2f} {took_ms:>10.1f} {took / floor:>7.1f}")
            if took > args.budget:
                print(f"{name:<28} (larger sizes skipped: over the {args.budget:.0f} s budget)")
                break
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
