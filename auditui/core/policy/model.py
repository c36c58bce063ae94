"""The policy file `.auditui.toml`: layout of the audited repository and the rules.

Validation is strict (unknown keys and wrong types are errors) because a typo in a
policy silently weakens the control it was meant to express.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from auditui.core.base.errors import AuditError

POLICY_FILE = ".auditui.toml"
POLICY_HINT = "hint: fix the file; `auditui init` writes a commented example of every key"


@dataclass(frozen=True)
class Collection:
    """A file (or glob of files) holding many models (SPEC section 1, Collections)."""

    path: str
    items: str = "list"  # "list" or "mapping"
    name_key: str = "name"
    at: str | None = None
    decode: str | None = None  # "json" / "yaml": the value at `at` is a string to decode


@dataclass(frozen=True)
class Inherit:
    """The repository's own inheritance (SPEC 8): the default is section 1's `extends`."""

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
        from auditui.core.base.globs import match_any

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
    # Judge regressions statistically (SPEC 9): the lower bound of the interval of
    # candidate - baseline at this level must be >= -max_regression.
    confidence: float | None = None
    min_samples: int | None = None
    runner: Runner | None = None  # [evals.runner]: how `auditui eval run` runs an eval


@dataclass(frozen=True)
class Rule:
    """What a change needs when one of its deltas matches (SPEC 10). Unset asks: the
    [approvals] / [evals] defaults."""

    name: str
    keys: tuple[str, ...] = ()  # dotted-key globs (default: any)
    kinds: tuple[str, ...] = ()  # delta kinds (default: any)
    models: tuple[str, ...] = ()  # model globs (default: any)
    approvals: int | None = None
    suites: tuple[str, ...] | None = None
    owners: bool = False
    revert: bool | None = None  # true: only a rollback to an audited state; false: never

    def matches(self, delta, is_revert: bool = False) -> bool:
        """Only a model's delta: those without a model are policy and signers edits
        (SPEC 7), which always need `max(required, 1)` approvals whatever the rules
        ask, or a rule written for prices ("decreases need nothing") would also pass a
        policy edit lowering `required`."""
        from fnmatch import fnmatchcase

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
    glob (SPEC 7's wildmatch), which covers its limits too unless it names `#limits`.
    `**` alone matches every delta."""
    from auditui.core.base.globs import match_key_glob, match_path

    if glob == "**" or glob == path:
        return True
    if path.startswith("prompt:"):
        if not glob.startswith("prompt:"):
            return False
        file, _, part = path.removeprefix("prompt:").partition("#")
        want, _, want_part = glob.removeprefix("prompt:").partition("#")
        return match_path(want, file) and (not want_part or want_part == part)
    if path.endswith("#limits"):  # an inline prompt's limits: the key it is kept at
        return match_key_glob(glob, path) or match_key_glob(glob, path.removesuffix("#limits"))
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
        from auditui.core.base.globs import match_path

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
    rules: tuple[Rule, ...] = ()  # [[rules]]: evidence by what a change does (SPEC 10)
    owners: tuple[tuple[str, tuple[str, ...]], ...] = ()  # [owners]: model glob -> emails
    push: Push = field(default_factory=Push)
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
            from auditui.core.base.globs import match_key, match_key_glob

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


# key -> (kind, ) ; kinds: str, str?, strs, int, num, bool, nums
_SCHEMA: dict[str, dict[str, str]] = {
    "layout": {
        "models": "globs",
        "defaults": "path?",
        "prompts": "globs",
        "records": "path",
        "naming": "naming",
        "collection": "collections",
        "bases": "globs",
        "inline_prompts": "strs",
        "inherit": "inherit",
        "exclude": "globs",
        "name_key": "str",
    },
    "watch": {"keys": "strs", "ignore": "strs"},
    "evals": {
        "required_suites": "strs",
        "max_regression": "num",
        "confidence": "level",
        "min_samples": "int",
        "runner": "runner",
    },
    "approvals": {
        "required": "int",
        "approvers": "strs",
        "allow_self_approval": "bool",
        "require_signatures": "bool",
        "allowed_signers": "path",
    },
    "rollout": {"key": "str", "stages": "nums", "soak_hours": "num"},
    "diff": {"list_ids": "strs"},
    "push": {"protected": "refs", "allow_rewind": "bool", "gate": "gate"},
}
_COLLECTION_KEYS = {"path": "globs1", "items": "items", "name_key": "str", "at": "str",
                    "decode": "decode"}  # fmt: skip
