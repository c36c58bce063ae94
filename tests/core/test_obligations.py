"""Prompt obligations: directive sentences with a strength, paired where they stand
(docs/reports.md, "Prompt obligations")."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditui.core.configs.obligation_pairs import (
    changed_obligations,
    obligation_kind,
    pair_obligations,
    plain_changed_obligations,
)
from auditui.core.configs.obligations import TEXT_MAX, Obligation, Strength, extract_obligations

R, S, OPT = Strength.REQUIRED, Strength.RECOMMENDED, Strength.OPTIONAL


def found(text: str) -> list[tuple[Strength, str, str]]:
    return [(o.strength, o.word, o.text) for o in extract_obligations(text)]


def kinds(old: str, new: str) -> list[str]:
    pairs = pair_obligations(old, new, extract_obligations(old), extract_obligations(new))
    return [obligation_kind(o, n) for o, n in pairs]


# -- markers and their strength ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "strength", "word"),
    [
        ("You must run the tests.", R, "must"),
        ("You MUST NOT push.", R, "must not"),
        ("You mustn’t push.", R, "mustn't"),
        ("Never push to main.", R, "never"),
        ("Always run the linter.", R, "always"),
        ("Do not commit secrets.", S, "do not"),
        ("Don't commit secrets.", S, "don't"),
        ("IMPORTANT: run the linter first.", R, "important"),
        ("**CRITICAL**: run the linter first.", R, "critical"),
        ("It is essential that you run the tests.", R, "it is essential that"),
        ("Make sure the tests pass.", R, "make sure"),
        ("Under no circumstances delete the branch.", R, "under no circumstances"),
        ("Only commit when the user asks.", R, "only"),
        ("A reviewer is required to sign.", R, "is required"),
        ("You cannot skip the hooks.", R, "you cannot"),
        ("You need to run the tests.", R, "you need to"),
        ("You should run the tests.", S, "should"),
        ("You shouldn't guess.", S, "shouldn't"),
        ("Avoid long answers.", S, "avoid"),
        ("Prefer small commits.", OPT, "prefer"),
        ("It is best to ask first.", S, "it is best to"),
        ("You may use tables.", OPT, "you may"),
        ("You can call several tools at once.", OPT, "you can"),
        ("You can only enter one command at a time.", R, "you can only"),
        ("You don't have to modify the tests.", OPT, "don't have to"),
        ("You need not ask first.", OPT, "need not"),
        ("Consider a smaller model.", OPT, "consider"),
        ("Try to keep it short.", OPT, "try to"),
        ("Feel free to ask questions.", OPT, "feel free"),
        ("Cite the source where possible.", OPT, "where possible"),
    ],
)
def test_a_marker_gives_its_strength(text, strength, word):
    assert found(text) == [(strength, word, text.replace("**", ""))]  # emphasis dropped


def test_strength_is_ordered_and_named():
    assert R > S > OPT
    assert [s.label for s in Strength] == ["optional", "recommended", "required"]


def test_a_main_clause_after_a_condition_counts():
    assert found("If the tests fail, you must fix them.")[0][:2] == (R, "must")


def test_the_strongest_marker_of_a_sentence_wins():
    assert found("If possible you should always run the tests.")[0][:2] == (R, "always")
    assert found("You may want to, and you should, run it.")[0][:2] == (S, "should")


@pytest.mark.parametrize(
    "text",
    [
        "Run the tests.",  # a bare imperative: no marker
        "Should I run the tests?",  # a question
        "It has never been published.",
        "The response always returns both fields.",
        "Manual runs do not emit events.",
        "They do not want you to act.",
        "If you need to read a file, use Read.",
        "This tool can read images.",
        "Use a lock to avoid races.",
        "There are many cases to consider.",
        "It does what it should.",
        "This tool only reads files.",
        "Only the components you edited change.",
        'The user says "you must stop" and leaves.',
        "Pass `--must-not-fail` to the runner.",
        "Set x-should-retry: false.",
        "Sessions are never passed to workers.",
        "The value is always 0.",
        "Use it when the user should see it.",
        "Webhooks drop events: if you must observe each one, poll.",
        "Then decide what the prototype should prove.",
        "Use icacls only if ACL changes are required.",
        "Summarise what changed and anything the user must do next.",
        "Edit all the files you need to and run the tests.",  # "need to [edit]"
        "Change what you have to.",
        "Tests that must pass are listed in CI.",
    ],
)
def test_no_obligation(text):
    assert found(text) == []


# -- sentences -----------------------------------------------------------------------


def test_code_is_skipped():
    text = "```\nyou must not see this\n```\n~~~\nnever this\n~~~\nYou should see this.\n"
    assert found(text) == [(S, "should", "You should see this.")]


def test_a_fence_inside_a_line_opens_nothing():
    text = "Write ```js``` blocks. You must see this.\n"
    assert [w for _, w, _ in found(text)] == ["must"]


def test_lists_headings_and_table_rows_are_units_of_their_own():
    text = (
        "# Never push\n"
        "- must lint\n"
        "* you should test\n"
        "1. Avoid force pushes\n"
        "| flag | Do not set it |\n"
        "> Never quote\n"
    )
    assert [(o.word, o.line) for o in extract_obligations(text)] == [
        ("never", 1),
        ("must", 2),
        ("should", 3),
        ("avoid", 4),
        ("do not", 5),
        ("never", 6),
    ]
    assert extract_obligations(text)[1].text == "must lint"


def test_abbreviations_do_not_end_a_sentence():
    text = "Use a model, e.g. Sonnet, i.e. a fast one, etc. and you must log it. Then stop."
    assert found(text) == [
        (R, "must", "Use a model, e.g. Sonnet, i.e. a fast one, etc. and you must log it.")
    ]


def test_sentences_split_at_their_ends():
    text = "Read it first. You must test! Is it done? You should commit."
    assert [t for _, _, t in found(text)] == ["You must test!", "You should commit."]


def test_wrapped_prose_is_one_sentence_and_its_line_is_the_markers():
    text = "When the tests pass and the linter is happy,\nyou must\ncommit.\n"
    (o,) = extract_obligations(text)
    assert o.text == "When the tests pass and the linter is happy, you must commit."
    assert o.line == 2


def test_a_line_left_open_continues_whatever_it_starts_with():
    text = "Pass `0.1.31` to every publish. Never\n`latest`, never another version.\n"
    assert [t for _, _, t in found(text)] == ["Never `latest`, never another version."]
    assert found("# Never push\nTo main.\n") == [(R, "never", "Never push")]


def test_a_template_literal_is_no_question():
    text = "Each find must occur once; an empty replace deletes it.${FLAG?`\n"
    assert [w for _, w, _ in found(text)] == ["must"]


def test_a_long_sentence_is_bounded_with_its_marker_in_sight():
    text = "word " * 100 + "you must stop " + "word " * 100
    (o,) = extract_obligations(text)
    assert len(o.text) <= TEXT_MAX
    assert "you must stop" in o.text and o.text.startswith("…") and o.text.endswith("…")


def test_as_dict_is_json_with_strength_word_and_text():
    (o,) = extract_obligations("  Never  push\tto main.")
    assert o.as_dict() == {"strength": 3, "word": "never", "text": "Never push to main."}
    assert json.loads(json.dumps(o.as_dict())) == o.as_dict()
    assert o.describe() == "required (never): Never push to main."


# -- pairing -------------------------------------------------------------------------

PROMPT = """# Rules

