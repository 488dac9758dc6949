"""Reading a source (published text, HTML page, .docx, any workbook) into grids of cells.

Each table found becomes a :class:`~gxxl.locate.grid.Grid` (origin cells with their
row/column spans) for the label locator :mod:`gxxl.locate`, the same one the reader uses.
Text exports such as seed 004's 「a | b | c」 lines have lost their spans; they become
*positional* grids whose cells are in reading order only, and the locator restores the
spans from the official layout before anything is located.  Decoding bytes and HTML
text are :mod:`gxxl.textio`'s.

Everything outside tables (titles, paragraphs) is kept as lines, for the cover fields.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..locate.grid import Cell, Grid, grid_from_values
from ..textio import OLE_MAGIC, decode_bytes, html_text, is_encrypted_ooxml
from ..textio import span as _span
from ..constants import RESULTS_SHEET
from ..errors import InputError, LimitError

TEXT_EXT = (".txt", ".text", ".md", ".csv", ".tsv")
HTML_EXT = (".html", ".htm", ".xhtml", ".mhtml", ".shtml")
DOCX_EXT = (".docx", ".docm")
WORKBOOK_EXT = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb")
#: sheets written by gxxl itself that never hold the official tables
SKIP_SHEETS = ("_gxxl", RESULTS_SHEET, "导入说明")
MAX_ROWS, MAX_COLS = 3000, 120


class SourceError(InputError):
    """The source cannot be read at all (message in Chinese, for the person; exit 2)."""


class SourceLimitError(SourceError, LimitError):
    """The source is beyond one of the input gate's limits (:mod:`gxxl.gate`)."""


@dataclass(eq=False)
class Document:
    path: Path
    kind: str  # "text", "html", "docx", "workbook"
    grids: list[Grid] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    #: the whole source as one stream of cells in reading order (:mod:`.stream`)
    tokens: list = field(default_factory=list)

    @property
    def all_text(self) -> str:
        parts = list(self.lines)
        for g in self.grids:
            parts.extend(c.text for row in g.rows for c in row)
        return "\n".join(parts)


def read_source(path: Path) -> Document:
    if not path.exists():
        raise SourceError("文件不存在")
    if path.is_dir():
        raise SourceError("这是一个文件夹，请指定一个文件")
    if path.stat().st_size == 0:
        raise SourceError("文件为空（0 字节）")
    ext = path.suffix.lower()
    head = path.read_bytes()[:8]
    if ext in DOCX_EXT or (head.startswith(b"PK") and ext not in WORKBOOK_EXT and _zip_has(path, "word/document.xml")):
        return _read_docx(path)
    if ext in WORKBOOK_EXT or head.startswith(b"PK") or head == OLE_MAGIC:
        if ext == ".doc" or ext == ".wps":
            raise SourceError("这是旧版 Word 文件（.doc/.wps），请在 Word/WPS 中另存为 .docx 后再导入")
        return _read_workbook(path)
    if ext == ".pdf" or head.startswith(b"%PDF"):
        return _read_pdf(path)
    text = decode_bytes(path.read_bytes(), html=ext in HTML_EXT)
    if ext in HTML_EXT or re.search(r"<\s*(table|html|body)\b", text[:20000], re.I):
        return _read_html(path, text)
    if ext == ".csv" or ext == ".tsv":
        return _read_csv(path, text, "\t" if ext == ".tsv" else ",")
    return _read_text(path, text)


def _zip_has(path: Path, name: str) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            return name in z.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


# --------------------------------------------------------------------------------------
# plain text: 「a | b | c」 lines (seed 004), tab-separated lines, CSV
# --------------------------------------------------------------------------------------
_PIPE = re.compile(r"[|｜]")


def _is_table_line(line: str) -> bool:
    return len(_PIPE.findall(line)) >= 1 or line.count("\t") >= 2


def _split(line: str) -> list[str]:
    if line.count("\t") >= 2 and not _PIPE.search(line):
        cells = line.split("\t")
    else:
        cells = _PIPE.split(line)
        if line.lstrip().startswith(("|", "｜")):
            cells = cells[1:]  # Markdown: 「| a | b |」
    return [c.strip() for c in cells]


