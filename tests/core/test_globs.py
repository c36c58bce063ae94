"""Path globs follow git's wildmatch (SPEC section 7); [watch] keys match dotted prefixes."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditui.core.base.globs import literal_prefix, match_any, match_key, match_key_glob, match_path
from auditui.core.base.keypaths import Item, quote_key, split_segments


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("models/*.toml", "models/a.toml"),
        ("models/*.toml", "models/opus-4.7.toml"),
        ("models/*.toml", "models/.toml"),  # `*` may match nothing
        ("prompts/**/*.md", "prompts/a.md"),  # `**/` spans zero segments
        ("prompts/**/*.md", "prompts/x/a.md"),
        ("prompts/**/*.md", "prompts/x/y/a.md"),
        ("**/x.md", "x.md"),
        ("**/x.md", "a/b/x.md"),
        ("a/**/b", "a/b"),
        ("a/**/b", "a/x/y/b"),
        ("a/**", "a/b"),
        ("a/**", "a/b/c/d"),
        ("**", "anything/at/all.txt"),
        ("models/?.toml", "models/a.toml"),
        ("models/[abc].toml", "models/b.toml"),
        ("models/[a-c].toml", "models/b.toml"),
        ("models/[!a].toml", "models/b.toml"),
        ("models/[^a].toml", "models/b.toml"),
        ("models/[]].toml", "models/].toml"),  # `]` first in a class is literal
        ("models/[]a].toml", "models/a.toml"),
        ("models/[a-].toml", "models/-.toml"),  # `-` last is literal
        ("models/[-a].toml", "models/-.toml"),  # `-` first is literal
        ("models/[a\\-c].toml", "models/-.toml"),  # escaped `-` is literal
        ("models/\\*.toml", "models/*.toml"),  # escaped `*` is literal
        ("models/\\?.toml", "models/?.toml"),
        ("models/a[b.toml", "models/a[b.toml"),  # unclosed `[` is literal
        ("models/a.b+c(1).toml", "models/a.b+c(1).toml"),  # regex specials are literal
        ("prompts/**/*.md", "prompts/new\nline/a.md"),  # odd but legal git paths
        ("models/_defaults.toml", "models/_defaults.toml"),
    ],
)
def test_matches(pattern, path):
    assert match_path(pattern, path)


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("models/*.toml", "models/old/x.toml"),  # `*` stays within one segment
        ("models/*.toml", "models/a.yaml"),
        ("models/*.toml", "models/a.toml.bak"),  # anchored at the end
        ("models/*.toml", "x/models/a.toml"),  # anchored at the start
        ("models/*.toml", "models.toml"),
        ("prompts/**/*.md", "prompts/a.txt"),
        ("prompts/**/*.md", "other/prompts/a.md"),
        ("prompts/**/*.md", "promptsx/a.md"),
        ("a/**/b", "a/xb"),  # `**/` spans whole segments only
        ("a/**", "a"),
        ("a/x**/b", "a/x/y/b"),  # `**` not a whole segment acts like `*`
        ("models/?.toml", "models/ab.toml"),
        ("models/?.toml", "models/.toml"),
        ("a?b", "a/b"),  # `?` never matches `/`
        ("a[!b]c", "a/c"),  # no bracket class matches `/`
        ("a[/]c", "a/c"),
        ("a[^x]c", "a/c"),
        ("models/[abc].toml", "models/d.toml"),
        ("models/[a-c].toml", "models/d.toml"),
        ("models/[!a].toml", "models/a.toml"),
        ("models/[z-a].toml", "models/m.toml"),  # a reversed range matches nothing
        ("models/[]].toml", "models/a.toml"),
        ("models/[a\\-c].toml", "models/b.toml"),
        ("models/\\*.toml", "models/a.toml"),
        ("models/a.b.toml", "models/aXb.toml"),  # `.` is literal
        ("Models/*.toml", "models/a.toml"),  # case-sensitive, like git
    ],
)
def test_does_not_match(pattern, path):
    assert not match_path(pattern, path)


@pytest.mark.parametrize("pattern", ["[", "]", "[]", "[!]", "[!", "a[]]b", "\\", "a\\", "[\\"])
def test_odd_patterns_compile_and_match_themselves_or_not_at_all(pattern):
    # No user-written pattern may crash the audit with a regex error.
    assert match_path(pattern, "some/path") is False
    assert isinstance(match_path(pattern, pattern), bool)


_GLOB_CHARS = st.text(alphabet="ab./*?[]!^-\\", max_size=12)


@settings(max_examples=400, deadline=None)
@given(_GLOB_CHARS, st.text(alphabet="ab./*?[]!^-\\", max_size=12))
def test_any_pattern_compiles_and_no_wildcard_crosses_a_slash_it_does_not_name(pattern, path):
    result = match_path(pattern, path)
    assert isinstance(result, bool)
    if result and "**" not in pattern:
        # Without `**`, wildcards, `?` and bracket classes never match `/`: every `/` of
        # the path is one the pattern spells out (a `/` inside brackets matches nothing).
        assert path.count("/") <= pattern.count("/")
        if "[" not in pattern:
            assert path.count("/") == pattern.count("/")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab./-_", max_size=12))
def test_a_pattern_without_wildcards_matches_only_itself(path):
    assert match_path(path, path)
    assert not match_path(path, path + "x")
    assert literal_prefix(path) == path


def test_trailing_backslash_is_literal():
    assert match_path("a\\", "a\\")
    assert not match_path("a\\", "a")


def test_match_any():
    patterns = ("models/*.toml", "models/*.yaml")
    assert match_any(patterns, "models/a.yaml")
    assert match_any(list(patterns), "models/a.toml")
    assert not match_any(patterns, "models/a.json")
    assert not match_any((), "models/a.toml")


@pytest.mark.parametrize(
    ("pattern", "prefix"),
    [
        ("models/*.toml", "models/"),
        ("prompts/**/*.md", "prompts/"),
        ("a/b/c*/d.toml", "a/b/"),
        ("a/b?/d.toml", "a/"),
        ("a/[xy]/d.toml", "a/"),
        ("*.md", ""),
        ("**/x.md", ""),
        ("[ab]/x.md", ""),
        ("models/_defaults.toml", "models/_defaults.toml"),  # no wildcard: the path itself
        ("audit", "audit"),
        ("models/a\\*.toml", "models/"),  # an escape stops the literal part too
    ],
)
def test_literal_prefix(pattern, prefix):
    assert literal_prefix(pattern) == prefix


@pytest.mark.parametrize(
    "pattern",
    ["models/*.toml", "prompts/**/*.md", "a/b/c*/d.toml", "[ab]/x.md", "models/a\\*.toml"],
)
@pytest.mark.parametrize(
    "path",
    ["models/a.toml", "prompts/x/y/a.md", "a/b/cz/d.toml", "b/x.md", "models/a*.toml"],
)
def test_literal_prefix_never_prunes_a_match(pattern, path):
    # A tree walk descends only below the literal prefix, so every match must lie there.
    if match_path(pattern, path):
        assert path.startswith(literal_prefix(pattern))


def test_literal_prefix_guard_is_exercised():
    # The test above must not pass vacuously: every pattern there matches its own path.
    pairs = [
        ("models/*.toml", "models/a.toml"),
        ("prompts/**/*.md", "prompts/x/y/a.md"),
        ("a/b/c*/d.toml", "a/b/cz/d.toml"),
        ("[ab]/x.md", "b/x.md"),
        ("models/a\\*.toml", "models/a*.toml"),
    ]
    for pattern, path in pairs:
        assert match_path(pattern, path)
        assert path.startswith(literal_prefix(pattern))


# -- dotted keys ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("patterns", "key"),
    [
        (["*"], "reasoning.effort"),
        (["*"], "x"),
        (["notes"], "notes"),
        (["notes"], "notes.author"),  # a prefix covers everything below it
        (["notes"], "notes.author.email"),
        (["reasoning"], "reasoning.effort"),
        (["reasoning.effort"], "reasoning.effort"),
        (["reasoning.*"], "reasoning.effort"),
        (["reasoning.*"], "reasoning.effort.level"),
        (["*.effort"], "reasoning.effort"),
        (["cache.ttl_?"], "cache.ttl_s"),
        (["description", "notes", "notes.*"], "notes.x"),
        (["x", "cache"], "cache.clear_on_turn"),
    ],
)
def test_match_key(patterns, key):
    assert match_key(patterns, key)
    assert match_key(tuple(patterns), key)


@pytest.mark.parametrize(
    ("patterns", "key"),
    [
        (["notes"], "notesx"),  # a prefix must end at a dot
        (["notes"], "my.notes"),  # prefixes are taken from the start only
        (["notes.author"], "notes"),  # a deeper pattern does not cover its parent
        (["reasoning.*"], "reasoning"),
        (["reasoning.effort"], "reasoning.effortless"),
        (["description", "notes", "notes.*"], "reasoning.effort"),
        (["Notes"], "notes"),  # case-sensitive
        ([], "anything"),
    ],
)
def test_match_key_no_match(patterns, key):
    assert not match_key(patterns, key)


def test_default_watch_and_ignore_split_keys_as_spec_says():
    keys, ignore = ("*",), ("description", "notes", "notes.*")
    watched = [
        k
        for k in ("reasoning.effort", "notes.author", "description", "cache.ttl", "notes")
        if match_key(keys, k) and not match_key(ignore, k)
    ]
    assert watched == ["reasoning.effort", "cache.ttl"]


# -- key globs reach list items (docs/policy.md, Key globs) --------------------

RULE = "parameter_rules[name=reasoning_effort]"


@pytest.mark.parametrize(
    ("glob", "path"),
    [
        ("**.reasoning_effort", "effort.reasoning_effort"),
        ("**[name=reasoning_effort].default", f"{RULE}.default"),  # SPEC 16's examples
        ("**[name=reasoning_effort].default", "a.b.rules[name=reasoning_effort].default"),
        ("**[name=reasoning_effort]", RULE),  # the item appearing or vanishing whole
        (f"{RULE}.default", f"{RULE}.default"),  # a literal path is itself
        ("parameter_rules[*].default", f"{RULE}.default"),  # `*` inside an item
        ("parameter_rules[name=*].default", f"{RULE}.default"),
        ("parameter_rules[name=reasoning_?ffort].default", f"{RULE}.default"),
        ("*[name=reasoning_effort].default", f"{RULE}.default"),
        ("*.default", f"{RULE}.default"),  # `*` is a whole segment, its item included
        ("parameter_rules.**", f"{RULE}.default"),  # everything inside the list
        ("parameter_rules.**", RULE),
        ("parameter_rules.**.default", f"{RULE}.default"),  # `**` spans the item
        ("parameter_rules.**.default", "parameter_rules.default"),  # and may span nothing
        ("**.default", f"{RULE}.default"),
        ('models[name="a b"].price', 'models[name="a b"].price'),  # quoted values
        ('"a[b]".c', '"a[b]".c'),  # a quoted key holding brackets
        ("effort[12]", "effort[12]"),
    ],
)
def test_key_globs_reach_list_items(glob, path):
    assert match_key_glob(glob, path)


@pytest.mark.parametrize(
    ("glob", "path"),
    [
        ("**.reasoning_effort", RULE),  # an item named reasoning_effort is not that key
        ("**.reasoning_effort", f"{RULE}.default"),
        ("**[name=reasoning_effort].default", "parameter_rules[name=max_tokens].default"),
        ("**[name=reasoning_effort].default", f"{RULE}.options"),
        ("**[name=reasoning_effort].default", "reasoning_effort.default"),
        ("parameter_rules.*.default", f"{RULE}.default"),  # `.*` is a key, not an item
        ("parameter_rules.default", f"{RULE}.default"),
        ("parameter_rules", f"{RULE}.default"),  # only a prefix (in [watch]) covers more
        ("parameter_rules.**", "parameter_rules"),  # inside, not the list itself
        ("parameter_rules[name=max_tokens]", "parameter_rules[name=max_token]"),
        ("effort[12]", "effort1"),  # `[` is never a character class
        ("effort[12]", "effort2"),
        ("effort[!x]", "efforty"),
        ("a[b-d]", "ac"),
        ('"a[b]".c', '"ab".c'),
    ],
)
def test_key_globs_that_do_not_reach(glob, path):
    assert not match_key_glob(glob, path)


@pytest.mark.parametrize(
    ("patterns", "key"),
    [
        (["parameter_rules"], f"{RULE}.default"),  # a list's key covers its items
        (["parameter_rules"], RULE),
        ([RULE], f"{RULE}.label.en_US"),
        (["**.label"], f"{RULE}.label.en_US"),
        (["parameter_rules.**"], f"{RULE}.default"),
        (['"a.b"'], '"a.b"[id=1].c'),
    ],
)
def test_watch_prefixes_cover_list_items(patterns, key):
    assert match_key(patterns, key)


@pytest.mark.parametrize(
    ("patterns", "key"),
    [
        (["parameter_rule"], f"{RULE}.default"),
        ([f"{RULE}.label"], f"{RULE}.default"),
        (["parameter_rules[name=reasoning]"], f"{RULE}.default"),
        (["**.reasoning_effort"], f"{RULE}.default"),
        (["a"], '"a[b]".c'),  # a quoted key holding a bracket is no list's item
    ],
)
def test_watch_prefixes_that_do_not_cover(patterns, key):
    assert not match_key(patterns, key)


# Keys and items as keypaths writes them, with every character that is special to a
# path or a glob except the wildcards: a path of them is a glob made of literal text.
def join_key(parts: list[str]) -> str:
    """A path from its keys and items, as the engine writes one (split_segments' inverse)."""
    out = ""
    for part in parts:
        if isinstance(part, Item):
            out += part
        else:
            out += ("." if out else "") + quote_key(str(part))
    return out


_LITERAL_KEY = st.text(alphabet='ab.[]="\\ -', max_size=4)
_ITEM = st.builds(
    Item, st.sampled_from(["name", "id", "a.b", "x y"]), st.one_of(_LITERAL_KEY, st.integers(-2, 2))
)
_STEP = st.tuples(_LITERAL_KEY, st.one_of(st.none(), _ITEM))
_PATH = st.lists(_STEP, min_size=1, max_size=4).map(
    lambda steps: join_key(
        [part for key, item in steps for part in (key, item) if part is not None]
    )
)


@settings(max_examples=400, deadline=None)
@given(_PATH, _PATH)
def test_a_glob_of_literal_segments_matches_exactly_its_own_path(glob, path):
    # `[` never acts as a class, `.` inside quotes or items never splits: a path used as
    # a glob matches itself and nothing else, and as a [watch] prefix what lies under it.
    assert match_key_glob(glob, glob)
    assert match_key_glob(glob, path) == (glob == path)
    assert match_key([glob], f"{glob}.x") and match_key_glob(f"{glob}.**", f"{glob}.x")
    under = path.startswith(glob) and path[len(glob) : len(glob) + 1] in (".", "[", "")
    assert match_key([glob], path) == under


def _fnmatch_segments(pattern: tuple[str, ...], path: tuple[str, ...], prefix: bool) -> bool:
    """The key glob matcher before list items were reachable (fnmatch per segment): what
    every glob without `[` still means on paths without items."""
    if not pattern:
        return prefix or not path
    if pattern == ("**",):
        return bool(path)
    if pattern[0] == "**":
        return any(_fnmatch_segments(pattern[1:], path[i:], prefix) for i in range(len(path) + 1))
    return (
        bool(path)
        and fnmatchcase(path[0], pattern[0])
        and _fnmatch_segments(pattern[1:], path[1:], prefix)
    )


_GLOB = st.lists(
    st.sampled_from(["a", "b", "*", "**", "?", "a*", "*b", '"a.b"', "**b"]), min_size=1, max_size=4
).map(".".join)


@settings(max_examples=600, deadline=None)
@given(_GLOB, _PATH)
def test_globs_without_brackets_keep_their_meaning(glob, path):
    # They match what they matched; more only where a list's key now covers its items
    # (`tiers` as a prefix, or `tiers.**`), on a path that names an item.
    old_glob, segments = tuple(split_segments(glob)), tuple(split_segments(path))
    for prefix, new in ((False, match_key_glob(glob, path)), (True, match_key([glob], path))):
        old = _fnmatch_segments(old_glob, segments, prefix)
        assert new == old or (new and "[" in path)
