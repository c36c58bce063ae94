"""Changes undone within the audited range: status `reverted` (docs/blocked.md, "A
change undone in the same push").

Setting by setting (a model's key path, a prompt binding): when the range's head holds
the value a setting had before some change in the range, every change to that setting
from that one on is undone, and the last of them put it back.

- a change is **reverted** when every setting it moved is undone that way: the head
  carries none of it. It does not block; `reverted_by` names the latest change that
  put one of its settings back.
- a change that only puts settings back, undoing only reverted changes, is `reverted`
  too, and `reverts` names the first change it undid. One that also does something
  else (or undoes part of a change that stays) is judged like any other.

**A deletion is no revert.** A setting of a model the head no longer has counts as put
back only when the change itself brought the model into being (absent before, absent
at head); a model renamed away lives on under its new name, so no change to it under
the old name counts as put back. Which models a change brought into being and which it
deleted come with it (`Change.appeared`, `vanished`), its renames in its deltas, so the
rule needs no World.

Deciding needs the whole range, but `check` writes each change as it is judged: the
index keeps three integers per delta (which setting, the values before and after),
not the changes. Every integer stands for exactly one value (see Interned): equal
integers are the same value by `same_value`, never just an equal hash.

`plain_marks` states the rule one setting at a time; `marks` computes the same over
each change's arrays, and a property test holds the two equal (likewise
`plain_gone_at_head` and `gone_at_head`, `Interned.plain_ids` and `ids`).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass
from itertools import compress, count, repeat
from operator import add, and_, attrgetter, eq, ge, lt
from operator import rshift as _rshift
from typing import Any

from auditui.core.base.values import Typed
from auditui.core.diff.fingerprint import canonical_json


@dataclass(frozen=True)
class Mark:
    reverted_by: str | None = None  # this change is undone at head, last by that commit
    reverts: str | None = None  # this change only puts back what that one (and others) did


# Values that are their own key: Python's == (and hash) on them is same_value's (1 and
# 1.0 one value; the string "inf" never the float inf; a nan only itself, as in
# same_value). A boolean (== 1 and 0) and a list or mapping (unhashable, and == blind
# to true against 1 inside) are keyed by what tells them apart.
_OWN_KEYS = {str, int, float, type(None), Typed}


def _key(value: Any) -> Any:
    kind = type(value)
    if kind in _OWN_KEYS:
        return value
    if kind is bool:
        return ("bool", value)
    return ("json", canonical_json(value))  # equal exactly when same_value


class Interned:
    """Integers standing for values, equal exactly for the values `same_value` calls
    equal. A dict holds one key for each value: its hash finds the candidates, its ==
    decides, so values whose hashes collide (-1 and -2, 4096 and 4096 + 2**61 - 1)
    never share an integer. Each value asked for takes the next number (`step` apart;
    one already held keeps its own), so an integer is below `step` times the count of
    values asked for."""

    def __init__(self, step: int = 1) -> None:
        self._ids: dict[Any, int] = {}
        self._next = count(0, step)

    def plain_ids(self, values: list) -> list[int]:
        """Each value's integer, a new one for a value not seen before."""
        ids, numbers = self._ids, self._next
        return [ids.setdefault(_key(value), next(numbers)) for value in values]

    def ids(self, values: list) -> list[int]:
        """`plain_ids`, each value's key taken only where one is not its own key."""
        if not set(map(type, values)) <= _OWN_KEYS:
            values = list(map(_key, values))
        return list(map(self._ids.setdefault, values, self._next))


# fixed_by({file: (blob, sha)}) -> {file: the commit that fixed it, or None}: see marks
FixedBy = Callable[[dict[str, tuple[str, str]]], dict[str, str | None]]

PRESENT, DELETED, AWAY = "present", "deleted", "away"  # a model's state (see _lifecycle)
_MASK = (1 << 64) - 1
_NEVER = 1 << 62  # a change number no history reaches: "in no loop"
_PATH_BITS = 32  # a setting is its model's integer, then its path's (see _setting_ids)


