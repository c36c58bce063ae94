"""The reviewer's home: the change list beside the selected change's detail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, ProgressBar, Select, Static

from auditui.core.base.terminal import safe
from auditui.core.base.wording import plural
from auditui.tui.text import Fit
from auditui.tui.widgets.change_detail import ChangeDetail
from auditui.tui.widgets.change_list import STATUSES, ChangeFilter, ChangeList

if TYPE_CHECKING:
    from textual import getters

    from auditui.tui.app import AuditApp


class ReviewScreen(Screen):
    if TYPE_CHECKING:
        app = getters.app(AuditApp)

    CSS_PATH = "review.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    # Short labels, help first: at 80 columns the footer shows every key that matters.
    BINDINGS = [
        Binding("question_mark", "app.help", "Help"),
        Binding("slash", "focus_filter", "Filter"),
        Binding("s", "cycle_status", "Status"),
        Binding("n", "next_blocked", "Blocked"),
        Binding("p", "prev_blocked", "Prev blocked", show=False),
        Binding("t", "timeline", "Timeline"),
        Binding("i", "incident", "Incident"),
        Binding("a", "approve", "Approve"),
        Binding("x", "reject", "Reject", show=False),
        Binding("w", "withdraw", "Withdraw", show=False),
        Binding("e", "add_eval", "Eval"),
        Binding("escape", "focus_list", "List", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.change_filter = ChangeFilter()
        self.shown: list = []
        self.judged_so_far: list = []  # changes judged so far, before the first report is complete

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with Vertical(id="left"):
                with Horizontal(id="filters"):
                    yield Input(placeholder="/ filter: text, model, rule…", id="filter")
                    yield Select(
                        [(s, s) for s in STATUSES], value="all", allow_blank=False, id="status"
                    )
                    yield Select([], prompt="any model", id="model")
                yield ProgressBar(id="progress", show_eta=False)
                yield Static("Reading history…", id="status-line")
                yield ChangeList(id="changes")
            with VerticalScroll(id="right"):
                yield ChangeDetail(id="detail")
        yield Footer(compact=True, show_command_palette=False)  # ctrl+p: in the help

    def on_mount(self) -> None:
        self.change_filter.short = self.app.short
        self.query_one(ChangeList).focus()
        self.query_one(ChangeDetail).show(None, None)
        if self.judged_so_far and self.report is None:
            self.refilter()  # batches that came before the screen was up

    # -- data ---------------------------------------------------------------

    @property
    def report(self):
        return self.app.report

    def show_progress(self, done: int, total: int) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=total, progress=done)
        self.query_one("#status-line", Static).update(f"Reading history… {done}/{total} commits")

    def add_changes(self, changes: list) -> None:
        """Rows for changes judged while history still loads (the first load only:
        a reload keeps showing the last full report until the new one is complete)."""
        self.judged_so_far.extend(changes)
        if not self.is_mounted:
            return  # on_mount lists them
        accepted = [c for c in changes if self.change_filter.accepts(c)]
        self.shown.extend(accepted)
        self.query_one(ChangeList).append(accepted)
        if len(self.shown) == len(accepted):
            self._show_current()  # the first rows: show the first change at once

    def show_report(self, keep: str | None = None) -> None:
        report = self.report
        self.query_one(ProgressBar).display = False
        models = sorted({m for c in report.changes for m in c.models})
        select = self.query_one("#model", Select)
        select.set_options([(Fit(self.app.short(m)), m) for m in models])
        if self.change_filter.model in models:
            select.value = self.change_filter.model
        self.refilter(keep)

    def show_error(self, message: str, hint: str | None) -> None:
        self.query_one(ProgressBar).display = False
        line = self.query_one("#status-line", Static)
        text = Text("auditui cannot judge: ", style="bold red")
        text.append(safe(message) + (f"\n{safe(hint)}" if hint else ""))
        line.update(text)
        line.add_class("error")

    def restart_loading(self) -> None:
        self.judged_so_far.clear()
        if self.report is None and self.is_mounted:
            self.refilter()

    def refilter(self, keep: str | None = None) -> None:
        report = self.report
        table = self.query_one(ChangeList)
        if keep is None and self.current is not None:
            keep = self.current.commit.sha
        changes = report.changes if report is not None else self.judged_so_far
        self.shown = [c for c in changes if self.change_filter.accepts(c)]
        table.populate(self.shown, keep)
        if report is None:  # still loading: the status line shows progress
            self._show_current()
            return
        totals = report.totals
        shown = f"{len(self.shown)} of " if len(self.shown) != len(report.changes) else ""
        if report.upstream and not report.commits_walked:
            self.query_one("#status-line", Static).update(
                Text(
                    f"Nothing to audit: {report.head[:7]} is already in its upstream "
                    f"{report.upstream}. Run `auditui review --all` for the whole history."
                )
            )
            self._show_current()
            return
        line = Text(
            f"{shown}{plural(totals.changes, 'change')} in "
            f"{plural(report.commits_walked, 'commit')} · "
        )
        line.append(f"{totals.blocked} blocked", style="bold red")
        if totals.overridden:
            line.append(" · ")
            line.append(f"{totals.overridden} overridden", style="bold yellow")
        line.append(f" · {totals.passed} pass")
        for count, word in ((totals.exempt, "exempt"), (totals.reverted, "reverted")):
            if count:
                line.append(f" · {count} {word}")
        self.query_one("#status-line", Static).update(line)  # the policy: in the header
        self._show_current()

    @property
    def current(self):
        table = self.query_one(ChangeList)
        if not self.shown or table.cursor_row < 0 or table.cursor_row >= len(self.shown):
            return None
        return self.shown[table.cursor_row]

    def _show_current(self) -> None:
        self.query_one(ChangeDetail).show(self.current, self.app.policy)
        self.query_one("#right").scroll_home(animate=False)

    # -- events ---------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#changes")
    def _highlighted(self) -> None:
        self._show_current()

    @on(Input.Changed, "#filter")
    def _text_changed(self, event: Input.Changed) -> None:
        self.change_filter.text = event.value
        self.refilter()

    @on(Input.Submitted, "#filter")
    def _text_submitted(self) -> None:
        self.query_one(ChangeList).focus()

    @on(Select.Changed, "#status")
    def _status_changed(self, event: Select.Changed) -> None:
        self.change_filter.status = str(event.value)
        self.refilter()

    @on(Select.Changed, "#model")
    def _model_changed(self, event: Select.Changed) -> None:
        self.change_filter.model = None if event.value is Select.BLANK else str(event.value)
        self.refilter()

    # -- actions --------------------------------------------------------------

    def action_focus_filter(self) -> None:
        # set_focus is immediate (focus() waits a tick): keys typed in a burst after
        # "/" must land in the filter, not on the list's one-key actions.
        self.app.set_focus(self.query_one("#filter", Input))

    def action_focus_list(self) -> None:
        self.query_one(ChangeList).focus()

    def action_cycle_status(self) -> None:
        # Applied at once, not when the Select reports its change: presses in quick
        # succession each move on from the one before (they used to be lost).
        status = STATUSES[(STATUSES.index(self.change_filter.status) + 1) % len(STATUSES)]
        self.change_filter.status = status
        self.query_one("#status", Select).value = status
        self.refilter()

    def _jump_blocked(self, step: int) -> None:
        if not self.shown:
            return
        table = self.query_one(ChangeList)
        n = len(self.shown)
        for k in range(1, n + 1):
            index = (table.cursor_row + step * k) % n
            if self.shown[index].status == "blocked":
                table.move_cursor(row=index)
                table.focus()
                return
        self.notify("No blocked change in this view.")

    def action_next_blocked(self) -> None:
        self._jump_blocked(1)

    def action_prev_blocked(self) -> None:
        self._jump_blocked(-1)

    def action_timeline(self) -> None:
        change = self.current
        model = change.models[0] if change and change.models else None
        self.app.action_timeline(model or self.change_filter.model)

    def action_incident(self) -> None:
        change = self.current
        models = list(change.models) if change and len(change.models) <= 8 else []
        if not models and self.change_filter.model:
            models = [self.change_filter.model]
        self.app.action_incident(models)

    def action_approve(self) -> None:
        self.app.open_approve(self.current, "approve")

    def action_reject(self) -> None:
        self.app.open_approve(self.current, "reject")

    def action_withdraw(self) -> None:
        self.app.open_approve(self.current, "withdraw")

    def action_add_eval(self) -> None:
        self.app.open_eval(self.current)
