"""The 审查结果 workbook: 审查汇总, 问题明细, 统计 (native charts), 评级标准.

Written with openpyxl's write-only mode, one row at a time as the pages are audited, so
memory does not grow with the number of pages; saved atomically at the end
(:func:`gxxl.fileio.atomic_write_bytes`).  Every text that comes from a page is written as
a string cell (never a formula, whatever it starts with) without control characters.
Print setup: landscape, fit to the page width, the title rows repeated on every page.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

from ..findings import SEVERITY_ZH, Finding
from .core import PageAudit
from .grades import GradeTable
from .rules import KIND_ORDER, RULE_BY_ID, is_defect, kind_of

SUMMARY_SHEET = "审查汇总"
DETAIL_SHEET = "问题明细"
STATS_SHEET = "统计"
GRADES_SHEET = "评级标准"
CELL_MAX = 1000  # characters of page text in one cell

SUMMARY_HEADERS = (("序号", 5), ("单位", 22), ("行政层级", 11), ("年度", 6), ("格式", 12),
                   ("表二", 10), ("表三", 10), ("表四", 10)) + tuple((k, 3.6) for k in KIND_ORDER) + (
    ("错误", 3.6), ("警告", 3.6), ("首个问题", 50), ("评级", 7), ("来源", 40), ("导入的工作簿", 30))
#: count columns of 审查汇总 whose headers are written vertically (narrow columns)
_VERTICAL = set(KIND_ORDER) | {"错误", "警告"}
#: 审查汇总 prints up to 评级; the paths after it stay on screen only
SUMMARY_PRINT_COLS = len(SUMMARY_HEADERS) - 2
DETAIL_HEADERS = (("序号", 5), ("报告序号", 5), ("单位", 18), ("级别", 5), ("规则", 6), ("类别", 9),
                  ("页面位置", 14), ("原文", 36), ("文中数值", 7), ("统计表数值", 7), ("说明", 60), ("文件", 30))
DETAIL_PRINT_COLS = len(DETAIL_HEADERS) - 1
SHORT_FORMAT = {"gov2021": "2021年格式", "gov2019": "2019试行格式", "legacy2014": "2014–2018统计表"}
#: grade colours, worst first (pie slices); the cells use the lighter fills of AuditBook
_CHART_COLOURS = ("E06666", "F6B26B", "93C47D", "A4C2F4", "B7B7B7")
_QUOTED = re.compile(r"^(第\d+段|正文)“(.*)”：")


def clean(text: object) -> str:
    """Page text for a cell: control characters shown as visible marks (:func:`gxxl.cells.clean`,
    as every writer of user text does), at most ``CELL_MAX`` characters."""
    from ..cells import clean as visible

    s = visible(str(text))
    return s if len(s) <= CELL_MAX else s[:CELL_MAX] + "……"


def detail_fields(f: Finding) -> tuple[str, str, object, object]:
    """(where in the page, the page's words, the page's number, the table's number)."""
    if f.rule in RULE_BY_ID:
        return (f.locations[0] if f.locations else "", "" if f.reported is None else str(f.reported), "", "")
    m = _QUOTED.match(f.message)
    if m:  # check-text: 「第3段“…”：…」
        return m.group(1), m.group(2), _num(f.reported), _num(f.computed)
    where = "；".join(f.locations[:2])
    return where, "", _num(f.reported), _num(f.computed)


def _short(path: str) -> str:
    p = Path(path)
    return f"{p.parent.name}/{p.name}" if p.parent.name else p.name


def _num(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else ("" if v is None else str(v))


class AuditBook:
    """Rows are added as reports arrive; ``save`` writes the statistics and the file."""

    def __init__(self, grades: GradeTable):
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font, PatternFill

        self.grades = grades
        self.wb = Workbook(write_only=True)
        self.summary = self.wb.create_sheet(SUMMARY_SHEET)
        self.detail = self.wb.create_sheet(DETAIL_SHEET)
        self.bold = Font(bold=True)
        self.title_font = Font(bold=True, size=13)
        self.head_fill = PatternFill("solid", fgColor="DDEBF7")
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.top = Alignment(vertical="top")
        self.grade_fill = {
            name: PatternFill("solid", fgColor=c)
            for name, c in zip(grades.names, ("F8CBAD", "FFE699", "C6EFCE", "DDDDDD", "DDDDDD"))
        }
        self._styles: dict = {}
        self.n_reports = 0
        self.n_findings = 0
        self.by_kind: Counter = Counter()
        self.by_kind_sev: Counter = Counter()
        self.by_level: Counter = Counter()
        self.reports_by_level: Counter = Counter()
        self.by_grade: Counter = Counter()
        self._setup(self.summary, SUMMARY_HEADERS, "gxxl 年报审查：每份报告一行（问题数只计错误和警告）", SUMMARY_PRINT_COLS)
        self._setup(self.detail, DETAIL_HEADERS, "gxxl 年报审查：问题明细（每条问题一行，可按单位、规则、类别筛选）",
                    DETAIL_PRINT_COLS)

    # -- cells --------------------------------------------------------------------------
    def _cell(self, ws, value, *, font=None, fill=None, wrap=False):
        from copy import copy

        from openpyxl.cell import WriteOnlyCell

        if isinstance(value, str):
            c = WriteOnlyCell(ws, value=clean(value))
            c.data_type = "s"  # page text is never a formula, even when it starts with 「=」
        else:
            c = WriteOnlyCell(ws, value=value)
        key = (id(font), id(fill), wrap)
        style = self._styles.get(key)
        if style is None:  # resolve each combination of styles once (openpyxl hashes them per cell)
            if font:
                c.font = font
            if fill:
                c.fill = fill
            if wrap:
                c.alignment = self.wrap
            elif wrap is None:
                c.alignment = self.top
            self._styles[key] = copy(c._style)
        else:
            c._style = copy(style)
        return c

    def _setup(self, ws, headers, title: str, print_cols: int) -> None:
        from openpyxl.styles import Alignment
        from openpyxl.utils import get_column_letter

        _header_footer(ws)
        for i, (_, w) in enumerate(headers, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        ws.freeze_panes = "C3"
        # A4 landscape, one page wide, rows 1–2 on every page, sheet name and page numbers
        from ..sheetprint import setup_print

        setup_print(ws, title=ws.title, landscape=True, repeat_rows=(1, 2), last_col=print_cols)
        ws.print_options.gridLines = True
        ws.append([self._cell(ws, title, font=self.title_font)])
        head = []
        for h, _ in headers:
            c = self._cell(ws, h, font=self.bold, fill=self.head_fill, wrap=True)
            if h in _VERTICAL and ws is self.summary:
                c.alignment = Alignment(text_rotation=255, horizontal="center", vertical="top")
            head.append(c)
        ws.row_dimensions[2].height = 78 if ws is self.summary else 30
        ws.append(head)

    # -- rows ---------------------------------------------------------------------------
    def add(self, a: PageAudit) -> None:
        self.n_reports += 1
        defects = a.defects
        kinds = Counter(kind_of(f.rule) for f in defects)
        level = a.level or "（未识别）"
        self.reports_by_level[level] += 1
        self.by_grade[a.grade] += 1
        for f in defects:
            k = kind_of(f.rule)
            self.by_kind[k] += 1
            self.by_kind_sev[(k, f.severity)] += 1
            self.by_level[level] += 1
        first = next(iter(defects), None)
        first_text = f"【{first.rule}】{first.message}" if first else ""
        ws = self.summary
        row = [a.index + 1, a.unit or f"（未识别）{_short(a.file or a.source)}", level, a.year if a.year else "",
               SHORT_FORMAT.get(a.format_id, a.format_name or "—")]
        for code in ("T2", "T3", "T4"):
            n, total, state = a.tables.get(code, (0, 0, "—"))
            row.append(state if state in ("完整", "—") else f"{state} {n}/{total}" if n else state)
        row += [kinds.get(k, 0) or None for k in KIND_ORDER]
        row += [sum(f.severity == "error" for f in defects), sum(f.severity == "warning" for f in defects),
                first_text, a.grade, a.source, a.workbook]
        cells = [self._cell(ws, v, wrap=(i == len(row) - 4)) for i, v in enumerate(row)]
        cells[-3] = self._cell(ws, a.grade, fill=self.grade_fill.get(a.grade), font=self.bold)
        ws.append(cells)
        for f in a.findings:
            self.n_findings += 1
            where, quote, said, table = detail_fields(f)
            # rows as high as their wrapped text (about 1.6 units of width a character as LibreOffice and Excel print them)
            lines = max(math.ceil(len(f.message) / (DETAIL_HEADERS[10][1] / 1.6)),
                        math.ceil(len(quote) / (DETAIL_HEADERS[7][1] / 1.6)), 1)
            self.detail.row_dimensions[self.n_findings + 2].height = min(16 * lines + 4, 160)
            self.detail.append([self._cell(self.detail, v, wrap=True if i in (7, 10) else None) for i, v in enumerate((
                self.n_findings, a.index + 1, a.unit or _short(a.file or a.source), SEVERITY_ZH[f.severity], f.rule,
                kind_of(f.rule), where, quote, said, table, f.message, a.source))])

    # -- statistics and file -------------------------------------------------------------
    def _stats(self) -> None:
        from openpyxl.chart import BarChart, PieChart, Reference
        from openpyxl.chart.label import DataLabelList

        ws = self.wb.create_sheet(STATS_SHEET)
        _header_footer(ws)
        ws.column_dimensions["A"].width = 16
        for col in "BCD":
            ws.column_dimensions[col].width = 10
        from ..sheetprint import setup_print

        setup_print(ws, title=STATS_SHEET, landscape=True, repeat_rows=(1, 1), fit_height=True)
        C = self._cell
        ws.append([C(ws, f"审查了 {self.n_reports} 份报告，发现 {sum(self.by_kind.values())} 处问题（错误和警告）", font=self.title_font)])
        ws.append([])
        r0 = 3
        ws.append([C(ws, "问题类别", font=self.bold, fill=self.head_fill), C(ws, "错误", font=self.bold, fill=self.head_fill),
                   C(ws, "警告", font=self.bold, fill=self.head_fill), C(ws, "合计", font=self.bold, fill=self.head_fill)])
        kinds = [k for k in KIND_ORDER if self.by_kind.get(k)] or [KIND_ORDER[0]]
        for k in kinds:
            ws.append([C(ws, k), self.by_kind_sev[(k, "error")], self.by_kind_sev[(k, "warning")], self.by_kind[k]])
        r1 = r0 + len(kinds)
        ws.append([])
        l0 = r1 + 2
        ws.append([C(ws, "行政层级", font=self.bold, fill=self.head_fill), C(ws, "报告数", font=self.bold, fill=self.head_fill),
                   C(ws, "问题数", font=self.bold, fill=self.head_fill), C(ws, "平均每份", font=self.bold, fill=self.head_fill)])
        from ..spec import get_spec

        official = get_spec("gov2021").levels  # the fixed list of 行政层级, in its order
        levels = sorted(self.reports_by_level,
                        key=lambda x: (official.index(x) if x in official else len(official) + (x == "（未识别）"), x))
        for lv in levels:
            n = self.reports_by_level[lv]
            ws.append([C(ws, lv), n, self.by_level[lv], round(self.by_level[lv] / n, 1) if n else 0])
        l1 = l0 + len(levels)
        ws.append([])
        g0 = l1 + 2
        ws.append([C(ws, "评级", font=self.bold, fill=self.head_fill), C(ws, "报告数", font=self.bold, fill=self.head_fill)])
        for g in self.grades.names:
            ws.append([C(ws, g, fill=self.grade_fill.get(g)), self.by_grade.get(g, 0)])
        g1 = g0 + len(self.grades.names)

        def bar(title, y_title, min_row, max_row, cols, anchor, stacked=False):
            ch = BarChart()
            ch.type = "bar"
            ch.title = title
            ch.y_axis.title = y_title
            ch.height, ch.width = 4 + 0.8 * (max_row - min_row), 15  # every category label shown
            if stacked:
                ch.grouping = "stacked"
                ch.overlap = 100
            data = Reference(ws, min_col=cols[0], max_col=cols[1], min_row=min_row, max_row=max_row)
            ch.add_data(data, titles_from_data=True)
            ch.set_categories(Reference(ws, min_col=1, min_row=min_row + 1, max_row=max_row))
            ch.x_axis.delete = False
            ch.y_axis.delete = False
            ch.legend.position = "b"
            ws.add_chart(ch, anchor)

        bar("问题类别（错误/警告）", "处", r0, r1, (2, 3), "F3", stacked=True)
        bar("各行政层级的问题数", "处", l0, l1, (3, 3), f"F{5 + int(2.2 * (r1 - r0)) + 4}")
        pie = PieChart()
        pie.title = "报告评级"
        pie.height, pie.width = 7, 11
        pie.add_data(Reference(ws, min_col=2, min_row=g0, max_row=g1), titles_from_data=True)
        pie.set_categories(Reference(ws, min_col=1, min_row=g0 + 1, max_row=g1))
        pie.dataLabels = DataLabelList()
        pie.dataLabels.showVal = True
        for attr in ("showSerName", "showCatName", "showPercent", "showLegendKey"):
            setattr(pie.dataLabels, attr, False)
        from openpyxl.chart.series import DataPoint

        for i, g in enumerate(self.grades.names):
            pt = DataPoint(idx=i)
            pt.graphicalProperties.solidFill = _CHART_COLOURS[min(i, len(_CHART_COLOURS) - 1)]
            pie.series[0].dPt.append(pt)
        ws.add_chart(pie, f"A{g1 + 3}")

    def _grades_sheet(self) -> None:
        ws = self.wb.create_sheet(GRADES_SHEET)
        _header_footer(ws)
        for col, w in zip("ABCDE", (10, 50, 30, 30, 10)):
            ws.column_dimensions[col].width = w
        from ..sheetprint import setup_print

        setup_print(ws, title=GRADES_SHEET, landscape=True)
        C = self._cell
        ws.append([C(ws, f"评级标准（{Path(self.grades.source).name}；从上到下，第一个满足的等级即为结果；只计错误和警告）", font=self.title_font)])
        ws.append([C(ws, h, font=self.bold, fill=self.head_fill) for h in ("评级", "说明", "规则", "问题类别或级别", "至少几处")])
        for g in self.grades.grades:
            ws.append([C(ws, g.name, fill=self.grade_fill.get(g.name)), C(ws, g.note, wrap=True), C(ws, "、".join(g.rules)),
                       C(ws, "、".join(list(g.kinds) + [SEVERITY_ZH.get(s, s) for s in g.severities])),
                       "" if g.default else g.min_count])
        ws.append([])
        ws.append([C(ws, "本审查新增的规则", font=self.bold)])
        ws.append([C(ws, h, font=self.bold, fill=self.head_fill) for h in ("规则", "名称", "类别", "依据", "级别")])
        for r in RULE_BY_ID.values():
            ws.append([C(ws, r.id), C(ws, r.title), C(ws, r.kind), C(ws, r.basis, wrap=True), C(ws, SEVERITY_ZH[r.severity])])

    def discard(self) -> None:
        """Stop without saving (Ctrl-C): finish the sheets' temporary streams and remove them."""
        for ws in (self.summary, self.detail):
            try:
                ws.close()
                ws._writer.cleanup()
            except Exception:  # pragma: no cover - best effort on the way out
                pass

    def save(self, path: Path, *, force: bool) -> Path:
        import io

        from ..fileio import atomic_write_bytes

        self._stats()
        self._grades_sheet()
        buf = io.BytesIO()
        self.wb.save(buf)
        return atomic_write_bytes(path, buf.getvalue(), force=force)


def _header_footer(ws) -> None:
    """The header and footer every gxxl sheet prints (:mod:`gxxl.sheetprint`): the sheet's name,
    「第 N 页，共 M 页」 (``setup_print`` itself needs a normal worksheet; these are write-only)."""
    from ..sheetprint import header_text

    ws.oddHeader.left.text = "gxxl 年报审查"
    ws.oddHeader.center.text = header_text(ws.title, 40)
    for part in (ws.oddHeader.left, ws.oddHeader.center):
        part.size = 9
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9
    m = ws.page_margins
    m.left = m.right = 0.4
    m.top = m.bottom = 0.7
    m.header = m.footer = 0.3


def counts_by_kind(findings: list[Finding]) -> dict[str, int]:
    c = Counter(kind_of(f.rule) for f in findings if is_defect(f))
    return {k: c[k] for k in KIND_ORDER if c.get(k)}
