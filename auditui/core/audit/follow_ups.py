"""Overrides of changes outside the range a check judges (docs/blocked.md, "Shipping
during an incident"): the push that overrode a change has landed, yet its record at
the head still owes the evidence. Once the follow-up is due, every check whose head
carries that record blocks on it (AUD014) until the evidence is recorded.

Every record that may hold an override is read (a superset found by one `git grep`
at the head and the base: the word, or a TOML escape or multi-line string that could
spell it). A change is followed up when an override of it ever counted: its record's
history (all of it, merges included) shows the first commit where an override stood
by someone the policy at that commit's parent allowed. That policy judges it from then
on, as it judged the push the override let through: who may override, what evidence
is owed, and the deadline, which runs from that commit at the latest. A later policy
neither cancels what is owed (taking a name out of `[override] allowed`) nor asks more
of it (raising `required`), and entries nobody allowed write are no override at all.

The change is found at the commit the entry names, or else by its fingerprint in the
head's history (a rebase moves it; the locator is nobody's signed word); a change the
history no longer makes is no longer deployed and owes nothing. Where the search went
is remembered (`Locators`, by policy and fingerprint), so it runs once. Entries are
never dropped: an override the base's record holds counts though the head's lost it,
so deleting a record clears nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from auditui.core.audit.context import AuditContext, load_policy
from auditui.core.audit.override import overrides_of
from auditui.core.audit.records_view import RecordsAtHead, check_change, signature_check
from auditui.core.audit.report import Change
from auditui.core.base.errors import AuditError
from auditui.core.evidence.records import Record, atomic_write, person, record_name
from auditui.core.policy.model import Policy

if TYPE_CHECKING:  # run.py imports this module
    from auditui.core.audit.run import AuditRun

# What a record that holds an override must contain, however TOML spells the word: the
# word itself, a \u or \U escape, or a multi-line string (a line-ending backslash).
SPELLINGS = ("override", "\\u", "\\U", '"""')


def overdue_outside(
    run: AuditRun, judged: dict[str, list[str]], undone: Callable[[], set[str]]
) -> Iterator[Change]:
    """The changes outside the range whose record holds an override and that owe
    evidence once it is due (or at once when none of their overrides counts): each
    blocked, AUD014 first when overdue. `judged`: fingerprint -> commits of the range
    that made it; a fingerprint all of whose commits the range `undone` (reverted) is
    still owed by the earlier change."""
    ctx, records = run.ctx, run.records
    folder = ctx.policy.layout.records
    head = ctx.repo.resolve(ctx.head)
    holding = ctx.repo.files_holding([head, *filter(None, [ctx.base])], SPELLINGS, folder)
    heads = set(records.holding(holding[head]))
    at_base, bases = None, set()
    if ctx.base is not None:
        at_base = RecordsAtHead(ctx.repo, ctx.base, folder, records.loader)
        at_base.signers = records.signers
        bases = set(at_base.holding(holding[ctx.base]))
    locators = Locators(ctx.repo.common_dir / "auditui" / "locators.json")
    settled_key = f"{_digest(ctx.policy)}:{_text_digest(records.signers or '')}"
    candidates: list[tuple[Record, Record | None, str | None]] = []
    for path in sorted(heads | bases):
        now = _with_override(run, records, path) if path in heads else None
        record = now
        if record is None and at_base is not None and path in bases:
            record = _with_override(run, at_base, path)  # the head lost it: entries stay
        if record is None:
            continue
        shas = judged.get(record.fingerprint)
        if shas and not set(shas) <= undone():
            continue  # judged in the range, and not undone there
        blob = records.blob(path) if now is not None else None
        if blob is not None and locators.settled(f"{settled_key}:{blob}"):
            continue  # this very record passed before, judged as it would be now
        candidates.append((record, now, blob))
    records.read_histories([record.path for record, _now, _blob in candidates])
    owing: list[tuple[Record, Landing, str | None]] = []
    policies: dict[str | None, Policy] = {}
    for record, now, blob in candidates:
        landing = _landing(run, record, policies)
        if landing is None:
            continue  # no override of it ever counted: nothing is followed up
        if now is not None and not _owed_now(run, now, landing):
            continue  # its override counts and is not due yet: nothing to say before
        owing.append((record, landing, blob))
    searches: dict[str, Search] = {}  # one per policy, for all the records it judges
    for record, landing, _blob in owing:
        search = searches.setdefault(landing.key, Search(run, landing.policy, set()))
        search.wanted.add(record.fingerprint)
    for record, landing, blob in owing:
        change = _found(run, record, head, locators, searches[landing.key], landing)
        if change is not None and change.status == "blocked":
            change.outside_range = True
            yield change
        elif change is not None and change.status == "pass" and blob is not None:
            locators.settle(f"{settled_key}:{blob}")


@dataclass(frozen=True)
class Landing:
    """Where an override of a change first counted: the commit, its committer date,
    and the policy at its parent, which judges the change from then on."""

    sha: str
    when: dt.datetime
    policy: Policy
    key: str  # the policy's digest: what the locator cache is keyed by


def _landing(run: AuditRun, record: Record, policies: dict[str | None, Policy]) -> Landing | None:
    """The first commit of the record's history where an override by someone the
    policy at its parent allowed stood (a policy pinned outside the repository judges
    every commit instead)."""
    ctx = run.ctx
    pinned = ctx.policy_source not in ("base", "head")
    for sha, parent, when, version in run.records.versions(record.path):
        if not version.overrides():
            continue
        if pinned:
            policy = ctx.policy
        else:
            if parent not in policies:
                policies[parent] = load_policy(ctx.repo, parent, sha)[0]
            policy = policies[parent]
        allowed = {person(p) for p in policy.override.allowed}
        if any(person(o.by) in allowed for o in version.overrides()):
            return Landing(sha, when, policy, _digest(policy))
    return None


