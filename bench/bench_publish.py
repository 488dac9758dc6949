"""Publication figures: time and size of each report output, and of the charts.

    PYTHONPATH=. python3 bench/bench_publish.py

Prints, for seed 004: building the report model, the HTML page (with inline SVG charts),
the Word document (with PNG charts), the PDF (Word through LibreOffice), one chart as SVG
and as PNG, and the import cost of the chart path (Pillow).  Figures, not assertions.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(label: str, fn, repeat: int = 1):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    print(f"{label:<34} {best * 1000:9.1f} ms")
    return out


def main() -> None:
    t = time.perf_counter()
    import PIL.Image  # noqa: F401

    print(f"{'import Pillow (only when charts)':<34} {(time.perf_counter() - t) * 1000:9.1f} ms")
    from gxxl.reader import read_filing
    from gxxl.report import build_report
    from gxxl.report.charts import chart_png, chart_svg, report_charts
    from gxxl.report.html import report_html
    from gxxl.report.pdf import write_pdf
    from gxxl.report.word import report_docx_bytes

    filing = read_filing(ROOT / "workbooks" / "seed004_某区人民政府办公室_2024.xlsx")
    report = timed("report model", lambda: build_report(filing), 5)
    charts = [c for c in report_charts(filing) if c.drawn]
    timed("one chart as SVG", lambda: chart_svg(charts[1]), 20)
    png = timed("one chart as PNG (Pillow)", lambda: chart_png(charts[1]), 3)
    page = timed("HTML page (-o .html)", lambda: report_html(report), 5)
    docx = timed("Word (-o .docx, PNG charts)", lambda: report_docx_bytes(report), 2)
    with tempfile.TemporaryDirectory() as d:
        pdf = timed("PDF (-o .pdf, LibreOffice)", lambda: write_pdf(report, Path(d) / "r.pdf"))
        size_pdf = pdf.stat().st_size
    print(f"sizes: HTML {len(page.encode()) / 1024:.0f} KB, Word {len(docx) / 1024:.0f} KB, "
          f"PDF {size_pdf / 1024:.0f} KB, one PNG chart {len(png) / 1024:.0f} KB")


if __name__ == "__main__":
    main()
