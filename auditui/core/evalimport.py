"""`auditui eval import`: two runs of one eval tool (the parent config and the change)
become one `[[evals]]` entry with its error bars and provenance (SPEC 9)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditui.core import evalstats
from auditui.core.errors import AuditError
from auditui.core.evaltools import EvalFile, Run, read


@dataclass(frozen=True)
class Imported:
    entry: dict[str, Any]  # the [[evals]] entry, ready for append_entries
    spread: evalstats.Spread | None
    runs: tuple[Run, Run] = None  # type: ignore[assignment]  # (baseline, candidate)

    def check_configs(self, baseline: Seen | None, candidate: Seen | None) -> None:
        """Note in the entry where a run records settings the config it stands for
        does not have (SPEC 9: evidence of a different config is not evidence)."""
        found = []
        for side, run, seen in (("baseline", self.runs[0], baseline),
                                ("candidate", self.runs[1], candidate)):  # fmt: skip
            if seen is not None:
                found += [f"{side} run: {m}" for m in mismatches(run, seen)]
        if found:
            self.entry["config_mismatch"] = found


@dataclass(frozen=True)
class Seen:
    """A model's effective config as the change has it, and its prompts' texts."""

    config: dict[str, Any]
    prompts: tuple[str, ...]


def mismatches(run: Run, seen: Seen) -> list[str]:
    """Settings a run records that differ from the config: generation settings found
    in the config by the same key name, and the system prompt (its text or sha256)."""
    import hashlib

    from auditui.core.deltas import settings
    from auditui.core.values import json_text, same_value

    out = []
    leaves: dict[str, list] = {}
    for path, value in settings(seen.config):
        leaves.setdefault(path.rsplit(".", 1)[-1], []).append(value)
    generation = dict(run.settings.get("gen_kwargs") or {})
    prompt_keys = ("gen_kwargs", "system_message", "system_instruction_sha")
    generation.update({k: v for k, v in run.settings.items() if k not in prompt_keys})
    for key, value in sorted(generation.items()):
        known = leaves.get(key)
        if known and not any(same_value(value, v) for v in known):
            shown = ", ".join(json.dumps(v, default=json_text) for v in known)
            out.append(f"{key} {json.dumps(value)}, the config has {shown}")
    texts = [t.strip() for t in seen.prompts]
    message = run.settings.get("system_message")
    if isinstance(message, str) and message.strip() not in texts:
        out.append("its system message is none of the model's prompts")
    sha = run.settings.get("system_instruction_sha")
    hashes = {hashlib.sha256(t.encode()).hexdigest() for t in seen.prompts}
    if isinstance(sha, str) and sha not in hashes | {hashlib.sha256(t.encode()).hexdigest()
                                                     for t in texts}:  # fmt: skip
        out.append(f"its system instruction (sha256 {sha[:12]}…) is none of the model's prompts")
    return out


def import_pair(
    baseline: Path, candidate: Path, affected: list[str] | None, model: str | None = None,
    suite: str | None = None, tool: str | None = None,
) -> Imported:  # fmt: skip
    """`affected`: the change's models (None when only a record names it)."""
    base, cand = read(baseline, tool), read(candidate, tool)
    if base.tool != cand.tool:
        raise AuditError(
            f"{baseline} is {base.tool} output, {candidate} is {cand.tool} output",
            "hint: import two runs of the same tool and task, one per config",
        )
    b, c = _pick(base, model, suite), _pick(cand, model, suite)
    if b.task != c.task:
        raise AuditError(f"{baseline} scored task {b.task!r}, {candidate} task {c.task!r}",
                         "hint: import the same task run against both configs")  # fmt: skip
    name = _model_name(model, b, c, affected)
    suite_name = suite or b.task
    if not suite_name:
        raise AuditError(f"{candidate}: the file names no task for the suite",
                         "hint: pass --suite with the policy's suite name")  # fmt: skip
    spread = _spread(b, c)
    entry: dict[str, Any] = {
        "model": name,
        "suite": suite_name,
        "baseline": round(b.score, 6),
        "candidate": round(c.score, 6),
        "samples": spread.samples if spread else _fewer(b.samples, c.samples),
        "stderr": round(spread.stderr, 6) if spread else None,
        "paired": spread.paired if spread else None,
        "source": base.tool,
        "run": f"{base.tool} {b.run_id or '?'} -> {c.run_id or '?'}",
        "baseline_sha256": base.sha256,
        "candidate_sha256": cand.sha256,
    }
    return Imported(entry, spread, (b, c))


def _pick(file: EvalFile, model: str | None, suite: str | None) -> Run:
    runs = list(file.runs)
    if suite is not None and len({r.task for r in runs}) > 1:
        runs = [r for r in runs if r.task == suite] or runs
    if model is not None and len({r.model for r in runs}) > 1:
        runs = [r for r in runs if r.model and _names(model, r.model)]
    if len(runs) == 1:
        return runs[0]
    held = ", ".join(sorted({f"{r.model} / {r.task}" for r in file.runs}))
    if not runs:
        hint = "hint: --model names the model as the file does, or part of it"
        raise AuditError(f"{file.path}: no run of model {model!r} (it holds {held})", hint)
    raise AuditError(f"{file.path}: holds several runs ({held}); say which",
                     "hint: pass --model and/or --suite")  # fmt: skip


def _names(model: str, file_model: str) -> bool:
    """Whether the file's model id is the auditui model (`openai:gpt-4.1-mini`,
    `openai/gpt-4.1-mini`, `pretrained=org/gpt-4.1-mini` all name `gpt-4.1-mini`)."""
    if model == file_model:
        return True
    tail = file_model.replace("=", "/").replace(":", "/").rsplit("/", 1)[-1]
    return tail == model or model in file_model


def _model_name(model: str | None, b: Run, c: Run, affected: list[str] | None) -> str:
    if model is not None:
        if affected is not None and model not in affected:
            raise AuditError(
                f"model '{model}' is not affected by this change "
                f"(affected: {', '.join(affected) or 'none'})",
                "hint: record evals for the models the change moves",
            )
        return model
    found = [m for m in affected or () if b.model and _names(m, b.model)]
    if len(found) == 1 and c.model and _names(found[0], c.model):
        return found[0]
    raise AuditError(
        f"the files' model {b.model!r} is none of the change's models "
        f"({', '.join(affected or ()) or 'unknown'})",
        "hint: pass --model with the auditui model these runs evaluate",
    )


def _spread(b: Run, c: Run) -> evalstats.Spread | None:
    """Paired when both runs scored the same sample ids; else from the errors the
    files report; else binomial for pass rates with counts; else nothing."""
    if b.per_sample and c.per_sample:
        spread = evalstats.paired(b.per_sample, c.per_sample)
        if spread is not None:
            return spread
    n = _fewer(b.samples, c.samples)
    if b.stderr is not None and c.stderr is not None and n is not None:
        return evalstats.unpaired(b.stderr, c.stderr, n)
    if b.proportion and c.proportion and b.samples and c.samples:
        return evalstats.binomial(b.score / 100, b.samples, c.score / 100, c.samples)
    return None


def _fewer(a: int | None, b: int | None) -> int | None:
    return min(a, b) if a is not None and b is not None else a if b is None else b
