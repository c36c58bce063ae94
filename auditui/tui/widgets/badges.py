"""Verdict badges and value formatting shared by the list, detail and timeline."""

from __future__ import annotations

from rich.text import Text

from auditui.core.formats.text_format import format_pair, shown_value

STATUS_STYLE = {
    "pass": "bold green",
    "blocked": "bold red",
    "overridden": "bold yellow",
    "exempt": "dim",
    "reverted": "cyan",
}
KIND_STYLE = {
    "downgrade": "bold yellow",
    "upgrade": "green",
    "limit-added": "bold yellow",
    "limit-changed": "bold yellow",
    "limit-removed": "cyan",
    "obligation-weakened": "bold yellow",
    "obligation-removed": "bold yellow",
    "obligation-strengthened": "green",
    "obligation-added": "cyan",
    "invalid": "bold red",
    "removed": "magenta",
    "renamed": "bold cyan",
}


def verdict(change) -> Text:
    """A short badge: a blocked change shows its first rule and how many more (four
    rules spelled out pushed the Models column off a 160-column screen); AUD014 goes
    first, since an override past its follow-up is why such a change blocks again."""
    if change.status == "blocked":
        rules = sorted(change.rules, key=lambda rule: rule != "AUD014")
        more = f" +{len(rules) - 1}" if len(rules) > 1 else ""
        return Text(f"✗ {rules[0] if rules else 'blocked'}{more}", style=STATUS_STYLE["blocked"])
    if change.status == "pass":
        return Text("✓ pass", style=STATUS_STYLE["pass"])
    if change.status == "overridden":
        return Text("⚠ overridden", style=STATUS_STYLE["overridden"])
    if change.status == "reverted":
        return Text("↩ reverted", style=STATUS_STYLE["reverted"])
    return Text("· exempt", style=STATUS_STYLE["exempt"])


def kind(kind_name: str) -> Text:
    return Text(kind_name, style=KIND_STYLE.get(kind_name, ""))


def value(v) -> str:
    """One value as shown: safe, and clipped as a report line clips it."""
    return shown_value(v)


def old_to_new(old, new) -> str:
    """A delta's `old → new`, each side saying its type where both print alike, and
    clipped as a report line clips it (the whole value: `check --format json`)."""
    return " → ".join(format_pair(old, new))
