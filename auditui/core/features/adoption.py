"""What `auditui init` proposes: a policy read off the files a repository holds.

A policy whose layout matches nothing audits nothing, and one that misses a folder
passes its changes in silence. So init looks before it writes, and accounts for every
file (docs/adoption.md):

1. Each data file is read and judged by its content: a **model** (a mapping with
   model-like settings, or one a folder or file named for models holds), a
   **collection** (a list or mapping of models), a **config** (a mapping with one
   such setting), **data** (anything else: `_position.yaml` lists, JSON schemas), or
   the repository's **tooling** (`package.json`, `.github/`, tests: never proposed).
2. Where the models name themselves by one field (`model: gpt-4.1`), a file carrying
   it and shaped like them is a model too, and one lacking it and shaped otherwise
   (a provider's own settings) is not.
3. Models become the widest globs that fit, with `exclude` for the data files those
   globs would take in, and for the data files beside the models that `check` would
   otherwise name as missed (see coverage); a few files are named outright.
4. Prompts, `[layout.inherit]` and bases, naming (`naming = "path"`, or `name_key`
   when the stems collide but the names do not), `[scales]` for ordinal values (an
   effort in words; the `options` of a keyed list item) and `[watch] ignore` for UI
   text (mappings of language codes, `label`, `help`, `description`).
5. The coverage table: per folder, the files read as models, prompts and
   collections, those excluded, and those that look like model configs but are not
   covered, so nothing is left out in silence.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from auditui.core.base.globs import match_any, match_key_glob, match_path
from auditui.core.base.keypaths import Item, quote_key
from auditui.core.base.wording import plural
from auditui.core.configs.coverage import ConfigLike, is_tooling
from auditui.core.configs.documents import DocumentError, format_of, parse_data
from auditui.core.history.tracker import path_kind
from auditui.core.policy.model import Watch
from auditui.core.policy.parse import parse_policy
from auditui.core.policy.starter import STARTER_EXAMPLES, STARTER_LAYOUT, STARTER_SCALES, starter

# Settings that say "this mapping configures a model" (any one is weak, two are a sign).
MODEL_KEYS = frozenset(
    """model model_name model_id provider temperature top_p top_k max_tokens
    max_output_tokens max_input_tokens max_completion_tokens context_window context_length
    context_size reasoning reasoning_effort effort thinking thinking_budget budget_tokens
    system_prompt system stop frequency_penalty presence_penalty seed rollout cache
    cache_control prompt_caching input_cost_per_token output_cost_per_token input_cost
    output_cost cost pricing prices limit modalities tool_call tool_choice
    supports_function_calling supports_vision knowledge release_date edit_format
    weak_model_name use_repo_map streaming extends deployed context output_tokens
    input_tokens input_mtok output_mtok cache_read_mtok cache_write_mtok input_price
    output_price base_model reasoning_options""".split()
)
NAME_FIELDS = ("id", "name", "model", "model_name", "slug", "key")  # identifiers first
# Folders (and files) named for what they hold: a mapping there that names itself, or
# holds model settings at any depth, is a model.
MODEL_PLACES = frozenset(("models", "model", "llm", "llms"))
DEFAULTS_STEMS = ("_defaults", "defaults", "_default", "default")
PROMPT_EXTS = (".md", ".txt", ".prompt", ".j2", ".jinja", ".mdx")
NOT_PROMPTS = ("readme", "changelog", "license", "contributing", "code_of_conduct", "security")
EFFORT_ORDER = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
PARENT_KEYS = ("base_model", "extends", "inherits", "parent", "base")  # a model's parent
INHERITS = ("base_model", "extends", "inherits")  # a file holding one of these is a model
LIST_IDS = ("id", "name", "key", "type")  # [diff] list_ids' default: how items are named
UI_TEXT = ("description", "help", "label")  # settings read by people, not by a model
# A language code as catalogues key their UI text: en_US, zh_Hans, zh-Hant-TW, pt_BR.
LANGUAGE = re.compile(r"[a-z]{2,3}(?:[_-](?:[A-Z][a-z]{3}|[A-Z]{2}|[0-9]{3}))+")
MAX_SCAN_BYTES = 4 * 1024 * 1024
MAX_EXCLUDES = 6  # exclude globs proposed for the data files beside the models
TABLE_ROWS = 12  # folders in the coverage table before alike ones are folded together


@dataclass
class Seen:
    """One data file as init read it."""

    path: str
    doc: Any
    kind: str  # tooling, collection, model, config, data, broken (unread: too large, or
    # does not parse)
    shape: dict | None = None  # a collection's
    demoted: bool = False  # model-like settings, but not shaped like the models


@dataclass
class Row:
    folder: str
    models: int = 0
    prompts: int = 0
    collections: int = 0
    excluded: int = 0
    uncovered: int = 0

    def add(self, column: str) -> None:
        setattr(self, column, getattr(self, column) + 1)


@dataclass
class Coverage:
    """Per folder (alike ones folded: `models/*/provider`), what the policy does with
    the files there; `uncovered`: the files that look like model configs (by `check`'s
    rule, or by their content) that no pattern covers or excludes."""

    rows: list[Row] = field(default_factory=list)
    total: Row = field(default_factory=lambda: Row("all"))
    uncovered: list[str] = field(default_factory=list)


@dataclass
class Proposal:
    models: list[str] = field(default_factory=list)
    defaults: str | None = None
    prompts: list[str] = field(default_factory=list)
    collections: list[dict[str, str]] = field(default_factory=list)
    naming: str = "stem"
    name_key: str | None = None
    bases: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    inherit: dict[str, object] = field(default_factory=dict)  # [layout.inherit], if any
    scales: dict[str, list[str]] = field(default_factory=dict)
    ignore: list[str] = field(default_factory=list)  # [watch] ignore beyond the default
    found: list[str] = field(default_factory=list)  # what was chosen, in words
    files_seen: int = 0
    coverage: Coverage = field(default_factory=Coverage)

    @property
    def empty(self) -> bool:
        return not (self.models or self.prompts or self.collections)


# -- reading one file -----------------------------------------------------------------


def _keys(value: Any, depth: int, through_lists: bool = False, out: set | None = None) -> set:
    """The keys of a mapping and of the mappings under it, `depth` levels down
    (through lists too when asked: the first items of each)."""
    out = set() if out is None else out
    children: Iterable[Any]
    if isinstance(value, dict):
        out.update(str(k).lower() for k in value)
        children = value.values()
    elif isinstance(value, list) and through_lists:
        children = value[:50]
    else:
        return out
    if depth > 0:
        for child in children:
            if isinstance(child, dict | list):
                _keys(child, depth - (isinstance(value, dict)), through_lists, out)
    return out


def _own_score(value: Any) -> int:
    return len({str(k).lower() for k in value} & MODEL_KEYS) if isinstance(value, dict) else 0


def _score(value: Any, depth: int = 2) -> int:
    """How model-like a mapping is: its keys, and its tables' (and their tables') keys,
    that name settings (`agent.model.temperature` counts)."""
    return len(_keys(value, depth) & MODEL_KEYS) if isinstance(value, dict) else 0


def _deep_score(value: Any) -> int:
    """`_score` through lists too, four levels down: a file named for models may keep
    them in nested lists (`chat[name=openai].models[name=gpt-4o].input_cost`)."""
    return len(_keys(value, 4, through_lists=True) & MODEL_KEYS)


def _name(doc: Any, key: str) -> str | None:
    value = doc.get(key) if isinstance(doc, dict) else None
    return value if isinstance(value, str) and value else None


def _stem(path: str) -> str:
    return posixpath.splitext(posixpath.basename(path))[0].lower()


def _in_model_place(path: str) -> bool:
    """Named for models: its folder (`models/`, `llm/`) or the file itself (`models.json`)."""
    folder = posixpath.basename(posixpath.dirname(path)).lower()
    return folder in MODEL_PLACES or _stem(path) in MODEL_PLACES


def _collection_in(doc: Any) -> dict[str, Any] | None:
    """A list or mapping of model-like entries, at the top or under one key."""
    places: list[tuple[str | None, Any]] = [(None, doc)]
    if isinstance(doc, dict):
        places += [(str(k), v) for k, v in doc.items() if isinstance(v, list | dict)]
    for at, node in places:
        if isinstance(node, list) and node and all(isinstance(x, dict) for x in node):
            if sum(_score(x) >= 2 for x in node) * 2 < len(node):
                continue
            # A field every entry has, with a different value in (nearly) each, names
            # them: a real list may carry a doubled entry, which check then reports.
            names = [
                n
                for n in NAME_FIELDS
                if all(isinstance(x.get(n), str) and x.get(n) for x in node)
                and len({x[n] for x in node}) * 10 >= len(node) * 9
            ]
            if names:
                return {
                    "items": "list",
                    "name_key": names[0],
                    "names": names,
                    **({"at": at} if at else {}),
                }
        if isinstance(node, dict) and len(node) >= 2:
            values = list(node.values())
            if not all(isinstance(v, dict) for v in values):
                continue
            if sum(_score(v) >= 2 for v in values) * 2 >= len(values) and _own_score(node) < 2:
                return {"items": "mapping", **({"at": at} if at else {})}
    return None


def _judge(path: str, doc: Any) -> tuple[str, dict | None]:
    """A parsed file's kind by its content (see the module)."""
    if _is_schema(path, doc):
        return "data", None  # it describes configs; it is none
    shape = _collection_in(doc)
    if shape is not None:
        return "collection", shape
    if not isinstance(doc, dict):
        return "data", None
    if _score(doc) >= 2 or (_stem(path) in DEFAULTS_STEMS and _score(doc, 1)):
        return "model", None
    if any(_name(doc, k) for k in INHERITS):  # a model all of whose settings it inherits
        return "model", None
    if _in_model_place(path) and (any(_name(doc, f) for f in NAME_FIELDS) or _deep_score(doc) >= 2):
        return "model", None
    # One setting near the top is a config of some kind; deeper, it may be anything (a
    # plugin manifest's `resource.permission.model`).
    return ("config" if _score(doc, 1) else "data"), None


