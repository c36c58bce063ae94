"""Model definitions and effective configs (SPEC section 1).

A file yields RawModels (one for a model file, many for a collection); a model's
effective config is defaults, then its `extends` ancestors, then itself, deep-merged,
plus the prompts its merged `system_prompt` binds.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from auditui.core.policy import Collection, Layout
from auditui.core.values import canonical, same_value

RESERVED = ("extends", "deployed")
PROMPT_MODEL_PREFIX = "prompt:"


class ModelError(Exception):
    """A model that cannot be defined or resolved (bad shape, unknown base, cycle)."""


@dataclass(frozen=True, eq=False)
class RawModel:
    name: str
    source: str  # path of the file that defines it
    data: dict[str, Any]  # without `extends` / `deployed`
    extends: str | None = None
    deployed: bool = True
    entry: str | None = None  # its name inside a collection file (None: a model file)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RawModel):
            return NotImplemented
        return (self.name, self.source, self.extends, self.deployed, self.entry) == (
            other.name, other.source, other.extends, other.deployed, other.entry
        ) and same_value(self.data, other.data)  # fmt: skip

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class EntryProblem:
    """One collection entry that cannot be a model (SPEC 8, one bad entry, one
    finding): the rest of its file is still read."""

    label: str  # the entry's name in the file, or its 1-based position when it has none
    model: str | None  # the model it would define, when it has a name
    message: str
    token: str  # digest of the entry's content: editing the entry reports it again


@dataclass(frozen=True, eq=False)
class Effective:
    """What one deployed model is at a commit: merged config plus bound prompt blobs."""

    name: str
    source: str
    config: dict[str, Any]
    prompts: tuple[tuple[str, str], ...] = ()  # (path, blob sha), in binding order

    def __eq__(self, other: object) -> bool:
        # Settings compare by `same_value`: Python's == would call `1 -> true` no change.
        if not isinstance(other, Effective):
            return NotImplemented
        return (self.name, self.source, self.prompts) == (
            other.name,
            other.source,
            other.prompts,
        ) and same_value(self.config, other.config)

    __hash__ = None  # type: ignore[assignment]  # holds a dict: never a set member

    @property
    def is_prompt_only(self) -> bool:
        return self.name.startswith(PROMPT_MODEL_PREFIX)


def model_name(path: str, layout: Layout) -> str:
    stem_path = posixpath.splitext(path)[0]
    return stem_path if layout.naming == "path" else posixpath.basename(stem_path)


def describe(value: Any) -> str:
    """A value's kind in words a config author knows (never a Python type name)."""
    if value is None:
        return "an empty document"
    kinds = {bool: "a boolean", int: "a number", float: "a number", str: "a string",
             list: "a list", dict: "a mapping"}  # fmt: skip
    return kinds.get(type(value), "a value")


def _raw(name: str, source: str, data: Any, entry: str | None = None) -> RawModel:
    if name.startswith(PROMPT_MODEL_PREFIX):
        raise ModelError(f"model name '{name}' is reserved: `prompt:` names unbound prompts")
    if not isinstance(data, dict):
        raise ModelError(f"model '{name}' must be a mapping of settings, got {describe(data)}")
    extends = data.get("extends")
    if extends is not None and not isinstance(extends, str):
        raise ModelError(f"model '{name}': `extends` must be a model name (a string)")
    deployed = data.get("deployed", True)
    if not isinstance(deployed, bool):
        raise ModelError(f"model '{name}': `deployed` must be true or false")
    body = {k: v for k, v in data.items() if k not in RESERVED}
    return RawModel(name, source, body, extends, deployed, entry)


def models_in_file(path: str, doc: Any, layout: Layout) -> list[RawModel]:
    return [_raw(model_name(path, layout), path, doc)]


