"""Reading a live workbook in bulk, and the few writes that depend on the xlwings engine.

The actions run against any xlwings engine: ``excel`` (desktop Excel over COM, what
clerks use) and ``remote``/``officejs`` (xlwings' JSON protocol, what the tests on Linux
use).  The remote engines cannot read colours, formulas or note text, and their reads
do not see their own writes, so everything here reads values once up front and then
only writes.  Desktop-only extras (sheet protection, colour read-back, note size, file
pickers, opening files) are guarded by :func:`is_desktop`.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

from ..layout import col_letter

Grid = list[list[object]]


def engine(book) -> str:
    """The xlwings engine behind a book: "excel" on Windows/macOS desktop, "remote", "officejs" …"""
    try:
        return book.app.engine.name
    except Exception:  # pragma: no cover - every engine has a name
        return ""


def is_desktop(book) -> bool:
    return engine(book) == "excel"


def fullname(book) -> str:
    try:
        return book.fullname
    except Exception:
        return book.name


def read_values(book) -> dict[str, Grid]:
    """Every sheet's values from A1 to its last used cell, one bulk read per sheet.

    Empty cells come back as ``None``, cell errors as their text ("#DIV/0!") so that the
    engine reports them as "not a number" instead of treating them as blank.
    """
    out: dict[str, Grid] = {}
    for sheet in book.sheets:
        last = sheet.used_range.last_cell
        rng = sheet.range((1, 1), (max(1, last.row), max(1, last.column)))
        values = rng.options(ndim=2, err_to_str=True).value
        out[sheet.name] = [list(row) for row in (values or [])]
    return out


def grids_from_ranges(ranges) -> dict[str, Grid]:
    """Sheet grids built from ranges passed to a worksheet function.

    Each range's values are placed at their own position on their own sheet, so a
    function can be given 「'表三 依申请公开'!A1:K40」 or whole columns 「'表三 依申请公开'!A:K」
    (clipped to the sheet's used range before reading).
    """
    out: dict[str, Grid] = {}
    for rng in ranges:
        if rng is None:
            continue
        sheet = rng.sheet
        used = sheet.used_range.last_cell
        r1, c1 = rng.row, rng.column
        r2 = min(rng.last_cell.row, used.row)
        c2 = min(rng.last_cell.column, used.column)
        grid = out.setdefault(sheet.name, [])
        if r2 < r1 or c2 < c1:
            continue
        values = sheet.range((r1, c1), (r2, c2)).options(ndim=2, err_to_str=True).value or []
        for i, row in enumerate(values):
            r = r1 + i
            while len(grid) < r:
                grid.append([])
            line = grid[r - 1]
            need = c1 - 1 + len(row)
            if len(line) < need:
                line.extend([None] * (need - len(line)))
            line[c1 - 1:need] = list(row)
    return out


def sheet_names(book) -> list[str]:
    return [s.name for s in book.sheets]


def absolute_ref(sheet: str, row: int, col: int) -> str:
    """='sheet name'!$D$7 — what a workbook name refers to (absolute, so it never drifts)."""
    return "='{}'!${}${}".format(sheet.replace("'", "''"), col_letter(col), row)


def hyperlink_formula(sheet: str, ref: str, text: str) -> str:
    """=HYPERLINK("#'sheet'!D7","text"): a link that works in Excel, WPS and LibreOffice."""
    target = "#'{}'!{}".format(sheet.replace("'", "''"), ref)
    return '=HYPERLINK("{}","{}")'.format(target.replace('"', '""'), text.replace('"', '""'))


# --------------------------------------------------------------------------------------
# colours
# --------------------------------------------------------------------------------------
class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


#: a colour the engine cannot tell (the remote engines cannot read formats)
UNKNOWN = _Unknown()


def read_fill(rng):
    """The cell's fill as "RRGGBB", None for no fill, or UNKNOWN when the engine cannot say."""
    try:
        c = rng.color
    except NotImplementedError:
        return UNKNOWN
    if c is None:
        return None
    if isinstance(c, str):
        return c.lstrip("#").upper()
    if isinstance(c, int):
        c = (c & 0xFF, (c >> 8) & 0xFF, (c >> 16) & 0xFF)
    return "{:02X}{:02X}{:02X}".format(*c)


def set_fill(rng, hex6: str | None) -> None:
    rng.color = f"#{hex6}" if hex6 else None


# --------------------------------------------------------------------------------------
# desktop-only helpers
# --------------------------------------------------------------------------------------
@contextlib.contextmanager
def writable(book, names) -> Iterator[None]:
    """Lift the (password-less) protection of these sheets while writing, then restore it.

    The template protects every sheet without a password; Excel refuses to colour a cell
    or add a note on a protected sheet.  A sheet protected with a password stops the
    action with a clear message.  Only the desktop engine knows protection.
    """
    if not is_desktop(book):
        yield
        return
    from ..errors import UserError

    restore = []
    present = set(sheet_names(book))
    for name in dict.fromkeys(names):
        if name not in present:
            continue
        ws = book.sheets[name].api
        if not ws.ProtectContents:
            continue
        try:
            ws.Unprotect("")
        except Exception:
            raise UserError(f"工作表“{name}”设置了保护密码，无法写入校验标记；请先在“审阅 → 撤销工作表保护”中取消保护") from None
        restore.append(ws)
    app = book.app
    updating = app.screen_updating
    app.screen_updating = False
    try:
        yield
    finally:
        app.screen_updating = updating
        for ws in restore:
            ws.Protect("", DrawingObjects=False, Contents=True, Scenarios=True,
                       AllowFormattingColumns=True, AllowFormattingRows=True)


def check_can_add_sheet(book, name: str) -> None:
    """A clear message, before anything is written, when the workbook's structure is protected."""
    if not is_desktop(book):
        return
    try:
        locked = bool(book.api.ProtectStructure)
    except Exception:
        locked = False
    if locked:
        from ..errors import UserError

        raise UserError(f"工作簿结构受保护，无法添加“{name}”工作表；请先在“审阅 → 保护工作簿”中取消保护")


def add_sheet(book, name: str):
    """A new sheet after the last one."""
    check_can_add_sheet(book, name)
    return book.sheets.add(name, after=book.sheets[len(book.sheets) - 1])


def size_note(rng, width: float = 320, height: float = 140) -> None:
    """Make a note big enough to read (desktop only; other engines size notes themselves)."""
    if not is_desktop(rng.sheet.book):
        return
    try:
        shape = rng.note.api.Shape
        shape.Width, shape.Height = width, height
    except Exception:  # cosmetic only
        pass


def has_formula(rng) -> bool:
    """True when the cell holds a formula; False when it does not or the engine cannot tell."""
    try:
        f = rng.formula
    except NotImplementedError:
        return False
    return isinstance(f, str) and f.startswith("=")


def has_note(rng) -> bool:
    """True when the cell has a note (or, on the desktop, a threaded comment)."""
    if rng.note is not None:
        return True
    if is_desktop(rng.sheet.book):
        try:
            return rng.api.CommentThreaded is not None
        except Exception:  # Excel before 365 has no threaded comments
            return False
    return False


def hide_name(name) -> None:
    """Hide a workbook name from the Name Manager (desktop only)."""
    try:
        name.api.Visible = False
    except Exception:
        pass
