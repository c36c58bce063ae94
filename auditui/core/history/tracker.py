"""Advancing a World by one commit under one policy's layout (see world): what each
path is to the layout, the changed files read again, who owns each name settled,
the models depending on them resolved again, and the Step saying what moved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from auditui.core.base.globs import match_any, match_path
from auditui.core.configs.documents import DocumentError
from auditui.core.configs.models import (
    PROMPT_MODEL_PREFIX,
    Effective,
    EntryProblem,
    ModelError,
    RawModel,
    ancestry,
    bound_prompts,
    content_token,
    extends_names,
    merged_config,
    models_in_collection,
    models_in_file,
    without_structure,
)
from auditui.core.git.log import FileEntry
from auditui.core.git.repo import GitRepo
from auditui.core.history.links import Links
from auditui.core.history.loader import Loader
from auditui.core.history.problems import Key, Problem, Problems, Where
from auditui.core.history.world import NO_DEPS, Deps, FileState, Step, World, reindex
from auditui.core.policy.model import POLICY_FILE, Collection, Policy

# A changed file's problems reported again though they did not move: the file's own
# (it still does not parse) and a model's it still cannot resolve.
_REPORTED = (Where.FILE, Where.MODEL)


def _name_key(model: RawModel) -> Key:
    """Where a clash over this model's name is reported: its collection entry, or
    its model file."""
    if model.entry is not None:
        return Key(model.source, Where.ENTRY, model.entry)
    return Key(model.source, Where.CLASH, model.name)


def _clean_read(other: World | None, path: str, entry: FileEntry | None) -> FileState | None:
    """`other`'s state of a model or collection file, when it is what reading `entry`
    here would give: the same blob, read cleanly (no problem of the file or of any of
    its entries), through no symlink. A file read cleanly is a function of its blob
    alone; a broken file or entry keeps its history's last good models, which is why
    those are never taken. (A clash is no problem of the file: who owns a name is
    settled afterwards, see _settle.)"""
    if other is None or entry is None or entry.is_symlink:
        return None
    state = other.files.get(path)
    if state is None or state.entry != entry or state.deps:
        return None
    return None if _own_problems(other.errors, path) else state


def _own_problems(errors: Problems, path: str) -> list[Key]:
    """The problems of a file itself, found by reading it: it does not parse, or an
    entry of it cannot be a model. Not a clash (settled by who owns a name, see
    _settle) nor a model that cannot be resolved (see _resolve)."""
    return [k for k in errors.of_path(path) if k.where is not Where.MODEL and not errors[k].clash]


class _Was(NamedTuple):
    """What a step compares against: the World's problems, policy and signers files
    before the commit."""

    errors: Problems
    policy: FileEntry | None
    signers: FileEntry | None


class _Read(NamedTuple):
    """What reading a commit's changed files found (see Tracker._read_changed)."""

    named: set[str]  # model names whose definitions moved
    dirty: set[str]  # models reading a changed file
    prompts: set[str]  # prompt files touched
    all_dirty: bool  # the defaults changed: every model is resolved again


@dataclass(frozen=True)
class MergeReads:
    """File states a merge takes instead of reading model or collection files again,
    each what reading the file would leave in the World (speed only, see merges).
    `other_parent`: a parent whose clean reads of the very blob are taken as read
    (see _clean_read). `first_way`: states to take as they are (None: no state) for
    files that do not parse, whose problem the World already holds."""

    other_parent: World | None = None
    first_way: Mapping[str, FileState | None] = field(default_factory=dict)

    def state(self, path: str, entry: FileEntry | None) -> tuple[FileState | None, bool]:
        """The state to take for `path` (None: read it), and whether it is a broken
        file's kept the first parent's way."""
        if path in self.first_way:
            return self.first_way[path], True
        return _clean_read(self.other_parent, path, entry), False


# What a layout names: meeting none of these, a policy audits nothing (see saw_layout).
LAYOUT_KINDS = ("model", "base", "collection", "prompt")


