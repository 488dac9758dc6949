"""The reader's in-memory entry (``read_filing_grids``) used by the Excel add-in.

A live workbook is read once in bulk into sheet grids; the filing built from them must
be the one ``read_filing`` builds from the saved file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from gxxl.reader import read_filing, read_filing_grids
from gxxl.validate import validate

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "workbooks").glob("*.xlsx"))


def calamine_grids(path: Path) -> dict:
    book = CalamineWorkbook.from_path(str(path))
    return {n: book.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in book.sheet_names}


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_grids_give_the_same_filing_as_the_file(path: Path) -> None:
    from_file = read_filing(path)
    from_grids = read_filing_grids(calamine_grids(path), path.name, source=str(path))
    assert from_grids.model_dump() == from_file.model_dump()
    assert [f.flat() for f in validate(from_grids)] == [f.flat() for f in validate(from_file)]


def test_none_is_an_empty_cell_as_xlwings_reads_it(write, seed_filing) -> None:
    path = write(seed_filing)
    grids = {n: [[None if v == "" else v for v in row] for row in g] for n, g in calamine_grids(path).items()}
    filing = read_filing_grids(grids, "live.xlsx")
    assert filing.readable
    assert filing.values == read_filing(path).values
    assert filing.source == "live.xlsx"


def test_numbers_as_floats_and_blank_cells(write, seed_filing) -> None:
    """Excel hands every number over as a float; a blank input cell is blank, never 'no cached value'."""
    path = write(seed_filing)
    grids = calamine_grids(path)
    grids = {n: [[float(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in row] for row in g]
             for n, g in grids.items()}
    grids["表三 依申请公开"][6][3] = None  # D7: 表三 新收·自然人
    filing = read_filing_grids(grids, "live.xlsx")
    assert filing.values["T3.carried.np"] == 13 and isinstance(filing.values["T3.carried.np"], int)
    assert filing.problems["T3.new.np"] == ("blank", "")


@pytest.mark.parametrize("grids", [{}, {"Sheet1": []}, {"Sheet1": [[None, None]]}, {"Sheet1": [["购物清单", 3]]}])
def test_wrong_workbooks_are_unreadable_not_errors(grids) -> None:
    filing = read_filing_grids(grids, "book1.xlsx", source="C:/x/book1.xlsx")
    assert not filing.readable
    (f,) = filing.findings
    assert f.rule in ("F-2",) and f.severity == "error" and f.message.startswith("book1.xlsx：")
    assert f.file == "C:/x/book1.xlsx"
