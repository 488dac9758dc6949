"""A Linux stand-in for Excel: xlwings' remote engine plus a replayer.

``payload(path)`` builds what xlwings' JavaScript client would send for a workbook (the
values of every sheet, which cells have notes, the names, hidden sheets), so that
``xw.Book(json=payload(path))`` is a real ``xlwings.main.Book`` of that workbook.
After an action has run against it, ``replay(path, book.json())`` applies the returned
actions to the saved workbook with openpyxl, so tests can assert on the resulting file:
values, fills, notes, names, sheets.  The replayer knows exactly the action types the
add-in emits and fails loudly on any other.

The remote engine needs ``XLWINGS_LICENSE_KEY=noncommercial`` (PolyForm Noncommercial;
tests only), set by the ``remote_book`` fixture before xlwings is imported.

Also the tests of the harness itself.
"""

from __future__ import annotations

from copy import copy

import datetime as dt
import importlib
import os
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from python_calamine import CalamineWorkbook

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")


def xlwings():
    """xlwings with the remote engine enabled (the key must be set before the first import)."""
    if "xlwings" in sys.modules and not sys.modules["xlwings"].__pro__:
        # imported earlier without the key (e.g. by another test module): re-import
        for name in [n for n in sys.modules if n == "xlwings" or n.startswith("xlwings.")]:
            del sys.modules[name]
    xw = importlib.import_module("xlwings")
    assert "remote" in [e.name for e in xw.engines], "xlwings remote engine not available"
    return xw


def _json_value(v):
    if v == "":
        return None
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    if isinstance(v, (dt.time, dt.timedelta)):
        return str(v)
    return v


def payload(path: Path, *, client: str = "Office.js") -> dict:
    """The request xlwings' Office.js client would send for this workbook."""
    path = Path(path)
    cal = CalamineWorkbook.from_path(str(path))
    wb = load_workbook(path)
    sheets = []
    for ws in wb.worksheets:
        try:
            grid = cal.get_sheet_by_name(ws.title).to_python(skip_empty_area=False)
        except Exception:
            grid = []
        values = [[_json_value(v) for v in row] for row in grid] or [[]]
        notes = [{"address": f"${get_column_letter(c.column)}${c.row}"}
                 for row in ws.iter_rows() for c in row if c.comment is not None]
        sheets.append({
            "name": ws.title, "values": values, "pictures": [], "shapes": [], "charts": [], "tables": [],
            "notes": notes, "notes_supported": True, "print_area": None, "pivot_tables": [],
            "visibility": "Visible" if ws.sheet_state == "visible" else "Hidden", "show_gridlines": True,
        })
    index = {ws.title: i for i, ws in enumerate(wb.worksheets)}
    names = []
    for name, dn in wb.defined_names.items():
        dests = list(dn.destinations)
        if len(dests) != 1:
            continue
        sheet, ref = dests[0]
        names.append({
            "name": name, "refers_to": "=" + dn.attr_text, "sheet_index": index[sheet],
            "address": ref.replace("$", ""), "book_scope": True, "scope_sheet_name": None, "scope_sheet_index": None,
        })
    xw = xlwings()
    return {
        "client": client, "version": xw.__version__,
        "book": {"name": path.name, "active_sheet_index": wb.worksheets.index(wb.active), "selection": "A1"},
        "names": names, "sheets": sheets,
    }


def open_book(path: Path):
    xw = xlwings()
    return xw.Book(json=payload(path))


def _cells(ws, a: dict):
    r0, c0 = a["start_row"] + 1, a["start_column"] + 1
    rows = min(a["row_count"], max(ws.max_row - r0 + 1, 1))
    cols = min(a["column_count"], max(ws.max_column - c0 + 1, 1))
    for r in range(r0, r0 + rows):
        for c in range(c0, c0 + cols):
            yield ws.cell(r, c)


