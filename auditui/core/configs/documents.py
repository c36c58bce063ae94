"""Turning blobs into data: TOML / YAML / JSON mappings and prompt text.

Every failure becomes a DocumentError with a one-line message naming what is wrong,
because a file that does not parse at some commit is a finding (AUD009), not a crash.
PyYAML is imported where YAML is first read: the hook's start-up on a push with no
YAML never pays for it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import tomllib
from functools import lru_cache
from itertools import chain, compress
from typing import Any, cast

from auditui.core.base.values import Typed, typed

MAX_BYTES = 4 * 1024 * 1024  # config and prompt files beyond this are refused, not parsed
MAX_DEPTH = 64
# Every value takes at least two bytes of text ("0,"), so only YAML aliases (a "billion
# laughs" file) can expand a file within MAX_BYTES past this many values.
MAX_VALUES = MAX_BYTES


class DocumentError(Exception):
    """A file that cannot be read as what its name says it is."""


def check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise DocumentError(
            f"file is {size / 1048576:.1f} MiB, over auditui's {MAX_BYTES // 1048576} MiB limit"
        )


def too_large(size: int) -> DocumentError:
    """What a blob refused unread says: how far over auditui's limit, when it is."""
    check_size(size)
    return DocumentError("file too large")


def decode_text(data: bytes) -> str:
    check_size(len(data))
    if b"\x00" in data[:8192]:
        raise DocumentError("binary file (contains NUL bytes), expected text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"not UTF-8 text (byte {exc.start})") from None


@lru_cache(maxsize=65536)
def format_of(path: str) -> str | None:
    lower = path.lower()
    for suffix, fmt in ((".toml", "toml"), (".yaml", "yaml"), (".yml", "yaml"), (".json", "json")):
        if lower.endswith(suffix):
            return fmt
    return None


def parse_data(path: str, data: bytes) -> Any:
    """Parse a config blob by its extension into plain JSON-like data."""
    return parse_text(format_of(path), decode_text(data))


def parse_text(fmt: str | None, text: str) -> Any:
    """Parse text in a format ("toml", "json", "yaml") into plain JSON-like data: a
    file's text, or a string inside one (a JSON model list in a YAML value)."""
    check_size(len(text))
    try:
        value = _plain_json(text) if fmt == "json" else plain(_parse(fmt, text))
    except RecursionError:
        # json and tomllib recurse per nesting level; a deep enough file exhausts the stack.
        raise _too_deep() from None
    if _SURROGATE_ESCAPE.search(text):
        _refuse_lone_surrogates(value)
    return value


# An escape JSON or YAML reads as a surrogate: half of a pair, or (alone) no character.
_SURROGATE_ESCAPE = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F]")


