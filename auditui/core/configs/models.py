"""Model definitions and effective configs (docs/policy.md, "[layout]").

A file yields RawModels (one for a model file, many for a collection); a model's
effective config is defaults, then its `extends` ancestors, then itself, deep-merged,
plus the prompts its merged `system_prompt` binds.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Protocol

from auditui.core.base.values import (
    Type,
    Typed,
    canonical,
    canonical_text,
    encoder,
    same_value,
    written,
)
from auditui.core.configs.documents import DocumentError, parse_text
from auditui.core.policy.model import Collection, Inherit, Layout

PROMPT_MODEL_PREFIX = "prompt:"


class ModelsByName(Protocol):
    """What resolving a model reads of the models by name: a dict, or a World's table."""

    def get(self, name: str, /) -> RawModel | None: ...


class ModelError(Exception):
    """A model that cannot be defined or resolved (bad shape, unknown base, cycle)."""


@dataclass(frozen=True, eq=False)
class RawModel:
    name: str
    source: str  # path of the file that defines it
    data: dict[str, Any]  # without its structural keys (`deployed`, the parent, the omits)
    extends: str | None = None  # the parent's model name
    deployed: bool = True
    entry: str | None = None  # its name inside a collection file (None: a model file)
    omit: tuple[str, ...] = ()  # dotted keys removed after merging onto the parent
    # A collection entry as written (marshalled): the next version of the file keeps
    # this very object for an entry it did not touch (see models_in_collection).
    written_as: bytes | None = field(default=None, repr=False)

    def __eq__(self, other: object) -> bool:
        """Defined the same way. Settings compare as serialised (marshal: types and key
        order count), which is stricter than `same_value` (1 and 1.0 differ here): a
        definition that only looks different costs a re-resolve, and the diff then
        reports nothing. Each version is serialised once, however often compared."""
        if not isinstance(other, RawModel):
            return NotImplemented
        mine = (self.name, self.source, self.extends, self.deployed, self.entry, self.omit)
        theirs = (other.name, other.source, other.extends, other.deployed, other.entry, other.omit)
        if mine != theirs:
            return False
        if self.data is other.data:
            return True
        digest = self._written
        if digest is None:  # not plain data (never parsed so): compare by value
            return same_value(self.data, other.data)
        return digest == other._written

    @cached_property
    def _written(self) -> bytes | None:
        return _digest(self.data)

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class EntryProblem:
    """One collection entry that cannot be a model (docs/policy.md, "Collections": one
    bad entry, one finding): the rest of its file is still read."""

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


def model_name(path: str, layout: Layout) -> str:
    return _model_name(path, layout.naming)


@lru_cache(maxsize=65536)
def _model_name(path: str, naming: str) -> str:
    stem_path = posixpath.splitext(path)[0]
    return stem_path if naming == "path" else posixpath.basename(stem_path)


def describe(value: Any) -> str:
    """A value's kind in words a config author knows (never a Python type name)."""
    if value is None:
        return "an empty document"
    if type(value) is Typed:  # inf, nan: a number; else a date, a time, a datetime
        return "a number" if value.type is Type.FLOAT else f"a {value.type.value}"
    kinds = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
    }
    return kinds.get(type(value), "a value")


def _digest(data: Any) -> bytes | None:
    """Equal bytes for data written the same way (see values.written); None for data
    that is not plain: never reused."""
    as_written = written(data)
    return None if as_written is None else hashlib.blake2b(as_written, digest_size=20).digest()


def _raw(
    name: str,
    source: str,
    data: Any,
    layout: Layout,
    entry: str | None = None,
    base: bool = False,
    written_as: bytes | None = None,
) -> RawModel:
    if name.startswith(PROMPT_MODEL_PREFIX):
        raise ModelError(f"model name '{name}' is reserved: `prompt:` names unbound prompts")
    if not isinstance(data, dict):
        raise ModelError(f"model '{name}' must be a mapping of settings, got {describe(data)}")
    inherit = layout.inherit
    parent = get_path(data, inherit.key)
    if parent is not None:
        if not isinstance(parent, str):
            raise ModelError(f"model '{name}': `{inherit.key}` must be a model name (a string)")
        if inherit.ref is not None:
            match = re.search(inherit.ref[0], parent)
            if match is None:
                raise ModelError(
                    f"model '{name}': `{inherit.key}` '{parent}' does not match "
                    "[layout.inherit] ref"
                )
            parent = match.expand(inherit.ref[1])
    omit = get_path(data, inherit.omit) if inherit.omit else None
    if omit is not None and not (isinstance(omit, list) and all(isinstance(o, str) for o in omit)):
        raise ModelError(f"model '{name}': `{inherit.omit}` must be a list of dotted keys")
    deployed = data.get("deployed", True)
    if not isinstance(deployed, bool):
        raise ModelError(f"model '{name}': `deployed` must be true or false")
    body = without_structure(data, layout)
    return RawModel(
        name, source, body, parent, deployed and not base, entry, tuple(omit or ()), written_as
    )