def _read_text(path: Path, text: str) -> Document:
    from .stream import tokens_from_text

    doc = Document(path=path, kind="text", tokens=tokens_from_text(text))
    raw_lines = text.splitlines()
    # a cell broken across lines: a table line that does not end with its separator
    # continues on the next line (「…行政机关不再处理其政府信息公开申」 / 「请 | 0 | 0 |」)
    lines: list[tuple[int, str]] = []
    i = 0
    while i < len(raw_lines):
        n, line = i + 1, raw_lines[i]
        while (
            _is_table_line(line) and not re.search(r"[|｜\t]\s*$", line) and i + 1 < len(raw_lines)
            and raw_lines[i + 1].strip() and _PIPE.search(raw_lines[i + 1])
            and not _PIPE.match(raw_lines[i + 1].strip()) and _open_cell(line)
        ):
            i += 1
            line = line.rstrip() + raw_lines[i].lstrip()
        lines.append((n, line))
        i += 1
    grid: Grid | None = None
    for n, line in lines:
        if _is_table_line(line) and not re.fullmatch(r"[\s|｜:：\-—]*", line):
            if grid is None:
                grid = Grid(name=f"文本第{n}行起的表格", positional=True)
                doc.grids.append(grid)
            r = len(grid.rows)
            grid.rows.append([])
            for j, t in enumerate(_split(line)):
                grid.rows[r].append(Cell(text=t, r=r, c=j, where=f"文本第{n}行第{j + 1}栏"))
        elif _is_table_line(line):
            continue  # a Markdown separator 「|---|---|」
        else:
            grid = None
            if line.strip():
                doc.lines.append(line.strip())
    return doc


def _open_cell(line: str) -> bool:
    """The last cell of the line is text (a label cut short), not a number."""
    last = _split(line)[-1] if _split(line) else ""
    return bool(re.search(r"[\u4e00-\u9fff]", last))


def _read_csv(path: Path, text: str, delimiter: str) -> Document:
    doc = Document(path=path, kind="text")
    grid = Grid(name=path.name)
    for r, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter)):
        if r >= MAX_ROWS:
            break
        for c, t in enumerate(row[:MAX_COLS]):
            if t.strip():
                grid.add(Cell(text=t.strip(), r=r, c=c, where=f"第{r + 1}行第{c + 1}列"))
    doc.grids.append(grid)
    return doc


# --------------------------------------------------------------------------------------
# HTML: <table> with rowspan/colspan; text outside tables as lines
# --------------------------------------------------------------------------------------
def _read_html(path: Path, text: str) -> Document:
    from .stream import tokens_from_text

    p = html_text(text, keep_line_breaks=True)
    # a page that flattened its tables into paragraphs (one cell per <p>/<div>) is read as a stream
    doc = Document(path=path, kind="html", lines=p.paragraphs, tokens=tokens_from_text("\n".join(p.paragraphs)))
    for k, rows in enumerate(p.tables, start=1):
        grid = Grid(name=f"第{k}个表格", locator=lambda r, c, k=k: f"第{k}个表格第{r + 1}行第{c + 1}列")
        _place(grid, [[(" ".join(t.split()) if "\n" not in t else _join_lines(t), rs, cs) for t, rs, cs in row] for row in rows],
               lambda r, c, k=k: f"第{k}个表格第{r + 1}行第{c + 1}列")
        doc.grids.append(grid)
        doc.tokens += _grid_tokens(grid)
    return doc


def _grid_tokens(grid: Grid) -> list:
    """A real table as a stream: each row's own cells in column order (a merged cell once)."""
    from .stream import tokens_from_grid_rows

    return tokens_from_grid_rows([[(c.text, c.where) for c in sorted(row, key=lambda c: c.c)] for row in grid.rows])


