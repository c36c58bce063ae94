"""Audit records: strict parsing, latest-entry semantics, append-only atomic writes."""

from __future__ import annotations

import datetime as dt
import os
import tomllib

import pytest

from auditui.core.base.errors import AuditError
from auditui.core.evidence.records import (
    Approval,
    EvalResult,
    Record,
    RecordError,
    append_entries,
    atomic_write,
    now_utc,
    parse_record,
    record_name,
)
from tests.helpers.repo import git

FP = "sha256:9f2c" + "0" * 60
OTHER_FP = "sha256:1234" + "0" * 60

SPEC_RECORD = '''\
fingerprint = "sha256:9f2c000000000000000000000000000000000000000000000000000000000000"
summary     = "Lower default reasoning effort high -> medium"
models      = ["opus-4.6", "opus-4.7"]

[[evals]]
model     = "opus-4.6"
suite     = "coding"
baseline  = 72.4
candidate = 69.4
samples   = 1200
run       = "ci://eval/8812"
recorded_by = "carol@example.com"
at        = 2026-03-04T09:12:00Z

[[approvals]]
by        = "bob@example.com"
verdict   = "approve"
at        = 2026-03-04T11:40:00Z
comment   = "effort drop ok for latency; evals within budget"
signature = """-----BEGIN SSH SIGNATURE-----
abc
-----END SSH SIGNATURE-----"""
'''


@pytest.fixture
def tree(tmp_path):
    """A git work tree: records are written only in one (the lock is in its git dir)."""
    git(tmp_path, "init", "-q")
    return tmp_path


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_record_name_is_first_16_hex_of_the_fingerprint():
    assert record_name(FP) == "9f2c000000000000.toml"
    assert record_name("sha256:" + "ab" * 32) == "abababababababab.toml"


def test_spec_example_parses():
    rec = parse_record("audit/9f2c000000000000.toml", SPEC_RECORD)
    assert rec.path == "audit/9f2c000000000000.toml"
    assert rec.fingerprint == FP
    assert rec.summary == "Lower default reasoning effort high -> medium"
    assert rec.models == ("opus-4.6", "opus-4.7")
    (ev,) = rec.evals
    assert ev == EvalResult(
        "opus-4.6",
        "coding",
        72.4,
        69.4,
        1200,
        "ci://eval/8812",
        "carol@example.com",
        utc(2026, 3, 4, 9, 12),
    )
    assert ev.delta == pytest.approx(-3.0)
    (ap,) = rec.approvals
    assert (ap.by, ap.verdict, ap.at) == ("bob@example.com", "approve", utc(2026, 3, 4, 11, 40))
    assert ap.comment.startswith("effort drop ok")
    assert ap.signature.startswith("-----BEGIN SSH SIGNATURE-----\nabc\n")


def test_minimal_record_is_valid():
    rec = parse_record("r.toml", f'fingerprint = "{FP}"\n')
    assert rec == Record("r.toml", FP)
    assert rec.evals == () and rec.approvals == () and rec.models == () and rec.summary == ""


def test_optional_eval_fields_may_be_absent_and_ints_become_floats():
    rec = parse_record(
        "r.toml",
        f'fingerprint = "{FP}"\n[[evals]]\nmodel = "a"\nsuite = "s"\nbaseline = 70\n'
        "candidate = 71\n",
    )
    (ev,) = rec.evals
    assert (ev.baseline, ev.candidate) == (70.0, 71.0)
    assert isinstance(ev.baseline, float)
    assert (ev.samples, ev.run, ev.recorded_by, ev.at) == (None, None, None, None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-04T11:40:00Z", utc(2026, 3, 4, 11, 40)),
        ('"2026-03-04T11:40:00Z"', utc(2026, 3, 4, 11, 40)),
        ('"2026-03-04T13:40:00+02:00"', utc(2026, 3, 4, 11, 40)),
        ("2026-03-04T13:40:00+02:00", utc(2026, 3, 4, 11, 40)),
        ("2026-03-04T11:40:00", utc(2026, 3, 4, 11, 40)),  # local time is read as UTC
        ('"2026-03-04 11:40:00"', utc(2026, 3, 4, 11, 40)),
    ],
)
def test_approval_at_forms(value, expected):
    text = f'fingerprint = "{FP}"\n[[approvals]]\nby = "b@x"\nverdict = "approve"\nat = {value}\n'
    (ap,) = parse_record("r.toml", text).approvals
    assert ap.at == expected
    assert ap.at.tzinfo is not None


