"""The left-hand list: one row per change, filtered by status, model and text."""

from __future__ import annotations

from dataclasses import dataclass

from auditui.core.formats.text_format import models_text
from auditui.tui.text import plain
from auditui.tui.widgets.badges import verdict
from auditui.tui.widgets.table import Table

STATUSES = ("all", "blocked", "pass", "exempt", "reverted")


@dataclass
class ChangeFilter:
    status: str = "all"
    model: str | None = None
    text: str = ""

    def accepts(self, change) -> bool:
        if self.status != "all" and change.status != self.status:
            return False
        if self.model and self.model not in change.models:
            return False
        if self.text:
            needle = self.text.lower()
            c = change.commit
            hay = " ".join(
                [c.sha, c.subject, c.author_email, c.author_name, change.fingerprint,
                 " ".join(change.models), " ".join(change.rules),
                 " ".join(d.path for d in change.deltas)]
            ).lower()  # fmt: skip
            return all(word in hay for word in needle.split())
        return True


class ChangeList(Table):
    """Rows keyed by commit sha, so the selection survives a refilter or reload."""

    MODELS_WIDTH = 18  # "opus-4.6, opus-4.7" fits; more become "first +N", cut to fit
    FLEX = {"subject": 16}  # the subject takes what the other columns leave

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.add_column("Date", key="date")
        self.add_column("Verdict", key="verdict")
        self.add_column("Author", key="author")
        self.add_column("Subject", key="subject", width=34)
        self.add_column("Models", key="models", width=self.MODELS_WIDTH)

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
            models = ", ".join(change.models)
            if len(change.models) > 2 or len(models) > self.MODELS_WIDTH:
                models = f"{change.models[0]} +{len(change.models) - 1}"
            self.add_row(
                c.author_date[:10],
                verdict(change),
                plain(c.author_email.split("@")[0][:12]),
                plain(c.subject, overflow="ellipsis", no_wrap=True),
                plain(models or models_text(change), overflow="ellipsis", no_wrap=True),
                key=c.sha,
            )
        self.fit()
