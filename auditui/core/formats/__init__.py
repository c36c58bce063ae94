"""Report renderers: each format is one module with `render(report) -> str`.

Adding a format is a new file here, not a new branch in the CLI. A format that can
be written change by change (text, json) also has `render_start`, `render_change`
and `render_end` (audit/stream.py's StreamedFormat), and `write` streams it: a whole
catalogue history is never held.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, TextIO

from auditui.core.audit.stream import write_streamed
from auditui.core.base.collector import fewer_collections

if TYPE_CHECKING:  # the CLI imports this module for FORMATS: the engine loads later
    from auditui.core.audit.report import Report
    from auditui.core.audit.run import AuditRun

FORMATS = ("text", "json", "junit", "sarif", "github")


def render(report, fmt: str, **options) -> str:
    return import_module(f"auditui.core.formats.{fmt}_format").render(report, **options)


def write(run: AuditRun, fmt: str, out: TextIO, **options) -> Report:
    """Judge `run` and write its report to `out`; returns the Report. Formats written
    change by change (text, json) are streamed (see audit/stream.py); the others
    (junit, sarif, github) need every change at once and are rendered whole."""
    module = import_module(f"auditui.core.formats.{fmt}_format")
    with fewer_collections():  # the walk's, and what follows it: changes rebuilt, written
        if hasattr(module, "render_change"):
            return write_streamed(run, module, out, options)
        report = run.report(list(run))
        out.write(module.render(report, **options))
        return report
