"""The right-hand panel: everything about one change, as Rich renderables.

Pure rendering from a Change; no I/O, so it is cheap to redraw on every highlight.
"""

from __future__ import annotations

from rich.console import Group
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from auditui.core.audit.checks import RULES, regresses
from auditui.core.audit.report import stamp
from auditui.core.base.terminal import safe
from auditui.core.base.wording import plural
from auditui.core.diff.deltas import leaf_rows
from auditui.core.formats.text_format import reverted_text
from auditui.tui.text import one_line, plain
from auditui.tui.widgets.badges import kind, old_to_new, value, verdict

MAX_MODELS = 40  # a catalogue-wide change stays readable (and quick to draw)


# Deltas a reviewer must not miss: a weaker setting, a new or tighter limit, a weaker
# or dropped instruction in a prompt.
HIGHLIGHTED = frozenset(
    ("downgrade", "limit-added", "limit-changed", "obligation-weakened", "obligation-removed")
)


def _section(title: str) -> Rule:
    return Rule(Text(title, style="bold"), align="left", style="dim")


DIFF_STYLE = {"+": "green", "-": "red", "@": "cyan"}


def diff_lines(detail: str) -> Table:
    """A unified diff whose wrapped lines stay what they are: the +/- marker in a
    column of its own, each line's text (and its continuation) coloured by it."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=1, no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for line in detail.split("\n"):
        if line.startswith(("+++", "---")):
            grid.add_row("", plain(line, style="bold"))
            continue
        if line.startswith("@@"):
            grid.add_row("", plain(line, style=DIFF_STYLE["@"]))
            continue
        mark = line[:1] if line[:1] in ("+", "-") else ""
        style = DIFF_STYLE.get(mark, "")
        grid.add_row(Text(mark, style=style), plain(line[1:], style=style))
    return grid


def render_change(change, policy) -> Group:
    """The panel's sections, top to bottom: header, override, findings, deltas, prompt
    limits, audit record."""
    return Group(
        _header(change),
        *_override(change),
        *_findings(change),
        *_deltas(change, policy),
        *_limits(change),
        *_record(change, policy),
    )


def _header(change) -> Text:
    """Subject, commit, verdict, fingerprint and the rules that applied."""
    c = change.commit
    head = Text()
    head.append(one_line(c.subject), style="bold")
    head.append("\n")
    head.append(
        f"{c.short}  {c.author_date[:16].replace('T', ' ')}  {safe(c.author_email)}\n", "dim"
    )
    head.append("verdict ")
    head.append_text(verdict(change))
    if change.status == "reverted":
        head.append(f"  {reverted_text(change)}; does not block", style="cyan")
    head.append(
        f"\nfingerprint {change.fingerprint[:30]}…  record {safe(change.record_file)}", "dim"
    )
    if change.rules_applied:
        head.append(f"\nrules {safe(', '.join(change.rules_applied))}", "cyan")
    return head


def _override(change) -> list:
    """Who let the change through before its evidence, when, why, and what is due
    (docs/blocked.md): the hours left at the head commit, or AUD014 once late. The
    reason is repository text: shown as typed, on one line, never as markup."""
    o = change.override
    if o is None:
        return []
    text = Text("by ")
    text.append(safe(o.by), style="bold")
    text.append(f" on {stamp(o.at)}\nreason ")
    text.append(one_line(" ".join(o.reason.split())), style="italic")
    if change.status == "pass":
        text.append("\nfollowed up: its evidence is recorded", style="green")
    elif o.overdue:
        text.append(f"\noverdue: AUD014 blocks it · {o.due_text()}", style="bold red")
    else:
        text.append(f"\ndoes not block · {o.due_text()}", style="bold yellow")
    return [_section("Override"), text]


def _findings(change) -> list:
    """Each finding's rule and message; red while they block, yellow while an override
    lets the change through with them owed."""
    parts: list = []
    if change.findings:
        blocking = change.status == "blocked"
        owed = change.status == "overridden"
        title = "Findings" if blocking else "Owed" if owed else "Findings (no longer blocking)"
        parts.append(_section(title))
        rule_style = "bold red" if blocking else "bold yellow" if owed else "bold"
        for f in change.findings:
            line = Text()
            line.append(f"{f.rule} ", style=rule_style)
            line.append(f"{RULES.get(f.rule, '')}\n", style="red" if blocking else "dim")
            line.append(f"  {safe(f.message)}")
            parts.append(line)
    return parts


def _deltas(change, policy) -> list:
    """The deltas model by model (at most MAX_MODELS), each prompt's diff once."""
    parts: list = []
    by_model: dict[str, list] = {}
    for d in change.deltas:
        by_model.setdefault(d.model or "(policy and files)", []).append(d)
    parts.append(_section(f"Deltas — {plural(len(change.models), 'model')}"))
    texts_shown: set = set()
    hidden = max(0, len(by_model) - MAX_MODELS)
    for model, deltas in list(by_model.items())[:MAX_MODELS]:
        parts += _model_deltas(model, deltas, policy, texts_shown)
    if hidden:
        parts.append(
            Text(
                f"… and {hidden} more models: narrow the list with the model "
                "filter, or see `auditui check --format json`",
                style="dim",
            )
        )
    return parts


