"""An annotated copy of a workbook: failing cells filled red with a note, a 校验结果 sheet.

The input file is never modified: the copy is built in memory and written atomically.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from . import gate
from .filing import Filing
from .fileio import check_output, save_workbook
from .findings import RESULT_HEADERS, RESULTS_SHEET, Finding, note_text, result_row, status_line
from .layout import col_index, cover_status_row, COVER_VALUE_COL
from .cells import append, put
from .constants import ERROR_COLOUR, LINK_COLOUR, RESULT_WIDTHS, SUSPECT_COLOUR, WARNING_COLOUR
from .sheetprint import setup_print

ERROR_FILL = PatternFill("solid", fgColor=ERROR_COLOUR)
WARNING_FILL = PatternFill("solid", fgColor=WARNING_COLOUR)
SUSPECT_FILL = PatternFill("solid", fgColor=SUSPECT_COLOUR)


def marks(findings: list[Finding]) -> dict[str, tuple[str, list[Finding]]]:
    """location ("sheet!A1") → (fill kind, findings anchored there): what to paint where.

    Each finding marks its anchor cell (the reported side); an X-1 suspect marks its cell
    with the strongest fill.  Shared by the annotated copy and the Excel add-in.
    """
    at: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        if f.locations and "!" in f.locations[0]:
            at[f.locations[0]].append(f)
    out = {}
    for loc, fs in at.items():
        if any(f.rule == "X-1" for f in fs):
            kind = "suspect"
        elif any(f.severity == "error" for f in fs):
            kind = "error"
        elif any(f.severity == "warning" for f in fs):
            kind = "warning"
        else:
            continue  # info-only cells are listed, not painted
        out[loc] = (kind, fs)
    return out


FILLS = {"error": ERROR_FILL, "warning": WARNING_FILL, "suspect": SUSPECT_FILL}


def split_ref(loc: str) -> tuple[str, int, int]:
    sheet, ref = loc.rsplit("!", 1)
    letters = "".join(ch for ch in ref if ch.isalpha())
    return sheet, int(ref[len(letters):]), col_index(letters)


def _writable(ws, r: int, c: int):
    """The cell at (r, c), or the top-left cell of the merged range covering it (a clerk may
    have merged cells over an input; openpyxl's MergedCell cannot take a fill or a note);
    None when there is no writable cell."""
    cell = ws.cell(r, c)
    if isinstance(cell, MergedCell):
        for rng in ws.merged_cells.ranges:
            if rng.min_row <= r <= rng.max_row and rng.min_col <= c <= rng.max_col:
                top = ws.cell(rng.min_row, rng.min_col)
                if not isinstance(top, MergedCell):
                    return top
        return None  # overlapping merges: nothing writable here; the 校验结果 sheet still lists it
    return cell


def annotate(src: str | Path, filing: Filing, findings: list[Finding], out: str | Path, *, force: bool = True) -> Path:
    src = Path(src)
    check_output(out, force=force, inputs=(src,))  # before the work: never over the input
    wb = None
    if src.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            # every sheet through the gate: the reader checked only the sheets it parsed,
            # openpyxl parses them all
            checked = gate.check_workbook(src)
            wb = load_workbook(gate.parse_source(src, checked), keep_vba=src.suffix.lower() == ".xlsm", rich_text=True)
        except Exception:  # a sheet the gate refuses; openpyxl refuses what calamine read (<v>NaN</v>, odd XML)
            wb = None
    if wb is None:  # .xls and others: annotate a copy in the official template instead
        from .writer import fill_workbook

        wb = fill_workbook(filing)
    for loc, (kind, fs) in marks(findings).items():
        sheet, r, c = split_ref(loc)
        if sheet not in wb.sheetnames:
            continue
        cell = _writable(wb[sheet], r, c)
        if cell is None:
            continue
        cell.fill = FILLS[kind]
        cell.comment = Comment(note_text(fs), "gxxl", width=320, height=140)
    spec = filing.spec
    if spec.cover_sheet in wb.sheetnames:
        ws = wb[spec.cover_sheet]
        cell = _writable(ws, cover_status_row(spec), COVER_VALUE_COL)
        if cell is not None:
            put(ws, cell.row, cell.column, status_line(findings))
    write_results_sheet(wb, findings, unit=filing.unit_name, year=filing.year)
    return save_workbook(wb, out, force=force, inputs=(src,))


def write_results_sheet(wb, findings: list[Finding], title: str = RESULTS_SHEET, *, unit: str = "",
                        year: int | None = None) -> None:
    if title in wb.sheetnames:
        del wb[title]
    ws = wb.create_sheet(title)
    append(ws, list(RESULT_HEADERS))
    for c in ws[1]:
        c.font = Font(bold=True)
    for i, f in enumerate(findings, start=1):
        append(ws, result_row(i, f))
        if f.locations and "!" in f.locations[0]:
            sheet, ref = f.locations[0].rsplit("!", 1)
            link = ws.cell(i + 1, 4)
            link.hyperlink = f"#'{sheet}'!{ref}"
            link.font = Font(color=LINK_COLOUR, underline="single")
    if not findings:
        append(ws, ["", "", "", "", "", "", "", "校验通过，未发现问题"])
    for col, w in zip("ABCDEFGH", RESULT_WIDTHS):
        ws.column_dimensions[col].width = w
    ws.freeze_panes = "A2"
    setup_print(ws, title=title, unit=unit, year=year, landscape=True, repeat_rows=(1, 1), last_col=8,
                last_row=ws.max_row, wrap_columns=(4, 8), wrap_from_row=2)
