"""What `auditui init` proposes: a [layout] read off the files a repository holds.

A policy whose layout matches nothing audits nothing, and `check` would say OK over a
history full of downgrades. So init looks before it writes: data files holding
mappings with model-like settings become model globs or collections, Markdown and text
under a prompts-like folder (or bound by a `system_prompt`) become prompt globs, and
the user is told what was chosen and why.
"""

from __future__ import annotations

import json
import posixpath
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from auditui.core.documents import DocumentError, format_of, parse_data
from auditui.core.keypaths import quote_key
from auditui.core.wording import plural

# Settings that say "this mapping configures a model" (any one is weak, two are a sign).
MODEL_KEYS = frozenset(
    """model model_name model_id provider temperature top_p top_k max_tokens
    max_output_tokens max_input_tokens max_completion_tokens context_window context_length
    reasoning reasoning_effort effort thinking thinking_budget budget_tokens system_prompt
    system stop frequency_penalty presence_penalty seed rollout cache cache_control
    prompt_caching input_cost_per_token output_cost_per_token cost pricing prices limit
    modalities tool_call tool_choice supports_function_calling supports_vision knowledge
    release_date edit_format weak_model_name use_repo_map streaming extends deployed
    context output_tokens input_tokens input_mtok output_mtok cache_read_mtok
    cache_write_mtok input_price output_price base_model reasoning_options""".split()
)
NAME_FIELDS = ("id", "name", "model", "model_name", "slug", "key")  # identifiers first
DEFAULTS_STEMS = ("_defaults", "defaults", "_default", "default")
# Folders that hold tooling, tests or a documentation site, not the configs a team serves.
SKIP_DIRS = frozenset(
    """node_modules .github tests test .venv vendor dist website docs doc site _data
    examples benchmark benchmarks""".split()
)
SKIP_NAMES = frozenset(
    """package.json package-lock.json tsconfig.json pyproject.toml cargo.toml poetry.lock
    composer.json .pre-commit-config.yaml .pre-commit-hooks.yaml docker-compose.yml
    docker-compose.yaml .auditui.toml mkdocs.yml renovate.json .eslintrc.json
    bun.lock""".split()
)
PROMPT_EXTS = (".md", ".txt", ".prompt", ".j2", ".jinja", ".mdx")
NOT_PROMPTS = ("readme", "changelog", "license", "contributing", "code_of_conduct", "security")
EFFORT_ORDER = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
PARENT_KEYS = ("base_model", "extends", "inherits", "parent", "base")  # a model's parent
MAX_SCAN_BYTES = 4 * 1024 * 1024


@dataclass
class Proposal:
    models: list[str] = field(default_factory=list)
    defaults: str | None = None
    prompts: list[str] = field(default_factory=list)
    collections: list[dict[str, str]] = field(default_factory=list)
    naming: str = "stem"
    bases: list[str] = field(default_factory=list)
    inherit: dict[str, object] = field(default_factory=dict)  # [layout.inherit], if any
    scales: dict[str, list[str]] = field(default_factory=dict)
    found: list[str] = field(default_factory=list)  # what was chosen, in words
    files_seen: int = 0

    @property
    def empty(self) -> bool:
        return not (self.models or self.prompts or self.collections)


def _own_score(value: Any) -> int:
    return len({str(k).lower() for k in value} & MODEL_KEYS) if isinstance(value, dict) else 0


def _score(value: Any) -> int:
    """How model-like a mapping is: its own keys and its tables' keys that name settings."""
    if not isinstance(value, dict):
        return 0
    keys = {str(k).lower() for k in value}
    for v in value.values():
        if isinstance(v, dict):
            keys |= {str(k).lower() for k in v}
    return len(keys & MODEL_KEYS)


