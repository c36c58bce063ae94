"""Which of a change's models an eval file's model id stands for (`eval import`, docs/records.md).

A promptfoo run names its providers `openai:gpt-4o`; a catalogue names the model
`models/openai/models/llm/gpt-4o`. The rule is fixed and written in docs/records.md,
so a user can tell what an import will do before running it, and it never guesses
between two models: an id naming none of the change's models, or several, is left
to the user (`--map`), never settled by likeness.

1. `--map FROM=TO`: an exact FROM, else the first pattern FROM whose one `*` matches
   the id (its match fills TO's `*`).
2. The id is a model's name.
3. The id's last part (after `:`, `/` or `=`; lm-eval's `pretrained=org/x,dtype=y` is
   `x`) is the last part of the name (after `/`), and where the name has folders and
   the id other parts, one of those parts is one of the folders (`openai` in both).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from auditui.core.base.errors import AuditError

MAP_HINT = "hint: --map openai:gpt-4o=models/openai/gpt-4o, or --map 'google:*=models/gemini/*'"


class Map(NamedTuple):
    """`--map FROM=TO`: FROM a file's model id, or a pattern with one `*`."""

    src: str
    dst: str

    def apply(self, file_id: str) -> str | None:
        head, star, tail = self.src.partition("*")
        if not star:
            return self.dst if file_id == self.src else None
        if len(file_id) < len(head) + len(tail):
            return None
        if not (file_id.startswith(head) and file_id.endswith(tail)):
            return None
        return self.dst.replace("*", file_id[len(head) : len(file_id) - len(tail)])


def parse_maps(values: Iterable[str]) -> tuple[Map, ...]:
    """`--map FROM=TO` values, split at the last `=` (an id may hold one, as lm-eval's
    `pretrained=org/name` does; a model name does not)."""
    out: list[Map] = []
    for value in values:
        src, eq, dst = value.rpartition("=")
        stars = src.count("*")
        if not (eq and src and dst) or stars > 1 or dst.count("*") != stars:
            raise AuditError(
                f"--map {value!r}: expected FILE_MODEL=MODEL (a `*` on both sides, or neither)",
                MAP_HINT,
            )
        if any(m.src == src for m in out):
            raise AuditError(f"--map {src!r} is given twice", "hint: map each file model once")
        out.append(Map(src, dst))
    return tuple(out)


def name_ids(
    ids: Iterable[str | None], known: Iterable[str], maps: tuple[Map, ...] = ()
) -> dict[str | None, tuple[str, ...]]:
    """Each file id -> the models of `known` it names: one is a match, none no match,
    several a doubt for the user. An id the file does not give (None) names none. A
    `--map` that names no id is an error (a typo would otherwise map nothing, quietly)."""
    known = tuple(known)
    tails: dict[str, list[str]] = {}
    for name in known:
        tails.setdefault(name.rsplit("/", 1)[-1], []).append(name)
    used: set[str] = set()
    out: dict[str | None, tuple[str, ...]] = {}
    for file_id in ids:
        out[file_id] = _names(file_id, known, tails, maps, used)
    unused = [m.src for m in maps if m.src not in used]
    if unused:
        held = ", ".join(sorted("(unnamed)" if i is None else i for i in out))
        raise AuditError(
            f"--map {unused[0]!r} matches no model of the files (they hold {held})",
            "hint: FROM is a model id as the file writes it",
        )
    return out


def _names(file_id, known, tails, maps, used: set[str]) -> tuple[str, ...]:
    if file_id is None:
        return ()
    for m in sorted(maps, key=lambda m: "*" in m.src):  # exact FROMs first, then in order
        dst = m.apply(file_id)
        if dst is not None:
            used.add(m.src)
            return (dst,) if dst in known else ()
    if file_id in known:
        return (file_id,)
    *others, last = parts(file_id)
    return tuple(
        name
        for name in tails.get(last, ())
        if "/" not in name or not others or set(others) & set(name.split("/")[:-1])
    )


def parts(file_id: str) -> list[str]:
    """`openai:gpt-4o` -> [openai, gpt-4o]; `pretrained=org/x,dtype=y` -> [pretrained, org, x]."""
    return [p for p in re.split(r"[:/=]", file_id.split(",", 1)[0]) if p] or [file_id]
