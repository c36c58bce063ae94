"""Blobs read and parsed for one run: the Loader, in front of the parse cache."""

from __future__ import annotations

from collections import OrderedDict
from functools import partial

from auditui.core.configs.documents import MAX_BYTES, DocumentError, decode_text, too_large
from auditui.core.configs.limits import Limit, pair_limits
from auditui.core.configs.models import collection_node
from auditui.core.configs.obligation_pairs import changed_obligations
from auditui.core.configs.obligations import Obligation
from auditui.core.git.catfile import BlobTooLarge
from auditui.core.git.repo import GitRepo
from auditui.core.history.parse_ahead import Ahead
from auditui.core.history.parse_cache import (
    MISSING,
    BlobCache,
    CacheKey,
    data_key,
    derive,
    limit_rows,
    limits_key,
    node_key,
    parse_blob,
)
from auditui.core.policy.model import Collection


class Loader:
    """Parses blobs for one run, cached by blob id (the same blob recurs endlessly),
    and between runs in the git dir (see parse_cache). Only a working set stays in
    memory: a catalogue's history is tens of thousands of versions."""

    MEMORY = 4096  # parsed blobs kept in memory (merges and reverts revisit recent ones)

    def __init__(self, repo: GitRepo) -> None:
        self.repo = repo
        self._data: OrderedDict[CacheKey, object] = OrderedDict()
        self._text: OrderedDict[str, str | DocumentError] = OrderedDict()
        self._limits: dict[str, tuple[Limit, ...]] = {}
        self._duties: dict[tuple[str | None, str | None], list] = {}
        self._pairs: dict[tuple, list] = {}
        self._links: dict[str, str] = {}
        self._store = BlobCache(repo.common_dir / "auditui")
        self._ahead: Ahead | None = None  # while a cold walk's blobs are parsed ahead

    def prefetch(self, wanted: list[tuple[str, str, str | Collection]]) -> None:
        """Have every (path, blob, what) the walk will need and the cache lacks parsed
        ahead of it, in the walk's order, on the other cores (a cold run over a
        catalogue's history). What: "data", "limits" (a prompt's), or the Collection
        whose entries are decoded from one value of the file (see node)."""
        items: dict[CacheKey, tuple[str, str]] = {}
        for path, sha, what in wanted:
            key: CacheKey
            if what == "limits":
                key = limits_key(sha)
            elif isinstance(what, Collection):
                key = node_key(path, sha, what.at, what.decode or "")
            else:
                key = data_key(path, sha)
            items.setdefault(key, (path, sha))
        known = self._store.known(list(items))
        missing = [(key, *where) for key, where in items.items() if key not in known]
        if missing:
            self.close()
            self._ahead = Ahead(self.repo.root, missing, self._store)

    def save(self) -> None:
        """Keep this run's parsed blobs for the next run (best effort: never fails)."""
        self.close()
        self._store.close()

    def close(self) -> None:
        """Stop parsing ahead (the walk ended, or was abandoned)."""
        if self._ahead is not None:
            self._ahead.close()
            self._ahead = None

    def _cached(self, key: CacheKey, compute):
        """A blob's derived value (parsed data, a prompt's limits): from the parse
        workers, else the cache in the git dir, else computed here and kept."""
        value = MISSING if self._ahead is None else self._ahead.take(key)
        if value is MISSING:
            value = self._store.get(key)
        if value is MISSING:
            value = compute()
            self._store.put(key, value)
        return value

    def data(self, path: str, sha: str):
        return self._remembered(
            data_key(path, sha),
            lambda: parse_blob(path, lambda limit: self.repo.read_blob(sha, limit)),
        )

    def node(self, path: str, sha: str, spec: Collection):
        """What holds a collection's entries (see models.collection_node): for entries
        decoded from a string in the file, kept like parsed data (parsing that string
        is a second parse of every version); else read off the parsed file."""
        if not spec.decode:
            return collection_node(self.data(path, sha), spec.at, None)
        key = node_key(path, sha, spec.at, spec.decode)
        return self._remembered(key, lambda: derive(key, path, partial(self.repo.read_blob, sha)))

    def _remembered(self, key: CacheKey, compute):
        """A blob's parsed value (see _cached), the working set kept in memory; raises
        the DocumentError saying why the blob has none."""
        value = self._data.get(key, MISSING)
        if value is MISSING:
            value = self._cached(key, compute)
            self._data[key] = value
            if len(self._data) > self.MEMORY:
                self._data.popitem(last=False)
        else:
            self._data.move_to_end(key)
        if isinstance(value, DocumentError):
            raise value
        return value

    def link(self, sha: str) -> str:
        """A symlink blob's target, kept for the run (a few dozen bytes each): a link
        is read again each time its target is edited or a merge brings it, and each
        read would be a round trip to git."""
        target = self._links.get(sha)
        if target is None:
            target = self._links[sha] = self.repo.read_blob(sha).decode("utf-8", "replace")
        return target

    def text(self, sha: str) -> str:
        if sha not in self._text:
            try:
                self._text[sha] = decode_text(self.repo.read_blob(sha, MAX_BYTES))
            except DocumentError as exc:
                self._text[sha] = exc
            except BlobTooLarge as exc:
                self._text[sha] = too_large(exc.size)
            if len(self._text) > self.MEMORY:
                self._text.popitem(last=False)
        value = self._text[sha]
        if isinstance(value, DocumentError):
            raise value
        return value

    def limits(self, sha: str) -> tuple[Limit, ...]:
        """A prompt blob's limits: read ahead by a parse worker, or from the cache, or
        here (each version once; extracting them is most of a prompts history's cost)."""

        def here():  # from the text the walk has already read (see _check_prompt)
            try:
                return limit_rows(self.text(sha))
            except DocumentError as exc:
                return exc

        if sha not in self._limits:
            value = self._cached(limits_key(sha), here)
            if isinstance(value, DocumentError) or not isinstance(value, tuple):
                self._limits[sha] = ()
            else:
                self._limits[sha] = tuple(Limit(*row) for row in value)
        return self._limits[sha]

    def obligation_pairs(
        self, old: str | None, new: str | None
    ) -> list[tuple[Obligation | None, Obligation | None]]:
        """The obligations that changed between two prompt blobs, paired where they
        stand (once per pair of blobs, however many models bind the prompt)."""
        key = (old, new)
        if key not in self._duties:
            self._duties[key] = changed_obligations(
                self._text_or_empty(old), self._text_or_empty(new)
            )
        return self._duties[key]

    def _text_or_empty(self, sha: str | None) -> str:
        try:
            return self.text(sha) if sha else ""
        except DocumentError:
            return ""

    def limit_pairs(
        self, old: str | None, new: str | None
    ) -> list[tuple[Limit | None, Limit | None]]:
        """The limits that changed between two prompt blobs, paired where they stand
        (once per pair of blobs, however many models bind the prompt)."""
        key = (old, new)
        if key not in self._pairs:
            texts = []
            for sha in key:
                try:
                    texts.append(self.text(sha) if sha else "")
                except DocumentError:
                    texts.append("")
            self._pairs[key] = pair_limits(
                texts[0], texts[1], self.limits(old) if old else (), self.limits(new) if new else ()
            )
        return self._pairs[key]
