"""pandas frames of filings, in long format: one row per cell (and per unit for many).

Columns of :func:`filing_frame`:

========  ==================================================================
table     the table's number, 「表三」
row       the row's official label path, levels joined by 「 / 」
column    the column's official label path, levels joined by 「 / 」
code      the cell code, ``T3.new.np``
unit      the cell's unit (件 / 万元)
value     the number (float; NaN when there is none — see ``status``)
status    ``number``; ``blank`` (published blank); ``text`` (text that is not a
          number, kept in ``raw``); ``no_result`` (a formula without a saved
          result); ``invalid`` (an error value, NaN, ∞ or an implausible number,
          F-5); ``absent`` (the cell is not in the source at all, e.g. a
          published report that left a table out)
raw       the text as found, for ``text`` and ``no_result``
========  ==================================================================

:func:`filings_frame` adds ``file``, ``unit_name``, ``level``, ``year``, ``format``
in front.  :func:`write_frame` writes a frame as CSV (UTF-8 with BOM, so Excel opens it
as UTF-8) or .xlsx; text that a spreadsheet would read as a formula is written as text.

pandas is imported here only; nothing at CLI start-up imports this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .filing import Filing

CELL_COLUMNS = ("table", "row", "column", "code", "unit", "value", "status", "raw")
UNIT_COLUMNS = ("file", "unit_name", "level", "year", "format")
#: status of a cell in a frame
STATUSES = ("number", "blank", "text", "no_result", "invalid", "absent")
_PROBLEM_STATUS = {"blank": "blank", "text": "text", "nocache": "no_result", "invalid": "invalid"}


def _cell_rows(filing: "Filing") -> list[tuple]:
    spec = filing.spec
    out = []
    for t in spec.tables:
        rows, cols = t.row_by_code, t.col_by_code
        for cs in t.cells:
            row, col = rows[cs.row], cols[cs.col]
            code = cs.code
            raw = ""
            if code not in filing.values and code not in filing.problems:
                status, value = "absent", None
            elif code in filing.problems:
                kind, raw = filing.problems[code]
                status, value = _PROBLEM_STATUS.get(kind, "text"), None
                if status == "blank":
                    raw = ""
            else:
                value = filing.values[code]
                status = "blank" if value is None else "number"
            out.append((t.number, " / ".join(row.path), " / ".join(col.path or (col.label,)), code, cs.unit,
                        None if value is None else float(value), status, raw))
    return out


def filing_frame(filing: "Filing") -> "pd.DataFrame":
    """One filing, one row per cell of its format (in the spec's order)."""
    import pandas as pd

    frame = pd.DataFrame(_cell_rows(filing), columns=list(CELL_COLUMNS))
    frame["value"] = frame["value"].astype("float64")
    return frame


def filings_frame(filings: Iterable["Filing"]) -> "pd.DataFrame":
    """Many filings in one frame: one row per unit × cell, with file, unit, level, year, format.

    An unreadable file contributes no rows (validate it to see why).
    """
    import pandas as pd

    rows = []
    for f in filings:
        if not f.readable:
            continue
        head = (f.source or "", f.unit_name, str(f.cover.get("level") or ""), f.year, f.spec_id)
        rows.extend(head + r for r in _cell_rows(f))
    frame = pd.DataFrame(rows, columns=list(UNIT_COLUMNS + CELL_COLUMNS))
    frame["value"] = frame["value"].astype("float64")
    frame["year"] = frame["year"].astype("Int64")
    return frame


def detail_frame(decision, spec) -> "pd.DataFrame":
    """The roll-up's 明细 as a frame: one row per included file and cell that is not zero.

    The same rows as the 明细 sheet (unit, cell code, table, row, column, value), plus the
    file; text values (only with ``include_invalid``) have ``status`` ``text``.
    """
    import pandas as pd

    codes = list(spec.cells)
    labels = []
    for code in codes:
        cs = spec.cells[code]
        t = spec.table_by_code[cs.table]
        row, col = t.row_by_code[cs.row], t.col_by_code[cs.col]
        labels.append((t.number, " / ".join(row.path), " / ".join(col.path or (col.label,)), code, cs.unit))
    rows = []
    for e in decision.included:
        s = e.scan
        head = (e.source.display, s.unit_name, s.level, s.year if isinstance(s.year, int) else None, s.spec_id)
        items = sorted(list(zip(s.cells, s.values)) + list(s.texts), key=lambda x: x[0])
        for ci, v in items:
            if isinstance(v, str):
                rows.append(head + labels[ci] + (None, "text", v))
            else:
                rows.append(head + labels[ci] + (float(v), "number", ""))
    frame = pd.DataFrame(rows, columns=list(UNIT_COLUMNS + CELL_COLUMNS))
    frame["value"] = frame["value"].astype("float64")
    frame["year"] = frame["year"].astype("Int64")
    return frame


# --------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value):
    """Text that a spreadsheet would take for a formula, made plain text (a leading 「'」)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_frame(frame: "pd.DataFrame", out: Path, *, force: bool = False) -> Path:
    """Write ``frame`` to ``out`` (.csv: UTF-8 with BOM; .xlsx: one sheet 「数据」), atomically.

    In CSV, text starting with = + - @ gets a leading 「'」 (Excel then shows it as text);
    in .xlsx such text is stored as a text cell, never as a formula.
    """
    import pandas as pd

    from .errors import MSG_OUTPUT_BUSY, OutputError, OutputExistsError, UserError
    from .fileio import atomic_write_bytes

    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UserError(f"{out}：输出文件应为 .csv 或 .xlsx", path=out)
    if out.is_dir():
        raise UserError(f"{out}：这是一个文件夹，请指定输出文件名", path=out)
    if out.exists() and not force:
        raise OutputExistsError(out)
    if suffix == ".csv":
        safe = frame.copy()
        for c in safe.columns:
            if not pd.api.types.is_numeric_dtype(safe[c]):
                safe[c] = safe[c].map(defuse)
        from .textio import unsurrogate

        data = unsurrogate(safe.to_csv(index=False, float_format="%.15g")).encode("utf-8-sig")
    else:
        from openpyxl import Workbook

        from . import cells
        from .fileio import workbook_bytes

        wb = Workbook()
        ws = wb.active
        ws.title = "数据"
        cells.append(ws, list(frame.columns))
        for row in frame.itertuples(index=False):  # text is a string cell, never a formula
            cells.append(ws, [None if v is None or v is pd.NA or (isinstance(v, float) and v != v)
                              else v.item() if hasattr(v, "item") else v for v in row])
        ws.freeze_panes = "A2"
        data = workbook_bytes(wb)
    try:
        return atomic_write_bytes(out, data, force=True)
    except PermissionError:
        raise OutputError(MSG_OUTPUT_BUSY.format(path=out), path=out) from None
