"""The app's tables: DataTable with the keys the help lists (j / k move, as in less)."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual.binding import Binding
from textual.widgets import DataTable


class Table(DataTable):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]
    # Columns that share the width the others leave (key -> minimum), so text is not
    # cut beside empty space on a wide screen; none grows past its widest cell.
    FLEX: dict[Any, int] = {}  # keyed by name: a ColumnKey equals its name
    # Columns that give their room to the FLEX ones, the last first, while a FLEX one
    # would be cut narrower than ROOMY (they sit last and scroll into view): at 80
    # columns a setting and its values matter more than the commit id.
    SPILL: tuple[str, ...] = ()
    ROOMY: dict[Any, int] = {}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._widths: dict = {}  # column key -> its widest cell so far (see `_widest`)

    def add_row(self, *cells, **kwargs):
        for column, cell in zip(self.ordered_columns, cells, strict=False):
            width = cell_len(str(cell))
            if width > self._widths.get(column.key, 0):
                self._widths[column.key] = width
        return super().add_row(*cells, **kwargs)

    def clear(self, columns: bool = False):
        self._widths = {}
        return super().clear(columns)

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        flex = {k: c for k, c in self.columns.items() if k in self.FLEX}
        if not flex or not self.size.width:
            return
        widest = {key: self._widest(key) for key in flex}
        room = self.size.width - 2 * self.cell_padding * len(flex) - 2
        kept: list[Any] = [k for k in self.columns if k not in flex]
        spill = [k for k in self.SPILL if k in kept]
        while True:
            widths = self._share(widest, room - sum(map(self._render_width, kept)))
            roomy = all(widths[k] >= min(self.ROOMY.get(k, 0), widest[k]) for k in flex)
            if roomy or not spill:
                break
            kept.remove(spill.pop())
        changed = False
        for key, column in flex.items():
            changed |= column.width != widths[key]
            column.width = widths[key]
        if changed:
            self._require_update_dimensions = True
            self.refresh()

    def _render_width(self, key) -> int:
        """A column's width with its padding, measured now (see `_widest`)."""
        column = self.columns[key]
        return 2 * self.cell_padding + (self._widest(key) if column.auto_width else column.width)

    def _share(self, widest: dict, free: int) -> dict:
        """`free` cells among the FLEX columns: the narrowest content first, each at
        least its minimum and at most its widest cell, what it leaves to the others."""
        widths = {}
        order = sorted(widest, key=widest.__getitem__)
        for n, key in enumerate(order):
            share = max(0, free) // (len(order) - n)
            widths[key] = max(self.FLEX[key], min(share, widest[key]))
            free -= widths[key]
        return widths

    def _widest(self, key) -> int:
        """The widest cell of a column, its label included, kept as rows are added
        (DataTable's own measure lags: it is taken when the table is next idle, and
        never shrinks on `clear`)."""
        return max(cell_len(self.columns[key].label.plain), self._widths.get(key, 0))
