"""Modal forms for acting on a change: approve / reject, and add an eval result.

They only collect and validate input; the app writes the record through
core.records.append_entries, the same code as `auditui approve` / `auditui eval add`.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from auditui.core.terminal import safe


def heading(action: str, change) -> Text:
    """The form's title. Repository text is never markup: a subject like
    "fix [/b] tag" must show as typed, not break the screen."""
    title = Text(action, style="bold")
    title.append(f" {change.commit.short} — {safe(change.commit.subject)}", style="")
    return title


class ApproveScreen(ModalScreen[dict | None]):
    CSS_PATH = "actions.tcss"
    AUTO_FOCUS = "#comment"  # (not on_mount: a key racing app exit must not crash it)
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, change, verdict: str, identity: str) -> None:
        super().__init__()
        self.change = change
        self.verdict = verdict
        self.identity = identity

    def compose(self) -> ComposeResult:
        c = self.change
        with Vertical(id="dialog"):
            yield Label(heading(self.verdict.title(), c))
            yield Static(
                Text(f"as {safe(self.identity)} · fingerprint {c.fingerprint[:23]}…\n"
                     f"models: {safe(', '.join(c.models) or '(policy)')}"),
                classes="muted",
            )  # fmt: skip
            yield Input(placeholder="comment (optional)", id="comment")
            with Horizontal(classes="buttons"):
                variant = {"approve": "success", "reject": "error"}.get(self.verdict, "warning")
                yield Button(self.verdict.title(), id="ok", variant=variant)
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    def _to_button(self) -> None:
        # Enter in the comment only moves to the button: writing a verdict takes a
        # deliberate second Enter, so keys typed in a burst can never approve.
        self.query_one("#ok", Button).focus()

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        comment = self.query_one("#comment", Input).value.strip() or None
        self.dismiss({"verdict": self.verdict, "comment": comment})

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class EvalScreen(ModalScreen[dict | None]):
    CSS_PATH = "actions.tcss"
    AUTO_FOCUS = "#baseline"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, change, suites: tuple[str, ...]) -> None:
        super().__init__()
        self.change = change
        self.suites = suites

    def compose(self) -> ComposeResult:
        c = self.change
        with Vertical(id="dialog"):
            yield Label(heading("Add eval", c))
            with Grid(id="form"):
                yield Label("model")
                yield Select([(safe(m), m) for m in c.models], allow_blank=False, id="model",
                             compact=True)  # fmt: skip
                yield Label("suite")
                yield Input(self.suites[0] if self.suites else "", id="suite", compact=True)
                yield Label("baseline")
                yield Input(placeholder="score of the parent config", id="baseline",
                            type="number", compact=True)  # fmt: skip
                yield Label("candidate")
                yield Input(placeholder="score with the change", id="candidate", type="number",
                            compact=True)  # fmt: skip
                yield Label("samples")
                yield Input(placeholder="optional", id="samples", type="integer", compact=True)
                yield Label("run")
                yield Input(placeholder="optional: where the evidence lives", id="run",
                            compact=True)  # fmt: skip
                yield Label("or import")
                yield Input(placeholder="baseline file (promptfoo, lm-eval, inspect output)",
                            id="baseline_file", compact=True)  # fmt: skip
                yield Label("")
                yield Input(placeholder="candidate file", id="candidate_file", compact=True)
            yield Static("", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Add eval", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    def _value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    @on(Input.Submitted)
    def _next_field(self) -> None:
        """Enter moves on (last field: to the button), never writes by itself."""
        self.focus_next()

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        error = self.query_one("#error", Static)
        files = self._value("baseline_file"), self._value("candidate_file")
        if any(files):
            self._import(*files)
            return
        try:
            baseline = float(self._value("baseline"))
            candidate = float(self._value("candidate"))
        except ValueError:
            error.update("[red]baseline and candidate must be numbers[/]")
            return
        suite = self._value("suite")
        if not suite:
            error.update("[red]suite is required[/]")
            return
        samples = self._value("samples")
        self.dismiss(
            {
                "model": str(self.query_one("#model", Select).value),
                "suite": suite,
                "baseline": baseline,
                "candidate": candidate,
                "samples": int(samples) if samples else None,
                "run": self._value("run") or None,
            }
        )

    def _import(self, baseline: str, candidate: str) -> None:
        """Two eval tool outputs instead of typed numbers (`auditui eval import`)."""
        from pathlib import Path

        from auditui.core.errors import AuditError
        from auditui.core.evalimport import import_pair

        error = self.query_one("#error", Static)
        if not (baseline and candidate):
            error.update(Text("give both files: the baseline run and the candidate run",
                              style="red"))  # fmt: skip
            return
        try:
            imported = import_pair(Path(baseline).expanduser(), Path(candidate).expanduser(),
                                   self.change.models, str(self.query_one("#model", Select).value),
                                   self._value("suite") or None)  # fmt: skip
        except AuditError as exc:
            error.update(Text(safe(exc.message), style="red"))
            return
        self.dismiss({"imported": imported})

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
