"""Regenerate the PNGs in this folder: the 审查结果 workbook of `gxxl audit` as printed.

    python docs/audit/make_pngs.py

Audits the 23 real pages of ``../shared/corpus`` together with the planted pages of
:mod:`gxxl.audit.planted`, converts the workbook to PDF with LibreOffice and rasterises
the first page of each sheet (needs LibreOffice and poppler-utils: ``bash .ci/install-system``).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from gxxl import lo  # noqa: E402
from gxxl.audit import Options, run_audit  # noqa: E402
from gxxl.audit.planted import planted_set  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        planted_set(tmp / "planted")
        out = tmp / "审查结果.xlsx"
        run_audit(Options(inputs=[str(CORPUS), str(tmp / "planted")], output=out, keep_workbooks=False))
        pdf = lo.to_pdf(out, tmp)
        pngs = lo.pdf_to_pngs(pdf, tmp / "png", dpi=110)
        names = {0: "audit-summary.png", 1: "audit-detail.png"}
        names[len(pngs) - 2] = "audit-charts.png"
        for i, name in names.items():
            shutil.copyfile(pngs[i], HERE / name)
            print(HERE / name)


if __name__ == "__main__":
    main()
