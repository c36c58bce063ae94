"""Cross-check auditui's per-model deltas against an independent diff of file versions.

    python bench/crosscheck.py --repo PATH --policy POLICY.toml [--report REPORT.json]

For every non-merge commit of the repository, this script reads the two versions of
each file the policy's layout names (one `git log --raw`, one `git cat-file --batch`),
parses them with its own code, flattens every model to its leaf settings and diffs
them. It then compares, model by model, what it found with the deltas of auditui's
JSON report for that commit (`auditui check --all --format json`, run here unless
`--report` names one).

It shares no code with auditui on purpose: only the layout it reads from the policy.
Symlinked model files are followed (a model whose link target changed moves too).
By convention a table that is emptied or filled is reported by its leaves alone.
Models it cannot know from one commit alone are skipped and counted (a version that
does not parse, an entry without a name or with a doubled name, a model that
`extends` another or binds prompts), since auditui compares those with their last
good config. A delta the independent diff finds and auditui does not report is a
lost change: the script prints each one and exits 1.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import yaml

UNKNOWN = object()  # a version (or model) this script cannot know on its own


# -- globs and keys, written independently of auditui -------------------------------


def glob_regex(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def key_segment(key: str) -> str:
    plain = key and not re.search(r"[.\"\\\[\]\x00-\x1f\x7f]", key) and key == key.strip()
    return key if plain else json.dumps(key, ensure_ascii=False)


def flatten(value, prefix: str = "") -> dict[str, object]:
    if isinstance(value, dict) and value:
        out: dict[str, object] = {}
        for k, v in value.items():
            out.update(
                flatten(v, f"{prefix}.{key_segment(str(k))}" if prefix else key_segment(str(k)))
            )
        return out
    return {prefix: value} if prefix else {}


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


# -- the layout -------------------------------------------------------------------


class Layout:
    def __init__(self, policy: dict) -> None:
        layout = policy.get("layout", {})
        self.models = [glob_regex(p) for p in layout.get("models", ["models/*.toml"])]
        self.prompts = [glob_regex(p) for p in layout.get("prompts", ["prompts/**/*.md"])]
        self.defaults = layout.get("defaults", "models/_defaults.toml")
        self.naming = layout.get("naming", "stem")
        self.collections = [(glob_regex(c["path"]), c) for c in layout.get("collection", [])]

    def kind(self, path: str):
        if path == self.defaults:
            return ("defaults", None)
        for rx, spec in self.collections:
            if rx.match(path):
                return ("collection", spec)
        if any(rx.match(path) for rx in self.models):
            return ("model", None)
        if any(rx.match(path) for rx in self.prompts):
            return ("prompt", None)
        return None

    def stem(self, path: str) -> str:
        base = path.rsplit(".", 1)[0] if "." in path.rsplit("/", 1)[-1] else path
        return base if self.naming == "path" else base.rsplit("/", 1)[-1]


def parse(path: str, data: bytes):
    try:
        text = data.decode("utf-8-sig")
        if path.endswith(".toml"):
            return tomllib.loads(text)
        if path.endswith(".json"):
            return json.loads(text)
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except Exception:
        return UNKNOWN


def models_of(layout: Layout, path: str, kind, data: bytes | None) -> dict[str, object]:
    """model name -> flattened settings (or UNKNOWN) for one version of one file."""
    if data is None:
        return {}
    doc = parse(path, data)
    if kind[0] == "model":
        return {layout.stem(path): settings(doc)}
    spec = kind[1]
    node = doc
    for part in (spec.get("at") or "").split(".") if spec.get("at") else []:
        node = node.get(part, UNKNOWN) if isinstance(node, dict) else UNKNOWN
    prefix = layout.stem(path) + "/" if layout.naming == "path" else ""
    out: dict[str, object] = {}
    seen: Counter = Counter()
    if spec.get("items", "list") == "mapping":
        if not isinstance(node, dict):
            return UNKNOWN  # type: ignore[return-value]
        items = [(str(k), v) for k, v in node.items()]
    else:
        if not isinstance(node, list):
            return UNKNOWN  # type: ignore[return-value]
        name_key = spec.get("name_key", "name")
        items = []
        for item in node:
            name = item.get(name_key) if isinstance(item, dict) else None
            if isinstance(name, str | int) and not isinstance(name, bool) and name != "":
                items.append((str(name), {k: v for k, v in item.items() if k != name_key}))
    for name, value in items:
        seen[name] += 1
        out[prefix + name] = settings(value)
    for name, n in seen.items():
        if n > 1:
            out[prefix + name] = UNKNOWN
    return out


def settings(doc) -> object:
    if not isinstance(doc, dict):
        return UNKNOWN
    if (
        "extends" in doc
        or "system_prompt" in doc
        or not isinstance(doc.get("deployed", True), bool)
    ):
        return UNKNOWN  # depends on other files, or invalid: judged with its last good config
    if doc.get("deployed", True) is False:
        return {}  # a base: never reported itself
    return flatten({k: v for k, v in doc.items() if k != "deployed"})


# -- git -----------------------------------------------------------------------------


def git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], check=True,
                          capture_output=True).stdout  # fmt: skip


def history(repo: Path):
    """(sha, parent, [(path, old_sha, new_sha, is_link)]) for every non-merge commit,
    oldest first."""
    out = git(repo, "log", "--reverse", "--no-merges", "--raw", "-z", "--no-renames",
              "--no-abbrev", "--format=%x1e%H %P", "HEAD")  # fmt: skip
    commits = []
    for chunk in out.decode("utf-8", "surrogateescape").split("\x1e")[1:]:
        head, _, rest = chunk.partition("\x00")
        sha, *parents = head.split()
        tokens = rest.split("\x00")
        changes = []
        for meta, path in zip(tokens[0::2], tokens[1::2], strict=False):
            meta = meta.lstrip("\n")
            if meta.startswith(":"):
                old_mode, new_mode, old, new, _ = meta[1:].split(" ", 4)
                changes.append((path, None if set(old) == {"0"} else old,
                                None if set(new) == {"0"} else new,
                                "120000" in (old_mode, new_mode)))  # fmt: skip
        commits.append((sha, parents[0] if parents else None, changes))
    return commits


class Blobs:
    def __init__(self, repo: Path) -> None:
        self.proc = subprocess.Popen(["git", "-C", str(repo), "cat-file", "--batch"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # fmt: skip
        self.cache: dict[str, bytes] = {}

    def read(self, sha: str | None) -> bytes | None:
        if sha is None:
            return None
        if sha not in self.cache:
            self.proc.stdin.write(sha.encode() + b"\n")
            self.proc.stdin.flush()
            header = self.proc.stdout.readline().split()
            if len(header) < 3 or header[1] != b"blob":
                return None  # a submodule's commit, or missing: not a file version
            size = int(header[2])
            data = self.proc.stdout.read(size + 1)[:-1]
            if len(self.cache) > 4096:
                self.cache.clear()
            self.cache[sha] = data
        return self.cache[sha]


# -- the comparison ------------------------------------------------------------------


class Links:
    """Symlinks of a commit's tree, and where each leads (read once per commit)."""

    def __init__(self, repo: Path, blobs: Blobs) -> None:
        self.repo, self.blobs = repo, blobs
        self.cache: dict[str, dict[str, str]] = {}

    def at(self, rev: str) -> dict[str, str]:
        if rev not in self.cache:
            out = git(self.repo, "ls-tree", "-r", "-z", rev).decode("utf-8", "surrogateescape")
            links = {}
            for row in filter(None, out.split("\x00")):
                meta, path = row.split("\t", 1)
                mode, _, sha = meta.split()
                if mode == "120000":
                    links[path] = self.blobs.read(sha).decode("utf-8", "replace")
            if len(self.cache) > 8:
                self.cache.clear()
            self.cache[rev] = links
        return self.cache[rev]

    def chain(self, rev: str, path: str) -> list[str] | None:
        """The paths a link passes through to its final file; None if it leaves the tree."""
        import posixpath

        links, seen = self.at(rev), [path]
        while seen[-1] in links and len(seen) < 10:
            target = links[seen[-1]]
            nxt = posixpath.normpath(posixpath.join(posixpath.dirname(seen[-1]), target))
            if target.startswith("/") or nxt.startswith(".."):
                return None
            seen.append(nxt)
        return seen

    def content(self, rev: str, path: str) -> bytes | None:
        chain = self.chain(rev, path)
        if chain is None:
            return UNKNOWN  # type: ignore[return-value]
        data = git_maybe(self.repo, "cat-file", "blob", f"{rev}:{chain[-1]}")
        if data is None and len(chain) > 1:
            return UNKNOWN  # type: ignore[return-value]  # a dangling link: broken, not gone
        return data


