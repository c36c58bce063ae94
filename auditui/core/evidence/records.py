"""Audit records: the evidence (evals, approvals) a change carries (docs/records.md).

Records are read from the head of the audited range and written only by appending:
an entry, once written, is never dropped (a reject is withdrawn by a later approve,
not by deleting it), and every write is atomic so a crash leaves the old file whole.
tomli_w is imported by the writers alone: reading (every check, both hooks) never
loads it.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import secrets
import stat
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from auditui.core.base.errors import AuditError
from auditui.core.base.wording import plural
from auditui.core.evidence.evalstats import shown
from auditui.core.evidence.recordfiles import read_record, record_path, records_lock

# withdraw: that approver's word taken back; override: break-glass, the change let
# through before its evidence (docs/records.md), never counted as anyone's word.
VERDICTS = ("approve", "reject", "withdraw", "override")


class RecordError(Exception):
    """A record file that cannot be used as evidence (reported as AUD009)."""


@dataclass(frozen=True)
class EvalResult:
    model: str
    suite: str
    baseline: float
    candidate: float
    samples: int | None = None
    run: str | None = None
    recorded_by: str | None = None
    at: dt.datetime | None = None
    # Imported from an eval tool's output (docs/records.md): how sure the delta is, and whence.
    stderr: float | None = None  # of candidate - baseline, in score points
    paired: bool | None = None  # stderr from per-sample differences on shared sample ids
    source: str | None = None  # promptfoo | lm-eval | inspect
    baseline_sha256: str | None = None
    candidate_sha256: str | None = None
    config_mismatch: tuple[str, ...] = ()  # settings a run recorded that its config lacks

    @property
    def delta(self) -> float:
        return self.candidate - self.baseline

    def shown(self, confidence: float = 0.95) -> str:
        """`-3.1 ± 1.2 (n=1200, paired)`, as every report and the app say it."""

        return shown(self.delta, self.stderr, self.samples, self.paired, confidence)


@dataclass(frozen=True)
class Approval:
    by: str
    verdict: str
    at: dt.datetime
    comment: str | None = None
    signature: str | None = None
    reason: str | None = None  # an override's: why the change could not wait
    commit: str | None = None  # an override's: where the change was (a locator only)


@dataclass(frozen=True)
class Record:
    path: str
    fingerprint: str
    summary: str = ""
    models: tuple[str, ...] = ()
    evals: tuple[EvalResult, ...] = ()
    approvals: tuple[Approval, ...] = field(default=())

    def latest_evals(self) -> dict[tuple[str, str], EvalResult]:
        """The newest eval per (model, suite): a re-run supersedes, it does not add."""
        out: dict[tuple[str, str], EvalResult] = {}
        for n, ev in sorted(enumerate(self.evals), key=lambda p: (_ts(p[1].at), p[0])):
            del n
            out[(ev.model, ev.suite)] = ev
        return out

    def verdicts(self) -> dict[str, Approval]:
        """Each approver's latest entry (docs/records.md: the latest by `at` wins).
        Overrides are no one's word on the change: they are left out (`overrides`)."""
        out: dict[str, Approval] = {}
        for _, ap in sorted(enumerate(self.approvals), key=lambda p: (_ts(p[1].at), p[0])):
            if ap.verdict != "override":
                out[person(ap.by)] = ap  # " Bob@x " is bob@x: one person, one verdict
        return out

    def overrides(self) -> list[Approval]:
        """The override entries, oldest first (as written when `at` ties)."""
        entries = [(n, ap) for n, ap in enumerate(self.approvals) if ap.verdict == "override"]
        return [ap for _, ap in sorted(entries, key=lambda p: (_ts(p[1].at), p[0]))]


def person(email: str) -> str:
    """Who an email names: the one way approvers, authors and owners are compared
    (AUD005, AUD006, AUD013, `approve`'s refusal). Blanks around it are dropped and case
    is ignored, as git's mailmap matches emails; nothing else is folded (no `+tags`,
    no dots), so two addresses are one person only where every mail system agrees."""
    return email.strip().lower()


