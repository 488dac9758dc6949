"""``gxxl report -o 报告.pdf``: A4, every font embedded, tables whole, nothing off the page.

Seed 004 and the 示例县 roll-up are printed through LibreOffice.  The text of each page
(pdftotext) shows that a table's merged header rows are always on one page (and repeated
with the rows when a table continues); the page pictures (pdftoppm) show that nothing is
printed into the side margins (no table wider than the page).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SEED004, WORKBOOKS, need, run_gxxl
from gxxl import lo

pytestmark = pytest.mark.libreoffice

gxxl = run_gxxl


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    need(lo.find_soffice() is not None, "LibreOffice（soffice）")
    for tool in ("pdftoppm", "pdftotext", "pdffonts", "pdfinfo"):
        need(shutil.which(tool) is not None, f"{tool}（poppler-utils）")
    tmp = tmp_path_factory.mktemp("pdf")
    rollup = tmp / "示例县汇总.xlsx"
    books = sorted(str(p) for p in WORKBOOKS.glob("示例县_*.xlsx"))
    r = gxxl("rollup", *books, "--roster", WORKBOOKS / "示例县_应报单位名单.csv", "--unit", "示例县人民政府",
             "--level", "县级政府", "--year", "2024", "-o", rollup)
    assert rollup.exists(), r.stdout + r.stderr
    out = {}
    for name, src in (("seed004", SEED004), ("rollup", rollup)):
        pdf = tmp / f"{name}.pdf"
        r = gxxl("report", src, "-o", pdf)
        assert r.returncode == 0 and pdf.read_bytes()[:5] == b"%PDF-", r.stdout + r.stderr
        out[name] = pdf
    return out


def pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [re.sub(r"\s+", "", p) for p in text.split("\f") if p.strip()]


@pytest.mark.parametrize("name", ["seed004", "rollup"])
def test_pdf_is_a4_with_every_font_embedded(pdfs, name):
    pdf = pdfs[name]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info
    n = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 4 <= n <= 10
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), "\n".join(fonts)  # the emb column
    assert any("CJK" in line for line in fonts)


@pytest.mark.parametrize("name", ["seed004", "rollup"])
def test_tables_never_split_their_merged_header(pdfs, name):
    texts = pages(pdfs[name])
    # 表三: its header rows — the 勾稽 note (rows 1–3, table-only text), 申请人情况, 法人或其他组织,
    # 商业企业 … — always on one page, and the page with its last rows shows them too
    # (repeated when the table continues)
    head3 = ("申请人情况", "法人或其他组织", "商业", "科研", "社会", "法律", "总计")
    on = [i for i, t in enumerate(texts) if "勾稽关系为" in t]
    assert on, "表三 header not found"
    assert all(all(h in texts[i] for h in head3) for i in on), [texts[i][:200] for i in on]
    last_rows = [i for i, t in enumerate(texts) if "（七）总计" in t and "结转下年度继续办理" in t]
    assert last_rows and all(i in on for i in last_rows)
    # 表四: 行政复议 | 行政诉讼 → 未经复议直接起诉 | 复议后起诉 → 结果维持 … on one page
    head4 = ("未经复议直接起诉", "复议后起诉", "维持", "纠正", "尚未", "审结")  # narrow cells wrap
    on4 = [i for i, t in enumerate(texts) if "未经复议直接起诉" in t or "复议后起诉" in t]
    assert on4 and all(all(h in texts[i] for h in head4) for i in on4)


@pytest.mark.parametrize("name", ["seed004", "rollup"])
def test_page_pictures_keep_everything_inside_the_margins(pdfs, name, tmp_path):
    from PIL import Image

    dpi = 40
    pngs = lo.pdf_to_pngs(pdfs[name], tmp_path, dpi=dpi)
    cm = dpi / 2.54
    for png in pngs:
        img = Image.open(png).convert("L")
        w, h = img.size
        assert abs(w - 21.0 * cm) < 3 and abs(h - 29.7 * cm) < 3
        # the text width is 15.6 cm from 2.8 cm: nothing dark in the outer 2 cm on either side
        for box in ((0, 0, int(2.0 * cm), h), (w - int(2.0 * cm), 0, w, h)):
            assert img.crop(box).getextrema()[0] > 200, f"{png.name}: ink in the side margin {box}"
        # every page has content
        assert img.getextrema()[0] < 100
