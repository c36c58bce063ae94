"""Reading `.auditui.toml` into a Policy: strict validation (unknown keys and wrong
types are errors), because a typo in a policy silently weakens the control it was
meant to express."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from typing import Any, NamedTuple

from auditui.core.base.errors import AuditError
from auditui.core.base.paths import check_relative
from auditui.core.policy.model import (
    POLICY_FILE,
    Approvals,
    Collection,
    Diff,
    Evals,
    Inherit,
    Layout,
    Override,
    Policy,
    Push,
    Rollout,
    Rule,
    Runner,
    Watch,
)

POLICY_HINT = "hint: fix the file; `auditui init` writes a commented example of every key"


class Where(NamedTuple):
    """Where a value sits, as its errors name it: the policy file and the key in it
    (`[layout] records`, `[[rules]] #2 kinds`)."""

    source: str
    key: str

    def __str__(self) -> str:
        return f"{self.source}: {self.key}"

    def inner(self, key: str) -> Where:
        return Where(self.source, f"{self.key} {key}")


# A validator: the value as the Policy keeps it, or AuditError naming where it sits
# and what it must be.
Check = Callable[[Any, Where], Any]


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


def _bad(value: Any, where: Where, expected: str) -> AuditError:
    return AuditError(f"{where} must be {expected}, got {_describe(value)}", POLICY_HINT)


def string(value: Any, where: Where) -> str:
    if not isinstance(value, str) or not value:
        raise _bad(value, where, "a non-empty string")
    return value


def strings(value: Any, where: Where) -> tuple[str, ...]:
    """A list of strings; one string stands for a list of one."""
    listed = [value] if isinstance(value, str) else value
    if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
        raise _bad(value, where, "a list of strings")
    return tuple(listed)


def path(value: Any, where: Where) -> str:
    """A path the policy names is read, and for records written: it must stay inside
    the repository whatever a committed policy says."""
    try:
        return check_relative(string(value, where).rstrip("/"), where.key)
    except ValueError as exc:
        raise AuditError(f"{where.source}: {exc}", POLICY_HINT) from None


def optional_path(value: Any, where: Where) -> str | None:
    """A path, or none at all written as "" (or false)."""
    if value == "" or value is False:
        return None
    return path(value, where)


def _inside(glob: str, where: Where) -> str:
    if glob.startswith("/") or ".." in glob.split("/") or "\x00" in glob:
        raise AuditError(
            f"{where} must be globs of paths inside the repository, got {glob!r}", POLICY_HINT
        )
    return glob


def globs(value: Any, where: Where) -> tuple[str, ...]:
    """Path globs, each inside the repository."""
    return tuple(_inside(glob, where) for glob in strings(value, where))


def one_glob(value: Any, where: Where) -> str:
    return _inside(string(value, where), where)


def count(value: Any, where: Where) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _bad(value, where, "a non-negative integer")
    return value


def level(value: Any, where: Where) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise _bad(value, where, "a confidence level between 0 and 1 (such as 0.95)")
    return float(value)


def number(value: Any, where: Where) -> float:
    # `not value >= 0` also refuses nan, which would make every comparison pass.
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise _bad(value, where, "a non-negative number")
    return float(value) if value < 2**1000 else float("inf")  # float() would overflow


def hours(value: Any, where: Where) -> float:
    """A number of hours a deadline may be set out by: at most ten years."""
    if number(value, where) > 87_600:
        raise _bad(value, where, "a number of hours up to 87600 (ten years)")
    return float(value)


def increasing_numbers(value: Any, where: Where) -> tuple[float, ...]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        or any(v != v for v in value)  # nan
    ):
        raise _bad(value, where, "a non-empty list of numbers")
    if any(b <= a for a, b in zip(value, value[1:], strict=False)):
        raise _bad(value, where, "a list of numbers in increasing order")
    return tuple(value)


def boolean(value: Any, where: Where) -> bool:
    if not isinstance(value, bool):
        raise _bad(value, where, "true or false")
    return value


def ref_globs(value: Any, where: Where) -> tuple[str, ...]:
    refs = strings(value, where)
    for ref in refs:
        if not ref.startswith("refs/") or "\x00" in ref:
            raise _bad(
                value, where, 'a list of ref names or globs under refs/ (like "refs/heads/main")'
            )
    return refs


def one_of(*choices: str) -> Check:
    """A validator taking one of `choices` as written."""

    def check(value: Any, where: Where) -> str:
        if value not in choices:
            raise _bad(value, where, " or ".join(f'"{c}"' for c in choices))
        return value

    return check


def regex_and_replacement(value: Any, where: Where) -> tuple[str, str]:
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise _bad(value, where, '[regex, replacement], e.g. ["^(.+)$", "models/\\1"]')
    try:
        re.compile(value[0])
    except re.error as exc:
        raise AuditError(f"{where}: invalid regex ({exc})", POLICY_HINT) from None
    return value[0], value[1]


def _unknown(source: str, key: str, where: str, schema: dict[str, Check]) -> AuditError:
    """A key the policy does not know: a typo must not silently weaken a control."""
    return AuditError(
        f"{source}: unknown key '{key}' in {where} (known: {', '.join(sorted(schema))})",
        POLICY_HINT,
    )


def _table(value: Any, schema: dict[str, Check], name: str, where: Where) -> dict[str, Any]:
    """A sub-table's keys, each checked (unknown keys are errors, like everywhere)."""
    if not isinstance(value, dict):
        raise AuditError(f"{where} must be a {name} table", POLICY_HINT)
    out: dict[str, Any] = {}
    for key, v in value.items():
        if key not in schema:
            raise _unknown(where.source, key, name, schema)
        out[key] = schema[key](v, where.inner(key))
    return out


