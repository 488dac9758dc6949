"""Workbook → :class:`~gxxl.filing.Filing`.

The fast path reads a gxxl template by position after checking that the printed labels
are where the template put them.  When a clerk inserted or deleted rows or columns, or
filled in a workbook of their own that carries the official tables, every cell is
located by its labels instead and the filing says so (F-4): each sheet becomes a
:class:`gxxl.locate.Grid` and the same label locator as ``gxxl import`` finds the table in
it.  The format of a workbook without gxxl's ``_gxxl`` sheet is detected by
:mod:`gxxl.detect` (the importer's detector too).  Wrong files never raise: they give a
filing with ``readable=False`` and an F-1/F-2 finding.

A value that cannot be a count or an amount — a spreadsheet error value (#DIV/0!, #REF!,
also typed as text), NaN, ±∞, or a number beyond ``MAX_PLAUSIBLE`` — is an F-5 error at its
cell with the value None and the problem ``invalid``; it is never read as 0.
"""

from __future__ import annotations

import datetime as _dt
import errno
import io
import math
import os
import re
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from python_calamine import CalamineWorkbook

from . import gate
from .errors import MSG_RESAVE
from .detect import detect_format
from .filing import Filing
from .layout import META_SHEET, a1, cover_positions, sheet_ref, table_pos, COVER_LABEL_COL
from .spec import FORMAT_MODULES, FormatSpec, TableSpec, all_specs, get_spec
from .spec.model import MAX_PLAUSIBLE
from .text import norm, parse_number_text
from .textio import OLE_MAGIC, cell_text as _text, is_encrypted_ooxml
from .validate import notice

Grid = list[list[object]]

#: the error values a spreadsheet shows instead of a result
ERROR_VALUES = frozenset({"#DIV/0!", "#REF!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!",
                          "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!"})
#: NaN and infinity as text (what a program, or gxxl keeping the raw text, writes for them)
_NONFINITE_TEXT = {"NAN": math.nan, "INF": math.inf, "+INF": math.inf, "-INF": -math.inf,
                   "INFINITY": math.inf, "+INFINITY": math.inf, "-INFINITY": -math.inf,
                   "∞": math.inf, "+∞": math.inf, "-∞": -math.inf}


def unusable_value(raw: object) -> object | None:
    """The value to report as F-5 when ``raw`` is no count or amount — an error value
    (#DIV/0! …, as text too), NaN, ±∞ (as text too), or a number beyond ``MAX_PLAUSIBLE`` —
    else None.  Text numbers are checked after parsing (see ``_convert_values``).  Shared
    with the importer, so both treat such a cell alike."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return None if (math.isfinite(raw) and -MAX_PLAUSIBLE <= raw <= MAX_PLAUSIBLE) else raw
    if isinstance(raw, str):
        t = raw.strip().upper()
        if t in ERROR_VALUES:
            return raw.strip()
        if t in _NONFINITE_TEXT:
            return _NONFINITE_TEXT[t]
    return None


def shown_value(raw: object) -> str:
    """How an unusable value is shown and kept (problem text, messages)."""
    return _shown(raw)


#: what a reader never swallows (everything else a parser raises — pyo3's PanicException
#: for a panic in calamine is a BaseException — means the file cannot be read)
_NOT_ERRORS = (KeyboardInterrupt, SystemExit, GeneratorExit)


class _Unreadable(Exception):
    def __init__(self, message: str, rule: str = "F-1"):
        super().__init__(message)
        self.rule = rule


def read_filing(path: str | os.PathLike, spec: FormatSpec | None = None) -> Filing:
    """Read one workbook.  Never raises for a user's mistake; see ``Filing.readable``."""
    path = Path(path)
    name = path.name
    try:
        # the gate checks the package now and each worksheet just before calamine parses it
        with gate.sheets_checked_on_use(path, error=_Unreadable) as sheet_gate:
            book = _open(path, sheet_gate.data)
            sheets = _load_sheets(book, sheet_gate)
            meta = _read_meta(sheets)
            spec = spec or _choose_spec(meta, sheets, name)
            data = sheet_gate.data
            return _read(path, spec, sheets, meta, formula_cells=lambda: formula_and_error_cells(path, data))
    except _Unreadable as e:
        return Filing(
            spec_id=(spec or get_spec()).id,
            source=str(path),
            readable=False,
            findings=[notice(spec or get_spec(), e.rule, file=str(path), name=name, reason=str(e))],
        )