def _is_schema(path: str, doc: Any) -> bool:
    """A JSON schema: `$schema`/`$id` at its top, or a name saying so."""
    stem = _stem(path)
    named = stem.endswith("schema") or stem.startswith(("schema", ".schema"))
    return named or (isinstance(doc, dict) and ("$schema" in doc or "$id" in doc))


def _read_all(files: list[str], read: Callable[[str], bytes | None]) -> list[Seen]:
    out = []
    for path in sorted(files):
        if format_of(path) is None:
            continue
        if is_tooling(path):
            out.append(Seen(path, None, "tooling"))
            continue
        data = read(path)
        if data is None:
            continue  # a symlink, or unreadable: neither evidence for nor against a glob
        try:
            if len(data) > MAX_SCAN_BYTES:
                raise DocumentError("too large to look into")
            doc = parse_data(path, data)
        except DocumentError:
            out.append(Seen(path, None, "broken"))  # never taken for no model
            continue
        kind, shape = _judge(path, doc)
        out.append(Seen(path, doc, kind, shape))
    return out


def _name_field(seen: list[Seen]) -> str | None:
    """The field the models name themselves by (`model: gpt-4.1`), when nearly all of
    them do; a file carrying it and shaped like them is a model too, and a model-like
    file lacking it and shaped otherwise (a provider's settings) is not."""
    models = [s for s in seen if s.kind == "model" and _stem(s.path) not in DEFAULTS_STEMS]
    counts = Counter(f for s in models for f in NAME_FIELDS if _name(s.doc, f))
    if not counts:
        return None
    best = max(NAME_FIELDS, key=lambda f: (counts[f], -NAME_FIELDS.index(f)))
    if counts[best] < 3 or counts[best] * 3 < len(models) * 2:
        return None  # fewer than two in three name themselves so
    named = [s for s in models if _name(s.doc, best)]
    keys = Counter(k for s in named for k in s.doc)
    typical = {k for k, n in keys.items() if n * 2 >= len(named)}

    def alike(doc: dict) -> bool:  # a third of the models' usual keys
        return len(typical & set(doc)) * 3 >= len(typical)

    for s in seen:
        if s.kind == "config" and _name(s.doc, best) and alike(s.doc):
            s.kind = "model"
        elif (
            s.kind == "model"
            and not _name(s.doc, best)
            and not alike(s.doc)
            and _stem(s.path) not in DEFAULTS_STEMS
            and not any(k in s.doc for k in PARENT_KEYS)
        ):
            s.kind, s.demoted = "config", True
    return best