_COLLECTION_KEYS: dict[str, Check] = {
    "path": one_glob,
    "items": one_of("list", "mapping"),
    "name_key": string,
    "at": string,
    "decode": one_of("json", "yaml"),
}
_RUNNER_KEYS: dict[str, Check] = {"command": string, "timeout": number}
_INHERIT_KEYS: dict[str, Check] = {
    "key": string,
    "ref": regex_and_replacement,
    "omit": string,
    "merge": one_of("deep", "shallow"),
    "exclude": strings,
}


def collections(value: Any, where: Where) -> tuple[Collection, ...]:
    """[[layout.collection]] tables (one table stands for a list of one)."""
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise AuditError(f"{where} must be [[layout.collection]] tables", POLICY_HINT)
    out = []
    for n, table in enumerate(value, 1):
        at = where.inner(f"#{n}")
        kwargs = _table(table, _COLLECTION_KEYS, f"[[layout.collection]] #{n}", at)
        if "path" not in kwargs:
            raise AuditError(f"{at} needs a 'path'", POLICY_HINT)
        out.append(Collection(**kwargs))
    return tuple(out)


def runner(value: Any, where: Where) -> Runner:
    kwargs = _table(value, _RUNNER_KEYS, "[evals.runner]", where)
    if "command" not in kwargs:
        raise AuditError(f"{where} needs a 'command'", POLICY_HINT)
    return Runner(**kwargs)


def inherit(value: Any, where: Where) -> Inherit:
    return Inherit(**_table(value, _INHERIT_KEYS, "[layout.inherit]", where))