def _read_pdf(path: Path) -> Document:
    """A text-based PDF: its lines as a stream, and the tables pdfplumber finds as grids."""
    from .pdf import PdfError, read_pdf
    from .stream import tokens_from_grid_rows, tokens_from_text

    try:
        lines, tables = read_pdf(path)
    except PdfError as e:
        raise SourceError(str(e).split("：", 1)[-1]) from None
    doc = Document(path=path, kind="pdf", lines=lines, tokens=tokens_from_text("\n".join(lines)))
    for k, rows in enumerate(tables, start=1):
        doc.tokens += tokens_from_grid_rows([[(t, f"PDF第{k}个表格第{r + 1}行第{c + 1}列") for c, t in enumerate(row)]
                                             for r, row in enumerate(rows)])
    return doc


def _join_lines(t: str) -> str:
    return "\n".join(" ".join(x.split()) for x in t.split("\n") if x.strip())


def _place(grid: Grid, rows: list[list[tuple[str, int, int]]], where) -> None:
    """The HTML table layout: each cell goes to the next free column of its row.

    A table never spreads beyond ``MAX_ROWS`` × ``MAX_COLS`` positions (spans are cut at
    the edge), so huge rowspan/colspan values cannot make it explode; a table with more
    rows or columns than that is refused with the limit named (:class:`LimitError`).
    """
    if len(rows) > MAX_ROWS:
        raise LimitError(f"{grid.name}有{len(rows)}行，超过导入的上限（每个表格最多{MAX_ROWS}行），无法导入；"
                         "请只保留统计表部分后再导入")
    taken: set[tuple[int, int]] = set()
    for r, row in enumerate(rows):
        c = 0
        for text, rs, cs in row:
            while (r, c) in taken:
                c += 1
            if c >= MAX_COLS:
                raise LimitError(f"{grid.name}第{r + 1}行超过{MAX_COLS}列（含合并单元格的跨列），超过导入的上限，无法导入；"
                                 "请只保留统计表部分后再导入")
            rs, cs = min(rs, MAX_ROWS - r), min(cs, MAX_COLS - c)
            for rr in range(r, r + rs):
                for cc in range(c, c + cs):
                    taken.add((rr, cc))
            grid.add(Cell(text=text.strip(), r=r, c=c, rs=rs, cs=cs, where=where(r, c)))
            c += cs
        while len(grid.rows) <= r:
            grid.rows.append([])


# --------------------------------------------------------------------------------------
# .docx: python-docx; merged cells from gridSpan / vMerge
# --------------------------------------------------------------------------------------
def _read_docx(path: Path) -> Document:
    try:
        import docx
        from docx.oxml.ns import qn
    except ImportError as e:  # pragma: no cover - python-docx is a dependency
        raise SourceError("读取 .docx 需要 python-docx") from e
    try:
        d = docx.Document(str(path))
    except Exception as e:
        raise SourceError("无法作为 Word 文档打开，文件可能已损坏或已加密") from e
    doc = Document(path=path, kind="docx")
    k = 0
    for el in d.element.body.iterchildren():
        if el.tag == qn("w:p"):
            t = "".join(x.text or "" for x in el.iter(qn("w:t"))).strip()
            if t:
                doc.lines.append(t)
        elif el.tag == qn("w:tbl"):
            k += 1
            grid = Grid(name=f"第{k}个表格", locator=lambda r, c, k=k: f"第{k}个表格第{r + 1}行第{c + 1}列")
            _docx_table(grid, el, qn, k)
            doc.grids.append(grid)
    from .stream import tokens_from_text

    doc.tokens = tokens_from_text("\n".join(doc.lines))
    for grid in doc.grids:
        doc.tokens += _grid_tokens(grid)
    return doc