# -- globs and excludes ------------------------------------------------------------------


def _literal(path: str) -> str:
    """A path as a glob matching only itself."""
    return re.sub(r"([*?\[\\])", r"\\\1", path)


def _fold(dirs: list[str], fits: Callable[[str], bool]) -> list[str]:
    """Folder globs for `dirs`, a segment where they differ made `*` while every glob
    still `fits` (`models/a/provider`, `models/b/provider` -> `models/*/provider`)."""
    keys = {tuple(d.split("/")) for d in dirs}
    while True:
        spread = Counter((i, seg) for k in keys for i, seg in enumerate(k) if seg != "*")
        positions = sorted(
            {i for i, _ in spread}, key=lambda i: (-sum(1 for j, _ in spread if j == i), i)
        )
        for i in positions:
            folded = {k[:i] + ("*",) + k[i + 1 :] if len(k) > i else k for k in keys}
            if len(folded) < len(keys) and all(fits("/".join(k)) for k in folded):
                keys = folded
                break
        else:
            return sorted("/".join(k) for k in keys)


def _exclusions(paths: list[str], kept: set[str]) -> list[str]:
    """Few globs taking in every one of `paths` and none of `kept`: a name they share
    (`**/_position.yaml`), folders holding nothing kept (`models/*/provider/**`),
    else the paths themselves."""
    out: list[str] = []
    kept_names = {posixpath.basename(k) for k in kept}
    rest = sorted(paths)
    names = Counter(posixpath.basename(p) for p in rest)
    for name, n in sorted(names.items()):
        if n >= 2 and name not in kept_names:
            out.append(f"**/{_literal(name)}")
            rest = [p for p in rest if posixpath.basename(p) != name]

    def fits(folder: str) -> bool:
        return not any(match_path(folder + "/**", k) for k in kept)

    dirs = sorted({posixpath.dirname(p) for p in rest if posixpath.dirname(p)})
    folders = [f + "/**" for f in _fold([_literal(d) for d in dirs if fits(_literal(d))], fits)]
    out += folders
    out += [_literal(p) for p in rest if not (folders and match_any(folders, p))]
    for glob in list(out):  # one whose files the others take too says nothing more
        rest_of = [o for o in out if o != glob]
        if rest_of and all(match_any(rest_of, p) for p in paths if match_path(glob, p)):
            out = rest_of
    return out