def read_filing_grids(sheets: dict[str, Grid], name: str = "工作簿", *, source: str | None = None,
                      spec: FormatSpec | None = None) -> Filing:
    """Read a filing from sheet values already in memory (the Excel add-in reads a live workbook).

    ``sheets`` maps each sheet name to its grid: rows of cell values from A1, ``""`` for an
    empty cell (as python-calamine gives them; ``None`` is accepted too).  ``name`` is how
    messages call the workbook, ``source`` what the filing records as its source.  The
    same rules as :func:`read_filing` apply, except that a live workbook has no formulas
    without a calculated result (``nocache``).  Never raises for a user's mistake.
    """
    grids = {n: [["" if v is None else v for v in row] for row in (g or [])] for n, g in sheets.items()}
    path = Path(name)
    try:
        _check_not_empty(grids)
        meta = _read_meta(grids)
        spec = spec or _choose_spec(meta, grids, name)
        filing = _read(path, spec, grids, meta, formula_cells=lambda: ({}, {}))
    except _Unreadable as e:
        return Filing(
            spec_id=(spec or get_spec()).id,
            source=source or name,
            readable=False,
            findings=[notice(spec or get_spec(), e.rule, file=source or name, name=name, reason=str(e))],
        )
    if source is not None:
        filing.source = source
        filing.findings = [f.model_copy(update={"file": source}) if f.file == str(path) else f for f in filing.findings]
    return filing


# --------------------------------------------------------------------------------------
# opening
# --------------------------------------------------------------------------------------
def _open(path: Path, data: bytes | None = None) -> CalamineWorkbook:
    """Calamine's workbook, after the gate (``gate.sheets_checked_on_use``) passed the file:
    it exists and is a regular, readable file within the size limit.  ``data``: the bytes
    the gate checked (a workbook of at most 8 MiB); calamine parses those (recognising the
    format by content), not the file again, so what it parses is what the gate passed even
    if the file changes meanwhile."""
    if data is not None:
        head = data[:8]
    else:
        size = path.stat().st_size
        if size == 0:
            raise _Unreadable("文件为空（0 字节），可能保存或发送时出错，请重新保存后再报送")
        try:
            with open(path, "rb") as fh:
                head = fh.read(8)
        except PermissionError as e:
            raise _Unreadable("没有读取权限，无法打开；请检查文件的权限设置（或以有权限的用户运行）") from e
        except OSError as e:
            raise _Unreadable(f"无法读取文件（{os.strerror(e.errno) if e.errno else e}）") from e
    if head == OLE_MAGIC:
        if is_encrypted_ooxml(data if data is not None else path):
            raise _Unreadable("文件设置了打开密码（已加密），无法读取；请在 Excel/WPS 中取消密码后另存为 .xlsx")
        # an Excel 97-2003 .xls: calamine reads it
    elif not head.startswith(b"PK"):
        raise _Unreadable(_not_a_workbook_hint(path))
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data)) if data is not None else _calamine(path)
    except _NOT_ERRORS:
        raise
    except BaseException as e:  # calamine raises several error types for damaged files, and panics
        if isinstance(e, OSError) and e.errno in (errno.EACCES, errno.EPERM):
            raise _Unreadable("没有读取权限，无法打开；请检查文件的权限设置（或以有权限的用户运行）") from e
        if head.startswith(b"PK") and not zipfile.is_zipfile(io.BytesIO(data) if data is not None else path):
            raise _Unreadable("文件已损坏（压缩包不完整），请重新保存或重新发送") from e
        if path.suffix.lower() not in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
            raise _Unreadable(_not_a_workbook_hint(path)) from e
        raise _Unreadable(f"无法作为 Excel 工作簿打开，文件可能已损坏；{MSG_RESAVE}") from e


def _calamine(path: Path) -> CalamineWorkbook:
    """Open with python-calamine; a file name that is not valid UTF-8 (bytes on Linux) is
    opened through its file object, which calamine reads just the same."""
    name = str(path)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        with open(path, "rb") as fh:
            return CalamineWorkbook.from_filelike(fh)
    return CalamineWorkbook.from_path(name)


