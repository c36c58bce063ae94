"""promptfoo's `eval -o results.json` for many providers at once, built in the shape of
tests/fixtures/evals/promptfoo (its README names where promptfoo defines each key):
results v3, one prompt run against every provider, one row per (test, provider) in
completion order, `promptIdx` the provider's column in `results.prompts`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

TEMPLATE = "Answer in one sentence: {{question}}"
PROMPT_ID = hashlib.sha256(TEMPLATE.encode()).hexdigest()


def results(eval_id: str, passes: dict[str, list[bool]], when: str) -> dict:
    """`passes[provider id][i]`: whether test i passed for that provider."""
    providers = list(passes)
    rows = [
        _row(eval_id, column, pid, test, ok)
        for test in range(max(map(len, passes.values()), default=0))
        for column, pid in enumerate(providers)
        for ok in passes[pid][test : test + 1]
    ]
    prompts = [_column(pid, passes[pid]) for pid in providers]
    won = sum(r["success"] for r in rows)
    return {
        "evalId": eval_id,
        "results": {
            "version": 3,
            "timestamp": f"{when}.000Z",
            "prompts": prompts,
            "results": rows,
            "stats": {
                "successes": won,
                "failures": len(rows) - won,
                "errors": 0,
                "tokenUsage": _tokens(38 * len(rows), len(rows)),
            },
        },
        "config": {
            "tags": {},
            "description": "QA across the catalogue",
            "prompts": [TEMPLATE],
            "providers": providers,
            "tests": "file://tests.csv",
            "sharing": False,
        },
        "shareableUrl": None,
        "metadata": {
            "promptfooVersion": "0.123.0",
            "nodeVersion": "v22.22.0",
            "platform": "linux",
            "arch": "x64",
            "exportedAt": f"{when}.500Z",
            "evaluationCreatedAt": f"{when}.000Z",
        },
    }


def write(path: Path, eval_id: str, passes: dict[str, list[bool]], when: str) -> Path:
    path.write_text(json.dumps(results(eval_id, passes, when), indent=2))
    return path


def _row(eval_id: str, column: int, pid: str, test: int, ok: bool) -> dict:
    question = f"What is question {test}?"
    grade = {
        "pass": ok,
        "score": int(ok),
        "reason": "Assertion passed" if ok else 'Expected output to contain "answer"',
        "namedScores": {},
        "tokensUsed": {"total": 0, "prompt": 0, "completion": 0, "cached": 0, "numRequests": 0},
        "componentResults": [
            {
                "pass": ok,
                "score": int(ok),
                "reason": "",
                "assertion": {"type": "icontains", "value": "answer"},
            }
        ],
        "assertion": None,
    }
    uid = hashlib.sha256(f"{eval_id}/{pid}/{test}".encode()).hexdigest()
    row = {
        "cost": 0.0002,
        "gradingResult": grade,
        "id": f"{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:32]}",
        "latencyMs": 600 + test,
        "namedScores": {},
        "prompt": {"raw": TEMPLATE.replace("{{question}}", question), "label": TEMPLATE},
        "promptId": PROMPT_ID,
        "promptIdx": column,
        "provider": {"id": pid, "label": ""},
        "response": {
            "output": "The answer." if ok else "Unsure.",
            "tokenUsage": {"total": 38, "prompt": 31, "completion": 7},
            "cached": False,
            "finishReason": "stop",
            "cost": 0.0002,
        },
        "score": int(ok),
        "success": ok,
        "testCase": {
            "vars": {"question": question},
            "assert": [{"type": "icontains", "value": "answer"}],
            "options": {},
            "metadata": {},
        },
        "testIdx": test,
        "tokenUsage": _tokens(38, 1),
        "vars": {"question": question},
        "metadata": {"_promptfooFileMetadata": {}},
        "failureReason": 0 if ok else 1,
    }
    if not ok:
        row["error"] = grade["reason"]
    return row


def _column(pid: str, passed: list[bool]) -> dict:
    won = sum(passed)
    metrics = {
        "score": won,
        "testPassCount": won,
        "testFailCount": len(passed) - won,
        "testErrorCount": 0,
        "assertPassCount": won,
        "assertFailCount": len(passed) - won,
        "totalLatencyMs": 600 * len(passed),
        "tokenUsage": _tokens(38 * len(passed), len(passed)),
        "namedScores": {},
        "namedScoresCount": {},
        "cost": 0.0002 * len(passed),
    }
    return {
        "raw": TEMPLATE,
        "label": TEMPLATE,
        "id": PROMPT_ID,
        "provider": pid,
        "metrics": metrics,
    }


def _tokens(total: int, requests: int) -> dict:
    details = {"reasoning": 0, "acceptedPrediction": 0, "rejectedPrediction": 0}
    return {
        "prompt": total * 31 // 38,
        "completion": total * 7 // 38,
        "cached": 0,
        "total": total,
        "numRequests": requests,
        "completionDetails": details,
        "assertions": {
            "total": 0,
            "prompt": 0,
            "completion": 0,
            "cached": 0,
            "numRequests": requests,
            "completionDetails": dict(details),
        },
    }
