"""Render the self-checking template to PNG with LibreOffice (docs/template/*.png).

    python docs/template/render.py [OUTDIR]

Two workbooks:

* ``template``: the blank template; ``sample``: workbooks/示例县_05_财政局.xlsx (a planted
  error in 表三) with a few more planted errors, so every kind of check shows;
* ``template-print-N.png``: the blank template as printed (print areas: the official
  tables only, the check cells beside them are not printed);
* ``sample-screen-N.png``: the sample, each sheet whole with the check cells beside the
  tables, as a clerk sees it on screen (the print area widened to the used range).

LibreOffice recalculates on load, so the check cells, the red input cells and the cover's
status line are LibreOffice's own results.
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from openpyxl import load_workbook  # noqa: E402

from gxxl import lo  # noqa: E402
from gxxl.fileio import save_workbook  # noqa: E402
from gxxl.layout import META_SHEET, cell_positions  # noqa: E402
from gxxl.samples import random_filing  # noqa: E402
from gxxl.spec import get_spec  # noqa: E402
from gxxl.template import template_path  # noqa: E402
from gxxl.writer import fill_workbook  # noqa: E402

DPI = 110
TEMPLATE: Path | None = None  # override for previews of an uncommitted template


def sample_workbook(path: Path) -> Path:
    """A 乡镇 filing with planted errors of every kind the template checks."""
    spec = get_spec()
    pos = cell_positions(spec)
    f = random_filing(random.Random(20250120), unit_name="示例县青山镇人民政府", level="乡镇（街道）")
    f.cover["parent"] = "示例县人民政府办公室"
    f.values["T3.total.np"] += 1  # a slip in （七）总计: breaks its column and its row
    f.values["T4.review.total"] += 1  # 表四 行政复议 总计 one too many
    f.values["T2.rule.issued"] = 1  # a 乡镇 with 规章
    f.values["T2.rule.in_force"] = 1
    wb = fill_workbook(f)

    def put(code, value):
        sheet, r, c = pos[code]
        wb[sheet].cell(r, c).value = value

    put("T3.deny_1.be", "无")  # text in a number cell
    put("T3.reject_3.ot", None)  # left blank
    put("T2.penalty.decisions", 2.5)  # a decimal count
    return save_workbook(wb, path)


def screen_copy(src: Path, dst: Path) -> Path:
    """A copy whose print areas cover each sheet's used range (check cells included)."""
    wb = load_workbook(src)
    for ws in wb.worksheets:
        if ws.title == META_SHEET:
            continue
        ws.print_area = f"A1:{ws.cell(ws.max_row, ws.max_column).coordinate}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 1
    return save_workbook(wb, dst)


def render(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="gxxl-render-"))
    try:
        template = work / "template-print.xlsx"
        shutil.copy(TEMPLATE or template_path(), template)
        sample = sample_workbook(work / "sample-print.xlsx")
        # kept: the template as printed, and the sample with errors as a clerk sees it on screen
        books = [template, screen_copy(sample, work / "sample-screen.xlsx")]
        for old in out.glob("*.png"):
            old.unlink()
        pngs = []
        for book in books:
            pdf = lo.to_pdf(book, work)
            pngs += lo.pdf_to_pngs(pdf, out, dpi=DPI)
        return pngs
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    for p in render(target):
        print(p)
