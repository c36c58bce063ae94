"""Which files look like model configs that a layout leaves out (docs/reports.md,
"Files the layout misses").

A layout that misses a provider's folder audits nothing there and says nothing about
it: `check` would pass every change to those files. So `init` and `check` share one
rule for "looks like a model config" and name the files it finds that no layout
pattern covers or excludes. The rule reads paths only (check meets these files in
every commit's diff and reads none of them):

- a data file (TOML, YAML, JSON) that is not a tool's own configuration
  (`package.json`, files under `.github/`, `tests/`, `node_modules/`, ...), and
- in a folder a model, base or collection pattern reaches (`models/*/models/**` for
  `models/*/models/**/*.yaml`), or in that pattern's data format under its fixed
  leading folders (`models/`). Patterns naming folders alike reach the folders shaped
  like them: `models/a/llm/*.yaml` and `models/b/llm/*.yaml` reach `models/c/llm/`,
  the folder of a provider the layout forgot.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from functools import cached_property

from auditui.core.base.globs import literal_prefix, match_path
from auditui.core.configs.documents import format_of
from auditui.core.policy.model import Layout

# Folders that hold tooling, tests or a documentation site, not the configs a team
# serves; and editor or agent settings (`.claude/`, `.cursor/`) whose prompts are the
# editor's, not a served model's.
SKIP_DIRS = frozenset(
    """node_modules .github tests test .venv vendor dist website docs doc site _data
    examples benchmark benchmarks .claude .cursor .vscode .idea .windsurf .devcontainer
    .changeset""".split()
)
# Files a tool reads for itself, whatever folder they sit in.
SKIP_NAMES = frozenset(
    """package.json package-lock.json tsconfig.json pyproject.toml cargo.toml poetry.lock
    composer.json .pre-commit-config.yaml .pre-commit-hooks.yaml docker-compose.yml
    docker-compose.yaml .auditui.toml mkdocs.yml renovate.json .eslintrc.json
    bun.lock jsconfig.json turbo.json pnpm-workspace.yaml pnpm-lock.yaml
    nodemon.json""".split()
)
SHOWN = 5  # paths named in check's warning line


def is_tooling(path: str) -> bool:
    """A file of the repository's tooling, tests or docs: never a model config."""
    lower = path.lower()
    return posixpath.basename(lower) in SKIP_NAMES or not SKIP_DIRS.isdisjoint(
        lower.split("/")[:-1]
    )


@dataclass(frozen=True)
class _Reach:
    folder: str  # the pattern's folder part, a glob ("" for the root)
    fmt: str | None  # its data format (None: any)
    top: str  # its fixed leading folders ("models/"), "" for any


def _reach(folder: str, name: str) -> _Reach:
    glob = f"{folder}/{name}" if folder else name
    top = literal_prefix(glob)
    if top == glob:  # a file named outright: its folder
        top = folder + "/" if folder else ""
    return _Reach(folder, format_of(name), top)


class ConfigLike:
    """The rule of this module for one layout: `looks(path)`, cached per path (check
    asks it of every path every commit of a range changes)."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._seen: dict[str, bool] = {}

    @cached_property
    def _reaches(self) -> tuple[_Reach, ...]:
        layout = self.layout
        globs = (*layout.models, *layout.bases, *(c.path for c in layout.collections))
        out = [_reach(*glob.rpartition("/")[::2]) for glob in globs]
        by_depth: dict[int, list[tuple[str, str]]] = {}
        for glob in globs:
            folder, _, name = glob.rpartition("/")
            if folder:
                by_depth.setdefault(folder.count("/"), []).append((folder, name))
        for alike in by_depth.values():  # the shape of folders named alike
            parts = [f.split("/") for f, _ in alike]
            shape = "/".join(p[0] if len(set(p)) == 1 else "*" for p in zip(*parts, strict=True))
            if len(alike) > 1 and all(f != shape for f, _ in alike):
                names = {format_of(n) for _, n in alike}
                out.append(_reach(shape, f"*.{names.pop()}" if len(names) == 1 else "*"))
        return tuple(out)

    def looks(self, path: str) -> bool:
        """Whether `path` looks like a model config of this layout (see the module)."""
        found = self._seen.get(path)
        if found is None:
            found = self._seen[path] = self._looks(path)
        return found

    def _looks(self, path: str) -> bool:
        fmt = format_of(path)
        if fmt is None or is_tooling(path):
            return False
        folder = posixpath.dirname(path)
        for reach in self._reaches:
            if match_path(reach.folder, folder) if reach.folder else not folder:
                return True
            if reach.fmt in (None, fmt) and path.startswith(reach.top):
                return True
        return False


@dataclass
class Uncovered:
    """Files that look like model configs, changed in a range, that no layout pattern
    covers or excludes: each with the commits that changed it."""

    commits: dict[str, set[str]] = field(default_factory=dict)  # path -> commit shas
    last: dict[str, str] = field(default_factory=dict)  # path -> the latest of them

    def add(self, path: str, sha: str) -> None:
        self.commits.setdefault(path, set()).add(sha)
        self.last[path] = sha  # commits come oldest first

    def __bool__(self) -> bool:
        return bool(self.commits)

    def __len__(self) -> int:
        return len(self.commits)

    def paths(self) -> list[str]:
        return sorted(self.commits)

    def as_json(self) -> list[dict]:
        return [
            {"path": p, "commits": len(self.commits[p]), "last": self.last[p]} for p in self.paths()
        ]