_OLD, _NEW = attrgetter("old"), attrgetter("new")
_MODEL, _PATH, _KIND = attrgetter("model"), attrgetter("path"), attrgetter("kind")


def _settings_only(deltas: list) -> bool:
    """Whether every delta of a change moves a setting (none is a file or an entry
    that does not parse): then `add` need not sort its deltas out one by one."""
    return "invalid" not in map(_KIND, deltas)


class RevertIndex:
    """Fed every judged change of a range in order; `marks()` at the end."""

    def __init__(self, only_models: frozenset[str] | None = None) -> None:
        # `log --model`, `suspects`: only those models' changes are seen, so only a
        # change that moves nothing else can be told reverted (another model's
        # settings, or a file, may have moved again in changes this walk never read).
        self.only_models = only_models
        # Models and paths, each name once (a catalogue has a few thousand): holding
        # each (model, path) pair kept every path string of its history alive.
        self._models, self._paths = Interned(step=1 << _PATH_BITS), Interned()
        self._values = Interned()
        self._last_value: dict[int, int] = {}  # setting -> its latest value
        self._last_change: dict[int, int] = {}  # setting -> the change that set it
        self._shas: list[str] = []
        self._settings: list[array] = []  # per change: the settings it moved
        self._before: list[array] = []  # per change: their values before
        self._after: list[array] = []  # per change: their values after
        self._eligible: list[bool] = []  # False: never reverted (a bad collection entry)
        # A broken file (AUD009) is not a setting: no later delta says it was fixed.
        # Each edit of a file that stays broken is reported again, so a file whose
        # blob at head is not its last broken one was fixed (or removed) since.
        self._broken: dict[int, tuple[str, ...]] = {}  # change no -> files it broke
        self._last_broken: dict[str, tuple[str, int]] = {}  # file -> (its blob, change no)
        # What each change did, summed up as one number (its deltas' hashes) with its
        # count of deltas: the changes that may have done it, to be compared in full.
        self._by_effect: dict[tuple[int, int], list[int]] = {}
        # Changes inverting an earlier one that was no rollback itself: a way back to
        # a state the history was in (undoing a rollback only redoes what it undid).
        self._rollbacks: set[str] = set()
        # Models by integer, as the last change to bring, delete or rename one left it
        # (what holds at head); per change, the models it brought into being.
        self._state: dict[int, str] = {}  # PRESENT, DELETED or AWAY (renamed away)
        self._brought: dict[int, frozenset[int]] = {}

    def add(self, change) -> str | None:
        """Index a judged change; returns the earlier change it exactly inverts (its
        deltas are that change's, old and new swapped), if any; `is_rollback` says
        whether that makes it a rollback."""
        n = len(self._shas)
        self._shas.append(change.commit.sha)
        deltas, eligible, broken = change.deltas, True, list[str]()
        if self.only_models is not None or not _settings_only(deltas):
            deltas, eligible, broken = self._sort_out(n, deltas)
        keys = self._setting_ids(deltas)
        self._lifecycle(n, change)
        olds = self._values.ids(list(map(_OLD, deltas)))
        news = self._values.ids(list(map(_NEW, deltas)))
        self._last_value.update(zip(keys, news, strict=True))
        self._last_change.update(dict.fromkeys(keys, n))
        self._settings.append(array("q", keys))
        self._before.append(array("q", olds))
        self._after.append(array("q", news))
        self._eligible.append(eligible)
        if broken:
            self._broken[n] = tuple(broken)
            return None
        return self._effect(n, keys, olds, news)

    def _lifecycle(self, n: int, change) -> None:
        """Note the models change `n` deleted, renamed and brought into being."""
        vanished, appeared = getattr(change, "vanished", ()), getattr(change, "appeared", ())
        renamed = [(d.old, d.new) for d in change.deltas if d.kind == "renamed"]
        state, ids = self._state, self._models.plain_ids
        if vanished:
            state.update(dict.fromkeys(ids(list(vanished)), DELETED))
        for old, new in renamed:
            state[ids([old])[0]] = AWAY
            state[ids([new])[0]] = PRESENT
        if appeared:
            brought = ids(list(appeared))
            state.update(dict.fromkeys(brought, PRESENT))
            self._brought[n] = frozenset(brought)

    def _sort_out(self, n: int, deltas: list) -> tuple[list, bool, list[str]]:
        """The deltas that move settings; whether the change can be told reverted at
        all; the files it broke (a file is no setting: see `marks`)."""
        settings, eligible, broken = [], True, []
        for d in deltas:
            if self.only_models is not None and d.model not in self.only_models:
                eligible = False
            if d.kind != "invalid":
                settings.append(d)
            elif d.model is None and d.path == f"file:{d.source}" and isinstance(d.new, str):
                broken.append(d.source)
                self._last_broken[d.source] = (d.new, n)
            else:
                eligible = False  # one bad entry of a collection: no way to tell
        return settings, eligible, broken

    def _setting_ids(self, deltas: list) -> list[int]:
        """Each delta's setting: its model's integer (a multiple of 2**32) plus its
        path's. Exact, and within 64 bits, while fewer than 2**31 deltas are indexed."""
        models = self._models.ids(list(map(_MODEL, deltas)))
        paths = self._paths.ids(list(map(_PATH, deltas)))
        return list(map(add, models, paths))

    def _effect(self, n: int, keys: list, olds: list, news: list) -> str | None:
        """Record what change `n` did; the latest earlier change it exactly inverts.
        The sums of hashes find the changes that may be it, a comparison of their
        deltas in full decides."""
        size = len(keys)
        forward = sum(map(hash, zip(keys, olds, news, strict=True))) & _MASK
        inverse = sum(map(hash, zip(keys, news, olds, strict=True))) & _MASK
        candidates = self._by_effect.get((inverse, size), ())
        inverted = next((m for m in reversed(candidates) if self._inverts(n, m)), None)
        self._by_effect.setdefault((forward, size), []).append(n)
        if inverted is None:
            return None
        sha = self._shas[inverted]
        if sha not in self._rollbacks:
            # Undoing a rollback redoes the change it rolled back: not a way back to an
            # audited state but that change again (whose approval, if it had one,
            # covers this: the same deltas have the same fingerprint).
            self._rollbacks.add(self._shas[n])
        return sha

    def _inverts(self, n: int, m: int) -> bool:
        """Whether change `n`'s deltas are change `m`'s with old and new swapped."""
        mine = sorted(zip(self._settings[n], self._after[n], self._before[n], strict=True))
        theirs = sorted(zip(self._settings[m], self._before[m], self._after[m], strict=True))
        return mine == theirs

    def is_rollback(self, sha: str) -> bool:
        return sha in self._rollbacks

    def rolled_back(self, sha: str) -> None:
        """A change found to invert one made before the range (see AuditRun)."""
        self._rollbacks.add(sha)

    def plain_gone_at_head(self) -> set[int]:
        """The changes none of whose settings counts as put back, as the head no longer
        has a model they moved: one renamed away, or one deleted that the change did not
        bring into being."""
        gone = set()
        for n, settings in enumerate(self._settings):
            for setting in settings:
                model = setting >> _PATH_BITS << _PATH_BITS
                state = self._state.get(model, PRESENT)
                if state == AWAY or (state == DELETED and model not in self._brought.get(n, ())):
                    gone.add(n)
        return gone

    def gone_at_head(self) -> set[int]:
        """`plain_gone_at_head`, a change's models found as a set."""
        ended = {m >> _PATH_BITS: s for m, s in self._state.items() if s != PRESENT}
        if not ended:
            return set()
        out = set()
        for n, settings in enumerate(self._settings):
            models = set(map(_rshift, settings, repeat(_PATH_BITS))).intersection(ended)
            if models and (
                models.difference(m >> _PATH_BITS for m in self._brought.get(n, ()))
                or AWAY in map(ended.__getitem__, models)
            ):
                out.add(n)
        return out

    def _fixes(self, fixed_by: FixedBy | None) -> dict[str, str | None]:
        """Each file a change left broken: the commit that fixed it since (see
        `marks`), None while the head still has the blob it was broken as."""
        broken = {file: (blob, self._shas[n]) for file, (blob, n) in self._last_broken.items()}
        return fixed_by(broken) if fixed_by and broken else {}

    def plain_marks(self, fixed_by: FixedBy | None = None) -> dict[str, Mark]:
        """The revert rule (see above), one setting at a time. A setting's loop runs
        from the first change whose value before it the head holds again, when a later
        change moved it, to the last change that moved it; a change sits in the loop
        when it is from that first change on and before that last one."""
        head, last = self._last_value, self._last_change
        loop: dict[int, int] = {}  # setting -> the change its loop starts at
        for n, settings in enumerate(self._settings):
            for setting, old in zip(settings, self._before[n], strict=True):
                if setting not in loop and old == head[setting] and n < last[setting]:
                    loop[setting] = n

        def in_loop(n: int, setting: int) -> bool:
            return setting in loop and loop[setting] <= n < last[setting]

        fixes, gone = self._fixes(fixed_by), self.plain_gone_at_head()
        undone: dict[int, str] = {}  # change no -> the commit that last put it back
        for n, settings in enumerate(self._settings):
            fixed = [fixes.get(f) for f in self._broken.get(n, ())]
            if not self._eligible[n] or n in gone or not all(fixed):
                continue
            if all(in_loop(n, setting) for setting in settings):
                by = [sha for sha in fixed if sha]
                if settings:
                    by.append(self._shas[max(last[setting] for setting in settings)])
                undone[n] = by[-1]
        # A setting whose loop holds a change that stays (a partial undo) was not
        # simply put back: the change closing that loop is judged.
        kept = {
            setting
            for n, settings in enumerate(self._settings)
            if n not in undone
            for setting in settings
            if in_loop(n, setting)
        }
        marks = {self._shas[n]: Mark(reverted_by=by) for n, by in undone.items()}
        for m, settings in enumerate(self._settings):
            if m in undone or not self._eligible[m] or not settings or m in self._broken:
                continue
            if all(
                last[setting] == m and setting in loop and setting not in kept
                for setting in settings
            ):
                first = min(loop[setting] for setting in settings)
                marks[self._shas[m]] = Mark(reverts=self._shas[first])
        return marks

    def marks(self, fixed_by: FixedBy | None = None) -> dict[str, Mark]:
        """`plain_marks`, each pass over a change's settings a few maps over its arrays.
        `fixed_by({file: (blob, sha)})`: for each file last broken as `blob` by commit
        `sha`, the first later commit that changed it, when the head no longer has that
        blob (None: still broken at head). Asked once, for all files."""
        head, last = self._last_value, self._last_change
        loop: dict[int, int] = {}  # setting -> first change whose value before is at head
        for n in range(len(self._settings) - 1, -1, -1):  # the earliest change written last
            settings = self._settings[n]
            at_head = map(eq, self._before[n], map(head.__getitem__, settings))
            again = map(lt, repeat(n), map(last.__getitem__, settings))
            loop.update(dict.fromkeys(compress(settings, map(and_, at_head, again)), n))
        fixes = self._fixes(fixed_by)  # file -> the fixing commit
        undone: dict[int, str] = {}  # change no -> the commit that last put it back
        gone = self.gone_at_head()
        for n, settings in enumerate(self._settings):
            fixed = [fixes.get(f) for f in self._broken.get(n, ())]
            if not self._eligible[n] or n in gone or not all(fixed):
                continue
            by = [sha for sha in fixed if sha]
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
            if (
                lasts.count(m) == len(lasts)
                and all(map(loop.__contains__, settings))
                and kept.isdisjoint(settings)
            ):
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
