"""Build the bundled sample repository from `sample_repo/history.toml`.

Records are not stored in the recipe: the builder audits each recorded commit with
auditui itself and writes the record through the same code as `auditui approve`,
so the sample can never drift from the fingerprint format.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import tomllib
from pathlib import Path

from auditui.core.audit.run import run_audit
from auditui.core.base.errors import AuditError
from auditui.core.evidence.records import append_entries, record_name

# Installed with the package (a link to sample_repo/ in the source tree, files in a wheel).
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample"


def sample_recipe(path: Path | None = None) -> dict:
    recipe = (path or SAMPLE_DIR) / "history.toml"
    if not recipe.exists():
        raise AuditError(
            f"{recipe}: the bundled sample is missing",
            "hint: reinstall auditui (`pip install --force-reinstall auditui`), which ships it",
        )
    return tomllib.loads(recipe.read_text(encoding="utf-8"))


def _git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        ["git", *args],
        cwd=repo,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise AuditError(f"git {args[0]} failed while building the sample: {result.stderr.strip()}")
    return result.stdout.strip()


def _identity(person: str, people: dict[str, str]) -> tuple[str, str]:
    full = people.get(person, person)
    name, _, email = full.partition(" <")
    return name, email.rstrip(">")


def build_sample(target: Path, recipe_dir: Path | None = None) -> dict[str, str]:
    """Create the sample history in `target` (new or empty). Returns commit ids by recipe id."""

    recipe = sample_recipe(recipe_dir)
    if target.exists() and not target.is_dir():
        raise AuditError(f"{target} is a file", "hint: pass --into a new or empty folder")
    if target.exists() and any(target.iterdir()):
        raise AuditError(f"{target} is not empty", "hint: pass --into a new or empty folder")
    target.mkdir(parents=True, exist_ok=True)
    _git(target, "init", "-q", "-b", "main")
    _git(target, "config", "commit.gpgsign", "false")
    people = recipe.get("people", {})
    ids: dict[str, str] = {}
    for step in recipe["commit"]:
        name, email = _identity(step["author"], people)
        date = step["date"]
        env = {
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email,
            "GIT_COMMITTER_DATE": date,
        }
        for path, content in step.get("files", {}).items():
            file = target / path
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(content.lstrip("\n"), encoding="utf-8")
        for edit in step.get("edits", []):
            file = target / edit["path"]
            text = file.read_text(encoding="utf-8")
            if text.count(edit["old"]) != 1:
                raise AuditError(
                    f"sample recipe: edit of {edit['path']} does not match exactly once"
                )
            file.write_text(text.replace(edit["old"], edit["new"]), encoding="utf-8")
        if "record" in step:
            audited = ids[step["record"]]
            report = run_audit(target, f"{audited}^", audited, default_base=False)
            (change,) = report.changes
            at = dt.datetime.fromisoformat(date).astimezone(dt.UTC)
            append_entries(
                target,
                f"audit/{record_name(change.fingerprint)}",
                change.fingerprint,
                summary=step.get("summary", ""),
                models=change.models,
                evals=[{**e, "at": at} for e in step.get("evals", [])],
                approvals=[
                    {**a, "at": at} | ({"commit": audited} if a["verdict"] == "override" else {})
                    for a in step.get("approvals", [])
                ],
            )
        _git(target, "add", "-A")
        _git(target, "commit", "-q", "--allow-empty", "-m", step["message"], env=env)
        if "id" in step:
            ids[step["id"]] = _git(target, "rev-parse", "HEAD")
    return ids