BAD_RECORDS = [
    ("", "missing `fingerprint`"),
    ('summary = "x"\n', "missing `fingerprint`"),
    ("fingerprint = 3\n", "`fingerprint` must be str"),
    ("fingerprint = true\n", "`fingerprint` must be str"),
    (f'fingerprint = "{FP}"\nsummary = 3\n', "`summary` must be a string"),
    (f'fingerprint = "{FP}"\nmodels = "a"\n', "`models` must be a list"),
    (f'fingerprint = "{FP}"\nmodels = ["a", 1]\n', "`models` must be a list"),
    (f'fingerprint = "{FP}"\nevals = 3\n', "`evals` must be an array of tables"),
    (f'fingerprint = "{FP}"\nevals = [1]\n', "[[evals]] #1 must be a table"),
    (f'fingerprint = "{FP}"\napprovals = {{by = "x"}}\n', "`approvals` must be an array"),
    (f'fingerprint = "{FP}"\napprovals = ["x"]\n', "[[approvals]] #1 must be a table"),
    # evals
    (f'fingerprint = "{FP}"\n[[evals]]\nsuite = "s"\nbaseline = 1\ncandidate = 1\n', "`model`"),
    (f'fingerprint = "{FP}"\n[[evals]]\nmodel = "m"\nbaseline = 1\ncandidate = 1\n', "`suite`"),
    (f'fingerprint = "{FP}"\n[[evals]]\nmodel = "m"\nsuite = "s"\ncandidate = 1\n', "`baseline`"),
    (f'fingerprint = "{FP}"\n[[evals]]\nmodel = "m"\nsuite = "s"\nbaseline = 1\n', "`candidate`"),
    (
        f'fingerprint = "{FP}"\n[[evals]]\nmodel = "m"\nsuite = "s"\nbaseline = "72"\n'
        "candidate = 1\n",
        "`baseline` must be int/float",
    ),
    (
        f'fingerprint = "{FP}"\n[[evals]]\nmodel = "m"\nsuite = "s"\nbaseline = true\n'
        "candidate = 1\n",
        "`baseline` must be int/float",
    ),
    (
        f'fingerprint = "{FP}"\n[[evals]]\nmodel = 1\nsuite = "s"\nbaseline = 1\ncandidate = 1\n',
        "`model` must be str",
    ),
    (
        f'fingerprint = "{FP}"\n[[evals]]\nmodel = "m"\nsuite = "s"\nbaseline = 1\n'
        "candidate = 1\nsamples = 1.5\n",
        "`samples` must be int",
    ),
    (
        f'fingerprint = "{FP}"\n[[evals]]\nmodel = "m"\nsuite = "s"\nbaseline = 1\n'
        "candidate = 1\nsamples = true\n",
        "`samples` must be int",
    ),
    (
        f'fingerprint = "{FP}"\n[[evals]]\nmodel = "m"\nsuite = "s"\nbaseline = 1\n'
        'candidate = 1\nat = "yesterday"\n',
        "`at` must be an RFC 3339 date-time",
    ),
    (
        f'fingerprint = "{FP}"\n[[evals]]\nmodel = "m"\nsuite = "s"\nbaseline = 1\n'
        "candidate = 1\nat = 5\n",
        "`at` must be an RFC 3339 date-time",
    ),
    # non-finite scores would let any regression pass AUD003
    (
        f'fingerprint = "{FP}"\n[[evals]]\nmodel = "m"\nsuite = "s"\nbaseline = 1\n'
        "candidate = nan\n",
        "`candidate` must be a finite number",
    ),
    (
        f'fingerprint = "{FP}"\n[[evals]]\nmodel = "m"\nsuite = "s"\nbaseline = -inf\n'
        "candidate = 1\n",
        "`baseline` must be a finite number",
    ),
    (
        f'fingerprint = "{FP}"\n[[evals]]\nmodel = "m"\nsuite = "s"\nbaseline = {"9" * 400}\n'
        "candidate = 1\n",
        "`baseline` must be a finite number",
    ),
    # approvals
    (f'fingerprint = "{FP}"\n[[approvals]]\nverdict = "approve"\nat = 2026-03-04\n', "`by`"),
    (f'fingerprint = "{FP}"\n[[approvals]]\nby = "b@x"\nat = 2026-03-04T00:00:00Z\n', "`verdict`"),
    (f'fingerprint = "{FP}"\n[[approvals]]\nby = "b@x"\nverdict = "approve"\n', "missing `at`"),
    (
        f'fingerprint = "{FP}"\n[[approvals]]\nby = "b@x"\nverdict = "lgtm"\n'
        "at = 2026-03-04T00:00:00Z\n",
        '`verdict` must be "approve", "reject", "withdraw" or "override"',
    ),
    (
        f'fingerprint = "{FP}"\n[[approvals]]\nby = "b@x"\nverdict = "Approve"\n'
        "at = 2026-03-04T00:00:00Z\n",
        '`verdict` must be "approve", "reject", "withdraw" or "override"',
    ),
    (
        f'fingerprint = "{FP}"\n[[approvals]]\nby = "b@x"\nverdict = "approve"\nat = 2026-03-04\n',
        "`at` must be an RFC 3339 date-time, got 2026-03-04",  # no Python repr
    ),
    (
        f'fingerprint = "{FP}"\n[[approvals]]\nby = "b@x"\nverdict = "approve"\nat = "soon"\n',
        "`at` must be an RFC 3339 date-time",
    ),
    (
        f'fingerprint = "{FP}"\n[[approvals]]\nby = "b@x"\nverdict = "approve"\nat = true\n',
        "`at` must be an RFC 3339 date-time, got True",
    ),
    (
        f'fingerprint = "{FP}"\n[[approvals]]\nby = "b@x"\nverdict = "approve"\n'
        "at = 2026-03-04T00:00:00Z\ncomment = 3\n",
        "`comment` must be str",
    ),
    (
        f'fingerprint = "{FP}"\n[[approvals]]\nby = "b@x"\nverdict = "approve"\n'
        "at = 2026-03-04T00:00:00Z\nsignature = []\n",
        "`signature` must be str",
    ),
    ("fingerprint = \n", "invalid TOML"),
    (f'fingerprint = "{FP}"\nn = {"9" * 5000}\n', "invalid TOML: Exceeds the limit"),
]


