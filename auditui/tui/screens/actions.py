"""Modal forms for acting on a change: approve / reject / withdraw, and add an eval.

They collect and validate input, then write through the app (core.target.add_evidence,
the same code as `auditui approve` / `auditui eval add`) before they close: a write
that fails says why inside the form, which stays open with what was typed.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static
from textual.widgets.button import ButtonVariant

from auditui.core.base.errors import AuditError
from auditui.core.base.terminal import safe
from auditui.tui.text import Fit, fit_end, one_line

# Writes a form's result to the record and says what was written; raises AuditError
# when the record cannot take it.
Write = Callable[[dict], str]


def heading(action: str, change) -> Text:
    """The form's title. Repository text is never markup: a subject like
    "fix [/b] tag" must show as typed, not break the screen."""
    title = Text(action, style="bold")
    title.append(f" {change.commit.short} — {one_line(change.commit.subject)}", style="")
    return title


def models_line(change, short: Callable[[str], str]) -> Fit:
    """One line however many models the change moves (446 names pushed the form's
    buttons off an 80x24 screen): the count, then their short names as far as fit."""
    names = ", ".join(map(short, change.models)) or "(policy)"
    count = f" ({len(change.models)})" if len(change.models) > 1 else ""
    return Fit(f"models{count}: {names}", fit_end, style="dim")


_VARIANTS: dict[str, ButtonVariant] = {"approve": "success", "reject": "error"}


class RecordForm(ModalScreen[str | None]):
    """A form whose submit writes to the change's record before it closes."""

    CSS_PATH = "actions.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall")]  # 24 rows: no blank lines

    def __init__(self, change, write: Write) -> None:
        super().__init__()
        self.change = change
        self.write = write

    def submit(self, result: dict) -> None:
        """Write `result`; close saying what was written, or stay open saying why not."""
        try:
            written = self.write(result)
        except AuditError as exc:
            self.show_error(exc.message, exc.hint)
            return
        except OSError as exc:  # a read-only tree, a full disk: the record is as it was
            self.show_error(f"the record could not be written: {exc}")
            return
        self.dismiss(written)

    def show_error(self, message: str, hint: str | None = None) -> None:
        text = Text(f"Not written: {safe(message)}", style="bold red")
        if hint:
            text.append(f"\n{safe(hint)}", style="red")
        self.query_one("#error", Static).update(text)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ApproveScreen(RecordForm):
    AUTO_FOCUS = "#comment"  # (not on_mount: a key racing app exit must not crash it)

    def __init__(
        self, change, verdict: str, identity: str, write: Write, short: Callable[[str], str] = str
    ) -> None:
        super().__init__(change, write)
        self.verdict = verdict
        self.identity = identity
        self.short = short

    def compose(self) -> ComposeResult:
        c = self.change
        with Vertical(id="dialog"):
            yield Label(heading(self.verdict.title(), c))
            yield Static(
                Text(f"as {safe(self.identity)} · fingerprint {c.fingerprint[:23]}…"),
                classes="muted",
            )
            yield Static(models_line(c, self.short), classes="muted")
            yield Input(placeholder="comment (optional)", id="comment")
            yield Static("", id="error")
            with Horizontal(classes="buttons"):
                variant = _VARIANTS.get(self.verdict, "warning")
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
        self.submit({"verdict": self.verdict, "comment": comment})


# The eval form's fields in order; each is typed numbers or two tool output files.
NUMBERS = ("suite", "baseline", "candidate")
FILES = ("baseline_file", "candidate_file")
FIELDS = ("suite", "baseline", "candidate", "samples", "run", *FILES)


class EvalScreen(RecordForm):
    AUTO_FOCUS = "#baseline"
    # Enter is the screen's before it is the field's: the next field takes focus before
    # the keys after it are sent on (typed in a burst, "71" landed in the baseline).
    BINDINGS = [Binding("enter", "enter", show=False, priority=True)]

    def __init__(self, change, suites: tuple[str, ...], write: Write) -> None:
        super().__init__(change, write)
        self.suites = suites

    def compose(self) -> ComposeResult:
        c = self.change
        with Vertical(id="dialog"):
            yield Label(heading("Add eval", c))
            with Grid(id="form"):
                yield Label("model")
                yield Select(
                    [(safe(m), m) for m in c.models], allow_blank=False, id="model", compact=True
                )
                yield Label("suite")
                yield Input(self.suites[0] if self.suites else "", id="suite", compact=True)
                yield Label("baseline")
                yield Input(
                    placeholder="score of the parent config",
                    id="baseline",
                    type="number",
                    compact=True,
                )
                yield Label("candidate")
                yield Input(
                    placeholder="score with the change", id="candidate", type="number", compact=True
                )
                yield Label("samples")
                yield Input(placeholder="optional", id="samples", type="integer", compact=True)
                yield Label("run")
                yield Input(
                    placeholder="optional: where the evidence lives", id="run", compact=True
                )
                yield Label("or import")
                yield Input(
                    placeholder="baseline file (promptfoo, lm-eval, inspect output)",
                    id="baseline_file",
                    compact=True,
                )
                yield Label("")
                yield Input(placeholder="candidate file", id="candidate_file", compact=True)
            yield Static("", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Add eval", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    def _value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    def action_enter(self) -> None:
        """Enter in a field moves on to the next required field still empty (the form
        is filled top to bottom) and submits once none is left: `70 enter 71 enter`
        writes. Elsewhere (a button, the model list) it does what it does there."""
        field = self.focused
        if not isinstance(field, Input) or field.id not in FIELDS:
            raise SkipAction()
        # Keys typed just before this Enter may not have reached the field yet: what
        # it holds is read only by the submit, queued behind them on the field.
        files = field.id in FILES or any(map(self._value, FILES))
        for name in FIELDS[FIELDS.index(field.id) + 1 :]:
            if name in (FILES if files else NUMBERS) and not self._value(name):
                self.app.set_focus(self.query_one(f"#{name}", Input))
                return
        field.call_later(self._ok)

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        files = self._value("baseline_file"), self._value("candidate_file")
        if any(files):
            self._import(*files)
            return
        try:
            baseline = float(self._value("baseline"))
            candidate = float(self._value("candidate"))
        except ValueError:
            wrong = "candidate" if _number(self._value("baseline")) else "baseline"
            self._invalid(wrong, "baseline and candidate must be numbers (or two files below)")
            return
        suite = self._value("suite")
        if not suite:
            self._invalid("suite", "suite is required")
            return
        samples = self._value("samples")
        self.submit(
            {
                "model": str(self.query_one("#model", Select).value),
                "suite": suite,
                "baseline": baseline,
                "candidate": candidate,
                "samples": int(samples) if samples else None,
                "run": self._value("run") or None,
            }
        )

    def _invalid(self, field: str, message: str) -> None:
        self.query_one("#error", Static).update(Text(message, style="bold red"))
        self.app.set_focus(self.query_one(f"#{field}", Input))

    def _import(self, baseline: str, candidate: str) -> None:
        """Two eval tool outputs instead of typed numbers (`auditui eval import`)."""
        from pathlib import Path

        from auditui.core.features.evalimport import import_pair

        if not (baseline and candidate):
            missing = "candidate_file" if baseline else "baseline_file"
            self._invalid(missing, "give both files: the baseline run and the candidate run")
            return
        try:
            imported = import_pair(
                Path(baseline).expanduser(),
                Path(candidate).expanduser(),
                self.change.models,
                str(self.query_one("#model", Select).value),
                self._value("suite") or None,
            )
        except AuditError as exc:
            self.show_error(exc.message, exc.hint)
            return
        self.submit({"imported": imported})


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
