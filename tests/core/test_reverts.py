"""Changes undone within the audited range (docs/blocked.md, diff/reverts): status
`reverted`, what reverted them, and the report streamed or kept saying the same."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from auditui.core.audit.context import resolve_context
from auditui.core.audit.run import AuditRun
from auditui.core.base.values import Type, Typed
from auditui.core.diff.reverts import RevertIndex
from auditui.core.formats import render, write
from tests.helpers.repo import RepoBuilder, audit, bare_remote, forget_changes, install_hook, push


def statuses(report) -> dict[str, tuple]:
    return {c.commit.subject: (c.status, c.reverted_by, c.reverts) for c in report.changes}


def test_a_change_and_its_revert_in_one_range(repo):
    repo.start({"models/a.toml": 'effort = "high"\n'})
    base = repo.head()
    lower = repo.commit("lower", {"models/a.toml": 'effort = "low"\n'})
    back = repo.commit("back", {"models/a.toml": 'effort = "high"\n'})
    report = audit(repo, base)
    assert statuses(report) == {
        "lower": ("reverted", back, None),
        "back": ("reverted", None, lower),
    }
    assert report.ok and report.totals.reverted == 2
    assert report.changes[0].rules == ["AUD001"]  # kept for the record, no longer blocking


def test_a_revert_that_also_does_something_else_is_judged(repo):
    repo.start({"models/a.toml": "t = 1\n", "models/b.toml": "t = 1\n"})
    base = repo.head()
    up = repo.commit("up", {"models/a.toml": "t = 2\n"})
    both = repo.commit("back and more", {"models/a.toml": "t = 1\n", "models/b.toml": "t = 5\n"})
    report = audit(repo, base)
    assert statuses(report) == {
        "up": ("reverted", both, None),
        "back and more": ("blocked", None, None),
    }
    del up


def test_a_partial_undo_reverts_nothing(repo):
    repo.start({"models/a.toml": "t = 1\nu = 1\n"})
    base = repo.head()
    repo.commit("two settings", {"models/a.toml": "t = 2\nu = 2\n"})
    repo.commit("one back", {"models/a.toml": "t = 1\nu = 2\n"})
    assert {s for s, *_ in statuses(audit(repo, base)).values()} == {"blocked"}


def test_a_chain_back_to_the_start_is_all_undone(repo):
    repo.start({"models/a.toml": "t = 1\n"})
    base = repo.head()
    first = repo.commit("one", {"models/a.toml": "t = 2\n"})
    repo.commit("two", {"models/a.toml": "t = 3\n"})
    back = repo.commit("back", {"models/a.toml": "t = 1.0\n"})  # 1.0 is 1 (same_value)
    assert statuses(audit(repo, base)) == {
        "one": ("reverted", back, None),
        "two": ("reverted", back, None),
        "back": ("reverted", None, first),
    }


def test_superseded_is_not_reverted(repo):
    repo.start({"models/a.toml": "t = 1\n"})
    base = repo.head()
    repo.commit("one", {"models/a.toml": "t = 2\n"})
    repo.commit("other", {"models/a.toml": "t = 5\n"})
    assert {s for s, *_ in statuses(audit(repo, base)).values()} == {"blocked"}


def test_a_file_broken_and_fixed_in_the_range_is_undone(repo):
    """A broken file carries no setting, yet the head carries none of it once fixed:
    the push with the fix is not blocked for ever by the commit that broke it."""
    repo.start({"models/a.toml": "t = 1\n"})
    base = repo.head()
    repo.commit("break", {"models/a.toml": "t = \n"})
    repo.commit("still broken", {"models/a.toml": "t = = 2\n"})
    broken = statuses(audit(repo, base))
    assert broken == {"break": ("blocked", None, None), "still broken": ("blocked", None, None)}
    fix = repo.commit("fix", {"models/a.toml": "t = 2\n"})
    report = audit(repo, base)
    assert statuses(report) == {
        "break": ("reverted", fix, None),
        "still broken": ("reverted", fix, None),
        "fix": ("blocked", None, None),  # t 1 -> 2 is a change like any other
    }
    assert report.changes[0].rules == ["AUD009"]


def test_a_file_fixed_back_to_what_it_was_leaves_nothing_to_judge(repo):
    repo.start({"models/a.toml": "t = 1\n"})
    base = repo.head()
    repo.commit("break", {"models/a.toml": "t = \n"})
    fix = repo.commit("fix", {"models/a.toml": "t = 1\n"})
    report = audit(repo, base)
    assert statuses(report) == {"break": ("reverted", fix, None)} and report.ok


def test_a_bad_collection_entry_is_not_undone_by_a_fix(tmp_path):
    from tests.helpers.repo import DEFAULT_POLICY

    policy = DEFAULT_POLICY + (
        '\n[[layout.collection]]\npath = "models.yaml"\nitems = "list"\nname_key = "name"\n'
    )
    repo = RepoBuilder(tmp_path / "r", policy)
    repo.start({"models.yaml": "- name: a\n  t: 1\n- name: b\n  t: 1\n"})
    base = repo.head()
    repo.commit("bad entry", {"models.yaml": "- name: a\n  t: 1\n- name: b\n  t: 1\n- t: 2\n"})
    repo.commit("fix entry", {"models.yaml": "- name: a\n  t: 1\n- name: b\n  t: 1\n"})
    report = audit(repo, base)
    (bad,) = [c for c in report.changes if c.commit.subject == "bad entry"]
    assert bad.rules == ["AUD009"] and "#" in bad.deltas[0].path
    assert "reverted" not in {c.status for c in report.changes}


def test_a_model_added_and_removed_again(repo):
    repo.start({"models/a.toml": "t = 1\n"})
    base = repo.head()
    added = repo.commit("add b", {"models/b.toml": "t = 1\nu = 'x'\n"})
    gone = repo.commit("drop b", {"models/b.toml": None})
    assert statuses(audit(repo, base)) == {
        "add b": ("reverted", gone, None),
        "drop b": ("reverted", None, added),
    }


def test_a_deletion_is_no_revert_of_the_changes_before_it(repo):
    """docs/blocked.md: a price change is not put back because the model was deleted months
    later (dify-official-plugins: 36 such verdicts). The change that added the model
    is (absent before, absent at head); the one that changed it keeps its verdict, and
    so does the deletion, which no longer only undoes reverted changes."""
    repo.start({"models/a.toml": "t = 1\n"})
    base = repo.head()
    added = repo.commit("add b", {"models/b.toml": "price = 1\nu = 'x'\n"})
    repo.commit("price", {"models/b.toml": "price = 2\nu = 'x'\n"})
    gone = repo.commit("drop b", {"models/b.toml": None})
    assert statuses(audit(repo, base)) == {
        "add b": ("reverted", gone, None),
        "price": ("blocked", None, None),
        "drop b": ("blocked", None, None),
    }
    del added


def test_a_setting_added_to_a_model_deleted_later_was_not_put_back(repo):
    """The model existed before the change: adding a key to it and deleting the model
    later leaves the head without the key, but nobody took the key back."""
    repo.start({"models/a.toml": "t = 1\n", "models/b.toml": "t = 1\n"})
    base = repo.head()
    repo.commit("limit b", {"models/b.toml": "t = 1\nmax_tokens = 10\n"})
    repo.commit("drop b", {"models/b.toml": None})
    assert statuses(audit(repo, base)) == {
        "limit b": ("blocked", None, None),
        "drop b": ("blocked", None, None),
    }
    assert streamed(repo, base, "text") == render(audit(repo, base), "text")


def test_a_model_renamed_away_was_not_put_back(tmp_path):
    """Renamed, a model lives on under its new name: what was done to it under the
    old one (here: since the model was added) is not undone by the rename."""
    from tests.core.test_history_renames import BODY, nested

    repo = nested(tmp_path)
    repo.start({"models/g/x.yaml": "thinking: high\n"})
    base = repo.head()
    repo.commit("add a", {"models/g/a.yaml": "thinking: high\n" + BODY})
    repo.commit("lower a", {"models/g/a.yaml": "thinking: low\n" + BODY})
    repo.commit("rename", {"models/g/a.yaml": None, "models/g/b.yaml": "thinking: low\n" + BODY})
    assert {s for s, *_ in statuses(audit(repo, base)).values()} == {"blocked"}


def test_the_pushed_revert_lets_the_push_through(tmp_path):
    repo = RepoBuilder(tmp_path / "work")
    repo.start({"models/a.toml": "max_tokens = 10\n"})
    bare_remote(repo, tmp_path)
    install_hook(repo)
    repo.commit("oops", {"models/a.toml": "max_tokens = 99999\n"})
    blocked = push(repo, "origin", "main")
    assert blocked.returncode != 0 and "[AUD001]" in blocked.stderr
    repo.commit("Revert oops", {"models/a.toml": "max_tokens = 10\n"})
    result = push(repo, "origin", "main")
    assert result.returncode == 0, result.stderr


def streamed(repo, base, fmt: str = "json") -> str:
    ctx = resolve_context(repo.path, base, "HEAD", None, default_base=False)
    out = io.StringIO()
    write(AuditRun(ctx), fmt, out)
    return out.getvalue()


def test_streamed_and_kept_reports_agree(repo):
    repo.start({"models/a.toml": "t = 1\n", "models/b.toml": "t = 1\n"})
    base = repo.head()
    repo.commit("a up", {"models/a.toml": "t = 2\n"})
    repo.commit("b up", {"models/b.toml": "t = 2\n"})
    repo.commit("a back", {"models/a.toml": "t = 1\n"})
    for fmt in ("json", "text"):
        kept = render(audit(repo, base), fmt)
        assert streamed(repo, base, fmt) == kept  # the marked ones judged again, in place
        forget_changes(repo)
        assert streamed(repo, base, fmt) == kept  # walked, stored, then judged again
    doc = json.loads(render(audit(repo, base), "json"))
    assert doc["summary"]["reverted"] == 2 and doc["summary"]["blocked"] == 1
    assert "REVERTED" in kept and "1 blocked, 0 passed, 0 exempt, 2 reverted" in kept


def test_streamed_without_a_store_walks_again(tmp_path):
    """A rollout policy keeps no per-commit store: the range is judged twice."""
    from tests.helpers.repo import DEFAULT_POLICY

    rollout = "\n[rollout]\nstages = [1, 10, 50, 100]\nsoak_hours = 24\n"
    repo = RepoBuilder(tmp_path / "r", DEFAULT_POLICY + rollout)
    repo.start({"models/a.toml": "t = 1\n"})
    base = repo.head()
    repo.commit("up", {"models/a.toml": "t = 2\n"})
    repo.commit("down", {"models/a.toml": "t = 1\n"})
    kept = render(audit(repo, base), "json")
    assert streamed(repo, base) == kept
    assert json.loads(kept)["summary"]["reverted"] == 2


def test_log_of_one_model_says_reverted_too(repo):
    repo.start({"models/a.toml": "t = 1\n"})
    repo.commit("up", {"models/a.toml": "t = 2\n"})
    repo.commit("down", {"models/a.toml": "t = 1\n"})
    whole = statuses(audit(repo))
    one = statuses(audit(repo, only_models=frozenset({"a"})))
    assert one == {k: v for k, v in whole.items() if k in one} and one["up"][0] == "reverted"


class _Delta:
    def __init__(self, model, path, old, new):
        self.model, self.path, self.old, self.new, self.kind = model, path, old, new, "changed"


class _Commit:
    def __init__(self, sha):
        self.sha = sha


class _Change:
    def __init__(self, sha, deltas):
        self.commit, self.deltas = _Commit(sha), deltas


_M = 2**61 - 1  # the modulus of Python's integer hash
_DAY, _NAN = Typed(Type.DATE, "2026-01-01"), Typed(Type.FLOAT, "nan")
# Values whose hashes collide or whose == is not same_value's: huge integers (4096 and
# 4096 + _M hash alike, -4096 - _M as -4096; beyond 2**64 too), -1 and -2 (CPython
# hashes -1 as -2), floats equal to integers, booleans against 1 and 0, the types JSON
# lacks against the strings that print alike, lists and mappings holding all these.
_HUGE = [4096 + _M, 4096 + 2 * _M, -4096 - _M, _M, -_M, 2**61, 2**64, -(2**64), 2**100 + 4096]
_FLOATS = [1.0, -1.0, -2.0, 4096.0, 2.0**61, 2.0**64, 0.5]
_LOOKALIKES = ["1", "-1", "4096", "inf", "nan", "2026-01-01", _NAN, _DAY, Typed(Type.FLOAT, "inf")]
_HASHED_ALIKE = st.sampled_from(
    [0, 1, 2, -1, -2, 4096, -4096, True, False, None, *_HUGE, *_FLOATS, *_LOOKALIKES]
)
_ANY_VALUE = st.one_of(
    _HASHED_ALIKE,
    st.integers(),
    st.lists(_HASHED_ALIKE, max_size=2),
    st.dictionaries(st.sampled_from(["k", "l"]), _HASHED_ALIKE, max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_ANY_VALUE, max_size=8), max_size=4))
def test_interned_ids_are_equal_exactly_for_the_same_value(batches):
    """The integers the index keeps for values: `ids` gives what `plain_ids` gives,
    and two values share one exactly when same_value says they are one, however their
    hashes collide."""
    from itertools import combinations

    from auditui.core.base.values import same_value
    from auditui.core.diff.reverts import Interned

    fast, plain, seen = Interned(), Interned(), []
    for batch in batches:
        ids = fast.ids(batch)
        assert ids == plain.plain_ids(batch)
        seen += zip(batch, ids, strict=True)
    for (a, i), (b, j) in combinations(seen, 2):
        assert (i == j) == same_value(a, b), (a, b)


_REPLAYED = st.one_of(st.integers(-2, 3), _HASHED_ALIKE)


_EDIT = st.one_of(
    st.lists(
        st.tuples(st.sampled_from("xyz"), _REPLAYED),
        min_size=1,
        max_size=3,
        unique_by=lambda t: t[0],
    ),
    st.just("delete"),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_EDIT, min_size=1, max_size=8))
def test_reverted_means_the_head_holds_the_values_before(edits):
    """Against a plain replay, values compared by same_value: a change is reverted
    exactly when, for each setting it moved, the head's value was that setting's value
    before some change at or before it that a later change moved again; nothing else.
    And a deletion is no revert (docs/blocked.md): with the model deleted at head, only the
    changes that brought it into being can be."""
    from auditui.core.base.values import same_value

    values: dict = {"x": 0, "y": 0, "z": 0}
    present, changes, brought = True, [], []
    for n, edit in enumerate(edits):
        delete = edit == "delete"
        if delete and not present:
            continue
        if delete:
            edit = [(k, None) for k in values]
        deltas = [_Delta("m", k, values[k], v) for k, v in edit if not same_value(values[k], v)]
        if not deltas:
            continue  # a model deleted or brought back with no setting: no change
        for d in deltas:
            values[d.path] = d.new
        change = _Change(f"c{n}", deltas)
        if delete or not present:  # deleted, or brought back by this edit
            setattr(change, "vanished" if delete else "appeared", ("m",))
            present = not delete
        changes.append(change)
        brought.append(bool(getattr(change, "appeared", ())))
    index = RevertIndex()
    for change in changes:
        index.add(change)
    marks = index.marks()
    for i, change in enumerate(changes):
        expected = (present or brought[i]) and all(
            any(
                changes[h].deltas
                and any(d.path == key and same_value(d.old, values[key]) for d in changes[h].deltas)
                and any(d.path == key for c in changes[i + 1 :] for d in c.deltas)
                for h in range(i + 1)
            )
            for key in {d.path for d in change.deltas}
        )
        got = change.commit.sha in marks and marks[change.commit.sha].reverted_by is not None
        assert got == expected, (edits, i)


def test_a_policy_edit_and_its_undo(repo):
    from tests.helpers.repo import DEFAULT_POLICY

    repo.start({"models/a.toml": "t = 1\n"})
    base = repo.head()
    weaker = DEFAULT_POLICY.replace("required = 1", "required = 0")
    loosen = repo.commit("loosen", {".auditui.toml": weaker})
    back = repo.commit("tighten", {".auditui.toml": DEFAULT_POLICY})
    assert statuses(audit(repo, base)) == {
        "loosen": ("reverted", back, None),
        "tighten": ("reverted", None, loosen),
    }


def test_a_fixed_file_is_found_from_the_store_too(repo):
    """Served from the per-commit store the walk has no raw diffs: the fixing commit
    comes from one path-limited git log, and the report is the same."""
    repo.start({"models/a.toml": "t = 1\n", "models/b.toml": "t = 1\n"})
    base = repo.head()
    repo.commit("break a", {"models/a.toml": "t = \n"})
    repo.commit("other", {"models/b.toml": "t = 2\n"})
    fix = repo.commit("fix a", {"models/a.toml": "t = 3\n"})
    first = statuses(audit(repo))
    assert first["break a"] == ("reverted", fix, None)
    run = AuditRun(resolve_context(repo.path, None, "HEAD", None, default_base=False))
    assert run.light  # listed without raw diffs: the store holds every commit
    assert statuses(run.report(list(run))) == first
    assert statuses(audit(repo, base)) == {k: v for k, v in first.items() if k != "adopt auditui"}


def test_minus_one_and_minus_two_are_different_values(repo):
    """CPython hashes -1 as -2: the tokens must not (a limit moved from -1 to -2 and a
    later edit back to -2 is no revert of the first)."""
    repo.start({"models/a.toml": "t = -1\n"})
    base = repo.head()
    repo.commit("to -2", {"models/a.toml": "t = -2\n"})
    repo.commit("to 5", {"models/a.toml": "t = 5\n"})
    repo.commit("to -2 again", {"models/a.toml": "t = -2\n"})
    assert statuses(audit(repo, base))["to -2"] == ("blocked", None, None)


@pytest.mark.parametrize(
    ("start", "huge"), [(4096, 4096 + _M), (4096, 4096 + 2 * _M), (-4096, -4096 - _M)]
)
def test_a_value_that_only_hashes_as_the_old_one_is_no_revert(repo, capsys, start, huge):
    """Python hashes integers modulo 2**61 - 1: 4096 + (2**61 - 1) hashes as 4096.
    max_tokens 4096 -> 64000 -> that is two changes that stay (issue 25, item 4):
    equality decides a revert, and the check blocks."""
    from auditui.cli import main

    repo.start({"models/a.toml": f"max_tokens = {start}\n"})
    base = repo.head()
    repo.commit("raise", {"models/a.toml": "max_tokens = 64000\n"})
    repo.commit("huge", {"models/a.toml": f"max_tokens = {huge}\n"})
    assert hash(huge) == hash(start)
    report = audit(repo, base)
    assert statuses(report) == {"raise": ("blocked", None, None), "huge": ("blocked", None, None)}
    assert main(["check", "--repo", str(repo.path), "--base", base]) == 1
    assert "reverted" not in capsys.readouterr().out


_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([-1.0, 1.0, 0.5]),
    st.sampled_from(["a", "b", "-1"]),
    _HASHED_ALIKE,
)
# Lists and mappings (labels, a nested table) too: 1 and 1.0 alike in them, true not 1.
_VALUE = st.one_of(
    _SCALAR,
    st.lists(_SCALAR, max_size=2),
    st.dictionaries(st.sampled_from(["k", "l"]), _SCALAR, max_size=2),
)


_ROWS = st.tuples(st.sampled_from(["m", "n"]), st.sampled_from(["x", "y.z"]), _VALUE, _VALUE)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_ROWS, min_size=1, max_size=4), max_size=8))
def test_the_index_reads_plain_values_at_c_speed_exactly_as_one_by_one(changes):
    """RevertIndex.add takes a change that only moves settings without sorting its deltas
    out: the very values, settings and effects the per-delta loop and
    `Interned.plain_ids` give,
    for strings, numbers (-1, whose hash is -2, and integers hashed alike among them),
    booleans (which hash as 1 and 0), none, dates, nan, lists and mappings."""
    from types import SimpleNamespace

    import auditui.core.diff.reverts as reverts
    from auditui.core.diff.deltas import Delta

    def index(fast: bool):
        real, real_ids = reverts._settings_only, reverts.Interned.ids
        reverts._settings_only = real if fast else (lambda deltas: False)
        reverts.Interned.ids = real_ids if fast else reverts.Interned.plain_ids
        try:
            idx, found = reverts.RevertIndex(), []
            for n, rows in enumerate(changes):
                settings_: dict = {}  # one delta per setting, as a change has
                for m, p, o, v in rows:
                    settings_.setdefault((m, p), (o, v))
                deltas = [Delta(m, p, o, v, "changed") for (m, p), (o, v) in settings_.items()]
                found.append(
                    idx.add(SimpleNamespace(commit=SimpleNamespace(sha=f"c{n}"), deltas=deltas))
                )
            return (
                found,
                [list(a) for a in idx._settings],
                [list(a) for a in idx._before],
                [list(a) for a in idx._after],
                idx._last_value,
                idx._last_change,
                idx._by_effect,
                idx.marks(),
            )
        finally:
            reverts._settings_only, reverts.Interned.ids = real, real_ids

    assert index(fast=True) == index(fast=False)


_MODELS = st.lists(st.sampled_from(["m", "n"]), max_size=2, unique=True).map(tuple)
# What a change does to whole models: brings some into being, deletes some, renames one.
_LIFE = st.tuples(_MODELS, _MODELS, st.none() | st.permutations(["m", "n"]))


# Files a change leaves broken (a whole file, or one entry of a collection), and the
# commit that fixed each since (None: still broken at head).
_BROKEN = st.lists(st.tuples(st.sampled_from(["f.toml", "g.toml"]), st.booleans()), max_size=2)
_FIXES = st.dictionaries(st.sampled_from(["f.toml", "g.toml"]), st.none() | st.just("fix"))
# Rows whose values often repeat, so that settings are put back often.
_FEW = st.one_of(st.integers(0, 2), _VALUE)
_OFTEN_BACK = st.tuples(st.sampled_from(["m", "n"]), st.sampled_from(["x", "y.z"]), _FEW, _FEW)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.lists(_OFTEN_BACK, max_size=4), _LIFE, _BROKEN), max_size=10),
    st.sampled_from([None, frozenset({"m"})]),
    _FIXES,
)
@example(  # a change that puts a setting back and breaks a file: judged, reverts nothing
    [([("m", "x", 1, 2)], ((), (), None), []), ([("m", "x", 2, 1)], ((), (), None), [("f", 0)])],
    None,
    {},
)
def test_marks_are_the_plain_marks(changes, only_models, fixes):
    """RevertIndex.marks works over each change's arrays: the very marks of
    `plain_marks`, one setting at a time, on random histories of a few settings (values
    put back, moved again, undone in part; `log --model` leaving some ineligible;
    models brought into being, deleted and renamed; files broken, fixed or not, and bad
    entries of a collection)."""
    from types import SimpleNamespace

    from auditui.core.diff.deltas import Delta
    from auditui.core.diff.reverts import RevertIndex

    idx = RevertIndex(only_models)
    for n, (rows, (appeared, vanished, renamed), broken) in enumerate(changes):
        settings_: dict = {}
        for m, p, o, v in rows:
            settings_.setdefault((m, p), (o, v))
        deltas = [Delta(m, p, o, v, "changed") for (m, p), (o, v) in settings_.items()]
        if renamed:
            old, new = renamed
            deltas.append(Delta(new, "model:name", old, new, "renamed"))
        for path, entry in dict(broken).items():
            where = f"file:{path}#e" if entry else f"file:{path}"
            deltas.append(Delta(None, where, None, f"blob{n}", "invalid", source=path))
        if not deltas:
            continue
        idx.add(
            SimpleNamespace(
                commit=SimpleNamespace(sha=f"c{n}"),
                deltas=deltas,
                appeared=appeared,
                vanished=vanished,
            )
        )

    def fixed_by(broken: dict) -> dict:
        return {file: fixes.get(file) for file in broken}

    assert idx.gone_at_head() == idx.plain_gone_at_head()
    assert idx.marks(fixed_by) == idx.plain_marks(fixed_by)
    assert idx.marks() == idx.plain_marks()
