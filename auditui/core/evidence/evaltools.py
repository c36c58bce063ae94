"""Reading the output of the eval tools teams run (docs/records.md): promptfoo, lm-evaluation-
harness and inspect_ai, recognised by content.

Each reader turns one file into the runs it holds: which model and task, the score in
points, how many samples, the standard error the tool reports, and the per-sample scores
by sample id when the file (or, for lm-eval, the samples file beside it) has them. The
shapes are the tools' own (see tests/fixtures/evals/*/README.md for where each is
defined); a file of any other shape is one clear error, never a guess.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditui.core.base.errors import AuditError

MAX_BYTES = 256 << 20  # an eval log larger than this is not read whole


@dataclass(frozen=True)
class Run:
    """One model on one task, as one file records it."""

    tool: str
    model: str | None  # the model id the file names (provider id, model_name, eval.model)
    task: str | None
    score: float  # points: a proportion 0.694 is 69.4
    samples: int | None
    stderr: float | None  # of the score, in points
    per_sample: dict[str, float] | None = None  # sample id -> score in points
    run_id: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # generation settings recorded
    proportion: bool = False  # a rate (0..1 in the file): binomial errors apply


@dataclass(frozen=True)
class EvalFile:
    path: Path
    tool: str
    sha256: str
    runs: tuple[Run, ...]


def read(path: Path, tool: str | None = None) -> EvalFile:
    """The runs in an eval tool's output file (`tool` forces the reader)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AuditError(
            f"{path}: cannot read ({exc.strerror})", "hint: pass the tool's output file"
        ) from None
    if len(data) > MAX_BYTES:
        raise AuditError(f"{path}: larger than {MAX_BYTES >> 20} MiB", "hint: pass a results file")
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        raise AuditError(f"{path}: not JSON", _SHAPES) from None
    found = tool or recognise(doc)
    if found is None:
        raise AuditError(
            f"{path}: not the output of promptfoo, lm-evaluation-harness or "
            "inspect_ai (no shape of theirs matches)",
            _SHAPES,
        )
    reader = {"promptfoo": _promptfoo, "lm-eval": _lm_eval, "inspect": _inspect}[found]
    try:
        runs = reader(doc, path)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        why = f"{type(exc).__name__}: {exc}"
        raise AuditError(
            f"{path}: {found} output, but not as expected ({why})",
            f"hint: is it really {found}'s output? see --tool",
        ) from None
    if not runs:
        raise AuditError(f"{path}: {found} output with no scored result", _SHAPES)
    return EvalFile(path, found, hashlib.sha256(data).hexdigest(), tuple(runs))


_SHAPES = (
    "hint: promptfoo `eval -o results.json`, lm-eval's results_*.json, or inspect's JSON log "
    "(`inspect log dump`); --tool forces one"
)


def recognise(doc: Any) -> str | None:
    if not isinstance(doc, dict):
        return None
    results = doc.get("results")
    if isinstance(doc.get("eval"), dict) and "task" in doc["eval"] and "status" in doc:
        return "inspect"
    if isinstance(results, dict) and isinstance(results.get("results"), list):
        return "promptfoo"
    if (
        isinstance(results, dict)
        and results
        and all(isinstance(v, dict) and any("," in k for k in v) for v in results.values())
    ):
        return "lm-eval"
    return None


def _number(value: Any) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"score {value!r} is not a finite number")
    return number


def _scale(score: Any) -> float:
    """Points per unit of a tool's score: a proportion (0..1) is scaled to 0..100, and
    its standard error and per-sample scores with it."""
    return 100.0 if 0 <= _number(score) <= 1 else 1.0


# -- promptfoo ---------------------------------------------------------------------


def _promptfoo(doc: dict, _path: Path) -> list[Run]:
    """Per test: pass (`success`) counts 100, else 0 (an errored test too); one run per
    provider. A test is its `testIdx`, with its `promptIdx` when a provider ran several
    prompts (promptfoo's own key: getResultIndexKey)."""
    results = doc["results"]
    rows: dict[str, list[dict]] = {}
    for row in results["results"]:
        provider = row.get("provider")
        pid = provider.get("id") if isinstance(provider, dict) else provider
        rows.setdefault(str(pid), []).append(row)
    runs = []
    for pid, mine in sorted(rows.items()):
        several = len({r.get("promptIdx") for r in mine}) > 1
        scores = {
            f"{r['testIdx']}/{r.get('promptIdx')}" if several else str(r["testIdx"]): 100.0
            if r.get("success") is True
            else 0.0
            for r in mine
        }
        n = len(scores)
        runs.append(
            Run(
                "promptfoo",
                pid,
                None,
                sum(scores.values()) / n,
                n,
                None,
                scores,
                doc.get("evalId"),
                proportion=True,
            )
        )
    return runs