@pytest.mark.parametrize(("text", "expect"), BAD_RECORDS, ids=[e for _, e in BAD_RECORDS])
def test_invalid_records(text, expect):
    with pytest.raises(RecordError) as exc:
        parse_record("r.toml", text)
    message = str(exc.value)
    assert expect in message
    assert "\n" not in message


def test_error_names_which_entry():
    ok = 'model = "m"\nsuite = "s"\nbaseline = 1\ncandidate = 1\n'
    text = f'fingerprint = "{FP}"\n[[evals]]\n{ok}[[evals]]\n{ok}[[evals]]\nmodel = "m"\n'
    with pytest.raises(RecordError, match=r"\[\[evals\]\] #3: missing `suite`"):
        parse_record("r.toml", text)


def test_unknown_keys_are_tolerated():
    text = SPEC_RECORD.replace("[[evals]]", 'ticket = "OPS-1"\n\n[[evals]]\nextra = 1')
    rec = parse_record("r.toml", text)
    assert rec.fingerprint == FP and len(rec.evals) == 1


# -- latest entries -----------------------------------------------------------------------


def ev(model: str, suite: str, candidate: float, at: dt.datetime | None) -> EvalResult:
    return EvalResult(model, suite, 70.0, candidate, at=at)


def ap(by: str, verdict: str, at: dt.datetime) -> Approval:
    return Approval(by, verdict, at)