def _digest(policy: Policy) -> str:
    return _text_digest(json.dumps(policy.raw, sort_keys=True, default=str))


def _text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _with_override(run: AuditRun, records: RecordsAtHead, path: str) -> Record | None:
    """The record at `path` when it is a change's record holding an override entry."""
    record, _error = records.get(path)
    if record is None or not record.overrides():
        return None
    if path != f"{run.ctx.policy.layout.records}/{record_name(record.fingerprint)}":
        return None  # a record under another name is no change's (AUD011 where judged)
    return record


def _owed_now(run: AuditRun, record: Record, landing: Landing) -> bool:
    """Whether the change owes its evidence now: no override of it counts under the
    policy it landed under, or the one that counts is due at the head."""
    records, policy = run.records, landing.policy
    check = signature_check(record.fingerprint, records, policy)
    override, _who, _refused = overrides_of(
        record, record.fingerprint, policy, check, records.clock_for(record), lambda: landing.when
    )
    if override is None:
        return True
    return records.head_time is not None and records.head_time >= override.due


def _found(
    run: AuditRun, record: Record, head: str, cache: Locators, search: Search, then: Landing
) -> Change | None:
    """The change the record is for, judged anew against the head's records under the
    policy it landed under: at the commit its first override names, else where the
    locator cache last found its fingerprint, else by a search of the head's history not
    searched before (None: no commit there makes it)."""
    ctx = run.ctx
    fingerprint = record.fingerprint
    key = f"{then.key}:{fingerprint}"
    hint = next((o.commit for o in record.overrides() if o.commit), None)
    known, through = cache.get(key)
    change = None
    for sha in dict.fromkeys(filter(None, (hint, known))):
        change = _change_at(run, sha, fingerprint, then.policy)
        if change is not None:
            break
    if change is None:
        since = through if through and (through == head or _reaches(ctx, through)) else None
        if since != head:
            change = search.after(since).get(fingerprint)
            cache.put(key, change.commit.sha if change else known, head)
    if change is None:
        return None
    change.status = "pass"
    check_change(change, run.records, then.policy, landed=then.when)
    return change


def _reaches(ctx: AuditContext, sha: str) -> bool:
    try:
        return ctx.repo.is_ancestor(sha, ctx.head)
    except AuditError:
        return False


def _change_at(run: AuditRun, sha: str, fingerprint: str, policy: Policy) -> Change | None:
    """The change commit `sha` makes, if it is in the head's history and makes
    `fingerprint`."""
    from auditui.core.audit.run import AuditRun  # run.py imports this module

    ctx = run.ctx
    try:
        sha = ctx.repo.resolve(sha, "commit")
        parent = ctx.repo.resolve(f"{sha}^") if ctx.repo.is_ancestor(sha, ctx.head) else None
    except AuditError:
        return None
    if parent is None:
        return None
    at = AuditContext(ctx.repo, sha, parent, policy, ctx.policy_source, anchors=False)
    change = next((c for c in AuditRun(at).found() if c.commit.sha == sha), None)
    return change if change is not None and change.fingerprint == fingerprint else None


class Search:
    """The head's history searched for the changes of `wanted` fingerprints: once per
    range however many records ask (a rebase or a squash moves a change to a commit no
    locator names), keeping only those changes (a catalogue's history holds hundreds of
    thousands of deltas)."""

    def __init__(self, run: AuditRun, policy: Policy, wanted: set[str]) -> None:
        self.run, self.policy, self.wanted = run, policy, wanted
        self._found: dict[str | None, dict[str, Change]] = {}

    def after(self, since: str | None) -> dict[str, Change]:
        """The newest change of each wanted fingerprint after `since` (None: all)."""
        from auditui.core.audit.run import AuditRun  # run.py imports this module

        if since not in self._found:
            ctx = self.run.ctx
            ctx_ = AuditContext(
                ctx.repo, ctx.head, since, self.policy, ctx.policy_source, anchors=False
            )
            self._found[since] = {
                c.fingerprint: c for c in AuditRun(ctx_).found() if c.fingerprint in self.wanted
            }
        return self._found[since]


class Locators:
    """Where a fingerprint's change was last found, and through which head the history
    was searched for it (`<git common dir>/auditui/locators.json`): a later check
    searches only what came since; and which records were judged passed (their content,
    the policy and the signers the same), which later checks read no further. A cache
    like the others: best effort, checked before use (the change at a remembered commit
    is computed again), safe to delete: a fresh clone judges the same."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        self.data = data if isinstance(data, dict) else {}

    def get(self, fingerprint: str) -> tuple[str | None, str | None]:
        entry = self.data.get(fingerprint)
        if (
            isinstance(entry, list)
            and len(entry) == 2
            and all(v is None or (isinstance(v, str) and _SHA.fullmatch(v)) for v in entry)
        ):
            return entry[0], entry[1]
        return None, None

    def put(self, fingerprint: str, sha: str | None, through: str) -> None:
        self.data[fingerprint] = [sha, through]
        self._save()

    def settled(self, key: str) -> bool:
        """Whether a record of this content was judged passed under the same policy and
        signers: all it owed is recorded, and a record's content never changes."""
        return self.data.get(f"settled:{key}") is True

    def settle(self, key: str) -> None:
        self.data[f"settled:{key}"] = True
        self._save()

    def _save(self) -> None:
        with contextlib.suppress(OSError, AuditError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, json.dumps(self.data, sort_keys=True), follow_links=False)


_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