def _shape(paths: list[str]) -> list[str]:
    """The folders' shape: a `*` where they differ, `**` where their depth does."""
    dirs = sorted({posixpath.dirname(p) for p in paths})
    parts = [d.split("/") for d in dirs]
    depth = min(len(x) for x in parts)
    shape = [parts[0][i] if len({p[i] for p in parts}) == 1 else "*" for i in range(depth)]
    if any(len(x) > depth for x in parts):
        shape.append("**")
    return shape


def _cover(
    paths: list[str], ext: str, kept: set[str], others: set[str]
) -> tuple[list[str], list[str]]:
    """Globs covering `paths` (all ending in `ext`) and the excludes they need, per top
    folder the fewest globs and excludes, the widest first among equals: its folders'
    shape (`models/*/models/**/*.yaml`, or with `*/**` made `**`), one glob per
    folder, or the paths themselves."""

    globs: list[str] = []
    excludes: list[str] = []
    by_top: dict[str, list[str]] = {}
    for p in paths:
        by_top.setdefault(p.split("/")[0] if "/" in p else "", []).append(p)
    for top, group in sorted(by_top.items()):
        candidates: list[tuple[list[str], list[str]]] = []  # (globs, the others they take)
        if top:
            shape = _shape(group)
            if shape[-1] == "**":
                trimmed = list(shape[:-1])
                while trimmed and trimmed[-1] == "*":
                    trimmed.pop()
                candidates.append(_taking([_literal_join(trimmed + ["**"], ext)], others))
            candidates.append(_taking([_literal_join(shape, ext)], others))
            folders = {posixpath.dirname(p) for p in group}  # one glob each: `folder/*.ext`
            candidates.append(
                (
                    sorted(_literal_join(f.split("/"), ext) for f in folders),
                    sorted(
                        o for o in others if o.endswith(ext) and posixpath.dirname(o) in folders
                    ),
                )
            )
        else:
            candidates.append(_taking([f"*{ext}"], others))
        best: tuple[int, list[str], list[str]] | None = None
        for cand, intake in candidates:
            excl = _exclusions(intake, kept) if intake else []
            cost = len(cand) + len(excl)
            if best is None or cost < best[0]:
                best = (cost, cand, excl)
        if best is None or best[0] > len(group):
            globs += [_literal(p) for p in sorted(group)]
        else:
            globs += best[1]
            excludes += best[2]
    return globs, excludes


def _taking(globs: list[str], others: set[str]) -> tuple[list[str], list[str]]:

    return globs, sorted(o for o in others if any(match_path(g, o) for g in globs))


def _literal_join(folders: list[str], ext: str) -> str:
    parts = [seg if seg in ("*", "**") else _literal(seg) for seg in folders if seg]
    return "/".join([*parts, f"*{ext}"])


# -- the proposal -------------------------------------------------------------------------


def propose(files: list[str], read: Callable[[str], bytes | None]) -> Proposal:
    """Read the repository's files (paths, and a way to read each) into a policy."""
    out = Proposal(files_seen=len(files))
    seen = _read_all(files, read)
    field_ = _name_field(seen)
    by_path = {s.path: s for s in seen}
    model_files = [s.path for s in seen if s.kind == "model"]
    collections = [s for s in seen if s.kind == "collection"]
    # every model's settings: a model file's, each entry of a collection
    docs = [d for s in seen if s.kind == "model" for d in [s.doc]]
    docs += [d for s in seen if s.kind == "collection" for d in _entries(s)]
    prompts = _prompt_files(files, set().union(*map(_bound_prompts, docs)))
    kept = {*model_files, *(s.path for s in collections), *prompts}
    others = {s.path for s in seen if s.kind not in ("model", "collection", "broken")}
    parents = {}
    for path in model_files:
        doc = by_path[path].doc
        key = next((k for k in PARENT_KEYS if _name(doc, k)), None)
        if key is not None:
            parents[path] = (key, doc[key], f"{key}_omit" in doc)
    model_files = _inheritance(out, model_files, parents, kept, others)
    _models(out, model_files, kept, others)
    _collections(out, [(s.path, s.shape or {}, _entry_names(s)) for s in collections], kept, others)
    _naming(out, [by_path[p] for p in model_files if p != out.defaults], collections, field_)
    _prompts(out, prompts)
    _scales(out, docs)
    _ignores(out, docs)
    if not out.empty:
        _beside(out, seen, kept)
        out.coverage = coverage(parse_proposal(out), files, by_path)
    return out


