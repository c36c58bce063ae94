"""The human report: per change its subject, models, deltas, findings and verdict,
then one summary line. Colour only when writing to a terminal (and not NO_COLOR)."""

from __future__ import annotations

import json
import os
from typing import Any

from auditui.core.audit.report import stamp
from auditui.core.base.terminal import safe
from auditui.core.base.values import Typed, json_text
from auditui.core.base.wording import plural
from auditui.core.configs.coverage import SHOWN
from auditui.core.configs.obligations import Strength
from auditui.core.diff.deltas import leaf_rows
from auditui.core.policy.model import Policy

STATUS_STYLE = {
    "pass": "32",
    "blocked": "1;31",
    "overridden": "1;33",
    "exempt": "2",
    "reverted": "2;36",
}
KIND_STYLE = {
    "downgrade": "33",
    "limit-added": "33",
    "limit-changed": "33",
    "obligation-weakened": "33",
    "obligation-removed": "33",
    "invalid": "31",
}
OUTSIDE = "an earlier change, outside this range: its override's follow-up is overdue"
MAX_TEXT_LINES = 12
MAX_VALUE = 200  # characters of one value on a line; JSON carries it whole
CONTEXT = 40  # characters shown before where two long values first differ

# An obligation's strength as its delta shows it (configs/obligations.Strength).
STRENGTH_WORDS = {int(s): s.label for s in Strength}


def format_value(v: Any) -> str:
    if v is None:
        return "∅"
    if isinstance(v, dict) and "unit" in v and "max" in v:
        where = f" ({v['applies_to']})" if v.get("applies_to") else ""
        return f"<= {v['max']} {v['unit']}{where}"
    if isinstance(v, dict) and v.keys() == {"strength", "word", "text"}:
        return f"{STRENGTH_WORDS.get(v['strength'], v['strength'])} ({v['word']}): {v['text']}"
    if isinstance(v, str):
        return v[:12] if len(v) == 40 and all(c in "0123456789abcdef" for c in v) else v
    if type(v) is Typed:
        return v.text
    return json.dumps(v, ensure_ascii=False, default=json_text)


_TYPE_NAMES = {
    str: "string",
    int: "integer",
    float: "float",
    bool: "boolean",
    list: "list",
    dict: "mapping",
    type(None): "nothing",
}


def type_name(v: Any) -> str:
    """A value's type in a config author's words (docs/reports.md, "Types")."""
    return v.type.value if type(v) is Typed else _TYPE_NAMES.get(type(v), "value")


def clip(text: str, start: int = 0) -> str:
    """`text` fit for a report line (see terminal.safe) in at most MAX_VALUE
    characters, escapes counted as shown: from `start`, `…` standing for what is left
    out at either end. A prompt inline or an added item's help text stays one line."""
    lead = "…" if start else ""
    rest = safe(text[start:])
    if len(lead) + len(rest) <= MAX_VALUE:
        return lead + rest
    room = MAX_VALUE - len(lead) - 1
    chunk = text[start : start + room]
    if len(safe(chunk)) == len(chunk):  # nothing to escape: the common case
        return lead + chunk + "…"
    pieces = []
    for char in chunk:  # an escape is never cut in two
        piece = safe(char)
        room -= len(piece)
        if room < 0:
            break
        pieces.append(piece)
    return lead + "".join(pieces) + "…"


def shown_value(v: Any) -> str:
    """One value as a report line shows it: `format_value`, safe and clipped."""
    return clip(format_value(v))


def format_pair(old: Any, new: Any) -> tuple[str, str]:
    """A delta's two sides as shown, each safe and clipped (see `clip`). Where they
    print alike (a change of type alone: the string "inf" and the float inf,
    "2026-01-01" and a date, "1" and 1) each says its type, or the change would read
    as no change. Two long values alike in their first MAX_VALUE characters
    are both shown from just before where they differ."""
    texts = format_value(old), format_value(new)
    shown = safe(texts[0]), safe(texts[1])
    if len(shown[0]) > MAX_VALUE or len(shown[1]) > MAX_VALUE:
        shown = _clipped(texts)
    if texts[0] == texts[1] and type_name(old) != type_name(new):
        return f"{shown[0]} ({type_name(old)})", f"{shown[1]} ({type_name(new)})"
    return shown


