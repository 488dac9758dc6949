"""Every sheet gxxl generates prints like an office document (LibreOffice → PDF → text boxes).

The 示例县 roll-up (汇总情况, 缺报单位, 明细, 校验结果), an annotated copy (校验结果), an
imported workbook (导入说明) and the 报告章节 sheet are printed for real; each page is
attributed to its sheet by the page header that :func:`gxxl.sheetprint.setup_print` writes
(unit · sheet title · year), and each page must show the sheet's first and last printed
column headings (a sheet cut into strips shows only some columns on a page).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from gxxl import lo
from conftest import SEED004, WORKBOOKS, need, run_gxxl

pytestmark = pytest.mark.libreoffice

ROOT = Path(__file__).resolve().parents[1]
gxxl = run_gxxl


def pages_text(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r'<page width="([\d.]+)" height="([\d.]+)">', html)]


def by_sheet(pdf: Path, unit: str, titles: list[str]) -> dict[str, list[str]]:
    """Pages of the sheets printed with a gxxl header: the header's first line names the sheet."""
    out: dict[str, list[str]] = {}
    for text in pages_text(pdf):
        first = next((ln for ln in text.splitlines() if ln.strip()), "")
        if unit not in first:
            continue
        words = first.split()
        title = next((t for t in titles if t in words), None)
        if title is not None:
            out.setdefault(title, []).append(text)
    return out


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    need(lo.find_soffice() is not None, "LibreOffice（soffice）")
    need(shutil.which("pdftotext") is not None, "pdftotext（poppler-utils）")
    tmp = tmp_path_factory.mktemp("print")
    books = sorted(str(p) for p in WORKBOOKS.glob("示例县_*.xlsx"))
    rollup = tmp / "示例县汇总.xlsx"
    r = gxxl("rollup", *books, "--roster", WORKBOOKS / "示例县_应报单位名单.csv", "--unit", "示例县人民政府",
             "--level", "县级政府", "--year", "2024", "-o", rollup)
    assert rollup.exists(), r.stdout + r.stderr
    annotated = tmp / "财政局.校验.xlsx"
    gxxl("validate", WORKBOOKS / "示例县_05_财政局.xlsx", "--annotate", annotated)
    assert annotated.exists()
    sheet = tmp / "seed004.报告章节.xlsx"
    r = gxxl("report", SEED004, "-o", sheet)
    assert sheet.exists(), r.stdout + r.stderr
    pdfs = {name: lo.to_pdf(path, tmp / "pdf") for name, path in
            (("rollup", rollup), ("annotated", annotated), ("sheet", sheet))}
    return {"rollup": rollup, "annotated": annotated, "sheet": sheet, "pdf": pdfs}


def test_rollup_workbook_prints_in_a_handful_of_whole_width_pages(printed):
    pdf = printed["pdf"]["rollup"]
    sizes = page_sizes(pdf)
    # A4 (either orientation), and the whole workbook (cover, three tables, the check sheet,
    # ledger, missing units, 440 detail rows, findings) in a handful of pages, not 49 strips
    assert all(sorted((round(w), round(h))) == [595, 842] for w, h in sizes), sizes
    assert len(sizes) <= 15, len(sizes)
    wb = load_workbook(printed["rollup"], read_only=True)
    n_ledger = sum(1 for r in wb["汇总情况"].iter_rows(min_row=6, values_only=True) if r[0] is not None)
    n_detail = wb["明细"].max_row - 1
    wb.close()
    sheets = by_sheet(pdf, "示例县人民政府", ["汇总情况", "缺报单位", "明细", "校验结果", "图解"])
    assert set(sheets) == {"汇总情况", "缺报单位", "明细", "校验结果", "图解"}
    # 图解: four charts, two a page, none cut by a page break (each title on the page of its data)
    assert len(sheets["图解"]) == 2
    for text in sheets["图解"]:
        assert text.count("项目") == 2
    # whole width: every page of a sheet carries its first and last printed column heading
    for title, (first, last) in {"汇总情况": ("序号", "说明"), "缺报单位": ("序号", "相关文件"),
                                 "明细": ("单位名称", "数值"), "校验结果": ("序号", "说明")}.items():
        for i, text in enumerate(sheets[title], start=1):
            assert first in text and last in text, f"{title} page {i} is a strip:\n{text[:400]}"
    # sensible page counts: the 15-file ledger on one page, 明细 at ≥ 45 rows a page
    assert len(sheets["汇总情况"]) <= max(1, math.ceil(n_ledger / 12))
    assert len(sheets["缺报单位"]) == 1
    assert len(sheets["明细"]) <= math.ceil(n_detail / 45), (len(sheets["明细"]), n_detail)
    # page numbers in the footer, 2024年度 in the header
    assert all("2024年度" in t for ts in sheets.values() for t in ts)
    assert all(re.search(r"第 \d+ 页，共 \d+ 页", t) for ts in sheets.values() for t in ts)


