"""SARIF 2.1.0: one result per finding, with the rule, level, message, and the file
and line where the change lands. Code-scanning UIs (GitHub, GitLab) show these inline."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from auditui import __version__
from auditui.core.audit.checks import RULES
from auditui.core.base.terminal import json_safe
from auditui.core.formats.json_format import overrides_json
from auditui.core.formats.locate import finding_location

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _rule_name(rule: str) -> str:
    return "".join(w.capitalize() for w in RULES[rule].replace("'", "").split())


def render(report, **_options) -> str:
    rules = sorted(RULES)
    results = []
    for change in report.changes:
        if change.status not in ("blocked", "overridden"):
            continue
        c = change.commit
        for f in change.findings:
            result = {
                "ruleId": f.rule,
                "ruleIndex": rules.index(f.rule),
                "level": "error" if change.status == "blocked" else "warning",
                "message": {"text": f"{c.short} {c.subject}: {f.message}"},
                "partialFingerprints": {
                    "auditui/change/v1": change.fingerprint,
                    "auditui/finding/v1": f"{f.rule}:{f.model or ''}",
                },
                "properties": {
                    "commit": c.sha,
                    "author": c.author_email,
                    "model": f.model,
                    "fingerprint": change.fingerprint,
                    **({"by_rule": f.by_rule} if f.by_rule else {}),
                    **({"rules_applied": change.rules_applied} if change.rules_applied else {}),
                    **({"reverts": change.reverts} if change.reverts else {}),
                    **({"override": change.override.as_json()} if change.override else {}),
                },
            }
            if change.status == "overridden":
                # Owed, not blocking: SARIF's own word for a result let through on purpose.
                why = f"overridden by {change.override.by}: {change.override.reason}"
                result["suppressions"] = [
                    {"kind": "external", "status": "accepted", "justification": why}
                ]
            where = finding_location(change, f)
            if where:
                result["locations"] = [
                    {
                        "physicalLocation": {
                            "artifactLocation": {
                                "uri": quote(where[0], errors="surrogateescape"),
                                "uriBaseId": "SRCROOT",
                            },
                            "region": {"startLine": where[1]},
                        }
                    }
                ]
            results.append(result)
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "auditui",
                        "version": __version__,
                        "rules": [
                            {
                                "id": rule,
                                "name": _rule_name(rule),
                                "shortDescription": {"text": RULES[rule]},
                                "defaultConfiguration": {"level": "error"},
                            }
                            for rule in rules
                        ],
                    }
                },
                "originalUriBaseIds": {"SRCROOT": {"uri": Path(report.repo).as_uri() + "/"}},
                "properties": {
                    "base": report.base,
                    "head": report.head,
                    "policy": report.policy_source,
                    "overridden": overrides_json(report.totals),
                },
                "results": results,
            }
        ],
    }
    return json_safe(json.dumps(log, indent=2, ensure_ascii=False)) + "\n"
