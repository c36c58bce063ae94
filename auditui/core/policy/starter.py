"""The commented starter policy `auditui init` writes (docs/policy.md shows every key)."""

from __future__ import annotations

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

# Break-glass (docs/blocked.md): who may let a change through before its evidence with
# `auditui override CHANGE --reason TEXT` (empty: nobody), and the hours that evidence
# may then take before every check blocks the change again (AUD014):
# [override]
# allowed         = ["oncall-lead@example.com"]
# follow_up_hours = 72

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
