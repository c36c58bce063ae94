"""Counted nouns, said one way everywhere ("1 change", "2 changes", "1 point")."""

from __future__ import annotations

from collections import Counter

_IRREGULAR = {"entry": "entries"}


def plural(n: int | float, word: str, shown: str | None = None) -> str:
    """`n word`, the word in the plural unless n is exactly 1 (`shown`: n as written)."""
    text = shown if shown is not None else f"{n:g}" if isinstance(n, float) else str(n)
    return f"{text} {word if n == 1 else _IRREGULAR.get(word, word + 's')}"


def tally(record) -> str:
    """What a record holds as evidence now, counted as the checks count it: the
    latest eval per (model, suite) and each person's latest word, so a withdrawn
    approval is no approval ("1 eval, 2 approvals, 1 withdrawn")."""
    latest = record.latest_evals()
    evals = plural(len(latest), "eval")
    if len(record.evals) > len(latest):
        evals += f" ({len(record.evals) - len(latest)} superseded)"
    words = Counter(ap.verdict for ap in record.verdicts().values())
    parts = [evals, plural(words.pop("approve", 0), "approval")]
    if "reject" in words:
        parts.append(plural(words.pop("reject"), "rejection"))
    if "withdraw" in words:
        parts.append(f"{words.pop('withdraw')} withdrawn")
    parts += [plural(n, verdict) for verdict, n in sorted(words.items())]
    return ", ".join(parts)


def tally_written(data: dict) -> str:
    """`tally` of a record's data as `add_evidence` returns it (what was written)."""
    import tomli_w

    from auditui.core.records import parse_record

    return tally(parse_record("record", tomli_w.dumps(data)))
