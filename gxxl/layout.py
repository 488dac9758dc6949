"""Sheet geometry derived from the spec: where each cell, label and cover field sits.

Only this module (and whatever shows a finding to a person) turns cell codes into sheet
coordinates.  Rows and columns are 1-based, as in spreadsheets.
"""

from __future__ import annotations

from .spec import FormatSpec, TableSpec

META_SHEET = "_gxxl"
#: first cover row holding a field (row 1: title, row 2: basis, row 3: column heads)
COVER_FIRST_ROW = 4
COVER_LABEL_COL = 1
COVER_VALUE_COL = 2
COVER_HINT_COL = 3


def col_letter(col: int) -> str:
    s = ""
    while col:
        col, rem = divmod(col - 1, 26)
        s = chr(65 + rem) + s
    return s


def col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def a1(row: int, col: int) -> str:
    return f"{col_letter(col)}{row}"


def sheet_ref(sheet: str, row: int, col: int) -> str:
    """「表三 依申请公开!D5」 — the form people and Excel hyperlinks understand."""
    return f"{sheet}!{a1(row, col)}"


def table_pos(table: TableSpec, r: int, c: int) -> tuple[int, int]:
    r0, c0 = table.layout.origin
    return r0 + r, c0 + c


def table_sheet_positions(table: TableSpec):
    """((code, row, col) of each cell, (row, col, text) of each printed span) of a table.

    Cached on the spec: use ``table.sheet_positions``."""
    cells = tuple((cs.code, *table_pos(table, cs.r, cs.c)) for cs in table.cells)
    spans = tuple((*table_pos(table, sp.row, sp.col), sp.text) for sp in table.layout.spans)
    return cells, spans


def cell_positions(spec: FormatSpec) -> dict[str, tuple[str, int, int]]:
    """code → (sheet, row, col) in the template (cached on the spec)."""
    return spec.cell_positions


def cover_positions(spec: FormatSpec) -> dict[str, tuple[int, int]]:
    """cover field code → (row, col) of its value cell on the cover sheet."""
    return {f.code: (COVER_FIRST_ROW + i, COVER_VALUE_COL) for i, f in enumerate(spec.cover)}


def cover_status_row(spec: FormatSpec) -> int:
    """The cover row that shows the validation status (add-in and self-check formulas)."""
    return COVER_FIRST_ROW + len(spec.cover) + 1
