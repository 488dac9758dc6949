"""The self-checking template: every formula is portable, every rule instance has its check cell.

Static checks (no spreadsheet program needed).  What the formulas compute is checked
against the Python validator in tests/test_differential.py (LibreOffice).
"""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.worksheet.formula import ArrayFormula

from gxxl.formulas import (
    ALLOWED_FUNCTIONS, MARK, OK, SHEET, SKIPPED, classify, rects, self_check, status_cell, sum_formula,
)
from gxxl.layout import cell_positions
from gxxl.reader import read_filing
from gxxl.spec import all_specs
from gxxl.template import build_template, template_path
from gxxl.validate import sum_instances
from conftest import ROOT

SPECS = list(all_specs().values())
#: functions that would make a workbook differ between Excel 2010, WPS and LibreOffice
FORBIDDEN = {"FILTER", "UNIQUE", "SORT", "SEQUENCE", "LET", "LAMBDA", "XLOOKUP", "TEXTJOIN", "CONCAT", "IFS",
             "SWITCH", "INDIRECT", "OFFSET", "NOW", "TODAY", "RAND", "CELL", "INFO"}


def _functions(formula: str) -> set[str]:
    names = set()
    for tok in Tokenizer(formula if formula.startswith("=") else "=" + formula).items:
        if tok.type == Token.FUNC and tok.subtype == Token.OPEN:
            names.add(tok.value[:-1].upper())
    return names