def _collection_in(doc: Any) -> dict[str, str] | None:
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
            names = [n for n in NAME_FIELDS
                     if all(isinstance(x.get(n), str) and x.get(n) for x in node)
                     and len({x[n] for x in node}) * 10 >= len(node) * 9]  # fmt: skip
            if names:
                return {"items": "list", "name_key": names[0], "names": names,
                        **({"at": at} if at else {})}  # fmt: skip
        if isinstance(node, dict) and len(node) >= 2:
            values = list(node.values())
            if not all(isinstance(v, dict) for v in values):
                continue
            if sum(_score(v) >= 2 for v in values) * 2 >= len(values) and _own_score(node) < 2:
                return {"items": "mapping", **({"at": at} if at else {})}
    return None


def _efforts(doc: Any, out: dict[str, set[str]], prefix: str = "") -> None:
    """Keys holding a reasoning effort (a word from EFFORT_ORDER), by dotted path."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            path = f"{prefix}.{quote_key(str(k))}" if prefix else quote_key(str(k))
            if "effort" in str(k).lower() and isinstance(v, str) and v.lower() in EFFORT_ORDER:
                out.setdefault(path, set()).add(v)
            else:
                _efforts(v, out, path)


def _glob_for(paths: list[str], ext: str, others: set[str] = frozenset()) -> list[str]:
    """The fewest globs covering `paths`: per top folder, its folders' shape (a `*` where
    they differ, `**` where their depth does), unless that would take in data files
    that are not models; then one glob per folder."""
    out: list[str] = []
    by_top: dict[str, list[str]] = {}
    for p in paths:
        by_top.setdefault(p.split("/")[0] if "/" in p else "", []).append(p)
    for top, group in sorted(by_top.items()):
        dirs = sorted({posixpath.dirname(p) for p in group})
        parts = [d.split("/") for d in dirs]
        depth = min(len(x) for x in parts)
        shape = [parts[0][i] if len({p[i] for p in parts}) == 1 else "*" for i in range(depth)]
        if any(len(x) > depth for x in parts):
            shape.append("**")
        glob = "/".join([*shape, f"*{ext}"]) if top else f"*{ext}"
        if top and not _takes_others(glob, others, len(group)):
            out.append(glob)
        else:
            out += [f"{d}/*{ext}" if d else f"*{ext}" for d in dirs]
    return out


def propose(files: list[str], read: Callable[[str], bytes | None]) -> Proposal:
    """Read the repository's files (paths, and a way to read each) into a layout."""
    out = Proposal(files_seen=len(files))
    model_files: list[str] = []
    other_data: set[str] = set()  # data files that are not models: globs must not take them
    collections: list[tuple[str, dict, list[str]]] = []  # (path, shape, entry names)
    bound: set[str] = set()
    efforts: dict[str, set[str]] = {}
    parents: dict[str, tuple[str, str, bool]] = {}  # path -> (key, parent, has `<key>_omit`)
    for path in sorted(files):
        lower = path.lower()
        name = posixpath.basename(lower)
        if format_of(path) is None:
            continue
        if name in SKIP_NAMES or SKIP_DIRS.intersection(lower.split("/")[:-1]):
            other_data.add(path)
            continue
        data = read(path)
        if data is None:
            continue  # a symlink, or unreadable: neither evidence for nor against a glob
        try:
            doc = parse_data(path, data) if len(data) <= MAX_SCAN_BYTES else None
        except DocumentError:
            doc = None
        collection = _collection_in(doc) if doc is not None else None
        if collection is not None:
            node = doc[collection["at"]] if "at" in collection else doc
            entries = list(node.values()) if isinstance(node, dict) else node
            names = list(node) if isinstance(node, dict) else [e[collection["name_key"]]
                                                               for e in entries]  # fmt: skip
            collections.append((path, collection, [str(n) for n in names]))
            for entry in entries:
                _efforts(entry, efforts)
                bound |= _bound_prompts(entry)
        elif doc is not None and (_score(doc) >= 2 or (
                posixpath.splitext(name)[0] in DEFAULTS_STEMS and _score(doc))):  # fmt: skip
            model_files.append(path)
            _efforts(doc, efforts)
            bound |= _bound_prompts(doc)
            key = next((k for k in PARENT_KEYS if isinstance(doc.get(k), str) and doc[k]), None)
            if key is not None:
                parents[path] = (key, doc[key], f"{key}_omit" in doc)
        else:
            other_data.add(path)
    model_files = _inheritance(out, model_files, parents, other_data)
    _models(out, model_files, other_data)
    _collections(out, collections, other_data)
    names = Counter(posixpath.splitext(posixpath.basename(p))[0] for p in model_files)
    for _path, _shape, entry_names in collections:
        names.update(set(entry_names))
    if out.naming != "path" and any(n > 1 for n in names.values()):
        out.naming = "path"
        twice = next(s for s, n in sorted(names.items()) if n > 1)
        out.found.append(f"naming      path (the name '{twice}' is defined by more than one file)")
    _prompts(out, files, bound)
    for key in sorted(efforts):
        if key != "reasoning.effort":  # the default scale already orders that one
            out.scales[key] = list(EFFORT_ORDER)
            out.found.append(f"scale       {key}: {' < '.join(EFFORT_ORDER)}")
    return out


