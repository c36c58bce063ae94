"""GitHub Actions: `::error` workflow commands (inline annotations on the files where
blocked changes land) and a Markdown summary for $GITHUB_STEP_SUMMARY."""

from __future__ import annotations

from auditui.core.audit.report import stamp
from auditui.core.base.terminal import safe
from auditui.core.base.wording import plural
from auditui.core.formats.locate import finding_location


def _escape_data(text: str) -> str:

    return safe(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_lines(report) -> str:
    """`::error` for each finding of a blocked change, `::warning` for what an
    overridden change still owes."""
    lines = []
    for change in report.changes:
        if change.status not in ("blocked", "overridden"):
            continue
        c = change.commit
        level = "error" if change.status == "blocked" else "warning"
        owed = "owed " if change.status == "overridden" else ""
        for f in change.findings:
            props = []
            where = finding_location(change, f)
            if where:
                props += [f"file={_escape_property(where[0])}", f"line={where[1]}"]
            title = f"{owed}{f.rule} in {c.short} {c.subject}"[:120]
            props.append(f"title={_escape_property(title)}")
            lines.append(f"::{level} {','.join(props)}::{_escape_data(f.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary(report) -> str:
    n, blocked = len(report.changes), len(report.blocked)
    overridden = report.totals.overridden
    head = "❌ blocked" if blocked else "✅ all changes cleared"
    if not blocked and overridden:
        head = "⚠️ cleared by override, evidence owed"
    out = [
        f"## auditui: {head}",
        "",
        f"{plural(n, 'model-config change')} in {plural(report.commits_walked, 'commit')} "
        f"(`{(report.base or 'root')[:7]}..{report.head[:7]}`), {blocked} blocked"
        f"{f', {overridden} overridden' if overridden else ''}; "
        f"policy: {report.policy_source}.",
        "",
    ]
    if report.changes:
        out += ["| status | commit | subject | models | findings |", "|---|---|---|---|---|"]
        icon = {
            "pass": "✅ pass",
            "blocked": "❌ blocked",
            "overridden": "⚠️ overridden",
            "exempt": "➖ exempt",
            "reverted": "↩️ reverted",
        }
        for change in report.changes:
            c = change.commit
            findings = "<br>".join(_cell(f"{f.rule}: {f.message}") for f in change.findings)
            if change.rules_applied:
                findings += ("<br>" if findings else "") + _cell(
                    f"rules: {', '.join(change.rules_applied)}"
                )
            out.append(
                f"| {icon[change.status]} | `{c.short}` | {_cell(c.subject)} | "
                f"{_cell(', '.join(change.models) or '(policy)')} | {findings} |"
            )
        out.append("")
    if report.totals.overrides:
        out += [
            "### Overridden: evidence owed",
            "",
            "| commit | subject | overridden by | reason | due |",
            "|---|---|---|---|---|",
        ]
        for change in report.totals.overrides.values():
            o, c = change.override, change.commit
            due = ("❌ AUD014, was due " if o.overdue else "") + stamp(o.due)
            out.append(
                f"| `{c.short}` | {_cell(c.subject)} | {_cell(o.by)} | "
                f"{_cell(safe(o.reason))} | {due} |"
            )
        out.append("")
    return "\n".join(out) + "\n"


def render(report, **_options) -> str:
    return annotation_lines(report) + summary(report)