def _all_formulas(wb):
    """(where, formula) for every cell formula, conditional format and data validation."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, ArrayFormula):
                    yield f"{ws.title}!{cell.coordinate}", "ARRAY:" + str(v.text)
                elif cell.data_type == "f" or (isinstance(v, str) and v.startswith("=")):
                    yield f"{ws.title}!{cell.coordinate}", v
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                for f in rule.formula or ():
                    yield f"{ws.title}!{cf.sqref} (条件格式)", f
        for dv in ws.data_validations.dataValidation:
            for f in (dv.formula1, dv.formula2):
                if f and not f.startswith('"'):
                    yield f"{ws.title}!{dv.sqref} (数据验证)", f


@pytest.fixture(scope="module", params=[s.id for s in SPECS])
def book(request):
    spec = all_specs()[request.param]
    return spec, build_template(spec)


def test_committed_template_uses_only_shared_functions():
    wb = load_workbook(template_path())
    seen = set()
    n = 0
    for where, f in _all_formulas(wb):
        n += 1
        assert not f.startswith("ARRAY:"), f"{where}：数组公式"
        names = _functions(f)
        seen |= names
        assert names <= ALLOWED_FUNCTIONS, f"{where}：{sorted(names - ALLOWED_FUNCTIONS)} 不在允许的函数列表中"
        assert "_xlfn" not in f and "_xlws" not in f and "{" not in f, where
        assert len(f) < 8192, where  # Excel's formula length limit
    assert n > len(self_check(all_specs()["gov2021"]).checks)  # the check cells are there
    assert seen == ALLOWED_FUNCTIONS, f"允许列表中未用到：{sorted(ALLOWED_FUNCTIONS - seen)}"


def test_allow_list_is_portable():
    assert not (ALLOWED_FUNCTIONS & FORBIDDEN)


def test_every_template_uses_only_shared_functions(book):
    spec, wb = book
    for where, f in _all_formulas(wb):
        names = _functions(f)
        assert names <= ALLOWED_FUNCTIONS, f"{spec.id} {where}：{sorted(names - ALLOWED_FUNCTIONS)}"


def test_every_rule_compiles_and_every_instance_has_a_check(book):
    spec, _ = book
    sc = self_check(spec)
    assert sc.not_compiled == []
    keys = [c.key for c in sc.checks]
    assert len(keys) == len(set(keys))
    for rule in spec.rules:
        mine = [c for c in sc.checks if c.rule_id == rule.id]
        if rule.kind in ("sum", "leq"):
            assert sorted(c.cells for c in mine) == sorted(i.lhs + i.rhs for i in sum_instances(spec, rule)), rule.id
        elif rule.kind == "domain":
            want = {cs.code for t in rule.tables for cs in spec.table_by_code[t].cells}
            assert {c.cells[0] for c in mine} == want, rule.id
        else:
            assert {c.cells[0] for c in mine} == set(rule.cells), rule.id
    assert {s.rule_id for s in sc.summaries} == {r.id for r in spec.rules}


def _in_print_area(ws, row: int, col: int) -> bool:
    from openpyxl.utils import range_boundaries

    for area in str(ws.print_area or "").split(","):
        area = area.split("!")[-1].replace("$", "")
        if area:
            c1, r1, c2, r2 = range_boundaries(area)
            if r1 <= row <= r2 and c1 <= col <= c2:
                return True
    return False


def test_check_cells_beside_the_tables_locked_and_not_printed(book):
    spec, wb = book
    sc = self_check(spec)
    inputs = {(s, r, c) for s, r, c in cell_positions(spec).values()}
    labels = set()
    for t in spec.tables:
        r0, c0 = t.layout.origin
        labels |= {(t.sheet, r0 + r, c0 + c) for r in range(t.layout.height) for c in range(t.layout.width)}
    places = [(c.sheet, c.row, c.col) for c in sc.checks]
    assert len(places) == len(set(places))
    for chk in sc.checks:
        where = (chk.sheet, chk.row, chk.col)
        assert where not in inputs and where not in labels, chk.key
        ws = wb[chk.sheet]
        cell = ws.cell(chk.row, chk.col)
        assert cell.value == chk.formula
        assert cell.protection.locked, chk.key
        assert ws.protection.sheet
        assert not _in_print_area(ws, chk.row, chk.col), chk.key
        # a check only reads cells of its own table (its own sheet) and the cover
        assert spec.table_by_code[spec.cells[chk.cells[0]].table].sheet == chk.sheet


def test_conditional_formats_refer_to_their_own_sheet(book):
    """Excel 2010 keeps cross-sheet conditional formats in an extension; avoid them."""
    spec, wb = book
    for ws in wb.worksheets:
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                for f in rule.formula:
                    assert "!" not in f, (ws.title, str(cf.sqref), f)


def test_failing_input_cells_are_painted(book):
    """Every input cell has a conditional format (its own check), every sum instance paints its cells."""
    spec, wb = book
    sc = self_check(spec)
    painted: dict[tuple[str, str], set[str]] = {}
    for h in sc.highlights:
        for part in h.sqref.split():
            for r1, c1, r2, c2 in [_bounds(part)]:
                for r in range(r1, r2 + 1):
                    for c in range(c1, c2 + 1):
                        painted.setdefault((h.sheet, f"{r},{c}"), set()).add(h.style)
    for code, (sheet, r, c) in cell_positions(spec).items():
        styles = painted.get((sheet, f"{r},{c}"), set())
        assert "cell_error" in styles, code
    for chk in sc.checks:
        if chk.paint == "sum":
            for code in chk.cells:
                sheet, r, c = cell_positions(spec)[code]
                assert painted[(sheet, f"{r},{c}")] & {"sum_error", "sum_warning"}, (chk.key, code)


def _bounds(ref: str):
    from openpyxl.utils import range_boundaries

    c1, r1, c2, r2 = range_boundaries(ref)
    return r1, c1, r2, c2


def test_summary_sheet_and_cover_status(book):
    spec, wb = book
    assert wb.sheetnames.index(SHEET) == len(spec.tables) + 1  # after the tables, before the meta sheet
    ws = wb[SHEET]
    assert ws.sheet_state == "visible" and ws.protection.sheet
    sheet, r, c = status_cell(spec)
    f = wb[sheet].cell(r, c).value
    assert f.startswith("=IF(") and f"'{SHEET}'!" in f
    rules = [ws.cell(row, 1).value for row in range(7, 7 + len(spec.rules))]
    assert rules == [s.rule_id for s in self_check(spec).summaries]


def test_reader_fast_path_still_matches_the_template(tmp_path):
    """Cells added beside the tables must not disturb the reader (no F-4, all blank)."""
    filing = read_filing(template_path())
    assert filing.readable
    assert not [f for f in filing.findings if f.rule in ("F-2", "F-4")]
    assert all(filing.problems[c][0] == "blank" for c in filing.spec.cells)


def test_classify_is_the_first_character():
    assert classify(OK) == "ok" and classify(SKIPPED) == "skipped"
    assert classify(f"{MARK['error']} 相差3") == "error"
    assert classify(f"{MARK['warning']} 空白") == "warning"
    assert classify("") == classify(None) == "none"


def test_rects_cover_exactly():
    cells = {(1, 1), (1, 2), (2, 1), (2, 2), (4, 1), (3, 5)}
    out = rects(cells)
    covered = {(r, c) for r1, c1, r2, c2 in out for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    assert covered == cells and (1, 1, 2, 2) in out


def test_sum_formula_reads_like_the_rule():
    f = sum_formula(["$D$7", "$D$8"], ["$D$30", "$D$31"], "error", ["$D$7", "$D$8", "$D$30", "$D$31"])
    assert "ROUND(SUM($D$7,$D$8),6)-ROUND(SUM($D$30,$D$31),6)" in f
    assert re.search(r"<=0\.000001", f)


def test_committed_template_is_current(tmp_path):
    """templates/<id>.xlsx has the self-check (regenerate with write_template after changes)."""
    wb = load_workbook(ROOT / "templates" / "gov2021.xlsx")
    assert SHEET in wb.sheetnames