def _not_a_workbook_hint(path: Path) -> str:
    ext = path.suffix.lower()
    if ext in (".doc", ".docx", ".wps", ".pdf", ".txt", ".html", ".htm"):
        return f"这是 {ext} 文件，不是 Excel 工作簿；请报送统计表的 .xlsx 文件（文字报告可用 gxxl import 导入）"
    if ext == ".et":
        return "这是 WPS 表格专有格式（.et），请在 WPS 中“另存为”Excel 工作簿（.xlsx）"
    return "不是 Excel 工作簿（.xlsx/.xlsm/.xls），请检查是否发错了文件"


class _LazySheets(Mapping):
    """Sheet name → grid, each sheet parsed on first access.

    A template read by position touches only the cover, the table sheets and ``_gxxl``;
    other sheets (the self-check sheet, a roll-up's large 明细) are never parsed.  The
    label-locating fallback iterates all sheets and so loads them as before.
    """

    def __init__(self, book: CalamineWorkbook, sheet_gate: gate.SheetGate):
        self._book = book
        self._gate = sheet_gate
        self._names = list(book.sheet_names)
        self._grids: dict[str, Grid] = {}

    def _sheet(self, name: str):
        self._gate.check(name)  # extent and content limits, before calamine allocates the sheet
        return self._book.get_sheet_by_name(name)

    def __getitem__(self, name: str) -> Grid:
        grid = self._grids.get(name)
        if grid is None:
            if name not in self._names:
                raise KeyError(name)
            try:
                grid = self._sheet(name).to_python(skip_empty_area=False)
            except _Unreadable:
                raise
            except Exception:
                grid = []  # chart sheets and the like
            except _NOT_ERRORS:
                raise
            except BaseException as e:  # a Rust panic inside calamine (pyo3's PanicException)
                raise _Unreadable(f"读取时发生意外错误，文件可能已损坏；{MSG_RESAVE}") from e
            self._grids[name] = grid
        return grid

    def merges(self, name: str) -> list[tuple[int, int, int, int]]:
        """Merged ranges of a sheet, 0-based (first row, first col, last row, last col)."""
        try:
            ranges = self._sheet(name).merged_cell_ranges or ()
        except _Unreadable:
            raise
        except Exception:
            return []
        except _NOT_ERRORS:
            raise
        except BaseException as e:  # a Rust panic inside calamine
            raise _Unreadable(f"读取时发生意外错误，文件可能已损坏；{MSG_RESAVE}") from e
        return [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in ranges]

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _load_sheets(book: CalamineWorkbook, sheet_gate: gate.SheetGate) -> Mapping[str, Grid]:
    sheets = _LazySheets(book, sheet_gate)
    _check_not_empty(sheets)  # stops at the first sheet with content
    return sheets


def _check_not_empty(sheets: dict[str, Grid]) -> None:
    if not any(any(v != "" for v in row) for g in sheets.values() for row in g):
        raise _Unreadable("工作簿是空的，没有任何内容", rule="F-2")


def _read_meta(sheets: dict[str, Grid]) -> dict[str, str]:
    grid = sheets.get(META_SHEET)
    if not grid:
        return {}
    out = {}
    for row in grid:
        if len(row) >= 2 and row[0] != "":
            out[str(row[0])] = _text(row[1])
    return out


def _choose_spec(meta: dict[str, str], sheets: dict[str, Grid], name: str) -> FormatSpec:
    if meta.get("format") in FORMAT_MODULES:  # a gxxl workbook: build only its own format
        return get_spec(meta["format"])
    specs = all_specs()
    if meta.get("format") in specs:
        return specs[meta["format"]]
    found = detect_format(v for n in sheets if n != META_SHEET for row in sheets[n] for v in row if isinstance(v, str))
    if found.spec is None:
        raise _Unreadable(
            "未找到政府信息公开年度报告统计表（表二、表三、表四的栏目名称都没有找到）；"
            "请使用 gxxl 模板（gxxl template）填报",
            rule="F-2",
        )
    return found.spec