_RUNNER_KEYS = {"command": "str", "timeout": "num"}
_INHERIT_KEYS = {"key": "str", "ref": "ref", "omit": "str", "merge": "merge", "exclude": "strs"}


def _describe(value: Any) -> str:
    names = {
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        list: "a list",
        dict: "a table",
    }
    return f"{names.get(type(value), type(value).__name__)} ({value!r})"[:80]


def _check(kind: str, value: Any, where: str) -> Any:
    def bad(expected: str) -> AuditError:
        return AuditError(f"{where} must be {expected}, got {_describe(value)}", POLICY_HINT)

    if kind == "str":
        if not isinstance(value, str) or not value:
            raise bad("a non-empty string")
        return value
    if kind == "str?":
        if value == "" or value is False:
            return None
        return _check("str", value, where)
    if kind in ("path", "path?"):
        # A path the policy names is read, and for records written: it must stay
        # inside the repository whatever a committed policy says.
        if kind == "path?" and (value == "" or value is False):
            return None
        from auditui.core.base.paths import check_relative

        try:
            return check_relative(_check("str", value, where).rstrip("/"), where.split(": ")[-1])
        except ValueError as exc:
            raise AuditError(f"{where.split(': ')[0]}: {exc}", POLICY_HINT) from None
    if kind in ("globs", "globs1"):
        values = (
            (_check("str", value, where),) if kind == "globs1" else _check("strs", value, where)
        )
        for glob in values:
            parts = glob.split("/")
            if glob.startswith("/") or ".." in parts or "\x00" in glob:
                raise AuditError(f"{where} must be globs of paths inside the repository, "
                                 f"got {glob!r}", POLICY_HINT)  # fmt: skip
        return values[0] if kind == "globs1" else values
    if kind == "strs":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad("a list of strings")
        return tuple(value)
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise bad("a non-negative integer")
        return value
    if kind == "level":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
            raise bad("a confidence level between 0 and 1 (such as 0.95)")
        return float(value)
    if kind == "num":
        # `not value >= 0` also refuses nan, which would make every comparison pass.
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
            raise bad("a non-negative number")
        return float(value) if value < 2**1000 else float("inf")  # float() would overflow
    if kind == "nums":
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            or any(v != v for v in value)  # nan
        ):
            raise bad("a non-empty list of numbers")
        if any(b <= a for a, b in zip(value, value[1:], strict=False)):
            raise bad("a list of numbers in increasing order")
        return tuple(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if kind == "naming":
        if value not in ("stem", "path"):
            raise bad('"stem" or "path"')
        return value
    if kind == "refs":
        refs = _check("strs", value, where)
        for ref in refs:
            if not ref.startswith("refs/") or "\x00" in ref:
                raise bad('a list of ref names or globs under refs/ (like "refs/heads/main")')
        return refs
    choices = {"items": ("list", "mapping"), "merge": ("deep", "shallow"),
               "decode": ("json", "yaml"), "gate": ("all", "protected")}  # fmt: skip
    if kind in choices:
        if value not in choices[kind]:
            raise bad(" or ".join(f'"{c}"' for c in choices[kind]))
        return value
    if kind == "ref":
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str)
                                                                    for v in value)):  # fmt: skip
            raise bad('[regex, replacement], e.g. ["^(.+)$", "models/\\1"]')
        import re

        try:
            re.compile(value[0])
        except re.error as exc:
            raise AuditError(f"{where}: invalid regex ({exc})", POLICY_HINT) from None
        return tuple(value)
    raise AssertionError(kind)


