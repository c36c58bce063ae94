"""Where a change lands: for each model, the changed file that explains its deltas and
the line there (what SARIF and GitHub annotations point at).

A catalogue file can hold hundreds of thousands of models, so a file's text is indexed
once per change (each token's first line) instead of being scanned once per model.
"""

from __future__ import annotations

import re

from auditui.core.base.keypaths import prompt_file_and_part, split_key
from auditui.core.configs.documents import DocumentError
from auditui.core.diff.deltas import Delta
from auditui.core.git.log import CommitInfo
from auditui.core.policy.model import POLICY_FILE

_TOKEN = re.compile(r"[^\s\"'=:,{}\[\]()]+")


class _Lines:
    """The first line each token of a text stands on."""

    def __init__(self, text: str) -> None:
        self.first: dict[str, int] = {}
        for n, line in enumerate(text.splitlines(), 1):
            for token in _TOKEN.findall(line):
                self.first.setdefault(token, n)

    def line_of(self, token: str) -> int:
        return self.first.get(token, 1)


def first_changed_line(diff: str) -> int:
    """The new-file line number of the first added (or removed) line of a unified diff."""
    line = 1
    for row in diff.splitlines():
        if row.startswith("@@"):
            line = int(row.split("+", 1)[1].split(",")[0].split(" ")[0] or 1)
        elif row.startswith(("+++", "---")):
            continue
        elif row.startswith(("+", "-")):
            return max(line, 1)
        else:
            line += 1
    return 1


def change_anchors(tracker, commit: CommitInfo, world, deltas: list[Delta]) -> dict:
    """{model or None: (path, line)}: the model's own file, else defaults, else a prompt,
    else any changed file; the line of the model's entry (in a collection) or of the
    setting's key."""
    touched = [ch.path for ch in commit.changes if tracker.relevant(ch.path, world)]
    if not touched:
        return {}
    indexed: dict[str, _Lines] = {}

    def lines(path: str) -> _Lines:
        if path not in indexed:
            entry = world.entries.get(path)
            try:
                text = tracker.loader.text(entry.sha) if entry and not entry.is_symlink else ""
            except DocumentError:
                text = ""
            indexed[path] = _Lines(text)
        return indexed[path]

    out: dict[str | None, tuple[str, int]] = {}
    for d in deltas:
        if d.model in out:
            continue
        if d.kind == "invalid" and d.source:
            # A bad entry with a name points at the name; a nameless one at the file.
            entry = d.path.removeprefix(f"file:{d.source}").removeprefix("#")
            line = lines(d.source).line_of(entry) if entry and d.model else 1
            out.setdefault(d.model, (d.source, line))
            continue
        if d.path.startswith("prompt:"):
            path = prompt_file_and_part(d.path.removeprefix("prompt:"))[0]
            if path in touched:
                out[d.model] = (path, first_changed_line(d.detail or ""))
                continue
        effective = world.effective.get(d.model) if d.model else None
        candidates = [effective.source] if effective else []
        candidates += [tracker.layout.defaults or "", POLICY_FILE, tracker.signers_path]
        path = next((p for p in candidates if p in touched), touched[0])
        raw = world.raw.get(d.model) if d.model else None
        if raw is not None and raw.entry is not None and raw.source == path:
            out[d.model] = (path, lines(path).line_of(raw.entry))  # its entry in a collection
        else:
            out[d.model] = (
                path,
                lines(path).line_of(split_key(d.path.removeprefix("policy:"))[-1]),
            )
    out.setdefault(None, next(iter(out.values())))
    return out
