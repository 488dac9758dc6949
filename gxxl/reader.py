"""Workbook → :class:`~gxxl.filing.Filing`.

The fast path reads a gxxl template by position after checking that the printed labels
are where the template put them.  When a clerk inserted or deleted rows or columns, or
filled in a workbook of their own that carries the official tables, every cell is
located by its labels instead and the filing says so (F-4).  Wrong files never raise:
they give a filing with ``readable=False`` and an F-1/F-2 finding.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

from python_calamine import CalamineWorkbook

from . import gate
from .filing import Filing
from .findings import Finding
from .layout import META_SHEET, a1, cover_positions, sheet_ref, table_pos, COVER_LABEL_COL
from .spec import FormatSpec, TableSpec, all_specs, get_spec
from .text import norm, parse_number_text, strip_numbering

Grid = list[list[object]]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class _Unreadable(Exception):
    def __init__(self, message: str, rule: str = "F-1"):
        super().__init__(message)
        self.rule = rule


def read_filing(path: str | os.PathLike, spec: FormatSpec | None = None) -> Filing:
    """Read one workbook.  Never raises for a user's mistake; see ``Filing.readable``."""
    path = Path(path)
    name = path.name
    try:
        book = _open(path)
        sheets = _load_sheets(book)
        meta = _read_meta(sheets)
        spec = spec or _choose_spec(meta, sheets, name)
        return _read(path, spec, sheets, meta)
    except _Unreadable as e:
        return Filing(
            spec_id=(spec or get_spec()).id,
            source=str(path),
            readable=False,
            findings=[Finding(rule=e.rule, severity="error", message=f"{name}：{e}", file=str(path))],
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
        filing = _read(path, spec, grids, meta, formula_cells=dict)
    except _Unreadable as e:
        return Filing(
            spec_id=(spec or get_spec()).id,
            source=source or name,
            readable=False,
            findings=[Finding(rule=e.rule, severity="error", message=f"{name}：{e}", file=source or name)],
        )
    if source is not None:
        filing.source = source
        filing.findings = [f.model_copy(update={"file": source}) if f.file == str(path) else f for f in filing.findings]
    return filing


# --------------------------------------------------------------------------------------
# opening
# --------------------------------------------------------------------------------------
def _open(path: Path) -> CalamineWorkbook:
    gate.check_workbook(path, error=_Unreadable)  # regular file, size and shape limits, before parsing
    if not path.exists():
        raise _Unreadable("文件不存在")
    if path.is_dir():
        raise _Unreadable("这是一个文件夹，不是工作簿")
    size = path.stat().st_size
    if size == 0:
        raise _Unreadable("文件为空（0 字节），可能保存或发送时出错，请重新保存后再报送")
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head == OLE_MAGIC:
        if _is_encrypted_ooxml(path):
            raise _Unreadable("文件设置了打开密码（已加密），无法读取；请在 Excel/WPS 中取消密码后另存为 .xlsx")
        # an Excel 97-2003 .xls: calamine reads it
    elif not head.startswith(b"PK"):
        raise _Unreadable(_not_a_workbook_hint(path))
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as e:  # calamine raises several error types for damaged files
        if head.startswith(b"PK") and not zipfile.is_zipfile(path):
            raise _Unreadable("文件已损坏（压缩包不完整），请重新保存或重新发送") from e
        if path.suffix.lower() not in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
            raise _Unreadable(_not_a_workbook_hint(path)) from e
        raise _Unreadable("无法作为 Excel 工作簿打开，文件可能已损坏；请在 Excel/WPS 中打开后重新保存为 .xlsx") from e


def _is_encrypted_ooxml(path: Path) -> bool:
    try:
        import olefile
    except ImportError:  # pragma: no cover - olefile ships with the test extras
        return False
    try:
        with olefile.OleFileIO(str(path)) as ole:
            return ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage")
    except Exception:
        return False


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

    def __init__(self, book: CalamineWorkbook):
        self._book = book
        self._names = list(book.sheet_names)
        self._grids: dict[str, Grid] = {}

    def __getitem__(self, name: str) -> Grid:
        grid = self._grids.get(name)
        if grid is None:
            if name not in self._names:
                raise KeyError(name)
            try:
                grid = self._book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            except Exception:
                grid = []  # chart sheets and the like
            self._grids[name] = grid
        return grid

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _load_sheets(book: CalamineWorkbook) -> Mapping[str, Grid]:
    sheets = _LazySheets(book)
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
    specs = all_specs()
    if meta.get("format") in specs:
        return specs[meta["format"]]
    present = {norm(v) for g in sheets.values() for row in g for v in row if isinstance(v, str) and v}
    best, best_score = None, 0
    for spec in specs.values():
        labels = _signature(spec)
        score = len(labels & present) / max(1, len(labels))
        if score > best_score:
            best, best_score = spec, score
    if best is None or best_score < 0.3:
        raise _Unreadable(
            "未找到政府信息公开年度报告统计表（表二、表三、表四的栏目名称都没有找到）；"
            "请使用 gxxl 模板（gxxl template）填报",
            rule="F-2",
        )
    return best


_SIGNATURES: dict[str, frozenset[str]] = {}


def _signature(spec: FormatSpec) -> frozenset[str]:
    """The labels that identify a format: its table labels not shared with the other formats."""
    if spec.id not in _SIGNATURES:
        mine = {norm(s.text) for t in spec.tables for s in t.layout.spans}
        others = {norm(s.text) for o in all_specs().values() if o.id != spec.id for t in o.tables for s in t.layout.spans}
        _SIGNATURES[spec.id] = frozenset(mine - others) or frozenset(mine)
    return _SIGNATURES[spec.id]


# --------------------------------------------------------------------------------------
# reading values
# --------------------------------------------------------------------------------------
def _read(path: Path, spec: FormatSpec, sheets: dict[str, Grid], meta: dict[str, str],
          formula_cells=None) -> Filing:
    """``formula_cells()`` → {sheet: A1 addresses holding formulas}; read from ``path`` by default."""
    filing = Filing(spec_id=spec.id, source=str(path), meta=meta)
    raw_cells: dict[str, tuple[str, int, int, object]] = {}  # code → (sheet, row, col, raw value)
    for table in spec.tables:
        sheet = sheets.get(table.sheet)
        if sheet is not None and _template_matches(table, sheet):
            name = table.sheet
            for code, r, c in _positions(table)[0]:
                raw_cells[code] = (name, r, c, _at(sheet, r, c))
            continue
        located = _locate_table(table, sheets)
        if located is None:
            filing.findings.append(
                Finding(
                    rule="F-2", severity="error", file=str(path),
                    message=f"{path.name}：未找到{table.number}（{table.title}），该表的单元格按空白处理",
                )
            )
            for cs in table.cells:
                filing.problems[cs.code] = ("blank", "")
                filing.values[cs.code] = None
            continue
        sheet_name, positions, notes = located
        grid = sheets[sheet_name]
        for cs in table.cells:
            r, c = positions[cs.code]
            raw_cells[cs.code] = (sheet_name, r, c, _at(grid, r, c))
            ref = sheet_ref(sheet_name, r, c)
            if sheet_name != table.sheet or (r, c) != table_pos(table, cs.r, cs.c):
                filing.moved[cs.code] = ref
        filing.findings.append(
            Finding(
                rule="F-4", severity="warning", file=str(path),
                message=f"{path.name}：{table.number}的布局与模板不同（{notes}），已按栏目名称定位读取，请核对",
            )
        )
    _convert_values(filing, spec, raw_cells, path, formula_cells or (lambda: _formula_cells(path)))
    _read_cover(filing, spec, sheets, path)
    return filing


def _at(grid: Grid, r: int, c: int) -> object:
    """Value at 1-based (r, c); '' outside the used area."""
    if r - 1 < len(grid):
        row = grid[r - 1]
        if c - 1 < len(row):
            return row[c - 1]
    return ""


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


_POSITIONS: dict[int, tuple] = {}


def _positions(table: TableSpec) -> tuple[tuple, tuple]:
    """((code, row, col) of each cell, (row, col, text) of each printed span), 1-based; cached."""
    hit = _POSITIONS.get(id(table))
    if hit is None or hit[0] is not table:
        cells = tuple((cs.code, *table_pos(table, cs.r, cs.c)) for cs in table.cells)
        spans = tuple((*table_pos(table, sp.row, sp.col), sp.text) for sp in table.layout.spans)
        hit = _POSITIONS[id(table)] = (table, cells, spans)
    return hit[1], hit[2]


def _template_matches(table: TableSpec, grid: Grid) -> bool:
    for r, c, text in _positions(table)[1]:
        v = _at(grid, r, c)
        if v != text and norm(v) != norm(text):
            return False
    return True


def _convert_values(filing: Filing, spec: FormatSpec, raw_cells, path: Path, formula_cells) -> None:
    nocache_checked: dict[str, set[str]] | None = None
    tolerated: list[str] = []
    values = filing.values
    for code, (sheet, r, c, raw) in raw_cells.items():
        kind = type(raw)
        if kind is float:  # the common case, as _clean() would do it
            values[code] = int(raw) if raw.is_integer() else raw
            continue
        if kind is int:
            values[code] = raw
            continue
        cs = spec.cells[code]
        if raw == "" or raw is None:
            if nocache_checked is None:
                nocache_checked = formula_cells()
            if a1(r, c) in nocache_checked.get(sheet, ()):
                filing.problems[code] = ("nocache", "公式")
            else:
                filing.problems[code] = ("blank", "")
            filing.values[code] = None
        elif isinstance(raw, bool):
            filing.problems[code] = ("text", "TRUE" if raw else "FALSE")
            filing.values[code] = None
        elif isinstance(raw, (int, float)):
            filing.values[code] = _clean(raw)
        elif isinstance(raw, (_dt.date, _dt.time, _dt.timedelta)):
            filing.problems[code] = ("text", str(raw))
            filing.values[code] = None
        else:
            text = str(raw)
            p = parse_number_text(text)
            if p.value is None:
                filing.problems[code] = ("text", text.strip())
                filing.values[code] = None
                continue
            value = p.value
            note = p.note
            if cs.unit == "万元" and p.unit == "元":
                value = value / 10000
                note += "，已由元换算为万元"
            elif p.unit and p.unit != cs.unit and not (cs.unit == "件" and p.unit in ("件", "个", "条")):
                filing.problems[code] = ("text", text.strip())
                filing.values[code] = None
                continue
            filing.values[code] = _clean(value)
            tolerated.append(code)
            filing.findings.append(
                Finding(
                    rule="F-3", severity="info", file=str(path), cells=(code,),
                    locations=(filing.where(code),), reported=text.strip(), computed=_clean(value),
                    message=f"{spec.cell_label(code)}：「{text.strip()}」（{note}）按 {_fmt(_clean(value))} 读取",
                )
            )


def _fmt(v) -> str:
    return str(v)


def _clean(v: float | int) -> int | float:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


_SHEET_REL = re.compile(rb'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"')
_REL = re.compile(rb'<Relationship [^>]*Id="([^"]+)"[^>]*Target="([^"]+)"')
_REL2 = re.compile(rb'<Relationship [^>]*Target="([^"]+)"[^>]*Id="([^"]+)"')
#: one cell element: self-closing (no formula) or with a body that may hold <f>
_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"(?:[^>/]|/(?!>))*(?:/>|>(.*?)</c>)', re.S)


def _formula_cells(path: Path) -> dict[str, set[str]]:
    """sheet name → A1 addresses of cells holding a formula (only read when a blank is seen)."""
    import html

    out: dict[str, set[str]] = {}
    try:
        with zipfile.ZipFile(path) as z:
            wbxml = z.read("xl/workbook.xml")
            rels = z.read("xl/_rels/workbook.xml.rels")
            targets = {m.group(1): m.group(2) for m in _REL.finditer(rels)}
            targets.update({m.group(2): m.group(1) for m in _REL2.finditer(rels)})
            for m in _SHEET_REL.finditer(wbxml):
                name = html.unescape(m.group(1).decode())
                target = targets.get(m.group(2), b"").decode()
                part = target.lstrip("/") if target.startswith("/") else "xl/" + target
                try:
                    xml = z.read(part)
                except KeyError:
                    continue
                if b"<f" in xml:
                    out[name] = {
                        x.group(1).decode() for x in _CELL.finditer(xml) if x.group(2) and b"<f" in x.group(2)
                    }
    except (zipfile.BadZipFile, KeyError, OSError):
        pass
    return out


# --------------------------------------------------------------------------------------
# the cover
# --------------------------------------------------------------------------------------
_CREDIT = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def _read_cover(filing: Filing, spec: FormatSpec, sheets: dict[str, Grid], path: Path) -> None:
    grid = sheets.get(spec.cover_sheet)
    positions = cover_positions(spec)
    raw: dict[str, object] = {}
    fast = grid is not None and all(
        norm(_at(grid, r, COVER_LABEL_COL)).startswith(norm(spec.cover_by_code[code].label))
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


def _cover_value(kind: str, v: object):
    if v == "" or v is None:
        return None
    if kind == "year":
        if isinstance(v, (int, float)) and float(v).is_integer():
            return int(v)
        m = re.search(r"(19|20)\d{2}", norm(v))
        return int(m.group(0)) if m else norm(v)
    if kind == "date":
        if isinstance(v, _dt.datetime):
            return v.date().isoformat()
        if isinstance(v, _dt.date):
            return v.isoformat()
        if isinstance(v, float):  # an Excel serial date stored as a number
            return (_dt.date(1899, 12, 30) + _dt.timedelta(days=int(v))).isoformat()
        return _text(v)
    if kind == "credit_code":
        return norm(v).upper()
    return _text(v)


def credit_code_valid(code: str) -> bool:
    """GB 32100-2015 统一社会信用代码: 18 characters with a check character."""
    if not _CREDIT.match(code or ""):
        return False
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(alphabet.index(ch) * w for ch, w in zip(code[:17], weights))
    return alphabet[(31 - total % 31) % 31] == code[17]


# --------------------------------------------------------------------------------------
# locating a table by its labels
# --------------------------------------------------------------------------------------
def _index(grid: Grid) -> dict[str, list[tuple[int, int]]]:
    idx: dict[str, list[tuple[int, int]]] = {}
    for i, row in enumerate(grid):
        for j, v in enumerate(row):
            if isinstance(v, str) and v.strip():
                idx.setdefault(norm(v), []).append((i + 1, j + 1))
    return idx


def _find_label(idx, label: str) -> list[tuple[int, int]]:
    key = norm(label)
    hits = idx.get(key)
    if hits:
        return hits
    bare = strip_numbering(key)
    out = []
    for k, v in idx.items():
        if strip_numbering(k) == bare:
            out.extend(v)
    if not out and len(key) > 12:  # long labels: tolerate a truncated or annotated copy
        head = key[:12]
        for k, v in idx.items():
            if k.startswith(head):
                out.extend(v)
    return out


def _locate_table(table: TableSpec, sheets: dict[str, Grid]):
    order = sorted(sheets, key=lambda n: (n != table.sheet, n == META_SHEET))
    for name in order:
        grid = sheets[name]
        if not grid:
            continue
        idx = _index(grid)
        locator = {"grid": _locate_grid, "blocks": _locate_blocks, "positional": _locate_positional}[table.locate]
        pos = locator(table, grid, idx)
        if pos is not None:
            note = "工作表名称不同" if name != table.sheet else "插入或删除了行列"
            return name, pos, note
    return None


def _pick_rows(table: TableSpec, idx) -> dict[str, tuple[int, int]] | None:
    """row code → (sheet row, label column) for every row, in increasing row order."""
    found: dict[str, tuple[int, int]] = {}
    last = 0
    for row in table.rows:
        hits = sorted(h for h in _find_label(idx, row.label) if h[0] > last)
        if not hits:
            return None
        found[row.code] = hits[0]
        last = hits[0][0]
    return found


def _locate_grid(table: TableSpec, grid: Grid, idx):
    rows = _pick_rows(table, idx)
    if rows is None:
        return None
    first = min(r for r, _ in rows.values())
    label_col = max(c for _, c in rows.values())
    cols: dict[str, int] = {}
    for col in table.columns:
        hits = [h for h in _find_label(idx, col.label) if first - 8 <= h[0] < first and h[1] > label_col]
        if not hits:
            return None
        cols[col.code] = max(hits)[1]  # nearest header row above the data
    return {cs.code: (rows[cs.row][0], cols[cs.col]) for cs in table.cells}


def _locate_blocks(table: TableSpec, grid: Grid, idx):
    rows = _pick_rows(table, idx)
    if rows is None:
        return None
    out = {}
    for cs in table.cells:
        r, lc = rows[cs.row]
        label = table.col_by_code[cs.col].label
        hits = [h for h in _find_label(idx, label) if r - 6 <= h[0] < r and h[1] > lc]
        if not hits:
            return None
        out[cs.code] = (r, max(hits)[1])
    return out


def _locate_positional(table: TableSpec, grid: Grid, idx):
    """One data row under a multi-row header; columns in the order of the official table."""
    tops = [h for h in _find_label(idx, table.layout.spans[0].text)]
    for top_r, top_c in tops:
        for r in range(top_r + 1, min(top_r + 8, len(grid)) + 1):
            row = grid[r - 1]
            vals = [j + 1 for j, v in enumerate(row) if j + 1 >= top_c and v != "" and not _is_header(v)]
            if len(vals) >= len(table.cells):
                cols = vals[: len(table.cells)]
                ordered = sorted(table.cells, key=lambda cs: cs.c)
                return {cs.code: (r, cols[i]) for i, cs in enumerate(ordered)}
    return None


def _is_header(v: object) -> bool:
    if not isinstance(v, str):
        return False
    return parse_number_text(v).value is None and norm(v) not in ("", "-", "/")
