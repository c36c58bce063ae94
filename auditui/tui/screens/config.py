"""`c` in the timeline: one model's effective config as of the selected change, each
setting with the change that last set it (core.lookback's show and blame)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from auditui.core.base.terminal import safe
from auditui.tui.text import Fit, fit_key, plain
from auditui.tui.widgets.badges import value
from auditui.tui.widgets.table import Table

if TYPE_CHECKING:
    from textual import getters

    from auditui.tui.app import AuditApp


class ConfigTable(Table):
    # At 80 columns a setting, its value, who set it and the verdict stay on screen;
    # the date and author scroll into view.
    FLEX = {"Setting": 18, "Value": 14}
    SPILL = ("Date", "Author")
    ROOMY = {"Setting": 24, "Value": 16}


COLUMNS = ("Setting", "Value", "Last set by", "Status", "Date", "Author")


class ConfigScreen(ModalScreen[None]):
    if TYPE_CHECKING:
        app = getters.app(AuditApp)

    CSS_PATH = "config.tcss"
    BINDINGS = [Binding("escape,c,q", "dismiss", "Close")]

    def __init__(self, model: str, sha: str, key: str | None = None) -> None:
        super().__init__()
        self.model, self.sha, self.key = model, sha, key

    def compose(self) -> ComposeResult:
        with Vertical(id="config-dialog"):
            title = plain(f"{self.app.short(self.model)} as of {self.sha[:7]} · reading…")
            yield Static(title, id="config-title")
            yield ConfigTable(id="config-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(Table)
        for label in COLUMNS:
            table.add_column(label, width=ConfigTable.FLEX.get(label), key=label)
        self._load()

    @work(thread=True, exclusive=True)
    def _load(self) -> None:
        from auditui.core.base.errors import AuditError
        from auditui.core.features.lookback import blame

        source = self.app.source
        try:
            shown, rows = blame(
                source.repo_path, self.model, None, self.sha, source.policy_file, self.app.policy
            )  # what the app judges with
        except AuditError as exc:
            self.app.call_from_thread(self._failed, exc.message)
            return
        self.app.call_from_thread(self._show, shown, rows)

    def _failed(self, message: str) -> None:
        self.query_one("#config-title", Static).update(Text(safe(message), style="red"))

    def _show(self, shown, rows) -> None:
        from auditui.core.features.lookback import under

        self.query_one("#config-title", Static).update(
            plain(
                f"{self.app.short(self.model)} as of {shown.commit[:7]} ({shown.source}) · "
                f"{len(rows)} settings · esc closes"
            )
        )
        table = self.query_one(Table)
        selected = None
        for n, row in enumerate(rows):
            c = row.change
            table.add_row(
                Fit(row.key, fit_key),
                plain(value(row.value), overflow="ellipsis", no_wrap=True),
                c.commit.short if c else "-",
                c.status if c else "not audited",
                c.commit.author_date[:10] if c else "",
                plain(c.commit.author_email.split("@")[0]) if c else "",
            )
            near = self.key is not None and (under(self.key, row.key) or under(row.key, self.key))
            if near and selected is None:
                selected = n  # the delta's setting, what holds it, or its first leaf
        table.fit()
        table.move_cursor(row=selected or 0)
        table.focus()
