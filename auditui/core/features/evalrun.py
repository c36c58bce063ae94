"""`auditui eval run`: run the team's eval command on the parent config and on the
change, for each affected model and required suite, and import the two outputs.

The command comes from `[evals.runner]` in the policy that judges the change. It is
split into words once and run without a shell, in the work tree, with {model}, {suite},
{config} and {output} filled in, each inside its own word (core/features/runner.py says how, and
what it refuses), and the same values in AUDITUI_MODEL, AUDITUI_SUITE, AUDITUI_CONFIG
and AUDITUI_OUTPUT: {config} a JSON file holding the model's effective config and its
prompts' texts, {output} where the tool must write its results.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditui.core.base.errors import AuditError
from auditui.core.base.values import json_text
from auditui.core.features.evalimport import Imported, Seen, import_pair
from auditui.core.features.runner import argv, by_hand, environment, split
from auditui.core.features.target import Target
from auditui.core.git.repo import GitRepo
from auditui.core.history.tracker import Tracker


@dataclass(frozen=True)
class Planned:
    model: str
    suite: str


def plan(target: Target, model: str | None, suite: str | None) -> list[Planned]:
    change, policy = target.change, target.policy
    if change is None or policy is None:
        raise AuditError(
            "eval run needs a commit that is a change, not a fingerprint alone",
            "hint: name the change by its commit",
        )
    if policy.evals.runner is None:
        raise AuditError(
            "the policy has no [evals.runner] command to run",
            'hint: add [evals.runner] command = "your-eval --model {model} --suite {suite} '
            '--config {config} --output {output}" to .auditui.toml',
        )
    models = [model] if model else change.models
    if model and model not in change.models:
        raise AuditError(
            f"model '{model}' is not affected by this change "
            f"(affected: {', '.join(change.models) or 'none'})",
            "hint: run evals for the models the change moves",
        )
    suites = [suite] if suite else list(policy.evals.required_suites)
    if not models or not suites:
        raise AuditError(
            "nothing to run: the change moves no model or the policy requires no suite",
            "hint: pass --model and --suite",
        )
    return [Planned(m, s) for m in models for s in suites]


def run(target: Target, planned: list[Planned], say: Callable[[str], None]) -> list[Imported]:
    """Each planned eval run twice (parent config, changed config) and imported."""
    change, policy = target.change, target.policy
    assert change is not None and policy is not None and policy.evals.runner is not None
    runner = policy.evals.runner
    words = split(runner.command)  # before anything runs: a command is refused whole
    if not change.commit.parents:
        raise AuditError(
            f"commit {change.commit.short} has no parent: no config to compare",
            "hint: record evals for it with `auditui eval add`",
        )

    repo = GitRepo.open(target.root)
    tracker = Tracker(repo, policy)
    try:
        sides = (("baseline", change.commit.parents[0]), ("candidate", change.commit.sha))
        worlds = {side: tracker.from_tree(sha) for side, sha in sides}
        out = []
        with tempfile.TemporaryDirectory(prefix="auditui-eval-") as tmp:
            for item in planned:  # a value the command cannot take is refused before any run
                argv(words, _values(item, Path(tmp) / "0-baseline"))
            total = 2 * len(planned)
            for n, item in enumerate(planned):
                files = {}
                for k, side in enumerate(("baseline", "candidate")):
                    config = _config(tracker, worlds[side], item.model, side)
                    values = _values(item, Path(tmp) / f"{n}-{side}")
                    written = json.dumps(config, indent=2, default=json_text)
                    Path(values["config"]).write_text(written)
                    files[side] = Path(values["output"])
                    say(
                        f"eval run {2 * n + k + 1}/{total}: {item.model} on {item.suite}, "
                        f"{side} config"
                    )
                    _execute(words, values, runner.timeout, target.root, say)
                imported = import_pair(
                    files["baseline"], files["candidate"], change.models, item.model, item.suite
                )
                imported.check_configs(
                    *(
                        _seen(tracker, worlds[side], item.model)
                        for side in ("baseline", "candidate")
                    )
                )
                out.append(imported)
        return out
    finally:
        tracker.loader.close()


def _values(item: Planned, stem: Path) -> dict[str, str]:
    """One run's placeholder values (see features/runner.py): {config}, {output} by `stem`."""
    config, output = stem.with_suffix(".config.json"), stem.with_suffix(".out.json")
    return {"model": item.model, "suite": item.suite, "config": str(config), "output": str(output)}


def seen_configs(target: Target, model: str) -> tuple[Seen | None, Seen | None]:
    """The model's config at the change's parent and at the change, as an eval run
    should have seen them (for `eval import`'s provenance check)."""
    return seen_configs_of(target, [model]).get(model, (None, None))


def seen_configs_of(
    target: Target, models: list[str]
) -> dict[str, tuple[Seen | None, Seen | None]]:
    """`seen_configs` for many models, the two trees read once (an import of 446)."""

    change = target.change
    if change is None or target.policy is None or not models:
        return {}
    tracker = Tracker(GitRepo.open(target.root), target.policy)
    try:
        parent = change.commit.parents[0] if change.commit.parents else None
        worlds = [tracker.from_tree(sha) if sha else None for sha in (parent, change.commit.sha)]
        return {
            m: tuple(_seen(tracker, w, m) if w is not None else None for w in worlds)  # type: ignore[misc]
            for m in models
        }
    finally:
        tracker.loader.close()


def _seen(tracker: Tracker, world, model: str) -> Seen | None:
    if model not in world.effective:
        return None
    eff = world.effective[model]
    return Seen(eff.config, tuple(tracker.loader.text(blob) for _p, blob in eff.prompts))


def _config(tracker: Tracker, world, model: str, side: str) -> dict[str, Any]:
    if model not in world.effective:
        raise AuditError(
            f"model '{model}' has no {side} config (it is new or removed in this "
            "change): nothing to compare",
            "hint: run that eval by hand and use `auditui eval add`",
        )
    eff = world.effective[model]
    prompts = [{"path": p, "text": tracker.loader.text(blob)} for p, blob in eff.prompts]
    return {"model": model, "commit": world.commit, "config": eff.config, "prompts": prompts}


def _execute(
    words: tuple[str, ...], values: dict[str, str], timeout: float, cwd: Path, say: Callable
) -> None:
    """One run: the words filled with this run's values, which are also in its
    environment (a shell script reads "$AUDITUI_MODEL"; see core/features/runner.py)."""
    command = argv(words, values)
    started = time.monotonic()
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            env=environment(values),
            capture_output=True,
            text=True,
            errors="replace",  # what a runner prints may quote a name that is not UTF-8
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise AuditError(
            f"[evals.runner] command not found: {command[0]}",
            "hint: give the command's path, or install it",
        ) from None
    except OSError as exc:
        raise AuditError(
            f"[evals.runner] command cannot be run: {command[0]}: {exc.strerror}",
            "hint: check that the program is executable",
        ) from None
    except subprocess.TimeoutExpired:
        hint = "hint: raise [evals.runner] timeout, or run it by hand"
        raise AuditError(
            f"[evals.runner] command ran over its {timeout:g} s: {by_hand(command, values)}", hint
        ) from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise AuditError(
            f"[evals.runner] command failed (exit {done.returncode}): {tail[0]}",
            f"hint: run it by hand: {by_hand(command, values)}",
        )
    say(f"  done in {time.monotonic() - started:.1f} s")
