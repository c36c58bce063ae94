"""Report renderers: each format is one module with `render(report) -> str`.

Adding a format is a new file here, not a new branch in the CLI. A format that can
be written change by change (text, json) also has `render_start`, `render_change`
and `render_end`, and `write` streams it: a whole catalogue history is never held.
"""

from __future__ import annotations

import codecs
import tempfile
from importlib import import_module
from typing import TextIO

from auditui.core.audit.report import Totals
from auditui.core.base.collector import fewer_collections

FORMATS = ("text", "json", "junit", "sarif", "github")
SPOOL_BYTES = 8 << 20  # rendered changes kept in memory before they go to a temp file
COPY_BYTES = 1 << 20


def render(report, fmt: str, **options) -> str:
    return import_module(f"auditui.core.formats.{fmt}_format").render(report, **options)


def write(run, fmt: str, out: TextIO, **options):
    """Judge `run` (an AuditRun) and write its report to `out`; returns the Report
    (its changes kept only for formats that need them all: junit, sarif, github).

    Changes are rendered as they are judged into a spool (memory, then a temp file):
    the header, which holds the totals, comes first, and nothing reaches `out` before
    the run succeeded (an error exits 2 with nothing on stdout). Changes found undone
    later in the range (see reverts) are rendered again, marked, in their places."""
    with fewer_collections():  # the walk's, and what follows it: changes rebuilt, written
        return _write(run, fmt, out, **options)


def _write(run, fmt: str, out: TextIO, **options):
    module = import_module(f"auditui.core.formats.{fmt}_format")
    if not hasattr(module, "render_change"):
        report = run.report(list(run))
        out.write(module.render(report, **options))
        return report
    with tempfile.SpooledTemporaryFile(SPOOL_BYTES, mode="w+b") as spool:
        totals, places = _spool(run, module, spool, options)
        marks = run.found_reverts()
        fixed = run.rejudged_from_store(marks) if marks else {}
        if fixed is None:  # no per-commit store to read them from: judged again, all
            run = run.rewalk_with(marks)
            spool.seek(0)
            spool.truncate()
            totals, places = _spool(run, module, spool, options)
            fixed = {}
        patches = []
        for sha, change in fixed.items():
            n, start, end, before = places[sha]
            totals.count(before, -1)  # its status as first judged, replaced
            totals.add(change)
            patches.append((start, end, module.render_change(change, first=n == 0, **options)))
        report = run.report([], streamed=totals)
        out.write(module.render_start(report, **options))
        _copy(spool, out, sorted(patches))
    out.write(module.render_end(report, **options))
    return report


def _spool(run, module, spool, options: dict) -> tuple:
    """Every change rendered into `spool` (UTF-8), and where each one's text lies."""

    totals, places = Totals(), {}
    for change in run:
        start = spool.tell()
        spool.write(module.render_change(change, first=totals.changes == 0, **options).encode())
        places[change.commit.sha] = (totals.changes, start, spool.tell(), change.status)
        totals.add(change)
    return totals, places


def _copy(spool, out: TextIO, patches: list[tuple[int, int, str]]) -> None:
    """The spool to `out`, each patch's text in place of its byte range."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    spool.seek(0)
    at = 0
    for start, end, text in patches:
        _copy_bytes(spool, out, decoder, at, start)
        out.write(decoder.decode(b"", final=True) + text)
        spool.seek(end)
        at = end
    _copy_bytes(spool, out, decoder, at, None)
    out.write(decoder.decode(b"", final=True))


def _copy_bytes(spool, out: TextIO, decoder, at: int, stop: int | None) -> None:
    """The spool's bytes from `at` (its position) up to `stop`, or to its end."""
    while stop is None or at < stop:
        chunk = spool.read(COPY_BYTES if stop is None else min(COPY_BYTES, stop - at))
        if not chunk:
            break
        out.write(decoder.decode(chunk))
        at += len(chunk)
