"""JUnit XML: one test case per change; a blocked change is a failure carrying its
findings, an exempt one is skipped. Most CI systems render this natively."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from auditui.core.formats.locate import finding_location
from auditui.core.formats.text_format import format_value


def render(report, **_options) -> str:
    blocked = len(report.blocked)
    skipped = sum(1 for c in report.changes if c.status == "exempt")
    suites = ET.Element("testsuites", name="auditui", tests=str(len(report.changes)),
                        failures=str(blocked))  # fmt: skip
    suite = ET.SubElement(
        suites, "testsuite", name="auditui check", tests=str(len(report.changes)),
        failures=str(blocked), errors="0", skipped=str(skipped),
    )  # fmt: skip
    props = ET.SubElement(suite, "properties")
    for name, value in (("base", report.base or "root"), ("head", report.head),
                        ("policy", report.policy_source)):  # fmt: skip
        ET.SubElement(props, "property", name=name, value=value)
    for change in report.changes:
        c = change.commit
        anchor = change.anchor()
        attrs = {"classname": f"auditui.{', '.join(change.models) or 'policy'}",
                 "name": f"{c.short} {c.subject}"}  # fmt: skip
        if anchor:
            attrs["file"], attrs["line"] = anchor[0], str(anchor[1])
        case = ET.SubElement(suite, "testcase", **attrs)
        if change.status == "blocked":
            lines = []
            for f in change.findings:
                where = finding_location(change, f)
                at = f" ({where[0]}:{where[1]})" if where else ""
                lines.append(f"{f.rule}{' ' + f.model if f.model else ''}: {f.message}{at}")
            failure = ET.SubElement(case, "failure", message=", ".join(change.rules),
                                    type="blocked")  # fmt: skip
            failure.text = "\n".join(lines)
        elif change.status == "exempt":
            ET.SubElement(case, "skipped", message="exempt: made before the policy was adopted")
        out = ET.SubElement(case, "system-out")
        facts = [f"commit {c.sha} by {c.author_email} at {c.author_date}",
                 f"fingerprint {change.fingerprint}"]  # fmt: skip
        for d in change.deltas:
            change_text = f"{format_value(d.old)} -> {format_value(d.new)}"
            facts.append(f"{d.model or '-'} {d.path}: {change_text} ({d.kind})")
        out.text = "\n".join(facts)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"
