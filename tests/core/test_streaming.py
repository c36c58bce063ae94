"""What lets a long history stream: World tables shared between copies (pmap), and
`git log` parsed as it is read, cut anywhere (gitrepo.parse_log)."""

from __future__ import annotations

import subprocess

from hypothesis import given, settings
from hypothesis import strategies as st

from auditui.core.git.log import LOG_FORMAT, parse_log
from auditui.core.history.pmap import PMap
from auditui.core.history.problems import Key, Where

KEYS = st.sampled_from(["a", "b", "c", "d", ("p", "#1"), ("p", "")])
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("set"), KEYS, st.integers()),
        st.tuples(st.just("del"), KEYS, st.none()),
        st.tuples(st.just("pop"), KEYS, st.none()),
        st.tuples(st.just("setdefault"), KEYS, st.integers()),
        st.tuples(st.just("copy"), st.none(), st.none()),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(OPS)
def test_a_pmap_acts_as_a_dict_and_its_copies_keep_what_they_saw(ops):
    model, table = {}, PMap()
    copies: list[tuple[dict, PMap]] = []
    for op, key, value in ops:
        if op == "set":
            model[key] = value
            table[key] = value
        elif op == "del":
            if key in model:
                del model[key]
                del table[key]
        elif op == "pop":
            assert table.pop(key, "none") == model.pop(key, "none")
        elif op == "setdefault":
            assert table.setdefault(key, value) == model.setdefault(key, value)
        else:
            copies.append((dict(model), table.copy()))
        assert dict(table.items()) == model and table == model and len(table) == len(model)
        assert all((k in table) == (k in model) for k in ["a", "b", "c", "d"])
    for seen, copy in copies:
        assert copy == seen  # later writes to the original never reach a copy


def test_parse_log_gives_the_same_commits_however_the_output_is_cut(repo):
    repo.start({"models/a.toml": "x = 1\n"})
    repo.commit("b\x1eforged", {"models/b.toml": "y = 2\n", "prompts/p\u00e9.md": "hi\n"})
    repo.commit("c", {"models/a.toml": None, "models/c.toml": "z = 3\n"})
    out = subprocess.run(
        [
            "git",
            "log",
            "--reverse",
            "--root",
            "--raw",
            "-z",
            "--no-renames",
            "--no-abbrev",
            "--diff-merges=first-parent",
            f"--format={LOG_FORMAT}",
        ],
        cwd=repo.path,
        capture_output=True,
        check=True,
    ).stdout
    whole = parse_log(out)
    assert [len(c.changes) for c in whole] == [2, 2, 2]  # the policy file and a.toml first

    def shape(commits):
        return [(c, [(ch.path, ch.old, ch.new) for ch in c.changes]) for c in commits]

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.integers(0, len(out)), max_size=8))
    def cut_anywhere(cuts):
        bounds = [0, *sorted(cuts), len(out)]
        chunks = (out[a:b] for a, b in zip(bounds, bounds[1:], strict=False))
        assert shape(parse_log(chunks)) == shape(whole)

    cut_anywhere()


PROBLEM_KEYS = st.builds(
    Key,
    st.sampled_from(["a.toml", "b.yaml"]),
    st.sampled_from(list(Where)),
    st.sampled_from(["", "1", "x", "m", "n"]),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["set", "del", "pop", "copy"]), PROBLEM_KEYS), max_size=40)
)
def test_problems_know_each_files_and_each_models_keys_as_a_scan_would(ops):
    from auditui.core.history.problems import Problem, Problems

    table, copies = Problems(), []
    for op, key in ops:
        if op == "set":
            table[key] = Problem("broken")
        elif op == "del" and key in table:
            del table[key]
        elif op == "pop":
            table.pop(key, None)
        elif op == "copy":
            copies.append(({k: v for k, v in table.items()}, table.copy()))
    for seen, view in [*copies, (dict(table.items()), table)]:
        assert view == seen
        for path in ["a.toml", "b.yaml"]:
            assert view.of_path(path) == {k for k in seen if k.path == path}
        for model in ["m", "n"]:
            unresolved = {k for k in seen if k.where is Where.MODEL and k.name == model}
            assert view.unresolved(model) == unresolved


def test_the_collector_runs_less_during_walks_and_as_before_after_them(repo):
    """Interleaved walks (a hook's refs, the app reloading) never leave it raised."""
    import gc

    from auditui.core.audit.context import resolve_context
    from auditui.core.audit.run import AuditRun
    from auditui.core.base.collector import FIRST_THRESHOLD, fewer_collections

    before = gc.get_threshold()
    repo.start({"models/a.toml": "x = 1\n"})
    repo.commit("edit", {"models/a.toml": "x = 2\n"})
    first = iter(AuditRun(resolve_context(repo.path, None, "HEAD", default_base=False)))
    next(first)
    assert gc.get_threshold()[0] == max(before[0], FIRST_THRESHOLD)
    with fewer_collections():
        first.close()  # the first walk ends while another still runs
        assert gc.get_threshold()[0] == max(before[0], FIRST_THRESHOLD)
    assert gc.get_threshold() == before
