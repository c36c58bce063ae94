"""How each kept World was made, so that two Worlds' differences are found from the
few files changed since they parted (see Lineage)."""

from __future__ import annotations


class Lineage:
    """How each kept World was made: from which commit's World, writing which paths.

    Every World descends from a root (a tree read whole, or an empty one) through such
    steps, so two Worlds' tracked files can differ only at paths written on the way
    from their nearest common ancestor to each: a merge's two parents mostly parted a
    few commits ago, and comparing the few files those wrote replaces comparing every
    tracked file. A step that also wrote
    paths it was not given (a symlink's target or a prompt first looked up in the
    tree) is opaque: a question crossing it is answered by comparing everything."""

    LONGEST = 5000  # steps walked before comparing everything is the cheaper way

    def __init__(self) -> None:
        # commit -> (the commit its World was made from, depth, paths written or None)
        self._made: dict[str, tuple[str | None, int, tuple[str, ...] | None]] = {}

    def root(self, sha: str) -> None:
        self._made[sha] = (None, 0, ())

    def made(self, sha: str, base: str, written: tuple[str, ...] | None) -> None:
        known = self._made.get(base)
        if known is None:
            self.root(sha)  # made from a World this lineage never saw: a root of its own
        else:
            self._made[sha] = (base, known[1] + 1, written)

    def written_between(self, a: str, b: str, most: int) -> set[str] | None:
        """The paths written on the way between two commits' Worlds: every path whose
        entry can differ between them. None when the way crosses an opaque step, the
        two have no common root, or more than `most` paths (or LONGEST steps) lie on
        it."""
        made = self._made
        paths: set[str] = set()
        if a not in made or b not in made:
            return None
        for _ in range(self.LONGEST):
            if a == b:
                return paths
            if made[a][1] < made[b][1]:
                a, b = b, a  # step the deeper one (of two as deep, either)
            base, depth, written = made[a]
            if depth == 0 or written is None:
                return None  # two different roots, or an opaque step
            paths.update(written)
            if len(paths) > most:
                return None
            a = base  # type: ignore[assignment]
        return None