# --------------------------------------------------------------------------------------
# reading values
# --------------------------------------------------------------------------------------
def _read(path: Path, spec: FormatSpec, sheets: dict[str, Grid], meta: dict[str, str],
          formula_cells=None) -> Filing:
    """``formula_cells()`` → {sheet: A1 addresses holding formulas}; read from ``path`` by default."""
    filing = Filing(spec_id=spec.id, source=str(path), meta=meta)
    raw_cells: dict[str, tuple[str, int, int, object]] = {}  # code → (sheet, row, col, raw value)
    grids: dict[str, object] = {}  # sheet name → gxxl.locate.Grid, built once for the fallback
    for table in spec.tables:
        sheet = sheets.get(table.sheet)
        if sheet is not None and _template_matches(table, sheet):
            name, n = table.sheet, len(sheet)
            for code, r, c in table.sheet_positions[0]:  # _at(sheet, r, c), inlined: the hot loop
                row = sheet[r - 1] if r <= n else ()
                raw_cells[code] = (name, r, c, row[c - 1] if c <= len(row) else "")
            continue
        hit = _locate_table(table, sheets, grids)
        if hit is None:
            filing.findings.append(notice(spec, "F-2", "table_missing", file=str(path),
                                          name=path.name, table=table.number, title=table.title))
            for cs in table.cells:
                filing.problems[cs.code] = ("blank", "")
                filing.values[cs.code] = None
            continue
        sheet_name = hit.grid.name
        grid = sheets[sheet_name]
        for cs in table.cells:
            placed = hit.values.get(cs.code)
            if placed is None:  # a row or column the locator did not find (reported below)
                filing.problems[cs.code] = ("blank", "")
                filing.values[cs.code] = None
                continue
            r, c = placed.pos[0] + 1, placed.pos[1] + 1
            raw_cells[cs.code] = (sheet_name, r, c, _at(grid, r, c))
            if sheet_name != table.sheet or (r, c) != table_pos(table, cs.r, cs.c):
                filing.moved[cs.code] = sheet_ref(sheet_name, r, c)
        notes = "工作表名称不同" if sheet_name != table.sheet else "插入或删除了行列"
        filing.findings.append(notice(spec, "F-4", file=str(path),
                                      name=path.name, table=table.number, notes=notes))
        for d in hit.decisions:  # the locator's own words (the importer shows them as I-*)
            if d.rule == "I-1":  # part of the table not found: its cells stay blank
                filing.findings.append(notice(spec, "F-2", cells=d.cells, file=str(path),
                                              name=path.name, reason=d.message))
            elif d.severity != "info":  # e.g. columns mapped by position only
                filing.findings.append(notice(spec, "F-4", "locator", cells=d.cells, file=str(path),
                                              locations=tuple(filing.where(c) for c in d.cells[:1]),
                                              name=path.name, reason=d.message))
    _convert_values(filing, spec, raw_cells, path, formula_cells or (lambda: formula_and_error_cells(path)))
    _read_cover(filing, spec, sheets, path)
    return filing


def _at(grid: Grid, r: int, c: int) -> object:
    """Value at 1-based (r, c); '' outside the used area."""
    if r - 1 < len(grid):
        row = grid[r - 1]
        if c - 1 < len(row):
            return row[c - 1]
    return ""


def _template_matches(table: TableSpec, grid: Grid) -> bool:
    for r, c, text in table.sheet_positions[1]:
        v = _at(grid, r, c)
        if v != text and norm(v) != norm(text):
            return False
    return True


