"""The auditui review app. State lives here; screens render it and ask it to act.

History is judged in a thread worker (the UI never waits on git), progress arrives
as messages, and every write goes through core.records.append_entries.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import astuple
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, Select
from textual.worker import get_current_worker

from auditui.core.audit.context import Source
from auditui.core.base.errors import AuditError
from auditui.core.base.terminal import safe
from auditui.tui.messages import AuditBatch, AuditFailed, AuditLoaded, AuditProgress
from auditui.tui.screens.actions import ApproveScreen, EvalScreen
from auditui.tui.screens.help import HelpScreen
from auditui.tui.screens.incident import IncidentScreen
from auditui.tui.screens.review import ReviewScreen
from auditui.tui.screens.timeline import TimelineScreen
from auditui.tui.text import one_line, short_names

if TYPE_CHECKING:
    from auditui.core.audit.context import AuditContext
    from auditui.core.audit.report import Report
    from auditui.core.policy.model import Policy


class AuditApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "auditui"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("r", "reload", "Reload", show=False),
    ]

    def __init__(
        self,
        repo: str | Path = ".",
        base: str | None = None,
        head: str = "HEAD",
        policy_file: str | None = None,
        default_base: bool = True,
        signers_file: str | None = None,
    ) -> None:
        super().__init__()
        self.source = Source(repo, base, head, policy_file, default_base, signers_file)
        self.report: Report | None = None
        self.ctx: AuditContext | None = None
        # Uncommitted records count in the app, but only for the checked-out history:
        # `--head REV` (the hook's `inspect:` line) shows REV exactly as committed, the
        # very verdict `check` and the hook give.
        self.worktree_records = head == "HEAD"
        self.review = ReviewScreen()
        self.generation = 0  # bumped by each load: batches of an older one are dropped
        self.short_names: dict[str, str] = {}  # model -> the part that tells it apart
        self.batch_seconds = 0.2  # how often rows judged so far are sent to the list

    @classmethod
    def reading(cls, source: Source) -> AuditApp:
        """The app over what `source` names (checked by the caller: see cmd_review)."""
        return cls(*astuple(source))

    @property
    def policy(self) -> Policy | None:
        return self.ctx.policy if self.ctx else None

    @property
    def context(self) -> AuditContext:
        """The history under review: known from the first rows, before any can be acted on."""
        if self.ctx is None:
            raise RuntimeError("no history is loaded yet")
        return self.ctx

    def short(self, model: str) -> str:
        """`model` as the app shows it where space is short (`text.short_names` over
        every model of the report): `models/anthropic/models/llm/claude-2` is
        `anthropic/claude-2`. While history loads, the name itself (cut on the left
        where it does not fit): the names are told apart once they are all known."""
        return self.short_names.get(model, model)

    def on_mount(self) -> None:
        self.push_screen(self.review)
        self.load()

    # -- the worker ---------------------------------------------------------

    def load(self, keep: str | None = None) -> None:
        self.generation += 1
        self.review.restart_loading()
        self._load(self.generation, keep)

    @work(thread=True, exclusive=True, group="audit")
    def _load(self, generation: int, keep: str | None = None) -> None:
        """Judge the range in a thread. Changes go to the list in batches as they are
        judged (a catalogue's history takes seconds; its first rows show at once)."""
        from auditui.core.audit.run import AuditRun

        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] > 0.05 or done == total:
                last[0] = now
                self.post_message(AuditProgress(done, total, generation))

        try:
            ctx = self.source.context()
            if self.ctx is None:
                self.ctx = ctx  # rows shown while loading can be opened and acted on
            run = AuditRun(ctx, progress, worktree_records=self.worktree_records)
            changes, batch, sent = [], [], time.monotonic()
            judged = iter(run)
            worker = get_current_worker()
            try:
                for change in judged:
                    if worker.is_cancelled:
                        return  # a reload replaced this load: stop walking (and parsing)
                    changes.append(change)
                    batch.append(change)
                    if time.monotonic() - sent >= self.batch_seconds:
                        self.post_message(AuditBatch(generation, batch))
                        batch, sent = [], time.monotonic()
            finally:
                judged.close()
            report = run.report(changes)
        except AuditError as exc:
            self.post_message(AuditFailed(exc.message, exc.hint, generation))
            return
        except Exception as exc:  # shown in the app, never a crash
            message = f"internal error: {type(exc).__name__}: {exc}"
            self.post_message(AuditFailed(message, None, generation))
            return
        self.post_message(AuditLoaded(report, keep, ctx, generation))

    def on_audit_progress(self, message: AuditProgress) -> None:
        if message.generation == self.generation:
            self.review.show_progress(message.done, message.total)

    def on_audit_batch(self, message: AuditBatch) -> None:
        if message.generation == self.generation and self.report is None:
            self.review.add_changes(message.changes)

    def on_audit_loaded(self, message: AuditLoaded) -> None:
        """The newest load's report. A worker cannot be stopped mid-walk: one a reload
        replaced (an approval, `r`) still finishes, and its report is older news."""
        if message.generation != self.generation:
            return
        report, keep, self.ctx = message.report, message.keep, message.ctx
        self.report = report
        self.short_names = short_names(sorted({m for c in report.changes for m in c.models}))
        base = report.base[:7] if report.base else "root"
        policy = {"base": "policy at base", "head": "policy at head"}.get(
            report.policy_source, f"policy {Path(report.policy_source).name}"
        )
        self.sub_title = safe(f"{Path(report.repo).name} · {base}..{report.head[:7]} · {policy}")
        self.review.show_report(keep)

    def on_audit_failed(self, message: AuditFailed) -> None:
        if message.generation == self.generation:
            self.review.show_error(message.message, message.hint)

    # -- actions ------------------------------------------------------------

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_reload(self) -> None:
        current = self.review.current if self.report else None
        self.load(current.commit.sha if current else None)

    def action_timeline(self, model: str | None = None) -> None:
        if self.report is None:
            return
        if not self.report.changes:
            self.notify("No changes to trace in this range.")
            return
        self.push_screen(TimelineScreen(model))

    def action_incident(self, models: list[str]) -> None:
        """The incident view for `models`, over the two weeks up to the newest change."""
        if self.report is None:
            return
        if not self.report.changes:
            self.notify("No changes in this range.")
            return
        newest = max(c.commit.committer_date for c in self.report.changes)
        until = dt.datetime.fromisoformat(newest).date()
        since = until - dt.timedelta(days=13)
        self.push_screen(IncidentScreen(models, since.isoformat(), until.isoformat()))

    def select_change(self, sha: str) -> None:
        """Back to the review with `sha` selected (clearing filters that hide it)."""
        while len(self.screen_stack) > 2:
            self.pop_screen()
        review = self.review
        if sha not in {c.commit.sha for c in review.shown}:
            review.query_one("#filter", Input).value = ""
            review.query_one("#status", Select).value = "all"
            review.query_one("#model", Select).clear()
            review.change_filter.text, review.change_filter.status, review.change_filter.model = (
                "",
                "all",
                None,
            )
        review.refilter(keep=sha)

    def _identity(self) -> str | None:
        email = self.ctx.repo.config_value("user.email") if self.ctx else None
        if not email:
            self.notify(
                'Set your identity first: git config user.email "you@example.com"',
                severity="error",
                title="No reviewer identity",
            )
        return email

    def _act(self, change, screen, entries: Callable[[dict, str], dict]) -> None:
        """Open a form for `change`. Its submit writes what `entries` builds from it
        while the form is open (a write that fails is shown there); once it closes,
        the app says what was written and reloads."""
        identity = self._identity()
        if identity is None:
            return

        def write(result: dict) -> str:
            return self._write(change, **entries(result, identity))

        def done(written: str | None) -> None:
            if written is not None:
                self.notify(written, title="Record updated", timeout=8, markup=False)
                self.load(change.commit.sha)

        self.push_screen(screen(identity, write), done)

    def open_approve(self, change, verdict: str) -> None:
        if change is None:
            self.notify("Select a change first.")
            return
        if verdict == "approve":
            from auditui.core.features.target import refuse_approval_by_author

            identity = self._identity()
            if identity is None:
                return
            try:
                refuse_approval_by_author(identity, [change.commit], [self.context.policy])
            except AuditError as exc:
                self.notify(
                    f"{safe(exc.message)}\n{safe(exc.hint or '')}",
                    severity="error",
                    title="Not your own change",
                    markup=False,
                )
                return
        self._act(
            change,
            lambda identity, write: ApproveScreen(change, verdict, identity, write, self.short),
            lambda r, who: {
                "approvals": [{"by": who, "verdict": r["verdict"], "comment": r["comment"]}]
            },
        )

    def open_eval(self, change) -> None:
        if change is None or not change.models:
            self.notify("Select a change that affects a model first.")
            return
        suites = self.context.policy.evals.required_suites
        self._act(
            change,
            lambda _identity, write: EvalScreen(change, suites, write),
            lambda r, who: {"evals": [{**self._eval_entry(change, r), "recorded_by": who}]},
        )

    def _eval_entry(self, change, result: dict) -> dict:
        """Typed numbers as they are; imported files with their provenance checked
        against the change's configs, as `auditui eval import` does."""
        if "imported" not in result:
            return result
        from auditui.core.features.evalrun import seen_configs
        from auditui.core.features.target import Target

        imported = result["imported"]
        target = Target(
            change.fingerprint, self.context.repo.root, change.record_file, change, self.policy
        )
        imported.check_configs(*seen_configs(target, imported.entry["model"]))
        return imported.entry

    def _write(self, change, evals: list | None = None, approvals: list | None = None) -> str:
        """Append to the change's record (AuditError when it cannot take the entries)
        and say what the record holds now."""
        from auditui.core.evidence.records import tally_written
        from auditui.core.features.target import add_evidence

        evals, approvals = evals or [], approvals or []
        root = self.context.repo.root
        written = add_evidence(
            root, change.record_file, change.fingerprint, change, evals=evals, approvals=approvals
        )
        what = [
            f"{a['verdict']} by {a['by']}" + (f": {a['comment']}" if a.get("comment") else "")
            for a in approvals
        ] + [
            f"eval {e['model']}/{e['suite']} {e['baseline']:g} → {e['candidate']:g}" for e in evals
        ]
        counted = "" if self.worktree_records else "; records are read as committed at --head"
        return (
            "\n".join(one_line(w) for w in what)
            + f"\nwritten to {safe(change.record_file)} (uncommitted{counted})"
            + f"\nnow {tally_written(written)}"
        )

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        review = self.review
        yield SystemCommand(
            "Show blocked changes",
            "Filter the list to blocked changes",
            lambda: setattr(review.query_one("#status"), "value", "blocked"),
        )
        yield SystemCommand(
            "Show overridden changes",
            "Filter the list to changes let through by an override, their evidence owed",
            lambda: setattr(review.query_one("#status"), "value", "overridden"),
        )
        yield SystemCommand(
            "Show all changes",
            "Clear the status filter",
            lambda: setattr(review.query_one("#status"), "value", "all"),
        )
        yield SystemCommand(
            "Timeline", "Every change to one model, oldest first", review.action_timeline
        )
        yield SystemCommand(
            "Approve selected change", "Write an approval to its record", review.action_approve
        )
        yield SystemCommand(
            "Reject selected change", "Write a reject to its record", review.action_reject
        )
        yield SystemCommand(
            "Withdraw my verdict on the selected change",
            "Take back your approval or rejection",
            review.action_withdraw,
        )
        yield SystemCommand(
            "Add eval result", "Record an eval for the selected change", review.action_add_eval
        )
        yield SystemCommand("Reload", "Re-read history and records", self.action_reload)
        yield SystemCommand("Help", "Keys and rules", self.action_help)
