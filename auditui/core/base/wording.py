"""Counted nouns, said one way everywhere ("1 change", "2 changes", "1 point")."""

from __future__ import annotations

_IRREGULAR = {"entry": "entries"}


def plural(n: int | float, word: str, shown: str | None = None) -> str:
    """`n word`, the word in the plural unless n is exactly 1 (`shown`: n as written)."""
    text = shown if shown is not None else f"{n:g}" if isinstance(n, float) else str(n)
    return f"{text} {word if n == 1 else _IRREGULAR.get(word, word + 's')}"