def _convert_values(filing: Filing, spec: FormatSpec, raw_cells, path: Path, formula_cells) -> None:
    """Raw cell values → ``filing.values`` / ``problems`` / F-3 and F-5 findings.

    ``formula_cells()`` → (sheet → A1 of formula cells, sheet → {A1: error value}); only
    called when a blank is seen (python-calamine shows an error value as an empty cell)."""
    kinds: tuple[dict[str, set[str]], dict[str, dict[str, str]]] | None = None
    values = filing.values
    lo, hi = -MAX_PLAUSIBLE, MAX_PLAUSIBLE
    for code, (sheet, r, c, raw) in raw_cells.items():
        kind = type(raw)
        if kind is float:  # the common case, as _clean() would do it
            if lo <= raw <= hi:  # False for NaN and ±inf too
                values[code] = int(raw) if raw.is_integer() else raw
                continue
        elif kind is int:
            if lo <= raw <= hi:
                values[code] = raw
                continue
        if raw == "" or raw is None:
            if kinds is None:
                kinds = formula_cells()
            ref = a1(r, c)
            error = kinds[1].get(sheet, {}).get(ref)
            if error is not None:
                _invalid(filing, spec, code, path, error)
            elif ref in kinds[0].get(sheet, ()):
                filing.problems[code] = ("nocache", "公式")
                values[code] = None
            else:
                filing.problems[code] = ("blank", "")
                values[code] = None
        elif isinstance(raw, bool):
            filing.problems[code] = ("text", "TRUE" if raw else "FALSE")
            values[code] = None
        elif isinstance(raw, (int, float)):
            if math.isfinite(raw) and lo <= raw <= hi:
                values[code] = _clean(raw)
            else:
                _invalid(filing, spec, code, path, raw)
        elif isinstance(raw, (_dt.date, _dt.time, _dt.timedelta)):
            filing.problems[code] = ("text", str(raw))
            values[code] = None
        else:
            text = str(raw)
            bad = unusable_value(text)
            if bad is not None:
                _invalid(filing, spec, code, path, bad)
                continue
            p = parse_number_text(text)
            if p.value is None:
                filing.problems[code] = ("text", text.strip())
                values[code] = None
                continue
            value = p.value
            note = p.note
            cs = spec.cells[code]
            if cs.unit == "万元" and p.unit == "元":
                value = value / 10000
                note += "，已由元换算为万元"
            elif p.unit and p.unit != cs.unit and not (cs.unit == "件" and p.unit in ("件", "个", "条")):
                filing.problems[code] = ("text", text.strip())
                values[code] = None
                continue
            if not (math.isfinite(value) and lo <= value <= hi):
                _invalid(filing, spec, code, path, text.strip())
                continue
            values[code] = _clean(value)
            filing.findings.append(notice(spec, "F-3",
                cells=(code,), locations=(filing.where(code),), reported=text.strip(),
                computed=_clean(value), file=str(path),
                cell=spec.cell_label(code), raw=text.strip(), note=note, value=_fmt(_clean(value)),
            ))


def _invalid(filing: Filing, spec: FormatSpec, code: str, path: Path, raw: object) -> None:
    """An error value, NaN, ±∞ or an implausible number: F-5 at the cell, value None."""
    shown = _shown(raw)
    if isinstance(raw, str) and raw.startswith("#"):  # ERROR_VALUES, or an error cell of another kind
        variant = None
    elif isinstance(raw, float) and math.isnan(raw):
        variant = "nan"
    elif isinstance(raw, float) and math.isinf(raw):
        variant = "inf"
    else:
        variant = "range"
    filing.problems[code] = ("invalid", shown if not isinstance(raw, str) else raw)
    filing.values[code] = None
    filing.findings.append(notice(spec, "F-5", variant,
        cells=(code,), locations=(filing.where(code),), reported=shown, file=str(path),
        cell=spec.cell_label(code), raw=shown, limit=f"{MAX_PLAUSIBLE:,}", unit=spec.cells[code].unit,
    ))


def _shown(raw: object, limit: int = 40) -> str:
    """The raw value as the person typed or sees it, cut to ``limit`` characters."""
    if isinstance(raw, float):
        if math.isnan(raw):
            text = "NaN"
        elif math.isinf(raw):
            text = "∞" if raw > 0 else "-∞"
        else:
            text = str(int(raw)) if raw.is_integer() and abs(raw) < 1e16 else repr(raw)
    else:
        text = str(raw)
    return text if len(text) <= limit else f"{text[:limit]}…（共{len(text)}个字符）"


def _fmt(v) -> str:
    return str(v)


def _clean(v: float | int) -> int | float:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


#: a <sheet …> or <Relationship …> start tag, then its attributes: linear (a tag holds no
#: "<", so each try stops at the next one; a comment of 500,000 "<sheet " made the former
#: single patterns quadratic)
_SHEET_TAG = re.compile(rb'<sheet [^<>]*>')
_REL_TAG = re.compile(rb'<Relationship [^<>]*>')
_ATTR = {k: re.compile(rb'\s%s="([^"]+)"' % k) for k in (b"name", b"r:id", b"Id", b"Target")}


def _tag_attrs(tag_re: re.Pattern, xml: bytes, first: bytes, second: bytes) -> Iterator[tuple[bytes, bytes]]:
    for m in tag_re.finditer(xml):
        a, b = _ATTR[first].search(m.group()), _ATTR[second].search(m.group())
        if a and b:
            yield a.group(1), b.group(1)


#: one cell element: self-closing (no formula) or with a body that may hold <f> and <v>
_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"((?:[^>/]|/(?!>))*)(?:/>|>(.*?)</c>)', re.S)
_ERROR_TYPE = re.compile(rb'\st="e"')
_V = re.compile(rb"<v>([^<]*)</v>")


