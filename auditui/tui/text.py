"""Repository text for the screen: always through the one sanitiser, never as markup.

Rich strips only a few control characters from Text (not ESC), so every string that
comes from the repository is passed through `core.terminal.safe` here before Textual
writes it to the terminal.
"""

from __future__ import annotations

from rich.text import Text

from auditui.core.terminal import safe


def plain(value: object, style: str = "", **options) -> Text:
    """A Text of repository text: one line, escapes shown, never interpreted."""
    return Text(safe(value), style=style, **options)