def without_structure(data: dict[str, Any], layout: Layout) -> dict[str, Any]:
    """A model's (or the defaults') settings without the keys that only say how to
    build it: `deployed`, the parent key and the omit list (never in an effective config)."""
    # The parsed data itself when there is nothing to remove: a blob read again (a
    # merge, a revert) then yields the very same object, which every comparison
    # recognises at once.
    out = {k: v for k, v in data.items() if k != "deployed"} if "deployed" in data else data
    for key in (layout.inherit.key, layout.inherit.omit):
        if key:
            out = remove_path(out, key.split("."))
    return out


def get_path(data: dict[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def remove_path(node: dict[str, Any], parts: list[str]) -> dict[str, Any]:
    """`node` without the value at `parts` (a copy; `node` is never changed), pruning
    the tables that become empty on the way (an omit leaves no empty table)."""
    key = parts[0]
    if key not in node:
        return node
    out = dict(node)
    if len(parts) == 1:
        del out[key]
        return out
    child = node[key]
    if not isinstance(child, dict):
        return node
    smaller = remove_path(child, parts[1:])
    if smaller is child:
        return node
    if smaller:
        out[key] = smaller
    else:
        del out[key]
    return out


def models_in_file(path: str, doc: Any, layout: Layout, base: bool = False) -> list[RawModel]:
    """The one model a model file defines: named by its `[layout] name_key` value when
    it holds a non-empty string (that key is then its identity, not a setting, as in
    a collection entry), else by its stem or path."""
    key = layout.name_key
    value = doc.get(key) if key is not None and isinstance(doc, dict) else None
    if not isinstance(value, str) or not value:
        return [_raw(model_name(path, layout), path, doc, layout, base=base)]
    body = {k: v for k, v in doc.items() if k != key}
    return [_raw(keyed_name(path, value, layout.naming), path, body, layout, base=base)]


def keyed_name(path: str, value: str, naming: str) -> str:
    """A model file's name from its `name_key` value: the value itself, or with
    `naming = "path"` its folder, `/`, and the value (as a collection entry is named
    by its file's path and its name)."""
    folder = posixpath.dirname(path)
    return f"{folder}/{value}" if naming == "path" and folder else value


def content_token(*values: Any) -> str:
    """A short digest of values, identical for values `same_value` calls equal (and
    only for them: a date is not the string that prints alike)."""

    text = canonical_text([canonical(v) for v in values], _SORTED)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


_SORTED = encoder(sort_keys=True)  # as json.dumps(..., sort_keys=True) writes


def collection_node(doc: Any, at: str | None, decode: str | None) -> Any:
    """What holds a collection file's entries: the value at `at`, decoded from the
    string it is when `decode` says (a JSON or YAML model list kept in an environment
    variable). A ModelError when the file has no such value."""
    node = doc
    if at:
        for part in at.split("."):
            if not isinstance(node, dict) or part not in node:
                raise ModelError(f"collection has no key '{at}'")
            node = node[part]
    if decode:
        if not isinstance(node, str):
            raise ModelError(
                f"collection value at '{at or 'top level'}' must be a string "
                f"holding {decode.upper()}, got {describe(node)}"
            )
        try:
            node = parse_text(decode, node)
        except DocumentError as exc:
            raise ModelError(f"value at '{at or 'top level'}': {exc}") from None
    return node


def models_in_collection(
    path: str,
    node: Any,
    spec: Collection,
    layout: Layout,
    previous: dict[str, RawModel] | None = None,
) -> tuple[list[RawModel], list[EntryProblem]]:
    """The models a collection file defines, and its entries that cannot be models;
    `node` is what holds them (see collection_node).

    Only a file whose shape is wrong as a whole (no list or mapping where `at` says)
    raises ModelError; a bad entry is one EntryProblem and the others still count.
    An entry written exactly as in `previous` (the file's last version) keeps its
    RawModel: one edit to a 2,000-entry mapping builds and compares one model."""
    prefix = posixpath.splitext(path)[0] + "/" if layout.naming == "path" else ""
    named: dict[str, list[tuple[int, Any]]] = {}  # entry name -> (position, entry)
    problems: list[EntryProblem] = []
    out: list[RawModel] = []
    if spec.items == "mapping":
        if not isinstance(node, dict):
            raise ModelError(
                f"collection must be a mapping of model name to settings ({spec.at or 'top level'})"
            )
        if all(type(key) is str for key in node):
            # JSON's and TOML's keys (YAML's nearly always): no two name one model, so
            # each entry is read straight off the mapping. This loop runs for every
            # entry of every version of a catalogue's file (tokencost: 150,000).
            for label, body in node.items():
                _read_entry(prefix + label, label, body, path, layout, previous, out, problems)
            return out, problems
        for n, (key, value) in enumerate(node.items(), 1):
            named.setdefault(str(key), []).append((n, value))
    else:
        if not isinstance(node, list):
            raise ModelError(
                f"collection must be a list of model entries ({spec.at or 'top level'})"
            )
        for n, item in enumerate(node, 1):
            name = item.get(spec.name_key) if isinstance(item, dict) else None
            if not isinstance(name, str | int | Typed) or isinstance(name, bool) or name == "":
                what = (
                    "is not a mapping"
                    if not isinstance(item, dict)
                    else (f"has no '{spec.name_key}' field naming the model")
                )
                problems.append(
                    EntryProblem(str(n), None, f"entry {n} {what}", content_token(item))
                )
                continue
            body = {k: v for k, v in item.items() if k != spec.name_key}
            named.setdefault(str(name), []).append((n, body))
    for label, entries in named.items():
        model = prefix + label
        if len(entries) > 1:
            where = ", ".join(str(n) for n, _ in entries)
            times = "twice" if len(entries) == 2 else f"{len(entries)} times"
            problems.append(
                EntryProblem(
                    label,
                    model,
                    f"model '{model}' is defined {times} in this collection (entries {where})",
                    content_token(*(e for _, e in entries)),
                )
            )
            continue
        _read_entry(model, label, entries[0][1], path, layout, previous, out, problems)
    return out, problems


def _read_entry(
    model: str,
    label: str,
    body: Any,
    path: str,
    layout: Layout,
    previous: dict[str, RawModel] | None,
    out: list[RawModel],
    problems: list[EntryProblem],
) -> None:
    """One collection entry's model into `out` (the previous version's very object when
    the entry is written exactly as then), or its problem into `problems`."""
    written_as = written(body)  # compared whole (no digest per entry); None: never kept
    kept = previous.get(model) if previous else None
    if kept is not None and written_as is not None and kept.written_as == written_as:
        out.append(kept)
        return
    try:
        out.append(_raw(model, path, body, layout, label, written_as=written_as))
    except ModelError as exc:
        problems.append(EntryProblem(label, model, str(exc), content_token(body)))


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else in `over` replaces what `base` had."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def ancestry(name: str, raw: ModelsByName) -> list[RawModel]:
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


def extends_names(name: str, raw: ModelsByName) -> list[str]:
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


def merged_config(
    chain: list[RawModel], defaults: dict[str, Any], inherit: Inherit
) -> dict[str, Any]:
    """Defaults, then each ancestor from the root down, then the model: the root is
    deep-merged onto the defaults; each child onto its parent's resolved config as
    [layout.inherit] says (deep or shallow, the parent's excluded keys dropped); each
    level's omits are removed after its merge."""
    config = defaults
    for n, model in enumerate(reversed(chain)):
        if n == 0:
            # No defaults: the root's own settings, shared, not copied (never mutated).
            config = deep_merge(config, model.data) if config else model.data
        else:
            parent = config
            if inherit.exclude:
                parent = {k: v for k, v in parent.items() if k not in inherit.exclude}
            if inherit.merge == "shallow":
                config = {**parent, **model.data}
            else:
                config = deep_merge(parent, model.data)
        for dotted in model.omit:
            config = remove_path(config, dotted.split("."))
    return config
