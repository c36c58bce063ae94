"""Model definitions and effective configs (SPEC section 1).

A file yields RawModels (one for a model file, many for a collection); a model's
effective config is defaults, then its `extends` ancestors, then itself, deep-merged,
plus the prompts its merged `system_prompt` binds.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

from auditui.core.policy import Collection, Layout

RESERVED = ("extends", "deployed")
PROMPT_MODEL_PREFIX = "prompt:"


class ModelError(Exception):
    """A model that cannot be defined or resolved (bad shape, unknown base, cycle)."""


@dataclass(frozen=True)
class RawModel:
    name: str
    source: str  # path of the file that defines it
    data: dict[str, Any] = field(compare=True)  # without `extends` / `deployed`
    extends: str | None = None
    deployed: bool = True


@dataclass(frozen=True)
class Effective:
    """What one deployed model is at a commit: merged config plus bound prompt blobs."""

    name: str
    source: str
    config: dict[str, Any]
    prompts: tuple[tuple[str, str], ...] = ()  # (path, blob sha), in binding order

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


def _raw(name: str, source: str, data: Any) -> RawModel:
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
    return RawModel(name, source, body, extends, deployed)


def models_in_file(path: str, doc: Any, layout: Layout) -> list[RawModel]:
    return [_raw(model_name(path, layout), path, doc)]


def models_in_collection(path: str, doc: Any, spec: Collection, layout: Layout) -> list[RawModel]:
    node = doc
    if spec.at:
        for part in spec.at.split("."):
            if not isinstance(node, dict) or part not in node:
                raise ModelError(f"collection has no key '{spec.at}'")
            node = node[part]
    prefix = posixpath.splitext(path)[0] + "/" if layout.naming == "path" else ""
    out: list[RawModel] = []
    if spec.items == "mapping":
        if not isinstance(node, dict):
            raise ModelError(
                f"collection must be a mapping of model name to settings ({spec.at or 'top level'})"
            )
        for key, value in node.items():
            out.append(_raw(prefix + key, path, value))
    else:
        if not isinstance(node, list):
            raise ModelError(
                f"collection must be a list of model entries ({spec.at or 'top level'})"
            )
        for n, item in enumerate(node, 1):
            if not isinstance(item, dict) or not isinstance(item.get(spec.name_key), str | int):
                raise ModelError(f"entry {n} has no '{spec.name_key}' field naming the model")
            body = {k: v for k, v in item.items() if k != spec.name_key}
            out.append(_raw(prefix + str(item[spec.name_key]), path, body))
    names = [m.name for m in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ModelError(f"model '{dupes[0]}' is defined twice in this collection")
    return out


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
