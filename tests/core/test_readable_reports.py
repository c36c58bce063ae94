"""Readable reports (SPEC 13, issue 26 item 8): a list item or model added or removed
whole is shown leaf by leaf, and no line carries more than 200 characters of one value;
the JSON report keeps the delta and its whole value."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from auditui.cli import main
from auditui.core.audit.report import Change
from auditui.core.base.terminal import safe
from auditui.core.base.values import Type, Typed
from auditui.core.diff.deltas import Delta
from auditui.core.formats.text_format import MAX_VALUE, render_change
from auditui.core.git.log import CommitInfo
from auditui.core.policy.model import Diff, Policy, Watch
from tests.helpers.repo import DEFAULT_POLICY, RepoBuilder

POLICY = DEFAULT_POLICY + '\n[diff]\nlist_ids = ["name"]\n'
HELP = "Constrains effort on reasoning for reasoning models. " * 8  # 424 characters
MODEL = """\
model: m
pricing:
  input: '1.00'
parameter_rules:
  - name: temperature
    use_template: temperature
"""
EFFORT = """\
  - name: reasoning_effort
    type: string
    default: medium
    options: [low, medium, high]
    help:
      en_US: {help}
    choices:
      - name: low
        cost: 1
"""


def check(capsys, repo: RepoBuilder, base: str, *options: str) -> str:
    main(["check", "--repo", str(repo.path), "--base", base, *options])
    return capsys.readouterr().out


def test_an_item_added_whole_is_shown_leaf_by_leaf_and_whole_in_json(tmp_path, capsys):
    """dify's case: a `parameter_rules` item added with its UI help text. The JSON has
    one delta with the whole item; the text one line per leaf, nested keyed lists
    walked by item too, an item's identity named by its path (not a line of its own,
    as `show` lists it), the help text cut at 200 characters."""
    repo = RepoBuilder(tmp_path / "r", POLICY)
    repo.start({"models/m.yaml": MODEL})
    base = repo.head()
    repo.commit("effort", {"models/m.yaml": MODEL + EFFORT.format(help=HELP)})
    (change,) = json.loads(check(capsys, repo, base, "--format", "json"))["changes"]
    (delta,) = change["deltas"]
    assert delta["path"] == "parameter_rules[name=reasoning_effort]"
    assert delta["old"] is None and delta["new"]["help"]["en_US"] == HELP.strip()
    lines = [words(ln) for ln in check(capsys, repo, base).splitlines() if ln.startswith("    m")]
    item = "m parameter_rules[name=reasoning_effort]"
    cut = HELP[: MAX_VALUE - 1] + "…"
    assert lines == [
        f"{item}.choices[name=low].cost ∅ -> 1 (added)",
        f"{item}.default ∅ -> medium (added)",
        f"{item}.help.en_US ∅ -> {words(cut)} (added)",
        f'{item}.options ∅ -> ["low", "medium", "high"] (added)',
        f"{item}.type ∅ -> string (added)",
    ]


def test_what_the_policy_ignores_inside_an_added_item_is_not_shown(tmp_path, capsys):
    """Issue 26's case: the UI text a policy ignores (`**.help`) sat inside an added
    rule's one-line blob. Shown leaf by leaf, the ignored leaves are left out (the
    JSON keeps the item whole, as its fingerprint does)."""
    repo = RepoBuilder(tmp_path / "r", POLICY + '\n[watch]\nignore = ["**.help"]\n')
    repo.start({"models/m.yaml": MODEL})
    base = repo.head()
    repo.commit("effort", {"models/m.yaml": MODEL + EFFORT.format(help=HELP)})
    lines = [words(ln) for ln in check(capsys, repo, base).splitlines() if ln.startswith("    m")]
    assert "m parameter_rules[name=reasoning_effort].default ∅ -> medium (added)" in lines
    assert not [line for line in lines if "help" in line or "Constrains" in line]
    (change,) = json.loads(check(capsys, repo, base, "--format", "json"))["changes"]
    assert change["deltas"][0]["new"]["help"]["en_US"] == HELP.strip()


def words(line: str) -> str:
    """A line with its column padding (and any run of spaces) as one space."""
    return " ".join(line.split())


def test_an_item_removed_whole_and_a_model_added_are_shown_leaf_by_leaf(tmp_path, capsys):
    """A removed item too; and an added model's keyed list, which was one leaf printed
    as a JSON list of tables, is walked item by item. `log` shows the same lines."""
    repo = RepoBuilder(tmp_path / "r", POLICY)
    repo.start({"models/m.yaml": MODEL + EFFORT.format(help="short")})
    base = repo.head()
    repo.commit("drop effort", {"models/m.yaml": MODEL})
    repo.commit("new model", {"models/n.yaml": MODEL.replace("model: m", "model: n")})
    text = check(capsys, repo, base)
    assert "{" not in text
    lines = {words(line) for line in text.splitlines()}
    assert {
        "m parameter_rules[name=reasoning_effort].default medium -> ∅ (removed)",
        "m parameter_rules[name=reasoning_effort].choices[name=low].cost 1 -> ∅ (removed)",
        "n parameter_rules[name=temperature].use_template ∅ -> temperature (added)",
        "n pricing.input ∅ -> 1.00 (added)",
    } <= lines
    main(["log", "--repo", str(repo.path), "--model", "n"])
    log = capsys.readouterr().out
    assert "    parameter_rules[name=temperature].use_template  ∅ -> temperature  (added)" in log
    report = check(capsys, repo, repo.git("rev-parse", "HEAD~"), "--format", "json")
    (change,) = json.loads(report)["changes"]
    rules = [d for d in change["deltas"] if d["path"] == "parameter_rules"]
    assert rules[0]["new"] == [{"name": "temperature", "use_template": "temperature"}]


def test_long_values_are_cut_where_they_differ_and_kept_whole_in_json(tmp_path, capsys):
    """A prompt kept in a plain key, edited at its end: both sides cut to 200
    characters, from just before where they differ (the start alone would read as no
    change); `show` cuts too; JSON and `show --format json` keep every character."""
    before = "You are a careful assistant. " * 20 + "Answer in English."
    after = before.replace("English.", "French.")
    repo = RepoBuilder(tmp_path / "r")
    repo.start({"models/a.json": json.dumps({"system": before, "t": 1})})
    base = repo.head()
    repo.commit("french", {"models/a.json": json.dumps({"system": after, "t": 1})})
    (line,) = [ln for ln in check(capsys, repo, base).splitlines() if "(changed)" in ln]
    old, new = line.split("  system  ")[1].removesuffix("  (changed)").split(" -> ")
    assert old.startswith("…") and new.startswith("…") and old != new
    assert len(old) <= MAX_VALUE and len(new) <= MAX_VALUE
    assert old.endswith("Answer in English.") and new.endswith("Answer in French.")
    (change,) = json.loads(check(capsys, repo, base, "--format", "json"))["changes"]
    assert change["deltas"][0]["new"] == after
    main(["show", "a", "--repo", str(repo.path)])
    (shown,) = [ln for ln in capsys.readouterr().out.splitlines() if "system =" in ln]
    assert shown == f"  system = {after[: MAX_VALUE - 1]}…"
    main(["show", "a", "--repo", str(repo.path), "--format", "json"])
    assert json.loads(capsys.readouterr().out)["config"]["system"] == after


def test_a_change_to_many_models_names_as_many_as_200_characters_hold(tmp_path, capsys):
    """A defaults edit moving 40 models: its `models:` line names the first ones and
    how many more (dify's longest line, 20,544 characters, named 446 models)."""
    repo = RepoBuilder(tmp_path / "r")
    names = [f"provider-with-a-long-name-model-{n:02}" for n in range(40)]
    repo.start(
        {"models/_defaults.toml": "x = 1\n"} | {f"models/{m}.toml": "t = 1\n" for m in names}
    )
    base = repo.head()
    repo.commit("defaults", {"models/_defaults.toml": "x = 2\n"})
    (line,) = [ln for ln in check(capsys, repo, base).splitlines() if ln.startswith("  models:")]
    listed = line.removeprefix("  models: ").split("   fingerprint")[0]
    assert listed == ", ".join(names[:5]) + ", … 35 more"
    assert len(listed) <= MAX_VALUE + len(", … 35 more")


# Arbitrary deltas as a change holds them. Model names, keys and item names have no
# space (so a line splits into its columns) and no value holds ">" (so its two sides
# split at " -> "); values hold anything else, control characters included.
WORDS = st.text(alphabet="abcxyz._-", min_size=1, max_size=8)
TEXT = st.text(st.characters(blacklist_characters=">"), max_size=450)
TYPED = st.sampled_from([Typed(Type.FLOAT, "inf"), Typed(Type.DATE, "2026-01-01")])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT, TYPED)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(WORDS, inner, min_size=1, max_size=3),
        st.lists(st.fixed_dictionaries({"name": WORDS}, optional={"v": inner}), max_size=3),
    ),
    max_leaves=8,
)
KINDS = st.sampled_from(["added", "removed", "changed", "increase"])
NAMES = st.text(alphabet="abcxyz_-", min_size=1, max_size=8)  # a path no leaf path can be
DELTAS = st.lists(
    st.tuples(st.one_of(st.none(), WORDS), NAMES, VALUES, VALUES, KINDS),
    min_size=1,
    max_size=4,
    unique_by=lambda row: row[1],
)
TYPE_SUFFIX = len(" (datetime)")  # the most a side gains where both print alike
COMMIT = CommitInfo("a" * 40, (), "n", "a@x", "2026-01-01", "2026-01-01", "subject")


