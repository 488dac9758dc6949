"""Real (no mocks) tests of gxxl.lo against a headless LibreOffice.

Skipped only when soffice is missing on a developer machine; with CI set
(CI installs LibreOffice through .ci/install-system) a missing soffice fails.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import need
from gxxl import lo

pytestmark = pytest.mark.libreoffice


@pytest.fixture(autouse=True)
def _need_soffice():
    need(lo.find_soffice() is not None, "LibreOffice（soffice）")


def _need_tool(name: str) -> str:
    exe = shutil.which(name)
    need(exe is not None, f"{name}（poppler-utils）")
    return exe


# ---------------------------------------------------------------------------
# workbook builders


def _write_formula_book(path: Path, a1: float = 41) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据"
    ws["A1"] = a1
    ws["A2"] = 1
    ws["A3"] = 2
    ws["A4"] = 3
    ws["B1"] = "=A1+1"
    ws["B2"] = "=SUM(A1:A4)"
    ws["B3"] = '=IF(A1>40,"大","小")'
    ws["B4"] = '=IF(A2>40,"大","小")'
    other = wb.create_sheet("汇总")
    other["A1"] = "=数据!B2*2"
    wb.save(path)


def _expected(a1: float) -> dict:
    total = a1 + 1 + 2 + 3
    return {
        ("数据", "B1"): a1 + 1,
        ("数据", "B2"): total,
        ("数据", "B3"): "大" if a1 > 40 else "小",
        ("数据", "B4"): "小",
        ("汇总", "A1"): total * 2,
    }


def _cached(path: Path) -> dict:
    wb = openpyxl.load_workbook(path, data_only=True)
    return {(sheet, ref): wb[sheet][ref].value for sheet, ref in _expected(0)}


def _poison_cached_values(path: Path) -> None:
    """Give every formula a WRONG cached value, like an Excel file saved stale.

    Also drop openpyxl's fullCalcOnLoad flag and claim Excel as the producer,
    so nothing in the file itself asks for a recalculation.
    """
    with zipfile.ZipFile(path) as zf:
        items = {name: zf.read(name) for name in zf.namelist()}

    def poison(xml: str, wrong: dict[str, tuple[str | None, str]]) -> str:
        for ref, (cell_type, value) in wrong.items():
            pattern = re.compile(rf'<c r="{ref}"([^>]*)>(<f>.*?</f>)(?:<v\s*/>|<v>.*?</v>)?</c>')
            assert pattern.search(xml), ref
            t_attr = f' t="{cell_type}"' if cell_type else ""
            xml = pattern.sub(
                lambda m: f'<c r="{ref}"{t_attr}>{m.group(2)}<v>{value}</v></c>', xml
            )
        return xml

    s1 = "xl/worksheets/sheet1.xml"
    s2 = "xl/worksheets/sheet2.xml"
    items[s1] = poison(
        items[s1].decode("utf-8"),
        {"B1": (None, "999"), "B2": (None, "-5"), "B3": ("str", "错"), "B4": ("str", "错")},
    ).encode("utf-8")
    items[s2] = poison(items[s2].decode("utf-8"), {"A1": (None, "12345")}).encode("utf-8")
    items["xl/workbook.xml"] = (
        items["xl/workbook.xml"].decode("utf-8").replace(' fullCalcOnLoad="1"', "").encode()
    )
    items["docProps/app.xml"] = (
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'extended-properties"><Application>Microsoft Excel</Application>'
        b"<AppVersion>16.0300</AppVersion></Properties>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in items.items():
            zf.writestr(name, data)


WRONG = {
    ("数据", "B1"): 999,
    ("数据", "B2"): -5,
    ("数据", "B3"): "错",
    ("数据", "B4"): "错",
    ("汇总", "A1"): 12345,
}


# ---------------------------------------------------------------------------
# recalculation


def test_find_soffice_returns_executable():
    exe = lo.find_soffice()
    assert exe and os.access(exe, os.X_OK)


def test_recalculate_replaces_wrong_cached_values(tmp_path):
    src = tmp_path / "stale.xlsx"
    _write_formula_book(src)
    _poison_cached_values(src)
    assert _cached(src) == WRONG  # precondition: the file really lies

    dst = tmp_path / "out" / "fixed.xlsx"
    assert lo.recalculate_xlsx(src, dst) == dst.resolve()
    assert _cached(dst) == _expected(41)
    # Formulas survive the round trip.
    ws = openpyxl.load_workbook(dst)["数据"]
    assert ws["B1"].value == "=A1+1"
    assert ws["B2"].value == "=SUM(A1:A4)"


def test_recalculate_openpyxl_file_without_cached_values(tmp_path):
    src = tmp_path / "fresh.xlsx"
    _write_formula_book(src, a1=7)
    assert all(v is None for v in _cached(src).values())

    dst = lo.recalculate_xlsx(src, tmp_path / "fresh-calc.xlsx")
    assert _cached(dst) == _expected(7)


def test_recalculate_in_place(tmp_path):
    src = tmp_path / "inplace.xlsx"
    _write_formula_book(src, a1=100)
    _poison_cached_values(src)
    lo.recalculate_xlsx(src, src)
    assert _cached(src) == _expected(100)
    assert [p.name for p in tmp_path.iterdir()] == ["inplace.xlsx"]  # no leftovers


def test_recalculate_many(tmp_path):
    src_dir = tmp_path / "src"
    src_dir.mkdir()
    srcs = []
    for i in range(20):
        p = src_dir / f"报表{i:02d}.xlsx"
        _write_formula_book(p, a1=i * 5)
        if i % 2:
            _poison_cached_values(p)
        srcs.append(p)

    t0 = time.perf_counter()
    outs = lo.recalculate_many(srcs, tmp_path / "out")
    elapsed = time.perf_counter() - t0

    assert [o.name for o in outs] == [s.name for s in srcs]
    for i, out in enumerate(outs):
        assert _cached(out) == _expected(i * 5), out.name
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(s.name for s in srcs)
    # One soffice start per process, not per file (~1 s each).
    assert elapsed < 45, f"recalculate_many took {elapsed:.1f}s for 20 files"


def test_recalculate_many_isolates_broken_files(tmp_path):
    srcs = []
    for i in range(5):
        p = tmp_path / f"ok{i}.xlsx"
        _write_formula_book(p, a1=i)
        srcs.append(p)
    crash = tmp_path / "crash.xlsx"  # plain text: makes soffice abort on export
    crash.write_text("这不是 xlsx 文件\n", encoding="utf-8")
    broken = tmp_path / "broken.xlsx"  # a truncated zip: cannot be loaded
    broken.write_bytes(b"PK\x03\x04broken")
    srcs[1:1] = [crash]
    srcs[4:4] = [broken]

    with pytest.raises(lo.LibreOfficeError) as info:
        lo.recalculate_many(srcs, tmp_path / "out", processes=1)
    assert sorted(p.name for p in info.value.failed) == ["broken.xlsx", "crash.xlsx"]
    assert "重新计算失败 2 个文件" in str(info.value)
    for i in range(5):
        assert _cached(tmp_path / "out" / f"ok{i}.xlsx") == _expected(i)


def test_recalculate_many_rejects_duplicate_names(tmp_path):
    a = tmp_path / "a" / "same.xlsx"
    b = tmp_path / "b" / "same.xlsx"
    for p in (a, b):
        p.parent.mkdir()
        _write_formula_book(p)
    with pytest.raises(ValueError, match="重复"):
        lo.recalculate_many([a, b], tmp_path / "out")


def test_missing_input_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        lo.convert(tmp_path / "nope.docx", "pdf", tmp_path)


def test_timeout_raises_libreoffice_error(tmp_path):
    src = tmp_path / "t.xlsx"
    _write_formula_book(src)
    with pytest.raises(lo.LibreOfficeError, match="超时"):
        lo.convert(src, "pdf", tmp_path / "out", timeout=0.05)


# ---------------------------------------------------------------------------
# rendering


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_docx_to_pdf_to_png_with_chinese(tmp_path):
    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    document.add_heading("政府信息公开工作年度报告", level=1)
    para = document.add_paragraph()
    run = para.add_run("一、总体情况。本年度共主动公开政府信息 1234 条，依申请公开 56 件。")
    # Typical government template font that is NOT installed: must fall back to CJK.
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), "仿宋_GB2312")
    for i in range(30):
        document.add_paragraph(f"第{i + 1}条：依法依规做好政府信息公开工作，保障人民群众知情权。")
    src = tmp_path / "报告.docx"
    document.save(src)

    pdf = lo.to_pdf(src, tmp_path / "pdf")
    assert pdf.name == "报告.pdf" and pdf.stat().st_size > 5000

    text = subprocess.run(
        [_need_tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "政府信息公开工作年度报告" in text
    assert "依申请公开" in text

    fonts = subprocess.run(
        [_need_tool("pdffonts"), str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"Noto\w*CJK", fonts), fonts

    pngs = lo.pdf_to_pngs(pdf, tmp_path / "png", dpi=80)
    assert pngs[0].name == "报告-1.png" and len(pngs) == 2  # 32 paragraphs: 2 pages
    width, height = _png_size(pngs[0])
    assert 600 < width < 720 and 850 < height < 960  # A4 or Letter at 80 dpi
    assert pngs[0].stat().st_size > 10_000  # a blank page is ~2 KB


def test_xlsx_to_pdf_shows_recalculated_values(tmp_path):
    src = tmp_path / "表.xlsx"
    _write_formula_book(src, a1=41)
    _poison_cached_values(src)
    pdf = lo.to_pdf(src, tmp_path)
    text = subprocess.run(
        [_need_tool("pdftotext"), "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "大" in text and "47" in text
    assert "999" not in text and "错" not in text
    pages = lo.pdf_to_pngs(pdf, tmp_path / "png", dpi=40)
    assert len(pages) >= 1 and all(p.stat().st_size > 500 for p in pages)
