"""A model file renamed or moved is the same model (docs/reports.md, "Renames").

The walk reads history with `--no-renames` (rename detection over a catalogue's
whole log is most of its cost) and its Worlds know models by name only: a file
moved to a new name is, to them, one model vanishing and another appearing. A
commit can hold a rename only when it deletes a file that defined a vanishing model
and adds one defining an appearing model; only for those few commits git is asked,
for those paths alone, which of them it takes for a rename (`diff-tree -M50%`).

Each model of a renamed file then keeps its identity: the step holds one row per
pair, the new name's config against the old name's (a downgrade inside a rename is
a downgrade), and a `renamed` delta on path `model:name` says old name -> new name.
A move that keeps the name (stem naming, or between a collection and its own file)
is already one row in the step: its deltas are whatever its settings did.

A prompt that stands for itself (`prompt:<path>`, no model binds it) is named by its
path and is not a model file: moved, it is one prompt removed and another added.

A merge's renames are not looked for: its own deltas are only what no parent had
(docs/reports.md, "Changes"), and a rename a branch made is reported on the branch's
commit.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace

from auditui.core.configs.models import PROMPT_MODEL_PREFIX, Effective
from auditui.core.git.log import CommitInfo
from auditui.core.git.repo import GitRepo
from auditui.core.history.world import Step

RENAME_PATH = "model:name"  # the delta path of a model's name (no config key is spelled so)
SIMILARITY = 50  # percent of content kept for git to call a deleted+added pair a rename


def follow_renames(repo: GitRepo, commit: CommitInfo, step: Step) -> Step:
    """`step` (a non-merge commit's, against its first parent) with each renamed
    model's vanishing and appearing rows made one row under its new name."""
    gone = {
        n: old
        for n, old, new in step.models
        if new is None and old is not None and not n.startswith(PROMPT_MODEL_PREFIX)
    }
    born = {
        n: new
        for n, old, new in step.models
        if old is None and new is not None and not n.startswith(PROMPT_MODEL_PREFIX)
    }
    if not gone or not born or len(commit.parents) != 1:
        return step
    deleted = {ch.path: ch.old for ch in commit.changes if ch.new is None}
    added = {ch.path: ch.new for ch in commit.changes if ch.old is None}
    sources = {e.source for e in gone.values()}.intersection(deleted)
    targets = {e.source for e in born.values()}.intersection(added)
    if not sources or not targets:
        return step  # the usual commit: models added and others removed, no file moved
    moves = _same_blob(sources, targets, deleted, added)
    sources.difference_update(old for old, _new in moves)
    targets.difference_update(new for _old, new in moves)
    if sources and targets:
        paths = sorted(sources | targets)
        moves += repo.renames(commit.parents[0], commit.sha, paths, SIMILARITY)
    pairs: dict[str, str] = {}  # new name -> old name
    for old_path, new_path in moves:
        pairs.update(_paired(gone, born, old_path, new_path))
    if not pairs:
        return step
    olds = set(pairs.values())
    models = []
    for name, old, new in step.models:
        if name in olds:
            continue
        if name in pairs:
            old = gone[pairs[name]]
        models.append((name, old, new))
    renamed = tuple(sorted((old, new) for new, old in pairs.items()))
    return replace(step, models=models, renamed=renamed)


def _same_blob(sources: set[str], targets: set[str], deleted: dict, added: dict) -> list:
    """The moves git finds first and alike, with no process to ask: a file whose
    very blob reappears at another path (on real histories, many commits that could
    hold a rename hold only such pure moves). Among copies of one blob, as git: the
    same file name first, else by path."""
    by_blob: dict[str, list[str]] = {}
    for path in sorted(targets):
        by_blob.setdefault(added[path].sha, []).append(path)
    moves = []
    for path in sorted(sources):
        found = by_blob.get(deleted[path].sha)
        if found:
            name = posixpath.basename(path)
            same = [p for p in found if posixpath.basename(p) == name]
            target = (same or found)[0]
            found.remove(target)
            moves.append((path, target))
    return moves


def _paired(
    gone: dict[str, Effective], born: dict[str, Effective], old_path: str, new_path: str
) -> dict[str, str]:
    """The models of a file moved from `old_path` to `new_path`, new name -> old name:
    a model file's one model, or a collection's entries matched by their name inside
    the file (a collection's path is part of its entries' names under path naming)."""
    olds = [n for n, e in gone.items() if e.source == old_path]
    news = [n for n, e in born.items() if e.source == new_path]
    if len(olds) == 1 and len(news) == 1:
        return {news[0]: olds[0]}
    old_prefix = posixpath.splitext(old_path)[0] + "/"
    new_prefix = posixpath.splitext(new_path)[0] + "/"
    by_entry = {n.removeprefix(old_prefix): n for n in olds}
    return {n: by_entry[entry] for n in news if (entry := n.removeprefix(new_prefix)) in by_entry}


def names_over_time(model: str, renamed: list[tuple[tuple[str, str], ...]]) -> dict[str, int]:
    """The names `model` had along a walk whose commits renamed `renamed[n]` (old,
    new): name -> the position before which a change under that name is this model's
    (its own name: every position). Like `git log --follow`, backwards from the
    end: a name it was renamed from counts only before that rename."""
    names = {model: len(renamed)}
    for n in range(len(renamed) - 1, -1, -1):
        for old, new in renamed[n]:
            if names.get(new, -1) > n and old not in names:
                names[old] = n
    return names


def names_per_change(model: str, changes: list) -> list[frozenset[str]]:
    """For each judged change (oldest first), the names `model` went by in it: its
    own, and those it was renamed from, before the rename (names_over_time over
    the changes' `renamed` deltas)."""
    renamed = [tuple((d.old, d.new) for d in c.deltas if d.kind == "renamed") for c in changes]
    names = names_over_time(model, renamed)
    return [
        frozenset(name for name, until in names.items() if n < until) for n in range(len(changes))
    ]
