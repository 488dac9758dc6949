"""The blank template workbook, written from the spec.

Cover sheet, one sheet per table laid out like the official table (merged headers, the
勾稽 note), input cells unlocked with data validation and an input fill, label cells
protected without a password, A4 print setup, and a hidden sheet with the format ID.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation

from . import __version__
from . import constants as C
from .cells import put
from .fileio import save_workbook
from .layout import (
    COVER_HINT_COL,
    COVER_LABEL_COL,
    COVER_VALUE_COL,
    META_SHEET,
    a1,
    col_letter,
    cover_positions,
    cover_status_row,
    table_pos,
)
from .spec import FormatSpec, TableSpec, get_spec

INPUT_FILL = PatternFill("solid", fgColor=C.INPUT_COLOUR)  # pale yellow: "type here"
HEADER_FILL = PatternFill("solid", fgColor=C.HEADER_COLOUR)
CAPTION_FILL = PatternFill("solid", fgColor=C.CAPTION_COLOUR)
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FONT = Font(name="宋体", size=10)
FONT_BOLD = Font(name="宋体", size=10, bold=True)
TITLE_FONT = Font(name="黑体", size=14, bold=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
UNLOCKED = Protection(locked=False)

def build_template(spec: FormatSpec | None = None):
    """Return an openpyxl Workbook of the blank template for ``spec``."""
    spec = spec or get_spec()
    wb = Workbook()
    cover = wb.active
    cover.title = spec.cover_sheet
    _write_cover(cover, spec)
    for table in spec.tables:
        _write_table(wb.create_sheet(table.sheet), table, spec)
    _write_self_check(wb, spec)
    meta = wb.create_sheet(META_SHEET)
    write_meta(meta, spec, kind="unit")
    meta.sheet_state = "hidden"
    wb.active = 0
    return wb


def write_meta(ws, spec: FormatSpec, *, kind: str = "unit", extra: dict[str, str] | None = None) -> None:
    values = {
        "format": spec.id,
        "version": spec.version,
        "format_name": spec.name,
        "basis": spec.basis,
        "generator": f"gxxl {__version__}",
        "kind": kind,
    }
    values.update(extra or {})
    for i, (k, v) in enumerate(values.items(), start=1):
        put(ws, i, 1, k)
        put(ws, i, 2, v)  # the roll-up unit's name is user text
    ws.protection.sheet = True


def _write_cover(ws, spec: FormatSpec) -> None:
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=3)
    c = ws.cell(1, 1, "政府信息公开工作年度报告统计表")
    c.font, c.alignment = TITLE_FONT, CENTER
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=3)
    c = ws.cell(2, 1, f"《{spec.name}》（{spec.basis}）")
    c.font, c.alignment = FONT, CENTER
    for col, text in ((COVER_LABEL_COL, "项目"), (COVER_VALUE_COL, "填写内容"), (COVER_HINT_COL, "说明")):
        c = ws.cell(3, col, text)
        c.font, c.alignment, c.fill, c.border = FONT_BOLD, CENTER, HEADER_FILL, BORDER
    positions = cover_positions(spec)
    for field in spec.cover:
        row, col = positions[field.code]
        lab = ws.cell(row, COVER_LABEL_COL, field.label + ("（必填）" if field.required else ""))
        lab.font, lab.alignment, lab.border = FONT_BOLD if field.required else FONT, LEFT, BORDER
        val = ws.cell(row, col)
        val.fill, val.border, val.protection, val.font, val.alignment = INPUT_FILL, BORDER, UNLOCKED, FONT, LEFT
        if field.kind in ("credit_code", "phone", "date"):
            val.number_format = "@"
        hint = ws.cell(row, COVER_HINT_COL, field.hint)
        hint.font, hint.alignment, hint.border = Font(name="宋体", size=9, color="666666"), LEFT, BORDER
        if field.choices:
            dv = DataValidation(
                type="list", formula1='"' + ",".join(field.choices) + '"', allow_blank=True,
                showErrorMessage=True, errorTitle="行政层级", error="请从下拉列表中选择行政层级",
            )
            ws.add_data_validation(dv)
            dv.add(a1(row, col))
        elif field.kind == "year":
            dv = DataValidation(
                type="whole", operator="between", formula1=str(C.YEAR_MIN), formula2=str(C.YEAR_MAX), allow_blank=True,
                showErrorMessage=True, errorTitle="报告年度", error="报告年度应为四位年份，如 2024",
            )
            ws.add_data_validation(dv)
            dv.add(a1(row, col))
    status = cover_status_row(spec)
    c = ws.cell(status, COVER_LABEL_COL, "校验状态")
    c.font, c.alignment, c.border = FONT_BOLD, LEFT, BORDER
    ws.merge_cells(start_row=status, start_column=COVER_VALUE_COL, end_row=status, end_column=COVER_HINT_COL)
    c = ws.cell(status, COVER_VALUE_COL)
    c.font, c.alignment, c.border = FONT_BOLD, LEFT, BORDER
    ws.cell(status, COVER_HINT_COL).border = BORDER
    ws.cell(status + 2, 1, "填写说明：黄色单元格为填写区，其余单元格已保护（无密码）。件数填不小于0的整数，没有发生的填0，不要留空。"
                           "“校验状态”由公式自动计算；各统计表右侧或下方的校验单元格显示 ✓ 或 ✗，填错的单元格变红，明细见“自动校验”工作表。").font = Font(name="宋体", size=9, color="666666")
    ws.merge_cells(start_row=status + 2, start_column=1, end_row=status + 2, end_column=3)
    ws.cell(status + 2, 1).alignment = LEFT
    ws.row_dimensions[status + 2].height = 40
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 30
    ws.row_dimensions[1].height = 28
    _print_setup(ws, landscape=False, last_col=3, last_row=status + 2)
    ws.protection.sheet = True


def _write_table(ws, table: TableSpec, spec: FormatSpec) -> None:
    lay = table.layout
    r0, c0 = lay.origin
    last_col = c0 + lay.width - 1
    ws.merge_cells(start_row=1, start_column=c0, end_row=1, end_column=last_col)
    t = ws.cell(1, c0, table.title)
    t.font, t.alignment = TITLE_FONT, CENTER
    ws.row_dimensions[1].height = 26
    from .report.grid import unit_text as _unit_text

    unit_text = _unit_text(table)
    ws.merge_cells(start_row=2, start_column=c0, end_row=2, end_column=last_col)
    u = ws.cell(2, c0, unit_text)
    u.font, u.alignment = Font(name="宋体", size=9), Alignment(horizontal="right")

    # grid borders over the whole table first, so merged areas keep their outline
    for r in range(lay.height):
        for c in range(lay.width):
            cell = ws.cell(*table_pos(table, r, c))
            cell.border = BORDER
            cell.font = FONT
    for sp in lay.spans:
        row, col = table_pos(table, sp.row, sp.col)
        if sp.rowspan > 1 or sp.colspan > 1:
            ws.merge_cells(start_row=row, start_column=col, end_row=row + sp.rowspan - 1, end_column=col + sp.colspan - 1)
        cell = ws.cell(row, col, sp.text)
        if sp.kind == "label":
            cell.alignment = LEFT if sp.rowspan == 1 else CENTER
        else:
            cell.alignment = CENTER
        if sp.kind == "header":
            cell.fill, cell.font = HEADER_FILL, FONT_BOLD
        elif sp.kind == "caption":
            cell.fill, cell.font = CAPTION_FILL, FONT_BOLD
            cell.alignment = LEFT
        elif sp.kind == "note":
            cell.fill = HEADER_FILL
    ints = DataValidation(
        type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True, showErrorMessage=True,
        errorTitle="件数", error="请填写不小于0的整数（没有发生的填0）",
    )
    decs = DataValidation(
        type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True, showErrorMessage=True,
        errorTitle="金额（万元）", error="请填写不小于0的数，单位为万元",
    )
    signed = DataValidation(  # 2019 「本年增/减」 may be negative
        type="whole", operator="between", formula1="-999999999", formula2="999999999", allow_blank=True,
        showErrorMessage=True, errorTitle="增减数", error="请填写整数（减少填负数）",
    )
    for cs in table.cells:
        row, col = table_pos(table, cs.r, cs.c)
        if cs.colspan > 1:
            ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=col + cs.colspan - 1)
        cell = ws.cell(row, col)
        cell.fill, cell.protection, cell.alignment = INPUT_FILL, UNLOCKED, CENTER
        # counts in General: a pasted 2.5 must show as 2.5 (format "0" would show 3 next to 「✗ 非整数」)
        cell.number_format = "General" if cs.kind == "int" else "0.00##"
        (signed if cs.signed else ints if cs.kind == "int" else decs).add(a1(row, col))
    for dv in (ints, decs, signed):
        if dv.sqref:
            ws.add_data_validation(dv)
    for i, w in enumerate(lay.col_widths):
        ws.column_dimensions[col_letter(c0 + i)].width = w
    for r, h in lay.row_heights.items():
        ws.row_dimensions[r0 + r].height = h
    if table.code == "T3":
        # long labels of （六）1–2 wrap onto two lines
        for cs in table.cells:
            if cs.col == "np" and cs.row in ("partial", "other_1", "other_2"):
                ws.row_dimensions[table_pos(table, cs.r, 0)[0]].height = 27
    ws.freeze_panes = None
    _print_setup(ws, landscape=lay.landscape, last_col=last_col, last_row=r0 + lay.height - 1)
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _print_setup(ws, *, landscape: bool, last_col: int, last_row: int) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_area = f"A1:{col_letter(last_col)}{last_row}"


def write_template(path: str | Path, spec: FormatSpec | None = None, *, force: bool = True) -> Path:
    return save_workbook(build_template(spec), path, force=force, reproducible=True)


def template_path(spec: FormatSpec | None = None) -> Path:
    """The committed template file for ``spec`` (templates/<id>.xlsx in the repo or package)."""
    spec = spec or get_spec()
    here = Path(__file__).resolve().parent
    for base in (here.parent / "templates", here / "data"):
        p = base / f"{spec.id}.xlsx"
        if p.exists():
            return p
    return here.parent / "templates" / f"{spec.id}.xlsx"


# --------------------------------------------------------------------------------------
# the self-check: check cells beside the tables, conditional formats, summary, status
# --------------------------------------------------------------------------------------
CHECK_SIDE = Side(style="thin", color="BFBFBF")
CHECK_BORDER = Border(left=CHECK_SIDE, right=CHECK_SIDE, top=CHECK_SIDE, bottom=CHECK_SIDE)
CHECK_FONT = Font(name="宋体", size=9)
CHECK_HEAD_FONT = Font(name="宋体", size=9, bold=True, color="404040")
CHECK_HEAD_FILL = PatternFill("solid", fgColor="EDEDED")
CAPTION_FONT = Font(name="宋体", size=9, italic=True, color="808080")


def _dxf_fill(rgb: str) -> PatternFill:
    # conditional formats: Excel reads bgColor of a solid fill, LibreOffice fgColor
    return PatternFill("solid", fgColor=rgb, bgColor=rgb)


#: conditional-format looks (font, fill) by style name
CF_STYLES = {
    "cell_error": (Font(color="FFFFFF", bold=True), _dxf_fill("E0474C")),  # the cell itself is wrong
    "sum_error": (Font(color="9C0006"), _dxf_fill(C.ERROR_COLOUR)),  # in a sum that does not add up
    "cell_warning": (Font(color="7F4F00"), _dxf_fill("FFC000")),
    "sum_warning": (Font(color="7F4F00"), _dxf_fill("FFE699")),
    "result_error": (Font(color="C00000", bold=True), _dxf_fill(C.ERROR_COLOUR)),
    "result_warning": (Font(color="9C5700"), _dxf_fill(C.WARNING_COLOUR)),
    "result_ok": (Font(color="00803C"), None),
    "result_blank": (Font(color="A6A6A6"), None),
    "result_skipped": (Font(color="808080"), None),
    "status_pass": (Font(color="006100", bold=True), _dxf_fill("C6EFCE")),
    "status_error": (Font(color="9C0006", bold=True), _dxf_fill(C.ERROR_COLOUR)),
    "status_warning": (Font(color="9C5700", bold=True), _dxf_fill(C.WARNING_COLOUR)),
}


def _cf(ws, sqref: str, formula: str, style: str) -> None:
    font, fill = CF_STYLES[style]
    ws.conditional_formatting.add(sqref, FormulaRule(formula=[formula], font=font, fill=fill))


def _result_formats(ws, sqref: str, first: str) -> None:
    """Colour check cells by their first character (✗ red, ⚠ amber, ✓ green, — grey)."""
    from .formulas import MARK, OK, SKIPPED, W_BLANK

    _cf(ws, sqref, f'LEFT({first},1)="{MARK["error"]}"', "result_error")
    # a blank is the mildest warning and a fresh template is all blanks: grey, not amber
    blank = f'"{MARK["warning"]} {W_BLANK}"'
    _cf(ws, sqref, f'AND(LEFT({first},1)="{MARK["warning"]}",{first}<>{blank})', "result_warning")
    _cf(ws, sqref, f"{first}={blank}", "result_blank")
    _cf(ws, sqref, f'{first}="{OK}"', "result_ok")
    _cf(ws, sqref, f'{first}="{SKIPPED}"', "result_skipped")


def _write_self_check(wb, spec: FormatSpec) -> None:
    from .formulas import rects, self_check

    sc = self_check(spec)
    for lab in sc.labels:
        ws = wb[lab.sheet]
        if lab.rowspan > 1 or lab.colspan > 1:
            ws.merge_cells(start_row=lab.row, start_column=lab.col,
                           end_row=lab.row + lab.rowspan - 1, end_column=lab.col + lab.colspan - 1)
        if lab.kind == "merge":
            continue
        c = ws.cell(lab.row, lab.col, lab.text)
        if lab.kind == "caption":
            c.font, c.alignment = CAPTION_FONT, Alignment(horizontal="left", vertical="bottom")
            continue
        c.font, c.fill = CHECK_HEAD_FONT, CHECK_HEAD_FILL
        c.alignment = (CENTER if lab.kind == "header"
                       else Alignment(horizontal="right" if lab.kind == "label" else "left", vertical="center", wrap_text=True))
        for r in range(lab.row, lab.row + lab.rowspan):
            for col in range(lab.col, lab.col + lab.colspan):
                ws.cell(r, col).border = CHECK_BORDER
    for chk in sc.checks:
        c = wb[chk.sheet].cell(chk.row, chk.col, chk.formula)
        c.font, c.alignment, c.border = CHECK_FONT, CENTER, CHECK_BORDER
    for h in sc.highlights:  # input cells: strong red first, so it wins over the sum colour
        if h.style.startswith("cell"):
            _cf(wb[h.sheet], h.sqref, h.formula, h.style)
    for h in sc.highlights:
        if h.style.startswith("sum"):
            _cf(wb[h.sheet], h.sqref, h.formula, h.style)
    by_sheet: dict[str, list[tuple[int, int]]] = {}
    for chk in sc.checks:
        by_sheet.setdefault(chk.sheet, []).append((chk.row, chk.col))
    for sheet, cells in by_sheet.items():
        ws = wb[sheet]
        for r1, c1, r2, c2 in rects(cells):
            _result_formats(ws, f"{a1(r1, c1)}:{a1(r2, c2)}", a1(r1, c1))
    for sheet, widths in sc.widths.items():
        for col, w in widths.items():
            wb[sheet].column_dimensions[col_letter(col)].width = w
    for sheet, heights in sc.heights.items():
        for row, h in heights.items():
            wb[sheet].row_dimensions[row].height = h
    _write_summary(wb, spec, sc)


def _write_summary(wb, spec: FormatSpec, sc) -> None:
    from .formulas import (
        MARK, OK, SHEET, SKIPPED, SUMMARY_HEAD, rule_result_formula, status_cell, status_formula, summary_rows,
    )

    ws = wb.create_sheet(SHEET)
    ncol = len(SUMMARY_HEAD)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
    c = ws.cell(1, 1, "自动校验")
    c.font, c.alignment = TITLE_FONT, CENTER
    ws.row_dimensions[1].height = 26
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncol)
    c = ws.cell(2, 1, "本表和各统计表旁（右侧或下方）的校验单元格由公式自动计算，Excel、WPS、LibreOffice 打开或修改数据后即时更新，无需填写，已保护。"
                      "校验单元格不在打印范围内。")
    c.font, c.alignment = Font(name="宋体", size=9, color="404040"), LEFT
    ws.row_dimensions[2].height = 30
    c = ws.cell(4, 1, "校验状态")
    c.font, c.alignment, c.border = FONT_BOLD, LEFT, BORDER
    ws.merge_cells(start_row=4, start_column=2, end_row=4, end_column=ncol)
    sheet, srow, scol = status_cell(spec)
    c = ws.cell(4, 2, f"='{sheet}'!{a1(srow, scol)}")
    c.font, c.alignment, c.border = FONT_BOLD, LEFT, BORDER
    for col in range(3, ncol + 1):
        ws.cell(4, col).border = BORDER
    _status_formats(ws, "B4")
    first, total = summary_rows(sc)
    for i, text in enumerate(SUMMARY_HEAD, start=1):
        c = ws.cell(first - 1, i, text)
        c.font, c.alignment, c.fill, c.border = FONT_BOLD, CENTER, HEADER_FILL, BORDER
    for i, s in enumerate(sc.summaries):
        r = first + i
        values = (s.rule_id, s.title, s.where, s.count, "=" + s.errors, "=" + s.warnings,
                  rule_result_formula(a1(r, 5), a1(r, 6)))
        for j, v in enumerate(values, start=1):
            c = ws.cell(r, j, v)
            c.font, c.border = FONT, BORDER
            c.alignment = LEFT if j in (2, 3) else CENTER
    values = ("合计", "", "", f"=SUM(D{first}:D{total - 1})", f"=SUM(E{first}:E{total - 1})",
              f"=SUM(F{first}:F{total - 1})", rule_result_formula(a1(total, 5), a1(total, 6)))
    for j, v in enumerate(values, start=1):
        c = ws.cell(total, j, v)
        c.font, c.border, c.alignment = FONT_BOLD, BORDER, CENTER
    _result_formats(ws, f"G{first}:G{total}", f"G{first}")
    notes = (
        "说明",
        f"{OK} 通过；{MARK['error']} 错误，必须改正；{MARK['warning']} 警告，请核实（空白单元格按0计算，确无此项请填0）；"
        f"{SKIPPED}：该式中有非数字的单元格，先改正那个单元格。",
        "统计表中：填写区单元格显示深红色，表示该单元格本身填错（负数、小数、文字等）；显示浅红色，表示它所在的行或列加总不平衡，"
        "请在该行或该列中查找；同一单元格所在的行和列都不平衡时，最可能就是它填错了。橙色表示需要核实。",
        "数字请按数值填写：文字形式的数字（如“12件”“1,234”或左上角带绿色小三角的数字）不参加表格合计，按错误标出。",
    )
    r = total + 2
    for k, text in enumerate(notes):
        ws.merge_cells(start_row=r + k, start_column=1, end_row=r + k, end_column=ncol)
        c = ws.cell(r + k, 1, text)
        c.font = FONT_BOLD if k == 0 else Font(name="宋体", size=9, color="404040")
        c.alignment = LEFT
        if k:
            ws.row_dimensions[r + k].height = 27
    for col, w in zip("ABCDEFG", (7, 42, 26, 7, 7, 7, 18)):
        ws.column_dimensions[col].width = w
    _print_setup(ws, landscape=False, last_col=ncol, last_row=r + len(notes) - 1)
    ws.protection.sheet = True

    # the cover's status line counts the same errors and warnings
    cover = wb[spec.cover_sheet]
    totals = f"'{SHEET}'!$E${total}", f"'{SHEET}'!$F${total}"
    cover.cell(srow, scol, status_formula(*totals, sc.inputs))
    _status_formats(cover, a1(srow, scol))


def _status_formats(ws, ref: str) -> None:
    from .formulas import STATUS_EMPTY, STATUS_PASS

    _cf(ws, ref, f'{ref}="{STATUS_PASS}"', "status_pass")
    _cf(ws, ref, f'ISNUMBER(FIND("错误",{ref}))', "status_error")
    _cf(ws, ref, f'AND({ref}<>"",{ref}<>"{STATUS_PASS}",{ref}<>"{STATUS_EMPTY}")', "status_warning")

