"""Report renderers: each format is one module with `render(report) -> str`.

Adding a format is a new file here, not a new branch in the CLI.
"""

from __future__ import annotations

from importlib import import_module

FORMATS = ("text", "json", "junit", "sarif", "github")


def render(report, fmt: str, **options) -> str:
    return import_module(f"auditui.core.formats.{fmt}_format").render(report, **options)