def formula_and_error_cells(path: Path, data: bytes | None = None) -> tuple[dict[str, set[str]], dict[str, dict[str, str]]]:
    """(sheet name → A1 addresses of cells holding a formula, sheet name → {A1: error value}).

    Read from the sheet XML (of an .xls: with xlrd) only when a blank is seen: python-calamine
    gives both a formula without a cached result and an error value (#DIV/0!) as an empty
    cell.  An .ods keeps its results; its error cells are read from content.xml.  ``data``:
    the package the gate checked (its bytes, not the file again)."""
    import html

    formulas: dict[str, set[str]] = {}
    errors: dict[str, dict[str, str]] = {}
    try:
        if data is None:
            with open(path, "rb") as fh:
                if fh.read(8) == OLE_MAGIC:  # an Excel 97-2003 .xls: results are always cached
                    return formulas, _xls_error_cells(path)
        elif data[:8] == OLE_MAGIC:
            return formulas, _xls_error_cells(data)
        with zipfile.ZipFile(path if data is None else io.BytesIO(data)) as z:
            if "content.xml" in z.namelist() and "xl/workbook.xml" not in z.namelist():
                return formulas, _ods_error_cells(z)  # OpenDocument: results are always stored
            wbxml = z.read("xl/workbook.xml")
            rels = z.read("xl/_rels/workbook.xml.rels")
            targets = dict(_tag_attrs(_REL_TAG, rels, b"Id", b"Target"))
            for sheet_name, rid in _tag_attrs(_SHEET_TAG, wbxml, b"name", b"r:id"):
                name = html.unescape(sheet_name.decode())
                target = targets.get(rid, b"").decode()
                part = target.lstrip("/") if target.startswith("/") else "xl/" + target
                try:
                    xml = z.read(part)
                except KeyError:
                    continue
                has_f, has_e = b"<f" in xml, b't="e"' in xml
                if not (has_f or has_e):
                    continue
                for x in _CELL.finditer(xml):
                    body = x.group(3)
                    if not body:
                        continue
                    if has_f and b"<f" in body:
                        formulas.setdefault(name, set()).add(x.group(1).decode())
                    if has_e and _ERROR_TYPE.search(x.group(2)):
                        v = _V.search(body)
                        errors.setdefault(name, {})[x.group(1).decode()] = (
                            html.unescape(v.group(1).decode("utf-8", "replace")).strip() if v else "#错误") or "#错误"
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        pass
    return formulas, errors


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"


def _ods_error_cells(z: zipfile.ZipFile) -> dict[str, dict[str, str]]:
    """sheet name → {A1: error value} of an .ods (cells with calcext:value-type="error")."""
    import xml.etree.ElementTree as ET

    out: dict[str, dict[str, str]] = {}
    sheet, r, c = "", 0, 0
    rep = f"{_ODS_TABLE}number-rows-repeated", f"{_ODS_TABLE}number-columns-repeated"
    try:
        with z.open("content.xml") as fh:
            for event, el in ET.iterparse(fh, events=("start", "end")):
                tag = el.tag
                if event == "start":
                    if tag == f"{_ODS_TABLE}table":
                        sheet, r = el.get(f"{_ODS_TABLE}name", ""), 0
                    elif tag == f"{_ODS_TABLE}table-row":
                        c = 0
                    continue
                if tag in (f"{_ODS_TABLE}table-cell", f"{_ODS_TABLE}covered-table-cell"):
                    if el.get(f"{_ODS_CALCEXT}value-type") == "error":
                        text = "".join(el.itertext()).strip() or "#错误"
                        out.setdefault(sheet, {})[a1(r + 1, c + 1)] = text
                    c += int(el.get(rep[1], "1") or 1)
                    el.clear()
                elif tag == f"{_ODS_TABLE}table-row":
                    r += int(el.get(rep[0], "1") or 1)
                    el.clear()
    except (ET.ParseError, KeyError, ValueError, OSError):
        pass
    return out


