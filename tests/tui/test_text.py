"""Names and settings cut for narrow cells (tui.text): what tells two apart stays."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from auditui.core.base.terminal import safe
from auditui.tui.text import ELLIPSIS, fit_end, fit_key, fit_pair, fit_path, one_line, short_names

DIFY = [
    "models/anthropic/models/llm/claude-3-5-sonnet-20241022",
    "models/anthropic/models/llm/claude-2",
    "models/bedrock/models/llm/anthropic.claude-3-5-sonnet-v2",
    "models/openrouter/models/llm/claude-3-5-sonnet",
]
MODELS_DEV = [
    "providers/openai/models/gpt-5",
    "providers/openrouter/models/openai/gpt-5",
    "providers/openrouter/models/anthropic/claude-3.7-sonnet",
    "models/openai/gpt-5",
    "models/anthropic/claude-3.7-sonnet",
]


def test_dify_names_keep_provider_and_id():
    short = short_names(DIFY)
    assert [short[n] for n in DIFY] == [
        "anthropic/claude-3-5-sonnet-20241022",
        "anthropic/claude-2",
        "bedrock/anthropic.claude-3-5-sonnet-v2",
        "openrouter/claude-3-5-sonnet",
    ]


def test_models_dev_keeps_its_two_roots_apart():
    """Both roots hold models, so `providers/` and `models/` stay; the `models/` under
    each provider is the only folder there and goes."""
    short = short_names(MODELS_DEV)
    assert [short[n] for n in MODELS_DEV] == [
        "providers/openai/gpt-5",
        "providers/openrouter/openai/gpt-5",
        "providers/openrouter/anthropic/claude-3.7-sonnet",
        "models/openai/gpt-5",
        "models/anthropic/claude-3.7-sonnet",
    ]


def test_stem_names_and_prompts_are_left_alone():
    names = ["opus-4.6", "haiku-4.5", "prompt:prompts/agents/coder.md"]
    assert short_names(names) == {n: n for n in names}


segment = st.text(alphabet="abcm-_.1", min_size=1, max_size=4)


@given(st.lists(st.lists(segment, min_size=1, max_size=5).map("/".join), max_size=30))
def test_short_names_tell_every_model_apart(names):
    """No two names shown alike; each keeps its last part, and drops parts, never
    changes them (a short name reads as its name with folders left out)."""
    short = short_names(names)
    assert set(short) == set(names)
    assert len(set(short.values())) == len(short)
    for name, shown in short.items():
        kept, parts = shown.split("/"), iter(name.split("/"))
        assert kept[-1] == name.split("/")[-1]
        assert all(part in parts for part in kept)


text = st.text(alphabet="ab/.[]=_#→ 漢", max_size=40)


@given(text, st.integers(min_value=1, max_value=50))
def test_every_fit_fits_and_keeps_what_fits(value, width):
    for fit in (fit_path, fit_key, fit_pair, fit_end):
        shown = fit(value, width)
        assert cell_len(shown) <= width, (fit.__name__, shown)
        if cell_len(value) <= width:
            assert shown == value


@given(text, st.integers(min_value=2, max_value=50))
def test_a_path_is_cut_on_the_left_keeping_its_tail(value, width):
    shown = fit_path(value, width)
    assert shown == value or (shown.startswith(ELLIPSIS) and value.endswith(shown[1:]))


def test_a_keyed_item_keeps_its_name_and_leaf():
    path = "parameter_rules[name=max_tokens].default"
    assert fit_key(path, 40) == path
    assert fit_key(path, 36) == "parameter_rules[max_tokens].default"
    assert fit_key(path, 24) == "…[max_tokens].default"
    assert fit_key(path, 18) == "…[max_to…].default"
    assert fit_key(path, 14) == "…kens].default"  # `…default` alone would say nothing
    longer = "parameter_rules[name=max_output_tokens].max"
    assert fit_key(longer, 22) == "…[max_output_tok…].max"
    assert fit_key("prompt:prompts/agent.md#limits", 17) == "…/agent.md#limits"


def test_old_and_new_both_stay_in_sight():
    said = fit_pair('"You are a helpful assistant" → "Be terse"', 24)
    assert said == '"You are a… → "Be terse"'
    assert fit_pair("4096 → 8192", 11) == "4096 → 8192"
    assert fit_pair("1 → 2000000", 8) == "1 → 200…"


def test_a_tab_in_a_one_line_cell_is_a_space_and_nothing_else_goes_raw():
    assert one_line("\tfeat: more output\x1b[31m") == " feat: more output\\x1b[31m"
    assert safe("a\tb") == "a\\x09b"  # reports keep it: a tab in a report line is content
