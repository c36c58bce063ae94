"""`auditui eval import`: two runs of one eval tool (the parent config and the change)
become an `[[evals]]` entry per model they cover, with error bars and provenance
(docs/records.md: one run gives the evidence for a change that moves hundreds of models)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from auditui.core.base.errors import AuditError
from auditui.core.base.values import json_text, same_value
from auditui.core.diff.deltas import settings
from auditui.core.evidence import evalstats
from auditui.core.evidence.evalnames import Map, name_ids
from auditui.core.evidence.evaltools import EvalFile, Run, read


@dataclass(frozen=True)
class Imported:
    entry: dict[str, Any]  # the [[evals]] entry, ready for append_entries
    spread: evalstats.Spread | None
    runs: tuple[Run, Run] = None  # type: ignore[assignment]  # (baseline, candidate)

    def check_configs(self, baseline: Seen | None, candidate: Seen | None) -> None:
        """Note in the entry where a run records settings the config it stands for
        does not have: evidence of a different config is not evidence."""
        found = []
        for side, run, seen in (
            ("baseline", self.runs[0], baseline),
            ("candidate", self.runs[1], candidate),
        ):
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
    if isinstance(sha, str) and sha not in hashes | {
        hashlib.sha256(t.encode()).hexdigest() for t in texts
    }:
        out.append(f"its system instruction (sha256 {sha[:12]}…) is none of the model's prompts")
    return out


def import_pair(
    baseline: Path,
    candidate: Path,
    affected: list[str] | None,
    model: str | None = None,
    suite: str | None = None,
    tool: str | None = None,
) -> Imported:
    """One model's entry (the app's form, `eval run`): `import_many` for `model`, or for
    the one model the files cover. `affected`: the change's models (None when only a
    record names it)."""
    batch = import_many(baseline, candidate, affected, [model] if model else [], (), suite, tool)
    if len(batch.imported) == 1:
        return batch.imported[0]
    held = listed([i.entry["model"] for i in batch.imported])
    raise AuditError(
        f"{candidate}: holds runs of several of the change's models ({held}); say which",
        "hint: pass --model",
    )


@dataclass(frozen=True)
class Batch:
    """What a pair of files gives a change: an entry per model it covers, and the ids of
    the files' models the `--model` selection left out (said, never silent)."""

    imported: tuple[Imported, ...]
    skipped: tuple[str, ...] = ()


def import_many(
    baseline: Path,
    candidate: Path,
    affected: list[str] | None,
    models: list[str] | tuple[str, ...] = (),
    maps: tuple[Map, ...] = (),
    suite: str | None = None,
    tool: str | None = None,
) -> Batch:
    """An entry per model the files cover. `models`: `--model` globs choosing
    among the change's models (none: all of them); `maps`: `--map` (core/evalnames). The
    chosen models must each have scores in both files and, without `models`, each of the
    files' models must name one of the change's: otherwise nothing is imported and one
    line says every gap (docs/records.md)."""
    base, cand = read(baseline, tool), read(candidate, tool)
    if base.tool != cand.tool:
        raise AuditError(
            f"{baseline} is {base.tool} output, {candidate} is {cand.tool} output",
            "hint: import two runs of the same tool and task, one per config",
        )
    sides = _by_model(base, suite), _by_model(cand, suite)
    known = tuple(affected) if affected is not None else _named_only(models, maps)
    chosen = _select(known, models, affected is not None)
    ids = sorted({i for side in sides for i in side}, key=lambda i: (i is None, i or ""))
    names = name_ids(ids, known, maps)
    if models and len(chosen) == 1 and _lone(sides, maps, names):
        names = {i: (chosen[0],) for i in ids}
    pairs = _pairs(chosen, names, sides, bool(models), (base.path, cand.path))
    out = [
        _entry(base, cand, sides[0][b_id], sides[1][c_id], name, suite)
        for name, (b_id, c_id) in pairs.items()
    ]
    skipped = [_shown(i) for i in ids if not set(names[i]) & set(chosen)]
    return Batch(tuple(out), tuple(skipped))


def _by_model(file: EvalFile, suite: str | None) -> dict[str | None, Run]:
    """The file's run per model id, once `--suite` has picked among several tasks."""
    runs = list(file.runs)
    if suite is not None and len({r.task for r in runs}) > 1:
        runs = [r for r in runs if r.task == suite] or runs
    out: dict[str | None, Run] = {}
    for run in runs:
        if run.model in out:
            held = ", ".join(sorted({f"{r.model} / {r.task}" for r in file.runs}))
            raise AuditError(
                f"{file.path}: holds several runs ({held}); say which",
                "hint: pass --model and/or --suite",
            )
        out[run.model] = run
    return out