def _collections(out: Proposal, found: list[tuple[str, dict, list[str]]], others: set[str]) -> None:
    """One [[layout.collection]] per folder of files shaped alike (a glob), else per file."""
    groups: dict[tuple, list[tuple[str, dict, list[str]]]] = {}
    for path, shape, names in found:
        key = (posixpath.dirname(path), posixpath.splitext(path)[1], shape["items"],
               shape.get("at"))  # fmt: skip
        groups.setdefault(key, []).append((path, shape, names))
    for (folder, ext, items, at), members in sorted(groups.items()):
        glob = f"{folder}/*{ext}" if folder else f"*{ext}"
        shared = None
        if items == "list":
            common = set.intersection(*(set(s["names"]) for _, s, _ in members))
            shared = next((n for n in NAME_FIELDS if n in common), None)
        takes_others = _takes_others(glob, others, len(members))
        if len(members) > 1 and not takes_others and (items == "mapping" or shared):
            spec = {"path": glob, "items": items}
            if shared:
                spec["name_key"] = shared
            paths = [m[0] for m in members]
        else:
            for path, shape, names in members:
                spec = {"path": path, "items": shape["items"]}
                if "name_key" in shape:
                    spec["name_key"] = shape["name_key"]
                if "at" in shape:
                    spec["at"] = shape["at"]
                out.collections.append(spec)
                out.found.append(f"collection  {path}: {_describe(spec, len(names))}")
            continue
        if at:
            spec["at"] = at
        out.collections.append(spec)
        total = sum(len(m[2]) for m in members)
        out.found.append(f"collection  {glob} ({len(paths)} files): {_describe(spec, total)}")


def _describe(spec: dict, n: int) -> str:
    what = (f"a list of {n} entries named by '{spec['name_key']}'" if spec["items"] == "list"
            else f"a mapping of {n} models")  # fmt: skip
    return what + (f" under '{spec['at']}'" if "at" in spec else "")


def _takes_others(glob: str, others: set[str], matched: int) -> bool:
    """Whether a glob would take in data files that are not models: more than one in
    twenty of what it covers (a catalogue's odd file does not cost it its glob)."""
    from auditui.core.globs import match_path

    extra = sum(1 for o in others if match_path(glob, o))
    return extra * 20 > matched


def _bound_prompts(doc: Any) -> set[str]:
    value = doc.get("system_prompt") if isinstance(doc, dict) else None
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return {posixpath.normpath(v.lstrip("/")) for v in values if isinstance(v, str) and v}


def _inheritance(
    out: Proposal, model_files: list[str], parents: dict[str, tuple[str, str, bool]],
    others: set[str],
) -> list[str]:  # fmt: skip
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
    out.found.append(f"inherit     {key} = \"...\" names a model under {prefix or 'the root'}"
                     f" ({len(values)} files inherit)")  # fmt: skip
    if target_tops & wrapper_tops:
        return model_files
    bases = [p for p in model_files if p.split("/")[0] in target_tops]
    for ext in sorted({posixpath.splitext(p)[1] for p in bases}):
        out.bases += _glob_for([p for p in bases if p.endswith(ext)], ext, others)
    out.found.append(f"bases       {', '.join(out.bases)} (inherited from, never served)")
    return [p for p in model_files if p not in set(bases)]


