"""The JSON report (docs/reports.md, "Report formats"). A change here is a change to
the contract: bump VERSION on anything that breaks a consumer, and update the golden
file.

Each change is one line: `plain_change_line` defines it (json's encoder over the
change's dict); `change_line` writes the same bytes by hand, and a property test holds
the two equal."""

from __future__ import annotations

import json

from auditui.core.base.terminal import json_dumps, json_safe
from auditui.core.base.values import json_text
from auditui.core.diff.fingerprint import SCALAR_JSON, labels_json

VERSION = 1


def _change(c) -> dict:
    return {
        "commit": c.commit.sha,
        "subject": c.commit.subject,
        "author": c.commit.author_email,
        "date": c.commit.author_date,
        "fingerprint": c.fingerprint,
        "models": c.models,
        "deltas": [d.as_json() for d in c.deltas],
        "status": c.status,
        **({"reverted_by": c.reverted_by} if c.reverted_by else {}),
        **({"reverts": c.reverts} if c.reverts else {}),
        **({"override": c.override.as_json()} if c.override else {}),
        **({"outside_range": True} if c.outside_range else {}),
        "findings": [f.as_json() for f in c.findings],
        "evals": _evals(c),
        **({"rules_applied": c.rules_applied} if c.rules_applied else {}),
    }


def _evals(c) -> list[dict]:
    """The record's newest eval per model and suite, with its error bars
    (docs/records.md)."""
    if c.record is None:
        return []
    return [
        {"model": ev.model, **eval_json(ev)} for _key, ev in sorted(c.record.latest_evals().items())
    ]


def eval_json(ev) -> dict:
    """One eval's numbers as the JSON report and `log --format json` write them."""
    return {
        "suite": ev.suite,
        "baseline": ev.baseline,
        "candidate": ev.candidate,
        "delta": round(ev.delta, 6),
        "stderr": ev.stderr,
        "samples": ev.samples,
        "paired": ev.paired,
        "source": ev.source,
    }


def _header(report) -> dict:
    return {
        "version": VERSION,
        "repo": report.repo,
        "base": report.base,
        "head": report.head,
        "ok": report.ok,
        "policy": report.policy_source,
        "signers": report.signers_source,
        "summary": {
            "changes": report.totals.changes,
            "blocked": report.totals.blocked,
            "overridden": report.totals.overridden,
            "passed": report.totals.passed,
            "exempt": report.totals.exempt,
            "reverted": report.totals.reverted,
        },
        # Only when there are some (docs/reports.md): a key added, not changed.
        **({"uncovered": report.uncovered.as_json()} if report.uncovered else {}),
    }


def as_dict(report) -> dict:
    changes = [_change(c) for c in report.changes]
    return {**_header(report), "changes": changes, "overridden": overrides_json(report.totals)}


def render(report, **_options) -> str:
    """The report with its header indented and one change per line: easy to read and
    to diff, and written a change at a time (an indented whole runs json's Python
    encoder instead of its C one)."""
    body = "".join(render_change(c, first=i == 0) for i, c in enumerate(report.changes))
    return render_start(report) + body + render_end(report)


def render_start(report, **_options) -> str:
    head = json_dumps(_header(report))
    return f'{head[:-2]},\n  "changes": ['


def render_change(change, first: bool = False, **_options) -> str:
    return ("\n    " if first else ",\n    ") + change_line(change)


def plain_change_line(c) -> str:
    """A change's line of the report: its dict, compact, through the encoder."""
    return json_dumps(_change(c), indent=None)


def change_line(c) -> str:
    """`plain_change_line` written by hand, byte for byte: no dict built per delta."""
    commit, dumps = c.commit, _dumps
    deltas = ", ".join(
        f'{{"model": {_value(d.model)}, "path": {_STRING(d.path)}, "old": {_value(d.old)}, '
        f'"new": {_value(d.new)}, "kind": {_STRING(d.kind)}}}'
        for d in c.deltas
    )
    return json_safe(
        f'{{"commit": {_STRING(commit.sha)}, "subject": {_STRING(commit.subject)}, '
        f'"author": {_STRING(commit.author_email)}, "date": {_STRING(commit.author_date)}, '
        f'"fingerprint": {_value(c.fingerprint)}, "models": {dumps(c.models)}, '
        f'"deltas": [{deltas}], "status": {_STRING(c.status)}, {_reverted(c)}{_override(c)}'
        f'"findings": {dumps([f.as_json() for f in c.findings])}, "evals": {dumps(_evals(c))}'
        + (f', "rules_applied": {dumps(c.rules_applied)}}}' if c.rules_applied else "}")
    )


def _reverted(c) -> str:
    by = f'"reverted_by": {_STRING(c.reverted_by)}, ' if c.reverted_by else ""
    return by + (f'"reverts": {_STRING(c.reverts)}, ' if c.reverts else "")


def _override(c) -> str:
    said = f'"override": {_dumps(c.override.as_json())}, ' if c.override else ""
    return said + ('"outside_range": true, ' if c.outside_range else "")


def overrides_json(totals) -> list[dict]:
    """The section of changes let through by an override that still owe evidence."""
    return [
        {"commit": c.commit.sha, "fingerprint": c.fingerprint, "status": c.status}
        | c.override.as_json()
        for c in totals.overrides.values()
    ]


_STRING = json.encoder.encode_basestring  # the encoder's own (C) string writer
_dumps = json.JSONEncoder(ensure_ascii=False, default=json_text).encode


def _value(value) -> str:
    write = _WRITTEN.get(type(value))
    text = None if write is None else write(value)
    return _dumps(value) if text is None else text


# A label list written here, not through the encoder's Python layer.
_WRITTEN = {**SCALAR_JSON, list: labels_json(", ")}


def render_end(report, **_options) -> str:
    """The end of the changes, then the overridden ones again in a section of their own
    (docs/reports.md): a script finds them without reading every change."""
    section = json_dumps(overrides_json(report.totals), indent=None)
    close = "\n  ]" if report.totals.changes else "]"
    return f'{close},\n  "overridden": {section}\n}}\n'
