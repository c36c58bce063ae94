"""Per-model timeline: every change to one model's effective config, oldest first."""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, OptionList, Sparkline, Static

from auditui.core.audit.checks import regresses
from auditui.core.base.terminal import safe
from auditui.core.base.wording import plural
from auditui.core.diff.deltas import leaf_rows
from auditui.core.features.timeline import models_in, score_trends, timeline
from auditui.tui.text import Fit, fit_key, fit_pair, fit_path, plain
from auditui.tui.widgets.badges import KIND_STYLE, kind, old_to_new, verdict
from auditui.tui.widgets.table import Table

if TYPE_CHECKING:
    from textual import getters

    from auditui.tui.app import AuditApp

# The columns that find an incident first: each change's date, verdict and eval
# deltas, then what it moved; the commit and its author last, where a narrow screen
# lets them go (at 80 columns the eval deltas, then the values, used to be off screen).
COLUMNS = ("Date", "Verdict", "Eval Δ", "Setting", "Old → New", "Kind", "Commit", "Author")


class TimelineTable(Table):
    FLEX = {"Setting": 16, "Old → New": 14}  # wider on a wide screen, never narrower
    SPILL = ("Kind", "Commit", "Author")  # Old → New is coloured by its kind
    ROOMY = {"Setting": 20, "Old → New": 18}


