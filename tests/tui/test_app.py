"""The review app driven through Textual's pilot on the real sample history."""

from __future__ import annotations

import datetime as dt
import sys
import tomllib
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from auditui.core.features.sample import build_sample
from auditui.tui.app import AuditApp
from auditui.tui.screens.actions import ApproveScreen, EvalScreen
from auditui.tui.screens.help import HelpScreen
from auditui.tui.screens.incident import IncidentScreen
from auditui.tui.screens.timeline import TimelineScreen
from auditui.tui.widgets.change_list import ChangeList
from tests.helpers.repo import git

SIZE = (140, 40)


@pytest.fixture(scope="session")
def sample_repo(tmp_path_factory) -> Path:
    """The sample, built once for read-only tests."""
    path = tmp_path_factory.mktemp("tui") / "sample"
    build_sample(path)
    return path


@pytest.fixture
def writable_sample(tmp_path) -> Path:
    path = tmp_path / "sample"
    build_sample(path)
    git(path, "config", "user.email", "bob@example.com")
    return path


async def loaded(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def pick(pilot, text: str):
    """Filter the list by `text` and return the change then selected."""
    await pilot.press("slash", *text, "enter")
    await pilot.pause()
    return pilot.app.review.current


async def open_timeline(pilot, model: str):
    """The sample loaded, then `model`'s timeline: its screen."""
    await loaded(pilot)
    pilot.app.action_timeline(model)
    await pilot.pause()
    return pilot.app.screen


def rows(app) -> list[str]:
    table = app.review.query_one(ChangeList)
    return [str(table.get_row_at(i)[3]) for i in range(table.row_count)]


async def test_loads_sample_and_lists_every_change(sample_repo):
    app = AuditApp(sample_repo, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert len(rows(app)) == 16
        status = str(app.review.query_one("#status-line").render())
        assert "16 changes in 30 commits" in status and "3 blocked" in status
        assert "5 reverted" in status and "1 overridden" in status
        assert app.sub_title.startswith("sample · root..")


async def test_next_blocked_and_status_filter(sample_repo):
    app = AuditApp(sample_repo, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("n")
        assert app.review.current.commit.subject == "opus-4.7: roll out to 50%"
        await pilot.press("n", "n")
        assert app.review.current.rules == ["AUD008"]
        await pilot.press("p")
        assert app.review.current.rules == ["AUD001"]
        await pilot.press("s")  # all -> blocked
        await pilot.pause()
        assert len(rows(app)) == 3
        assert all(c.status == "blocked" for c in app.review.shown)
        for status in ("overridden", "pass", "exempt", "reverted", "all"):
            await pilot.press("s")
            await pilot.pause()
            expected = {c.status for c in app.report.changes} if status == "all" else {status}
            assert {c.status for c in app.review.shown} == expected


async def test_text_filter(sample_repo):
    app = AuditApp(sample_repo, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("slash", *"every turn", "enter")
        await pilot.pause()
        assert rows(app) == ["Clear thinking cache every turn to cut memory use"]
        assert app.focused is app.review.query_one(ChangeList)
        await pilot.press("slash", "ctrl+a", "ctrl+k", *"AUD003", "enter")
        await pilot.pause()
        assert len(rows(app)) == 1 and app.review.current.rules == ["AUD003"]


async def test_detail_shows_limits_and_regression(sample_repo):
    app = AuditApp(sample_repo, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("slash", *"AUD003", "enter")
        await pilot.pause()
        from rich.console import Console

        from auditui.tui.widgets.change_detail import render_change

        console = Console(width=160, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
        console.print(render_change(app.review.current, app.policy))
        text = console.export_text()
        assert "limit-added" in text
        assert "<= 25 words (text between tool calls)" in text
        assert "-3.1" in text  # the regressing eval
        assert "AUD003" in text


async def test_timeline_lists_changes_to_one_model_oldest_first(sample_repo):
    app = AuditApp(sample_repo, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("slash", *"every turn", "enter", "t")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TimelineScreen) and screen.model == "opus-4.6"
        dates = [c.commit.author_date for c in screen.rows]
        assert dates == sorted(dates)
        subjects = list(dict.fromkeys(c.commit.subject for c in screen.rows))
        assert "Lower default reasoning effort high -> medium for latency" in subjects
        assert "Clear thinking cache every turn to cut memory use" in subjects
        assert "Prompt: cap verbosity between tool calls and in final responses" in subjects
        await pilot.press("escape")
        assert app.screen is app.review


async def ask_incident(pilot, models: str, since: str, until: str) -> IncidentScreen:
    """The incident view opened with `i`, then asked about `models` over the window."""
    await pilot.press("i")
    await loaded(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, IncidentScreen)
    for field, value in (("#models", models), ("#since", since), ("#until", until)):
        screen.query_one(field, Input).value = value
    screen.ask()
    await pilot.pause()
    return screen


async def test_incident_view_answers_the_samples_incident(sample_repo):
    """opus-4.6/4.7 worse on April 17-19: the prompt's word limits and the thinking
    cache first, the effort downgrade undone on April 7 no suspect but on the chart;
    enter opens a suspect's change in the review, where t leads to its timeline."""
    app = AuditApp(sample_repo, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pick(pilot, "every turn")
        screen = await ask_incident(pilot, "opus-4.6, opus-4.7", "2026-04-17", "2026-04-19")
        subjects = [s.change.commit.subject for s in screen.found]
        assert subjects[:2] == [
            "Prompt: cap verbosity between tool calls and in final responses",
            "Clear thinking cache every turn to cut memory use",
        ]
        assert "Lower default reasoning effort high -> medium for latency" not in subjects
        table = screen.query_one(DataTable)
        assert table.row_count == len(screen.found)
        drawn = [b.change.commit.subject for b in screen.drawn]
        assert "Lower default reasoning effort high -> medium for latency" in drawn
        await pilot.press("m")
        assert screen.charted == 1
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.screen is app.review
        assert app.review.current.commit.subject == subjects[1]
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TimelineScreen)


async def test_the_chart_keeps_the_window_asked_while_a_field_is_being_edited(sample_repo):
    """`m` redraws for the window last asked: a date being typed (not yet entered)
    neither moves the chart nor, half written, stops the app."""
    app = AuditApp(sample_repo, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pick(pilot, "every turn")
        screen = await ask_incident(pilot, "opus-4.6, opus-4.7", "2026-04-17", "2026-04-19")
        drawn = [b.change.commit.sha for b in screen.drawn]
        screen.query_one("#since", Input).value = "2026-04-1"
        screen.query_one(DataTable).focus()
        await pilot.press("m", "m")
        await pilot.pause()
        assert app.screen is screen and screen.charted == 0
        assert [b.change.commit.sha for b in screen.drawn] == drawn


async def test_incident_view_says_what_is_wrong_with_a_question(sample_repo):
    app = AuditApp(sample_repo, default_base=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        screen = await ask_incident(pilot, "opus-4.6", "2026-04-20", "2026-04-17")
        assert "--since 2026-04-20 is after --until 2026-04-17" in str(
            screen.query_one("#incident-status").render()
        )
        screen = await ask_incident(pilot, "opus-9", "2026-04-17", "2026-04-19")
        status = str(screen.query_one("#incident-status").render())
        assert "no change moved model 'opus-9'" in status and "did you mean" in status
        await pilot.press("escape")
        assert app.screen is app.review


async def test_approve_writes_record_and_refreshes_verdict(writable_sample):
    app = AuditApp(writable_sample, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        change = await pick(pilot, "every turn")
        assert change.rules == ["AUD001"]
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ApproveScreen)
        await pilot.press(*"ok after soak", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ApproveScreen)  # Enter in the comment never writes
        assert not (writable_sample / change.record_file).exists()
        await pilot.press("enter")  # on the focused Approve button
        await loaded(pilot)
        record = writable_sample / change.record_file
        data = tomllib.loads(record.read_text())
        assert data["fingerprint"] == change.fingerprint
        (approval,) = data["approvals"]
        assert approval["by"] == "bob@example.com" and approval["verdict"] == "approve"
        assert approval["comment"] == "ok after soak"
        assert app.review.current.rules == ["AUD002"]  # record found; evals still missing


async def test_reject_then_eval_never_drops_entries(writable_sample):
    app = AuditApp(writable_sample, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("slash", *"roll out to 100", "enter")
        await pilot.pause()
        change = app.review.current
        record = writable_sample / change.record_file
        before = tomllib.loads(record.read_text())
        await pilot.press("x")
        await pilot.pause()
        await pilot.press(*"not yet", "enter", "enter")
        await loaded(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EvalScreen)
        await pilot.press(*"70.5", "enter", *"71", "enter")  # to candidate, then submits
        await loaded(pilot)
        after = tomllib.loads(record.read_text())
        assert after["approvals"][: len(before["approvals"])] == before["approvals"]
        assert after["approvals"][-1]["verdict"] == "reject"
        assert after["approvals"][-1]["by"] == "bob@example.com"
        assert after["evals"][: len(before["evals"])] == before["evals"]
        new_eval = after["evals"][-1]
        assert (new_eval["model"], new_eval["baseline"], new_eval["candidate"]) == (
            "opus-4.7",
            70.5,
            71.0,
        )
        assert "AUD008" in app.review.current.rules


async def test_eval_form_rejects_non_numbers(writable_sample):
    app = AuditApp(writable_sample, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("n", "e")
        await pilot.pause()
        await pilot.click("#ok")  # empty baseline
        await pilot.pause()
        assert isinstance(app.screen, EvalScreen)
        assert "must be numbers" in str(app.screen.query_one("#error").render())


async def test_help_and_errors_inside_the_app(tmp_path):
    app = AuditApp(tmp_path, default_base=False)  # not a git repository
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        line = str(app.review.query_one("#status-line").render())
        assert "not a git repository" in line
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert app.screen is app.review


FILTER_PROMPT = ("slash", *"cap verbosity", "enter")


def snapshot(snap_compare, repo, size, *keys, timeline=None, theme=None) -> bool:
    """The sample's app at `size` after `keys` (or with one model's timeline open)."""

    async def run_before(pilot):
        await loaded(pilot)
        if theme:
            pilot.app.theme = theme
        if timeline:
            pilot.app.action_timeline(timeline)
        if keys:
            await pilot.press(*keys)
        await pilot.pause()

    app = AuditApp(repo, default_base=False)
    return snap_compare(app, terminal_size=size, run_before=run_before)


class TestSnapshots:
    """SVG snapshots of the main screens on the sample history."""

    def test_review_blocked_change(self, snap_compare, sample_repo):
        """The incident's prompt edit: limits added, evals regressing, AUD003."""
        assert snapshot(snap_compare, sample_repo, (140, 40), *FILTER_PROMPT)

    def test_review_narrow_terminal(self, snap_compare, sample_repo):
        """At 80x24 the list stacks above the detail and stays usable."""
        assert snapshot(snap_compare, sample_repo, (80, 24), "n")

    @pytest.mark.parametrize("size", [(80, 24), (200, 60)])
    def test_incident_at_real_sizes(self, snap_compare, sample_repo, size):
        """The sample's answer: suspects ranked beside the exposure chart."""

        async def run_before(pilot):
            await loaded(pilot)
            await ask_incident(pilot, "opus-4.6, opus-4.7", "2026-04-17", "2026-04-19")

        app = AuditApp(sample_repo, default_base=False)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    def test_timeline(self, snap_compare, sample_repo):
        """opus-4.7 over time: the three causes of the incident, with eval deltas."""
        assert snapshot(snap_compare, sample_repo, (140, 32), timeline="opus-4.7")

    @pytest.mark.parametrize("size", [(80, 24), (200, 60)])
    def test_list_and_detail_at_real_sizes(self, snap_compare, sample_repo, size):
        """The list with the first blocked change's detail, smallest and large."""
        assert snapshot(snap_compare, sample_repo, size, "n")

    @pytest.mark.parametrize("size", [(80, 24), (200, 60)])
    def test_prompt_diff_detail_at_real_sizes(self, snap_compare, sample_repo, size):
        """A prompt change's detail: limits, evals and the diff, wrapped lines marked."""
        assert snapshot(snap_compare, sample_repo, size, *FILTER_PROMPT)

    @pytest.mark.parametrize("size", [(80, 24), (200, 60)])
    def test_timeline_at_real_sizes(self, snap_compare, sample_repo, size):
        """The Eval Δ column is on screen at 80 columns too."""
        assert snapshot(snap_compare, sample_repo, size, timeline="opus-4.6")

    def test_light_theme(self, snap_compare, sample_repo):
        """The review stays readable in the light theme."""
        assert snapshot(snap_compare, sample_repo, (140, 40), "n", theme="textual-light")


async def test_at_its_upstream_the_app_says_how_to_see_the_whole_history(sample_repo, tmp_path):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(sample_repo), str(clone))
    app = AuditApp(clone)  # the default range: from the upstream, empty
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        status = str(app.review.query_one("#status-line").render())
        assert "Nothing to audit" in status and "origin/main" in status and "--all" in status
    app = AuditApp(clone, default_base=False)  # what `auditui review --all` opens
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert len(rows(app)) == 16


class _Watched(AuditApp):
    """The real app, noting what the list held when the full report arrived."""

    CSS_PATH = Path(sys.modules[AuditApp.__module__].__file__).with_name(AuditApp.CSS_PATH)
    rows_before_report: int | None = None

    def on_audit_loaded(self, message) -> None:
        if self.rows_before_report is None:
            self.rows_before_report = self.review.query_one(ChangeList).row_count
        super().on_audit_loaded(message)


async def test_rows_appear_while_history_loads(sample_repo):
    app = _Watched(sample_repo, default_base=False)
    app.batch_seconds = 0  # every judged change is sent at once
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert app.rows_before_report is not None and app.rows_before_report >= 12
        assert len(rows(app)) == 16  # the report then lists each change once
        assert len(app.review.shown) == 16


async def test_a_report_from_a_replaced_load_never_replaces_the_newest(sample_repo):
    """A worker cannot be stopped mid-walk: after a reload (an approval, `r`) the old
    one still finishes, and its report, batches and errors are dropped."""
    from auditui.tui.messages import AuditBatch, AuditFailed, AuditLoaded

    app = AuditApp(sample_repo, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        newest, stale = app.report, app.generation - 1
        old = type(newest)(**{**newest.__dict__, "changes": newest.changes[:1]})
        app.post_message(AuditLoaded(old, None, app.ctx, stale))
        app.post_message(AuditBatch(stale, newest.changes[:2]))
        app.post_message(AuditFailed("stale failure", None, stale))
        await pilot.pause()
        assert app.report is newest and len(rows(app)) == 16
        assert "stale failure" not in str(app.review.query_one("#status-line").render())
        app.post_message(AuditLoaded(old, None, app.ctx, app.generation))
        await pilot.pause()
        assert app.report is old and len(rows(app)) == 1  # the guard, not a frozen list


async def test_an_explicit_head_is_judged_as_committed(tmp_path):
    """Uncommitted records count in the app only for the checked-out history; `--head
    REV` (the hook's inspect line) shows the verdict the hook and `check` give."""
    from auditui.core.features.target import add_evidence, find_target
    from tests.helpers.repo import RepoBuilder

    repo = RepoBuilder(tmp_path / "r")
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    base = repo.head()
    sha = repo.commit("raise", {"models/a.toml": "max_tokens = 20\n"})
    target = find_target(repo.path, sha)
    add_evidence(
        target.root,
        target.relative,
        target.fingerprint,
        target.change,
        evals=[{"model": "a", "suite": "coding", "baseline": 1.0, "candidate": 1.0}],
        approvals=[{"by": "bob@example.com", "verdict": "approve"}],
    )
    statuses = {}
    for head in ("HEAD", sha[:12]):
        app = AuditApp(repo.path, base=base, head=head)
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            statuses[head] = [c.status for c in app.report.changes]
    assert statuses == {"HEAD": ["pass"], sha[:12]: ["blocked"]}


def help_keys() -> set[str]:
    """Every key the help screen lists, as pilot names them."""
    import re

    from auditui.tui.screens.help import HELP

    names = {"↑": "up", "↓": "down", "/": "slash", "?": "question_mark"}
    keys = set()
    for row in re.findall(r"^\| ([^|]+) \|", HELP, re.M)[2:]:  # past the header rows
        for key in re.split(r"\s*/\s*|\s+·\s+|\s+", row.strip()):
            if key and key not in ("q", "quits"):
                keys.add(names.get(key, key))
    keys.add("q")  # "? | this help · q quits"
    return keys


async def test_every_key_the_help_lists_does_something(writable_sample):
    """Each key of the help screen, pressed, changes what the app shows; a key added
    to the help without a test here fails the last assertion."""
    from textual.command import CommandPalette

    app = AuditApp(writable_sample, default_base=False)
    tested = set()

    async def press(key):
        tested.add(key)
        await pilot.press(key)
        await pilot.pause()

    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        table = app.review.query_one(ChangeList)
        for key, row in (("down", 1), ("j", 2), ("k", 1), ("up", 0)):
            await press(key)
            assert table.cursor_row == row, key
        await press("n")
        assert app.review.current.status == "blocked"
        first = table.cursor_row
        await press("n")
        await press("p")
        assert table.cursor_row == first
        await press("slash")
        assert app.focused is app.review.query_one("#filter")
        await press("enter")
        assert app.focused is table
        await press("s")
        assert app.review.change_filter.status == "blocked"
        await press("s")
        assert app.review.change_filter.status == "overridden"
        assert [c.commit.subject[:16] for c in app.review.shown] == ["Hotfix INC-12: h"]
        await pilot.press("s")
        await pilot.pause()
        assert {c.status for c in app.review.shown} == {"pass"}
        for _ in range(3):
            await pilot.press("s")  # exempt, reverted, all
        await pilot.pause()
        assert app.review.change_filter.status == "all"
        await press("t")
        assert isinstance(app.screen, TimelineScreen)
        first_model = app.screen.model
        await press("m")  # the model list: another model, enter back to its changes
        assert app.focused is app.screen.query_one("#models")
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.screen.model != first_model and app.focused is app.screen.query_one("#timeline")
        timeline_table = app.screen.query_one("#timeline")
        timeline_table.move_cursor(row=len(app.screen.rows) - 1)  # after the policy's adoption
        await press("c")
        from auditui.tui.screens.config import ConfigScreen

        assert isinstance(app.screen, ConfigScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        title = str(app.screen.query_one("#config-title").render())
        assert app.screen.query_one("#config-table").row_count > 0, title
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.press("n")  # a blocked change by alice: bob may act on it
        await press("i")  # the incident view for its models: ranked, and charted by model
        assert isinstance(app.screen, IncidentScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.found and app.screen.drawn
        charted = app.screen.charted
        await pilot.press("m")
        assert app.screen.charted == (charted + 1) % len(app.screen.models)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.review
        forms = (
            ("a", ApproveScreen, "approve"),
            ("x", ApproveScreen, "reject"),
            ("w", ApproveScreen, "withdraw"),
            ("e", EvalScreen, None),
        )
        for key, screen_type, word in forms:
            await press(key)
            assert isinstance(app.screen, screen_type), key
            if word:
                assert app.screen.verdict == word
            await pilot.press("escape")
            await pilot.pause()
        generation = app.generation
        await press("r")
        assert app.generation == generation + 1
        await loaded(pilot)
        await press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        await pilot.pause()
        await press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await press("q")
    assert app.return_code == 0 and not app.is_running
    assert help_keys() <= tested, help_keys() - tested


async def test_quick_status_presses_are_each_applied(sample_repo):
    app = AuditApp(sample_repo, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("s", "s", "s", "s")  # no pause between them
        await pilot.pause()
        assert app.review.change_filter.status == "exempt"
        assert {c.status for c in app.review.shown} == {"exempt"}


async def test_enter_in_the_timeline_opens_the_change(sample_repo):
    app = AuditApp(sample_repo, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_timeline(pilot, "opus-4.7")
        await pilot.press("j", "j", "j")
        wanted = screen.rows[screen.query_one("#timeline").cursor_row].commit.sha
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.review and app.review.current.commit.sha == wanted


async def test_the_subject_takes_the_width_a_wide_screen_leaves(sample_repo):
    widths = {}
    for size in ((140, 40), (200, 60)):
        app = AuditApp(sample_repo, default_base=False)
        async with app.run_test(size=size) as pilot:
            await loaded(pilot)
            widths[size] = app.review.query_one(ChangeList).columns["subject"].width
    assert widths[(200, 60)] >= widths[(140, 40)] + 20


async def test_a_long_verdict_is_capped(tmp_path):
    from auditui.tui.widgets.badges import verdict

    class Change:
        status, rules = "blocked", ["AUD002", "AUD003", "AUD004", "AUD008"]

    assert verdict(Change()).plain == "✗ AUD002 +3"


async def test_the_app_refuses_an_authors_own_approval_and_withdraws(writable_sample):
    """dave wrote the cache change: his `a` is refused (self-approval is off), nothing
    is written; his `w` writes a withdrawal."""
    git(writable_sample, "config", "user.email", "dave@example.com")
    app = AuditApp(writable_sample, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        change = await pick(pilot, "every turn")
        assert change.commit.author_email == "dave@example.com"
        await pilot.press("a")
        await pilot.pause()
        assert app.screen is app.review
        assert any("self-approval is off" in str(n.message) for n in app._notifications)
        assert not (writable_sample / change.record_file).exists()
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, ApproveScreen) and app.screen.verdict == "withdraw"
        await pilot.press("enter", "enter")
        await loaded(pilot)
        data = tomllib.loads((writable_sample / change.record_file).read_text())
        assert [a["verdict"] for a in data["approvals"]] == ["withdraw"]


async def test_the_eval_form_imports_tool_output(tmp_path):
    """`e`, then the two files instead of numbers: the entry is the one `auditui eval
    import` writes (error bars, source, file hashes)."""
    from tests.helpers.repo import RepoBuilder

    fixtures = Path(__file__).parents[1] / "fixtures" / "evals" / "inspect"
    repo = RepoBuilder(tmp_path / "r")
    mini = "temperature = 0.0\nmax_tokens = 1024\nsystem_prompt = 'prompts/p.md'\ncache_ttl = {}\n"
    repo.start({"models/gpt-4.1-mini.toml": mini.format(60), "prompts/p.md": "Solve step by step."})
    repo.commit("shorter cache", {"models/gpt-4.1-mini.toml": mini.format(30)})
    repo.git("config", "user.email", "bob@example.com")
    app = AuditApp(repo.path, default_base=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await loaded(pilot)
        await pilot.press("n", "e")
        for _ in range(50):  # a loaded machine may take more than one pause to push it
            if isinstance(app.screen, EvalScreen):
                break
            await pilot.pause(0.05)
        screen = app.screen
        assert isinstance(screen, EvalScreen)
        screen.query_one("#baseline_file").value = str(fixtures / "baseline.json")
        screen.query_one("#candidate_file").value = str(fixtures / "candidate.json")
        screen.query_one("#ok").press()
        await loaded(pilot)
        change = app.review.current
        data = tomllib.loads((repo.path / change.record_file).read_text())
        (entry,) = data["evals"]
        assert (entry["source"], entry["paired"], entry["samples"]) == ("inspect", True, 40)
        assert (entry["baseline"], entry["candidate"]) == (75.0, 67.5)
        assert "config_mismatch" not in entry and entry["recorded_by"] == "bob@example.com"


async def test_the_timeline_plots_each_suites_scores_and_names_the_dip(sample_repo):
    """opus-4.6 on coding: the 3-point drop of the prompt cap is seen as a dip, and the
    change under it is named."""
    from textual.widgets import Sparkline

    from auditui.core.features.timeline import score_trends, timeline

    app = AuditApp(sample_repo, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_timeline(pilot, "opus-4.6")
        (line,) = screen.query(Sparkline)
        points = score_trends(timeline(app.report, "opus-4.6"))["coding"]
        assert list(line.data) == [p.score for p in points]
        dip = min(points[1:], key=lambda p: p.delta)
        cap = next(c for c in app.report.changes if c.commit.subject.startswith("Prompt: cap"))
        assert dip.commit == cap.commit.short and dip.delta < -3
        caption = str(screen.query_one(".trend-caption").render())
        assert f"at {cap.commit.short}" in caption and "-3.1" in caption


async def test_config_at_a_change_shows_who_set_each_setting(sample_repo):
    """From opus-4.6's timeline at the prompt cap: the config then, and the commits that
    set the cache clearing and the prompt (two of the incident's causes)."""
    from auditui.tui.screens.config import ConfigScreen

    app = AuditApp(sample_repo, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_timeline(pilot, "opus-4.6")
        cap = next(c for c in app.report.changes if c.commit.subject.startswith("Prompt: cap"))
        row = next(n for n, c in enumerate(screen.rows) if c.commit.sha == cap.commit.sha)
        screen.query_one("#timeline").move_cursor(row=row)
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ConfigScreen)
        table = app.screen.query_one("#config-table")
        cells = {str(table.get_row_at(i)[0]): table.get_row_at(i) for i in range(table.row_count)}
        assert cells["prompt:prompts/coding-agent.md"][2] == cap.commit.short
        clear = next(c for c in app.report.changes if "every turn" in c.commit.subject)
        assert str(cells["cache.thinking.clear"][1]) == "every_turn"
        assert cells["cache.thinking.clear"][2] == clear.commit.short
        assert str(table.get_row_at(table.cursor_row)[0]).startswith("prompt:")  # its row


async def test_config_before_the_policys_adoption_is_read_with_the_apps_policy(sample_repo):
    """The catalogue's first commit has no .auditui.toml: the view reads it with the
    policy the app judges with (it said "no .auditui.toml" before)."""
    app = AuditApp(sample_repo, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_timeline(pilot, "opus-4.7")
        assert screen.query_one("#timeline").cursor_row == 0
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        title = str(app.screen.query_one("#config-title").render())
        assert "as of 43e4b87" in title and app.screen.query_one("#config-table").row_count > 5


async def test_an_item_added_whole_is_shown_leaf_by_leaf_in_the_detail(tmp_path):
    """SPEC 13: the change detail shows a `parameter_rules` item added whole one
    setting per leaf, its long help text cut at 200 characters, never one JSON blob."""
    from rich.console import Console

    from auditui.tui.widgets.change_detail import ChangeDetail
    from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder

    repo = RepoBuilder(tmp_path / "r", DEFAULT_POLICY + '\n[diff]\nlist_ids = ["name"]\n')
    rules = "parameter_rules:\n  - name: temperature\n    default: 1\n"
    repo.start({"models/m.yaml": rules})
    effort = "  - name: reasoning_effort\n    default: medium\n    help:\n      en_US: {}\n"
    repo.commit("effort", {"models/m.yaml": rules + effort.format("Pick an effort. " * 30)})
    app = AuditApp(repo.path, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert (await pick(pilot, "effort")).commit.subject == "effort"
        console = Console(width=400, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
        console.print(app.review.query_one(ChangeDetail).content)
        text = console.export_text()
    item = "parameter_rules[name=reasoning_effort]"
    assert f"  {item}.default  added\n    ∅ → medium\n" in text
    assert f"{item}.name" not in text  # the path names the item
    (help_line,) = [line for line in text.splitlines() if "Pick an effort." in line]
    assert help_line.strip() == "∅ → " + ("Pick an effort. " * 30)[:199] + "…"
    assert '{"' not in text


async def test_the_timeline_shows_an_item_added_whole_leaf_by_leaf(tmp_path):
    """SPEC 13 in the timeline too: one row per setting of an added list item, each
    opening the config at its own setting, never the item as one cell."""
    from textual.widgets import DataTable

    from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder

    repo = RepoBuilder(tmp_path / "r", DEFAULT_POLICY + '\n[diff]\nlist_ids = ["name"]\n')
    rules = "parameter_rules:\n  - name: temperature\n    default: 1\n"
    repo.start({"models/m.yaml": rules})
    effort = "  - name: reasoning_effort\n    default: medium\n    options: [low, medium]\n"
    repo.commit("effort", {"models/m.yaml": rules + effort})
    app = AuditApp(repo.path, default_base=False)
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await open_timeline(pilot, "m")
        table = screen.query_one(DataTable)
        at = table.get_column_index("Setting")
        settings = [str(table.get_row_at(i)[at]) for i in range(table.row_count)]
    item = "parameter_rules[name=reasoning_effort]"
    assert [s for s in settings if s.startswith(item)] == [f"{item}.default", f"{item}.options"]
    assert screen.paths[-2:] == [f"{item}.default", f"{item}.options"]


async def test_a_renamed_model_reads_as_one_model(tmp_path):
    """SPEC 13 in the app: the change shows the rename first, then what moved against
    the old name's config; the new name's timeline holds the changes under the old."""
    from rich.console import Console

    from auditui.tui.widgets.change_detail import render_change
    from tests.core.test_history_renames import BODY, nested

    repo = nested(tmp_path)
    repo.start({"models/g/lite-preview.yaml": "thinking: high\n" + BODY})
    repo.commit("price", {"models/g/lite-preview.yaml": "thinking: high\n" + BODY + "p: 1\n"})
    lite = "thinking: minimal\n" + BODY + "p: 1\n"
    repo.commit("drop preview", {"models/g/lite-preview.yaml": None, "models/g/lite.yaml": lite})
    app = AuditApp(repo.path, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_timeline(pilot, "lite")
        subjects = list(dict.fromkeys(c.commit.subject for c in screen.rows))
        assert subjects == ["adopt auditui", "price", "drop preview"]
        console = Console(width=100, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
        console.print(render_change(screen.rows[-1], app.policy))
        text = console.export_text()
        assert text.index("model:name  renamed") < text.index("thinking  downgrade")
        assert "lite-preview → lite" in text


# A catalogue named by path, as dify-official-plugins is: one YAML per model under
# models/<provider>/models/llm/, parameter_rules a list keyed by `name`.
CATALOGUE_POLICY = """\
[layout]
models = ["models/*/models/llm/*.yaml"]
defaults = ""
prompts = []
naming = "path"

[approvals]
required = 1
"""
SONNET = "models/anthropic/models/llm/claude-3-5-sonnet-20241022"


def llm(max_tokens: int) -> str:
    return (
        "model_type: llm\n"
        "parameter_rules:\n"
        f"  - name: max_tokens\n    default: {max_tokens}\n"
        "  - name: temperature\n    default: 1\n"
        "pricing:\n  input: '3.00'\n"
    )


@pytest.fixture
def catalogue(tmp_path) -> Path:
    """Forty models under four providers; sonnet's default output raised (a subject
    with a tab), then every model's."""
    from tests.helpers.repo import RepoBuilder

    ids = [f"claude-3-5-sonnet-2024{n:04d}" for n in range(1000, 1010)]
    providers = ("anthropic", "aihubmix", "bedrock", "openrouter")
    names = [f"models/{p}/models/llm/{i}" for p in providers for i in ids]
    repo = RepoBuilder(tmp_path / "plugins", CATALOGUE_POLICY)
    repo.start({f"{n}.yaml": llm(4096) for n in [*names, SONNET]})
    repo.commit("anthropic:\tmore output for sonnet", {f"{SONNET}.yaml": llm(8192)})
    repo.commit("every model: more output", {f"{n}.yaml": llm(16384) for n in names})
    repo.git("config", "user.email", "bob@example.com")
    return repo.path


def notices(app) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


def screen_text(app) -> str:
    """What the terminal shows, as text (the cells of the app's SVG screenshot)."""
    import html
    import re

    rows: dict[float, list] = {}
    pattern = r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>'
    for x, y, text in re.findall(pattern, app.export_screenshot()):
        rows.setdefault(float(y), []).append((float(x), html.unescape(text)))
    lines = []
    for y in sorted(rows):
        line = ""
        for x, text in sorted(rows[y]):
            line = line.ljust(round(x / 12.2)) + text
        lines.append(line.replace("\xa0", " "))
    return "\n".join(lines)


async def test_a_path_named_catalogue_reads_at_80x24(catalogue):
    """Models by their short names cut on the left, a subject's tab as a space, the
    status select on one line, and in the timeline a keyed setting's item and leaf
    with its old and new values (it showed `models/anthropic/…`, `\\x09`, `blocke`/`d`,
    and `parameter_rules[name=max_…` with no values)."""
    app = AuditApp(catalogue, default_base=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pick(pilot, "more output for sonnet")
        screen = screen_text(app)
        assert "anthropic: more output for sonnet" in screen and "\\x09" not in screen
        assert "models/anthropic/" not in screen and "-3-5-sonnet-20241022" in screen
        assert app.short(SONNET) == "anthropic/claude-3-5-sonnet-20241022"
        await pilot.press("escape", "s", "s")
        await pilot.pause()
        assert "overridden ▼" in screen_text(app)  # the longest status
        await pilot.press("s", "s", "s", "s")
        await pick(pilot, "more output for sonnet")
        await pilot.press("t")
        await pilot.pause()
        screen = screen_text(app)
        assert "[max_tokens].default" in screen and "4096 → 8192" in screen
        await pilot.press("m")
        await pilot.pause()
        picker = app.screen.query_one("#models")
        assert picker.display and app.focused is picker
        screen = screen_text(app)
        assert "\n█ anthropic/claude-3-5-sonnet-20241009 " in screen  # one line each
        await pilot.press("escape")
        await pilot.pause()
        assert not picker.display and isinstance(app.screen, TimelineScreen)


async def test_enter_in_the_eval_form_submits_and_a_failed_write_keeps_it_open(catalogue):
    """`70 enter 71 enter` writes (Enter used to move on to the optional fields); a
    record that cannot take the entry keeps the form open saying why (it closed, and
    the notice of why was not seen)."""
    app = AuditApp(catalogue, default_base=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        change = await pick(pilot, "more output for sonnet")
        await pilot.press("e")
        await pilot.pause()
        await pilot.press(*"70", "enter", *"71", "enter")
        await loaded(pilot)
        assert app.screen is app.review
        record = catalogue / change.record_file
        (entry,) = tomllib.loads(record.read_text())["evals"]
        assert (entry["model"], entry["baseline"], entry["candidate"]) == (SONNET, 70, 71)
        assert "now 1 eval, 0 approvals" in notices(app)
        record.write_text(record.read_text() + "broken = [\n")
        before = record.read_text()
        await pilot.press("e")
        await pilot.pause()
        await pilot.press(*"72", "enter", *"73", "enter")
        await pilot.pause()
        assert isinstance(app.screen, EvalScreen)
        error = str(app.screen.query_one("#error").render())
        assert "Not written" in error and "cannot add to this record" in error
        assert record.read_text() == before


async def test_a_change_to_forty_models_leaves_the_approve_form_usable_at_80x24(catalogue):
    """The form names the models in one line: their names used to push the comment
    and the buttons off the screen."""
    app = AuditApp(catalogue, default_base=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pick(pilot, "every model")
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ApproveScreen)
        for part in ("#comment", "#ok", "#cancel"):
            region = app.screen.query_one(part).region
            assert region.height and region.bottom <= 24, part
        assert "models (40): aihubmix/claude-3-5-sonnet-20241000" in screen_text(app)
        await pilot.press(*"ok", "enter", "enter")
        await loaded(pilot)
        assert "now 0 evals, 1 approval" in notices(app)


class TestCatalogueSnapshots:
    """A path-named catalogue at 80x24: what a reviewer of dify-official-plugins sees."""

    @staticmethod
    def shot(snap_compare, repo, *keys) -> bool:
        async def run_before(pilot):
            await loaded(pilot)
            await pilot.press(*keys)
            await pilot.pause()

        app = AuditApp(repo, default_base=False)
        return snap_compare(app, terminal_size=(80, 24), run_before=run_before)

    def test_list_with_short_model_names(self, snap_compare, catalogue):
        """Models by provider and id, cut on the left; the subject's tab a space."""
        assert self.shot(snap_compare, catalogue, "slash", *"more output for", "enter")

    def test_timeline_of_a_keyed_setting(self, snap_compare, catalogue):
        """`parameter_rules[name=max_tokens].default` keeps its item and leaf, and its
        values are on screen (the list of models hides under 120 columns)."""
        assert self.shot(snap_compare, catalogue, "slash", *"more output for", "enter", "t")

    def test_timeline_with_the_model_list_open(self, snap_compare, catalogue):
        """The keyed setting's item and leaf, old and new values; `m` lists the models
        one line each over the table."""
        keys = ("slash", *"more output for", "enter", "t", "m")
        assert self.shot(snap_compare, catalogue, *keys)

    def test_approve_form_for_forty_models(self, snap_compare, catalogue):
        """The models in one line, the comment and the buttons on screen."""
        assert self.shot(snap_compare, catalogue, "slash", *"every model", "enter", "a")


async def test_the_app_paints_an_eval_as_the_check_judges_it(tmp_path):
    """10.3 -> 7.3 at max_regression = 3.0 drops exactly the allowance: the check
    passes it (AUD003 is not raised although 10.3 - 7.3 is 3.0000000000000004 in
    floats), so neither the change detail nor the timeline paints its Δ red."""
    from rich.console import Console
    from textual.widgets import DataTable

    from auditui.core.evidence.records import append_entries
    from auditui.tui.widgets.change_detail import render_change
    from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder

    policy = DEFAULT_POLICY.replace("max_regression = 1.0", "max_regression = 3.0")
    repo = RepoBuilder(tmp_path / "r", policy)
    repo.start({"models/m.toml": "t = 1\n"})
    repo.commit("raise", {"models/m.toml": "t = 2\n"})
    app = AuditApp(repo.path, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        change = await pick(pilot, "raise")
    scores = {"model": "m", "suite": "coding", "baseline": 10.3, "candidate": 7.3}
    approval = {"by": "bob@example.com", "verdict": "approve", "at": "2026-03-02T00:00:00Z"}
    append_entries(
        repo.path, change.record_file, change.fingerprint, evals=[scores], approvals=[approval]
    )
    app = AuditApp(repo.path, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        change = await pick(pilot, "raise")
        assert change.status == "pass" and change.findings == []
        console = Console(width=160, file=open("/dev/null", "w"))  # noqa: SIM115
        detail = [s for s in console.render(render_change(change, app.policy)) if "-3" in s.text]
        screen = await open_timeline(pilot, "m")
        table = screen.query_one(DataTable)
        at = table.get_column_index("Eval Δ")
        cells = [table.get_row_at(i)[at] for i in range(table.row_count)]
    assert [(str(c), str(c.style)) for c in cells if str(c)] == [("coding -3.0", "green")]
    assert [str(s.style) for s in detail] == ["green"]


# Break-glass (docs/blocked.md): dave may override; the reason is repository text.
OVERRIDE_POLICY = '\n[override]\nallowed = ["dave@example.com"]\n'
REASON = "INC-42 [b]checkout down[/b]:\tthe fix \x1b[2Jcannot wait"
OVERRIDDEN_AT = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def overridden_repo(path: Path, hours_after: float) -> Path:
    """A change with no evidence that dave overrode with the real `auditui override`,
    the record committed `hours_after` the override (the follow-up is due after 72).
    The override's time is pinned so that the dates on screen are the same every run."""
    import re
    import subprocess

    from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder

    repo = RepoBuilder(path, DEFAULT_POLICY + OVERRIDE_POLICY)
    repo.start({"models/a.toml": "max_tokens = 10\n", "models/b.toml": "max_tokens = 10\n"})
    sha = repo.commit("hotfix: raise max_tokens", {"models/a.toml": "max_tokens = 20\n"})
    repo.commit("raise b", {"models/b.toml": "max_tokens = 30\n"})
    repo.git("config", "user.email", "dave@example.com")
    result = subprocess.run(
        [sys.executable, "-m", "auditui", "override", sha, "--repo", str(path)]
        + ["--reason", REASON],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    (record,) = (path / "audit").glob("*.toml")
    at = OVERRIDDEN_AT.strftime("%Y-%m-%dT%H:%M:%SZ")
    record.write_text(re.sub(r"(?m)^at = .*$", f"at = {at}", record.read_text()))
    repo.commit("record the override", date=OVERRIDDEN_AT + dt.timedelta(hours=hours_after))
    return path


def detail_text(app) -> str:
    from rich.console import Console

    from auditui.tui.widgets.change_detail import ChangeDetail

    console = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(app.review.query_one(ChangeDetail).content)
    return console.export_text()


def verdicts(app) -> dict[str, str]:
    table = app.review.query_one(ChangeList)
    return {
        str(table.get_row_at(i)[3]): str(table.get_row_at(i)[1]) for i in range(table.row_count)
    }


async def test_an_overridden_change_shows_who_why_and_the_hours_left(tmp_path):
    """Overridden does not block: the list badges it, the summary counts it, the
    `overridden` filter keeps just it, and the detail says who, why (as typed, never
    markup) and the hours left to the follow-up, its findings as owed."""
    app = AuditApp(overridden_repo(tmp_path / "r", hours_after=1), default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert verdicts(app) == {
            "adopt auditui": "· exempt",
            "hotfix: raise max_tokens": "⚠ overridden",
            "raise b": "✗ AUD001",
        }
        status = str(app.review.query_one("#status-line").render())
        assert "1 blocked · 1 overridden · 0 pass" in status
        await pilot.press("s", "s")  # all -> blocked -> overridden
        await pilot.pause()
        assert app.review.change_filter.status == "overridden"
        assert rows(app) == ["hotfix: raise max_tokens"]
        text = detail_text(app)
    assert "verdict ⚠ overridden" in text
    assert "by dave@example.com on 2026-03-02T12:00:00Z" in text
    assert "reason INC-42 [b]checkout down[/b]: the fix \\x1b[2Jcannot wait" in text
    assert "does not block · evidence due by 2026-03-05T12:00:00Z, 71.0 h left at the head" in text
    owed = text[text.index("Owed ─") : text.index("Deltas")]
    assert "AUD002" in owed and "AUD004" in owed and "AUD014" not in text
    assert "override" in text[text.index("approvals") :]  # the entry, its reason beside it


async def test_an_override_past_its_follow_up_blocks_with_aud014(tmp_path):
    """73 hours after the override (the head commit's committer date) the change is
    blocked again, AUD014 first; the `overridden` filter still lists it, overdue."""
    app = AuditApp(overridden_repo(tmp_path / "r", hours_after=73), default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert verdicts(app) == {
            "adopt auditui": "· exempt",
            "hotfix: raise max_tokens": "✗ AUD014 +2",  # its AUD002 and AUD004 still owed
            "raise b": "✗ AUD001",
        }
        status = str(app.review.query_one("#status-line").render())
        assert "2 blocked · 0 pass" in status and "overridden" not in status
        await pilot.press("s", "s")
        await pilot.pause()
        assert rows(app) == ["hotfix: raise max_tokens"]
        assert app.review.current.status == "blocked"
        text = detail_text(app)
    assert "overdue: AUD014 blocks it · its evidence was due by 2026-03-05T12:00:00Z" in text
    findings = text[text.index("Findings ─") : text.index("Deltas")]
    assert findings.index("AUD014") < findings.index("AUD002") < findings.index("AUD004")
    assert "Owed ─" not in text


def test_snapshot_of_an_overridden_change(snap_compare, tmp_path):
    """The overridden change as a reviewer meets it: badge and count in the list, the
    Override section (who, when, why as typed, the hours left), its findings owed."""

    async def run_before(pilot):
        await loaded(pilot)
        await pilot.press("s", "s")  # the overridden filter
        await pilot.pause()

    app = AuditApp(overridden_repo(tmp_path / "r", hours_after=1), default_base=False)
    assert snap_compare(app, terminal_size=(140, 40), run_before=run_before)


async def test_an_override_followed_up_by_its_evidence_passes_and_says_so(tmp_path):
    """Evidence recorded by someone other than who overrode it (bob's approval, an
    eval) clears the change, even past the deadline: it passes, the filter no longer
    keeps it, and its detail says the override was followed up."""
    from auditui.core.evidence.records import append_entries

    path = overridden_repo(tmp_path / "r", hours_after=73)
    app = AuditApp(path, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        change = await pick(pilot, "hotfix")
    scores = {"model": "a", "suite": "coding", "baseline": 50.0, "candidate": 50.0}
    approval = {"by": "bob@example.com", "verdict": "approve", "at": "2026-03-03T00:00:00Z"}
    append_entries(
        path, change.record_file, change.fingerprint, evals=[scores], approvals=[approval]
    )
    app = AuditApp(path, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert verdicts(app)["hotfix: raise max_tokens"] == "✓ pass"
        await pick(pilot, "hotfix")
        text = detail_text(app)
        await pilot.press("s", "s")
        await pilot.pause()
        assert rows(app) == []
    assert "followed up: its evidence is recorded" in text and "AUD014" not in text