def _ts(value: dt.datetime | None) -> float:
    if value is None:
        return float("-inf")
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


def record_name(fingerprint: str) -> str:
    return fingerprint.removeprefix("sha256:")[:16] + ".toml"


def _when(value: Any, where: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        if value.year > 9000:  # a deadline or a stamp past it would overflow
            raise RecordError(f"{where}: `at` is out of range, got {value.isoformat()}")
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, str):
        try:
            return _when(dt.datetime.fromisoformat(value.replace("Z", "+00:00")), where)
        except ValueError:
            pass
    shown = repr(value) if isinstance(value, str) else str(value)  # a TOML date: 2026-03-04
    raise RecordError(f"{where}: `at` must be an RFC 3339 date-time, got {shown}"[:200])


def _field(table: dict, key: str, types: tuple, where: str, required: bool = True) -> Any:
    if key not in table:
        if required:
            raise RecordError(f"{where}: missing `{key}`")
        return None
    value = table[key]
    if isinstance(value, bool) and bool not in types or not isinstance(value, types):
        names = "/".join(t.__name__ for t in types)
        raise RecordError(f"{where}: `{key}` must be {names}, got {value!r}")
    return value


def _score(table: dict, key: str, where: str) -> float:
    """A finite score: nan or -inf would make every regression check pass."""
    value = _field(table, key, (int, float), where)
    try:
        score = float(value)
    except OverflowError:
        score = math.inf
    if not math.isfinite(score):
        raise RecordError(f"{where}: `{key}` must be a finite number, got {value!r}"[:200])
    return score