def parse_policy(text: str, source: str = POLICY_FILE) -> Policy:
    """Parse and validate policy text; AuditError names the file, key and fix."""
    try:
        raw = tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or an integer of more than 4300 digits
        message = str(exc).split("; use sys.")[0]
        raise AuditError(f"{source}: invalid TOML: {message}", POLICY_HINT) from None
    except RecursionError:
        raise AuditError(f"{source}: invalid TOML: nested too deeply", POLICY_HINT) from None
    known = set(_SCHEMA) | {"scales", "rules", "owners"}
    for section in raw:
        if section not in known:
            raise AuditError(
                f"{source}: unknown section [{section}] (known: {', '.join(sorted(known))})",
                POLICY_HINT,
            )
    values: dict[str, dict[str, Any]] = {}
    for section, schema in _SCHEMA.items():
        table = raw.get(section, {})
        if not isinstance(table, dict):
            raise AuditError(f"{source}: [{section}] must be a table", POLICY_HINT)
        values[section] = {}
        for key, value in table.items():
            if key not in schema:
                raise AuditError(
                    f"{source}: unknown key '{key}' in [{section}] "
                    f"(known: {', '.join(sorted(schema))})",
                    POLICY_HINT,
                )
            where = f"{source}: [{section}] {key}"
            if schema[key] == "collections":
                values[section]["collections"] = _collections(value, where, source)
            elif schema[key] == "runner":
                runner = _table(value, _RUNNER_KEYS, "[evals.runner]", where, source)
                if "command" not in runner:
                    raise AuditError(f"{where} needs a 'command'", POLICY_HINT)
                values[section]["runner"] = Runner(**runner)
            elif schema[key] == "inherit":
                values[section]["inherit"] = Inherit(
                    **_table(value, _INHERIT_KEYS, "[layout.inherit]", where, source)
                )
            else:
                values[section][key] = _check(schema[key], value, where)
    scales_raw = raw.get("scales", None)
    scales = Policy().scales
    if scales_raw is not None:
        if not isinstance(scales_raw, dict):
            raise AuditError(f"{source}: [scales] must be a table", POLICY_HINT)
        scales = {k: _check("strs", v, f"{source}: [scales] {k!r}") for k, v in scales_raw.items()}
    return Policy(
        layout=Layout(**values["layout"]),
        watch=Watch(**values["watch"]),
        scales=scales,
        evals=Evals(**values["evals"]),
        approvals=Approvals(**values["approvals"]),
        rollout=Rollout(**values["rollout"]) if "rollout" in raw else None,
        diff=Diff(**values["diff"]),
        push=Push(**values["push"]),
        rules=_rules(raw.get("rules", []), source),
        owners=_owners(raw.get("owners", {}), source),
        raw=raw,
    )


# The delta kinds a rule can match (docs/reports.md); `invalid` is never judged by a
# rule: a broken file needs fixing, not approving.
RULE_KINDS = ("added", "removed", "changed", "upgrade", "downgrade", "increase", "decrease",
              "text", "limit-added", "limit-removed", "limit-changed", "renamed")  # fmt: skip
_RULE_KEYS = {"name": "str", "keys": "strs", "kinds": "strs", "models": "strs",
              "approvals": "int", "suites": "strs", "owners": "bool",
              "revert": "bool"}  # fmt: skip


