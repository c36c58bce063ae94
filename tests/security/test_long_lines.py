"""A prompt's long lines are read in time linear in their length (security review,
item 6): one line of letters ending in `<= 5 words` took 4 s at 16 KB and over 30 s at
60 KB, per blob, in `check` and in both hooks. Each run below is a whole cold process
under a generous guard (it takes about a second; the lines below took minutes before);
the figures are in bench/bench_limits.py, as ratios."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers.repo import RepoBuilder, install_hook, push, server

LINES = [  # each was read in time quadratic in its length
    "a" * 60_000 + " <= 5 words",  # the key of a quoted value looked for from every letter
    "<= 5 words for" + " " * 60_000 + "x",  # the phrase after it split from every space
    "_" * 60_000 + "a <= 5 words",  # _emphasis_ stripped from every underscore
    "never" + " " * 60_000 + "x words",  # two repeats sharing the spaces, in the search
]
PROMPT = "\n".join(LINES) + "\n"
GUARD = 60  # seconds for a whole process


def auditui(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "auditui", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=GUARD)


@pytest.fixture
def dev(tmp_path) -> RepoBuilder:
    r = RepoBuilder(tmp_path / "dev")
    r.start({"models/a.toml": "t = 1\n"})
    return r


def test_check_reads_a_prompt_of_long_lines(dev):
    dev.commit("long lines", {"prompts/system.md": PROMPT})
    result = auditui("check", "--repo", str(dev.path), "--base", "HEAD~1", "--format", "json")
    (change,) = json.loads(result.stdout)["changes"]
    limits = [d for d in change["deltas"] if d["kind"] == "limit-added"]
    assert [(d["new"]["unit"], d["new"]["max"], d["new"]["applies_to"]) for d in limits] == [
        ("words", 5, None)
    ] * 3


def test_check_pairs_a_line_of_many_limits(dev):
    """16,000 limits on one line, each changing its unit: pairing them looked through
    every limit left for each one (about 10^9 looks); now each takes its queue's front."""
    dev.commit("limits", {"prompts/system.md": " ".join(f"<= {i} words" for i in range(16_000))})
    dev.commit("units", {"prompts/system.md": " ".join(f"<= {i} lines" for i in range(16_000))})
    result = auditui("check", "--repo", str(dev.path), "--base", "HEAD~1", "--format", "json")
    (change,) = json.loads(result.stdout)["changes"]
    kinds = [d["kind"] for d in change["deltas"] if d["kind"].startswith("limit")]
    assert kinds.count("limit-removed") == kinds.count("limit-added") == 16_000


def test_both_hooks_read_a_prompt_of_long_lines(dev, tmp_path):
    server(dev, tmp_path)  # the adoption pushed, then the server's hook installed
    install_hook(dev)
    dev.commit("long lines", {"prompts/system.md": PROMPT})
    pushed = push(dev, "origin", "main", timeout=GUARD)  # pre-push: judged here
    assert pushed.returncode != 0 and "blocked" in pushed.stderr and "AUD001" in pushed.stderr
    pushed = push(dev, "--no-verify", "origin", "main", timeout=GUARD)  # pre-receive: there
    assert pushed.returncode != 0 and "pre-receive hook declined" in pushed.stderr
    assert "blocked" in pushed.stderr and "AUD001" in pushed.stderr


def test_check_aligns_a_prompt_of_many_repeated_lines(dev):
    """40,000 copies of one line, one limit changed among them: aligning the lines
    (for the diff and to pair limits) took minutes; past a bound on its work the
    alignment is the common first and last lines, linear in the text (core/linediff)."""
    lines = ["keep going"] * 40_000
    dev.commit("lines", {"prompts/system.md": "\n".join([*lines, "<= 5 words", *lines])})
    dev.commit("limit", {"prompts/system.md": "\n".join([*lines, "<= 9 words", *lines])})
    result = auditui("check", "--repo", str(dev.path), "--base", "HEAD~1", "--format", "json")
    (change,) = json.loads(result.stdout)["changes"]
    (limit,) = [d for d in change["deltas"] if d["kind"].startswith("limit")]
    assert (limit["kind"], limit["old"]["max"], limit["new"]["max"]) == ("limit-changed", 5, 9)
    (text,) = [d for d in change["deltas"] if d["kind"] == "text"]
