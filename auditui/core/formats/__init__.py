"""Report renderers: each format is one module with `render(report) -> str`.

Adding a format is a new file here, not a new branch in the CLI. A format that can
be written change by change (text, json) also has `render_start`, `render_change`
and `render_end`, and `write` streams it: a whole catalogue history is never held.
"""

from __future__ import annotations

import shutil
import tempfile
from importlib import import_module
from typing import TextIO

FORMATS = ("text", "json", "junit", "sarif", "github")
SPOOL_BYTES = 8 << 20  # rendered changes kept in memory before they go to a temp file


def render(report, fmt: str, **options) -> str:
    return import_module(f"auditui.core.formats.{fmt}_format").render(report, **options)


def write(run, fmt: str, out: TextIO, **options):
    """Judge `run` (an AuditRun) and write its report to `out`; returns the Report
    (its changes kept only for formats that need them all: junit, sarif, github).

    Changes are rendered as they are judged into a spool (memory, then a temp file):
    the header, which holds the totals, comes first, and nothing reaches `out` before
    the run succeeded (an error exits 2 with nothing on stdout)."""
    from auditui.core.audit import Totals

    module = import_module(f"auditui.core.formats.{fmt}_format")
    if not hasattr(module, "render_change"):
        report = run.report(list(run))
        out.write(module.render(report, **options))
        return report
    totals = Totals()
    with tempfile.SpooledTemporaryFile(SPOOL_BYTES, mode="w+", encoding="utf-8") as spool:
        for change in run:
            spool.write(module.render_change(change, first=totals.changes == 0, **options))
            totals.add(change)
        report = run.report([], streamed=totals)
        out.write(module.render_start(report, **options))
        spool.seek(0)
        shutil.copyfileobj(spool, out)
    out.write(module.render_end(report, **options))
    return report