def path_kind(policy: Policy, path: str) -> tuple[str, Collection | None] | None:
    """What a path is to a policy: its policy file, signers file or defaults, else
    (unless `[layout] exclude` takes it) a collection, base, model or prompt file, or
    nothing. `init` asks it too, of the files it proposes a layout for."""
    layout = policy.layout
    if path == POLICY_FILE:
        return ("policy", None)
    if path == policy.approvals.allowed_signers:
        return ("signers", None)
    if path == layout.defaults:
        return ("defaults", None)
    if layout.excluded(path):
        return None  # never a model, base, prompt or collection (docs/policy.md)
    for spec in layout.collections:
        if match_path(spec.path, path):
            return ("collection", spec)
    if match_any(layout.bases, path):
        return ("base", None)
    if match_any(layout.models, path):
        return ("model", None)
    if match_any(layout.prompts, path):
        return ("prompt", None)
    return None


class Tracker:
    """Builds and advances Worlds under one policy's layout."""

    def __init__(self, repo: GitRepo, policy: Policy, loader: Loader | None = None) -> None:
        self.repo = repo
        self.policy = policy
        self.layout = policy.layout
        self.loader = loader or Loader(repo)
        self.links = Links(repo, self.loader, self.kind)
        self.signers_path = policy.approvals.allowed_signers
        self._kinds: dict[str, tuple[str, Collection | None] | None] = {}
        # Whether any file the layout names as a model, collection or prompt was met: a
        # policy matching nothing must never report OK (it would audit nothing).
        self.saw_layout = False

    # -- what a path is ----------------------------------------------------

    def kind(self, path: str) -> tuple[str, Collection | None] | None:
        if path in self._kinds:
            return self._kinds[path]
        result = path_kind(self.policy, path)
        self._kinds[path] = result
        return result

    def patterns(self) -> list[str]:
        pats = [
            *self.layout.models,
            *self.layout.bases,
            *self.layout.prompts,
            *(c.path for c in self.layout.collections),
        ]
        pats += [POLICY_FILE, self.signers_path]
        if self.layout.defaults:
            pats.append(self.layout.defaults)
        return pats

    def prefetch(self, commits: list) -> None:
        """Parse, ahead of the walk and on every core, the config blobs its commits
        bring (see Loader.prefetch)."""
        parsed = ("model", "base", "collection", "defaults", "prompt")
        wanted: list[tuple[str, str, str | Collection]] = []
        for commit in commits:
            for ch in commit.changes:
                kind = self.kind(ch.path)
                if kind is not None and kind[0] in parsed:
                    new = ch.new
                    if new is not None and not new.is_symlink:
                        spec = kind[1]
                        what: str | Collection = "data"
                        if kind[0] == "prompt":
                            what = "limits"
                        elif spec is not None and spec.decode:
                            what = spec
                        wanted.append((ch.path, new.sha, what))
        self.loader.prefetch(wanted)

    def relevant(self, path: str, world: World) -> bool:
        return path in world.entries or path in world.linked or self.kind(path) is not None

    # -- building ----------------------------------------------------------

    def from_tree(self, commit: str) -> World:
        """The world at `commit`, read from its tree (used for a range's base)."""
        entries = self.repo.list_files(commit, self.patterns(), self.layout.exclude)
        changes = {p: e for p, e in entries.items() if self.kind(p) is not None}
        world = World()
        self.advance(world, commit, changes)
        return world

    def advance(
        self,
        w: World,
        commit: str,
        changes: Mapping[str, FileEntry | None],
        *,
        merge: MergeReads | None = None,
    ) -> Step:
        """Apply one commit's relevant changes to `w`, in place (copy a World that is
        still needed first); the Step says what the commit did to it. `merge`: file
        states a merge takes instead of reading the files again (see MergeReads)."""
        was = _Was(w.errors.copy(), w.entries.get(POLICY_FILE), w.entries.get(self.signers_path))
        w.commit = commit
        pending = self._apply_entries(w, changes)
        read = self._read_changed(w, changes, pending, merge)
        dirty = read.dirty | self._settle(w, read.named)
        before, flips = self._resolve_dirty(w, dirty, read.all_dirty)
        self._refresh_prompts(w, read.prompts, flips, before)
        return self._step(w, was, before, changes)

    @staticmethod
    def _apply_entries(w: World, changes: Mapping[str, FileEntry | None]) -> list[str]:
        """Every changed path's entry, before any file is read, so a symlink read later
        sees its target as of this commit without asking git (see links.Links.target).
        Returns the paths deletions first, then by path: the order files are read in
        never decides who owns a name (that is settled once all are read, see _settle)."""
        pending = sorted(changes, key=lambda p: (changes[p] is not None, p))
        for path in pending:
            entry = changes[path]
            if entry is None:
                w.entries.pop(path, None)
            else:
                w.entries[path] = entry
        return pending

    def _read_changed(
        self,
        w: World,
        changes: Mapping[str, FileEntry | None],
        pending: list[str],
        merge: MergeReads | None,
    ) -> _Read:
        """Read each changed path again, and the symlinks whose target this commit
        edited as if they changed."""
        named: set[str] = set()  # model names whose definitions moved
        dirty: set[str] = set()
        prompts: set[str] = set()
        all_dirty = False
        relinked = sorted(set().union(*(w.linked.get(p, ()) for p in pending)) - set(changes))
        for path in [*pending, *relinked]:
            entry = changes[path] if path in changes else w.entries.get(path)
            if path not in changes and entry is None:
                continue
            kind = self.kind(path)
            what = kind[0] if kind else "extra"
            self.saw_layout = self.saw_layout or what in LAYOUT_KINDS
            if what == "defaults":
                all_dirty = True
                self._load_defaults(w, path, entry)
            elif what in ("model", "base", "collection"):
                given, broken = (None, False) if merge is None else merge.state(path, entry)
                spec = kind[1] if kind else None
                named |= self._load_file(w, path, entry, spec, what == "base", given, broken)
            elif what == "prompt":
                prompts.add(path)
                self._check_prompt(w, path, entry)
            elif path in changes:
                w.errors.pop(Key(path), None)
            # Whatever globs it also matches, a file a model reads is its dependency
            # (a prompt that is also a model file, a symlink target).
            dirty |= w.readers.get(path, frozenset())
        return _Read(named, dirty, prompts, all_dirty)

    def _resolve_dirty(
        self, w: World, dirty: set[str], all_dirty: bool
    ) -> tuple[dict[str, Effective | None], set[str]]:
        """Resolve again the models whose files or names moved, and those that extend
        them; returns each one's effective config before, and the prompts whose
        bound state flipped."""
        if all_dirty:
            dirty = set(w.raw) | set(w.effective)
        for name in list(dirty):
            dirty |= w.heirs.get(name, frozenset())
        before: dict[str, Effective | None] = {}
        flips: set[str] = set()
        for name in sorted(dirty):
            if name.startswith(PROMPT_MODEL_PREFIX):
                continue
            before[name] = w.effective.get(name)
            flips |= self._resolve(w, name)
        return before, flips

    def _refresh_prompts(
        self, w: World, touched: set[str], flips: set[str], before: dict[str, Effective | None]
    ) -> None:
        """Keep the stand-in of each prompt no model binds current: a prompt only
        (un)bound by a model is no change of the prompt itself (the model's own deltas
        show the binding), so only a touched prompt's stand-in enters `before`."""
        for path in sorted(touched | flips):
            name = PROMPT_MODEL_PREFIX + path
            entry = w.entries.get(path)
            if path in touched:
                before.setdefault(name, w.effective.get(name))
            kind = self.kind(path)
            if entry and kind and kind[0] == "prompt" and not w.bound.get(path):
                if Key(path) in w.errors:
                    continue  # unreadable: keep the last good text
                real = self._prompt_entry(w, path)
                if real is not None:
                    w.effective[name] = Effective(name, path, {}, ((path, real.sha),))
            else:
                w.effective.pop(name, None)

    def _step(
        self,
        w: World,
        was: _Was,
        before: dict[str, Effective | None],
        changes: Mapping[str, FileEntry | None],
    ) -> Step:
        new_policy = w.entries.get(POLICY_FILE)
        new_signers = w.entries.get(self.signers_path)
        return Step(
            models=[
                (n, before[n], w.effective.get(n))
                for n in sorted(before)
                if before[n] != w.effective.get(n)
            ],
            errors=self.step_errors(w.errors, was.errors, changes),
            policy=(was.policy, new_policy) if was.policy != new_policy else None,
            signers=(was.signers, new_signers) if was.signers != new_signers else None,
        )

    @staticmethod
    def step_errors(now: Problems, before: Problems, changes) -> dict:
        """Problems new or changed at this commit, and those of the files it changed
        (editing a file that stays broken is still a change nobody can evaluate; an
        entry's problem is reported again when the entry itself changes, its token).
        Most commits write no problem at all: then only the changed files' count."""
        if now.same_as(before):
            return {
                k: now[k] for path in changes for k in now.of_path(path) if k.where in _REPORTED
            }
        return {
            k: v
            for k, v in now.items()
            if ((o := before.get(k)) is not v and o != v)
            or (k.path in changes and k.where in _REPORTED)
        }

    # -- loading files -----------------------------------------------------

    def _load_file(
        self,
        w: World,
        path: str,
        entry: FileEntry | None,
        spec: Collection | None,
        base: bool = False,
        given: FileState | None = None,
        broken: bool = False,
    ) -> set[str]:
        """Re-read one model or collection file, or take `given` as its state (the
        same blob read elsewhere; `broken`: one that does not parse, whose problem `w`
        holds already, given None for no state); returns the names whose definition in
        it changed (who owns a name is decided after every changed file is read)."""
        old = w.files.get(path)
        old_models = old.models if old else {}
        if not broken:
            for key in _own_problems(w.errors, path):
                del w.errors[key]  # found again below
        old_deps = old.deps if old else frozenset()
        deps: set[str] = set()
        problems: list[EntryProblem] = []
        if entry is None or (broken and given is None):
            models: dict[str, RawModel] = {}
            w.files.pop(path, None)
        elif given is not None:
            models = given.models
            w.files[path] = given
            deps = set(given.deps)
        else:
            try:
                real_path, real_entry, _ = self.links.read_through(w, path, entry, deps)
                if spec is not None:
                    node = self.loader.node(real_path, real_entry.sha, spec)
                    found, problems = models_in_collection(
                        path, node, spec, self.layout, old_models
                    )
                else:
                    doc = self.loader.data(real_path, real_entry.sha)
                    found = models_in_file(path, doc, self.layout, base)
            except (DocumentError, ModelError) as exc:
                # The whole file is unreadable: every model keeps its last good config.
                w.errors[Key(path)] = Problem(str(exc))
                self.links.set_links(w, path, old_deps, frozenset(deps))
                if old is not None:
                    w.files[path] = FileState(entry, old.models, frozenset(deps))
                return set()
            models = {m.name: m for m in found}
            for problem in problems:
                w.errors[Key(path, Where.ENTRY, problem.label)] = Problem(
                    problem.message, problem.model, problem.token
                )
                name = problem.model
                if name is not None and name in old_models:  # keeps its last good config
                    models[name] = old_models[name]
            w.files[path] = FileState(entry, models, frozenset(deps))
        self.links.set_links(w, path, old_deps, frozenset(deps))
        reindex(w.claims, path, frozenset(old_models), frozenset(models))
        for name in old_models.keys() - models.keys():
            w.errors.pop(_name_key(old_models[name]), None)  # a clash it no longer has
        if spec is None:
            # A model file whose blob changed: its model is re-resolved, and the step
            # keeps it only if its effective config moved (no comparison needed here).
            return set(old_models.keys() | models.keys())
        # A collection: only the entries whose definition changed (one edit in a
        # thousand-entry list must not re-resolve the other 999).
        return {
            n
            for n in old_models.keys() | models.keys()
            if (o := old_models.get(n)) is not (m := models.get(n)) and o != m
        }

    def _settle(self, w: World, names: set[str]) -> set[str]:
        """Decide who defines each name: a file keeps a name as long as it defines it
        (so blame never flips between commits); a name nobody holds goes to the first
        file (by path) defining it; every other file defining it gets a clash. Returns
        the names whose definition moved."""
        moved = set()
        for name in sorted(names):
            claims = w.claims.get(name, frozenset())
            current = w.raw.get(name)
            owner = current.source if current is not None and current.source in claims else None
            if owner is None and claims:
                owner = min(claims)
            for path in sorted(claims):
                model = w.files[path].models[name]
                key = _name_key(model)
                existing = w.errors.get(key)
                if existing is not None and not existing.clash:
                    continue  # a bad entry's own problem says more than the clash
                if path == owner:
                    w.errors.pop(key, None)
                    continue
                fix = (
                    'set [layout] naming = "path" to name models by path'
                    if self.layout.naming == "stem"
                    else "rename one of them"
                )
                w.errors[key] = Problem(
                    f"model '{name}' is already defined by {owner}; {fix}",
                    name,
                    content_token(model.data),
                    clash=True,
                )
            new = w.files[owner].models[name] if owner is not None else None
            if new is not current:  # re-read: resolved again, kept if its config moved
                moved.add(name)
                if new is None:
                    w.raw.pop(name, None)
                else:
                    w.raw[name] = new
        return moved

    def _load_defaults(self, w: World, path: str, entry: FileEntry | None) -> None:
        w.errors.pop(Key(path), None)
        if entry is None:
            w.defaults = {}
            return
        try:
            real_path, real_entry, _ = self.links.follow(w, path, entry)
            doc = self.loader.data(real_path, real_entry.sha)
            if not isinstance(doc, dict):
                raise DocumentError("defaults must be a mapping")
        except DocumentError as exc:
            w.errors[Key(path)] = Problem(str(exc))
            return
        w.defaults = without_structure(doc, self.layout)

    def _check_prompt(self, w: World, path: str, entry: FileEntry | None) -> None:
        w.errors.pop(Key(path), None)
        if entry is None:
            return
        try:
            _, entry, _ = self.links.follow(w, path, entry)
            self.loader.text(entry.sha)
        except DocumentError as exc:
            w.errors[Key(path)] = Problem(str(exc))

    # -- resolving models --------------------------------------------------

    def _prompt_entry(self, w: World, path: str) -> FileEntry | None:
        entry = w.entries.get(path)
        if entry is None:
            assert w.commit is not None  # a World being advanced knows its commit
            entry = self.repo.lookup(w.commit, path)
            if entry is None:
                return None
            w.entries[path] = entry  # tracked from now on, so later edits are seen
        try:
            _, entry, _ = self.links.follow(w, path, entry)
        except DocumentError:
            return None
        return entry

    def _resolve(self, w: World, name: str) -> set[str]:
        """Recompute one model's effective config; returns prompts whose bound state flipped."""
        raw = w.raw.get(name)
        old = w.effective.get(name)
        key = Key(raw.source if raw else "", Where.MODEL, name)
        stale = list(w.errors.unresolved(name))
        for k in stale:
            del w.errors[k]
        new: Effective | None = None
        paths: set[str] = set()
        names: set[str] = set()
        if raw is not None and raw.deployed:
            try:
                chain = ancestry(name, w.raw)
                names |= {m.name for m in chain[1:]}
                config = merged_config(chain, w.defaults, self.layout.inherit)
                prompts = []
                for p in bound_prompts(config, name):
                    paths.add(p)
                    entry = self._prompt_entry(w, p)
                    if entry is None:
                        raise ModelError(f"model '{name}' binds {p}, which does not exist")
                    try:
                        self.loader.text(entry.sha)
                    except DocumentError as exc:
                        w.errors[Key(p)] = Problem(str(exc))
                        raise
                    prompts.append((p, entry.sha))
                new = Effective(name, raw.source, config, tuple(prompts))
            except ModelError as exc:
                w.errors[key] = Problem(str(exc), name)
                new = old
                # Depend on every name the broken chain reaches (not only a missing one), so
                # fixing any link of it (a base appearing, a cycle broken) re-resolves this.
                names |= set(extends_names(name, w.raw))
            except DocumentError:
                new = old  # an unreadable prompt is reported on the prompt itself
        elif raw is not None and raw.extends is not None:
            names.add(raw.extends)
        self._set_deps(w, name, frozenset(paths), frozenset(names))
        if new is None:
            w.effective.pop(name, None)
        else:
            w.effective[name] = new
        return self._rebind(w, old, new)

    def _set_deps(self, w: World, name: str, paths: frozenset[str], names: frozenset[str]) -> None:
        old = w.deps_of.get(name, NO_DEPS)
        if old.paths == paths and old.names == names:
            return  # the common case, checked before a Deps is made
        reindex(w.readers, name, old.paths, paths)
        reindex(w.heirs, name, old.names, names)
        w.deps_of[name] = Deps(paths, names)

    def _rebind(self, w: World, old: Effective | None, new: Effective | None) -> set[str]:
        if not (old and old.prompts) and not (new and new.prompts):
            return set()  # most models bind no prompt file
        before = {p for p, _ in old.prompts} if old else set()
        after = {p for p, _ in new.prompts} if new else set()
        flips = set()
        for p in before - after:
            w.bound[p] -= 1
            if not w.bound[p]:
                del w.bound[p]
                flips.add(p)
        for p in after - before:
            w.bound[p] = w.bound.get(p, 0) + 1
            if w.bound[p] == 1:
                flips.add(p)
        return flips
