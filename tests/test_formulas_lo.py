"""The sample workbooks opened in LibreOffice: the cover counts the planted errors, the failing cells turn red.

LibreOffice recalculates every sample (one batch); the cover's status line and every check
cell are compared with the Python validator (as in test_differential.py).  Then a few
samples are exported to HTML by LibreOffice, which writes each cell's background *after*
conditional formatting: every input cell must show exactly the colour its checks call for
(deep red: the cell itself is wrong; light red: a sum it is in does not add up; the
yellow input fill otherwise).
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from gxxl import lo
from gxxl.formulas import classify, self_check, status_cell
from gxxl.layout import cell_positions
from gxxl.reader import read_filing
from gxxl.spec import get_spec
from gxxl.template import CF_STYLES, INPUT_FILL
from gxxl.validate import validate
from conftest import WORKBOOKS
from test_differential import compare

# soffice: conftest fixture (a failure in CI, a skip elsewhere)
pytestmark = [pytest.mark.libreoffice, pytest.mark.usefixtures("soffice")]

SPEC = get_spec("gov2021")
MANIFEST = json.loads((WORKBOOKS / "planted.json").read_text(encoding="utf-8"))




def _layout_edited(path: Path) -> bool:
    """Samples whose layout was edited by openpyxl (insert_rows moves cells but not formulas)."""
    return any(e[0] == "F-4" for e in MANIFEST[path.name]["expect"])


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    paths = sorted(p for p in WORKBOOKS.glob("*.xlsx") if not _layout_edited(p))
    out = lo.recalculate_many(paths, tmp_path_factory.mktemp("recalc"))
    return dict(zip(paths, out))


def test_cover_status_counts_the_planted_errors(recalculated):
    sc = self_check(SPEC)
    sheet, r, c = status_cell(SPEC)
    disagreements = []
    for src, done in recalculated.items():
        found, _ = compare(SPEC, sc, src, done, MANIFEST[src.name]["what"])
        disagreements += found
    assert not disagreements, "\n".join(disagreements)
    status = {p.name: CalamineWorkbook.from_path(str(d)).get_sheet_by_name(sheet).to_python()[r - 1][c - 1]
              for p, d in recalculated.items()}
    assert status["示例县_05_财政局.xlsx"] == "校验：3处错误"  # T3-1, T3-2, T3-3 (X-1 is only a hint)
    assert status["示例县_03_教育局.xlsx"] == "校验：1处错误"
    assert status["示例县_12_青山镇人民政府.xlsx"] == "校验：2处错误"  # 规章 at a 乡镇
    assert status["示例县_15_城南街道办事处.xlsx"] == "校验：7处警告"  # a blank row
    assert status["示例县_01_人民政府办公室.xlsx"] == "校验：通过"
    # numbers stored as text: tolerated by gxxl (F-3), errors in the workbook itself
    assert status["示例县_09_市场监督管理局.xlsx"] == "校验：2处错误"


# --------------------------------------------------------------------------------------
# colours after conditional formatting, from LibreOffice's HTML export
# --------------------------------------------------------------------------------------
class _Grid(HTMLParser):
    """Each <table> of the export as {(row, col): (bgcolor, text)} (1-based, merges expanded)."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict[tuple[int, int], tuple[str, str]]] = []
        self._cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append({})
            self._row = 0
            self._taken: set[tuple[int, int]] = set()
        elif tag == "tr":
            self._row += 1
            self._col = 0
        elif tag == "td":
            col = self._col + 1
            while (self._row, col) in self._taken:
                col += 1
            rs, cs = int(a.get("rowspan", 1)), int(a.get("colspan", 1))
            for r in range(self._row, self._row + rs):
                for c in range(col, col + cs):
                    self._taken.add((r, c))
            self._col = col + cs - 1
            self._cell = [(self._row, col), (a.get("bgcolor") or "").upper().lstrip("#"), ""]

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[2] += data

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            pos, color, text = self._cell
            self.tables[-1][pos] = (color, text.strip())
            self._cell = None


def _colors(html: Path) -> dict[str, dict[tuple[int, int], tuple[str, str]]]:
    p = _Grid()
    p.feed(html.read_text(encoding="utf-8", errors="replace"))
    sheets = [n for n in (SPEC.cover_sheet, *(t.sheet for t in SPEC.tables))]
    return dict(zip(sheets, p.tables))


def _fill(style: str) -> str:
    return CF_STYLES[style][1].fgColor.rgb[-6:].upper()


def expected_colors(done: Path) -> dict[str, str]:
    """input cell code → the background its checks call for (from the recalculated check cells)."""
    sc = self_check(SPEC)
    book = CalamineWorkbook.from_path(str(done))
    grids = {n: book.get_sheet_by_name(n).to_python() for n in book.sheet_names}
    state: dict[str, set[str]] = {code: set() for code in SPEC.cells}
    rule_kind = {r.id: r.kind for r in SPEC.rules}
    for chk in sc.checks:
        cls = classify(grids[chk.sheet][chk.row - 1][chk.col - 1])
        if cls not in ("error", "warning"):
            continue
        for code in chk.cells:
            if chk.paint == "cell":
                if cls == "error" or rule_kind[chk.rule_id] != "domain":  # blanks are not painted
                    state[code].add(f"cell_{cls}")
            else:
                state[code].add(f"sum_{cls}")
    out = {}
    for code, s in state.items():
        style = next((x for x in ("cell_error", "cell_warning", "sum_error", "sum_warning") if x in s), None)
        out[code] = _fill(style) if style else INPUT_FILL.fgColor.rgb[-6:].upper()
    return out


PAINTED = ("示例县_05_财政局.xlsx", "示例县_03_教育局.xlsx", "示例县_08_卫生健康委员会.xlsx",
           "示例县_12_青山镇人民政府.xlsx", "示例县_15_城南街道办事处.xlsx", "示例县_01_人民政府办公室.xlsx")


@pytest.mark.parametrize("name", PAINTED)
def test_failing_cells_are_red_in_libreoffice(name, recalculated, tmp_path):
    done = recalculated[WORKBOOKS / name]
    html = lo.convert(done, "html", tmp_path)
    colors = _colors(html)
    want = expected_colors(done)
    pos = cell_positions(SPEC)
    wrong = []
    for code, (sheet, r, c) in pos.items():
        got = colors[sheet].get((r, c), ("", ""))[0]
        if got != want[code]:
            wrong.append(f"{code} {sheet}!{r},{c}: {got} ≠ {want[code]}")
    assert not wrong, "\n".join(wrong)
    findings = validate(read_filing(WORKBOOKS / name))
    red = {_fill("cell_error"), _fill("sum_error")}
    for f in findings:
        if f.severity == "error" and f.rule != "X-1":
            sheet, r, c = pos[f.cells[0]]
            assert colors[sheet][(r, c)][0] in red, (name, f.rule, f.cells[0])
    if not [f for f in findings if f.severity == "error"]:
        assert not {code for code, col in want.items() if col in red}


def test_a_workbook_saved_by_libreoffice_reads_the_same(recalculated):
    """A clerk opens the template in LibreOffice and saves it: gxxl must find exactly the same."""
    different = []
    for src, done in recalculated.items():
        before = sorted(f.flat() for f in validate(read_filing(src)))
        after = sorted(f.flat() for f in validate(read_filing(done)))
        if before != after:
            different.append(f"{src.name}: {sorted(set(before) ^ set(after))}")
    assert not different, "\n".join(different)