def _strings(table: dict, key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RecordError(f"{where}: `{key}` must be a list of strings")
    return tuple(value)


def _stderr(table: dict, where: str) -> float | None:
    if "stderr" not in table:
        return None
    value = _score(table, "stderr", where)
    if value < 0:
        raise RecordError(f"{where}: `stderr` must not be negative, got {value!r}")
    return value


def _tables(data: dict, key: str) -> Iterator[tuple[str, dict]]:
    """The tables of the array `[[key]]`, each with where it is (`[[evals]] #2`)."""
    tables = data.get(key, [])
    if not isinstance(tables, list):
        raise RecordError(f"`{key}` must be an array of tables ([[{key}]])")
    for n, table in enumerate(tables, 1):
        where = f"[[{key}]] #{n}"
        if not isinstance(table, dict):
            raise RecordError(f"{where} must be a table")
        yield where, table


def parse_record(path: str, text: str) -> Record:
    try:
        data = tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or an integer of more than 4300 digits
        raise RecordError(f"invalid TOML: {str(exc).split('; use sys.')[0]}") from None
    except RecursionError:
        raise RecordError("invalid TOML: nested too deeply") from None
    fp = _field(data, "fingerprint", (str,), "record")
    evals = []
    for where, e in _tables(data, "evals"):
        evals.append(
            EvalResult(
                model=_field(e, "model", (str,), where),
                suite=_field(e, "suite", (str,), where),
                baseline=_score(e, "baseline", where),
                candidate=_score(e, "candidate", where),
                samples=_field(e, "samples", (int,), where, False),
                run=_field(e, "run", (str,), where, False),
                recorded_by=_field(e, "recorded_by", (str,), where, False),
                at=_when(e["at"], where) if "at" in e else None,
                stderr=_stderr(e, where),
                paired=_field(e, "paired", (bool,), where, False),
                source=_field(e, "source", (str,), where, False),
                baseline_sha256=_field(e, "baseline_sha256", (str,), where, False),
                candidate_sha256=_field(e, "candidate_sha256", (str,), where, False),
                config_mismatch=_strings(e, "config_mismatch", where),
            )
        )
    approvals = []
    for where, a in _tables(data, "approvals"):
        verdict = _field(a, "verdict", (str,), where)
        if "at" not in a:
            raise RecordError(f"{where}: missing `at`")
        if verdict not in VERDICTS:
            raise RecordError(
                f'{where}: `verdict` must be "approve", "reject", "withdraw" or "override", '
                f"got {verdict!r}"
            )
        reason = _field(a, "reason", (str,), where, verdict == "override")
        if verdict == "override" and not reason.strip():
            raise RecordError(f"{where}: an override needs a `reason`, got an empty one")
        approvals.append(
            Approval(
                by=_field(a, "by", (str,), where),
                verdict=verdict,
                at=_when(a["at"], where),
                comment=_field(a, "comment", (str,), where, False),
                signature=_field(a, "signature", (str,), where, False),
                reason=reason,
                commit=_field(a, "commit", (str,), where, False),
            )
        )
    models = data.get("models", [])
    if not isinstance(models, list) or not all(isinstance(m, str) for m in models):
        raise RecordError("`models` must be a list of model names")
    summary = data.get("summary", "")
    if not isinstance(summary, str):
        raise RecordError("`summary` must be a string")
    return Record(path, fp, summary, tuple(models), tuple(evals), tuple(approvals))


# -- writing -----------------------------------------------------------------


def now_utc() -> dt.datetime:
    """Whole seconds in UTC: the form records store and signatures sign (docs/records.md)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def append_entries(
    root: Path,
    relative: str,
    fingerprint: str,
    *,
    summary: str = "",
    models: list[str] | tuple[str, ...] = (),
    evals: Sequence[dict[str, Any]] = (),
    approvals: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """Add eval and approval entries to the record at `file`, creating it if needed.

    Refuses (AuditError) to touch a record it cannot parse or that names another
    fingerprint, since rewriting it could lose entries. Returns what was written.
    """

    with records_lock(root):
        return _append(root, relative, fingerprint, summary, models, evals, approvals)


def append_new_evals(
    root: Path,
    relative: str,
    fingerprint: str,
    evals: list[dict[str, Any]],
    same: tuple[str, ...],
    *,
    summary: str = "",
    models: list[str] | tuple[str, ...] = (),
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Append the evals the record does not hold yet (equal on every key of `same`: an
    imported pair of files is recorded once per model and suite), deciding under the
    lock, so two imports of one pair at once add it once. Returns the record as written
    (None: nothing was new, nothing written) and the evals added."""

    with records_lock(root):
        held = _held(relative, read_record(root, relative), same)
        fresh = [e for e in evals if tuple(e.get(k) for k in same) not in held]
        if not fresh:
            return None, []
        return _append(root, relative, fingerprint, summary, models, fresh, ()), fresh


def _held(relative: str, text: str | None, same: tuple[str, ...]) -> set[tuple]:
    """The `same` keys of each eval the record holds."""
    if text is None:
        return set()
    try:
        record = parse_record(relative, text)
    except RecordError:
        return set()  # _append refuses the record, saying why
    return {tuple(getattr(e, k) for k in same) for e in record.evals}


def _append(root, relative, fingerprint, summary, models, evals, approvals) -> dict[str, Any]:
    import tomli_w

    file = record_path(root, relative)  # never through a link, never outside the tree
    data: dict[str, Any] = {}
    existing = read_record(root, relative)
    if existing is not None:
        try:
            parse_record(str(file), existing)
            data = tomllib.loads(existing)
        except RecordError as exc:
            why = exc
            raise AuditError(
                f"{file}: cannot add to this record: {why}",
                "hint: fix the file by hand first; auditui never rewrites a record it cannot read",
            ) from None
        if data["fingerprint"] != fingerprint:
            raise AuditError(
                f"{file}: record names fingerprint {data['fingerprint']}, not {fingerprint}",
                "hint: the change was edited after this record was written; audit it anew",
            )
    data.setdefault("fingerprint", fingerprint)
    if summary and not data.get("summary"):
        data["summary"] = summary
    known = list(data.get("models", []))
    for m in models:
        if m not in known:
            known.append(m)
    if known:
        data["models"] = known
    order = ["fingerprint", "summary", "models", "evals", "approvals"]
    data = {k: data[k] for k in order if k in data} | {
        k: v for k, v in data.items() if k not in order
    }
    data.setdefault("evals", [])
    data.setdefault("approvals", [])
    data["evals"] = [*data["evals"], *(_clean(e) for e in evals)]
    data["approvals"] = [*data["approvals"], *(_clean(a) for a in approvals)]
    if not data["evals"]:
        del data["evals"]
    if not data["approvals"]:
        del data["approvals"]
    text = tomli_w.dumps(data, multiline_strings=True)
    try:
        parse_record(str(file), text)  # never write what we could not read back
    except RecordError as exc:
        raise AuditError(f"{file}: refusing to write an invalid entry: {exc}") from None
    atomic_write(file, text, follow_links=False)
    return data


def _clean(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if v is not None}


def atomic_write(
    file: Path,
    text: str | Callable[[TextIO], object],
    follow_links: bool = True,
    exclusive: bool = False,
) -> None:
    """Write via a temp file in the same folder and rename: readers see old or new, whole.

    `text` is the content, or a function writing it to the file it is given (a
    streamed report); if that raises, the file is left as it was.

    The result has the permissions the file had, or a new file's usual ones (umask);
    mkstemp's 0600 would make a rewritten record or report unreadable to others. A
    report (`--output`) is written through a symlink or into a device, as a user asks;
    a record (`follow_links=False`) is only ever a regular file, replaced in place.
    `exclusive`: never over an existing file, even one that appeared while writing
    (`auditui init`): AuditError instead.
    """
    if follow_links:
        file = Path(os.path.realpath(file))  # through a symlink: replace its target, not it
    file.parent.mkdir(parents=True, exist_ok=True)
    try:
        info = file.stat() if follow_links else file.lstat()
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        if not follow_links:
            raise AuditError(f"{file}: is not a regular file; not writing there")
        # /dev/null, a FIFO, /dev/stdout: renaming over them would replace the device.
        with open(file, "w", encoding="utf-8") as fh:
            _put(fh, text)
        return
    mode = stat.S_IMODE(info.st_mode) if info is not None else None
    while True:
        tmp = file.parent / f".{file.name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            if mode is not None:
                os.chmod(tmp, mode)
            _put(fh, text)
            fh.flush()
            os.fsync(fh.fileno())
        if exclusive:
            _link_new(tmp, file)
        else:
            os.replace(tmp, file)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _link_new(tmp: Path, file: Path) -> None:
    """`tmp` becomes `file` only if no `file` exists: a hard link fails on an existing
    name, where a rename would replace it."""
    try:
        os.link(tmp, file)
    except FileExistsError:
        raise AuditError(f"{file} already exists; not overwriting it") from None
    except OSError:  # a file system without hard links: the next best check
        if os.path.lexists(file):
            raise AuditError(f"{file} already exists; not overwriting it") from None
        os.replace(tmp, file)
        return
    tmp.unlink()


def _put(fh: TextIO, text: str | Callable[[TextIO], object]) -> None:
    if isinstance(text, str):
        fh.write(text)
    else:
        text(fh)


def tally(record) -> str:
    """What a record holds as evidence now, counted as the checks count it: the
    latest eval per (model, suite) and each person's latest word, so a withdrawn
    approval is no approval ("1 eval, 2 approvals, 1 withdrawn")."""
    latest = record.latest_evals()
    evals = plural(len(latest), "eval")
    if len(record.evals) > len(latest):
        evals += f" ({len(record.evals) - len(latest)} superseded)"
    words = Counter(ap.verdict for ap in record.verdicts().values())
    parts = [evals, plural(words.pop("approve", 0), "approval")]
    if "reject" in words:
        parts.append(plural(words.pop("reject"), "rejection"))
    if "withdraw" in words:
        parts.append(f"{words.pop('withdraw')} withdrawn")
    if record.overrides():
        parts.append(plural(len(record.overrides()), "override"))
    parts += [plural(n, verdict) for verdict, n in sorted(words.items())]
    return ", ".join(parts)


def tally_written(data: dict) -> str:
    """`tally` of a record's data as `add_evidence` returns it (what was written)."""
    import tomli_w

    return tally(parse_record("record", tomli_w.dumps(data)))
