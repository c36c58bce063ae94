"""Repository text for the screen: always through the one sanitiser, never as markup.

Rich strips only a few control characters from Text (not ESC), so every string that
comes from the repository is passed through `core.terminal.safe` here before Textual
writes it to the terminal.

Names and settings that do not fit a column are cut where they tell least: a model
named by its path shows the part that tells it from the others (`short_names`), and
what still does not fit loses its head, never its tail (`Fit`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

from rich.cells import cell_len
from rich.measure import Measurement
from rich.text import Text

from auditui.core.base.terminal import safe

ELLIPSIS = "…"


def plain(value: object, style: str = "", **options) -> Text:
    """A Text of repository text: one line, escapes shown, never interpreted."""
    return Text(safe(value), style=style, **options)


def one_line(value: object) -> str:
    """Free text a person wrote (a commit subject, a comment) for a one-line cell: a
    tab is whitespace there, shown as a space; every other control character is
    escaped by `safe`. (Reports keep `\\x09`: a report line's tab is content.)"""
    return safe(str(value).replace("\t", " "))


def short_names(names: Iterable[str]) -> dict[str, str]:
    """Each model name as the part that tells it from the others.

    Path names hold words the layout repeats for every model (dify's
    `models/<provider>/models/llm/<id>`, models.dev's `providers/<p>/models/<id>`).
    A folder that is the only one its parent holds among these names tells no model
    from another, so it is dropped; the last segment always stays. dify's names
    become `<provider>/<id>`; models.dev keeps `providers/` and `models/` apart (both
    roots hold models) and drops the `models/` under each provider. Names that would
    come out alike keep their full form; `prompt:` names are never shortened.
    """
    names = list(dict.fromkeys(names))
    split = {n: n.split("/") for n in names if "/" in n and not n.startswith("prompt:")}
    below: dict[tuple[str, ...], set[str]] = {}
    for parts in split.values():
        for i, part in enumerate(parts):
            below.setdefault(tuple(parts[:i]), set()).add(part)
    out = {n: n for n in names}
    for name, parts in split.items():
        last = len(parts) - 1
        kept = [p for i, p in enumerate(parts) if i == last or len(below[tuple(parts[:i])]) > 1]
        out[name] = "/".join(kept)
    alike = Counter(out.values())
    return {n: s if alike[s] == 1 else n for n, s in out.items()}


# Where a long text may be cut: before a `/` or `[`, or after a `.` (a key's segment).
_PATH_CUTS = re.compile(r"(?=/)")
_KEY_CUTS = re.compile(r"(?=[/\[])|(?<=\.)")
_ITEM_FIELD = re.compile(r"\[[^\[\]=]+=")


def fit_path(text: str, width: int) -> str:
    """`text` in at most `width` cells, cut on the left: whole leading segments first
    (`…/claude-3-5-sonnet`), then characters. A name's tail is what tells it apart."""
    return _fit(text, width, _PATH_CUTS)


def fit_key(path: str, width: int) -> str:
    """A setting's path in at most `width` cells: `parameter_rules[name=max_tokens].default`
    becomes `parameter_rules[max_tokens].default`, then `…[max_tokens].default` — the
    item and the leaf are what tell two settings apart. Prompt paths cut like paths."""
    if path.startswith(("prompt:", "file:")):
        return fit_path(path, width)
    if cell_len(path) <= width:
        return path
    path = _ITEM_FIELD.sub("[", path)
    return _fit_last_item(path, width) or _fit(path, width, _KEY_CUTS)


_LAST_ITEM = re.compile(r"\[([^\[\]]+)\]([^\[\]]*)\Z")


def _fit_last_item(path: str, width: int) -> str | None:
    """`…[max_output…].default`: the last item's name cut on its right and its leaf
    kept whole, where the item and leaf do not fit together (None: they do, or the
    name would keep fewer than four characters)."""
    item = _LAST_ITEM.search(path)
    if item is None or cell_len(ELLIPSIS + item.group()) <= width:
        return None
    name, leaf = item.groups()
    room = width - cell_len(leaf) - 4  # `…[`, `…]`
    if room < 4:
        return None
    return f"{ELLIPSIS}[{fit_end(name, room + 1)}]{leaf}"


def _fit(text: str, width: int, cuts: re.Pattern[str]) -> str:
    """Whole segments dropped from the left while that leaves most of the width in
    use (`…[max_tokens].default`); else characters (`…x_tokens].default`, where
    `…default` alone would tell nothing)."""
    if cell_len(text) <= width:
        return text
    for match in cuts.finditer(text, 1):
        tail = ELLIPSIS + text[match.start() :]
        if cell_len(tail) <= width:
            if 3 * cell_len(tail) >= 2 * width:
                return tail
            break
    return _chars_from_right(text, width)


def _chars_from_right(text: str, width: int) -> str:
    """The last characters of `text` that fit `width - 1` cells, after `…`."""
    if width <= 0:
        return ""
    kept, used = [], 1
    for ch in reversed(text):
        used += cell_len(ch)
        if used > width:
            break
        kept.append(ch)
    return ELLIPSIS + "".join(reversed(kept))


ARROW = " → "


def fit_pair(text: str, width: int) -> str:
    """`old → new` in at most `width` cells: each side cut on its right to its share
    (a side shorter than its half leaves the rest to the other), both always seen."""
    if cell_len(text) <= width or ARROW not in text:
        return text if cell_len(text) <= width else fit_end(text, width)
    old, _, new = text.partition(ARROW)
    room = width - cell_len(ARROW)
    if room < 2:
        return fit_end(text, width)
    half = room - room // 2  # the new value's share: the odd cell goes to it
    old_room = min(cell_len(old), max(room - half, room - cell_len(new)))
    return fit_end(old, old_room) + ARROW + fit_end(new, room - old_room)


def fit_end(text: str, width: int) -> str:
    """`text` in at most `width` cells, cut on the right (`…` last): for prose, whose
    start says what it is."""
    if cell_len(text) <= width:
        return text
    kept, used = [], 1
    for ch in text:
        used += cell_len(ch)
        if used > width:
            break
        kept.append(ch)
    return "".join(kept) + ELLIPSIS if width > 0 else ""


class Fit:
    """One line of repository text that fits the width its cell is given, cut by
    `fit` (the tail kept); `suffix` (" +3") is never cut. The width is known only
    when the cell is drawn, so this is a renderable, not a string."""

    def __init__(
        self,
        text: object,
        fit: Callable[[str, int], str] = fit_path,
        suffix: str = "",
        style: str = "",
    ) -> None:
        self.text, self.fit, self.suffix, self.style = safe(text), fit, suffix, style

    def __rich_console__(self, console, options):
        room = options.max_width - cell_len(self.suffix)
        shown = self.fit(self.text, room) + self.suffix
        yield Text(shown, style=self.style, no_wrap=True, overflow="ellipsis")

    def __rich_measure__(self, console, options) -> Measurement:
        full = cell_len(self.text + self.suffix)
        return Measurement(min(full, 1 + cell_len(self.suffix)), full)

    def __str__(self) -> str:
        return self.text + self.suffix