def _entries(s: Seen) -> list[Any]:
    shape = s.shape or {}
    node = s.doc[shape["at"]] if "at" in shape else s.doc
    return list(node.values()) if isinstance(node, dict) else list(node)


def _entry_names(s: Seen) -> list[str]:
    shape = s.shape or {}
    node = s.doc[shape["at"]] if "at" in shape else s.doc
    if isinstance(node, dict):
        return [str(n) for n in node]
    return [str(e[shape["name_key"]]) for e in node]


def _prompt_files(files: list[str], bound: set[str]) -> list[str]:
    """Markdown and text under a prompts-like path, or bound by a `system_prompt`
    (never the editor's own prompts under `.github/` or `.claude/`)."""
    out = []
    for path in files:
        lower = path.lower()
        name = posixpath.basename(lower)
        if not lower.endswith(PROMPT_EXTS) or name.startswith(NOT_PROMPTS):
            continue
        if path in bound or ("prompt" in lower and not is_tooling(path)):
            out.append(path)
    return out


def _collections(
    out: Proposal, found: list[tuple[str, dict, list[str]]], kept: set[str], others: set[str]
) -> None:
    """One [[layout.collection]] per folder of files shaped alike (a glob), else per file."""

    groups: dict[tuple, list[tuple[str, dict, list[str]]]] = {}
    for path, shape, names in found:
        key = (
            posixpath.dirname(path),
            posixpath.splitext(path)[1],
            shape["items"],
            shape.get("at"),
        )
        groups.setdefault(key, []).append((path, shape, names))
    for (folder, ext, items, at), members in sorted(groups.items()):
        glob = _literal_join(folder.split("/"), ext) if folder else f"*{ext}"
        shared = None
        if items == "list":
            common = set.intersection(*(set(s["names"]) for _, s, _ in members))
            shared = next((n for n in NAME_FIELDS if n in common), None)
        intake = sorted(o for o in others if match_path(glob, o))
        if len(members) > 1 and len(intake) * 20 <= len(members) and (items == "mapping" or shared):
            spec = {"path": glob, "items": items}
            if shared:
                spec["name_key"] = shared
            if at:
                spec["at"] = at
            out.collections.append(spec)
            out.exclude += _exclusions(intake, kept)
            total = sum(len(m[2]) for m in members)
            out.found.append(f"collection  {glob} ({len(members)} files): {_describe(spec, total)}")
            continue
        for path, shape, names in members:
            spec = {"path": _literal(path), "items": shape["items"]}
            if "name_key" in shape:
                spec["name_key"] = shape["name_key"]
            if "at" in shape:
                spec["at"] = shape["at"]
            out.collections.append(spec)
            out.found.append(f"collection  {path}: {_describe(spec, len(names))}")


def _describe(spec: dict, n: int) -> str:
    what = (
        f"a list of {n} entries named by '{spec['name_key']}'"
        if spec["items"] == "list"
        else f"a mapping of {n} models"
    )
    return what + (f" under '{spec['at']}'" if "at" in spec else "")


def _bound_prompts(doc: Any) -> set[str]:
    value = doc.get("system_prompt") if isinstance(doc, dict) else None
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return {posixpath.normpath(v.lstrip("/")) for v in values if isinstance(v, str) and v}


def _inheritance(
    out: Proposal,
    model_files: list[str],
    parents: dict[str, tuple[str, str, bool]],
    kept: set[str],
    others: set[str],
) -> list[str]:
    """A repository's own inheritance (`base_model = "anthropic/opus"` onto
    models/anthropic/opus.toml): the key, the `ref` that maps its values to model paths,
    an omit list, and the files inherited from as `bases` when no model lives beside
    them. Returns the model files that are not bases."""
    if len(parents) < 2:
        return model_files
    key = Counter(k for k, _, _ in parents.values()).most_common(1)[0][0]
    values = {p: v for p, (k, v, _) in parents.items() if k == key}
    # A prefix that turns the values into existing model paths ("models/" + "lab/id").
    by_suffix: dict[str, set[str]] = {}
    stems = {posixpath.splitext(p)[0]: p for p in model_files}
    for stem in stems:
        parts = stem.split("/")
        for i in range(len(parts)):
            by_suffix.setdefault("/".join(parts[i:]), set()).add("/".join(parts[:i]))
    prefixes = Counter(pre for v in values.values() for pre in by_suffix.get(v, ()))
    if not prefixes:
        return model_files
    prefix, hits = prefixes.most_common(1)[0]
    if hits * 5 < len(values) * 4:
        return model_files  # fewer than 4 in 5 of the values name a model this way
    prefix = f"{prefix}/" if prefix else ""
    out.inherit = {"key": key}
    if prefix or any("/" in v for v in values.values()):
        out.inherit["ref"] = ["^(.+)$", prefix + "\\1"]
        out.naming = "path"
    if any(has_omit for k, _, has_omit in parents.values() if k == key):
        out.inherit["omit"] = f"{key}_omit"
    targets = {stems[prefix + v] for v in values.values() if prefix + v in stems}
    target_tops = {t.split("/")[0] for t in targets}
    wrapper_tops = {p.split("/")[0] for p in values}
    out.found.append(
        f'inherit     {key} = "..." names a model under {prefix or "the root"}'
        f" ({len(values)} files inherit)"
    )
    if target_tops & wrapper_tops:
        return model_files
    bases = [p for p in model_files if p.split("/")[0] in target_tops]
    for ext in sorted({posixpath.splitext(p)[1] for p in bases}):
        globs, excludes = _cover([p for p in bases if p.endswith(ext)], ext, kept, others)
        out.bases += globs
        out.exclude += excludes
    out.found.append(f"bases       {', '.join(out.bases)} (inherited from, never served)")
    return [p for p in model_files if p not in set(bases)]


