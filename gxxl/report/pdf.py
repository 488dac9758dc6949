"""Report → print-ready PDF (``-o 报告.pdf``): the Word report converted by LibreOffice.

The Word document is the print layout (A4, GB/T 9704-style margins, tables whose header
rows repeat on a new page and whose rows never split, charts as pictures); LibreOffice
exports it with every font embedded (subsets), so the PDF prints the same anywhere.  The
Chinese faces the report asks for (仿宋, 宋体, 黑体, 楷体) are mapped to the installed CJK
faces when missing (:mod:`.preview`).  The PDF is written atomically; nothing is left
behind when LibreOffice fails.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..errors import OutputError
from ..fileio import atomic_write_bytes
from .model import Report


def write_pdf(report: Report, path: str | Path, *, timeout: float = 180) -> Path:
    from .. import lo
    from .preview import to_pdf
    from .word import report_docx_bytes

    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="gxxl-pdf-") as d:
        docx = Path(d) / "report.docx"
        docx.write_bytes(report_docx_bytes(report))
        try:
            pdf = to_pdf(docx, Path(d) / "out", timeout=timeout)
        except lo.LibreOfficeError as e:
            raise OutputError(f"{path}：无法生成 PDF（{str(e).splitlines()[0]}）；可先生成 Word（-o 报告.docx）再另存为 PDF",
                              path=path) from None
        return atomic_write_bytes(path, pdf.read_bytes())
