"""The left-hand list: one row per change, filtered by status, model and text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text

from auditui.core.base.terminal import safe
from auditui.core.formats.text_format import models_text
from auditui.tui.text import Fit, one_line, plain
from auditui.tui.widgets.badges import verdict
from auditui.tui.widgets.table import Table

if TYPE_CHECKING:
    from textual import getters

    from auditui.tui.app import AuditApp

STATUSES = ("all", "blocked", "overridden", "pass", "exempt", "reverted")


def owes_follow_up(change) -> bool:
    """Let through by an override and still owing its evidence: overridden, or blocked
    again by AUD014 once the follow-up is late. The "overridden" filter keeps these,
    the changes every report lists in its section of overrides (docs/blocked.md)."""
    return change.override is not None and change.status in ("overridden", "blocked")


@dataclass
class ChangeFilter:
    status: str = "all"
    model: str | None = None
    text: str = ""
    short: Callable[[str], str] = str  # a model's name as the list shows it, found too

    def accepts(self, change) -> bool:
        if self.status == "overridden":
            if not owes_follow_up(change):
                return False
        elif self.status != "all" and change.status != self.status:
            return False
        if self.model and self.model not in change.models:
            return False
        if self.text:
            needle = self.text.lower()
            c = change.commit
            hay = " ".join(
                [
                    c.sha,
                    c.subject,
                    c.author_email,
                    c.author_name,
                    change.fingerprint,
                    " ".join(change.models),
                    " ".join(map(self.short, change.models)),
                    " ".join(change.rules),
                    " ".join(d.path for d in change.deltas),
                ]
            ).lower()
            return all(word in hay for word in needle.split())
        return True


class ChangeList(Table):
    if TYPE_CHECKING:
        app = getters.app(AuditApp)

    """Rows keyed by commit sha, so the selection survives a refilter or reload."""

    # Subject and Models share what Date, Verdict and Author leave; a model named by
    # its path shows its short name (the app's `short`), cut on the left to fit.
    FLEX = {"subject": 16, "models": 18}
    PAIR_WIDTH = 18  # "opus-4.6, opus-4.7" fits; more become "first +N"

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.add_column("Date", key="date")
        self.add_column("Verdict", key="verdict")
        self.add_column("Author", key="author")
        self.add_column("Subject", key="subject", width=34)
        self.add_column("Models", key="models", width=self.FLEX["models"])

    def populate(self, changes: list, keep: str | None = None) -> None:
        self.clear()
        self.append(changes)
        if keep is not None:
            for index, change in enumerate(changes):
                if change.commit.sha == keep:
                    self.move_cursor(row=index)
                    break

    def append(self, changes: list) -> None:
        """Add rows at the end (while history loads), the cursor where it was."""
        for change in changes:
            c = change.commit
            self.add_row(
                c.author_date[:10],
                verdict(change),
                plain(c.author_email.split("@")[0][:12]),
                Text(one_line(c.subject), overflow="ellipsis", no_wrap=True),
                self._models(change),
                key=c.sha,
            )
        self.fit()

    def _models(self, change) -> Fit | Text:
        names = [self.app.short(m) for m in change.models]
        if not names:
            return Text(models_text(change))
        pair = ", ".join(names)
        if len(names) == 2 and cell_len(safe(pair)) <= self.PAIR_WIDTH:
            return plain(pair)
        return Fit(names[0], suffix=f" +{len(names) - 1}" if len(names) > 1 else "")
