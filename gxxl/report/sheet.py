"""Report → a 报告章节 worksheet, written into a copy of the filing's workbook.

For Excel/WPS users: the title, the outline, the sentences and the three official tables
(merged headers and labels from the spec, bordered) on one printable sheet, from which
text can be copied into the report.  Placeholders and notes to confirm are red.

The columns are shared by all tables: 表三 sits in A–J with its own widths; 表二's label
column is the wide column C (values D–F); 表四's 15 narrow columns are D–R, so every table
keeps sensible widths on one sheet; the sheet prints landscape, one page wide.
"""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from ..fileio import save_workbook
from ..cells import put
from ..sheetprint import setup_print
from .grid import boxes
from .model import Block, Report

SHEET = "报告章节"

#: where each table starts (0-based column offset on the sheet)
TABLE_OFFSET = {"T2": 2, "T3": 0, "T4": 3}
#: sheet column widths (characters): 表三's label columns, then narrow value columns
WIDTHS = (6, 11, 30) + (7,) * 15
TEXT_COLS = 10  # paragraphs span A–J

FONT = "宋体"
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
RED = "C00000"


def write_report_sheet(report: Report, src: str | Path, out: str | Path) -> Path:
    """Copy ``src`` to ``out`` with a (re)written 报告章节 sheet; ``src`` itself is not changed
    unless ``out`` is the same path (the caller decides when that is allowed)."""
    src, out = Path(src), Path(out)
    # macros stay only in a macro-enabled copy (an .xlsx with a VBA part does not open in Excel)
    keep_vba = src.suffix.lower() == ".xlsm" and out.suffix.lower() == ".xlsm"
    from .. import gate

    # every sheet (the reader checked only those it parsed): openpyxl parses them all; the
    # caller has decided whether src is an input that must not be overwritten (--in-place)
    checked = gate.check_workbook(src, remember_input=False)
    wb = load_workbook(gate.parse_source(src, checked), keep_vba=keep_vba, rich_text=True)
    if SHEET in wb.sheetnames:
        del wb[SHEET]
    ws = wb.create_sheet(SHEET)
    fill_sheet(ws, report)
    return save_workbook(wb, out)


def fill_sheet(ws, report: Report) -> None:
    for i, w in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    text_width = sum(WIDTHS[:TEXT_COLS])
    row = 1
    note = put(ws, row, 1, f"本工作表由 gxxl report 根据本工作簿的统计表生成（数据来源：{Path(report.filing.source or '').name}）；统计表修改后请重新生成。")
    note.font = Font(name=FONT, size=9, italic=True, color="808080")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=TEXT_COLS)
    row += 1
    keep: list[tuple[int, int]] = []  # (first, last) rows that should print on one page
    for block in report.blocks:
        if block.kind == "table":
            end = _table(ws, report, block.table, row + 1)
            keep.append((row - 1, end - 1))  # with its heading
            row = end + 1
            continue
        cell = ws.cell(row, 1)
        size, bold, align = 11, False, "left"
        if block.kind == "title":
            size, bold, align = 16, True, "center"
        elif block.kind in ("h1", "h2"):
            size, bold = 12, True
        put(ws, row, 1, _rich(block, size, bold))
        cell.font = Font(name=FONT, size=size, bold=bold)
        cell.alignment = Alignment(horizontal=align, vertical="top", wrap_text=True)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=TEXT_COLS)
        lines = _lines("　　" + block.text, text_width, size)
        ws.row_dimensions[row].height = max(1, lines) * size * 1.45
        row += 1
    # 图解: native charts (editable) with their data, after the text and the tables
    from .charts import add_excel_charts, report_charts

    from openpyxl.worksheet.pagebreak import Break

    for r in _page_breaks(ws, keep, row):
        ws.row_breaks.append(Break(id=r))
    ws.row_breaks.append(Break(id=row))  # the charts start on a new page
    ws.cell(row + 1, 1, "图解").font = Font(name=FONT, size=12, bold=True)
    row = add_excel_charts(ws, report_charts(report.filing, report.previous), row + 2, label_col=3, chart_col=7)
    # landscape: 表四 reaches column R
    setup_print(ws, title=SHEET, unit=report.filing.unit_name, year=report.filing.year, landscape=True,
                last_col=len(WIDTHS), last_row=row)


#: printable height of a landscape A4 page in sheet points at the fit-to-width scale
#: (8.27 in − margins and header ≈ 490 pt, the sheet printed at ≈ 93 %)
PAGE_PT = 520


def _page_breaks(ws, keep: list[tuple[int, int]], last: int) -> list[int]:
    """Rows after which a page break keeps each table (with its heading) on one page when
    it would otherwise be cut; a table taller than a page starts on a new page."""
    def h(r: int) -> float:
        return ws.row_dimensions[r].height or 15

    starts = {a: b for a, b in keep}
    out, used = [], 0.0
    for r in range(1, last + 1):
        if r in starts and used > 0:
            unit = sum(h(x) for x in range(r, starts[r] + 1))
            if used + unit > PAGE_PT:
                out.append(r - 1)
                used = 0.0
        used += h(r)
        if used > PAGE_PT:  # a natural break LibreOffice/Excel make anyway
            used = h(r)
    return out


def _rich(block: Block, size: float, bold: bool):
    indent = "　　" if block.kind in ("para", "notice") else ""
    if not any(p.mark for p in block.pieces):
        return indent + block.text
    parts = [TextBlock(InlineFont(rFont=FONT, sz=size, b=bold), indent)] if indent else []
    for p in block.pieces:
        font = InlineFont(rFont=FONT, sz=size, b=bold, color=RED if p.mark else None)
        parts.append(TextBlock(font, p.text))
    return CellRichText(parts)


def _table(ws, report: Report, code: str, first_row: int) -> int:
    """Write one official table starting at ``first_row``; return the row after it."""
    table = report.spec.table_by_code[code]
    off = TABLE_OFFSET.get(code, 0)
    size = 9 if code == "T4" else 10
    tall: dict[int, int] = {}
    for b in boxes(table, report.filing):
        r, c = first_row + b.row, 1 + off + b.col
        for rr in range(r, r + b.rowspan):
            for cc in range(c, c + b.colspan):
                ws.cell(rr, cc).border = BORDER
        if b.rowspan > 1 or b.colspan > 1:
            ws.merge_cells(start_row=r, start_column=c, end_row=r + b.rowspan - 1, end_column=c + b.colspan - 1)
        cell = ws.cell(r, c)
        value = b.text
        if b.kind == "value" and value:
            try:
                value = int(value) if value.lstrip("-").isdigit() else float(value)
            except ValueError:
                pass
        put(ws, r, c, value)
        left = b.kind == "caption" or (b.kind == "label" and b.rowspan == 1 and b.col + b.colspan > 1)
        cell.alignment = Alignment(horizontal="left" if left else "center", vertical="center", wrap_text=True)
        cell.font = Font(name=FONT, size=size, bold=b.kind == "caption")
        width = sum(WIDTHS[off + b.col + i] for i in range(b.colspan))
        lines = math.ceil(_lines(b.text, width, size) / b.rowspan)
        tall[b.row] = max(tall.get(b.row, 1), lines)
    for r, lines in tall.items():
        ws.row_dimensions[first_row + r].height = max(15, lines * size * 1.4)
    return first_row + table.layout.height


def _lines(text: str, width_chars: float, size: float) -> int:
    """Lines a wrapped text needs in a cell ``width_chars`` wide (Excel width units at 11pt)."""
    units = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text) * size / 11
    return max(1, math.ceil(units / max(1.0, width_chars - 1)))
