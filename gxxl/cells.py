"""Writing a cell so that text stays text: the one place every writer of user text goes through."""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def clean(value):
    """Text a worksheet can hold: control characters (an ESC read from ``_x001B_``) shown as
    visible marks (gxxl.term) instead of making openpyxl refuse the whole workbook; a
    non-UTF-8 file name (lone surrogates) read as GB18030 (:func:`gxxl.textio.unsurrogate`)."""
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            from .textio import unsurrogate

            value = unsurrogate(value)
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        from .term import visible

        return ILLEGAL_CHARACTERS_RE.sub(lambda m: visible(m.group()), value)
    return value


def put(ws, row: int, col: int, value):
    """Write ``value`` to a cell; text is always a string cell, never a formula.

    openpyxl takes any ``str`` beginning with "=" for a formula: a unit name such as
    ``=HYPERLINK("http://…","点我")`` would become a live link.  Every writer of text that
    came from a user (cover fields, cell texts, messages quoting them, report sentences)
    writes through this function or :func:`append`.
    """
    cell = ws.cell(row, col)
    value = clean(value)
    cell.value = value
    if cell.data_type == "f" and isinstance(value, str):
        cell.data_type = "s"
    return cell


def append(ws, values) -> None:
    """``ws.append(values)`` with every text a string cell (see :func:`put`)."""
    ws.append([clean(v) for v in values])
    for cell in ws[ws._current_row]:
        if cell.data_type == "f" and isinstance(cell.value, str):
            cell.data_type = "s"