def _rules(value: Any, source: str) -> tuple[Rule, ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise AuditError(f"{source}: rules must be [[rules]] tables", POLICY_HINT)
    out, names = [], set()
    for n, table in enumerate(value, 1):
        where = f"{source}: [[rules]] #{n}"
        kwargs = _table(table, _RULE_KEYS, f"[[rules]] #{n}", where, source)
        if "name" not in kwargs:
            raise AuditError(f"{where} needs a 'name' (findings it causes are named by it)",
                             POLICY_HINT)  # fmt: skip
        if kwargs["name"] in names:
            raise AuditError(f"{where}: a second rule named {kwargs['name']!r}", POLICY_HINT)
        names.add(kwargs["name"])
        unknown = [k for k in kwargs.get("kinds", ()) if k not in RULE_KINDS]
        if unknown:
            raise AuditError(f"{where}: unknown kind {unknown[0]!r}",
                             f"hint: kinds are {', '.join(RULE_KINDS)}")  # fmt: skip
        out.append(Rule(**kwargs))
    return tuple(out)


def _owners(value: Any, source: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise AuditError(f"{source}: [owners] must be a table of model globs", POLICY_HINT)
    return tuple((glob, tuple(_check("strs", emails, f"{source}: [owners] {glob!r}")))
                 for glob, emails in value.items())  # fmt: skip


@lru_cache(maxsize=65536)
def _scale_for(scales: tuple[tuple[str, tuple[str, ...]], ...], path: str):
    from auditui.core.base.globs import is_glob, match_key_glob

    for key, scale in scales:
        if key == path:
            return scale
    for key, scale in scales:
        if is_glob(key) and match_key_glob(key, path):
            return scale
    return None


def _table(value: Any, schema: dict[str, str], name: str, where: str, source: str) -> dict:
    """A sub-table's keys, each checked (unknown keys are errors, like everywhere)."""
    if not isinstance(value, dict):
        raise AuditError(f"{where} must be a {name} table", POLICY_HINT)
    out: dict[str, Any] = {}
    for key, v in value.items():
        if key not in schema:
            raise AuditError(
                f"{source}: unknown key '{key}' in {name} (known: {', '.join(sorted(schema))})",
                POLICY_HINT,
            )
        out[key] = _check(schema[key], v, f"{where} {key}")
    return out


def _collections(value: Any, where: str, source: str) -> tuple[Collection, ...]:
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise AuditError(f"{where} must be [[layout.collection]] tables", POLICY_HINT)
    out = []
    for n, table in enumerate(value, 1):
        kwargs = _table(table, _COLLECTION_KEYS, f"[[layout.collection]] #{n}", f"{where} #{n}",
                        source)  # fmt: skip
        if "path" not in kwargs:
            raise AuditError(f"{where} #{n} needs a 'path'", POLICY_HINT)
        out.append(Collection(**kwargs))
    return tuple(out)


_STARTER_HEAD = """\
# auditui policy: which files hold model configs, and what a change to them needs.
# Every key is optional; the values shown are the defaults. Reference: docs/policy.md
# in auditui.

"""
STARTER_EXAMPLES = """\
# Models others inherit from, never served themselves: an edit to one is reported on
# every model built on it.
# bases = ["models/bases/*.toml"]
# Paths never read as models, bases, prompts or collections, whatever else matches:
# exclude = ["**/_position.yaml", "**/schemas/**"]
# Model files named by one of their values (its key is then no setting), not the stem:
# name_key = "model"
# Dotted-key globs whose string values are prompts (a text diff, limits extracted):
# inline_prompts = ["**.system_template", "preprompt"]

# Files holding many models:
# [[layout.collection]]
# path     = "resources/model-settings.yml"
# items    = "list"      # or "mapping" (top-level keys are model names)
# name_key = "name"
# at       = "models"    # dotted key where the list/mapping sits
# decode   = "json"      # the value at `at` is a string holding JSON (or "yaml")

# The repository's own inheritance (the default is `extends = "NAME"`):
# [layout.inherit]
# key     = "base_model"               # dotted key naming the parent
# ref     = ['^(.+)$', 'models/\\1']   # regex and replacement: its value -> a model name
# omit    = "base_model_omit"          # dotted key: a list of keys removed after the merge
# merge   = "deep"                     # or "shallow": the parent's top-level keys replaced
# exclude = ["benchmarks"]             # the parent's keys never inherited
"""
STARTER_LAYOUT = (
    """\
[layout]
# One model per file, named by its file stem (models/opus-4.7.yaml -> "opus-4.7").
models   = ["models/*.toml", "models/*.yaml", "models/*.yml", "models/*.json"]
# Merged under every model; not a model itself.
defaults = "models/_defaults.toml"
# System prompts; a model binds them with `system_prompt = "prompts/x.md"`.
prompts  = ["prompts/**/*.md", "prompts/**/*.txt"]
# Folder of audit records (<first 16 hex of fingerprint>.toml).
records  = "audit"
# naming = "path"   # name models by path, for catalogues that reuse stems
"""
    + STARTER_EXAMPLES
)
_STARTER_WATCH = """
[watch]
# Dotted-key globs whose change needs an audit, and those that never do.
keys   = ["*"]
ignore = ["description", "notes", "notes.*"]

"""
STARTER_SCALES = """\
[scales]
# Ordered low -> high: a move down is a "downgrade". Keys may be dotted-key globs (an
# exact key wins, then the first glob listed): "**.reasoning_effort" = [...]
"reasoning.effort" = ["low", "medium", "high", "max"]
"""
_STARTER_REST = """
# Lists of mappings are compared item by item, by the first of these fields every
# item carries (a price tier's change is then tiers[start=272000].price):
# [diff]
# list_ids = ["id", "name", "key", "type"]

[evals]
required_suites = ["coding"]   # each affected model needs an eval on each suite
max_regression  = 1.0          # points a candidate may fall below its baseline

[approvals]
required            = 1        # approvals needed per change
approvers           = []       # allowed approver emails; empty = anyone but the author
allow_self_approval = false
require_signatures  = false
allowed_signers     = "allowed_signers"

# Gradual rollout and soak enforcement:
# [rollout]
# key        = "rollout.percent"
# stages     = [1, 10, 50, 100]
# soak_hours = 24

# Pushes (both hooks): a protected ref is judged as the move of that ref and may only
# move forward; other refs, the commits the destination has on no ref.
# [push]
# protected    = ["refs/heads/main", "refs/heads/release/*"]  # default: HEAD branch, tags
# allow_rewind = false
# gate         = "all"     # "protected": other refs only warn (push for review first)

# Who owns which models (model-name globs; the last matching line wins):
# [owners]
# "*"      = ["platform@example.com"]
# "opus-*" = ["alice@example.com", "bob@example.com"]

# Evidence by what a change does: a change needs the strictest of the rules its
# deltas match (deltas no rule matches: [evals] and [approvals] above). Policy and
# signers edits always need [approvals] required (at least 1).
# [[rules]]
# name      = "effort-downgrade"
# keys      = ["reasoning.effort", "**.reasoning_effort"]  # prompts: "prompt:prompts/**"
# kinds     = ["downgrade", "decrease", "limit-added"]
# models    = ["opus-*"]
# approvals = 2
# suites    = ["coding", "agentic"]
# owners    = true           # each affected model needs one of its owners' approvals
#
# [[rules]]
# name      = "metadata"
# keys      = ["cost.**", "release_date"]
# approvals = 0
# suites    = []             # a change touching only these needs no record at all
#
# [[rules]]
# name      = "rollback"
# revert    = true           # a change exactly inverting an earlier one
# approvals = 1
# suites    = []
"""


def starter(
    layout: str = STARTER_LAYOUT, scales: str = STARTER_SCALES, watch: str | None = None
) -> str:
    """A commented starter policy; `auditui init` passes what it proposes."""
    return _STARTER_HEAD + layout + (watch or _STARTER_WATCH) + scales + _STARTER_REST


STARTER = starter()
