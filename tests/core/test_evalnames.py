"""Which model an eval file's id stands for (core/evalnames): the documented rule, held
for any names, never a guess between two models."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditui.core.base.errors import AuditError
from auditui.core.evidence.evalnames import Map, name_ids, parse_maps, parts

WORD = st.text("abcdefgh-0123456789.", min_size=1, max_size=8)
NAME = st.lists(WORD, min_size=1, max_size=4).map("/".join)
ID = st.lists(WORD, min_size=1, max_size=3).map(":".join)


@given(st.lists(NAME, min_size=1, max_size=12, unique=True), st.lists(ID, max_size=12))
def test_an_id_names_only_models_the_rule_allows(known, ids):
    """A match is the id itself or a name ending in the id's last part, whose folders
    share one of the id's other parts when both have them; nothing else, ever."""
    for file_id, names in name_ids([*ids, *known], known).items():
        if file_id in known:
            assert names == (file_id,)
            continue
        *others, last = parts(file_id)
        for name in names:
            assert name in known and name.rsplit("/", 1)[-1] == last
            folders = name.split("/")[:-1]
            assert not folders or not others or set(others) & set(folders)


@given(st.lists(WORD, min_size=1, max_size=12, unique=True), WORD)
def test_stem_names_take_any_providers_id(stems, provider):
    """Stem naming (no folders): `provider:stem` and `provider/stem` are the stem."""
    ids = [f"{provider}:{s}" for s in stems] + [f"{provider}/{s}" for s in stems]
    named = name_ids(ids, stems)
    assert all(named[f"{provider}:{s}"] == named[f"{provider}/{s}"] == (s,) for s in stems)


@given(WORD, WORD, WORD)
def test_a_pattern_fills_its_star(head, middle, tail):
    (m,) = parse_maps([f"{head}*{tail}=models/x/*"])
    assert m.apply(head + middle + tail) == f"models/x/{middle}"
    assert m.apply(head + tail) == "models/x/"  # the star may match nothing
    assert Map(f"{head}*{tail}", "t/*").apply(head[:-1]) is None


def test_the_folder_tells_two_providers_apart():
    known = ["models/openai/gpt-4o", "models/azure/gpt-4o", "models/gemini/gemini-2.5-pro"]
    named = name_ids(
        [
            "openai:gpt-4o",
            "azure:chat:gpt-4o",
            "gpt-4o",
            "google:gemini-2.5-pro",
            "openrouter:openai/gpt-4o",
        ],
        known,
    )
    assert named["openai:gpt-4o"] == ("models/openai/gpt-4o",)
    assert named["azure:chat:gpt-4o"] == ("models/azure/gpt-4o",)
    assert named["gpt-4o"] == ("models/openai/gpt-4o", "models/azure/gpt-4o")  # a doubt
    assert named["google:gemini-2.5-pro"] == ()  # no part in common: --map
    assert named["openrouter:openai/gpt-4o"] == ("models/openai/gpt-4o",)


def test_maps_come_first_exact_before_patterns():
    known = ["models/a/x", "models/b/x"]
    maps = parse_maps(["p:*=models/a/*", "p:x=models/b/x"])
    assert name_ids(["p:x", "p:y"], known, maps) == {"p:x": ("models/b/x",), "p:y": ()}


@pytest.mark.parametrize("value", ["nothing", "=b", "a=", "a*=b", "a=b*", "a**=b**"])
def test_a_malformed_map_is_one_clear_error(value):
    with pytest.raises(AuditError, match="expected FILE_MODEL=MODEL"):
        parse_maps([value])


def test_an_unused_map_is_an_error():
    with pytest.raises(AuditError, match="--map 'q:x' matches no model of the files"):
        name_ids(["p:x"], ["x"], parse_maps(["q:x=x"]))