def replay(path: Path, json: dict, out: Path | None = None):
    """Apply the actions a remote-engine book returned to the saved workbook.

    Returns (openpyxl workbook, alerts), saving it to ``out`` (default: ``path``).
    """
    path = Path(path)
    wb = load_workbook(path)
    order = list(wb.worksheets)
    alerts = []
    for a in json["actions"]:
        f = a["func"]
        ws = order[a["sheet_position"]] if a.get("sheet_position") is not None else None
        if f in ("setValues", "setFormula"):
            for i, row in enumerate(a["values"]):
                for j, v in enumerate(row):
                    ws.cell(a["start_row"] + 1 + i, a["start_column"] + 1 + j).value = v
        elif f == "rangeClearContents":
            for c in _cells(ws, a):
                c.value = None
        elif f == "rangeMerge":
            ws.merge_cells(start_row=a["start_row"] + 1, start_column=a["start_column"] + 1,
                           end_row=a["start_row"] + a["row_count"], end_column=a["start_column"] + a["column_count"])
        elif f == "setRangeColor":
            colour = a["args"][0]
            fill = PatternFill("solid", fgColor=colour.lstrip("#").upper()) if colour else PatternFill(fill_type=None)
            for c in _cells(ws, a):
                c.fill = fill
        elif f == "addNote":
            cell = ws.cell(a["start_row"] + 1, a["start_column"] + 1)
            assert cell.comment is None, f"addNote on {ws.title}!{cell.coordinate}, which has a note (COM would fail)"
            cell.comment = Comment(a["args"][1], "gxxl")
        elif f == "deleteNote":
            cell = ws.cell(a["start_row"] + 1, a["start_column"] + 1)
            assert cell.comment is not None, f"deleteNote on {ws.title}!{cell.coordinate}, which has none"
            cell.comment = None
        elif f == "addSheet":
            ix, name = a["args"]
            new = wb.create_sheet(name)
            order.insert(ix, new)
        elif f == "sheetDelete":
            wb.remove(order.pop(a["sheet_position"]))
        elif f == "sheetClear":
            ws.delete_rows(1, ws.max_row + 1)
        elif f == "setFontProperty":
            prop, value = a["args"]
            for c in _cells(ws, a):
                font = copy(c.font)
                setattr(font, prop, value)
                c.font = font
        elif f == "setColumnWidth":
            for col in range(a["start_column"] + 1, a["start_column"] + 1 + a["column_count"]):
                ws.column_dimensions[get_column_letter(col)].width = a["args"][0]
        elif f == "setWrapText":
            for c in _cells(ws, a):
                c.alignment = Alignment(wrap_text=a["args"][0], vertical=c.alignment.vertical)
        elif f == "activateSheet":
            wb.active = order[a["args"][0]]
        elif f == "namesAdd":
            name, refers_to = a["args"]
            assert name not in wb.defined_names, f"name {name} added twice"
            wb.defined_names[name] = DefinedName(name, attr_text=refers_to.lstrip("="))
        elif f == "nameDelete":
            del wb.defined_names[a["args"][2]]
        elif f == "setSheetVisibility":
            ws.sheet_state = "visible" if a["args"][0] == "Visible" else "hidden"
        elif f == "alert":
            alerts.append({"prompt": a["args"][0], "title": a["args"][1], "buttons": a["args"][2], "mode": a["args"][3]})
        else:
            raise AssertionError(f"the replayer does not know action {f!r}: {a}")
    wb._sheets = order + [s for s in wb._sheets if s not in order]
    for ws in wb.worksheets:  # Excel keeps one sheet selected; openpyxl wants the same
        ws.sheet_view.tabSelected = ws is wb.active
    wb.save(out or path)
    return wb, alerts


def fill_of(cell) -> str | None:
    """A cell's solid fill as "RRGGBB", or None."""
    if cell.fill is None or cell.fill.fill_type != "solid":
        return None
    return str(cell.fill.fgColor.rgb)[-6:].upper()


# --------------------------------------------------------------------------------------
# the harness itself
# --------------------------------------------------------------------------------------
def test_payload_is_a_real_xlwings_book(write, seed_filing) -> None:
    path = write(seed_filing)
    book = open_book(path)
    xw = xlwings()
    assert isinstance(book, xw.Book)
    assert book.app.engine.name == "remote"
    assert [s.name for s in book.sheets] == load_workbook(path).sheetnames
    assert book.sheets["表三 依申请公开"]["D7"].value == 100
    assert book.sheets["_gxxl"].visible is False


def test_replay_round_trip(tmp_path, write, seed_filing) -> None:
    path = write(seed_filing)
    book = open_book(path)
    ws = book.sheets["表三 依申请公开"]
    ws["D7"].value = 7
    ws["D7"].color = "#FFC7CE"
    ws["D7"].add_note("说明")
    book.names.add("_t", "='表三 依申请公开'!$D$7")
    new = book.sheets.add("新表", after=book.sheets[len(book.sheets) - 1])
    new["A1"].value = [["a", 1], ["b", 2]]
    book.app.alert("你好", title="标题")
    out = tmp_path / "out.xlsx"
    wb, alerts = replay(path, book.json(), out)
    assert wb["表三 依申请公开"]["D7"].value == 7
    assert fill_of(wb["表三 依申请公开"]["D7"]) == "FFC7CE"
    assert wb["表三 依申请公开"]["D7"].comment.text == "说明"
    assert wb.sheetnames[-1] == "新表" and wb["新表"]["B2"].value == 2
    assert alerts == [{"prompt": "你好", "title": "标题", "buttons": "ok", "mode": ""}]
    again = open_book(out)
    assert again.names("_t").refers_to_range.address == "$D$7"
    assert again.sheets["表三 依申请公开"]["D7"].note is not None


def test_replayer_refuses_unknown_actions(write, seed_filing) -> None:
    path = write(seed_filing)
    with pytest.raises(AssertionError, match="does not know"):
        replay(path, {"actions": [{"func": "rangeSort", "sheet_position": 0}]})