def git_maybe(repo: Path, *args: str) -> bytes | None:
    run = subprocess.run(["git", "-C", str(repo), *args], capture_output=True)
    return run.stdout if run.returncode == 0 else None


def independent_deltas(layout: Layout, blobs: Blobs, links: Links, sha: str, parent: str | None,
                       changes) -> tuple[dict, set[str]]:  # fmt: skip
    """{model: {path: (old, new)}} for one commit, and the models it cannot know."""
    found: dict[str, dict[str, tuple]] = {}
    unknown: set[str] = set()
    changed = {path for path, _, _, _ in changes}
    versions: dict[str, tuple] = {}  # path -> (old bytes, new bytes), links followed
    for path, old, new, is_link in changes:
        if layout.kind(path) is None:
            continue
        if is_link:
            versions[path] = (links.content(parent, path) if parent else None,
                              links.content(sha, path))  # fmt: skip
        else:
            versions[path] = (blobs.read(old), blobs.read(new))
    if parent is not None:
        # A link whose way to its file passes through a changed path moves with it.
        for rev in (parent, sha):
            for link in links.at(rev):
                if link in versions or layout.kind(link) is None:
                    continue
                chain = links.chain(rev, link)
                if chain is None or set(chain) & changed:
                    versions[link] = (links.content(parent, link), links.content(sha, link))
    for path, (old_data, new_data) in sorted(versions.items()):
        kind = layout.kind(path)
        if kind is None:
            continue
        if kind[0] == "defaults":
            return {}, {"*"}  # every model moves: not compared here
        if kind[0] == "prompt":
            found.setdefault(f"prompt:{path}", {})[f"prompt:{path}"] = (old_data, new_data)
            continue
        if UNKNOWN in (old_data, new_data):
            unknown.add(layout.stem(path) if kind[0] == "model" else "file:")
            continue
        before = models_of(layout, path, kind, old_data)
        after = models_of(layout, path, kind, new_data)
        if before is UNKNOWN or after is UNKNOWN:
            unknown.add(layout.stem(path) if kind[0] == "model" else "file:")
            continue
        for name in before.keys() | after.keys():
            a, b = before.get(name, {}), after.get(name, {})
            if a is UNKNOWN or b is UNKNOWN:
                unknown.add(name)
                continue
            diff = {k: (a.get(k), b.get(k)) for k in a.keys() | b.keys()
                    if not (k in a and k in b and same(a[k], b[k]))
                    and not _emptied_table(k, a, b)}  # fmt: skip
            if diff:
                found.setdefault(name, {}).update(diff)
    return found, unknown