class TimelineScreen(Screen):
    if TYPE_CHECKING:
        app = getters.app(AuditApp)
    CSS_PATH = "timeline.tcss"
    # Under 120 columns the model list hides (the table needs the width) and `m`
    # shows it over the table; picking a model with enter hides it again. From 170
    # columns it is wide enough for a catalogue's provider/id names.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide"), (170, "-wider")]
    BINDINGS = [
        Binding("escape,b", "back", "Back"),
        Binding("enter", "open_change", "Open change", show=True),
        Binding("c", "config_here", "Config here"),
        Binding("m", "pick_model", "Model"),
    ]  # enter on the table itself arrives as DataTable.RowSelected (see _selected)

    def __init__(self, model: str | None = None) -> None:
        super().__init__()
        self.model = model
        self.rows: list = []
        self.paths: list[str] = []  # the setting of each row

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield OptionList(id="models")
            with Vertical(id="body"):
                yield Vertical(id="trends")
                yield TimelineTable(id="timeline", cursor_type="row", zebra_stripes=True)
        yield Static(id="timeline-summary")
        yield Footer()

    def on_mount(self) -> None:
        report = self.app.report
        models: list[str] = models_in(report) if report else []
        options = self.query_one(OptionList)
        self.models = models
        options.add_options([Fit(self.app.short(m)) for m in models])
        if models:
            index = models.index(self.model) if self.model in models else 0
            options.highlighted = index
            self.show_model(models[index])
        self.query_one(TimelineTable).focus()

    @on(OptionList.OptionHighlighted, "#models")
    def _picked(self, event: OptionList.OptionHighlighted) -> None:
        self.show_model(self.models[event.option_index])  # the name itself, not its display

    @on(OptionList.OptionSelected, "#models")
    def _chosen(self) -> None:
        """Enter on a model: back to its changes (on a narrow screen, the list hides)."""
        self.query_one("#models").remove_class("-picking")
        self.query_one(TimelineTable).focus()

    def action_pick_model(self) -> None:
        picker = self.query_one("#models", OptionList)
        picker.add_class("-picking")
        picker.focus()

    def action_back(self) -> None:
        """Esc closes the model list shown over the table first, then the timeline."""
        picker = self.query_one("#models", OptionList)
        if picker.has_class("-picking"):
            self._chosen()
            return
        self.app.pop_screen()

    def show_model(self, model: str) -> None:
        report = self.app.report
        if report is None or (model == self.model and self.rows):
            return  # nothing loaded, or highlighted again (the list shown over the table)
        self.model = model
        self.sub_title = f"timeline of {safe(self.app.short(model))}"
        entries = timeline(report, model)
        table = self.query_one(TimelineTable)
        # Eval Δ only where this model has evals: on a catalogue with none, an empty
        # column would take the room its settings and values need at 80 columns.
        columns = [c for c in COLUMNS if c != "Eval Δ" or any(e.evals for e in entries)]
        table.clear(columns=True)
        for label in columns:
            table.add_column(label, width=TimelineTable.FLEX.get(label), key=label)
        self.rows, self.paths = [], []
        policy = self.app.context.policy
        for entry in entries:
            c = entry.change
            evals = " ".join(f"{e.suite} {e.delta:+.1f}" for e in entry.evals)
            regress = any(regresses(e, policy.evals) for e in entry.evals)
            # An item added or removed whole, a row per leaf, as in the detail.
            rows = [(d, leaf) for d in entry.deltas for leaf in leaf_rows(d, policy)]
            for n, (d, (path, old, new)) in enumerate(rows):
                first = n == 0
                cells = {
                    "Date": c.commit.author_date[:10] if first else "",
                    "Verdict": verdict(c) if first else "",
                    "Eval Δ": Text(evals, style="bold red" if regress else "green")
                    if first
                    else "",
                    "Setting": setting(path),
                    "Old → New": Fit(
                        old_to_new(old, new), fit_pair, style=KIND_STYLE.get(d.kind, "")
                    ),
                    "Kind": kind(d.kind),
                    "Commit": c.commit.short if first else "",
                    "Author": plain(c.commit.author_email.split("@")[0] if first else ""),
                }
                table.add_row(*(cells[label] for label in columns))
                self.rows.append(c)
                self.paths.append(path)
        table.fit()
        self._show_trends(entries)
        self.query_one("#timeline-summary", Static).update(
            Fit(f"{model}: {plural(len(entries), 'change')}, oldest first", fit_path)
        )

    def _show_trends(self, entries) -> None:
        """Each suite's recorded scores as a sparkline, its largest drop named: the
        incident's 3-point dip and the change under it, at a glance."""
        box = self.query_one("#trends", Vertical)
        box.remove_children()
        rows = []
        for suite, points in sorted(score_trends(entries).items()):
            worst, drop = min(
                ((p, p.delta) for p in points if p.delta is not None), key=itemgetter(1)
            )
            caption = Text(
                f" {worst.shown} at {worst.commit} · {points[0].score:g} → {points[-1].score:g}",
                style="bold red" if drop < 0 else "green",
            )
            rows.append(
                Horizontal(
                    Static(plain(suite), classes="trend-suite"),
                    Sparkline([p.score for p in points], classes="trend-line"),
                    Static(caption, classes="trend-caption"),
                    classes="trend",
                )
            )
        if rows:
            box.mount(*rows)
        box.display = bool(rows)

    @on(DataTable.RowSelected, "#timeline")
    def _selected(self) -> None:
        self.action_open_change()

    def action_config_here(self) -> None:
        """The model's config as of the selected change, who set each setting."""
        from auditui.tui.screens.config import ConfigScreen

        table = self.query_one(TimelineTable)
        if self.model and self.rows and 0 <= table.cursor_row < len(self.rows):
            key = self.paths[table.cursor_row]
            self.app.push_screen(
                ConfigScreen(self.model, self.rows[table.cursor_row].commit.sha, key)
            )

    def action_open_change(self) -> None:
        table = self.query_one(TimelineTable)
        if self.rows and 0 <= table.cursor_row < len(self.rows):
            self.app.select_change(self.rows[table.cursor_row].commit.sha)


def setting(path: str) -> Fit:
    """A delta's setting for a narrow cell: a prompt's path cut like a path, a key
    keeping its item and leaf (`…[max_tokens].default`)."""
    if path.startswith("prompt:"):
        return Fit(path.removeprefix("prompt:"), fit_path)
    return Fit(path, fit_key)