def _models(out: Proposal, model_files: list[str], others: set[str]) -> None:
    defaults = [p for p in model_files
                if posixpath.splitext(posixpath.basename(p))[0] in DEFAULTS_STEMS]  # fmt: skip
    if len(defaults) == 1:
        out.defaults = defaults[0]
        out.found.append(f"defaults    {defaults[0]} (merged under every model)")
    models = [p for p in model_files if p != out.defaults]
    by_ext: dict[str, list[str]] = {}
    for p in models:
        by_ext.setdefault(posixpath.splitext(p)[1], []).append(p)
    for ext, paths in sorted(by_ext.items()):
        globs = _glob_for(paths, ext, others)
        out.models += globs
        out.found.append(f"models      {', '.join(globs)} ({plural(len(paths), 'file')}, "
                         f"e.g. {paths[0]})")  # fmt: skip


def _prompts(out: Proposal, files: list[str], bound: set[str]) -> None:
    prompts = []
    for path in files:
        lower = path.lower()
        name = posixpath.basename(lower)
        if not lower.endswith(PROMPT_EXTS) or name.startswith(NOT_PROMPTS):
            continue
        if path in bound or "prompt" in lower:
            prompts.append(path)
    by_ext: dict[str, list[str]] = {}
    for p in prompts:
        by_ext.setdefault(posixpath.splitext(p)[1], []).append(p)
    for ext, paths in sorted(by_ext.items()):
        globs = _glob_for(paths, ext)
        globs = [g.replace("/*", "/**/*", 1) if "**" not in g and "/" in g else g for g in globs]
        out.prompts += globs
        out.found.append(f"prompts     {', '.join(globs)} ({plural(len(paths), 'file')}, "
                         f"e.g. {paths[0]})")  # fmt: skip


def layout_block(p: Proposal) -> str:
    """The [layout] (and [[layout.collection]]) text of a starter policy for `p`."""
    from auditui.core.policy import STARTER_EXAMPLES, STARTER_LAYOUT

    if p.empty:
        return (
            "# auditui init found no model configs or prompts: these are the defaults. Point\n"
            "# them at your files before committing (`auditui check` refuses a layout that\n"
            "# matches nothing).\n" + STARTER_LAYOUT
        )

    def strings(values: list[str]) -> str:
        return "[" + ", ".join(json.dumps(v) for v in values) + "]"

    lines = ["[layout]", "# Proposed by `auditui init` from the files in this repository:"]
    lines += [f"#   {line}" for line in p.found]
    lines += [
        f"models   = {strings(p.models)}",
        *([f"bases    = {strings(p.bases)}   # inherited from, never served"] if p.bases else []),
        f"defaults = {json.dumps(p.defaults or '')}   # merged under every model",
        f"prompts  = {strings(p.prompts)}",
        'records  = "audit"   # folder of audit records',
    ]
    if p.naming == "path":
        lines.append('naming   = "path"    # models named by path: one stem names several files')
    if p.inherit:
        lines += ["", "[layout.inherit]"]
        for key, value in p.inherit.items():
            text = (f"['{value[0]}', '{value[1]}']" if isinstance(value, list)
                    else json.dumps(value))  # fmt: skip
            lines.append(f"{key} = {text}")
    for c in p.collections:
        lines += ["", "[[layout.collection]]"]
        lines += [f"{key} = {json.dumps(c[key])}" for key in ("path", "items", "name_key", "at")
                  if key in c]  # fmt: skip
    return "\n".join(lines) + "\n\n" + STARTER_EXAMPLES


def scales_block(p: Proposal) -> str | None:
    if not p.scales:
        return None
    lines = ["[scales]", '# Ordered low -> high: a move down is a "downgrade".']
    scales = dict(p.scales)
    scales.setdefault("reasoning.effort", ["low", "medium", "high", "max"])
    for key, values in sorted(scales.items()):
        lines.append(f"{json.dumps(key)} = [{', '.join(json.dumps(v) for v in values)}]")
    return "\n".join(lines) + "\n"
