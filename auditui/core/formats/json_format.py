"""The JSON report of SPEC section 5. A change here is a change to the contract:
bump VERSION on anything that breaks a consumer, and update the golden file."""

from __future__ import annotations

from auditui.core.terminal import json_dumps

VERSION = 1


def as_dict(report) -> dict:
    return {
        "version": VERSION,
        "repo": report.repo,
        "base": report.base,
        "head": report.head,
        "ok": report.ok,
        "policy": report.policy_source,
        "signers": report.signers_source,
        "summary": {"changes": len(report.changes), "blocked": len(report.blocked)},
        "changes": [
            {
                "commit": c.commit.sha,
                "subject": c.commit.subject,
                "author": c.commit.author_email,
                "date": c.commit.author_date,
                "fingerprint": c.fingerprint,
                "models": c.models,
                "deltas": [d.as_json() for d in c.deltas],
                "status": c.status,
                "findings": [f.as_json() for f in c.findings],
            }
            for c in report.changes
        ],
    }


def render(report, **_options) -> str:
    return json_dumps(as_dict(report)) + "\n"
