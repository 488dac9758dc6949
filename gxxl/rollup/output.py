"""The roll-up workbook: the aggregate in the official template plus the roll-up sheets.

Sheets, in order: the template (封面, 表二, 表三, 表四) holding the sums, 汇总情况 (the
ledger: one row per input file and the policy line), 缺报单位 (with a roster), 明细
(long format: one row per unit and non-zero cell, for filtering in Excel), 校验结果 (the
aggregate's own findings) and the hidden ``_gxxl`` sheet (format, kind=aggregate and
the member list).  The big sheets are filled by :mod:`.xlsxfast`.
"""

from __future__ import annotations

import multiprocessing as mp
import os

from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from ..annotate import write_results_sheet
from .. import constants as C
from ..fileio import workbook_bytes
from ..sheetprint import common_folder, full_path, relative_name, row_height, setup_print
from ..filing import Filing
from ..findings import Finding, status_line
from ..layout import COVER_VALUE_COL, META_SHEET, col_letter, cover_status_row
from ..spec import FormatSpec, all_specs
from ..writer import fill_workbook
from . import policy as P
from .xlsxfast import MAX_ROWS, Rows, Segment, SharedStrings, clean_text, compress, generic_rows
from .rounds import NOT_SUBMITTED, RETURNED_NOT_RESUBMITTED
from .xlsxfast import fill as fill_package

LEDGER_SHEET = "汇总情况"
MISSING_SHEET = "缺报单位"
DETAIL_SHEET = "明细"

LEDGER_HEADERS = ("序号", "文件", "单位名称", "统一社会信用代码", "行政层级", "报告年度", "填报日期", "格式版本",
                  "类型", "状态", "错误数", "警告数", "说明", "来源", "SHA-256", "完整路径", "报送经过")
LEDGER_WIDTHS = (5, 30, 24, 20, 12, 6, 11, 11, 12, 11, 5, 5, 48, 30, 66, 60, 60)
LEDGER_HEAD_ROW = 5
#: the ledger prints columns A…M (序号 … 说明); 来源, SHA-256, the full path and 报送经过 stay on screen
LEDGER_PRINT_COLS = 13
#: up to this many files the 文件 cells carry the full path as a note too (notes are heavy)
NOTE_LIMIT = 1000

MISSING_HEADERS = ("序号", "单位名称", "统一社会信用代码", "行政层级", "情况", "相关文件")
MISSING_WIDTHS = (5, 26, 20, 12, 56, 40)
MISSING_HEAD_ROW = 3

DETAIL_HEADERS = ("单位名称", "单元格代码", "表", "行", "列", "数值")
DETAIL_WIDTHS = (24, 20, 6, 62, 12, 10)

STATUS_FILL = {
    P.INCLUDED: C.OK_COLOUR,
    P.INVALID: C.ERROR_COLOUR,
    P.DUPLICATE: C.WARNING_COLOUR,
    P.WRONG_YEAR: C.WARNING_COLOUR,
    P.WRONG_FORMAT: C.ERROR_COLOUR,
    P.UNREADABLE: C.ERROR_COLOUR,
    P.OFF_ROSTER: C.OFF_ROSTER_COLOUR,
}
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor=C.HEADER_COLOUR)
WRAP = Alignment(wrap_text=True, vertical="top")


def format_label(spec_id: str, version: str = "") -> str:
    spec = all_specs().get(spec_id)
    base = f"{spec.years[0]}年格式" if spec else spec_id
    return f"{base} v{version}" if version else base


def build_workbook(decision: P.Decision, *, spec: FormatSpec, aggregate: Filing, findings: list[Finding],
                   meta: dict[str, str], headline: str, roster_given: bool, include_invalid: bool,
                   jobs: int | None = None) -> memoryview:
    """The roll-up workbook as bytes (a memoryview of the finished archive)."""
    # the biggest sheet, 明细: its rows are generated and compressed in worker processes
    # while this process builds the rest of the workbook
    sst = SharedStrings()
    detail = Detail(spec, decision.included, sst)
    pending = detail.start(jobs)
    try:
        return _build(decision, spec, aggregate, findings, meta, headline, roster_given, include_invalid,
                      sst, detail, pending)
    except BaseException:
        detail.abort(pending)
        raise