def test_latest_eval_per_model_and_suite_wins_by_time_not_position():
    rec = Record(
        "r",
        FP,
        evals=(
            ev("a", "coding", 71.0, utc(2026, 3, 5)),
            ev("a", "coding", 60.0, utc(2026, 3, 4)),  # older, listed later
            ev("a", "chat", 50.0, utc(2026, 3, 1)),
            ev("b", "coding", 69.0, utc(2026, 3, 1)),
        ),
    )
    latest = rec.latest_evals()
    assert set(latest) == {("a", "coding"), ("a", "chat"), ("b", "coding")}
    assert latest[("a", "coding")].candidate == 71.0
    assert latest[("a", "chat")].candidate == 50.0


def test_latest_eval_tie_and_missing_times():
    rec = Record(
        "r",
        FP,
        evals=(
            ev("a", "coding", 1.0, utc(2026, 3, 4)),
            ev("a", "coding", 2.0, utc(2026, 3, 4)),  # same time: the later entry wins
            ev("b", "coding", 3.0, utc(2026, 3, 4)),
            ev("b", "coding", 4.0, None),  # no time: older than any timed entry
            ev("c", "coding", 5.0, None),
            ev("c", "coding", 6.0, None),
        ),
    )
    latest = rec.latest_evals()
    assert latest[("a", "coding")].candidate == 2.0
    assert latest[("b", "coding")].candidate == 3.0
    assert latest[("c", "coding")].candidate == 6.0


PLUS_2 = dt.timezone(dt.timedelta(hours=2))


def test_timezones_are_compared_as_instants():
    rec = Record(
        "r",
        FP,
        approvals=(
            # 10:00+02:00 is 08:00Z, earlier than 09:00Z although listed later
            ap("bob@x", "approve", utc(2026, 3, 4, 9)),
            ap("bob@x", "reject", dt.datetime(2026, 3, 4, 10, tzinfo=PLUS_2)),
        ),
    )
    assert rec.verdicts()["bob@x"].verdict == "approve"


def test_later_approve_withdraws_a_reject_from_the_same_person():
    rec = Record(
        "r",
        FP,
        approvals=(
            ap("bob@example.com", "reject", utc(2026, 3, 4, 9)),
            ap("carol@example.com", "reject", utc(2026, 3, 4, 10)),
            ap("Bob@Example.com", "approve", utc(2026, 3, 4, 11)),  # same person, other case
        ),
    )
    verdicts = rec.verdicts()
    assert set(verdicts) == {"bob@example.com", "carol@example.com"}
    assert verdicts["bob@example.com"].verdict == "approve"
    assert verdicts["carol@example.com"].verdict == "reject"  # others' rejects stand


def test_later_reject_overrides_an_earlier_approve_even_if_listed_first():
    rec = Record(
        "r",
        FP,
        approvals=(
            ap("bob@x", "reject", utc(2026, 3, 5)),
            ap("bob@x", "approve", utc(2026, 3, 4)),
        ),
    )
    assert rec.verdicts()["bob@x"].verdict == "reject"


def test_verdicts_from_parsed_text_mix_datetime_and_string_times():
    text = (
        f'fingerprint = "{FP}"\n'
        '[[approvals]]\nby = "bob@x"\nverdict = "reject"\nat = 2026-03-04T09:00:00Z\n'
        '[[approvals]]\nby = "bob@x"\nverdict = "approve"\nat = "2026-03-04T10:00:00Z"\n'
    )
    assert parse_record("r", text).verdicts()["bob@x"].verdict == "approve"


# -- writing -----------------------------------------------------------------------------


