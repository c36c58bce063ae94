"""Explicit output limits extracted from prompt text (SPEC section 1, Prompt constraints)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditui.core.configs.limits import _REACH, Limit, extract_limits


def one(text: str) -> Limit:
    (limit,) = extract_limits(text)
    return limit


# -- bounds, numbers and units ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "unit", "max_"),
    [
        ("<=25 words", "words", 25),
        ("<= 25 words", "words", 25),
        ("≤ 25 words", "words", 25),
        ("≤25 words", "words", 25),
        ("=<25 words", "words", 25),
        ("< 25 words", "words", 25),
        ("at most 100 words", "words", 100),
        ("At Most 100 Words", "words", 100),
        ("no more than 3 sentences", "sentences", 3),
        ("not more than 4 bullets", "bullets", 4),
        ("no longer than 2 lines", "lines", 2),
        ("under 50 tokens", "tokens", 50),
        ("fewer than 2 paragraphs", "paragraphs", 2),
        ("less than 5 words", "words", 5),
        ("max 5 bullet points", "bullets", 5),
        ("max. 5 bullet-points", "bullets", 5),
        ("max 1 bullet point", "bullets", 1),
        ("maximum 7 bullets", "bullets", 7),
        ("maximum of 7 lines", "lines", 7),
        ("a maximum of 7 lines", "lines", 7),
        ("up to 1,200 tokens", "tokens", 1200),
        ("within 80 characters", "characters", 80),
        ("within 80 chars", "characters", 80),
        ("limit it to 2 sentences", "sentences", 2),
        ("limited to 2 sentences", "sentences", 2),
        ("limit yourself to 200 characters", "characters", 200),
        ("capped at 50 lines", "lines", 50),
        ("cap at 50 lines", "lines", 50),
        ("1 line", None, None),  # no bound: not a limit
        ("25 words or less", "words", 25),
        ("10 words or fewer", "words", 10),
        ("3 sentences max", "sentences", 3),
        ("3 sentences maximum", "sentences", 3),
    ],
)
def test_bounds_units_and_numbers(text, unit, max_):
    limits = extract_limits(text)
    if unit is None:
        assert limits == ()
    else:
        (limit,) = limits
        assert (limit.unit, limit.max) == (unit, max_)


@pytest.mark.parametrize(
    ("text", "max_"),
    [
        ("at most one sentence", 1),
        ("at most three sentences", 3),
        ("no more than ten words", 10),
        ("at most eleven words", 11),
        ("at most twelve words", 12),
        ("at most fifteen words", 15),
        ("at most seventeen words", 17),  # not "seven" followed by garbage
        ("at most twenty words", 20),
        ("at most twenty-five words", 25),
        ("at most twenty five words", 25),
        ("Twenty-Five words or fewer", 25),
        ("ninety-nine words max", 99),
        ("at most fifty words", 50),
        ("up to a hundred words", 100),
        ("up to one hundred words", 100),
        ("at most hundred words", 100),
        ("up to a thousand tokens", 1000),
        ("ten words or less", 10),
    ],
)
def test_number_words(text, max_):
    assert one(text).max == max_


@pytest.mark.parametrize(
    "text",
    [
        "",
        "You are a helpful assistant. Be concise and accurate.",
        "Use 25 words.",  # no bound
        "Write at least 100 words.",  # a minimum, not a limit
        "Write no less than 200 words.",
        "Use no fewer than 3 paragraphs.",
        "Use not fewer than 3 paragraphs.",
        "It was thunder 3 words away.",  # `under` inside a word is no bound
        "The climax 3 words later.",  # nor is `max`
        "Read it often words or less.",  # `ten` inside `often` is no number
        "at most 5 apples",  # not a unit we know
        "at most 5 wordsmiths",  # unit must end at a word boundary
        "Version 1.5 words or less",  # `5` is part of 1.5
        pytest.param("at most " + "9" * 5000 + " words", id="5000-digit-number"),  # no crash
        "at most 1234567890123456 words",  # more than 15 digits
    ],
)
def test_texts_without_limits(text):
    assert extract_limits(text) == ()


def test_fifteen_digits_is_still_a_number():
    assert one("at most 123456789012345 tokens").max == 123456789012345


def test_unicode_case_variants_do_not_crash():
    # re.IGNORECASE lets "ſ" match "s" and "ı" match "i"; they must map back cleanly.
    assert one("at most ſeven words").max == 7
    assert one("at most fıve wordſ") == Limit("words", 5, None)
    assert one("ſix words or less").max == 6


# -- what a limit applies to ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "applies_to"),
    [
        ("<=25 words between tool calls", "between tool calls"),
        ("Keep text between tool calls to <=25 words.", "text between tool calls"),
        ("Keep final responses to <=100 words.", "final responses"),
        ("Keep your final response under 100 words.", "final response"),
        ("Final responses: at most 100 words.", "final responses"),
        ("Write at most 100 words for final responses.", "final responses"),
        ("Answer in no more than 3 sentences per reply.", "per reply"),
        ("Summaries should be max 5 bullet points.", "summaries"),
        ("- Commit messages: 1 line max", "commit messages"),
        ("Keep responses to at most 100 words.", "responses"),  # first word kept whole
        ("Please keep the summary to at most 3 sentences.", "summary"),
        ("Use fewer than 2 paragraphs", None),
        ("≤ 25 words", None),
        ("Answer in under 50 tokens", None),
        ("Reply in one hundred words max", None),
    ],
)
def test_applies_to(text, applies_to):
    assert one(text).applies_to == applies_to


@pytest.mark.parametrize(
    ("text", "applies_to"),
    [
        # the key of a quoted placeholder or typed value
        ('{"caption": "<<=200 chars>"}', "caption"),
        ('"headline": "<one full sentence, <=160 chars>",', "headline"),
        ('"system": "string (optional, up to 100,000 chars)",', "system"),
        ('{\\"reason\\": \\"<why, <=160 chars>\\"}', "reason"),
        # prose inside a quoted value is read as prose, never named by its key
        ('"content": "Quiet mode on — keep replies under 30 words."', "replies"),
        ('"description": "Describe the change, use no more than 30 words"', None),
        # parentheses, labels and forms
        ("Keep the subject line short (under 50 characters).", "subject line"),
        ("- `summary` — required, ≤200 chars.", "summary"),
        ("- headline: one sentence, <=120 chars", "headline"),
        ("- 1–2 main bullets (≤15 words each)", "main bullets"),
        ("At most 2 short snippets (≤8 lines each).", "snippets"),
        ("Start with one short headline (≤ 6 words).", "headline"),
        ("Keep SKILL.md body under 3,000 words.", "skill.md body"),
        ("We need to keep `NOTES.md` under 200 lines.", "notes.md"),
        # a subject and its verb
        ("Citations should span at most 3 lines of code.", "citations"),
        ("The bot keeps quotes under 10 words.", "quotes"),
        (
            "Search: total lines across all edits must stay under 600 lines",
            "total lines across all edits",
        ),
        # a clause, not a phrase: nothing rather than something wrong
        ("Note that this tool can read at most 300 lines at a time.", None),
        ("Use `edit` when changing fewer than 20 lines.", None),
        ("If you cannot say it in under 15 words, paraphrase.", None),
        ("Be very brief by only providing <10 lines of the code.", None),
        ("You should keep it short, ideally no more than 4 words.", None),
        ("(aim for under 2000 characters)", None),
        ("The quotes are under 15 words in total, and one per source.", "quotes"),
    ],
)
def test_applies_to_in_real_shapes(text, applies_to):
    """Shapes met in public agent prompts (paraphrased): JSON templates, tables,
    parentheses, labels; where no phrase can be named, none is."""
    assert one(text).applies_to == applies_to


def test_two_limits_in_parentheses_each_name_their_own_noun():
    limits = extract_limits("Break anywhere: labels (≤60 chars) and reasons (≤200 chars) wrap.")
    assert [lim.applies_to for lim in limits] == ["labels", "reasons"]


def test_an_angle_bracket_placeholder_is_not_a_limit():
    assert extract_limits("Then insert: 【widget|<4 char ID>】 in the reply.") == ()
    assert extract_limits('"detail": "<one line>"') == ()
    assert [lim.max for lim in extract_limits("Short content (<100 lines): one call.")] == [100]


def test_incident_prompt_edit():
    """The edit from the incident report: two word limits, each on its own phrase."""
    text = (
        "Length limits: keep text between tool calls to ≤25 words. Keep final responses "
        "to ≤100 words unless the task requires more detail.\n"
    )
    assert extract_limits(text) == (
        Limit("words", 25, "text between tool calls"),
        Limit("words", 100, "final responses"),
    )
    assert [lim.as_dict() for lim in extract_limits(text)][0] == {
        "unit": "words",
        "max": 25,
        "applies_to": "text between tool calls",
    }


def test_two_limits_in_one_sentence_do_not_borrow_each_others_words():
    text = "Use <=25 words between tool calls and <=100 words in final responses."
    assert extract_limits(text) == (
        Limit("words", 25, "between tool calls"),
        Limit("words", 100, "final responses"),
    )
    text = "Write at most 3 sentences and no more than 40 words"
    assert extract_limits(text) == (Limit("sentences", 3, None), Limit("words", 40, None))


def test_limit_written_with_bound_and_suffix_counts_once():
    assert extract_limits("Keep answers to at most 10 words or fewer.") == (
        Limit("words", 10, "answers"),
    )
    assert extract_limits("max 5 words max") == (Limit("words", 5, None),)


def test_trailing_word_is_only_stripped_when_whole():
    # "Again" must not lose its "in", "Main" its "in", "Plato" its "to".
    assert one("Again: at most 3 sentences.").applies_to == "again"
    assert one("Main answer: at most 3 sentences.").applies_to == "main answer"
    assert one("Keep answers in <=3 sentences").applies_to == "answers"


def test_applies_to_is_lower_case_plain_text_of_at_most_six_words():
    limit = one("**Keep `Final Responses` to** ≤100 words.")
    assert limit.applies_to == "final responses"
    assert one("<=5 words for one two three four five six").applies_to == (
        "one two three four five six"
    )
    # Longer is a clause, not the phrase a limit governs: no phrase rather than a wrong one.
    assert one("<=5 words for one two three four five six seven").applies_to is None


def test_a_limit_written_twice_is_two_limits_each_where_it_stands():
    text = "At most 3 sentences.\n\nAgain, at most 3 sentences."
    limits = extract_limits(text)
    assert [(lim.unit, lim.max) for lim in limits] == [("sentences", 3), ("sentences", 3)]
    assert [lim.at for lim in limits] == [0, text.index("at most")]


def test_limits_come_in_the_order_they_stand():
    text = (
        "Use at most 5 lines for code. Keep final responses to <=100 words. "
        "Keep text between tool calls to <=25 words. Use at most 2 lines for titles."
    )
    limits = extract_limits(text)
    assert [(lim.unit, lim.applies_to, lim.max) for lim in limits] == [
        ("lines", "code", 5),
        ("words", "final responses", 100),
        ("words", "text between tool calls", 25),
        ("lines", "titles", 2),
    ]
    assert [lim.at for lim in limits] == sorted(lim.at for lim in limits)


def test_limit_describe_and_as_dict():
    assert Limit("words", 25, "final responses").describe() == "<= 25 words (final responses)"
    assert Limit("words", 25, None).describe() == "<= 25 words"
    assert Limit("tokens", 50, None).as_dict() == {
        "unit": "tokens",
        "max": 50,
        "applies_to": None,
    }


def test_markdown_prompt_with_several_limits():
    text = (
        "# Style\n\n"
        "- Commit messages: 1 line max\n"
        "- Keep code comments under 20 words.\n"
        "- Use no more than 3 bullet points per list.\n"
    )
    assert extract_limits(text) == (
        Limit("lines", 1, "commit messages"),
        Limit("words", 20, "code comments"),
        Limit("bullets", 3, "per list"),
    )


# -- properties ------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "<=",
        "≤",
        "at most",
        "no more than",
        "under",
        "fewer than",
        "max",
        "max.",
        "up to",
        "or less",
        "or fewer",
        "maximum",
        "no less than",
        "25",
        "1,000",
        "three",
        "twenty-five",
        "a hundred",
        "words",
        "word",
        "sentences",
        "bullet points",
        "tokens",
        "lines",
        "chars",
        "between tool calls",
        "for final responses",
        "Keep",
        "text",
        ":",
        ".",
        ",",
        ";",
        "-",
        "\n",
        "\n\n",
        "\n-",
        "(",
        ")",
        "and",
        "but",
        "unless",
        "ſ",
        "ı",
        "İ",
        "\u212a",
        " ",
        "  ",
    ]
)
_PROMPTISH = st.lists(_PIECES, max_size=30).map(" ".join)


# Long lines (issue 25, item 6): long runs of one piece, limits and their phrases.
_RUN = st.builds(
    lambda piece, n: piece * n,
    st.sampled_from(
        'a|ab | |_|a-|9a-|1|1,|,|\'|\\|:|\n|keep |to |and the |for |"k": "|<'.split("|")
    ),
    st.integers(1, 700),
)
_PHRASED = st.sampled_from(
    "<= 5 words| at most 3 lines |10 words or less|never use more than 2 sentences| (under 70 "
    'characters)|"caption": "<<=200 chars>"|Keep answers to at most 10 words.| for final '
    "responses| keep the title short, |Final responses: | words |twenty-five ".split("|")
)
_LONG_LINES = st.lists(st.one_of(_RUN, _PHRASED, _PIECES), max_size=12).map("".join)
# Words of x and z, more than a window long, spaces at both ends: no part of any limit.
_FAR = st.lists(st.text("xz", min_size=1, max_size=400), min_size=1).map(
    lambda words: " " + " ".join(words) * (1 + 2 * _REACH // len(" ".join(words))) + " "
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), _PROMPTISH, _LONG_LINES))
def test_extract_limits_never_raises_and_is_in_text_order_and_deterministic(text):
    limits = extract_limits(text)
    assert isinstance(limits, tuple)
    assert limits == extract_limits(text)  # deterministic
    assert [lim.at for lim in limits] == sorted({lim.at for lim in limits})  # in order, apart
    for lim in limits:
        assert lim.unit in {
            "words",
            "sentences",
            "tokens",
            "paragraphs",
            "bullets",
            "lines",
            "characters",
        }
        assert isinstance(lim.max, int) and lim.max >= 0
        assert lim.applies_to is None or (
            lim.applies_to
            and lim.applies_to == lim.applies_to.lower()
            and len(lim.applies_to.split()) <= 6
            and not set(lim.applies_to) & set("<>{}[]=|$\\")  # never markup
        )


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=10**6), st.sampled_from(["words", "tokens", "lines"]))
def test_any_number_round_trips(n, unit):
    assert extract_limits(f"Keep answers to at most {n:,} {unit}.") == (Limit(unit, n, "answers"),)
    assert extract_limits(f"{n} {unit} or less") == (Limit(unit, n, None),)


def test_never_more_than_is_a_maximum():
    from auditui.core.configs.limits import extract_limits

    assert [(x.unit, x.max) for x in extract_limits("Never use more than 3 bullet points.")] == [
        ("bullets", 3)
    ]
    assert [(x.unit, x.max) for x in extract_limits("Don't write more than 200 words.")] == [
        ("words", 200)
    ]
    assert extract_limits("Use more than 3 examples.") == ()  # a minimum is not a limit


def rows(text: str, shift: int = 0) -> list[tuple]:
    return [(lim.unit, lim.max, lim.applies_to, lim.at + shift) for lim in extract_limits(text)]


@settings(max_examples=300, deadline=None)
@given(_LONG_LINES, _FAR, _LONG_LINES)
def test_a_limit_is_read_from_what_stands_near_it(before, far, after):
    """Text more than a window away from a limit never changes it: the limits of
    `before + far + after` are those of `before + far` and those of `far + after`.
    (Read from the whole line, a key or a clause any distance back became the phrase.)"""
    assert rows(before + far + after) == rows(before + far) + rows(far + after, len(before))


def test_a_key_or_a_word_far_back_on_the_line_names_no_limit():
    far = " x" * _REACH
    assert one('"caption": "<' + far + " <= 5 words").applies_to is None
    assert one('"caption": "<' + " <= 5 words").applies_to == "caption"
    assert one("a" * 2 * _REACH + " <= 5 words").applies_to is None  # no fragment of a word
    assert one("<= 5 words for " + "a" * 2 * _REACH).applies_to is None


def test_each_limit_is_read_from_a_bounded_window_of_a_long_line(monkeypatch):
    """One 200 KB line of letters and limits: each limit's phrase is looked for in at most
    _REACH characters either side of it. Before, each limit read (and searched from every
    character of) the whole line: 16 KB took 4 s, 60 KB over 30 s."""
    from auditui.core.configs import limits

    real, sizes = limits._applies_to, []

    def spy(text: str, start: int, end: int, lo: int, hi: int) -> str | None:
        sizes.append(len(text) - (end - start))
        assert sizes[-1] <= 2 * limits._REACH  # before the reading, so old code fails fast
        return real(text, start, end, lo, hi)

    monkeypatch.setattr(limits, "_applies_to", spy)
    line = ("a" * 50_000 + " <= 5 words ") * 4
    assert [(lim.max, lim.applies_to) for lim in extract_limits(line)] == [(5, None)] * 4
    assert len(sizes) == 4


# -- pairing: each limit takes the first alike limit still free ---------------------


def scan_pairs(old_text: str, new_text: str, old: tuple, new: tuple) -> list[tuple]:
    """pair_limits as first written, by scanning: the definition the queues must keep
    (each scan looked through every limit left, so a block of n cost n squared)."""
    from difflib import SequenceMatcher

    from auditui.core.configs.limits import _by_line, _key, _line_starts

    old_at, new_at = _by_line(old, _line_starts(old_text)), _by_line(new, _line_starts(new_text))
    matcher = SequenceMatcher(None, old_text.splitlines(), new_text.splitlines(), autojunk=False)
    out: list[tuple] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        rest_a = [lim for i in range(i1, i2) for lim in old_at.get(i, ())]
        rest_b = [lim for j in range(j1, j2) for lim in new_at.get(j, ())]
        for same in (_key, lambda lim: (lim.unit, lim.applies_to), lambda lim: lim.unit):
            left = []
            for x in rest_a:
                y = next((y for y in rest_b if same(x) == same(y)), None)
                if y is None:
                    left.append(x)
                    continue
                rest_b.remove(y)
                if _key(x) != _key(y):
                    out.append((x, y))
            rest_a = left
        out += [(x, None) for x in rest_a] + [(None, y) for y in rest_b]
    moved: set[int] = set()
    for o in [o for o, n in out if n is None]:
        for n in [n for o, n in out if o is None]:
            if id(n) not in moved and _key(o) == _key(n):
                moved |= {id(o), id(n)}
                break
    return [(o, n) for o, n in out if id(o) not in moved and id(n) not in moved]


_LIMIT_LINES = st.lists(
    st.sampled_from(
        "x|<= 5 words|<= 6 words|at most 5 lines|<= 5 words for titles|<= 6 words for titles|"
        "Keep answers under 5 words. <= 3 lines|max 5 words max".split("|")
    ),
    max_size=12,
).map("\n".join)


def stands(pairs: list[tuple]) -> list[tuple]:
    return [(o and o.at, n and n.at) for o, n in pairs]


@settings(max_examples=500, deadline=None)
@given(_LIMIT_LINES, _LIMIT_LINES)
def test_pairs_are_those_a_scan_finds(old_text, new_text):
    from auditui.core.configs.limits import pair_limits

    old, new = extract_limits(old_text), extract_limits(new_text)
    paired = pair_limits(old_text, new_text, old, new)
    assert stands(paired) == stands(scan_pairs(old_text, new_text, old, new))