def _emptied_table(key: str, a: dict, b: dict) -> bool:
    """An empty table whose other side has leaves under it: reported by those leaves."""
    for side, other in ((a, b), (b, a)):
        if side.get(key) == {} and key not in other and any(k.startswith(key + ".") for k in other):
            return True
    return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repo", required=True, type=Path)
    ap.add_argument("--policy", required=True, type=Path)
    ap.add_argument("--report", type=Path, help="auditui's JSON report (default: run it)")
    ap.add_argument("--show", type=int, default=20, help="lost deltas to print (default 20)")
    args = ap.parse_args()
    if args.report:
        report = json.loads(args.report.read_text())
    else:
        run = subprocess.run([sys.executable, "-m", "auditui", "check", "--all", "--format", "json",
                              "--repo", str(args.repo), "--policy", str(args.policy)],
                             capture_output=True, text=True)  # fmt: skip
        if run.returncode not in (0, 1):
            print(run.stderr, file=sys.stderr)
            return 2
        report = json.loads(run.stdout)
    policy = tomllib.loads(args.policy.read_text())
    layout = Layout(policy)
    ignore = policy.get("watch", {}).get("ignore", ["description", "notes", "notes.*"])
    by_commit = {c["commit"]: c for c in report["changes"]}
    blobs = Blobs(args.repo)
    links = Links(args.repo, blobs)
    stats: Counter = Counter()
    lost, extra = [], []
    for sha, parent, changes in history(args.repo):
        found, unknown = independent_deltas(layout, blobs, links, sha, parent, changes)
        if "*" in unknown:
            stats["commits skipped (defaults)"] += 1
            continue
        reported: dict[str, dict[str, tuple]] = {}
        for d in by_commit.get(sha, {}).get("deltas", []):
            if d["model"] is None or d["kind"] == "invalid" or d["path"].endswith("#limits"):
                continue
            name = d["model"]
            path = d["path"] if not name.startswith("prompt:") else name
            reported.setdefault(name, {})[path] = (d["old"], d["new"])
        stats["commits checked"] += 1
        stats["models skipped (unknowable alone)"] += len(unknown)
        for name in sorted(found.keys() | reported.keys()):
            # A collection this diff cannot read hides which models it holds: compare
            # only the models found elsewhere.
            if name in unknown or ("file:" in unknown and name not in found):
                stats["models skipped (unknowable alone)"] += name not in unknown
                continue
            mine, theirs = found.get(name, {}), reported.get(name, {})
            mine = {k: v for k, v in mine.items()
                    if not any(k == g or k.startswith(g + ".") for g in ignore)}  # fmt: skip
            stats["models compared"] += 1
            for path, (old, new) in mine.items():
                if name.startswith("prompt:"):
                    ok = path in theirs
                else:
                    ok = (
                        path in theirs and same(theirs[path][0], old) and same(theirs[path][1], new)
                    )
                stats["deltas matched" if ok else "deltas lost"] += 1
                if not ok:
                    lost.append((sha, name, path, old, new, theirs.get(path)))
            for path in theirs.keys() - mine.keys():
                stats["deltas auditui reports and the diff does not"] += 1
                extra.append((sha, name, path, theirs[path]))
    for key in sorted(stats):
        print(f"{key:45} {stats[key]}")
    for row in lost[: args.show]:
        print("LOST", *(str(x)[:80] for x in row))
    for row in extra[: args.show]:
        print("EXTRA", *(str(x)[:80] for x in row))
    return 1 if lost or extra else 0


if __name__ == "__main__":
    sys.exit(main())