def _models(out: Proposal, model_files: list[str], kept: set[str], others: set[str]) -> None:
    defaults = [p for p in model_files if _stem(p) in DEFAULTS_STEMS]
    if len(defaults) == 1:
        out.defaults = defaults[0]
        out.found.append(f"defaults    {defaults[0]} (merged under every model)")
    models = [p for p in model_files if p != out.defaults]
    by_ext: dict[str, list[str]] = {}
    for p in models:
        by_ext.setdefault(posixpath.splitext(p)[1], []).append(p)
    for ext, paths in sorted(by_ext.items()):
        globs, excludes = _cover(paths, ext, kept, others)
        out.models += globs
        out.exclude += excludes
        out.found.append(
            f"models      {', '.join(globs)} ({plural(len(paths), 'file')}, e.g. {paths[0]})"
        )


def _naming(out: Proposal, models: list[Seen], collections: list[Seen], field_: str | None) -> None:
    """Stem naming unless two files define one name: then `name_key` when every model
    file names itself by one field and no two by the same value (short names that
    survive a file's rename), else `naming = "path"`."""
    if out.naming == "path":
        return
    names = Counter(posixpath.splitext(posixpath.basename(s.path))[0] for s in models)
    for s in collections:
        names.update(set(_entry_names(s)))
    if not any(n > 1 for n in names.values()):
        return
    twice = next(s for s, n in sorted(names.items()) if n > 1)
    values = [_name(s.doc, field_) for s in models] if field_ else []
    if values and all(values) and len(set(values)) == len(values) and not collections:
        out.name_key = field_
        out.found.append(
            f"name_key    {field_} (the stem '{twice}' names more than one file; "
            f"each file's '{field_}' differs)"
        )
        return
    out.naming = "path"
    out.found.append(f"naming      path (the name '{twice}' is defined by more than one file)")


def _prompts(out: Proposal, prompts: list[str]) -> None:
    by_ext: dict[str, list[str]] = {}
    for p in prompts:
        by_ext.setdefault(posixpath.splitext(p)[1], []).append(p)
    for ext, paths in sorted(by_ext.items()):
        globs, _ = _cover(paths, ext, set(), set())
        globs = [g.replace("/*", "/**/*", 1) if "**" not in g and "/" in g else g for g in globs]
        out.prompts += globs
        out.found.append(
            f"prompts     {', '.join(globs)} ({plural(len(paths), 'file')}, e.g. {paths[0]})"
        )


def _beside(out: Proposal, seen: list[Seen], kept: set[str]) -> None:
    """Exclude what lies beside the models and is no config (a plugin's manifest, a
    provider's own settings): `check` would otherwise name it as missed on every
    change. A file with model-like settings that is not shaped like the models stays
    uncovered: the table names it for the user to decide."""

    policy = parse_proposal(out)
    looks = ConfigLike(policy.layout)
    beside = [
        s.path
        for s in seen
        if (s.kind == "data" or s.demoted)
        and path_kind(policy, s.path) is None
        and not policy.layout.excluded(s.path)
        and looks.looks(s.path)
    ]
    excl = _exclusions(beside, kept) if beside else []
    if excl and len(excl) <= MAX_EXCLUDES:
        out.exclude += excl


# -- scales and UI text ----------------------------------------------------------------------


def _rank(word: Any) -> int | None:
    if isinstance(word, str) and word.lower() in EFFORT_ORDER:
        return EFFORT_ORDER.index(word.lower())
    return None


