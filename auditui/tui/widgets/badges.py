"""Verdict badges and value formatting shared by the list, detail and timeline."""

from __future__ import annotations

from rich.text import Text

from auditui.core.formats.text_format import format_value

STATUS_STYLE = {"pass": "bold green", "blocked": "bold red", "exempt": "dim"}
KIND_STYLE = {
    "downgrade": "bold yellow",
    "upgrade": "green",
    "limit-added": "bold yellow",
    "limit-changed": "bold yellow",
    "limit-removed": "cyan",
    "invalid": "bold red",
    "removed": "magenta",
}


def verdict(change) -> Text:
    if change.status == "blocked":
        return Text("✗ " + ",".join(change.rules), style=STATUS_STYLE["blocked"])
    if change.status == "pass":
        return Text("✓ pass", style=STATUS_STYLE["pass"])
    return Text("· exempt", style=STATUS_STYLE["exempt"])


def kind(kind_name: str) -> Text:
    return Text(kind_name, style=KIND_STYLE.get(kind_name, ""))


def value(v) -> str:
    return format_value(v)
