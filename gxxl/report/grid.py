"""An official table as boxes on a grid, for every renderer (Word, Markdown/HTML, worksheet).

The boxes come from the spec only: the layout's spans (headers, captions, row labels, the
勾稽 note, with their row/column spans) and the value cells (some span several columns,
like 表二's 本年处理决定数量).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..filing import Filing
from ..findings import fmt_num
from ..spec import TableSpec


@dataclass(frozen=True)
class Box:
    row: int
    col: int
    rowspan: int
    colspan: int
    text: str
    #: "header" | "label" | "caption" | "note" | "value"
    kind: str
    code: str = ""


def boxes(table: TableSpec, filing: Filing | None = None) -> list[Box]:
    """Every printed box of the table in reading order; values from ``filing`` (blank if None)."""
    out = [Box(s.row, s.col, s.rowspan, s.colspan, s.text, s.kind) for s in table.layout.spans]
    for c in table.cells:
        text = ""
        if filing is not None:
            v = filing.values.get(c.code)
            if v is not None:
                text = fmt_num(v)
            elif c.code in filing.problems and filing.problems[c.code][0] in ("text", "invalid"):
                text = filing.problems[c.code][1]  # what the unit wrote; never a silent 0
        out.append(Box(c.r, c.c, 1, c.colspan, text, "value", c.code))
    out.sort(key=lambda b: (b.row, b.col))
    return out


def header_rows(table: TableSpec) -> int:
    """How many rows at the top hold only headers (repeated on each page in Word)."""
    first_value = min(c.r for c in table.cells)
    label_rows = {s.row for s in table.layout.spans if s.kind in ("label", "caption")}
    first_label = min(label_rows) if label_rows else first_value
    return min(first_value, first_label)


def covered(table: TableSpec) -> set[tuple[int, int]]:
    """Grid positions hidden under a merged box (not its top-left corner)."""
    out = set()
    for b in boxes(table):
        for r in range(b.row, b.row + b.rowspan):
            for c in range(b.col, b.col + b.colspan):
                if (r, c) != (b.row, b.col):
                    out.add((r, c))
    return out


def unit_text(table: TableSpec) -> str:
    """The unit line printed above the table (「单位：件」), as the template prints it."""
    units = {c.unit for c in table.cells}
    return table.unit_note or ("单位：件" if units == {"件"} else "件数单位：件；收费金额单位：万元")