def _walk(doc: Any, path: str, visit: Callable[[str, str, Any], None]) -> None:
    """Call `visit(path, key, value)` for every value in `doc`'s mappings and in its
    lists compared by identity (`[diff] list_ids`), `path` as a key glob names it: an
    item is `**[name=value]` wherever its list is (its key: "")."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            key = quote_key(str(k))
            here = f"{path}.{key}" if path else key
            visit(here, str(k), v)
            _walk(v, here, visit)
    elif isinstance(doc, list) and doc and all(isinstance(x, dict) for x in doc):
        ident = next((f for f in LIST_IDS if all(f in x for x in doc)), None)
        if ident is None:
            return
        for x in doc[:200]:
            here = "**" + Item(ident, x[ident])
            visit(here, "", x)
            _walk(x, here, visit)


def _scales(out: Proposal, docs: list[Any]) -> None:
    """Ordered scales: an effort written as a word (`reasoning_effort: high`), and a
    keyed item's ordered `options` (`**[name=reasoning_effort].default`, in the
    spellings the options use)."""
    efforts: set[str] = set()
    options: dict[str, Counter] = {}

    def visit(path: str, key: str, value: Any) -> None:
        if "effort" in key.lower() and _rank(value) is not None:
            efforts.add(path)
        if isinstance(value, dict):
            opts = value.get("options")
            if isinstance(opts, list) and sum(_rank(o) is not None for o in opts) >= 2:
                words = options.setdefault(f"{path}.default", Counter())
                words.update(o for o in opts if _rank(o) is not None)

    for doc in docs:
        _walk(doc, "", visit)
    for key in sorted(efforts):
        if key != "reasoning.effort":
            out.scales[key] = list(EFFORT_ORDER)
            out.found.append(f"scale       {key}: {' < '.join(EFFORT_ORDER)}")
    for key, words in sorted(options.items()):
        by_rank: dict[int, tuple[int, str]] = {}
        for word, n in sorted(words.items()):
            r = _rank(word)
            if r is not None and (r not in by_rank or n > by_rank[r][0]):
                by_rank[r] = (n, word)
        scale = [by_rank[r][1] for r in sorted(by_rank)]
        out.scales[key] = scale
        out.found.append(f"scale       {key}: {' < '.join(scale)} (its options)")


def _ignores(out: Proposal, docs: list[Any]) -> None:
    """`[watch] ignore` for UI text: a key holding a mapping of language codes
    (`label: {en_US: ..., zh_Hans: ...}`) and `label`/`help`/`description` text."""
    keys: Counter = Counter()

    def visit(path: str, key: str, value: Any) -> None:
        if not key:
            return
        if (
            (
                isinstance(value, dict)
                and value
                and all(isinstance(k, str) and LANGUAGE.fullmatch(k) for k in value)
            )
            or key.lower() in UI_TEXT
            and isinstance(value, str)
        ):
            keys[key] += 1

    for doc in docs:
        _walk(doc, "", visit)
    if keys:
        out.ignore = [f"**.{quote_key(k)}" for k in sorted(keys)]
        out.found.append(
            f"ignore      {', '.join(out.ignore)} (UI text: "
            f"{plural(sum(keys.values()), 'setting')})"
        )


# -- coverage ----------------------------------------------------------------------------------


def coverage(policy, files: list[str], seen: dict[str, Seen]) -> Coverage:
    """What `policy` does with each file, counted per folder (see Coverage). An
    excluded file counts where a pattern would take it, or `check` would name it."""

    layout = policy.layout
    unexcluded = replace(policy, layout=replace(layout, exclude=()))
    looks = ConfigLike(layout)
    columns = {
        "model": "models",
        "base": "models",
        "defaults": "models",
        "prompt": "prompts",
        "collection": "collections",
    }
    marks: list[tuple[str, str]] = []
    out = Coverage()
    for path in sorted(files):
        kind = path_kind(policy, path)
        s = seen.get(path)
        if kind is not None and kind[0] in columns:
            marks.append((path, columns[kind[0]]))
        elif kind is not None:
            continue
        elif layout.excluded(path):
            if format_of(path) is not None and (
                path_kind(unexcluded, path) is not None or looks.looks(path)
            ):
                marks.append((path, "excluded"))
        elif (
            s is not None
            and s.kind != "tooling"
            and (looks.looks(path) or (s.kind in ("model", "collection") and not s.demoted))
        ):
            marks.append((path, "uncovered"))
            out.uncovered.append(path)
    folders = sorted({posixpath.dirname(p) for p, _ in marks})
    rows: dict[str, Row] = {}
    key = _folder_keys(folders)
    for path, column in marks:
        folder = key[posixpath.dirname(path)]
        rows.setdefault(folder, Row(folder)).add(column)
        out.total.add(column)
    out.rows = [rows[k] for k in sorted(rows)]
    return out


def _folder_keys(folders: list[str]) -> dict[str, str]:
    """Each folder's row: itself, or with many folders the glob of alike ones (the
    segment where they differ most made `*`, the deeper one among equals) until at
    most TABLE_ROWS remain."""
    keys = {f: tuple(f.split("/")) if f else () for f in folders}
    while len(set(keys.values())) > TABLE_ROWS:
        spread = Counter(
            (i, seg) for k in set(keys.values()) for i, seg in enumerate(k) if seg != "*"
        )
        if not spread:
            break
        counts = Counter(i for i, _ in spread)
        i = min(counts, key=lambda i: (-counts[i], -i))
        keys = {f: k[:i] + ("*",) + k[i + 1 :] if len(k) > i else k for f, k in keys.items()}
    return {f: "/".join(k) or "." for f, k in keys.items()}


def coverage_lines(c: Coverage) -> list[str]:
    """The coverage table as printed by init."""
    width = max([len(r.folder) for r in c.rows] + [len("folder")])
    head = ["models", "prompts", "collections", "excluded", "not covered"]
    lines = ["  " + "folder".ljust(width) + "".join(f"  {h:>11}" for h in head)]
    for r in [*c.rows, c.total]:
        cells = (r.models, r.prompts, r.collections, r.excluded, r.uncovered)
        lines.append(
            "  " + r.folder.ljust(width) + "".join(f"  {n if n else '-':>11}" for n in cells)
        )
    return lines


# -- the policy text ----------------------------------------------------------------------------


def parse_proposal(p: Proposal):
    """The policy `p` writes (init writes nothing that does not parse)."""

    return parse_policy(policy_text(p), "proposal")


def policy_text(p: Proposal) -> str:
    """The starter policy init writes for `p`."""

    return starter(layout_block(p), scales_block(p) or STARTER_SCALES, watch_block(p))


def _strings(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def layout_block(p: Proposal) -> str:
    """The [layout] (and [[layout.collection]]) text of a starter policy for `p`."""

    if p.empty:
        return (
            "# auditui init found no model configs or prompts: these are the defaults. Point\n"
            "# them at your files before committing (`auditui check` refuses a layout that\n"
            "# matches nothing).\n" + STARTER_LAYOUT
        )
    lines = ["[layout]", "# Proposed by `auditui init` from the files in this repository:"]
    lines += [f"#   {line}" for line in p.found]
    missed = p.coverage.uncovered
    if missed:
        lines.append(
            f"# Not covered, though they look like model configs "
            f"({plural(len(missed), 'file')}): cover or exclude them:"
        )
        lines += [
            f"#   {r.folder} ({plural(r.uncovered, 'file')})"
            for r in p.coverage.rows
            if r.uncovered
        ]
    lines += [
        f"models   = {_strings(p.models)}",
        *([f"bases    = {_strings(p.bases)}   # inherited from, never served"] if p.bases else []),
        *(
            [f"exclude  = {_strings(sorted(set(p.exclude)))}   # never read as models or prompts"]
            if p.exclude
            else []
        ),
        f"defaults = {json.dumps(p.defaults or '')}   # merged under every model",
        f"prompts  = {_strings(p.prompts)}",
        'records  = "audit"   # folder of audit records',
    ]
    if p.naming == "path":
        lines.append('naming   = "path"    # models named by path: one stem names several files')
    if p.name_key:
        lines.append(f"name_key = {json.dumps(p.name_key)}   # a model file is named by this value")
    if p.inherit:
        lines += ["", "[layout.inherit]"]
        for key, value in p.inherit.items():
            text = f"['{value[0]}', '{value[1]}']" if isinstance(value, list) else json.dumps(value)
            lines.append(f"{key} = {text}")
    for c in p.collections:
        lines += ["", "[[layout.collection]]"]
        lines += [
            f"{key} = {json.dumps(c[key])}"
            for key in ("path", "items", "name_key", "at")
            if key in c
        ]
    return "\n".join(lines) + "\n\n" + STARTER_EXAMPLES


def watch_block(p: Proposal) -> str | None:
    """[watch] with the UI text `p` found ignored, or None for the starter's."""
    if not p.ignore:
        return None

    kept = [d for d in Watch().ignore if not any(match_key_glob(g, d) for g in p.ignore)]
    ignore = [*kept, *p.ignore]
    return (
        "\n[watch]\n"
        "# Dotted-key globs whose change needs an audit, and those that never do. Proposed\n"
        "# by `auditui init`: text shown to people (labels, help, descriptions) is ignored.\n"
        'keys   = ["*"]\n'
        f"ignore = {_strings(ignore)}\n\n"
    )


def scales_block(p: Proposal) -> str | None:
    if not p.scales:
        return None
    lines = ["[scales]", '# Ordered low -> high: a move down is a "downgrade".']
    scales = dict(p.scales)
    scales.setdefault("reasoning.effort", ["low", "medium", "high", "max"])
    for key, values in sorted(scales.items()):
        lines.append(f"{json.dumps(key)} = [{', '.join(json.dumps(v) for v in values)}]")
    return "\n".join(lines) + "\n"
