"""What the policy file `.auditui.toml` says, as frozen dataclasses: the layout of the
audited repository and the rules (parse.py reads the file into them, starter.py is
the commented example `auditui init` writes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cached_property, lru_cache
from typing import Any

from auditui.core.base.globs import is_glob, match_any, match_key, match_key_glob, match_path
from auditui.core.base.keypaths import prompt_file_and_part

POLICY_FILE = ".auditui.toml"


@dataclass(frozen=True)
class Collection:
    """A file (or glob of files) holding many models (docs/policy.md, Collections)."""

    path: str
    items: str = "list"  # "list" or "mapping"
    name_key: str = "name"
    at: str | None = None
    decode: str | None = None  # "json" / "yaml": the value at `at` is a string to decode


@dataclass(frozen=True)
class Inherit:
    """The repository's own inheritance (docs/policy.md, `[layout.inherit]`): the default
    is `extends = "NAME"`."""

    key: str = "extends"  # dotted key naming the parent
    ref: tuple[str, str] | None = None  # regex and replacement: the key's value -> a name
    omit: str | None = None  # dotted key: a list of dotted keys removed after the merge
    merge: str = "deep"  # or "shallow": the parent's top-level keys are replaced whole
    exclude: tuple[str, ...] = ()  # the parent's top-level keys never inherited


@dataclass(frozen=True)
class Layout:
    models: tuple[str, ...] = ("models/*.toml", "models/*.yaml", "models/*.yml", "models/*.json")
    defaults: str | None = "models/_defaults.toml"
    prompts: tuple[str, ...] = ("prompts/**/*.md", "prompts/**/*.txt")
    records: str = "audit"
    naming: str = "stem"
    collections: tuple[Collection, ...] = ()
    bases: tuple[str, ...] = ()  # model files others inherit from, never deployed themselves
    inline_prompts: tuple[str, ...] = ()  # dotted-key globs whose string values are prompts
    inherit: Inherit = field(default_factory=Inherit)
    # Paths never read as models, bases, prompts or collections, whatever else matches
    # them (a catalogue's `_position.yaml` lists, a JSON schema beside the models).
    exclude: tuple[str, ...] = ()
    name_key: str | None = None  # a model file is named by this key's string value

    def excluded(self, path: str) -> bool:
        return bool(self.exclude) and match_any(self.exclude, path)


@dataclass(frozen=True)
class Diff:
    list_ids: tuple[str, ...] = ("id", "name", "key", "type")  # identity fields of list items


@dataclass(frozen=True)
class Watch:
    keys: tuple[str, ...] = ("*",)
    ignore: tuple[str, ...] = ("description", "notes", "notes.*")


@dataclass(frozen=True)
class Evals:
    required_suites: tuple[str, ...] = ("coding",)
    max_regression: float = 1.0
    # Judge regressions statistically (docs/policy.md, error bars): the lower bound of
    # the interval of candidate - baseline at this level must be >= -max_regression.
    confidence: float | None = None
    min_samples: int | None = None
    runner: Runner | None = None  # [evals.runner]: how `auditui eval run` runs an eval


@dataclass(frozen=True)
class Rule:
    """What a change needs when one of its deltas matches (docs/policy.md, `[[rules]]`).
    Unset asks: the [approvals] / [evals] defaults."""

    name: str
    keys: tuple[str, ...] = ()  # dotted-key globs (default: any)
    kinds: tuple[str, ...] = ()  # delta kinds (default: any)
    models: tuple[str, ...] = ()  # model globs (default: any)
    approvals: int | None = None
    suites: tuple[str, ...] | None = None
    owners: bool = False
    revert: bool | None = None  # true: only a rollback to an audited state; false: never

    def matches(self, delta, is_revert: bool = False) -> bool:
        """Only a model's delta: those without a model are policy and signers edits,
        which always need `max(required, 1)` approvals whatever the rules ask
        (docs/policy.md, `[[rules]]`), or a rule written for prices ("decreases need
        nothing") would also pass a policy edit lowering `required`."""
        if delta.model is None:
            return False
        if self.revert is not None and self.revert != is_revert:
            return False
        if self.kinds and delta.kind not in self.kinds:
            return False
        if self.models and not any(fnmatchcase(delta.model, g) for g in self.models):
            return False
        return not self.keys or any(_key_matches(g, delta.path) for g in self.keys)


def _key_matches(glob: str, path: str) -> bool:
    """A rule's `keys` glob against a delta's path: a dotted-key glob for settings; for
    a prompt (`prompt:<file>`, its limits `prompt:<file>#limits`) `prompt:` and a path
    glob (git's wildmatch), which covers its limits too unless it names `#limits`.
    `**` alone matches every delta."""
    if glob == "**" or glob == path:
        return True
    if path.startswith("prompt:"):
        if not glob.startswith("prompt:"):
            return False
        file, part = prompt_file_and_part(path.removeprefix("prompt:"))
        want, want_part = prompt_file_and_part(glob.removeprefix("prompt:"))
        return match_path(want, file) and (not want_part or want_part == part)
    key, part = prompt_file_and_part(path)  # an inline prompt's parts: its key's
    if part:
        return match_key_glob(glob, path) or match_key_glob(glob, key)
    return match_key_glob(glob, path)


@dataclass(frozen=True)
class Runner:
    """`command` is an argument list, split once like a POSIX shell splits words and run
    without one, with {model}, {suite}, {config} and {output} each filled inside its own
    word per run, and in AUDITUI_MODEL & co. (core/features/runner.py: what it refuses, and why)."""

    command: str
    timeout: float = 3600.0


@dataclass(frozen=True)
class Approvals:
    required: int = 1
    approvers: tuple[str, ...] = ()
    allow_self_approval: bool = False
    require_signatures: bool = False
    allowed_signers: str = "allowed_signers"


@dataclass(frozen=True)
class Override:
    """Break-glass (docs/policy.md, `[override]`): who may let a change through before
    its evidence, and how long that evidence may then take (AUD014 after)."""

    allowed: tuple[str, ...] = ()  # nobody unless named
    follow_up_hours: float = 72


@dataclass(frozen=True)
class Rollout:
    key: str = "rollout.percent"
    stages: tuple[float, ...] = (1, 10, 50, 100)
    soak_hours: float = 24


@dataclass(frozen=True)
class Push:
    """How pushes move refs (docs/policy.md, `[push]`): what a server deploys is the tip
    of a protected ref, so an update of one is judged as the move of that ref."""

    protected: tuple[str, ...] | None = None  # ref globs; None: the HEAD branch and tags
    allow_rewind: bool = False  # a protected ref may move only forward
    gate: str = "all"  # or "protected": other refs get the verdict as a warning

    def protects(self, ref: str, head_branch: str | None) -> bool:
        """Whether `ref` is protected, given the destination's HEAD branch (a ref name,
        None when unknown)."""
        globs = self.protected
        if globs is None:
            globs = ("refs/tags/**", *((head_branch,) if head_branch else ()))
        return any(match_path(g, ref) for g in globs)


@dataclass(frozen=True)
class Policy:
    layout: Layout = field(default_factory=Layout)
    watch: Watch = field(default_factory=Watch)
    scales: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {"reasoning.effort": ("low", "medium", "high", "max")}
    )
    evals: Evals = field(default_factory=Evals)
    approvals: Approvals = field(default_factory=Approvals)
    rollout: Rollout | None = None
    diff: Diff = field(default_factory=Diff)
    rules: tuple[Rule, ...] = ()  # [[rules]]: evidence by what a change does
    owners: tuple[tuple[str, tuple[str, ...]], ...] = ()  # [owners]: model glob -> emails
    push: Push = field(default_factory=Push)
    override: Override = field(default_factory=Override)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def scale_for(self, path: str) -> tuple[str, ...] | None:
        """The scale of a setting: its exact key first, else the first glob listed."""
        return _scale_for(self._scale_items, path)

    @cached_property
    def _scale_items(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return tuple(self.scales.items())

    def key_rule(self, path: str) -> KeyRule | None:
        """How a setting's deltas are reported, or None when [watch] leaves it out.

        Decided once per key for the whole run: a catalogue repeats the same few
        hundred keys across thousands of models."""
        rules = self._key_rules
        if path not in rules:
            watched = match_key(self.watch.keys, path) and not match_key(self.watch.ignore, path)
            rules[path] = (
                KeyRule(
                    self.scale_for(path),
                    any(match_key_glob(g, path) for g in self.layout.inline_prompts),
                )
                if watched
                else None
            )
        return rules[path]

    @cached_property
    def _key_rules(self) -> dict[str, KeyRule | None]:
        return {}


@dataclass(frozen=True)
class KeyRule:
    scale: tuple[str, ...] | None  # an ordered scale: changes are upgrades/downgrades
    inline_prompt: bool  # a prompt kept in the config: a text delta with its limits


@lru_cache(maxsize=65536)
def _scale_for(
    scales: tuple[tuple[str, tuple[str, ...]], ...], path: str
) -> tuple[str, ...] | None:
    for key, scale in scales:
        if key == path:
            return scale
    for key, scale in scales:
        if is_glob(key) and match_key_glob(key, path):
            return scale
    return None