def entries_of(path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


EVAL = {"model": "a", "suite": "coding", "baseline": 50.0, "candidate": 50.5}


def approval(by: str = "bob@example.com", verdict: str = "approve", day: int = 4) -> dict:
    return {"by": by, "verdict": verdict, "at": utc(2026, 3, day, 12)}


def rel(file, root) -> str:
    return str(file.relative_to(root))


def test_now_utc_is_whole_seconds_in_utc():
    now = now_utc()
    assert now.microsecond == 0 and now.utcoffset() == dt.timedelta(0)


def test_append_creates_the_record_and_its_folder(tree):
    file = tree / "audit" / record_name(FP)
    written = append_entries(
        tree,
        rel(file, tree),
        FP,
        summary="raise tokens",
        models=["a", "b"],
        evals=[EVAL],
        approvals=[approval()],
    )
    data = entries_of(file)
    assert data == written
    assert data["fingerprint"] == FP
    assert data["summary"] == "raise tokens"
    assert data["models"] == ["a", "b"]
    assert data["evals"] == [EVAL]
    assert data["approvals"] == [approval()]
    rec = parse_record(str(file), file.read_text())
    assert rec.verdicts()["bob@example.com"].at == utc(2026, 3, 4, 12)


def test_append_with_no_entries_writes_a_bare_valid_record(tree):
    file = tree / "r.toml"
    append_entries(tree, rel(file, tree), FP)
    assert entries_of(file) == {"fingerprint": FP}


def test_append_never_drops_existing_entries(tree):
    file = tree / "r.toml"
    file.write_text(SPEC_RECORD, encoding="utf-8")
    before = entries_of(file)
    append_entries(
        tree,
        rel(file, tree),
        FP,
        evals=[EVAL],
        approvals=[approval("carol@x", "reject", 5)],
    )
    append_entries(tree, rel(file, tree), FP, approvals=[approval("carol@x", "approve", 6)])
    after = entries_of(file)
    assert after["evals"] == [*before["evals"], EVAL]
    assert after["approvals"] == [
        *before["approvals"],
        approval("carol@x", "reject", 5),
        approval("carol@x", "approve", 6),
    ]
    # the signature's line breaks survive the rewrite
    assert after["approvals"][0]["signature"] == before["approvals"][0]["signature"]
    rec = parse_record(str(file), file.read_text())
    assert rec.verdicts()["carol@x"].verdict == "approve"
    assert len(rec.approvals) == 3


def test_append_keeps_summary_and_merges_models(tree):
    file = tree / "r.toml"
    file.write_text(SPEC_RECORD, encoding="utf-8")
    append_entries(
        tree, rel(file, tree), FP, summary="another summary", models=["opus-4.7", "haiku"]
    )
    data = entries_of(file)
    assert data["summary"] == "Lower default reasoning effort high -> medium"
    assert data["models"] == ["opus-4.6", "opus-4.7", "haiku"]


def test_append_preserves_unknown_keys(tree):
    file = tree / "r.toml"
    file.write_text(
        f'ticket = "OPS-12"\nfingerprint = "{FP}"\n[meta]\nowner = "team-a"\n\n'
        '[[evals]]\nmodel = "a"\nsuite = "s"\nbaseline = 1\ncandidate = 1\nextra = [1, 2]\n',
        encoding="utf-8",
    )
    append_entries(tree, rel(file, tree), FP, approvals=[approval()])
    data = entries_of(file)
    assert data["ticket"] == "OPS-12"
    assert data["meta"] == {"owner": "team-a"}
    assert data["evals"][0]["extra"] == [1, 2]
    assert list(data)[:1] == ["fingerprint"]  # the known keys come first


def test_none_fields_of_new_entries_are_left_out(tree):
    file = tree / "r.toml"
    append_entries(
        tree,
        rel(file, tree),
        FP,
        approvals=[{**approval(), "comment": None, "signature": None}],
    )
    assert entries_of(file)["approvals"] == [approval()]


@pytest.mark.parametrize(
    "content",
    [
        b"fingerprint = \n",  # invalid TOML
        b'summary = "no fingerprint"\n',
        f'fingerprint = "{FP}"\n[[approvals]]\nby = "b"\nverdict = "maybe"\nat = 1\n'.encode(),
        f'fingerprint = "{FP}"\nsummary = "caf\xe9"\n'.encode("latin-1"),  # not UTF-8
        f'fingerprint = "{OTHER_FP}"\n'.encode(),  # another change's record
        b"\x00\x01binary",
    ],
    ids=["invalid-toml", "no-fingerprint", "bad-verdict", "latin-1", "other-fp", "binary"],
)
def test_append_refuses_unusable_record_and_leaves_it_untouched(tree, content):
    file = tree / "audit" / "r.toml"
    file.parent.mkdir()
    file.write_bytes(content)
    stat = file.stat()
    with pytest.raises(AuditError) as exc:
        append_entries(tree, rel(file, tree), FP, evals=[EVAL], approvals=[approval()])
    assert str(file) in exc.value.message
    assert "\n" not in exc.value.message
    assert exc.value.hint and exc.value.hint.startswith("hint:")
    assert file.read_bytes() == content
    assert file.stat().st_mtime_ns == stat.st_mtime_ns
    assert os.listdir(file.parent) == ["r.toml"]  # no temp file left behind


def test_append_refusal_names_both_fingerprints(tree):
    file = tree / "r.toml"
    file.write_text(f'fingerprint = "{OTHER_FP}"\n', encoding="utf-8")
    with pytest.raises(AuditError) as exc:
        append_entries(tree, rel(file, tree), FP, approvals=[approval()])
    assert OTHER_FP in exc.value.message and FP in exc.value.message


@pytest.mark.parametrize(
    "entry",
    [
        {"by": "b@x", "verdict": "maybe", "at": utc(2026, 3, 4)},
        {"by": "b@x", "verdict": "approve"},  # no time
    ],
)
def test_append_refuses_to_write_an_invalid_new_approval(tree, entry):
    file = tree / "r.toml"
    file.write_text(SPEC_RECORD, encoding="utf-8")
    with pytest.raises(AuditError, match="invalid entry"):
        append_entries(tree, rel(file, tree), FP, approvals=[entry])
    assert file.read_text(encoding="utf-8") == SPEC_RECORD
    assert sorted(os.listdir(tree)) == [".git", "r.toml"]


def test_append_refuses_a_nan_score(tree):
    file = tree / "r.toml"
    with pytest.raises(AuditError, match="finite"):
        append_entries(tree, rel(file, tree), FP, evals=[{**EVAL, "candidate": float("nan")}])
    assert not file.exists()


def test_appending_leaves_no_temp_files(tree):
    file = tree / "r.toml"
    for day in range(1, 6):
        append_entries(tree, rel(file, tree), FP, approvals=[approval(f"p{day}@x", "approve", day)])
    assert sorted(os.listdir(tree)) == [".git", "r.toml"]
    assert len(entries_of(file)["approvals"]) == 5


def test_atomic_write_replaces_whole_and_cleans_up(tmp_path):
    file = tmp_path / "sub" / "f.txt"
    atomic_write(file, "one\n")
    atomic_write(file, "two ≤\n")
    assert file.read_text(encoding="utf-8") == "two ≤\n"
    assert os.listdir(file.parent) == ["f.txt"]


def test_atomic_write_failure_keeps_the_old_file_and_no_temp(tmp_path):
    file = tmp_path / "f.txt"
    file.write_text("old\n", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        atomic_write(file, "bad \udcff surrogate")
    assert file.read_text(encoding="utf-8") == "old\n"
    assert os.listdir(tmp_path) == ["f.txt"]


def test_atomic_write_onto_a_directory_fails_cleanly(tmp_path):
    target = tmp_path / "d"
    target.mkdir()
    (target / "keep").write_text("x")
    with pytest.raises(OSError):
        atomic_write(target, "text")
    assert sorted(os.listdir(tmp_path)) == ["d"]
    assert os.listdir(target) == ["keep"]


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_atomic_write_new_file_gets_the_usual_permissions(tmp_path, umask_022):
    # mkstemp's 0600 would leave records and reports unreadable to the rest of a team.
    file = tmp_path / "new.toml"
    atomic_write(file, "x\n")
    assert file.stat().st_mode & 0o777 == 0o644


def test_atomic_write_keeps_an_existing_files_permissions(tmp_path, umask_022):
    file = tmp_path / "hook"
    file.write_text("old\n")
    file.chmod(0o755)
    atomic_write(file, "new\n")
    assert file.stat().st_mode & 0o777 == 0o755
    assert file.read_text() == "new\n"


def test_append_entries_keeps_a_record_readable(tree, umask_022):
    file = tree / "r.toml"
    append_entries(tree, rel(file, tree), FP, approvals=[approval()])
    append_entries(tree, rel(file, tree), FP, approvals=[approval("carol@x")])
    assert file.stat().st_mode & 0o777 == 0o644