def _docx_table(grid: Grid, tbl, qn, k: int) -> None:
    for r, tr in enumerate(tbl.findall(qn("w:tr"))[:MAX_ROWS]):
        c = 0
        trpr = tr.find(qn("w:trPr"))
        if trpr is not None:
            gb = trpr.find(qn("w:gridBefore"))
            if gb is not None:
                c += _span(gb.get(qn("w:val")))
        while len(grid.rows) <= r:
            grid.rows.append([])
        for tc in tr.findall(qn("w:tc")):
            tcpr = tc.find(qn("w:tcPr"))
            cs, vmerge = 1, None
            if tcpr is not None:
                gs = tcpr.find(qn("w:gridSpan"))
                if gs is not None:
                    cs = _span(gs.get(qn("w:val")))
                vm = tcpr.find(qn("w:vMerge"))
                if vm is not None:
                    vmerge = vm.get(qn("w:val")) or "continue"
            paras = ["".join(x.text or "" for x in p.iter(qn("w:t"))) for p in tc.findall(qn("w:p"))]
            text = "\n".join(p for p in paras if p.strip()).strip()
            if vmerge == "continue":
                above = grid.cell(r - 1, c)
                if above is not None:
                    above.rs = r - above.r + 1
                    for cc in range(above.c, above.c + above.cs):
                        grid.at[(r, cc)] = above
                    c += cs
                    continue
            grid.add(Cell(text=text, r=r, c=c, cs=cs, where=f"第{k}个表格第{r + 1}行第{c + 1}列"))
            c += cs


# --------------------------------------------------------------------------------------
# workbooks: python-calamine with merged ranges (the reader's library, so both read the same
# values: cached formula results, numbers as stored)
# --------------------------------------------------------------------------------------
def _read_workbook(path: Path) -> Document:
    from ..layout import a1

    from .. import gate

    # the reader's input gate, before calamine sees the file: a cell reference beyond the
    # sheet's limits or a decompression bomb makes calamine panic or exhaust memory
    try:
        checked = gate.check_workbook(path, error=SourceError)
    except LimitError as e:  # keep it a SourceError: the caller names the file
        raise SourceLimitError(e.message) from None
    doc = Document(path=path, kind="workbook")
    sheets: list[tuple[str, list[list[object]], list[tuple[int, int, int, int]]]] = []
    try:
        from python_calamine import CalamineWorkbook

        if checked.data is not None:  # the bytes the gate checked, not the file again
            book = CalamineWorkbook.from_filelike(io.BytesIO(checked.data))
        else:
            with open(path, "rb") as fh:  # a file object: also for file names that are not UTF-8
                book = CalamineWorkbook.from_filelike(fh)
    except PermissionError as e:
        raise SourceError("没有读取权限，无法打开；请检查文件的权限设置") from e
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as e:  # calamine's errors, and its panics (pyo3's PanicException)
        if is_encrypted_ooxml(path):
            raise SourceError("工作簿设置了打开密码（已加密），请取消密码后另存为 .xlsx 再导入") from e
        raise SourceError("无法作为 Excel 工作簿打开，文件可能已损坏") from e
    errors = None
    for name in book.sheet_names:
        if name in SKIP_SHEETS:
            continue
        try:
            sheet = book.get_sheet_by_name(name)
            values = sheet.to_python(skip_empty_area=False)[:MAX_ROWS]
            merges = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or ())]
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException:
            continue  # chart sheets and the like (and a sheet calamine panics on)
        if errors is None:  # calamine shows #DIV/0! and the like as empty: take them from the XML
            from ..reader import formula_and_error_cells

            errors = formula_and_error_cells(path, checked.data)[1]
        for ref, err in errors.get(name, {}).items():
            r, c = _rowcol(ref)
            if r < len(values) and c < len(values[r]):
                values[r][c] = err
        sheets.append((name, [list(r[:MAX_COLS]) for r in values], merges))
    for name, values, merges in sheets:
        grid = grid_from_values(f"工作表“{name}”", values, merges,
                                where=lambda r, c, name=name: f"工作表“{name}”{a1(r + 1, c + 1)}")
        if any(grid.rows):
            doc.grids.append(grid)
    if not doc.grids:
        raise SourceError("工作簿是空的，没有任何内容")
    return doc


def _rowcol(ref: str) -> tuple[int, int]:
    """「D9」 → (8, 3), 0-based."""
    from ..layout import col_index

    letters = ref.rstrip("0123456789")
    return int(ref[len(letters):]) - 1, col_index(letters) - 1
