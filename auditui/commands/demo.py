"""`auditui demo`: build the bundled sample history and review it."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from auditui.commands.check import cmd_check, cmd_review
from auditui.core.features.sample import build_sample


def cmd_demo(args: argparse.Namespace) -> int:

    target = Path(args.into) if args.into else Path(tempfile.mkdtemp(prefix="auditui-demo-"))
    build_sample(target)
    print(f"auditui: sample history built in {target}", file=sys.stderr)
    ns = argparse.Namespace(
        repo=str(target),
        base=None,
        head="HEAD",
        policy=None,
        format="text",
        output=None,
        verbose=False,
        color="auto",
    )

    return cmd_check(ns) if args.check else cmd_review(ns)
