"""A report written change by change, as the run judges them.

`check` on a catalogue's whole history judges hundreds of thousands of deltas; held
all at once they would be gigabytes. So a streamed format renders each change into a
spool (memory, then a temp file) as it comes and keeps only the totals. The header,
which holds the totals, is written first once the walk is over, and nothing reaches
the output before the run succeeded (an error exits 2 with nothing on stdout).
Changes found undone later in the range (see diff/reverts.py) are rendered again,
marked, and patched into their places in the spool.
"""

from __future__ import annotations

import codecs
import tempfile
from typing import IO, TYPE_CHECKING, Any, Protocol, TextIO

from auditui.core.audit.report import Change, Report, Totals

if TYPE_CHECKING:  # the CLI imports formats (and so this) before it knows the command
    from auditui.core.audit.run import AuditRun

SPOOL_BYTES = 8 << 20  # rendered changes kept in memory before they go to a temp file
COPY_BYTES = 1 << 20


class StreamedFormat(Protocol):
    """What a format written change by change provides (formats/text_format.py and
    json_format.py): a header that holds the totals, one change, an end."""

    def render_start(self, report: Report, **options: Any) -> str: ...

    def render_change(self, change: Change, first: bool = False, **options: Any) -> str: ...

    def render_end(self, report: Report, **options: Any) -> str: ...


def write_streamed(run: AuditRun, fmt: StreamedFormat, out: TextIO, options: dict) -> Report:
    """Judge `run` and write its report in `fmt` to `out`, holding only the totals;
    returns the Report (with no changes kept)."""
    with tempfile.SpooledTemporaryFile(SPOOL_BYTES, mode="w+b") as spool:
        totals, places = _spool(run, fmt, spool, options)
        marks = run.found_reverts()
        fixed = run.rejudged_from_store(marks) if marks else {}
        if fixed is None:  # no per-commit store to read them from: judged again, all
            run = run.rewalk_with(marks)
            spool.seek(0)
            spool.truncate()
            totals, places = _spool(run, fmt, spool, options)
            fixed = {}
        patches = []
        for sha, change in fixed.items():
            n, start, end, before = places[sha]
            totals.count(before, -1)  # its status as first judged, replaced
            totals.add(change)
            patches.append((start, end, fmt.render_change(change, first=n == 0, **options)))
        report = run.report([], streamed=totals)
        out.write(fmt.render_start(report, **options))
        _copy(spool, out, sorted(patches))
    out.write(fmt.render_end(report, **options))
    return report


def _spool(run: AuditRun, fmt: StreamedFormat, spool: IO[bytes], options: dict) -> tuple:
    """Every change rendered into `spool` (UTF-8), and where each one's text lies."""
    totals, places = Totals(), {}
    for change in run:
        start = spool.tell()
        spool.write(fmt.render_change(change, first=totals.changes == 0, **options).encode())
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
