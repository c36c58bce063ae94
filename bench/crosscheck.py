"""Cross-check auditui's per-model deltas against an independent computation.

    python bench/crosscheck.py --repo PATH --policy POLICY.toml [--report REPORT.json]

For every non-merge commit of the repository this script computes, with its own code,
the effective config of every model the commit can move — reading the file versions
(one `git log --raw`, one `git cat-file --batch`), following symlinks, decoding JSON
held in YAML values, resolving the repository's inheritance ([layout.inherit], bases),
hashing inline prompts — and has DeepDiff find the settings that differ (lists of
mappings matched item by item), model by model, to compare with the deltas of
auditui's JSON report for that commit (`auditui check --all --format json`, run here
unless `--report` names one).

It shares no code with auditui on purpose: only the policy file. Models it cannot know
from one commit alone are skipped and counted (a version that does not parse, an entry
with a doubled name or none, a dangling link, a broken inheritance chain), since auditui
compares those with their last good config. Conventions both follow (docs/reports.md,
"Setting paths" and "Renames"): a table emptied or filled is reported by its leaves;
an item appearing in a keyed list is one setting; a model file git calls renamed
(content at least 50% alike: asked of git here, for the commit's deleted and added
layout files) is one model, compared with its old name's config, plus a `model:name`
setting moving from the old name to the new. A delta this script finds that auditui
does not report is a lost change: each is printed, and the script exits 1 (likewise
for a delta auditui reports that is not found here).
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import posixpath
import re
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import yaml
from deepdiff import DeepDiff
from deepdiff.helper import CannotCompare, notpresent

UNKNOWN = object()  # a version (or model) this script cannot know on its own
ABSENT = object()


# -- globs and keys, written independently of auditui -------------------------------


def glob_regex(pattern: str, sep: str = "/") -> re.Pattern[str]:
    s = re.escape(sep)
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**" + sep, i):
            out.append(f"(?:.*{s})?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append(f"[^{s}]*")
            i += 1
        elif pattern[i] == "?":
            out.append(f"[^{s}]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def segment(key: str) -> str:
    bare = key and not re.search(r"[.\"\\\[\]\x00-\x1f\x7f]", key) and key == key.strip()
    return key if bare else json.dumps(key, ensure_ascii=False)


def item_segment(field: str, value) -> str:
    value = norm(value)
    if isinstance(value, str) and re.fullmatch(r'[^\]\["\\=\x00-\x1f\x7f\s]+', value):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False)
    return f"[{segment(field)}={text}]"


def norm(value):
    """JSON-comparable form: integral floats as ints, dates as ISO text; True stays
    distinct from 1 (json writes `true`)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, int):
        return value
    if isinstance(value, list | tuple):
        return [norm(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((norm(v) for v in value), key=repr)
    if isinstance(value, dict):
        return {str(k): norm(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def same(a, b) -> bool:
    return json.dumps(norm(a), sort_keys=True) == json.dumps(norm(b), sort_keys=True)


def git_blob_id(text: str) -> str:
    data = text.encode()
    return hashlib.sha1(b"blob " + str(len(data)).encode() + b"\x00" + data).hexdigest()


# -- the layout -------------------------------------------------------------------


class Layout:
    def __init__(self, policy: dict) -> None:
        layout = policy.get("layout", {})
        self.models = [glob_regex(p) for p in layout.get("models", ["models/*.toml"])]
        self.bases = [glob_regex(p) for p in layout.get("bases", [])]
        self.prompts = [glob_regex(p) for p in layout.get("prompts", ["prompts/**/*.md"])]
        self.defaults = layout.get("defaults", "models/_defaults.toml")
        self.naming = layout.get("naming", "stem")
        self.collections = [(glob_regex(c["path"]), c) for c in layout.get("collection", [])]
        self.skip = [glob_regex(p) for p in layout.get("exclude", [])]  # [layout] exclude
        self.name_key = layout.get("name_key")
        inherit = layout.get("inherit", {})
        self.parent_key = inherit.get("key", "extends")
        self.ref = inherit.get("ref")
        self.omit_key = inherit.get("omit")
        self.shallow = inherit.get("merge", "deep") == "shallow"
        self.exclude = set(inherit.get("exclude", []))
        self.inline = [glob_regex(g, ".") for g in layout.get("inline_prompts", [])]
        self.list_ids = policy.get("diff", {}).get("list_ids", ["id", "name", "key", "type"])
        self.ignore = policy.get("watch", {}).get("ignore", ["description", "notes", "notes.*"])

    def kind(self, path: str):
        if path == self.defaults:
            return ("defaults", None)
        if any(rx.match(path) for rx in self.skip):
            return None
        for rx, spec in self.collections:
            if rx.match(path):
                return ("collection", spec)
        if any(rx.match(path) for rx in self.bases):
            return ("base", None)
        if any(rx.match(path) for rx in self.models):
            return ("model", None)
        if any(rx.match(path) for rx in self.prompts):
            return ("prompt", None)
        return None

    def stem(self, path: str) -> str:
        base = path.rsplit(".", 1)[0] if "." in path.rsplit("/", 1)[-1] else path
        return base if self.naming == "path" else base.rsplit("/", 1)[-1]

    def ignored(self, path: str) -> bool:
        parts = path.split(".")
        prefixes = {".".join(parts[: i + 1]) for i in range(len(parts))}
        # a leading `**.` spans no key too (docs/policy.md): `**.label` is also `label`
        globs = [*self.ignore, *(g[3:] for g in self.ignore if g.startswith("**."))]
        return any(fnmatch.fnmatchcase(p, g) for g in globs for p in prefixes)


def parse(fmt: str, text: str):
    try:
        if fmt == "toml":
            return tomllib.loads(text)
        if fmt == "json":
            return json.loads(text)
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except Exception:
        return UNKNOWN


def file_format(path: str) -> str:
    return {"toml": "toml", "json": "json"}.get(path.rsplit(".", 1)[-1].lower(), "yaml")


# -- one file version -> its models' raw definitions -----------------------------------


def definitions(layout: Layout, path: str, kind, data) -> dict:
    """{model name: (raw mapping or UNKNOWN, is base)} for one version of one file."""
    if data is None:
        return {}
    if data is UNKNOWN:
        return UNKNOWN
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return UNKNOWN
    doc = parse(file_format(path), text)
    if doc is UNKNOWN:
        return UNKNOWN
    if kind[0] in ("model", "base"):
        named = doc.get(layout.name_key) if isinstance(doc, dict) and layout.name_key else None
        if isinstance(named, str) and named:  # [layout] name_key: named by that value
            folder = path.rsplit("/", 1)[0] if "/" in path else ""
            name = f"{folder}/{named}" if layout.naming == "path" and folder else named
            body = {k: v for k, v in doc.items() if k != layout.name_key}
            return {name: (body, kind[0] == "base")}
        return {layout.stem(path): (doc if isinstance(doc, dict) else UNKNOWN, kind[0] == "base")}
    spec = kind[1]
    node = doc
    for part in spec["at"].split(".") if spec.get("at") else []:
        if not isinstance(node, dict) or part not in node:
            return UNKNOWN
        node = node[part]
    if spec.get("decode"):
        if not isinstance(node, str):
            return UNKNOWN
        node = parse(spec["decode"], node)
        if node is UNKNOWN:
            return UNKNOWN
    prefix = layout.stem(path) + "/" if layout.naming == "path" else ""
    if spec.get("items", "list") == "mapping":
        if not isinstance(node, dict):
            return UNKNOWN
        items = [(str(k), v) for k, v in node.items()]
    else:
        if not isinstance(node, list):
            return UNKNOWN
        key = spec.get("name_key", "name")
        items = []
        for item in node:
            name = item.get(key) if isinstance(item, dict) else None
            if isinstance(name, str | int) and not isinstance(name, bool) and name != "":
                items.append((str(name), {k: v for k, v in item.items() if k != key}))
    seen = Counter(name for name, _ in items)
    return {
        prefix + name: (value if seen[name] == 1 and isinstance(value, dict) else UNKNOWN, False)
        for name, value in items
    }


# -- effective configs -------------------------------------------------------------------


def dig(data, dotted: str):
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return ABSENT
        data = data[part]
    return data


def drop(data: dict, parts: list[str]) -> dict:
    """A copy without the value at `parts`, and without the tables that empties."""
    if parts[0] not in data:
        return data
    out = dict(data)
    if len(parts) == 1:
        del out[parts[0]]
    elif isinstance(out[parts[0]], dict):
        inner = drop(out[parts[0]], parts[1:])
        if inner:
            out[parts[0]] = inner
        else:
            del out[parts[0]]
    return out


def merge_deep(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = (
            merge_deep(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
        )
    return out


_SETTINGS: dict[int, tuple] = {}


def settings_of(layout: Layout, raw: dict):
    """(own settings, parent name or None, omit list) of a raw definition, or UNKNOWN
    (remembered per definition object: states share them)."""
    hit = _SETTINGS.get(id(raw))
    if hit is not None and hit[0] is raw:
        return hit[1]
    result = _settings_of(layout, raw)
    if len(_SETTINGS) > 200_000:
        _SETTINGS.clear()
    _SETTINGS[id(raw)] = (raw, result)
    return result


def _settings_of(layout: Layout, raw: dict):
    parent = dig(raw, layout.parent_key)
    if parent is not ABSENT:
        if not isinstance(parent, str):
            return UNKNOWN
        if layout.ref:
            m = re.search(layout.ref[0], parent)
            if m is None:
                return UNKNOWN
            parent = m.expand(layout.ref[1])
    omit = dig(raw, layout.omit_key) if layout.omit_key else ABSENT
    if omit is not ABSENT and not (
        isinstance(omit, list) and all(isinstance(o, str) for o in omit)
    ):
        return UNKNOWN
    if not isinstance(raw.get("deployed", True), bool):
        return UNKNOWN
    own = {k: v for k, v in raw.items() if k != "deployed"}
    for key in (layout.parent_key, layout.omit_key):
        if key:
            own = drop(own, key.split("."))
    return own, (None if parent is ABSENT else parent), ([] if omit is ABSENT else omit)


def effective(layout: Layout, defs: dict, name: str, defaults: dict):
    """A deployed model's effective config, None when it is not served, or UNKNOWN."""
    if name not in defs:
        return None
    raw, is_base = defs[name]
    if raw is UNKNOWN:
        return UNKNOWN
    if is_base or raw.get("deployed", True) is False:
        return None
    chain, seen, current = [], set(), name
    while current is not None:
        if current in seen or current not in defs or defs[current][0] is UNKNOWN:
            return UNKNOWN  # a cycle, a missing parent, an unreadable one
        seen.add(current)
        parsed = settings_of(layout, defs[current][0])
        if parsed is UNKNOWN:
            return UNKNOWN
        chain.append(parsed)
        current = parsed[1]
    config = None
    for own, _parent, omit in reversed(chain):
        if config is None:
            config = merge_deep(defaults, own)
        else:
            base = {k: v for k, v in config.items() if k not in layout.exclude}
            config = {**base, **own} if layout.shallow else merge_deep(base, own)
        for dotted in omit:
            config = drop(config, dotted.split("."))
    if "system_prompt" in config:
        return UNKNOWN  # bound prompt files are not followed here
    return config


def differences(layout: Layout, a, b) -> dict:
    """{path: (old, new)} of two configs. DeepDiff finds what differs, the items of a
    keyed list matched by identity (its iterable_compare_func); this reads its findings
    back as settings: a keyed list's item by `[field=value]`, whole where one side
    lacks it; any other list whole; a table appearing or vanishing by its leaves."""
    old, new = norm(a), norm(b)
    if same(old, new):
        return {}

    def same_item(x, y, level) -> bool:
        field = identity(layout.list_ids, level.t1, level.t2)
        if field is None:
            raise CannotCompare
        return item_segment(field, x[field]) == item_segment(field, y[field])

    found = DeepDiff(
        old, new, view="tree", iterable_compare_func=same_item, threshold_to_diff_deeper=0
    )
    rows: dict[str, list] = {}
    for kind, levels in found.items():
        if kind == "iterable_item_moved":
            continue  # a keyed list's order is no setting
        for path, o, n, item in (s for level in levels for s in settings_at(layout, level)):
            o, n = (ABSENT if v is notpresent else v for v in (o, n))
            if item:  # an item appearing or vanishing is one setting, whole
                rows[path] = [o, n]
                continue
            for side, value in ((0, o), (1, n)):  # a shape changing: both sides' leaves
                if value is not ABSENT:
                    for leaf, v in leaves(path, value):
                        rows.setdefault(leaf, [ABSENT, ABSENT])[side] = v
    out: dict[str, tuple] = {}
    for path, (o, n) in rows.items():
        if path and not (o is not ABSENT and n is not ABSENT and same(o, n)):
            out[path] = (None if o is ABSENT else o, None if n is ABSENT else n)
    return out


def joined(at: str, key: str) -> str:
    return f"{at}{key}" if key.startswith("[") or not at else f"{at}.{key}"


def leaves(at: str, value):
    if isinstance(value, dict) and value:
        for k, v in value.items():
            yield from leaves(joined(at, segment(str(k))), v)
    else:
        yield at, value


def identity(list_ids, x, y) -> str | None:
    """The field two lists' items are matched by (the first of `[diff] list_ids` every
    item carries as a scalar, distinct within each list); None: each list is one value."""
    if not (isinstance(x, list) and isinstance(y, list)):
        return None
    items = x + y
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for field in list_ids:
        if not all(isinstance(i.get(field), str | int | float | bool) for i in items):
            continue
        if all(len({item_segment(field, i[field]) for i in side}) == len(side) for side in (x, y)):
            return field
    return None


def settings_at(layout: Layout, level) -> list[tuple[str, object, object, bool]]:
    """Where a difference DeepDiff reports lies, named as a setting: the path from the
    root, the old and new value there, and whether that is a keyed list's item. An item
    removed and one added at one index, which DeepDiff reports as a value changed, are
    two items."""
    node, at, item = level.all_up, "", False
    while node is not level:
        child = node.down
        if isinstance(node.t1, list) or isinstance(node.t2, list):
            field = identity(layout.list_ids, node.t1, node.t2)
            if field is None:  # a plain list is one value, wherever DeepDiff looks inside
                return [(at, node.t1, node.t2, False)]
            old, new = (
                None if v is notpresent else item_segment(field, v[field])
                for v in (child.t1, child.t2)
            )
            if old is not None and new is not None and old != new:
                return [
                    (joined(at, old), child.t1, notpresent, True),
                    (joined(at, new), notpresent, child.t2, True),
                ]
            at, item = joined(at, old or new), True
        else:
            rel = node.t1_child_rel or node.t2_child_rel
            at, item = joined(at, segment(str(rel.param))), False
        node = child
    return [(at, level.t1, level.t2, item)]


# -- git ---------------------------------------------------------------------------------


def git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True).stdout


def history(repo: Path):
    """(sha, parent, [(path, new mode, new sha)]) per non-merge commit, oldest first."""
    out = git(
        repo,
        "log",
        "--reverse",
        "--no-merges",
        "--raw",
        "-z",
        "--no-renames",
        "--no-abbrev",
        "--format=%x1e%H %P",
        "HEAD",
    )
    commits = []
    for chunk in out.decode("utf-8", "surrogateescape").split("\x1e")[1:]:
        head, _, rest = chunk.partition("\x00")
        sha, *parents = head.split()
        tokens = rest.split("\x00")
        changes = []
        for meta, path in zip(tokens[0::2], tokens[1::2], strict=False):
            meta = meta.lstrip("\n")
            if meta.startswith(":"):
                _old_mode, new_mode, _old, new, _ = meta[1:].split(" ", 4)
                gone = set(new) == {"0"}
                changes.append((path, None if gone else new_mode, None if gone else new))
        commits.append((sha, parents[0] if parents else None, changes))
    return commits


def moved_files(repo: Path, parent: str, sha: str, paths: list[str]) -> list[tuple[str, str]]:
    """(old path, new path) of the files among `paths` git calls renamed in a commit."""
    out = git(
        repo,
        "diff-tree",
        "-r",
        "-z",
        "--no-abbrev",
        "-M50%",
        parent,
        sha,
        "--",
        *(":(literal)" + p for p in paths),
    ).decode("utf-8", "surrogateescape")
    tokens, pairs, i = out.split("\x00"), [], 0
    while i < len(tokens):
        meta = tokens[i].lstrip("\n")
        if meta.startswith(":") and meta.split(" ")[-1].startswith("R"):
            pairs.append((tokens[i + 1], tokens[i + 2]))
            i += 3
        else:
            i += 2 if meta.startswith(":") else 1
    return pairs


def renamed_models(layout: Layout, before: State, after: State, moves) -> dict[str, str]:
    """new name -> old name for the deployed models of files moved to a new name: a
    model file's one model, or a collection's entries by their name in the file."""
    pairs = {}
    for old_path, new_path in moves:
        olds = [n for n in before.files.get(old_path, ()) if n not in after.defs]
        news = [n for n in after.files.get(new_path, ()) if n not in before.defs]
        # Deployed on both sides, the new one known (auditui pairs no model it cannot
        # resolve); an old one this script cannot know alone is paired all the same
        # (auditui has its last good config), its new name then skipped as unknowable.
        olds = [n for n in olds if effective(layout, before.defs, n, {}) is not None]
        news = [n for n in news if effective(layout, after.defs, n, {}) not in (None, UNKNOWN)]
        if len(olds) == 1 and len(news) == 1:
            pairs[news[0]] = olds[0]
            continue
        prefix_old = old_path.rsplit(".", 1)[0] + "/"
        prefix_new = new_path.rsplit(".", 1)[0] + "/"
        by_entry = {n.removeprefix(prefix_old): n for n in olds}
        for n in news:
            entry = n.removeprefix(prefix_new)
            if entry in by_entry:
                pairs[n] = by_entry[entry]
    return pairs


class Blobs:
    def __init__(self, repo: Path) -> None:
        self.proc = subprocess.Popen(
            ["git", "-C", str(repo), "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.cache: dict[str, bytes | None] = {}

    def read(self, sha: str) -> bytes | None:
        if sha not in self.cache:
            if len(self.cache) > 50000:
                self.cache.clear()
            self.proc.stdin.write(sha.encode() + b"\n")
            self.proc.stdin.flush()
            header = self.proc.stdout.readline().split()
            if len(header) < 3 or header[1] != b"blob":
                self.cache[sha] = None  # a submodule's commit, or missing
            else:
                self.cache[sha] = self.proc.stdout.read(int(header[2]) + 1)[:-1]
        return self.cache[sha]


class State:
    """One commit's tree ({path: (mode, sha)}), every model's raw definition
    ({name: (raw, is base)}), and which file defines which names."""

    def __init__(self, tree: dict, defs: dict, files: dict, owner: dict) -> None:
        self.tree, self.defs, self.files, self.owner = tree, defs, files, owner


def full_tree(repo: Path, rev: str) -> dict:
    out = git(repo, "ls-tree", "-r", "-z", "--full-tree", rev).decode("utf-8", "surrogateescape")
    tree = {}
    for row in filter(None, out.split("\x00")):
        meta, path = row.split("\t", 1)
        mode, _, sha = meta.split()
        tree[path] = (mode, sha)
    return tree


def resolve(blobs: Blobs, tree: dict, path: str):
    """The blob id a path holds, symlinks followed inside the tree; None when absent,
    UNKNOWN for a dangling link or one leaving the tree."""
    hops = 0
    while path in tree and tree[path][0] == "120000":
        target = blobs.read(tree[path][1]).decode("utf-8", "replace")
        nxt = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
        if target.startswith("/") or nxt.startswith("..") or hops > 8:
            return UNKNOWN
        path, hops = nxt, hops + 1
        if path not in tree:
            return UNKNOWN
    return tree[path][1] if path in tree else None


def content(blobs: Blobs, tree: dict, path: str):
    sha = resolve(blobs, tree, path)
    return sha if sha is None or sha is UNKNOWN else blobs.read(sha)


_DEFINITIONS: dict[tuple, object] = {}


def chain_paths(blobs: Blobs, tree: dict, path: str) -> list[str]:
    seen = [path]
    while seen[-1] in tree and tree[seen[-1]][0] == "120000" and len(seen) < 10:
        target = blobs.read(tree[seen[-1]][1]).decode("utf-8", "replace")
        seen.append(posixpath.normpath(posixpath.join(posixpath.dirname(seen[-1]), target)))
    return seen


def load(layout: Layout, blobs: Blobs, tree: dict, paths, state: State | None) -> State:
    """Definitions at `tree`: all of them, or `state`'s with `paths` re-read."""
    defs = dict(state.defs) if state else {}
    files = dict(state.files) if state else {}
    owner = dict(state.owner) if state else {}
    for path in paths:
        kind = layout.kind(path)
        if kind is None or kind[0] in ("prompt", "defaults"):
            continue
        previous = files.pop(path, set())
        for name in previous:
            if owner.get(name) == path:
                del defs[name], owner[name]
        sha = resolve(blobs, tree, path)
        key = (path, sha if isinstance(sha, str) else repr(sha))
        if key not in _DEFINITIONS:  # a file version is parsed once per run
            data = sha if sha is None or sha is UNKNOWN else blobs.read(sha)
            _DEFINITIONS[key] = definitions(layout, path, kind, data)
        found = _DEFINITIONS[key]
        if found is UNKNOWN:  # the file's models are unknowable: those it held, and any
            names = {layout.stem(path)} if kind[0] != "collection" else previous | {f"file:{path}"}
            found = {name: (UNKNOWN, kind[0] == "base") for name in names}
        files[path] = set(found)
        for name, (raw, base) in found.items():
            clash = name in owner and owner[name] != path
            defs[name] = (UNKNOWN if clash else raw, base)  # two files: unknowable here
            owner[name] = path
    return State(tree, defs, files, owner)


# -- the comparison ----------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repo", required=True, type=Path)
    ap.add_argument("--policy", required=True, type=Path)
    ap.add_argument("--report", type=Path, help="auditui's JSON report (default: run it)")
    ap.add_argument("--show", type=int, default=20, help="lost deltas to print (default 20)")
    ap.add_argument("--commits", type=int, help="check only the first N commits (a smoke run)")
    args = ap.parse_args()
    if args.report:
        report = json.loads(args.report.read_text())
    else:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "auditui",
                "check",
                "--all",
                "--format",
                "json",
                "--repo",
                str(args.repo),
                "--policy",
                str(args.policy),
            ],
            capture_output=True,
            text=True,
        )
        if run.returncode not in (0, 1):
            print(run.stderr, file=sys.stderr)
            return 2
        report = json.loads(run.stdout)
    layout = Layout(tomllib.loads(args.policy.read_text()))
    by_commit = {c["commit"]: c for c in report["changes"]}
    blobs = Blobs(args.repo)
    stats: Counter = Counter()
    lost, extra = [], []
    last: tuple[str, State] | None = None
    for sha, parent, changes in history(args.repo)[: args.commits]:
        # The parent's state: the last one computed when it is the parent, else built.
        if parent is None:
            before = State({}, {}, {}, {})
        elif last and last[0] == parent:
            before = last[1]
        else:
            tree = full_tree(args.repo, parent)
            before = load(layout, blobs, tree, list(tree), None)
        tree = dict(before.tree)
        for path, mode, new in changes:
            if mode is None:
                tree.pop(path, None)
            else:
                tree[path] = (mode, new)
        changed = {path for path, _, _ in changes}
        # Every layout file whose way to its content passes through a changed path.
        touched = {p for p in changed if layout.kind(p)}
        for t in (before.tree, tree):
            for p, (mode, _) in t.items():
                if mode == "120000" and layout.kind(p) and set(chain_paths(blobs, t, p)) & changed:
                    touched.add(p)
        after = load(layout, blobs, tree, touched, before)
        last = (sha, after)
        stats["commits checked"] += 1
        if any(layout.kind(p) and layout.kind(p)[0] == "defaults" for p in changed):
            stats["commits skipped (defaults)"] += 1
            continue
        deleted = [p for p, mode, _ in changes if mode is None and layout.kind(p)]
        added = [
            p
            for p, mode, _ in changes
            if mode is not None and layout.kind(p) and p not in before.tree
        ]
        moves = moved_files(args.repo, parent, sha, deleted + added) if deleted and added else []
        renamed = renamed_models(layout, before, after, moves)
        stats["models renamed"] += len(renamed)
        found, unknown = compare_commit(layout, blobs, before, after, touched, renamed)
        reported: dict[str, dict[str, tuple]] = {}
        for d in by_commit.get(sha, {}).get("deltas", []):
            if d["model"] is None or d["kind"] == "invalid" or d["path"].endswith("#limits"):
                continue
            path = d["model"] if d["model"].startswith("prompt:") else d["path"]
            reported.setdefault(d["model"], {})[path] = (d["old"], d["new"])
        stats["models skipped (unknowable alone)"] += len(unknown)
        for name in sorted(found.keys() | reported.keys()):
            if name in unknown or ("file:" in unknown and name not in found):
                continue
            mine = {k: v for k, v in found.get(name, {}).items() if not layout.ignored(k)}
            theirs = reported.get(name, {})
            stats["models compared"] += 1
            for path, (old, new) in mine.items():
                got = theirs.get(path)
                ok = got is not None and same(got[0], old) and same(got[1], new)
                stats["deltas matched" if ok else "deltas lost"] += 1
                if not ok:
                    lost.append((sha, name, path, old, new, got))
            for path in theirs.keys() - mine.keys():
                stats["deltas auditui reports and this does not find"] += 1
                extra.append((sha, name, path, theirs[path]))
    for key in sorted(stats):
        print(f"{key:48} {stats[key]}")
    for row in lost[: args.show]:
        print("LOST", *(str(x)[:80] for x in row))
    for row in extra[: args.show]:
        print("EXTRA", *(str(x)[:80] for x in row))
    return 1 if lost or extra else 0


def compare_commit(
    layout: Layout, blobs: Blobs, before: State, after: State, touched: set, renamed: dict
):
    """{model: {path: (old, new)}} the commit changes, and the models it cannot know;
    `renamed` (new name -> old name): compared with the old name's config."""
    found: dict[str, dict] = {}
    unknown: set[str] = set()
    for path in touched:
        kind = layout.kind(path)
        if kind and kind[0] == "prompt":
            old, new = content(blobs, before.tree, path), content(blobs, after.tree, path)
            if UNKNOWN in (old, new):
                unknown.add(f"prompt:{path}")
            elif old != new:
                ids = [
                    None if t is None else git_blob_id(t.decode("utf-8-sig")) for t in (old, new)
                ]
                found[f"prompt:{path}"] = {f"prompt:{path}": tuple(ids)}
    # The models a commit can move: those defined in a touched file, then every model
    # whose inheritance chain reaches one of them.
    moved = set().union(*(before.files.get(p, set()) | after.files.get(p, set()) for p in touched))
    for name in list(moved):
        if name.startswith("file:"):
            unknown.add(name)
            moved.discard(name)
    children: dict[str, set[str]] = {}
    for state in (before, after):
        for name, (raw, _base) in state.defs.items():
            parsed = settings_of(layout, raw) if raw is not UNKNOWN else UNKNOWN
            if parsed is not UNKNOWN and parsed[1] is not None:
                children.setdefault(parsed[1], set()).add(name)
    queue = list(moved)
    while queue:
        for child in children.get(queue.pop(), ()):
            if child not in moved:
                moved.add(child)
                queue.append(child)
    if any(n.startswith("file:") for n in unknown):
        # A collection this script cannot read hides which models it holds.
        unknown |= {"file:"}
    gone = set(renamed.values())
    for name in moved:
        if name in gone:
            continue  # it lives on under its new name
        old = effective(layout, before.defs, renamed.get(name, name), {})
        new = effective(layout, after.defs, name, {})
        if old is UNKNOWN or new is UNKNOWN:
            unknown.add(name)
            continue
        diff = differences(layout, old or {}, new or {})
        if name in renamed:
            diff["model:name"] = (renamed[name], name)
        for path, (o, n) in list(diff.items()):
            if (
                layout.inline
                and any(rx.match(path) for rx in layout.inline)
                and all(v is None or isinstance(v, str) for v in (o, n))
            ):
                diff[path] = tuple(None if v is None else git_blob_id(v) for v in (o, n))
        if diff:
            found[name] = diff
    return found, unknown


if __name__ == "__main__":
    sys.exit(main())