def test_ledger_shows_file_names_relative_to_the_input_folder(printed):
    wb = load_workbook(printed["rollup"], read_only=True)
    rows = list(wb["汇总情况"].iter_rows(min_row=5, values_only=True))
    wb.close()
    notes: dict[str, str] = {}
    head = rows[0]
    files = [dict(zip(head, r)) for r in rows[1:] if r[0] is not None]
    assert len(files) == 15
    for row in files:
        assert row["文件"].startswith("示例县_") and "/" not in row["文件"], row["文件"]
        full = Path(row["完整路径"])
        assert full.is_absolute() and full.name == row["文件"] and full.exists()
        notes[row["文件"]] = str(full)
        # reasons that name another file name it relative too
        assert str(WORKBOOKS) not in (row["说明"] or "")
    # the full path is also the note of the 文件 cell
    ws = load_workbook(printed["rollup"])["汇总情况"]
    for r in range(6, 6 + len(files)):
        assert ws.cell(r, 2).comment.text == notes[ws.cell(r, 2).value]
    text = "\n".join(by_sheet(printed["pdf"]["rollup"], "示例县人民政府", ["汇总情况"])["汇总情况"])
    assert str(WORKBOOKS) not in text.replace("\n", "") and "SHA-256" not in text


def test_results_and_report_sheets_print_one_page_wide(printed):
    # the annotated copy's 校验结果: header with the unit, wrapped 说明, whole width
    pdf = printed["pdf"]["annotated"]
    sheets = by_sheet(pdf, "示例县财政局", ["校验结果"])
    assert sheets["校验结果"], "校验结果 not printed with its header"
    for text in sheets["校验结果"]:
        assert "序号" in text and "说明" in text
    # the 报告章节 sheet of seed 004: landscape pages, the table rows all there
    pdf = printed["pdf"]["sheet"]
    sheets = by_sheet(pdf, "某区人民政府办公室", ["报告章节"])
    pages = sheets["报告章节"]
    assert 1 <= len(pages) <= 6
    body = "\n".join(pages)
    for label in ("结果维持", "尚未审结", "四、结转下年度继续办理"):
        assert label in body
    wb = load_workbook(printed["sheet"])
    ws = wb["报告章节"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"


def test_import_sheet_print_setup(tmp_path):
    corpus = ROOT.parent / "shared" / "corpus"
    pages = sorted(corpus.glob("*/page.txt")) if corpus.is_dir() else []
    if not pages:
        pytest.skip("corpus of published pages not present")
    out = tmp_path / "导入.xlsx"
    for page in pages:  # the first page the importer can turn into a workbook
        gxxl("import", page, "-o", out)
        if out.exists():
            break
    assert out.exists()
    ws = load_workbook(out)["导入说明"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows in ("2:2", "$2:$2")
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    assert all(c.alignment.wrap_text for c in ws["G"][2:])


def test_header_text_is_escaped_and_bounded():
    from openpyxl import Workbook

    from gxxl.sheetprint import header_text, relative_name, setup_print

    assert header_text("A&B") == "A&&B"
    assert header_text("x" * 500, 60).endswith("…") and len(header_text("x" * 500, 60)) == 60
    assert header_text("甲\x07乙\n") == "甲乙"
    ws = Workbook().active
    setup_print(ws, title="汇总情况", unit="R&D 局" + "很长" * 100, year=2024)
    assert ws.oddHeader.left.text.startswith("R&&D 局") and len(ws.oddHeader.left.text) <= 61
    assert relative_name("/a/b/c.xlsx", "/a") == os.path.join("b", "c.xlsx")
    assert relative_name("/x/c.xlsx", "/a") == "/x/c.xlsx"


def test_setup_print_on_a_streaming_sheet(tmp_path):
    """Write-only sheets (the audit workbook streams its rows) get the same setup."""
    from openpyxl import Workbook

    from gxxl.sheetprint import setup_print

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("问题明细")
    ws.column_dimensions["A"].width = 30
    setup_print(ws, title="问题明细", unit="某市人民政府", year=2024, landscape=True, repeat_rows=(1, 2), last_col=8)
    for i in range(5):
        ws.append([f"第{i}行", i])
    wb.save(tmp_path / "a.xlsx")
    back = load_workbook(tmp_path / "a.xlsx")["问题明细"]
    assert back.page_setup.orientation == "landscape" and back.page_setup.paperSize == 9
    assert back.oddHeader.left.text == "某市人民政府" and back.oddHeader.right.text == "2024年度"
    assert back.print_title_rows in ("1:2", "$1:$2") and back.print_area.endswith("$H$1048576")


def test_audit_workbook_prints_with_headers_and_page_numbers(tmp_path):
    """The audit sheets (审查汇总, 问题明细, 统计, 评级标准) use the same print setup."""
    need(lo.find_soffice() is not None, "LibreOffice（soffice）")
    corpus = ROOT.parent / "shared" / "corpus"
    pages = sorted(corpus.glob("*/page.txt"))[:6] if corpus.is_dir() else []
    if not pages:
        pytest.skip("corpus of published pages not present")
    inbox = tmp_path / "pages"
    inbox.mkdir()
    for p in pages:
        shutil.copy(p, inbox / f"{p.parent.name}.txt")
    out = tmp_path / "审查.xlsx"
    r = gxxl("audit", inbox, "-o", out)
    assert out.exists(), r.stdout + r.stderr
    pdf = lo.to_pdf(out, tmp_path / "pdf")
    texts = pages_text(pdf)
    assert 2 <= len(texts) <= 10
    assert all(sorted((round(w), round(h))) == [595, 842] for w, h in page_sizes(pdf))
    for i, text in enumerate(texts, start=1):
        assert f"第 {i} 页，共 {len(texts)} 页" in text
    wb = load_workbook(out)
    for ws in wb.worksheets:
        if ws.sheet_state == "visible":
            assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1, ws.title
            assert ws.oddFooter.center.text == "第 &P 页，共 &N 页", ws.title
