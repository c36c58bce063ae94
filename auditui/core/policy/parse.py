"""Reading `.auditui.toml` into a Policy: strict validation (unknown keys and wrong
types are errors), because a typo in a policy silently weakens the control it was
meant to express."""

from __future__ import annotations

import tomllib
from typing import Any

from auditui.core.base.errors import AuditError
from auditui.core.policy.model import (
    POLICY_FILE,
    Approvals,
    Collection,
    Diff,
    Evals,
    Inherit,
    Layout,
    Policy,
    Push,
    Rollout,
    Rule,
    Runner,
    Watch,
)

POLICY_HINT = "hint: fix the file; `auditui init` writes a commented example of every key"


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
