"""The grid the label locator works on: one table as found in a source.

A :class:`Grid` holds origin cells with their row/column spans, and for every position
covered by a merged cell the origin that covers it.  Every source becomes grids: a sheet
of a workbook (:func:`grid_from_values`, used by the reader and the importer alike), an
HTML or Word table, a text export.  A text export has lost its spans: it becomes a
*positional* grid whose cells are in reading order only, and
:func:`gxxl.locate.tables.infer_spans` lays it out again before anything is located.

Rows and columns are 0-based here; ``where`` says how a person finds a position.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ..textio import cell_text


@dataclass(eq=False)
class Cell:
    text: str
    r: int
    c: int
    rs: int = 1
    cs: int = 1
    #: the value as stored (a number for numeric workbook cells), else the text
    raw: object = None
    #: where a person finds it in the source: 「文本第45行第3栏」, 「工作表“Sheet1”D12」
    where: str = ""

    def __post_init__(self):
        if self.raw is None:
            self.raw = self.text


@dataclass(eq=False)
class Grid:
    name: str
    positional: bool = False
    #: origin cells per row, in column (reading) order
    rows: list[list[Cell]] = field(default_factory=list)
    #: every covered position → the origin cell covering it (real grids only)
    at: dict[tuple[int, int], Cell] = field(default_factory=dict)
    #: (row, col) → how a person finds that position in the source (for empty positions)
    locator: object = None

    def where(self, r: int, c: int) -> str:
        cell = self.cell(r, c)
        if cell is not None and cell.where:
            return cell.where
        if callable(self.locator):
            return self.locator(r, c)
        return f"{self.name}第{r + 1}行第{c + 1}列"

    def add(self, cell: Cell) -> None:
        while len(self.rows) <= cell.r:
            self.rows.append([])
        self.rows[cell.r].append(cell)
        if not self.positional:
            for r in range(cell.r, cell.r + cell.rs):
                for c in range(cell.c, cell.c + cell.cs):
                    self.at.setdefault((r, c), cell)

    def cell(self, r: int, c: int) -> Cell | None:
        return self.at.get((r, c))

    @property
    def width(self) -> int:
        return max((c + 1 for (_, c) in self.at), default=0)


def grid_from_values(name: str, values: Sequence[Sequence[object]],
                     merges: Iterable[tuple[int, int, int, int]] = (), *,
                     where: Callable[[int, int], str] | None = None,
                     max_rows: int | None = None, max_cols: int | None = None) -> Grid:
    """A worksheet's values (rows from A1, ``""`` or ``None`` for empty cells) as a grid.

    ``merges`` are merged ranges as 0-based (first row, first col, last row, last col).  A
    merged range that covers a value other than its first cell's is ignored: spreadsheet
    programs keep only the first value when merging, so such a range was left behind by a
    program that inserted rows without moving it, and the values are what counts;
    ``where(r, c)`` names a position for people (also used for empty positions).  Numbers
    keep their stored value in ``Cell.raw``; the text is :func:`gxxl.textio.cell_text`.
    """
    grid = Grid(name=name, locator=where)
    rows = values if max_rows is None else values[:max_rows]
    spans = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in merges
             if not _hides_a_value(rows, r0, c0, r1, c1)}
    for r, row in enumerate(rows):
        while len(grid.rows) <= r:
            grid.rows.append([])
        if max_cols is not None:
            row = row[:max_cols]
        for c, v in enumerate(row):
            if (r, c) in grid.at:
                continue  # covered by a merged cell
            rs, cs = spans.get((r, c), (1, 1))
            if (v is None or v == "") and (rs, cs) == (1, 1):
                continue
            grid.add(Cell(text=cell_text(v), r=r, c=c, rs=rs, cs=cs, raw=v if v is not None else "",
                          where=where(r, c) if where else ""))
    return grid


def _hides_a_value(rows: Sequence[Sequence[object]], r0: int, c0: int, r1: int, c1: int) -> bool:
    for r in range(r0, min(r1 + 1, len(rows))):
        row = rows[r]
        for c in range(c0, min(c1 + 1, len(row))):
            if (r, c) != (r0, c0) and row[c] is not None and row[c] != "":
                return True
    return False
