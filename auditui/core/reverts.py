"""Changes undone within the audited range (SPEC 11): status `reverted`.

A blocked change that a later commit of the same push put back used to block that
push for ever; the only way out was rewriting history. Now, setting by setting
(a model's key path, a prompt binding): when the range's head holds the value a
setting had before some change in the range, every change to that setting from
that one on is undone, and the last of them put it back.

- a change is **reverted** when every setting it moved is undone that way: the head
  carries none of it. It does not block; `reverted_by` names the latest change that
  put one of its settings back.
- a change that only puts settings back, undoing only reverted changes, is no change
  either: it is `reverted` too, and `reverts` names the first change it undid. One
  that also does something else (or undoes part of a change that stays) is judged
  like any other.

Deciding needs the whole range, but `check` writes each change as it is judged: the
index keeps two integers per delta (which setting, a token of the value before: both
64-bit hashes, equal for equal inputs within one run), not
the changes, and a run that found reverts is judged again from the per-commit store
with the marks known (see formats.write).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from itertools import compress, repeat
from operator import and_, attrgetter, eq, ge, lt

from auditui.core.deltas import canonical_json


@dataclass(frozen=True)
class Mark:
    reverted_by: str | None = None  # this change is undone at head, last by that commit
    reverts: str | None = None  # this change only puts back what that one (and others) did


# Outside the range of int and float hashes (modulo 2**61 - 1): never an int's token.
_BOOL, _NONE, _MINUS_ONE = 1 << 62, (1 << 62) + 2, (1 << 62) + 3


def _scalar_token(value, h: int) -> int:
    """Python hashes 1.0 as 1 (same_value's equality) but -1 as -2 (-1 is reserved in
    CPython): -1 gets a token of its own, or a setting moved from -1 to -2 would look
    unmoved."""
    return _MINUS_ONE if h == -2 and value == -1 else h


_MASK = (1 << 64) - 1
_NEVER = 1 << 62  # a change number no history reaches: "in no loop"
_OTHER = 0x0C0FFEE  # a list's JSON is not the same token as that text as a string


def _token(value) -> int:
    """A value's 64-bit token, equal for values `same_value` calls equal (1 and 1.0,
    never 1 and true). Python's own hashes, which strings cache: a catalogue's run
    takes this for every delta, twice. Within one process only; two different values
    share a token with odds of 2**-64, far below anything a report could show."""
    kind = type(value)
    if kind is str or kind is int or kind is float:
        return _scalar_token(value, hash(value))
    if value is None:
        return _NONE
    if kind is bool:
        return _BOOL + value
    return hash(canonical_json(value)) ^ _OTHER


_OLD, _NEW = attrgetter("old"), attrgetter("new")
_MODEL, _PATH, _KIND = attrgetter("model"), attrgetter("path"), attrgetter("kind")
_HASHED = {str, int, float, type(None)}
_NONE_TOKEN = {None: _NONE}.get  # (value, its hash): _NONE for None, else the hash


def _settings_only(deltas: list) -> bool:
    """Whether every delta of a change moves a setting (none is a file or an entry
    that does not parse): then `add` takes it in C-speed steps."""
    return "invalid" not in map(_KIND, deltas)


def _tokens(values: list) -> list[int]:
    """_token of each of `values`. When each token is the value's hash or None's (no
    boolean, which hashes as 1 and 0; no list or mapping; never -1 nor -1.0, whose hash
    CPython makes -2), all at C speed; else one call each."""
    if set(map(type, values)) <= _HASHED and -1 not in values:
        return list(map(_NONE_TOKEN, values, map(hash, values)))
    return list(map(_token, values))


class RevertIndex:
    """Fed every judged change of a range in order; `marks()` at the end."""

    def __init__(self, only_model: str | None = None) -> None:
        # `log --model`: only that model's changes are seen, so only a change that
        # moves nothing else can be told reverted (another model's settings, or a
        # file, may have moved again in changes this walk never read).
        self.only_model = only_model
        # A setting is its (model, path)'s hash: holding the pair itself kept every
        # path string of a catalogue's history alive (50 MB on models.dev).
        self._last_value: dict[int, int] = {}  # setting -> token of its latest value
        self._last_change: dict[int, int] = {}  # setting -> the change that set it
        self._shas: list[str] = []
        self._settings: list[array] = []  # per change: the settings it moved
        self._before: list[array] = []  # per change: tokens of their values before
        self._eligible: list[bool] = []  # False: never reverted (a bad collection entry)
        # A broken file (AUD009) is not a setting: no later delta says it was fixed.
        # Each edit of a file that stays broken is reported again, so a file whose
        # blob at head is not its last broken one was fixed (or removed) since.
        self._broken: dict[int, tuple[str, ...]] = {}  # change no -> files it broke
        self._last_broken: dict[str, tuple[str, int]] = {}  # file -> (its blob, change no)
        # What each change did, as one number (the sum of its deltas' hashes): a change
        # whose inverse is an earlier one's is a rollback to an audited state.
        self._by_effect: dict[tuple[int, int], str] = {}
        # Changes inverting an earlier one that was no rollback itself: a way back to
        # a state the history was in (undoing a rollback only redoes what it undid).
        self._rollbacks: set[str] = set()

    def add(self, change) -> str | None:
        """Index a judged change; returns the earlier change it exactly inverts (its
        deltas are that change's, old and new swapped), if any; `is_rollback` says
        whether that makes it a rollback."""
        n = len(self._shas)
        self._shas.append(change.commit.sha)
        deltas = change.deltas
        if self.only_model is None and _settings_only(deltas):
            return self._add_settings(change, n, deltas)
        values, changes = self._last_value, self._last_change
        token, only = _token, self.only_model
        settings, before = array("q"), array("q")
        eligible, broken = True, []
        forward = inverse = 0
        for d in change.deltas:  # every delta of a catalogue's history: kept lean
            model = d.model
            if only is not None and model != only:
                eligible = False
            if d.kind == "invalid":
                if model is None and d.path == f"file:{d.source}" and isinstance(d.new, str):
                    broken.append(d.source)
                    self._last_broken[d.source] = (d.new, n)
                else:
                    eligible = False  # one bad entry of a collection: no way to tell
                continue
            key = hash((model, d.path))
            old, new = d.old, d.new
            kind = type(old)  # the common scalars inline: this runs for every delta
            old = (_scalar_token(old, hash(old)) if kind is str or kind is int or kind is float
                   else token(old))  # fmt: skip
            kind = type(new)
            new = (_scalar_token(new, hash(new)) if kind is str or kind is int or kind is float
                   else token(new))  # fmt: skip
            settings.append(key)
            before.append(old)
            values[key] = new
            changes[key] = n
            forward += hash((key, old, new))
            inverse += hash((key, new, old))
        self._settings.append(settings)
        self._before.append(before)
        self._eligible.append(eligible)
        if broken:
            self._broken[n] = tuple(broken)
            return None
        return self._effect(change, len(settings), forward, inverse)

    def _add_settings(self, change, n: int, deltas) -> str | None:
        """`add` for the common change, one that only moves settings: each step at C
        speed, no loop here (a catalogue's history is 250,000 deltas)."""
        keys = list(map(hash, zip(map(_MODEL, deltas), map(_PATH, deltas), strict=True)))
        olds, news = _tokens(list(map(_OLD, deltas))), _tokens(list(map(_NEW, deltas)))
        self._last_value.update(zip(keys, news, strict=True))
        self._last_change.update(dict.fromkeys(keys, n))
        self._settings.append(array("q", keys))
        self._before.append(array("q", olds))
        self._eligible.append(True)
        forward = sum(map(hash, zip(keys, olds, news, strict=True)))
        inverse = sum(map(hash, zip(keys, news, olds, strict=True)))
        return self._effect(change, len(keys), forward, inverse)

    def _effect(self, change, count: int, forward: int, inverse: int) -> str | None:
        """Record what a change did (see _by_effect); the earlier change it inverts."""
        inverted = self._by_effect.get((inverse & _MASK, count))
        self._by_effect[(forward & _MASK, count)] = change.commit.sha
        if inverted is not None and inverted not in self._rollbacks:
            # Undoing a rollback redoes the change it rolled back: not a way back to an
            # audited state but that change again (whose approval, if it had one,
            # covers this: the same deltas have the same fingerprint).
            self._rollbacks.add(change.commit.sha)
        return inverted

    def is_rollback(self, sha: str) -> bool:
        return sha in self._rollbacks

    def rolled_back(self, sha: str) -> None:
        """A change found to invert one made before the range (see AuditRun)."""
        self._rollbacks.add(sha)

    def marks(self, fixed_by=None) -> dict[str, Mark]:
        """`fixed_by({file: (blob, sha)})`: for each file last broken as `blob` by
        commit `sha`, the first later commit that changed it, when the head no longer
        has that blob (None: still broken at head). Asked once, for all files."""
        # Each pass over a change's settings is a few C-speed steps (maps over its
        # array), not a loop here: a catalogue's history is 250,000 of them.
        head, last = self._last_value, self._last_change
        loop: dict[int, int] = {}  # setting -> first change whose value before is at head
        for n in range(len(self._settings) - 1, -1, -1):  # the earliest change written last
            settings = self._settings[n]
            at_head = map(eq, self._before[n], map(head.__getitem__, settings))
            again = map(lt, repeat(n), map(last.__getitem__, settings))
            loop.update(dict.fromkeys(compress(settings, map(and_, at_head, again)), n))
        broken = {file: (blob, self._shas[n]) for file, (blob, n) in self._last_broken.items()}
        fixes = fixed_by(broken) if fixed_by and broken else {}  # file -> the fixing commit
        undone: dict[int, str] = {}  # change no -> the commit that last put it back
        for n, settings in enumerate(self._settings):
            files = self._broken.get(n, ())
            if not self._eligible[n] or not all(fixes.get(f) for f in files):
                continue
            by = [fixes[f] for f in files]  # type: ignore[misc]
            if settings:  # each in a loop from at most this change to after it
                lasts = list(map(last.__getitem__, settings))
                if max(map(loop.get, settings, repeat(_NEVER))) > n or min(lasts) <= n:
                    continue
                by.append(self._shas[max(lasts)])
            undone[n] = by[-1]
        # A setting whose loop holds a change that stays (a partial undo) was not
        # simply put back: the change closing that loop is judged.
        kept: set[int] = set()
        for n, settings in enumerate(self._settings):
            if n not in undone:
                within = map(ge, repeat(n), map(loop.get, settings, repeat(_NEVER)))
                before_last = map(lt, repeat(n), map(last.__getitem__, settings))
                kept.update(compress(settings, map(and_, within, before_last)))
        marks = {self._shas[n]: Mark(reverted_by=by) for n, by in undone.items()}
        for m, settings in enumerate(self._settings):
            if m in undone or not self._eligible[m] or not settings or m in self._broken:
                continue
            lasts = list(map(last.__getitem__, settings))
            if (lasts.count(m) == len(lasts) and all(map(loop.__contains__, settings))
                    and kept.isdisjoint(settings)):  # fmt: skip
                marks[self._shas[m]] = Mark(
                    reverts=self._shas[min(map(loop.__getitem__, settings))]
                )
        return marks


def apply(change, mark: Mark | None) -> None:
    """Mark a judged change (one made before adoption stays exempt). Its findings
    stay, for the record of what it would have needed; they no longer block."""
    if mark is None or change.status == "exempt":
        return
    change.status = "reverted"
    change.reverted_by = mark.reverted_by
    change.reverts = mark.reverts or change.reverts
