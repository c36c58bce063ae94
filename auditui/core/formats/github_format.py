"""GitHub Actions: `::error` workflow commands (inline annotations on the files where
blocked changes land) and a Markdown summary for $GITHUB_STEP_SUMMARY."""

from __future__ import annotations

from auditui.core.base.terminal import safe
from auditui.core.base.wording import plural
from auditui.core.formats.locate import finding_location


def _escape_data(text: str) -> str:

    return safe(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_lines(report) -> str:
    lines = []
    for change in report.blocked:
        c = change.commit
        for f in change.findings:
            props = []
            where = finding_location(change, f)
            if where:
                props += [f"file={_escape_property(where[0])}", f"line={where[1]}"]
            props.append(f"title={_escape_property(f'{f.rule} in {c.short} {c.subject}'[:120])}")
            lines.append(f"::error {','.join(props)}::{_escape_data(f.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary(report) -> str:
    n, blocked = len(report.changes), len(report.blocked)
    head = "❌ blocked" if blocked else "✅ all changes cleared"
    out = [
        f"## auditui: {head}",
        "",
        f"{plural(n, 'model-config change')} in {plural(report.commits_walked, 'commit')} "
        f"(`{(report.base or 'root')[:7]}..{report.head[:7]}`), {blocked} blocked; "
        f"policy: {report.policy_source}.",
        "",
    ]
    if report.changes:
        out += ["| status | commit | subject | models | findings |", "|---|---|---|---|---|"]
        icon = {
            "pass": "✅ pass",
            "blocked": "❌ blocked",
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
    return "\n".join(out) + "\n"


def render(report, **_options) -> str:
    return annotation_lines(report) + summary(report)
