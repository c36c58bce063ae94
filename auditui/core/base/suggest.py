"""The names a user may have meant: the `hint:` line under "no such model".

A catalogue names models by path (`models/openrouter/models/llm/claude-3-5-sonnet`);
users type the part they see in the app (`claude-3-5-sonnet`), so a name is matched
by its tail first, then by what holds it, then by spelling.
"""

from __future__ import annotations

import difflib


def did_you_mean(model: str, known: list[str], limit: int = 5) -> str | None:
    """The `hint:` line for a model name that is not there, or None: the names a user
    may have meant, best first (`suggestions`), at most `limit` of them."""
    close = suggestions(model, known)
    if not close:
        return None
    more = f" (and {len(close) - limit} more)" if len(close) > limit else ""
    return f"hint: did you mean {', '.join(close[:limit])}{more}?"


def suggestions(model: str, known: list[str]) -> list[str]:
    """What `model` may name among `known`, best first. A short name finds the path
    names it is the tail of, as the app shows them (`claude-3-5-sonnet` and
    `openrouter/claude-3-5-sonnet` both find `models/openrouter/models/llm/claude-3-5-sonnet`);
    then the names that hold it, shortest first; then last parts spelled alike."""
    want = model.strip("/").split("/")
    ends = [name for name in known if _ends_in(name.split("/"), want)]
    holding = sorted((n for n in known if model in n and n not in ends), key=lambda n: (len(n), n))
    by_tail: dict[str, list[str]] = {}
    for name in known:
        by_tail.setdefault(name.rsplit("/", 1)[-1], []).append(name)
    alike = difflib.get_close_matches(want[-1], list(by_tail), n=3)
    return list(dict.fromkeys([*ends, *holding, *(n for t in alike for n in by_tail[t])]))


def _ends_in(parts: list[str], want: list[str]) -> bool:
    """`parts` ends in `want`'s last part, and holds `want`'s others in order before it."""
    if parts[-1] != want[-1]:
        return False
    rest = iter(parts[:-1])
    return all(part in rest for part in want[:-1])