def _build(decision, spec, aggregate, findings, meta, headline, roster_given, include_invalid, sst, detail, pending):
    wb = fill_workbook(aggregate, spec, kind="aggregate", meta=meta)
    wb[spec.cover_sheet].cell(cover_status_row(spec), COVER_VALUE_COL, "汇总表" + status_line(findings))
    before_meta = wb.sheetnames.index(META_SHEET)
    fills: list[Rows] = []
    unit, year = aggregate.unit_name, aggregate.year
    # file names print relative to the folder holding them all (the full path: last column)
    base = common_folder(e.source.display for e in decision.entries)

    # 汇总情况 --------------------------------------------------------------------------
    ws = wb.create_sheet(LEDGER_SHEET, before_meta)
    ws.cell(1, 1, "报送情况").font = Font(bold=True, size=14)
    ws.cell(2, 1, clean_text(headline))
    policy = P.policy_text(include_invalid, roster_given)
    ws.cell(3, 1, policy)
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=LEDGER_PRINT_COLS)
    ws.cell(3, 1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[3].height = max(30, row_height([(policy, sum(LEDGER_WIDTHS[:LEDGER_PRINT_COLS]))]) or 0)
    _header(ws, LEDGER_HEAD_ROW, LEDGER_HEADERS, LEDGER_WIDTHS)
    styles = {status: _style_id(ws, PatternFill("solid", fgColor=color), wrap=True) for status, color in STATUS_FILL.items()}
    styles["wrap"] = _style_id(ws, None, wrap=True)
    cwd = os.getcwd()
    rows = [_ledger_row(e, styles, base, cwd) for e in decision.entries]
    first = LEDGER_HEAD_ROW + 1
    last = LEDGER_HEAD_ROW + len(rows)
    if len(rows) <= NOTE_LIMIT:  # the full path as a note on the file name (also in column P)
        for i, e in enumerate(decision.entries):
            full = full_path(e.source.display, cwd)
            ws.cell(first + i, 2).comment = Comment(full, "gxxl", width=360, height=60)
    ws.freeze_panes = f"C{first}"
    ws.auto_filter.ref = f"A{LEDGER_HEAD_ROW}:{col_letter(len(LEDGER_HEADERS))}{max(last, first)}"
    setup_print(ws, title=LEDGER_SHEET, unit=unit, year=year, landscape=True,
                repeat_rows=(LEDGER_HEAD_ROW, LEDGER_HEAD_ROW), last_col=LEDGER_PRINT_COLS, last_row=max(last, first))
    fills.append(Rows(LEDGER_SHEET, first, last, len(LEDGER_HEADERS),
                      generic_rows(rows, first, _heights(LEDGER_WIDTHS[:LEDGER_PRINT_COLS]))))

    # 缺报单位 ------------------------------------------------------------------------
    if roster_given:
        ws = wb.create_sheet(MISSING_SHEET, before_meta + 1)
        n_missing = len(decision.missing)
        off = [e for e in decision.entries if e.status == P.OFF_ROSTER]
        absent = sum(1 for _, _, rel in decision.missing if not rel)
        returned = sum(1 for _, what, _ in decision.missing if what.startswith(RETURNED_NOT_RESUBMITTED))
        ws.cell(1, 1, f"缺报单位：名单中没有计入汇总的单位 {n_missing} 个（{NOT_SUBMITTED} {absent} 个，"
                      f"{RETURNED_NOT_RESUBMITTED} {returned} 个，其他已报送但未汇总 {n_missing - absent - returned} 个）"
                ).font = Font(bold=True, size=14)
        ws.cell(2, 1, f"“{NOT_SUBMITTED}”指没有收到该单位的文件；“{RETURNED_NOT_RESUBMITTED}”指报表已退回修改、尚未收到改正后的报表；"
                      "“已报送但未汇总”说明了文件的问题。"
                      f"不在名单中的报送单位（{len(off)} 个）列在下方，也见“汇总情况”表。")
        _header(ws, MISSING_HEAD_ROW, MISSING_HEADERS, MISSING_WIDTHS)
        red = _style_id(ws, PatternFill("solid", fgColor=C.ERROR_COLOUR), wrap=True)
        orange = _style_id(ws, PatternFill("solid", fgColor=STATUS_FILL[P.OFF_ROSTER]), wrap=True)
        bold = _style_id(ws, None, BOLD)
        wrap = _style_id(ws, None, wrap=True)
        mrows: list[list] = []
        for i, (u, what, rel) in enumerate(decision.missing, start=1):
            files = "；".join(relative_name(e.source.display, base) for e in rel)
            mrows.append([i, (u.name, wrap), u.credit_code, u.level, (what, red), (files, wrap)])
        if not mrows:
            mrows.append(["", "（无）名单中的单位都已计入汇总"])
        if off:
            mrows.append([])
            mrows.append([("名单外单位（已报送，但不在名单中，未计入汇总）", bold)])
            for i, e in enumerate(off, start=1):
                s = e.scan
                mrows.append([i, (s.unit_name, wrap), s.credit_code, s.level, ("；".join(e.reasons), orange),
                              (relative_name(e.source.display, base), wrap)])
        mrows = [[v if isinstance(v, tuple) or v in (None, "") else (v, wrap) for v in r] for r in mrows]
        first = MISSING_HEAD_ROW + 1
        fills.append(Rows(MISSING_SHEET, first, MISSING_HEAD_ROW + len(mrows), len(MISSING_HEADERS),
                          generic_rows(mrows, first, _heights(MISSING_WIDTHS))))
        setup_print(ws, title=MISSING_SHEET, unit=unit, year=year, landscape=True,
                    repeat_rows=(MISSING_HEAD_ROW, MISSING_HEAD_ROW), last_col=len(MISSING_HEADERS),
                    last_row=MISSING_HEAD_ROW + len(mrows))

    # 明细 ----------------------------------------------------------------------------
    index = wb.sheetnames.index(META_SHEET)
    for k, (start, count) in enumerate(detail.sheets()):
        title = DETAIL_SHEET if k == 0 else f"{DETAIL_SHEET}({k + 1})"
        ws = wb.create_sheet(title, index + k)
        _header(ws, 1, DETAIL_HEADERS, DETAIL_WIDTHS)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:F{max(2, count + 1)}"
        setup_print(ws, title=title, unit=unit, year=year, landscape=False, repeat_rows=(1, 1),
                    last_col=len(DETAIL_HEADERS), last_row=max(2, count + 1))
        fills.append(Rows(title, 2, count + 1, len(DETAIL_HEADERS), segments=[]))

    # 校验结果 (the aggregate's own findings) ---------------------------------------------
    write_results_sheet(wb, findings, unit=unit, year=year)
    wb.move_sheet(wb[C.RESULTS_SHEET], offset=wb.sheetnames.index(META_SHEET) - wb.sheetnames.index(C.RESULTS_SHEET))
    # 图解 (native, editable charts of the aggregate's cells)
    from ..report.charts import write_chart_sheet

    write_chart_sheet(wb, aggregate, index=wb.sheetnames.index(META_SHEET), unit=unit, year=year)
    wb.active = 0
    package = workbook_bytes(wb)
    detail_fills = [f for f in fills if f.segments is not None]
    for f in fills:  # the ledger and the missing units, compressed here meanwhile
        if f.segments is None:
            f.segments = [compress(f.xml(sst))]
    for f, segments in zip(detail_fills, detail.finish(pending)):
        f.segments = segments
    return fill_package(package, fills, sst=sst)


def _header(ws, row: int, headers, widths) -> None:
    for j, (h, w) in enumerate(zip(headers, widths), start=1):
        c = ws.cell(row, j, h)
        c.font, c.fill = BOLD, HEAD_FILL
        ws.column_dimensions[col_letter(j)].width = w


def _heights(widths):
    """Row heights for wrapped text: the tallest cell of the printed columns decides."""
    def height(row: list) -> float | None:
        texts = []
        for v, w in zip(row, widths):
            v = v[0] if isinstance(v, tuple) else v
            if isinstance(v, str) and v:
                texts.append((v, w))
        return row_height(texts)
    return height


def _style_id(ws, fill: PatternFill | None, font: Font | None = None, *, wrap: bool = False) -> int:
    """Register a cell style with openpyxl and return its id (the scratch cell is removed)."""
    cell = ws.cell(MAX_ROWS, 60)
    if fill is not None:
        cell.fill = fill
    if font is not None:
        cell.font = font
    if wrap:
        cell.alignment = WRAP
    sid = cell.style_id
    del ws._cells[(MAX_ROWS, 60)]
    return sid


def _ledger_row(e: P.Entry, styles: dict[str, int], base: str | None = None, cwd: str | None = None) -> list:
    s = e.scan
    readable = s is not None and s.readable
    kind = ""
    if readable:
        kind = f"下级汇总（{len(s.members or ())}个单位）" if e.is_aggregate else "单位报表"
    year = s.year if readable and s.year is not None else ""
    wrap = styles.get("wrap", 0)
    row = [
        e.no,
        (relative_name(e.source.display, base), wrap),
        (s.unit_name, wrap) if readable else "",
        s.credit_code if readable else "",
        s.level if readable else "",
        year if isinstance(year, int) else str(year),
        s.date if readable else "",
        (format_label(s.spec_id, s.version), wrap) if readable else "",
        (kind, wrap),
        (e.status, styles.get(e.status, 0)),
        s.errors if s is not None else "",
        s.warnings if s is not None else "",
        (_strip_base(clean_text("；".join(dict.fromkeys(r for r in e.reasons if r))), base), wrap),
        e.source.origin,
        s.sha256 if s is not None else "",
        full_path(e.source.display, cwd),
        e.history,
    ]
    # every cell top-aligned like the wrapped ones (a tall row reads from the top)
    return [v if isinstance(v, tuple) else (v, wrap) for v in row]


def _strip_base(text: str, base: str | None) -> str:
    """A reason naming other files (「只计…最新的一份：/a/b/x.xlsx」) names them relative too."""
    return text.replace(base.rstrip(os.sep) + os.sep, "") if base else text


#: 明细 rows per compressed segment handed to a worker process
SEGMENT_ROWS = 100_000


class Detail:
    """The 明细 rows: one per included unit and cell that is not zero, in ledger order.

    Shared-string indices (unit names, cell labels) are handed out here, before any
    worker starts, so every process writes the same indices.  Rows are cut into
    segments that are generated and compressed independently (see ``xlsxfast.compress``).
    """

    def __init__(self, spec: FormatSpec, included: list[P.Entry], sst: SharedStrings):
        self.included = included
        codes = list(spec.cells)
        self.ints = [spec.cells[c].kind == "int" for c in codes]
        self.units = [sst(e.scan.unit_name) for e in included]
        self.sizes = [len(e.scan.cells) + len(e.scan.texts) for e in included]
        self.texts = {}  # shared strings of text values (only with --include-invalid)
        for e in included:
            for _, raw in e.scan.texts:
                self.texts[raw] = sst(clean_text(raw))
        self.templates = []
        for code in codes:
            cs = spec.cells[code]
            t = spec.table_by_code[cs.table]
            row = t.row_by_code[cs.row]
            col = t.col_by_code[cs.col]
            fixed = "".join(
                f'<c r="{letter}{{0}}" t="s"><v>{sst(text)}</v></c>'
                for letter, text in (("B", code), ("C", t.number), ("D", row.short or row.label), ("E", col.label))
            )
            self.templates.append('<row r="{0}"><c r="A{0}" t="s"><v>{1}</v></c>' + fixed + '<c r="F{0}"{2}</c></row>')
        self.total = sum(self.sizes)

    def sheets(self) -> list[tuple[int, int]]:
        """(first row index, row count) of each 明细 sheet (a sheet holds 1,048,575 rows)."""
        per = MAX_ROWS - 1
        return [(k, min(per, self.total - k)) for k in range(0, max(self.total, 1), per)] or [(0, 0)]

    def jobs(self) -> list[list[tuple[int, int, int, int]]]:
        """Per sheet, the segments: (first entry, last entry + 1, first row index, sheet row)."""
        out = []
        for first, count in self.sheets():
            segs = []
            row_index = first
            end = first + count
            # entries overlapping [first, end): walk once, cutting every SEGMENT_ROWS rows
            acc = 0
            for i, n in enumerate(self.sizes):
                lo, hi = acc, acc + n
                acc = hi
                if hi <= row_index or lo >= end:
                    continue
                if not segs or segs[-1][4] >= SEGMENT_ROWS:
                    segs.append([i, i + 1, max(lo, row_index), 2 + max(lo, row_index) - first, 0])
                seg = segs[-1]
                seg[1] = i + 1
                seg[4] += min(hi, end) - max(lo, row_index)
            out.append([(a, b, c, d) for a, b, c, d, _ in segs] or [(0, 0, first, 2)])
        return out

    def rows(self, a: int, b: int, skip_to: int, end: int, row: int):
        """XML text of entries a…b-1, rows with overall index in [skip_to, end)."""
        acc = sum(self.sizes[:a])
        buf: list[str] = []
        templates, ints, texts = self.templates, self.ints, self.texts
        for i in range(a, b):
            e = self.included[i]
            s = e.scan
            unit = self.units[i]
            items = list(zip(s.cells, s.values))
            if s.texts:
                items = sorted(items + list(s.texts), key=lambda x: x[0])
            for ci, v in items:
                if acc < skip_to:
                    acc += 1
                    continue
                if acc >= end:
                    break
                acc += 1
                if isinstance(v, str):
                    value = f' t="s"><v>{texts[v]}</v>'
                elif ints[ci] and v.is_integer():
                    value = f"><v>{int(v)}</v>"
                else:
                    value = f"><v>{repr(round(v, 10))}</v>"
                buf.append(templates[ci].format(row, unit, value))
                row += 1
                if len(buf) >= 5000:
                    yield "".join(buf)
                    buf = []
        if buf:
            yield "".join(buf)

    def segment(self, job: tuple[int, int, int, int], end: int) -> Segment:
        a, b, skip_to, row = job
        return compress(self.rows(a, b, skip_to, end, row))

    def start(self, jobs: int | None):
        """Start compressing in worker processes (None: do it later in this process)."""
        work = self._work()
        if self.total < PARALLEL_MIN or (jobs or 2) < 2 or "fork" not in mp.get_all_start_methods():
            return None
        global _ACTIVE
        _ACTIVE = self
        ctx = mp.get_context("fork")
        pool = ctx.Pool(min(jobs or 2, len(work)))
        return pool, pool.map_async(_segment_job, work, chunksize=1)

    def finish(self, pending) -> list[list[Segment]]:
        work = self._work()
        if pending is None:
            results = [self.segment(job, end) for _, job, end in work]
        else:
            pool, res = pending
            try:
                results = res.get()
            finally:
                pool.close()
                pool.join()
        out: list[list[Segment]] = [[] for _ in self.sheets()]
        for (k, _, _), seg in zip(work, results):
            out[k].append(seg)
        return out

    @staticmethod
    def abort(pending) -> None:
        if pending is not None:
            pending[0].terminate()
            pending[0].join()

    def _work(self) -> list[tuple[int, tuple[int, int, int, int], int]]:
        sheets = self.sheets()
        work = []
        for k, segs in enumerate(self.jobs()):
            first, count = sheets[k]
            for job in segs:
                work.append((k, job, first + count))
        # each segment ends where the next one of the same sheet starts
        out = []
        for n, (k, job, sheet_end) in enumerate(work):
            nxt = work[n + 1] if n + 1 < len(work) and work[n + 1][0] == k else None
            out.append((k, job, nxt[1][2] if nxt else sheet_end))
        return out


#: below this many rows compressing in this process is faster than starting workers
PARALLEL_MIN = 50_000
_ACTIVE: Detail | None = None


def _segment_job(work) -> Segment:
    _, job, end = work
    return _ACTIVE.segment(job, end)
