"""Regenerate the PNGs in this folder: what `gxxl report` output looks like when printed.

    python docs/report/make_pngs.py

Needs LibreOffice, poppler-utils and chromium (`bash .ci/install-system`).  The pages are
rendered with :func:`gxxl.report.preview.render_pages` (missing Chinese faces mapped to
Noto CJK); the web page with headless Chromium at 1280 px and 360 px
(``tests/publish_browser.py``); the roll-up workbook printed by LibreOffice.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from openpyxl import load_workbook  # noqa: E402

from gxxl.reader import read_filing  # noqa: E402
from gxxl.report import build_report  # noqa: E402
from gxxl.report.preview import render_pages, to_pdf  # noqa: E402
from gxxl.report.sheet import SHEET, write_report_sheet  # noqa: E402
from gxxl.report.word import write_docx  # noqa: E402
from gxxl.samples import city_filing  # noqa: E402
from gxxl import lo  # noqa: E402
from gxxl.report.html import report_html  # noqa: E402
from gxxl.report.charts import chart_png, report_charts  # noqa: E402
from publish_browser import screenshot  # noqa: E402

SEED004 = ROOT / "workbooks" / "seed004_某区人民政府办公室_2024.xlsx"



def main() -> None:
    for old in HERE.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        seed = read_filing(SEED004)
        for name, filing in (("seed004", seed), ("city", city_filing())):
            docx = write_docx(build_report(filing), tmp / f"{name}.docx")
            _, pages = render_pages(docx, tmp / name, dpi=80)
            for p in pages:
                shutil.copy(p, HERE / f"docx-{p.name}")
        # the 报告章节 sheet alone (the copy's other sheets removed for the picture)
        book = write_report_sheet(build_report(seed), SEED004, tmp / "sheet.xlsx")
        wb = load_workbook(book, rich_text=True)
        for n in wb.sheetnames:
            if n != SHEET:
                del wb[n]
        wb.save(tmp / "sheet-only.xlsx")
        pdf = to_pdf(tmp / "sheet-only.xlsx", tmp)
        for p in lo.pdf_to_pngs(pdf, tmp / "sheetpng", dpi=70):
            shutil.copy(p, HERE / f"xlsx-seed004-{p.name.rsplit('-', 1)[1]}")
        # the web page (-o 报告.html) at desktop and phone widths
        page = report_html(build_report(seed))
        screenshot(page, 1280, HERE / "html-seed004-desktop.png")
        screenshot(page, 360, HERE / "html-seed004-phone.png")
        # a chart as Word gets it (PNG)
        chart = next(c for c in report_charts(seed) if c.key == "outcomes")
        (HERE / "chart-seed004-outcomes.png").write_bytes(chart_png(chart, scale=1.5))
        # the 示例县 roll-up workbook as printed (every sheet, A4)
        rollup = _rollup(tmp)
        pdf = lo.to_pdf(rollup, tmp / "rollup-pdf")
        for p in lo.pdf_to_pngs(pdf, tmp / "rollup-png", dpi=50):
            shutil.copy(p, HERE / f"print-rollup-{int(p.stem.rsplit('-', 1)[1]):02d}.png")
    print("\n".join(sorted(p.name for p in HERE.glob("*.png"))))


def _rollup(tmp: Path) -> Path:
    import os
    import subprocess

    books = sorted(str(p) for p in (ROOT / "workbooks").glob("示例县_*.xlsx"))
    out = tmp / "示例县汇总.xlsx"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "gxxl", "rollup", *books, "--roster",
                    str(ROOT / "workbooks" / "示例县_应报单位名单.csv"), "--unit", "示例县人民政府", "--level", "县级政府",
                    "--year", "2024", "-o", str(out)], env=env, capture_output=True)  # exit 1: some inputs have errors
    assert out.exists()
    return out


if __name__ == "__main__":
    main()