def _clipped(texts: tuple[str, str]) -> tuple[str, str]:
    """Both sides clipped, from where they differ if their starts print alike."""
    shown = clip(texts[0]), clip(texts[1])
    if texts[0] != texts[1] and shown[0] == shown[1]:
        differ = len(os.path.commonprefix(texts))
        for start in (max(0, differ - CONTEXT), differ):  # escapes may fill the window
            shown = clip(texts[0], start), clip(texts[1], start)
            if shown[0] != shown[1]:
                break
    return shown


def listed(names: list[str]) -> str:
    """Names joined, safe, as many as MAX_VALUE characters hold, then how many more: a
    change to 446 models names each on its delta lines (and all in JSON), and a line
    of 20,000 characters naming them helped no reader."""
    text = safe(", ".join(names))
    if len(text) <= MAX_VALUE:
        return text
    kept, room = [], MAX_VALUE
    for name in map(safe, names):
        room -= len(name) + 2
        if room < 0:
            break
        kept.append(name)
    return f"{', '.join(kept or [clip(names[0])])}, … {len(names) - max(len(kept), 1)} more"


def render(report, color: bool = False, verbose: bool = False) -> str:
    policy = report.policy
    body = "".join(render_change(c, color, verbose, policy=policy) for c in report.changes)
    return body + render_end(report, color)


def _painter(color: bool):
    def paint(text: str, code: str | None) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color and code else text

    return paint


def render_start(report, **_options) -> str:
    return ""


def render_change(
    c, color: bool = False, verbose: bool = False, policy: Policy | None = None, **_options
) -> str:
    """One change's block, written as soon as the change is judged (see formats.write).
    A list item or table added or removed whole is one line per leaf (see
    deltas.leaf_rows: the policy that judged spells its items' paths)."""
    paint = _painter(color)
    lines: list[str] = []
    badge = c.status.upper()
    if c.status == "blocked":
        badge += " " + ",".join(c.rules)
    lines.append(
        f"{paint(badge, STATUS_STYLE[c.status])}  {c.commit.short}  "
        f"{c.commit.author_date[:10]}  {safe(c.commit.author_email)}"
    )
    lines.append(f"  {paint(safe(c.commit.subject), '1')}")
    models = listed(c.models) if c.models else models_text(c)
    lines.append(f"  models: {models}   fingerprint {c.fingerprint[:23]}…  ({safe(c.record_file)})")
    shown_texts: set[tuple] = set()  # a shared prompt's diff is printed once per change
    # Each model and path made safe once: a catalogue's change repeats them by the hundred.
    names = {model: safe(model or "-") for model in {d.model for d in c.deltas}}
    rows = [(d, leaf_rows(d, policy)) for d in c.deltas]
    paths = {path: safe(path) for _d, leaves in rows for path, _o, _n in leaves}
    width = max(map(len, names.values()), default=1)
    pwidth = max(map(len, paths.values()), default=1)
    for d, leaves in rows:
        model, kind = names[d.model], paint(f"({d.kind})", KIND_STYLE.get(d.kind, "2"))
        for path, old, new in leaves:
            if d.kind == "invalid":
                arrow = safe(d.detail or "invalid")
            else:
                arrow = " -> ".join(format_pair(old, new))
            lines.append(f"    {model:<{width}}  {paths[path]:<{pwidth}}  {arrow}  {kind}")
        whole = d.old is None or d.new is None  # a prompt bound or unbound whole
        if d.kind == "text":
            if (d.path, d.old, d.new) in shown_texts:
                continue
            shown_texts.add((d.path, d.old, d.new))
        if d.kind == "text" and d.detail and whole and not verbose:
            lines.append(f"      ({plural(len(d.detail.splitlines()) - 3, 'line')})")
        elif d.kind == "text" and d.detail and (verbose or c.status != "exempt"):
            body = [ln for ln in d.detail.splitlines()[2:] if not ln.startswith("@@")]
            shown = body if verbose else body[:MAX_TEXT_LINES]
            for ln in shown:
                code = "32" if ln.startswith("+") else "31" if ln.startswith("-") else None
                lines.append("      " + paint(safe(ln), code))
            if len(body) > len(shown):
                lines.append(f"      … {plural(len(body) - len(shown), 'more line')} (--verbose)")
    if c.record is not None:
        for (model, suite), ev in sorted(c.record.latest_evals().items()):
            scores = f"{format_value(ev.baseline)} -> {format_value(ev.candidate)}"
            lines.append(f"  eval  {safe(model)}/{safe(suite)}  {scores}  {safe(ev.shown())}")
    if c.rules_applied:
        lines.append(f"  rules: {safe(', '.join(c.rules_applied))}")
    if c.reverts and c.status != "reverted":
        lines.append(f"  reverts {c.reverts[:7]}: exactly inverts its deltas")
    if c.status == "reverted":
        lines.append("  " + paint(f"reverted: {reverted_text(c)}; does not block", "36"))
    if c.outside_range:
        lines.append("  " + paint(OUTSIDE, "33"))
    if c.override is not None:
        lines.append("  " + paint(override_text(c), "33"))
    rule_style = "31" if c.status == "blocked" else "2"
    owed = "owed " if c.status == "overridden" else ""
    for f in c.findings:
        lines.append(f"  {owed}{paint(f.rule, rule_style)}  {safe(f.message)}")
    lines.append("")
    return "\n".join(lines) + "\n"