def _xls_error_cells(path: Path | bytes) -> dict[str, dict[str, str]]:
    """sheet name → {A1: error value} of an .xls (BIFF), read with xlrd (from its path, or
    the bytes the gate checked)."""
    import io

    try:
        import xlrd

        source = {"file_contents": path} if isinstance(path, bytes) else {"filename": str(path)}
        book = xlrd.open_workbook(**source, on_demand=True, logfile=io.StringIO(), verbosity=0)
    except Exception:  # not a BIFF workbook after all, damaged: no error cells known
        return {}
    out: dict[str, dict[str, str]] = {}
    try:
        for i in range(book.nsheets):
            sheet = book.sheet_by_index(i)
            for r in range(sheet.nrows):
                for c, kind in enumerate(sheet.row_types(r)):
                    if kind == xlrd.XL_CELL_ERROR:
                        text = xlrd.error_text_from_code.get(sheet.cell_value(r, c), "#错误")
                        out.setdefault(sheet.name, {})[a1(r + 1, c + 1)] = text
            book.unload_sheet(i)
    except Exception:
        pass
    finally:
        book.release_resources()
    return out


# --------------------------------------------------------------------------------------
# the cover
# --------------------------------------------------------------------------------------
def _read_cover(filing: Filing, spec: FormatSpec, sheets: dict[str, Grid], path: Path) -> None:
    grid = sheets.get(spec.cover_sheet)
    positions = cover_positions(spec)
    raw: dict[str, object] = {}
    fast = grid is not None and all(
        _label_starts(_at(grid, r, COVER_LABEL_COL), spec.cover_by_code[code].label)
        for code, (r, _c) in positions.items()
    )
    if fast:
        for code, (r, c) in positions.items():
            raw[code] = _at(grid, r, c)
    else:
        wanted = {norm(f.label): f.code for f in spec.cover}
        for g in ([grid] if grid else []) + [g for n, g in sheets.items() if n != spec.cover_sheet]:
            for row in g:
                for j, v in enumerate(row):
                    if not isinstance(v, str) or not v:
                        continue
                    key = norm(v).split("(必填)")[0].rstrip(":")
                    code = wanted.get(key)
                    if code and code not in raw:
                        # the value is the next non-empty cell to the right, or text after a colon
                        if ":" in norm(v) and norm(v).split(":", 1)[1]:
                            raw[code] = v.split("：" if "：" in v else ":", 1)[1].strip()
                        else:
                            raw[code] = next((x for x in row[j + 1:] if x != ""), "")
    for f in spec.cover:
        v = raw.get(f.code, "")
        value = _cover_value(f.kind, v)
        if f.choices and isinstance(value, str) and value not in f.choices:
            # 「乡镇(街道)」, 「縣級政府」: the same choice in other brackets or script
            value = next((c for c in f.choices if norm(c) == norm(value)), value)
        filing.cover[f.code] = value


def _label_starts(v: object, label: str) -> bool:
    """The cell's text begins with the label, after normalising both (``norm``); the label as
    the template wrote it is recognised without normalising anything."""
    if isinstance(v, str) and v.startswith(label):
        return True
    return norm(v).startswith(norm(label))


def _cover_value(kind: str, v: object):
    if v == "" or v is None:
        return None
    if kind == "year":
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and float(v).is_integer():
            return int(v)
        m = re.search(r"(19|20)\d{2}", norm(v))
        return int(m.group(0)) if m else norm(v)
    if kind == "date":
        if isinstance(v, _dt.datetime):
            return v.date().isoformat()
        if isinstance(v, _dt.date):
            return v.isoformat()
        if isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < 2958466:  # an Excel serial date
            return (_dt.date(1899, 12, 30) + _dt.timedelta(days=int(v))).isoformat()
        return _text(v)
    if kind == "credit_code":
        return norm(v).upper()
    return _text(v)


# --------------------------------------------------------------------------------------
# locating a table by its labels (the layout was edited): the locator of gxxl.locate
# --------------------------------------------------------------------------------------
def _locate_table(table: TableSpec, sheets: Mapping[str, Grid], grids: dict):
    """The best :class:`gxxl.locate.TableHit` over all sheets (the table's own sheet first),
    or None.  ``grids`` caches each sheet's :class:`gxxl.locate.Grid` across tables."""
    from .locate import grid_from_values, locate_best

    def grid(name: str):
        g = grids.get(name)
        if g is None:  # merged ranges as the importer sees them (none for a live workbook's grids)
            merges = sheets.merges(name) if isinstance(sheets, _LazySheets) else ()
            g = grids[name] = grid_from_values(name, sheets[name], merges,
                                               where=lambda r, c: sheet_ref(name, r + 1, c + 1))
        return g

    order = sorted((n for n in sheets if n != META_SHEET), key=lambda n: n != table.sheet)
    best, _ = locate_best((grid(n) for n in order if sheets[n]), table)
    return best