You must run the full test suite before committing.
Never push to main.
Keep answers short.

## Style

You should use tables for comparisons.
"""


def test_must_to_should_is_weakened():
    new = PROMPT.replace("You must run the full", "You should run the")
    assert kinds(PROMPT, new) == ["obligation-weakened"]
    ((o, n),) = pair_obligations(PROMPT, new, extract_obligations(PROMPT), extract_obligations(new))
    assert (o.word, n.word, o.line, n.line) == ("must", "should", 3, 3)


def test_should_to_must_is_strengthened():
    new = PROMPT.replace("You should use", "You must use")
    assert kinds(PROMPT, new) == ["obligation-strengthened"]


def test_a_removed_and_an_added_instruction():
    assert kinds(PROMPT, PROMPT.replace("Never push to main.\n", "")) == ["obligation-removed"]
    new = PROMPT.replace("Keep answers short.", "Keep answers short. Do not guess.")
    assert kinds(PROMPT, new) == ["obligation-added"]


def test_a_marker_added_to_a_bare_imperative_is_an_addition():
    assert kinds(PROMPT, PROMPT.replace("Keep answers", "Always keep answers")) == [
        "obligation-added"
    ]


def test_a_rewording_at_the_same_strength_is_no_change():
    new = PROMPT.replace("You must run the full test suite", "You must run every test")
    assert kinds(PROMPT, new) == []
    assert kinds(PROMPT, PROMPT.replace("Never push to main.", "Never push to master.")) == []
    assert kinds(PROMPT, PROMPT.replace("Never push", "You must never push")) == []
    # "do not" is a strength 2 word (docs/reports.md): "never" -> "do not" is weaker
    assert kinds(PROMPT, PROMPT.replace("Never push", "Do not push")) == ["obligation-weakened"]


def test_an_instruction_extended_at_the_same_strength_is_no_change():
    old = "Deploy the bundle.\nOnly after the review.\n"
    new = "Deploy the bundle.\nOnly after the review and the security sign-off by the team.\n"
    assert kinds(old, new) == []
    assert kinds(new, old) == []


def test_a_moved_instruction_is_no_change_and_a_moved_weakened_one_is_weakened():
    lines = PROMPT.splitlines(keepends=True)
    moved = "".join(lines[:3] + lines[4:] + [lines[3]])
    assert kinds(PROMPT, moved) == []
    weakened = moved.replace("Never push to main.", "Avoid pushing to main.")
    assert kinds(PROMPT, weakened) == ["obligation-weakened"]


def test_pairs_go_by_where_they_stand_not_as_sets():
    old = "You must lint.\nKeep going.\nYou must lint.\n"
    new = "You must lint.\nKeep going.\nYou should lint.\n"
    ((o, n),) = pair_obligations(old, new, extract_obligations(old), extract_obligations(new))
    assert (o.line, n.line, n.word) == (3, 3, "should")


def test_obligation_kind():
    must = Obligation(R, "must", "x")
    may = Obligation(OPT, "may", "x")
    assert obligation_kind(must, may) == "obligation-weakened"
    assert obligation_kind(may, must) == "obligation-strengthened"
    assert obligation_kind(must, None) == "obligation-removed"
    assert obligation_kind(None, may) == "obligation-added"
    with pytest.raises(ValueError):
        obligation_kind(must, must)


# -- properties ----------------------------------------------------------------------

PIECES = list("ab .?!-*#>|`\"'\n\t:,;()~“”") + ["e.g.", "must ", "never ", "you may ", "```"]
ANY_TEXT = st.lists(st.sampled_from(PIECES), max_size=120).map("".join) | st.text(max_size=300)


@given(ANY_TEXT)
def test_extraction_is_deterministic_and_never_raises(text):
    first = extract_obligations(text)
    assert first == extract_obligations(text)
    assert [o.line for o in first] == [o.line for o in extract_obligations(text)]
    for o in first:
        assert len(o.text) <= TEXT_MAX and o.text == o.text.strip()
        assert 1 <= o.line <= max(1, len(text.splitlines()))


@given(ANY_TEXT)
def test_a_text_paired_with_itself_gives_nothing(text):
    found_ = extract_obligations(text)
    assert pair_obligations(text, text, found_, found_) == []


# Prompts of distinct instructions (no two share a content word), each with or without
# a marker. Sentences that differ in one word of four would compete for a pair, and
# which wins may follow the text diff's alignment, which is not symmetric itself.
SUBJECTS = [
    "lint the code before pushing",
    "write tests for each bug",
    "keep commit messages brief",
    "ask when requirements are unclear",
    "cite sources for claims",
    "prefix branch names with ticket ids",
    "log errors with context",
    "review migrations twice",
    "pin dependency versions",
    "document public functions",
    "rotate leaked credentials immediately",
    "summarise long outputs",
]
MARK = st.sampled_from(["", "You must ", "You should ", "You may ", "Never ", "Always "])
SENTENCE = st.tuples(MARK, st.sampled_from(SUBJECTS)).map(lambda p: f"{p[0]}{p[1]}.")
PROMPTS = st.lists(SENTENCE, max_size=8, unique_by=lambda s: s.split()[-2])


def swapped(kind: str) -> str:
    swap = {"weakened": "strengthened", "strengthened": "weakened", "added": "removed"}
    swap.update({v: k for k, v in swap.items()})
    return "obligation-" + swap[kind.removeprefix("obligation-")]


@settings(max_examples=300)
@given(PROMPTS, PROMPTS)
def test_swapping_old_and_new_swaps_the_kinds(a, b):
    old, new = "\n".join(a) + "\n", "\n".join(b) + "\n"
    forward = Counter(kinds(old, new))
    backward = Counter(swapped(k) for k in kinds(new, old))
    assert forward == backward


NOISE = st.sampled_from(
    ["", "Some context here.", "# Notes", "- a detail", "The tool reads files.", "| a | b |"]
)


@settings(max_examples=300)
@given(PROMPTS, st.lists(st.tuples(st.integers(0, 20), NOISE), max_size=5))
def test_inserting_unrelated_lines_gives_no_pair(a, inserts):
    lines = list(a)
    for at, noise in inserts:
        lines.insert(at % (len(lines) + 1), noise)
    old, new = "\n".join(a) + "\n", "\n".join(lines) + "\n"
    assert kinds(old, new) == []


# Prompt lines of every shape a unit can take: wrapped prose, items, headings, fences,
# quotes, comments, emphasis alone; an edit inserts, deletes or replaces some of them.
LINES = st.sampled_from(
    [
        "You must lint the code",
        "before pushing.",
        "and never guess.",
        "- Always cite sources.",
        "1. You should ask first",
        "# Rules",
        "```",
        "~~~",
        "> Do not push to main.",
        "// you must not",
        "**",
        "___",
        "",
        "Only commit when asked. You may stop.",
        "It has never been done. `must` is a word.",
        'He said "you must stop" then left.',
        "| must | never |",
    ]
)
EDITS = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 2), LINES), max_size=6)


def edited(lines: list[str], edits: list[tuple[int, int, str]]) -> list[str]:
    out = list(lines)
    for at, how, line in edits:
        k = at % (len(out) + 1)
        if how == 0:
            out.insert(k, line)
        elif out and k < len(out):
            out[k : k + 1] = [] if how == 1 else [line]
    return out


@settings(max_examples=400)
@given(st.lists(LINES, max_size=30), EDITS)
def test_changed_obligations_reads_only_changed_units_and_finds_what_the_plain_one_does(
    lines, edits
):
    """The fast path (units holding a changed line) pairs exactly as the definition
    (every obligation of both versions read, then paired)."""
    old = "\n".join(lines) + "\n"
    new = "\n".join(edited(lines, edits)) + "\n"
    assert changed_obligations(old, new) == plain_changed_obligations(old, new)
    assert changed_obligations(new, old) == plain_changed_obligations(new, old)


@given(ANY_TEXT, ANY_TEXT)
def test_changed_obligations_equal_the_plain_ones_on_any_text(old, new):
    assert changed_obligations(old, new) == plain_changed_obligations(old, new)


@settings(max_examples=400)
@given(ANY_TEXT | st.lists(LINES, max_size=30).map("\n".join))
def test_the_marker_prefilter_skips_no_unit_with_an_obligation(text):
    """Units no marker pattern matches are not split into tokens: reading every unit
    finds the very same obligations."""
    from unittest import mock

    from auditui.core.configs import obligations

    fast = extract_obligations(text)
    with mock.patch.object(obligations, "_may_hold_marker", lambda unit: True):
        assert extract_obligations(text) == fast
