"""From a symptom to its cause: the models showing it and a window in, the changes in
force on them ranked beside a chart of when each was live and at what rollout
(docs/reports.md, "From a symptom to its cause")."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual_plotext import PlotextPlot

from auditui.core.base.errors import AuditError
from auditui.core.base.terminal import safe
from auditui.core.base.wording import plural
from auditui.core.features.incident import (
    Band,
    Suspect,
    bands,
    exposure,
    named_models,
    suspects,
    window,
    window_text,
)
from auditui.core.features.inforce import ROLLOUT_KEY, InForce, account, rollout_key
from auditui.tui.text import Fit, plain
from auditui.tui.widgets.badges import verdict
from auditui.tui.widgets.table import Table

if TYPE_CHECKING:
    from textual import getters

    from auditui.tui.app import AuditApp

COLUMNS = ("#", "Commit", "Subject", "Live", "Verdict", "Eval Δ", "Models", "Kinds")
# The chart shows the window and the weeks before it: a change undone just before
# the window is no suspect, yet a reader wants to see it end.
LEAD_DAYS = 42
FULL = 100  # the height of a band on a model without a rollout setting: all traffic


class SuspectTable(Table):
    FLEX = {"Subject": 14, "Models": 10}
    SPILL = ("Kinds", "Models")  # the subject says more at 80 columns
    ROOMY = {"Subject": 20}


class IncidentScreen(Screen):
    if TYPE_CHECKING:
        app = getters.app(AuditApp)

    CSS_PATH = "incident.tcss"
    # From 160 columns the chart sits beside the suspects, below that under them.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (160, "-wide")]
    BINDINGS = [
        Binding("escape,b", "back", "Back"),
        Binding("enter", "open_change", "Open change", show=True),
        Binding("m", "next_model", "Chart model"),
        Binding("slash", "focus_models", "Models"),
    ]

    def __init__(self, models: list[str], since: str, until: str) -> None:
        super().__init__()
        self.asked = (", ".join(models), since, until)
        self.account: InForce | None = None
        self.head = ""
        self.rollout_key = ROLLOUT_KEY
        self.found: list[Suspect] = []
        self.models: list[str] = []  # the models asked about, the chart's first
        self.charted = 0  # which of them the chart shows
        self.drawn: list[Band] = []  # its bands, a lane each
        self.window: tuple[dt.datetime | None, dt.datetime | None] = (None, None)  # asked

    def compose(self) -> ComposeResult:
        yield Header()
        models, since, until = self.asked
        with Horizontal(id="incident-ask"):
            yield Static("models", classes="ask-label")
            yield Input(models, placeholder="opus-4.6, opus-4.7 (names or globs)", id="models")
            yield Static("since", classes="ask-label")
            yield Input(since, placeholder="YYYY-MM-DD", id="since", classes="ask-date")
            yield Static("until", classes="ask-label")
            yield Input(until, placeholder="YYYY-MM-DD", id="until", classes="ask-date")
        yield Static("Reading the history up to the head…", id="incident-status")
        with Horizontal(id="incident-body"):
            yield SuspectTable(id="suspects", cursor_type="row", zebra_stripes=True)
            with Vertical(id="exposure-box"):
                yield PlotextPlot(id="exposure")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "incident: what was in force"
        self._load()

    @work(thread=True, exclusive=True)
    def _load(self) -> None:
        """The account of what was in force when, over the whole history up to the
        head (a change made long before the window may be the one still in force)."""
        try:
            ctx = self.app.source.whole_history()
            ctx.anchors = False
            state, _changes = account(ctx)
        except AuditError as exc:
            self.app.call_from_thread(self._failed, exc.message, exc.hint)
            return
        self.app.call_from_thread(self._loaded, state, ctx.head, rollout_key(ctx.policy))

    def _loaded(self, state: InForce, head: str, rollout_key: str) -> None:
        self.account, self.head, self.rollout_key = state, head, rollout_key
        self.ask()
        self.query_one(SuspectTable).focus()

    def _failed(self, message: str, hint: str | None) -> None:
        text = Text(safe(message), style="bold red")
        if hint:
            text.append("  " + safe(hint), style="dim")
        self.query_one("#incident-status", Static).update(text)

    @on(Input.Submitted)
    def ask(self) -> None:
        """Rank the suspects and draw the chart for what the inputs ask."""
        if self.account is None:
            return
        asked = self.query_one("#models", Input).value
        try:
            since, until = window(
                self.query_one("#since", Input).value.strip() or None,
                self.query_one("#until", Input).value.strip() or None,
            )
            names = [m.strip() for m in asked.split(",") if m.strip()]
            known = sorted({s.model for s in self.account.spans})
            self.models = named_models(known, names, self.head)
        except AuditError as exc:
            self._failed(exc.message, exc.hint)
            return
        self.found = suspects(self.account, self.models, since, until, self.rollout_key)
        self.charted, self.window = 0, (since, until)
        self._show_suspects()
        self._draw()
        self.query_one(SuspectTable).focus()

    def _show_suspects(self) -> None:
        table = self.query_one(SuspectTable)
        table.clear(columns=True)
        for label in COLUMNS:
            table.add_column(label, width=SuspectTable.FLEX.get(label), key=label)
        for s in self.found:
            c = s.change
            delta = "" if s.eval_delta is None else f"{s.eval_delta:+.1f}"
            table.add_row(
                str(s.rank),
                c.commit.short,
                Fit(c.commit.subject),
                f"{s.start.day} – {s.end.day if s.end else 'now'}",
                verdict(c),
                Text(delta, style="bold red" if s.eval_delta and s.eval_delta < 0 else ""),
                Fit(", ".join(self.app.short(m) for m in s.models)),
                plain(", ".join(s.kinds)),
            )
        table.fit()
        self.query_one("#incident-status", Static).update(
            plain(
                f"{plural(len(self.found), 'change')} in force on "
                f"{plural(len(self.models), 'model')} during {window_text(*self.window)}, "
                "most likely first · "
                "enter opens one"
            )
        )

    def _draw(self) -> None:
        """One model's exposure: a band per change along the days, as high as the
        model's rollout value while it was in force."""
        assert self.account is not None
        since, until = self.window
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        if not self.models:
            plot.refresh()
            return
        end = until or (self.account.head.when if self.account.head else dt.datetime.now(dt.UTC))
        start = (since or end) - dt.timedelta(days=LEAD_DAYS)
        model = self.models[self.charted]
        days = exposure(self.account, [model], start, end, self.rollout_key)
        rows = days.get(model, [])
        self.drawn = drawn = bands(rows)
        plt.title(f"{self.app.short(model)}: in force, rollout % (m: next model)")
        for lane, band in enumerate(drawn):
            _draw_band(plt, lane, band)
        labels = [b.change.commit.short for b in drawn]
        plt.yticks([n + 0.4 for n in range(len(drawn))], labels)
        plt.ylim(-0.2, max(len(drawn), 1))
        step = max(1, len(rows) // 6)
        ticks = [float(n) for n in range(0, len(rows), step)]
        plt.xticks(ticks, [rows[int(n)].day[5:] for n in ticks])
        plt.xlim(0, max(len(rows), 1))
        plot.refresh()

    def action_next_model(self) -> None:
        if self.models:
            self.charted = (self.charted + 1) % len(self.models)
            self._draw()  # the window last asked, not a field edited since

    def action_focus_models(self) -> None:
        self.query_one("#models", Input).focus()

    def action_back(self) -> None:
        if self.focused is not None and isinstance(self.focused, Input):
            self.query_one(SuspectTable).focus()
            return
        self.app.pop_screen()

    @on(DataTable.RowSelected, "#suspects")
    def _selected(self) -> None:
        self.action_open_change()

    def action_open_change(self) -> None:
        """The suspect's change in the review, where t and c lead on to its timeline
        and its config; one outside the range under review is named instead."""
        table = self.query_one(SuspectTable)
        if not self.found or not 0 <= table.cursor_row < len(self.found):
            return
        change = self.found[table.cursor_row].change
        report = self.app.report
        if report is None or change.commit.sha not in {c.commit.sha for c in report.changes}:
            self.notify(
                f"{change.commit.short} is before the range under review; "
                f"`auditui show {change.commit.short}` prints it",
                markup=False,
            )
            return
        self.app.select_change(change.commit.sha)


COLOURS = ("cyan", "magenta", "green", "yellow", "blue", "red", "orange", "white")


def _draw_band(plt, lane: int, band: Band) -> None:
    """A change's runs as filled rectangles in its lane, each as high as its rollout
    (the lane is named by the change's commit; the table beside says what it is)."""
    for first, last, rollout in band.runs:
        plt.rectangle(
            [first, last + 1],
            [lane, lane + 0.8 * _height(rollout) / FULL],
            fill=True,
            color=COLOURS[lane % len(COLOURS)],
        )


def _height(rollout: object) -> float:
    """A rollout value as a share of FULL; a model without one gets all traffic."""
    if isinstance(rollout, bool) or not isinstance(rollout, int | float):
        return FULL
    return max(0.0, min(float(rollout), FULL))