def override_text(c) -> str:
    """A change's override in one line: who, when, why and what is due (safe)."""
    o = c.override
    said = f"overridden by {safe(o.by)} on {stamp(o.at)}: {clip(' '.join(o.reason.split()))}"
    if c.status == "pass":
        return f"{said}; followed up: its evidence is recorded"
    if c.status == "overridden":
        return f"{said}; does not block; {o.due_text()}"
    return f"{said}; {o.due_text()}"


def models_text(c) -> str:
    """What a change that moves no model is about: the policy, or nothing judgeable
    (a broken file keeps the last good config)."""
    if any(d.path.startswith(("policy:", "signers")) for d in c.deltas):
        return "(policy)"
    return "(none)"


def reverted_text(c) -> str:
    if c.reverted_by:
        return f"undone later in this range by {c.reverted_by[:7]}"
    return f"only puts back {c.reverts[:7]} (and what else was undone in this range)"


def render_end(report, color: bool = False, **_options) -> str:
    """The summary line: the totals, the range and which policy judged."""
    paint = _painter(color)
    totals = report.totals
    n, blocked, exempt, passed = totals.changes, totals.blocked, totals.exempt, totals.passed
    reverted = f", {totals.reverted} reverted" if totals.reverted else ""
    policy = {
        "base": f"policy at base {report.base[:7] if report.base else ''}".rstrip(),
        "head": "policy at head (the base has none; pin one with --policy)",
    }.get(report.policy_source, f"policy {safe(report.policy_source)}")
    if report.signers_source == "head":
        policy += "; signers at head (pin them with --allowed-signers)"
    base = report.base[:7] if report.base else "root"
    verdict = paint("BLOCKED", "1;31") if blocked else paint("OK", "32")
    overridden = f"{totals.overridden} overridden, " if totals.overridden else ""
    walked = plural(report.commits_walked, "commit")
    return (
        overrides_section(totals, paint)
        + f"auditui: {verdict} — {plural(n, 'change')} in {walked} "
        f"({base}..{report.head[:7]}): {blocked} blocked, {overridden}{passed} passed, "
        f"{exempt} exempt{reverted}; "
        f"{policy}\n" + uncovered_line(report.uncovered, paint)
    )


def overrides_section(totals, paint) -> str:
    """The changes let through by an override that still owe their evidence, listed
    once more before the summary: break-glass is never a line lost in a long report."""
    if not totals.overrides:
        return ""
    lines = [paint(f"OVERRIDDEN ({len(totals.overrides)}): evidence owed", "1;33")]
    for c in totals.overrides.values():
        late = paint(" AUD014", "1;31") if c.override.overdue else ""
        lines.append(f"  {c.commit.short}{late}  {safe(c.commit.subject)}")
        lines.append(f"    {override_text(c)}")
    return "\n".join(lines) + "\n\n"


def uncovered_line(uncovered, paint=None) -> str:
    """The warning the report ends with when the range changed files that look like
    model configs and that no [layout] pattern covers or excludes: a layout that
    misses a folder would otherwise pass its changes in silence (docs/reports.md,
    "Files the layout misses")."""
    if not uncovered:
        return ""

    paint = paint or _painter(False)
    paths = uncovered.paths()
    named = ", ".join(safe(p) for p in paths[:SHOWN]) + (", …" if len(paths) > SHOWN else "")
    verb = "looks" if len(paths) == 1 else "look"
    return (
        f"auditui: {paint('warning', '33')}: {plural(len(paths), 'changed file')} {verb} like "
        f"model configs but no [layout] pattern covers or excludes: {named} "
        "(add to [layout] models, or to exclude)\n"
    )
