"""Config blobs become plain JSON data; every unreadable file is a one-line DocumentError."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditui.core.base.values import Type, Typed, json_text
from auditui.core.configs.documents import (
    MAX_BYTES,
    DocumentError,
    _parse,
    check_size,
    decode_text,
    format_of,
    parse_data,
    plain,
)

SAME = {
    "models/a.toml": b'[reasoning]\neffort = "high"\n[limits]\nmax_output_tokens = 1000\n',
    "models/a.yaml": b"reasoning:\n  effort: high\nlimits:\n  max_output_tokens: 1000\n",
    "models/a.yml": b"reasoning: {effort: high}\nlimits: {max_output_tokens: 1000}\n",
    "models/a.json": b'{"reasoning": {"effort": "high"}, "limits": {"max_output_tokens": 1000}}',
}


@pytest.mark.parametrize("path", sorted(SAME))
def test_every_format_parses_to_the_same_plain_data(path):
    assert parse_data(path, SAME[path]) == {
        "reasoning": {"effort": "high"},
        "limits": {"max_output_tokens": 1000},
    }


def _assert_json_types(value):
    """JSON's types (dict/list/str/int/float/bool/None, floats finite) and Typed for
    what JSON has no type for (SPEC 13)."""
    if isinstance(value, dict):
        for k, v in value.items():
            assert type(k) is str
            _assert_json_types(v)
    elif isinstance(value, list):
        for v in value:
            _assert_json_types(v)
    else:
        assert value is None or type(value) in (str, int, float, bool, Typed), repr(value)
        assert type(value) is not float or value == value and abs(value) != float("inf")


def test_toml_dates_and_times_stay_dates_written_as_iso_text():
    data = parse_data(
        "m.toml",
        b"odt = 2026-03-04T09:12:00Z\nldt = 2026-03-04T09:12:00\n"
        b"d = 2026-03-04\nt = 09:12:00\noff = 2026-03-04T09:12:00+02:00\n",
    )
    assert data == {
        "odt": Typed(Type.DATETIME, "2026-03-04T09:12:00+00:00"),
        "ldt": Typed(Type.DATETIME, "2026-03-04T09:12:00"),
        "d": Typed(Type.DATE, "2026-03-04"),
        "t": Typed(Type.TIME, "09:12:00"),
        "off": Typed(Type.DATETIME, "2026-03-04T09:12:00+02:00"),
    }
    _assert_json_types(data)
    assert json.loads(json.dumps(data, default=json_text)) == {k: v.text for k, v in data.items()}
    assert data["d"] != "2026-03-04"  # a date is not the string that prints alike (SPEC 13)


def test_yaml_dates_stay_dates_and_keys_become_strings():
    data = parse_data(
        "m.yaml",
        b"released: 2026-03-04\nat: 2026-03-04 09:12:00\n7: seven\nfalse: off\n"
        b"~: nothing\nlist: [1, 2.5, null, false]\n",
    )
    assert data["released"] == Typed(Type.DATE, "2026-03-04")
    assert data["at"] == Typed(Type.DATETIME, "2026-03-04T09:12:00")
    assert parse_data("m.yaml", b"released: '2026-03-04'\n") == {"released": "2026-03-04"}
    assert data["7"] == "seven"
    assert data["False"] is False  # YAML 1.1: the key `false` and the value `off` are booleans
    assert data["None"] == "nothing"
    assert data["list"] == [1, 2.5, None, False]
    assert set(data) == {"released", "at", "7", "False", "None", "list"}
    _assert_json_types(data)


def test_yaml_sets_and_binary_become_json_types():
    data = parse_data("m.yaml", b"s: !!set {b, a, c}\nb: !!binary aGk=\n")
    _assert_json_types(data)
    # A set becomes a sorted list: its str() would change with PYTHONHASHSEED, and with
    # it every fingerprint over this model.
    assert data == {"s": ["a", "b", "c"], "b": str(b"hi")}


def test_non_finite_floats_are_typed_and_nan_is_itself():
    # nan is not JSON, and nan != nan would make a setting differ from itself; the
    # string "inf" is not the float (SPEC 13).
    nan, inf, minus_inf = (Typed(Type.FLOAT, t) for t in ("nan", "inf", "-inf"))
    toml = parse_data("m.toml", b'a = nan\nb = inf\nc = -inf\nd = 1.5\ne = "inf"\n')
    assert toml == {"a": nan, "b": inf, "c": minus_inf, "d": 1.5, "e": "inf"}
    json_data = parse_data("m.json", b'{"a": NaN, "b": -Infinity, "c": 1e400}')
    assert json_data == {"a": nan, "b": minus_inf, "c": inf}
    assert parse_data("m.yaml", b"a: .nan\nb: .inf\n") == {"a": nan, "b": inf}
    assert parse_data("m.toml", b"a = nan\n") == parse_data("m.toml", b"a = nan\n")


def test_integers_and_floats_keep_their_type():
    data = parse_data("m.toml", b"i = 1\nf = 1.0\nbig = 12345678901234567890\n")
    assert type(data["i"]) is int and type(data["f"]) is float
    assert data["big"] == 12345678901234567890


def test_top_level_need_not_be_a_mapping():
    # Shape is the model loader's business; parsing only guarantees JSON types.
    assert parse_data("m.json", b"[1, 2]") == [1, 2]
    assert parse_data("m.yaml", b"- a\n- b\n") == ["a", "b"]
    assert parse_data("m.yaml", b"") is None


def test_utf8_bom_is_accepted():
    assert parse_data("m.json", b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    assert decode_text(b"\xef\xbb\xbfhello") == "hello"


def test_unicode_text_is_kept():
    assert parse_data("m.toml", 'name = "opus-4.7 ≤ ünïcode"\n'.encode()) == {
        "name": "opus-4.7 ≤ ünïcode"
    }


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("a.toml", "toml"),
        ("a.TOML", "toml"),
        ("a.yaml", "yaml"),
        ("a.yml", "yaml"),
        ("x/a.Yml", "yaml"),
        ("a.json", "json"),
        ("a.md", None),
        ("a.toml.bak", None),
        ("toml", None),
    ],
)
def test_format_of(path, fmt):
    assert format_of(path) == fmt


def test_unknown_extension_is_a_document_error():
    with pytest.raises(DocumentError, match=r"unknown config format"):
        parse_data("models/a.ini", b"a = 1\n")


# -- refused input ----------------------------------------------------------------------


def _one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert message and "\n" not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize("path", ["m.toml", "m.yaml", "m.json"])
def test_binary_is_refused(path):
    with pytest.raises(DocumentError) as exc:
        parse_data(path, b"a = 1\x00\x01\x02")
    assert "binary" in _one_line(exc)


def test_binary_prompt_text_is_refused():
    with pytest.raises(DocumentError, match="NUL"):
        decode_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


@pytest.mark.parametrize("path", ["m.toml", "m.yaml", "m.json"])
def test_non_utf8_is_refused(path):
    with pytest.raises(DocumentError) as exc:
        parse_data(path, 'name = "caf\xe9"\n'.encode("latin-1"))
    message = _one_line(exc)
    assert "UTF-8" in message and "byte 11" in message


def test_size_limit():
    check_size(MAX_BYTES)  # at the limit: allowed
    with pytest.raises(DocumentError) as exc:
        check_size(MAX_BYTES + 1)
    assert "limit" in _one_line(exc)


@pytest.mark.parametrize("path", ["m.toml", "m.yaml", "m.json", "prompt"])
def test_huge_file_is_refused_before_parsing(path):
    data = b"#" * (MAX_BYTES + 1)
    with pytest.raises(DocumentError) as exc:
        if path == "prompt":
            decode_text(data)
        else:
            parse_data(path, data)
    assert "MiB" in _one_line(exc)


def test_file_at_the_size_limit_is_read():
    data = b"a = 1\n" + b"#" * (MAX_BYTES - 7) + b"\n"
    assert len(data) == MAX_BYTES
    assert parse_data("m.toml", data) == {"a": 1}


@pytest.mark.parametrize(
    ("path", "data", "line"),
    [
        ("m.toml", b'a = 1\nb = "unterminated\n', 2),
        ("m.toml", b"a = 1\na = 2\n", 2),
        ("m.toml", b"a = 1\n\n[x\n", 3),
        ("m.json", b'{\n  "a": 1,\n  "b": \n}', 4),
        ("m.json", b'{"a": 1}\n{"b": 2}', 2),
        ("m.yaml", b"a: 1\nb: [1, 2\nc: 3\n", 3),
        ("m.yaml", b"a: 1\n  b: 2\n", 2),
        ("m.yaml", b"a: 1\nb:\n\t- x\n", 3),
        ("m.yaml", b"a: *missing\n", 1),
    ],
)
def test_invalid_file_message_is_one_line_with_the_line_number(path, data, line):
    with pytest.raises(DocumentError) as exc:
        parse_data(path, data)
    message = _one_line(exc)
    fmt = {"m.toml": "TOML", "m.json": "JSON", "m.yaml": "YAML"}[path]
    assert message.startswith(f"invalid {fmt}: ")
    assert re.search(rf"\bline {line}\b", message), message


@pytest.mark.parametrize(
    ("path", "data", "expect"),
    [
        ("m.yaml", b"released: 2026-02-30\n", "day is out of range"),  # a typo'd date
        ("m.yaml", b"at: 2026-01-01T25:00:00Z\n", "hour"),
        ("m.yaml", b"x: !!int abc\n", "abc"),
        ("m.yaml", b"x: !!float abc\n", "abc"),
        ("m.yaml", b"x: !!timestamp abc\n", ""),
        ("m.yaml", b"!!int", ""),
        ("m.yaml", b"n: " + b"9" * 5000 + b"\n", "4300 digits"),
        ("m.toml", b"n = " + b"9" * 5000 + b"\n", "4300 digits"),
        ("m.json", b"[" + b"9" * 5000 + b"]", "4300 digits"),
        ("m.toml", b"d = 2026-02-30\n", "line 1"),
    ],
    ids=[
        "yaml-date",
        "yaml-time",
        "yaml-int",
        "yaml-float",
        "yaml-timestamp",
        "yaml-empty-int",
        "yaml-huge-int",
        "toml-huge-int",
        "json-huge-int",
        "toml-date",
    ],
)
def test_values_the_parser_cannot_construct_are_document_errors(path, data, expect):
    with pytest.raises(DocumentError) as exc:
        parse_data(path, data)
    message = _one_line(exc)
    assert message.startswith("invalid ")
    assert expect in message
    assert "set_int_max_str_digits" not in message  # Python's advice is no use to a user


def test_yaml_python_tags_are_refused_not_executed():
    with pytest.raises(DocumentError) as exc:
        parse_data("m.yaml", b"a: !!python/object/apply:os.system ['true']\n")
    assert _one_line(exc).startswith("invalid YAML: ")


def test_yaml_unhashable_key_is_a_document_error():
    with pytest.raises(DocumentError) as exc:
        parse_data("m.yaml", b"? [a, b]\n: 1\n")
    assert _one_line(exc).startswith("invalid YAML: ")


# -- nesting and expansion ---------------------------------------------------------------


def _nested_json(depth: int) -> bytes:
    return b'{"a": ' * depth + b"1" + b"}" * depth


def test_nesting_up_to_the_limit_is_fine():
    data = parse_data("m.json", _nested_json(64))
    for _ in range(64):
        data = data["a"]
    assert data == 1


@pytest.mark.parametrize("depth", [66, 1_000, 100_000])
def test_deep_json_is_refused(depth):
    with pytest.raises(DocumentError) as exc:
        parse_data("m.json", _nested_json(depth))
    assert "nested" in _one_line(exc)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("m.json", b"[" * 100_000 + b"]" * 100_000),
        ("m.toml", b"a = " + b"[" * 100_000 + b"]" * 100_000),
        ("m.toml", b"a = " + b"{b = " * 5_000 + b"1" + b"}" * 5_000),
        ("m.yaml", b"[" * 100_000 + b"]" * 100_000),
        ("m.yaml", b"a:\n" + b"".join(b"  " * i + b"- \n" for i in range(1, 200))),
    ],
    ids=["json-arrays", "toml-arrays", "toml-inline-tables", "yaml-flow", "yaml-block"],
)
def test_pathologically_deep_files_are_a_document_error_not_a_crash(path, data):
    with pytest.raises(DocumentError) as exc:
        parse_data(path, data)
    _one_line(exc)


def test_recursive_yaml_alias_is_refused():
    with pytest.raises(DocumentError) as exc:
        parse_data("m.yaml", b"a: &a [*a]\n")
    assert "nested" in _one_line(exc)


def test_yaml_alias_bomb_is_refused():
    # "billion laughs": 400 bytes that expand to 10**9 values must not hang the audit.
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    with pytest.raises(DocumentError) as exc:
        parse_data("m.yaml", "\n".join(lines).encode())
    assert "values" in _one_line(exc)


def test_ordinary_yaml_anchors_and_merges_still_work():
    data = parse_data(
        "m.yaml",
        b"base: &base {effort: high, cache: {ttl: 3600}}\n"
        b"opus: {<<: *base, effort: medium}\n"
        b"sonnet: *base\n",
    )
    assert data["opus"] == {"effort": "medium", "cache": {"ttl": 3600}}
    assert data["sonnet"] == {"effort": "high", "cache": {"ttl": 3600}}


def test_plain_on_python_values():
    import datetime as dt

    day = Typed(Type.DATE, "2026-03-04")
    assert plain({1: (1, 2), "d": dt.date(2026, 3, 4)}) == {"1": [1, 2], "d": day}
    assert plain(b"x") == "b'x'"
    assert plain(float("inf")) == Typed(Type.FLOAT, "inf")
    assert plain(dt.time(9, 12)) == Typed(Type.TIME, "09:12:00")
    nested: list = []
    for _ in range(70):
        nested = [nested]
    with pytest.raises(DocumentError, match="64 levels"):
        plain(nested)


_CONFIGISH = st.lists(
    st.sampled_from(
        [
            "a",
            ":",
            " ",
            "\n",
            "- ",
            "[",
            "]",
            "{",
            "}",
            ",",
            "=",
            "&x",
            "*x",
            "!!int",
            "!!float",
            "!!timestamp",
            "!!set",
            "!!binary",
            "2026-02-30",
            "2026-03-04T09:12:00Z",
            "1e400",
            "0x1F",
            "~",
            "'",
            '"',
            "\t",
            "<<:",
            "? ",
            "---",
            "9" * 12,
            ".nan",
            "nan",
            "inf",
            "#",
            "|",
            ">",
            "[[a]]",
            "true",
            "\x00",
            "\xe9",
        ]
    ),
    max_size=25,
).map(lambda parts: "".join(parts).encode())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["m.yaml", "m.toml", "m.json"]), st.one_of(st.binary(max_size=80), _CONFIGISH)
)
def test_parse_data_returns_json_data_or_a_one_line_document_error(path, data):
    try:
        value = parse_data(path, data)
    except DocumentError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    _assert_json_types(value)
    json.dumps(value, allow_nan=False, default=json_text)  # no nan/inf left, nor anything else


_JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e999"]),
)
_JSON_TREES = st.recursive(
    _JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=30,
)
_LITERALS = re.compile(r'"(NaN|Infinity|-Infinity|1e400|-1e999)"')


def _exactly(value) -> str:
    """Data written so that types count (1, 1.0 and true differ) and order too."""
    return repr(value)


@settings(max_examples=400, deadline=None)
@given(_JSON_TREES, st.integers(min_value=0, max_value=70))
def test_json_is_read_exactly_as_plain_would_rebuild_it(tree, nest):
    """JSON is checked, not rebuilt (documents._plain_json): for any document, with the
    non-finite literals and overflowing numbers JSON texts carry, nested to any depth,
    the same data (types and key order too) or the same error as plain(json.loads)."""
    text = "[" * nest + _LITERALS.sub(r"\1", json.dumps(tree)) + "]" * nest
    try:
        expected = _exactly(plain(_parse("json", text)))  # json.loads, errors worded
    except DocumentError as exc:
        expected = str(exc)
    try:
        got = _exactly(parse_data("m.json", text.encode()))
    except DocumentError as exc:
        got = str(exc)
    assert got == expected