def _named_only(models: list[str] | tuple[str, ...], maps: tuple[Map, ...]) -> tuple[str, ...]:
    """A change known only by its record: the models named exactly, by --model or --map."""
    if any(any(c in m for c in "*?[") for m in models):
        raise AuditError(
            "this change is known only by its record: --model must name a model, not a glob",
            "hint: name the change by its commit to choose models by glob",
        )
    return tuple(dict.fromkeys([*models, *(m.dst for m in maps if "*" not in m.src)]))


def _select(
    known: tuple[str, ...], globs: list[str] | tuple[str, ...], affected: bool
) -> list[str]:
    """The change's models the `--model` globs match (`*` as in `[[rules]] models`: any
    characters, `/` too; a name matches itself); each glob must match one."""
    if not globs:
        return sorted(known)
    chosen: set[str] = set()
    for glob in globs:
        hits = [m for m in known if m == glob or fnmatchcase(m, glob)]
        if not hits:
            held = listed(sorted(known)) if affected else "unknown"
            raise AuditError(
                f"model '{glob}' is not affected by this change (affected: {held})",
                "hint: record evals for the models the change moves",
            )
        chosen.update(hits)
    return sorted(chosen)


def _lone(sides: tuple[dict, dict], maps: tuple[Map, ...], names: dict) -> bool:
    """`--model` names the auditui model when the file cannot. Files of one
    model and a `--model` choosing one are each other's when nothing else says: no
    `--map`, and the files' id names none of the change's models."""
    return len(sides[0]) == len(sides[1]) == 1 and not maps and not any(names.values())


def _pairs(
    chosen: list[str],
    names: dict[str | None, tuple[str, ...]],
    sides: tuple[dict, dict],
    selected: bool,
    paths: tuple[Path, Path],
) -> dict[str, tuple[str | None, str | None]]:
    """Each chosen model's id in the baseline and the candidate file. Every gap and doubt
    is found before anything is written and said at once, in one line."""
    found: dict[str, tuple[list, list]] = {m: ([], []) for m in chosen}
    for k, side in enumerate(sides):
        for file_id in side:
            hits = names[file_id]
            if len(hits) == 1 and hits[0] in found:
                found[hits[0]][k].append(file_id)
    problems = []
    unmatched = [_shown(i) for i, hits in names.items() if not hits]
    if unmatched and not selected:
        problems.append(
            _counted(
                unmatched,
                "the files' model {} matches",
                "{} of the files' models match",
                "none of the change's models",
            )
        )
    problems += [
        f"{_shown(i)} could be {' or '.join(hits)}"
        for i, hits in names.items()
        if len(hits) > 1 and (not selected or set(hits) & set(chosen))
    ]
    problems += [
        f"{paths[k]} holds {m} as {' and '.join(map(_shown, ids))}"
        for m, both in found.items()
        for k, ids in enumerate(both)
        if len(ids) > 1
    ]
    for where, has in (("either file", (0, 0)), (paths[0], (0, 1)), (paths[1], (1, 0))):
        missing = [m for m, both in found.items() if tuple(min(len(i), 1) for i in both) == has]
        if missing:
            problems.append(
                _counted(
                    missing,
                    "the change's model {} has",
                    "{} of the change's models have",
                    f"no scores in {where}",
                )
            )
    if problems:
        raise AuditError(
            f"nothing imported: {'; '.join(problems)}",
            "hint: --map FILE_MODEL=MODEL names a file's model; --model GLOB imports only "
            "the models it matches (docs/records.md)",
        )
    return {m: (b[0], c[0]) for m, (b, c) in found.items()}


def _entry(
    base: EvalFile, cand: EvalFile, b: Run, c: Run, name: str, suite: str | None
) -> Imported:
    if b.task != c.task:
        raise AuditError(
            f"{base.path} scored task {b.task!r}, {cand.path} task {c.task!r}",
            "hint: import the same task run against both configs",
        )
    suite_name = suite or b.task
    if not suite_name:
        raise AuditError(
            f"{cand.path}: the file names no task for the suite",
            "hint: pass --suite with the policy's suite name",
        )
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


def _shown(file_id: str | None) -> str:
    return "(unnamed)" if file_id is None else file_id


def _counted(names: list[str], one: str, many: str, rest: str) -> str:
    """`the change's model m has no scores in F`, or `3 of the change's models have no
    scores in F: a, b, c`."""
    if len(names) == 1:
        return f"{one.format(names[0])} {rest}"
    return f"{many.format(len(names))} {rest}: {listed(names)}"


def listed(names: list[str], limit: int = 5) -> str:
    """Up to `limit` names, then how many more: a line stays a line with 446 models."""
    shown = ", ".join(names[:limit])
    return shown + (f", … ({len(names) - limit} more)" if len(names) > limit else "")


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
