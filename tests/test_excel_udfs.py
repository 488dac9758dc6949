"""The worksheet functions, called with real xlwings ranges of a remote-engine Book.

On Linux ``@xw.func`` is a no-op, so the functions are plain Python taking
``xw.Range`` arguments, as xlwings' UDF server hands them over for ``"range"`` args.
"""

from __future__ import annotations

import os

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # the remote engine, tests only

from pathlib import Path

import pytest

from gxxl.findings import status_line
from gxxl.reader import read_filing
from gxxl.validate import validate
from test_excel_harness import open_book

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "workbooks").glob("*.xlsx"))
SHEETS = ("封面", "表二 主动公开", "表三 依申请公开", "表四 复议诉讼")


def whole_columns(book):
    """The ranges of the formula 关于/自检 shows: whole columns of each sheet."""
    from gxxl.excel.actions import status_formula

    formula = status_formula()
    parts = formula[len("=GXXL_STATUS("):-1].split(",")
    out = []
    for part in parts:
        sheet, cols = part.rsplit("!", 1)
        out.append(book.sheets[sheet.strip("'")].range(cols))
    return out


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_status_is_what_the_button_and_the_cli_say(path) -> None:
    from gxxl.excel.udfs import GXXL_STATUS

    book = open_book(path)
    assert GXXL_STATUS(*whole_columns(book)) == status_line(validate(read_filing(path)))


def test_ranges_may_start_anywhere(tmp_path) -> None:
    from gxxl.excel.udfs import GXXL_STATUS

    path = ROOT / "workbooks" / "示例县_05_财政局.xlsx"
    book = open_book(path)
    s = book.sheets
    # just the tables (rows 4–…), not the sheets from A1: values keep their own positions
    exact = [s["封面"].range("A4:B11"), s["表二 主动公开"].range("A4:D17"),
             s["表三 依申请公开"].range("A4:J31"), s["表四 复议诉讼"].range("A4:O7")]
    assert GXXL_STATUS(*exact) == "校验：3处错误"
    # a range that misses its table's labels cannot be read: the function says so, it does not fail
    assert GXXL_STATUS(s["封面"].range("A1:C13"), s["表三 依申请公开"].range("D7:J31")).startswith("校验：")


def test_rule_results() -> None:
    from gxxl.excel.udfs import GXXL_RULE

    book = open_book(ROOT / "workbooks" / "示例县_05_财政局.xlsx")
    ranges = whole_columns(book)
    assert GXXL_RULE("T4-1", *ranges) == "通过"
    assert GXXL_RULE("t3-1", *ranges) == "错误：表三 自然人列：第一项+第二项=34，第三项（七）总计+第四项=35，相差1"
    assert GXXL_RULE(" X-1 ", *ranges).startswith("提示：")
    unknown = GXXL_RULE("Z-9", *ranges)
    assert unknown.startswith("gxxl：未知规则“Z-9”") and "T3-1" in unknown


def test_optional_sheets_and_wrong_arguments() -> None:
    from gxxl.excel.udfs import GXXL_STATUS

    book = open_book(ROOT / "workbooks" / "seed004_某区人民政府办公室_2024.xlsx")
    cover, t2, t3, t4 = whole_columns(book)
    assert GXXL_STATUS(cover, t2, t3, t4) == "校验：通过"
    assert "错误" in GXXL_STATUS(cover, t2)  # 表三 and 表四 not given: they are missing (F-2)
    assert GXXL_STATUS("not a range", t2).startswith("gxxl：")


def test_version() -> None:
    import xlwings

    from gxxl import __version__
    from gxxl.excel.udfs import GXXL_VERSION

    assert GXXL_VERSION() .startswith(f"gxxl {__version__} · xlwings {xlwings.__version__} · Python 3.")
