"""The label locator: finds the official tables in any grid of cells, by their labels.

One locator for every source.  The reader (:func:`gxxl.reader.read_filing`) builds a
:class:`Grid` from each sheet when the fast by-position check fails (F-4); the importer
(``gxxl import``) builds grids from text, HTML, .docx and foreign workbooks.  Both then
call :func:`locate_table` / :func:`locate_best`, so they read the same workbook the same
way.

- :mod:`.grid`: :class:`Cell`, :class:`Grid`, :func:`grid_from_values` (a sheet → a grid)
- :mod:`.match`: label comparison (``key``, ``similarity``) and what a cell holds (``kind_of``)
- :mod:`.tables`: the locator proper (rows by label in official order, columns by header,
  spans of a text export restored, 表四 read positionally), with its :class:`Decision`\\ s
"""

from __future__ import annotations

from collections.abc import Iterable

from ..spec import TableSpec
from .grid import Cell, Grid, grid_from_values
from .tables import Decision, Placed, TableHit, locate_table

__all__ = ["Cell", "Grid", "grid_from_values", "Decision", "Placed", "TableHit", "locate_table", "locate_best"]


def locate_best(grids: Iterable[Grid], table: TableSpec) -> tuple[TableHit | None, list[TableHit]]:
    """The table in every grid where it is found, and the most complete of them
    (most cells, then most rows; the first grid wins a tie)."""
    found = [h for h in (locate_table(g, table) for g in grids) if h is not None]
    best = max(found, key=lambda h: h.quality) if found else None
    return best, found
