"""Turning blobs into data: TOML / YAML / JSON mappings and prompt text.

Every failure becomes a DocumentError with a one-line message naming what is wrong,
because a file that does not parse at some commit is a finding (AUD009), not a crash.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from typing import Any

MAX_BYTES = 4 * 1024 * 1024  # config and prompt files beyond this are refused, not parsed


class DocumentError(Exception):
    """A file that cannot be read as what its name says it is."""


def check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise DocumentError(
            f"file is {size / 1048576:.1f} MiB, over auditui's {MAX_BYTES // 1048576} MiB limit"
        )


def decode_text(data: bytes) -> str:
    check_size(len(data))
    if b"\x00" in data[:8192]:
        raise DocumentError("binary file (contains NUL bytes), expected text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"not UTF-8 text (byte {exc.start})") from None


def format_of(path: str) -> str | None:
    lower = path.lower()
    for suffix, fmt in ((".toml", "toml"), (".yaml", "yaml"), (".yml", "yaml"), (".json", "json")):
        if lower.endswith(suffix):
            return fmt
    return None


def parse_data(path: str, data: bytes) -> Any:
    """Parse a config blob by its extension into plain JSON-like data."""
    text = decode_text(data)
    fmt = format_of(path)
    if fmt == "toml":
        try:
            value = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise DocumentError(f"invalid TOML: {exc}") from None
    elif fmt == "json":
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DocumentError(
                f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            ) from None
    elif fmt == "yaml":
        value = _load_yaml(text)
    else:
        raise DocumentError("unknown config format (expected .toml, .yaml, .yml or .json)")
    return plain(value)


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


def plain(value: Any, _depth: int = 0) -> Any:
    """Normalise parsed data to JSON types so diffs, fingerprints and reports agree
    whatever format a file was written in (TOML and YAML dates become strings)."""
    if _depth > 64:
        raise DocumentError("data nested more than 64 levels deep")
    if isinstance(value, dict):
        return {str(k): plain(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v, _depth + 1) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return value  # keep 1.0 as float; equality with 1 is handled by ==
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
