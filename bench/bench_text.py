"""Benchmark: the text report of a real history, as a ratio to its JSON report (not a
unit test).

    python bench/bench_text.py --repo PATH --policy POLICY.toml [--repeat 5]

The history is judged once; then every change is rendered by the JSON format (the
floor: one line per change, written at C speed) and by the text format (one line per
setting, items added whole walked leaf by leaf, values cut at 200 characters),
best of `--repeat` each, in CPU time: the machine may be shared.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable


def best(render: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        render()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", required=True)
    parser.add_argument("--policy", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from auditui.core.audit.run import run_audit
    from auditui.core.formats import json_format, text_format

    report = run_audit(args.repo, None, policy_file=args.policy, default_base=False, anchors=False)
    changes, ids = report.changes, report.list_ids
    floor = best(lambda: [json_format.render_change(c) for c in changes], args.repeat)
    text = best(lambda: [text_format.render_change(c, list_ids=ids) for c in changes], args.repeat)
    deltas = sum(len(c.deltas) for c in changes)
    print(
        f"{len(changes)} changes, {deltas} deltas: json {floor:.2f} s, text {text:.2f} s "
        f"({text / floor:.1f}x the json floor)"
    )


if __name__ == "__main__":
    main()