def _refuse_lone_surrogates(value: Any) -> None:
    """A string holding a surrogate that is not half of a pair (`"\\ud800"`) is not
    Unicode text: no report, terminal or digest could carry it, so the file is
    invalid (AUD009) rather than a crash. Looked for only where the text has such
    an escape."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                code = ord(item[exc.start])
                raise DocumentError(
                    f"a string holds a lone surrogate (\\u{code:04x}): not Unicode text"
                ) from None


# JSON's literals json.loads would make non-finite floats, as `plain` holds them.
_CONSTANTS = {name: typed(float(name)) for name in ("NaN", "Infinity", "-Infinity")}.__getitem__
_NESTED, _INF, _MINUS_INF = {dict, list}, math.inf, -math.inf


def _plain_json(text: str) -> Any:
    """`plain(json.loads(text))` without rebuilding the data. json.loads gives plain
    data already but for non-finite floats: its NaN and Infinity literals are read as
    `plain` holds them, and a number overflowing to infinity (1e400) sends the whole
    file through `plain`. The nesting is checked a level at a time, all the values of
    a level scanned at C speed (their types, infinity among them, the containers
    among them), never one by one in Python."""
    value = _parse("json", text, _CONSTANTS)
    if type(value) is not dict and type(value) is not list:
        return plain(value)
    level, depth = [value], 0
    while level:
        depth += 1
        if depth > MAX_DEPTH and any(level):
            raise _too_deep()
        values = list(chain.from_iterable([n.values() if type(n) is dict else n for n in level]))
        kinds = set(map(type, values))
        if float in kinds and (_INF in values or _MINUS_INF in values):
            return plain(value)
        level = list(compress(values, map(_NESTED.__contains__, map(type, values))))
    return value


def _parse(fmt: str | None, text: str, constant=None) -> Any:
    if fmt == "toml":
        try:
            value = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise DocumentError(f"invalid TOML: {exc}") from None
        except ValueError as exc:  # an integer of more than 4300 digits
            raise DocumentError(f"invalid TOML: {_brief(exc)}") from None
    elif fmt == "json":
        try:
            value = json.loads(text, parse_constant=constant)
        except json.JSONDecodeError as exc:
            raise DocumentError(
                f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            ) from None
        except ValueError as exc:  # an integer of more than 4300 digits
            raise DocumentError(f"invalid JSON: {_brief(exc)}") from None
    elif fmt == "yaml":
        value = _load_yaml(text)
    else:
        raise DocumentError("unknown config format (expected .toml, .yaml, .yml or .json)")
    return value


def _load_yaml(text: str) -> Any:
    # PyYAML costs ~20 ms to import; only configs in YAML pay for it.
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise DocumentError(f"invalid YAML: {problem}{where}") from None
    except RecursionError:
        raise
    except Exception as exc:
        # PyYAML's constructors raise plain ValueError, IndexError, ... on values they
        # cannot build: `2026-02-30`, `!!int abc`, an empty `!!int`, a huge integer.
        raise DocumentError(f"invalid YAML: {_brief(exc)}") from None


def _brief(exc: Exception) -> str:
    """One line, without Python's advice to call sys.set_int_max_str_digits()."""
    text = (str(exc).splitlines() or [type(exc).__name__])[0]
    return text.split("; use sys.")[0]


def plain(value: Any) -> Any:
    """Normalise parsed data to JSON types so diffs, fingerprints and reports agree
    whatever format a file was written in. What JSON has no type for (TOML and YAML
    dates, times and datetimes, the floats inf, -inf and nan) becomes a `Typed`:
    still not a string (docs/reports.md, "Types"), and nan equal to itself (see values.Typed)."""
    return _plain(value, 0, [MAX_VALUES])


def _plain(value: Any, depth: int, budget: list[int]) -> Any:
    if depth > MAX_DEPTH:
        raise _too_deep()
    budget[0] -= 1
    if budget[0] < 0:
        raise _too_many()
    kind = type(value)
    if kind is dict or kind is list:
        return _items(value, kind is dict, depth + 1, budget)
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1, budget) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, depth + 1, budget) for v in value]
    if isinstance(value, set | frozenset):  # YAML !!set; str() would vary with hash seeds
        return sorted((_plain(v, depth + 1, budget) for v in value), key=repr)
    if isinstance(value, dt.date | dt.time) or (
        isinstance(value, float) and not math.isfinite(value)
    ):
        return typed(value)
    if value is None or isinstance(value, str | int | float | bool | Typed):
        return value  # (a Typed: JSON's NaN and Infinity, read as one already)
    return str(value)


def _items(value: dict | list, is_dict: bool, depth: int, budget: list[int]) -> dict | list:
    """A dict's or list's values, `_plain` each, with the leaves that need nothing
    (nearly every value: an 800 KB price mapping has 100,000) kept inline rather than
    one call each. Same result, same errors in the same order, as calling `_plain`."""
    if value and depth > MAX_DEPTH:
        raise _too_deep()
    out: Any = {} if is_dict else []
    pairs = cast(dict, value).items() if is_dict else enumerate(value)
    for key, v in pairs:
        kind = type(v)
        if (
            kind is str
            or kind is int
            or kind is bool
            or v is None
            or (kind is float and math.isfinite(v))
        ):
            budget[0] -= 1
            if budget[0] < 0:
                raise _too_many()
        else:
            v = _plain(v, depth, budget)
        if is_dict:
            out[key if type(key) is str else str(key)] = v
        else:
            out.append(v)
    return out


def _too_deep() -> DocumentError:
    return DocumentError(f"data nested more than {MAX_DEPTH} levels deep")


def _too_many() -> DocumentError:
    return DocumentError(f"data expands to more than {MAX_VALUES} values (YAML aliases?)")