# Each section's keys and their validators; a key is kept as the dataclass field of
# its name (but for `_FIELDS`).
_SCHEMA: dict[str, dict[str, Check]] = {
    "layout": {
        "models": globs,
        "defaults": optional_path,
        "prompts": globs,
        "records": path,
        "naming": one_of("stem", "path"),
        "collection": collections,
        "bases": globs,
        "inline_prompts": strings,
        "inherit": inherit,
        "exclude": globs,
        "name_key": string,
    },
    "watch": {"keys": strings, "ignore": strings},
    "evals": {
        "required_suites": strings,
        "max_regression": number,
        "confidence": level,
        "min_samples": count,
        "runner": runner,
    },
    "approvals": {
        "required": count,
        "approvers": strings,
        "allow_self_approval": boolean,
        "require_signatures": boolean,
        "allowed_signers": path,
    },
    "rollout": {"key": string, "stages": increasing_numbers, "soak_hours": number},
    "diff": {"list_ids": strings},
    "push": {"protected": ref_globs, "allow_rewind": boolean, "gate": one_of("all", "protected")},
    "override": {"allowed": strings, "follow_up_hours": hours},
}
_FIELDS: dict[str, str] = {"collection": "collections"}  # a TOML key named unlike its field


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
    values = {section: _section(raw, section, source) for section in _SCHEMA}
    return Policy(
        layout=Layout(**values["layout"]),
        watch=Watch(**values["watch"]),
        scales=_scales(raw.get("scales", None), source),
        evals=Evals(**values["evals"]),
        approvals=Approvals(**values["approvals"]),
        rollout=Rollout(**values["rollout"]) if "rollout" in raw else None,
        diff=Diff(**values["diff"]),
        push=Push(**values["push"]),
        override=Override(**values["override"]),
        rules=_rules(raw.get("rules", []), source),
        owners=_owners(raw.get("owners", {}), source),
        raw=raw,
    )


def _section(raw: dict[str, Any], section: str, source: str) -> dict[str, Any]:
    """A section's values by dataclass field, each key checked by its validator."""
    schema = _SCHEMA[section]
    table = raw.get(section, {})
    if not isinstance(table, dict):
        raise AuditError(f"{source}: [{section}] must be a table", POLICY_HINT)
    values: dict[str, Any] = {}
    key: str  # TOML keys are strings
    for key, value in table.items():
        if key not in schema:
            raise _unknown(source, key, f"[{section}]", schema)
        values[_FIELDS.get(key, key)] = schema[key](value, Where(source, f"[{section}] {key}"))
    return values


def _scales(value: Any, source: str) -> dict[str, tuple[str, ...]]:
    if value is None:
        return Policy().scales
    if not isinstance(value, dict):
        raise AuditError(f"{source}: [scales] must be a table", POLICY_HINT)
    return {k: strings(v, Where(source, f"[scales] {k!r}")) for k, v in value.items()}


# The delta kinds a rule can match (docs/reports.md); `invalid` is never judged by a
# rule: a broken file needs fixing, not approving.
RULE_KINDS = (
    "added",
    "removed",
    "changed",
    "upgrade",
    "downgrade",
    "increase",
    "decrease",
    "text",
    "limit-added",
    "limit-removed",
    "limit-changed",
    "obligation-weakened",
    "obligation-strengthened",
    "obligation-removed",
    "obligation-added",
    "renamed",
)
_RULE_KEYS: dict[str, Check] = {
    "name": string,
    "keys": strings,
    "kinds": strings,
    "models": strings,
    "approvals": count,
    "suites": strings,
    "owners": boolean,
    "revert": boolean,
}


def _rules(value: Any, source: str) -> tuple[Rule, ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise AuditError(f"{source}: rules must be [[rules]] tables", POLICY_HINT)
    out, names = [], set()
    for n, table in enumerate(value, 1):
        where = Where(source, f"[[rules]] #{n}")
        kwargs = _table(table, _RULE_KEYS, where.key, where)
        if "name" not in kwargs:
            raise AuditError(
                f"{where} needs a 'name' (findings it causes are named by it)", POLICY_HINT
            )
        if kwargs["name"] in names:
            raise AuditError(f"{where}: a second rule named {kwargs['name']!r}", POLICY_HINT)
        names.add(kwargs["name"])
        unknown = [k for k in kwargs.get("kinds", ()) if k not in RULE_KINDS]
        if unknown:
            raise AuditError(
                f"{where}: unknown kind {unknown[0]!r}", f"hint: kinds are {', '.join(RULE_KINDS)}"
            )
        out.append(Rule(**kwargs))
    return tuple(out)


def _owners(value: Any, source: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise AuditError(f"{source}: [owners] must be a table of model globs", POLICY_HINT)
    return tuple(
        (models, strings(emails, Where(source, f"[owners] {models!r}")))
        for models, emails in value.items()
    )