@settings(max_examples=300, deadline=None)
@given(DELTAS, st.sampled_from([(), ("name",)]))
def test_no_line_carries_more_than_200_characters_of_one_value(rows, list_ids):
    """Each delta line is `model  path  old -> new  (kind)`: each side at most 200
    characters (and its type where both print alike), so the line at most its two
    columns and two such sides; a table added or removed whole is never one line."""
    policy = Policy(diff=Diff(list_ids=list_ids), watch=Watch(ignore=()))
    deltas = []
    for model, path, a, b, kind in rows:
        old, new = (None if kind == "added" else a), (None if kind == "removed" else b)
        kind = "added" if old is None else "removed" if new is None else kind
        deltas.append(Delta(model, path, old, new, kind))
    change = Change(COMMIT, deltas, "sha256:" + "0" * 64, "audit/x.toml", "blocked")
    lines = render_change(change, policy=policy).split("\n")[3:-2]
    at = 4 + max(len(safe(d.model or "-")) for d in deltas) + 2  # where the path starts
    paths = [line[at:].split(" ", 1)[0] for line in lines]
    values_at = at + max(map(len, paths)) + 2
    for line in lines:
        arrow = line[values_at : line.rindex("  (")]
        old, new = arrow.split(" -> ")
        assert len(old) <= MAX_VALUE + TYPE_SUFFIX and len(new) <= MAX_VALUE + TYPE_SUFFIX
        assert len(line) <= values_at + 2 * (MAX_VALUE + TYPE_SUFFIX) + 4 + 2 + len("(increase)")
    for d in deltas:
        whole = d.new if d.old is None else d.old if d.new is None else None
        if isinstance(whole, dict) and whole:
            assert d.path not in paths  # a keyed list may be walked too: not told here
        elif not isinstance(whole, list):
            assert d.path in paths
