"""Review: text from the repository is interpreted as Textual markup in the app.

Commit subjects go into a markup Label in the approve/eval forms, and AuditError
messages (which quote policy sections like `[approvals]`) into a markup Static, so
brackets in them vanish or crash the app."""

from __future__ import annotations

from auditui.tui.app import AuditApp
from auditui.tui.screens.actions import ApproveScreen
from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder

SIZE = (120, 40)


async def test_approve_form_on_a_subject_with_brackets(repo: RepoBuilder):
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    base = repo.head()
    repo.commit("fix [/b] closing tag in prompt", {"models/a.toml": "max_tokens = 20\n"})
    repo.git("config", "user.email", "bob@example.com")
    app = AuditApp(repo.path, base=base, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ApproveScreen)
        text = " ".join(str(w.render()) for w in app.screen.query("Label"))
        assert "fix [/b] closing tag" in text, text
    assert app.return_code in (None, 0), "the app crashed"


async def test_policy_error_message_keeps_section_name(tmp_path):
    repo = RepoBuilder(tmp_path / "r", DEFAULT_POLICY.replace("required = 1", "required = -1"))
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    app = AuditApp(repo.path, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        line = str(app.review.query_one("#status-line").render())
        assert "[approvals] required" in line, line


async def test_approve_with_bracket_comment_does_not_crash(repo: RepoBuilder):
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    base = repo.head()
    repo.commit("raise a", {"models/a.toml": "max_tokens = 20\n"})
    repo.git("config", "user.email", "bob@example.com")
    app = AuditApp(repo.path, base=base, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"fine, see [/b] in the diff", "enter", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
    assert app.return_code in (None, 0), "the app crashed"
    assert "see [/b] in the diff" in next((repo.path / "audit").glob("*.toml")).read_text()


async def test_timeline_with_a_bracketed_config_value(repo: RepoBuilder):
    """Llama-style stop strings ("[/INST]") are ordinary config values."""
    repo.start({"models/llama.toml": 'stop = ["</s>"]\n'})
    base = repo.head()
    repo.commit("stop at [/INST]", {"models/llama.toml": 'stop = ["</s>", "[/INST]"]\n'})
    app = AuditApp(repo.path, base=base, default_base=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        await pilot.pause()
    assert app.return_code in (None, 0), "the app crashed"
