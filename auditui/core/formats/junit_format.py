"""JUnit XML: one test case per change; a blocked change is a failure carrying its
findings, an exempt one is skipped. Most CI systems render this natively."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from auditui.core.base.terminal import shown
from auditui.core.formats.locate import finding_location
from auditui.core.formats.text_format import format_pair, override_text

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    """XML 1.0 cannot carry control characters (an ANSI escape in a subject would make
    the whole file unparseable): show them as \\xNN instead."""
    return _XML_ILLEGAL.sub(shown, text)


def render(report, **_options) -> str:
    blocked = len(report.blocked)
    judged = [c for c in report.changes if c.status != "overridden"]
    overridden = [c for c in report.changes if c.status == "overridden"]
    skipped = sum(1 for c in judged if c.status in ("exempt", "reverted"))
    suites = ET.Element(
        "testsuites", name="auditui", tests=str(len(report.changes)), failures=str(blocked)
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="auditui check",
        tests=str(len(judged)),
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
    for change in judged:
        _case(suite, change)
    if overridden:
        # A section of its own: let through by an override, evidence still owed.
        section = ET.SubElement(
            suites,
            "testsuite",
            name="auditui overridden (evidence owed)",
            tests=str(len(overridden)),
            failures="0",
            errors="0",
            skipped=str(len(overridden)),
        )
        for change in overridden:
            _case(section, change)
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


def _case(suite: ET.Element, change) -> None:
    """One change as a test case: a failure when blocked, skipped when it does not
    block for a reason of its own (exempt, reverted, overridden)."""
    c = change.commit
    anchor = change.anchor()
    attrs = {
        "classname": f"auditui.{', '.join(change.models) or 'policy'}",
        "name": f"{c.short} {c.subject}",
    }
    if anchor:
        attrs["file"], attrs["line"] = anchor[0], str(anchor[1])
    case = ET.SubElement(suite, "testcase", attrs)
    findings = []
    for f in change.findings:
        where = finding_location(change, f)
        at = f" ({where[0]}:{where[1]})" if where else ""
        findings.append(f"{f.rule}{' ' + f.model if f.model else ''}: {f.message}{at}")
    if change.status == "blocked":
        failure = ET.SubElement(case, "failure", message=", ".join(change.rules), type="blocked")
        failure.text = "\n".join(findings)
    elif change.status == "exempt":
        ET.SubElement(case, "skipped", message="exempt: made before the policy was adopted")
    elif change.status == "reverted":
        ET.SubElement(case, "skipped", message=f"reverted: {_reverted(change)}")
    elif change.status == "overridden":
        ET.SubElement(case, "skipped", message=override_text(change))
    out = ET.SubElement(case, "system-out")
    facts = [
        f"commit {c.sha} by {c.author_email} at {c.author_date}",
        f"fingerprint {change.fingerprint}",
    ]
    if change.override is not None and change.status != "overridden":
        facts.append(override_text(change))
    if change.status == "overridden":
        facts += [f"owed {line}" for line in findings]
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
