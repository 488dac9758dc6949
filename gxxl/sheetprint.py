"""Print setup for every sheet gxxl writes, so it prints like an office document.

One call per generated sheet (汇总情况, 缺报单位, 明细, 校验结果, 导入说明, 报告章节, the
audit sheets …)::

    setup_print(ws, title="汇总情况", unit="示例县人民政府", year=2024,
                landscape=True, repeat_rows=(5, 5), last_col=13, last_row=40)

gives A4, landscape where the sheet is wide, fit to one page wide (as many pages tall as
needed), the title rows repeated on every page, a header with the unit, the sheet title
and the year, and 「第 N 页，共 M 页」 in the footer.  ``wrap_columns`` wraps long text
(a 说明 column) so a row grows in height instead of running off the page.

``relative_name`` is how a file is shown on paper: relative to the input folder, the full
path kept elsewhere (a cell note or a column outside the print area).

openpyxl only (imported when called); no cell values are touched.  User text in the header is escaped (``&`` is
a control character of Excel's header codes) and cut to Excel's 255-character limit.
"""

from __future__ import annotations

import math
import os
import unicodedata
from collections.abc import Iterable, Sequence

#: Excel's limit on one header/footer string (all three sections together)
HEADER_LIMIT = 255
#: printable width of A4 in Excel column units at 100% (about 7 px per unit, 0.5" margins)
A4_PORTRAIT_UNITS = 98
A4_LANDSCAPE_UNITS = 142


def header_text(text: str, limit: int = 80) -> str:
    """User text for a header section: no control codes, ``&`` doubled, at most ``limit``."""
    text = "".join(ch for ch in str(text) if ch.isprintable()).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("&", "&&")


def is_wide(widths: Iterable[float]) -> bool:
    """Landscape when the columns would shrink below ~80% on a portrait page."""
    return sum(widths) > A4_PORTRAIT_UNITS * 1.25


def setup_print(ws, *, title: str = "", unit: str = "", year: int | str | None = None,
                landscape: bool | None = None, repeat_rows: tuple[int, int] | None = None,
                last_col: int | None = None, last_row: int | None = None,
                wrap_columns: Sequence[int] = (), wrap_from_row: int = 1, fit_height: bool = False) -> None:
    """Give ``ws`` an office-document print setup (see the module doc).

    ``landscape=None`` decides from the column widths; ``last_col``/``last_row`` set the
    print area (columns after ``last_col`` — machine data such as hashes — do not print);
    ``repeat_rows`` = (first, last) sheet rows printed at the top of every page;
    ``wrap_columns`` (1-based) wrap their text from ``wrap_from_row`` down (only cells that
    exist; big sheets written by :mod:`gxxl.rollup.xlsxfast` style their cells there);
    ``fit_height`` also fits to one page tall (small sheets such as a report section).
    Works on write-only (streaming) sheets too; call it before their first row.
    """
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    ncols = last_col or getattr(ws, "max_column", 0) or 1
    if landscape is None:
        widths = [ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, ncols + 1)]
        landscape = is_wide(widths)
    ps = ws.page_setup
    ps.paperSize = "9"  # A4 (also on write-only sheets, which lack the PAPERSIZE_* names)
    ps.orientation = "landscape" if landscape else "portrait"
    ps.fitToWidth = 1
    ps.fitToHeight = 1 if fit_height else 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    m = ws.page_margins
    m.left = m.right = 0.4
    m.top = m.bottom = 0.7
    m.header = m.footer = 0.3
    if repeat_rows:
        ws.print_title_rows = f"{repeat_rows[0]}:{repeat_rows[1]}"
    if last_col or last_row:
        # a streaming (write-only) sheet does not know its length: the whole columns
        rows = last_row or getattr(ws, "max_row", 0) or 1_048_576
        ws.print_area = f"A1:{get_column_letter(ncols)}{max(1, rows)}"
    year_text = f"{year}年度" if year not in (None, "") else ""
    head = ws.oddHeader
    head.left.text = header_text(unit, 60) or None
    head.center.text = header_text(title, 40) or None
    head.right.text = year_text or None
    for part in (head.left, head.center, head.right):
        part.size = 9
    foot = ws.oddFooter
    foot.center.text = "第 &P 页，共 &N 页"
    foot.center.size = 9
    for col in wrap_columns:
        for row in ws.iter_rows(min_row=wrap_from_row, min_col=col, max_col=col):
            for c in row:
                al = c.alignment
                c.alignment = Alignment(horizontal=al.horizontal, vertical="top", wrap_text=True)


def relative_name(path: str, base: str | None) -> str:
    """``path`` as shown on paper: relative to ``base`` when inside it, else as given."""
    if not base or not path:
        return path
    inside = base.rstrip(os.sep) + os.sep
    if path.startswith(inside) and os.path.normpath(path) == path and os.path.normpath(base) == base:
        return path[len(inside):]  # what relpath gives, without its two getcwd() calls
    try:
        rel = os.path.relpath(path, base)
    except ValueError:  # another drive on Windows
        return path
    return path if rel.startswith("..") else rel


def full_path(shown: str, cwd: str | None = None) -> str:
    """The absolute path of a file as shown (「邮件.eml → 附件」: the e-mail's, then the name);
    ``cwd``: the current folder, when the caller has it (``os.getcwd()`` once for many)."""
    path, arrow, rest = shown.partition(" → ")
    if not path:
        return shown
    full = os.path.abspath(path) if cwd is None else os.path.normpath(os.path.join(cwd, path))
    return full + (arrow + rest if arrow else "")


def common_folder(paths: Iterable[str]) -> str | None:
    """The deepest folder holding every path in ``paths`` (as given: all absolute or all
    relative; 「邮件.eml → 附件」 counts as the e-mail's path); None if there is none."""
    dirs = [os.path.dirname(p.split(" → ", 1)[0]) for p in paths if p]
    if not dirs:
        return None
    try:
        common = os.path.commonpath(dirs)
    except ValueError:  # absolute and relative mixed, or other drives
        return None
    return common or None


class _Units(dict):
    """character → its width in units (2 for East Asian wide and full-width), looked up once
    (for at most 65,536 different characters)."""

    def __missing__(self, ch: str) -> int:
        units = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if len(self) < 65536:
            self[ch] = units
        return units


_UNITS = _Units()


def text_lines(text: object, width_chars: float, size: float = 11) -> int:
    """Lines a wrapped text needs in a cell ``width_chars`` wide (Excel width units at 11 pt).

    CJK characters count two units; explicit line breaks start a new line.
    """
    s = str(text or "")
    if "\n" not in s and 2 * len(s) * size / 11 <= max(1.0, width_chars - 1):
        return 1  # fits on one line even if every character is a wide one
    total = 0
    for part in s.split("\n"):
        units = (len(part) if part.isascii() else sum(map(_UNITS.__getitem__, part))) * size / 11
        total += max(1, math.ceil(units / max(1.0, width_chars - 1)))
    return max(1, total)


def row_height(texts: Iterable[tuple[object, float]], size: float = 11) -> float | None:
    """Height (points) of a row whose wrapped cells are (text, column width); None for one line."""
    lines = max((text_lines(t, w, size) for t, w in texts), default=1)
    return None if lines <= 1 else round(lines * size * 1.3 + 2, 1)