# -- lm-evaluation-harness -------------------------------------------------------------

_METRICS = ("acc", "exact_match", "acc_norm", "pass@1", "f1")


def _table(doc: dict, key: str) -> dict:
    """`doc[key]` when it is a table, else an empty one."""
    value = doc.get(key)
    return value if isinstance(value, dict) else {}


def _lm_eval(doc: dict, path: Path) -> list[Run]:
    config = _table(doc, "config")
    model = doc.get("model_name") or config.get("model_args") or config.get("model")
    n_samples = _table(doc, "n-samples")
    groups = _table(doc, "groups")
    runs = []
    for task, metrics in sorted(doc["results"].items()):
        if task in groups:
            continue  # a group's aggregate of its subtasks, not a task
        metric = _metric(metrics)
        if metric is None:
            continue
        name, filt = metric.split(",", 1)
        stderr = metrics.get(f"{name}_stderr,{filt}")
        counts = n_samples.get(task) or {}
        n = counts.get("effective", counts.get("original")) if isinstance(counts, dict) else None
        settings = {
            "system_instruction_sha": doc.get("system_instruction_sha"),
            "gen_kwargs": config.get("gen_kwargs"),
        }
        scale = _scale(metrics[metric])
        runs.append(
            Run(
                "lm-eval",
                str(model) if model else None,
                task,
                scale * _number(metrics[metric]),
                n if isinstance(n, int) else None,
                scale * _number(stderr) if isinstance(stderr, int | float) else None,  # or "N/A"
                _lm_eval_samples(path, task, name, filt, scale),
                _lm_eval_run_id(doc, path),
                {k: v for k, v in settings.items() if v is not None},
                scale == 100,
            )
        )
    return runs


def _metric(metrics: dict) -> str | None:
    keys = [k for k in metrics if "," in k and "_stderr," not in k]
    for wanted in _METRICS:
        for key in keys:
            if key.split(",", 1)[0] == wanted and isinstance(metrics[key], int | float):
                return key
    numeric = sorted(k for k in keys if isinstance(metrics[k], int | float))
    return numeric[0] if numeric else None


def _lm_eval_run_id(doc: dict, path: Path) -> str:
    stamp = path.stem.removeprefix("results_")
    return f"{stamp}" + (f" {doc['git_hash']}" if doc.get("git_hash") else "")


def _lm_eval_samples(
    path: Path, task: str, metric: str, filt: str, scale: float
) -> dict[str, float] | None:
    """`samples_<task>_<timestamp>.jsonl` beside `results_<timestamp>.json`; a task with
    several filters has a line per doc and filter: only the metric's filter counts."""
    stamp = path.stem.removeprefix("results_")
    beside = path.with_name(f"samples_{task}_{stamp}.jsonl")
    if not beside.is_file():
        return None
    scores = {}
    with beside.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                if row.get("filter", filt) == filt:
                    scores[str(row["doc_id"])] = scale * _number(row[metric])
    return scores or None


# -- inspect_ai ----------------------------------------------------------------------

_VALUES = {"C": 1.0, "I": 0.0, "P": 0.5, "N": 0.0}  # inspect's value_to_float


def _inspect(doc: dict, _path: Path) -> list[Run]:
    spec, results = doc["eval"], doc.get("results") or {}
    if doc.get("status") != "success":
        raise ValueError(f"the log's status is {doc.get('status')!r}, not 'success'")
    runs = []
    for score in results.get("scores") or []:
        metrics = score.get("metrics") or {}
        accuracy = next((metrics[k]["value"] for k in ("accuracy", "mean") if k in metrics), None)
        if accuracy is None:
            continue
        stderr = metrics.get("stderr", {}).get("value")
        scale = _scale(accuracy)
        per_sample = {}
        for sample in doc.get("samples") or []:
            value = (sample.get("scores") or {}).get(score["name"], {}).get("value")
            if isinstance(value, str):
                value = _VALUES.get(value, value)
            if isinstance(value, int | float) and math.isfinite(value):  # NaN: unscored
                per_sample[f"{sample['id']}/{sample.get('epoch', 1)}"] = scale * float(value)
        settings = spec.get("model_generate_config") or {}
        runs.append(
            Run(
                "inspect",
                spec.get("model"),
                spec.get("task"),
                scale * _number(accuracy),
                results.get("completed_samples", results.get("total_samples")),
                scale * _number(stderr) if isinstance(stderr, int | float) else None,
                per_sample or None,
                spec.get("run_id") or spec.get("eval_id"),
                {k: v for k, v in settings.items() if v is not None},
                scale == 100,
            )
        )
    return runs
