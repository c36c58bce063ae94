"""JUnit XML: one test case per change; a blocked change is a failure carrying its
findings, an exempt one is skipped. Most CI systems render this natively."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from auditui.core.base.terminal import shown
from auditui.core.formats.locate import finding_location
from auditui.core.formats.text_format import format_pair

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    """XML 1.0 cannot carry control characters (an ANSI escape in a subject would make
    the whole file unparseable): show them as \\xNN instead."""
    return _XML_ILLEGAL.sub(shown, text)


def render(report, **_options) -> str:
    blocked = len(report.blocked)
    skipped = sum(1 for c in report.changes if c.status in ("exempt", "reverted"))
    suites = ET.Element(
        "testsuites", name="auditui", tests=str(len(report.changes)), failures=str(blocked)
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="auditui check",
        tests=str(len(report.changes)),
        failures=str(blocked),
        errors="0",
        skipped=str(skipped),
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("base", report.base or "root"),
        ("head", report.head),
        ("policy", report.policy_source),
    ):
        ET.SubElement(props, "property", name=name, value=value)
    for change in report.changes:
        c = change.commit
        anchor = change.anchor()
        attrs = {
            "classname": f"auditui.{', '.join(change.models) or 'policy'}",
            "name": f"{c.short} {c.subject}",
        }
        if anchor:
            attrs["file"], attrs["line"] = anchor[0], str(anchor[1])
        case = ET.SubElement(suite, "testcase", attrs)
        if change.status == "blocked":
            lines = []
            for f in change.findings:
                where = finding_location(change, f)
                at = f" ({where[0]}:{where[1]})" if where else ""
                lines.append(f"{f.rule}{' ' + f.model if f.model else ''}: {f.message}{at}")
            failure = ET.SubElement(
                case, "failure", message=", ".join(change.rules), type="blocked"
            )
            failure.text = "\n".join(lines)
        elif change.status == "exempt":
            ET.SubElement(case, "skipped", message="exempt: made before the policy was adopted")
        elif change.status == "reverted":
            ET.SubElement(case, "skipped", message=f"reverted: {_reverted(change)}")
        out = ET.SubElement(case, "system-out")
        facts = [
            f"commit {c.sha} by {c.author_email} at {c.author_date}",
            f"fingerprint {change.fingerprint}",
        ]
        if change.rules_applied:
            facts.append(f"rules applied: {', '.join(change.rules_applied)}")
        if change.reverts:
            facts.append(f"reverts {change.reverts} (exactly inverts its deltas)")
        for d in change.deltas:
            change_text = " -> ".join(format_pair(d.old, d.new))
            facts.append(f"{d.model or '-'} {d.path}: {change_text} ({d.kind})")
        evals = change.record.latest_evals() if change.record else {}
        for (model, eval_suite), ev in sorted(evals.items()):
            facts.append(
                f"eval {model}/{eval_suite}: {ev.baseline:g} -> {ev.candidate:g}, {ev.shown()}"
            )
        out.text = "\n".join(facts)
    for element in suites.iter():
        element.attrib = {k: _clean(v) for k, v in element.attrib.items()}
        if element.text:
            element.text = _clean(element.text)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def _reverted(change) -> str:
    if change.reverted_by:
        return f"undone within the range by {change.reverted_by[:12]}"
    return f"only puts back {change.reverts[:12]} and others undone within the range"