def _model_deltas(model: str, deltas: list, policy, texts_shown: set) -> list:
    """One model's rows, two lines per setting, then the diffs of the prompts it
    changed that no model above already showed (`texts_shown`)."""
    parts: list = []
    rows = Text()
    diffs = []
    # A rename first: the model's other rows are against the name it had.
    for d in sorted(deltas, key=lambda d: d.kind != "renamed"):
        if d.kind == "text" and (d.path, d.old, d.new) not in texts_shown and d.detail:
            texts_shown.add((d.path, d.old, d.new))
            diffs.append(d)
        style = "on #3a2a00" if d.kind in HIGHLIGHTED else ""
        # Two lines per delta (setting + kind, then old → new) read well at any width;
        # an item added or removed whole, two lines per leaf.
        for path, old, new in leaf_rows(d, policy):
            rows.append(f"  {safe(path)}  ", style="cyan")
            rows.append_text(kind(d.kind))
            rows.append("\n    ")
            arrow = safe(d.detail or "invalid") if d.kind == "invalid" else old_to_new(old, new)
            rows.append(arrow, style=style)
            rows.append("\n")
    rows.rstrip()
    parts.append(plain(model, style="bold magenta"))
    parts.append(rows)
    for d in diffs:
        if d.old is None or d.new is None:  # a whole prompt bound or unbound
            lines = len(d.detail.splitlines()) - 3
            what = "bound" if d.old is None else "unbound"
            parts.append(Text(f"    prompt {what} ({plural(lines, 'line')})", style="dim"))
            continue
        parts.append(Padding(diff_lines(d.detail), (0, 0, 0, 4)))
    return parts


def _limits(change) -> list:
    """The prompt limits the change sets, one row per prompt and limit pair."""
    parts: list = []
    limits = [d for d in change.deltas if d.is_limit]
    if limits:
        parts.append(_section("Prompt limits (before → after)"))
        seen = set()
        table = Table(box=None, padding=(0, 1))
        table.add_column("prompt", style="cyan")
        table.add_column("before")
        table.add_column("after")
        table.add_column("models", style="dim")
        for d in limits:
            key = (d.path, str(d.old), str(d.new))
            if key in seen:
                continue
            seen.add(key)
            models = ", ".join(
                sorted({x.model for x in limits if (x.path, str(x.old), str(x.new)) == key})
            )
            table.add_row(
                plain(d.path.removeprefix("prompt:").removesuffix("#limits")),
                plain(value(d.old)),
                plain(value(d.new), style="bold yellow"),
                plain(models),
            )
        parts.append(table)
    return parts


def _record(change, policy) -> list:
    """The audit record: its summary, evals (red where they regress) and approvals."""
    parts: list = []
    parts.append(_section("Audit record"))
    record = change.record
    if change.status == "exempt":
        parts.append(Text("exempt: made before the policy was adopted", style="dim"))
    elif record is None:
        parts.append(plain(f"no record {change.record_file}", style="yellow"))
    else:
        if record.summary:
            parts.append(Text(one_line(record.summary), style="italic"))
        evals = _evals(record, policy)
        parts.append(evals if record.evals else Text("no evals", style="yellow"))
        approvals = _approvals(record)
        parts.append(approvals if record.approvals else Text("no approvals", style="yellow"))
    return parts


def _evals(record, policy) -> Table:
    """The record's evals, each Δ red where it regresses as the check judges it."""
    evals = Table(title="evals", title_justify="left", box=None, padding=(0, 1))
    for col in ("model", "suite", "baseline", "candidate", "Δ", "run"):
        evals.add_column(col)
    for ev in record.evals:
        regress = regresses(ev, policy.evals)
        evals.add_row(
            plain(ev.model),
            plain(ev.suite),
            f"{ev.baseline:g}",
            f"{ev.candidate:g}",
            Text(ev.shown(), style="bold red" if regress else "green"),
            plain(ev.run or ""),
        )
    return evals


def _approvals(record) -> Table:
    """The record's verdicts: approvals green, rejections red, overrides yellow (with
    their reason where a verdict has its comment)."""
    approvals = Table(title="approvals", title_justify="left", box=None, padding=(0, 1))
    for col in ("by", "verdict", "at", "comment"):
        approvals.add_column(col)
    styles = {"approve": "green", "override": "bold yellow"}
    for ap in record.approvals:
        when = ap.at.strftime("%Y-%m-%d %H:%M")
        said = ap.reason if ap.verdict == "override" else ap.comment
        approvals.add_row(
            plain(ap.by),
            plain(ap.verdict, style=styles.get(ap.verdict, "bold red")),
            when,
            Text(one_line(said or "")),
        )
    return approvals


class ChangeDetail(Static):
    """Shows one change; `show(None)` shows a hint instead."""

    def show(self, change, policy) -> None:
        if change is None:
            self.update(Text("No change selected.", style="dim"))
        else:
            self.update(render_change(change, policy))
