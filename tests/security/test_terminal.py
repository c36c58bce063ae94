"""One sanitiser for repository text on its way to a terminal (security review, item 5):
subjects, emails, file and model names, values and messages cannot send a control
character — no escape sequence, no forged line — in the text report, `log`, the hook,
error messages, JSON, and the app."""

from __future__ import annotations

import json
import subprocess
import sys

from auditui.core.base.terminal import json_dumps, safe
from tests.helpers.repo import RepoBuilder, bare_remote, install_hook, push

EVERY_CONTROL = "".join(chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)])
# U+2028/U+2029 end a line for Python's splitlines and some viewers: a value holding one
# could seem to start a report line of its own.
INVISIBLE = (
    "\u200b\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)


def unsafe_in(text: str, allow: str = "\n") -> list[str]:
    return [ch for ch in text if (ch in EVERY_CONTROL or ch in INVISIBLE) and ch not in allow]


def test_safe_shows_every_c0_c1_and_invisible_character_and_sends_none():
    shown = safe("a" + EVERY_CONTROL + INVISIBLE + "z")
    assert unsafe_in(shown, allow="") == []
    assert shown.startswith("a\\x00\\x01") and "\\x0a" in shown and "\\x1b" in shown
    assert "\\x9b" in shown and "\\u202e" in shown and shown.endswith("z")
    assert safe("plain ünïcode, tabs\tnot") == "plain ünïcode, tabs\\x09not"


def test_json_keeps_the_data_and_escapes_what_a_terminal_would_act_on():
    data = {"a": "x" + EVERY_CONTROL + INVISIBLE + "é"}
    text = json_dumps(data)
    assert json.loads(text) == data
    assert unsafe_in(text) == []
    # All-ASCII text skips the scan unless it holds DEL, the one ASCII character to escape.
    assert json_dumps("ascii\x7f") == '"ascii\\u007f"'
    assert json_dumps("ascii \u202e") == '"ascii \\u202e"'


def evil_repo(tmp_path) -> RepoBuilder:
    r = RepoBuilder(tmp_path / "r")
    r.start({"models/a.toml": "t = 1\n"})
    name = "models/evil\x1b[2J\nAUD000 forged.toml"
    r.commit(
        "subject \x1b]0;owned\x07 \x1b[31mred\x9b2J",
        {
            name: 'note = "x"\nvalue = "\x1b[8m hidden \u202e"\n',
            "models/a.toml": "t = 2\n",
        },
        author="eve",
    )
    return r


def run(repo: RepoBuilder, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "auditui", *args, "--repo", str(repo.path)],
        capture_output=True,
        text=True,
    )


def test_the_text_report_and_log_send_no_control_character(tmp_path):
    r = evil_repo(tmp_path)
    for args in (
        ("check", "--all", "--color", "never"),
        ("log", "--all"),
        ("log", "--all", "--model", "a"),
    ):
        result = run(r, *args)
        assert unsafe_in(result.stdout, allow="\n\t") == [], args  # the report's own layout
        assert unsafe_in(result.stderr) == [], args
    report = run(r, "check", "--all", "--color", "never").stdout
    assert "forged" in report and not any(line.startswith("AUD000") for line in report.splitlines())
    assert "\\x1b[2J" in report  # shown, not sent


def test_json_reports_send_no_control_character(tmp_path):
    r = evil_repo(tmp_path)
    for args in (
        ("check", "--all", "--format", "json"),
        ("log", "--all", "--model", "a", "--format", "json"),
    ):
        result = run(r, *args)
        assert unsafe_in(result.stdout) == []
        json.loads(result.stdout)


def test_error_messages_quoting_repository_text_send_no_control_character(tmp_path):
    r = RepoBuilder(tmp_path / "r", policy=None)
    r.commit("x", {"models/a.toml": "t = 1\n"})
    result = run(r, "check", "--policy", str(tmp_path / "no\x1b[2Jsuch\npolicy.toml"))
    assert result.returncode == 2 and len(result.stderr.splitlines()) <= 2
    assert unsafe_in(result.stderr) == []


def test_the_hook_sends_no_control_character(tmp_path):
    r = RepoBuilder(tmp_path / "r")
    r.start({"models/a.toml": "t = 1\n"})
    bare_remote(r, tmp_path)
    install_hook(r)
    r.commit("\x1b[2Jwipe \x9b", {"models/a\x1b[31m.toml": "t = 1\n", "models/a.toml": "t = 2\n"})
    result = push(r, "origin", "main")
    assert result.returncode != 0 and "AUD001" in result.stderr
    assert unsafe_in(result.stderr) == []


async def test_the_app_shows_repository_text_escaped(tmp_path):
    from auditui.tui.app import AuditApp
    from auditui.tui.widgets.change_list import ChangeList

    r = evil_repo(tmp_path)
    app = AuditApp(r.path, default_base=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        table = app.review.query_one(ChangeList)
        cells = [str(cell) for row in range(table.row_count) for cell in table.get_row_at(row)]
        assert any("\\x1b" in cell for cell in cells)
        assert all(unsafe_in(cell, allow="") == [] for cell in cells)
        table.move_cursor(row=table.row_count - 1)  # the evil change, shown in the detail
        await pilot.pause()
        shown = app.export_screenshot()
        assert "\\x1b" in shown and "\x1b" not in shown and "\u202e" not in shown
