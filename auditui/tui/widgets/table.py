"""The app's tables: DataTable with the keys the help lists (j / k move, as in less)."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable


class Table(DataTable):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]
    # Columns that share the width the others leave (key -> minimum), so text is not
    # cut beside empty space on a wide screen.
    FLEX: dict[str, int] = {}

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        flex = {k: c for k, c in self.columns.items() if k in self.FLEX}  # type: ignore[operator]
        if not flex or not self.size.width:
            return
        others = sum(c.get_render_width(self) for k, c in self.columns.items() if k not in flex)
        free = self.size.width - others - 2 * self.cell_padding * len(flex) - 2
        share = free // len(flex)
        changed = False
        for key, column in flex.items():
            width = max(self.FLEX[key], share)  # type: ignore[index]
            changed |= column.width != width
            column.width = width
        if changed:
            self._require_update_dimensions = True
            self.refresh()
