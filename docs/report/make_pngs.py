"""Regenerate the PNGs in this folder: what `gxxl report` output looks like when printed.

    python docs/report/make_pngs.py

Needs LibreOffice and poppler-utils (`bash .ci/install-system`).  The pages are rendered
with :func:`gxxl.report.preview.render_pages` (missing Chinese faces mapped to Noto CJK).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from openpyxl import load_workbook  # noqa: E402

from gxxl.reader import read_filing  # noqa: E402
from gxxl.report import build_report  # noqa: E402
from gxxl.report.preview import render_pages, to_pdf  # noqa: E402
from gxxl.report.sheet import SHEET, write_report_sheet  # noqa: E402
from gxxl.report.word import write_docx  # noqa: E402
from gxxl.samples import city_filing  # noqa: E402
from gxxl import lo  # noqa: E402

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
    print("\n".join(sorted(p.name for p in HERE.glob("*.png"))))


if __name__ == "__main__":
    main()