def content_token(*values: Any) -> str:
    """A short digest of values, identical for values `same_value` calls equal."""
    import hashlib
    import json

    text = json.dumps([canonical(v) for v in values], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def models_in_collection(
    path: str, doc: Any, spec: Collection, layout: Layout
) -> tuple[list[RawModel], list[EntryProblem]]:
    """The models a collection file defines, and its entries that cannot be models.

    Only a file whose shape is wrong as a whole (no list or mapping where `at` says)
    raises ModelError; a bad entry is one EntryProblem and the others still count."""
    node = doc
    if spec.at:
        for part in spec.at.split("."):
            if not isinstance(node, dict) or part not in node:
                raise ModelError(f"collection has no key '{spec.at}'")
            node = node[part]
    prefix = posixpath.splitext(path)[0] + "/" if layout.naming == "path" else ""
    named: dict[str, list[tuple[int, Any]]] = {}  # entry name -> (position, entry)
    problems: list[EntryProblem] = []
    if spec.items == "mapping":
        if not isinstance(node, dict):
            raise ModelError(
                f"collection must be a mapping of model name to settings ({spec.at or 'top level'})"
            )
        for n, (key, value) in enumerate(node.items(), 1):
            named.setdefault(str(key), []).append((n, value))
    else:
        if not isinstance(node, list):
            raise ModelError(
                f"collection must be a list of model entries ({spec.at or 'top level'})"
            )
        for n, item in enumerate(node, 1):
            name = item.get(spec.name_key) if isinstance(item, dict) else None
            if not isinstance(name, str | int) or isinstance(name, bool) or name == "":
                what = "is not a mapping" if not isinstance(item, dict) else (
                    f"has no '{spec.name_key}' field naming the model")  # fmt: skip
                problems.append(EntryProblem(str(n), None, f"entry {n} {what}",
                                             content_token(item)))  # fmt: skip
                continue
            body = {k: v for k, v in item.items() if k != spec.name_key}
            named.setdefault(str(name), []).append((n, body))
    out: list[RawModel] = []
    for label, entries in named.items():
        model = prefix + label
        if len(entries) > 1:
            where = ", ".join(str(n) for n, _ in entries)
            times = "twice" if len(entries) == 2 else f"{len(entries)} times"
            problems.append(EntryProblem(
                label, model, f"model '{model}' is defined {times} in this collection "
                f"(entries {where})", content_token(*(e for _, e in entries))))  # fmt: skip
            continue
        try:
            out.append(_raw(model, path, entries[0][1], label))
        except ModelError as exc:
            problems.append(EntryProblem(label, model, str(exc), content_token(entries[0][1])))
    return out, problems


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else in `over` replaces what `base` had."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def ancestry(name: str, raw: dict[str, RawModel]) -> list[RawModel]:
    """The model followed by its `extends` ancestors, nearest first."""
    chain: list[RawModel] = []
    seen: set[str] = set()
    current: str | None = name
    while current is not None:
        if current in seen:
            loop = " -> ".join([m.name for m in chain] + [current])
            raise ModelError(f"`extends` cycle: {loop}")
        seen.add(current)
        model = raw.get(current)
        if model is None:
            raise ModelError(f"model '{chain[-1].name}' extends unknown model '{current}'")
        chain.append(model)
        current = model.extends
    return chain


def extends_names(name: str, raw: dict[str, RawModel]) -> list[str]:
    """The names `name`'s `extends` chain reaches, even when it is broken (a cycle,
    or a base that does not exist): what its resolution depends on."""
    out: list[str] = []
    model = raw.get(name)
    current = model.extends if model else None
    while current is not None and current != name and current not in out:
        out.append(current)
        model = raw.get(current)
        current = model.extends if model else None
    return out


def bound_prompts(config: dict[str, Any], name: str) -> tuple[str, ...]:
    value = config.get("system_prompt")
    if value is None:
        return ()
    paths = [value] if isinstance(value, str) else value
    if not isinstance(paths, list) or not all(isinstance(p, str) and p for p in paths):
        raise ModelError(f"model '{name}': `system_prompt` must be a path or a list of paths")
    out = []
    for p in paths:
        norm = posixpath.normpath(p.lstrip("/"))
        if norm.startswith(".."):
            raise ModelError(f"model '{name}': prompt path '{p}' leaves the repository")
        out.append(norm)
    return tuple(dict.fromkeys(out))


def merged_config(chain: list[RawModel], defaults: dict[str, Any]) -> dict[str, Any]:
    config = defaults
    for model in reversed(chain):
        config = deep_merge(config, model.data)
    return config
