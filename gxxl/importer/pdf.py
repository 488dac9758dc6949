"""Text-based PDF (pdfplumber, imported only when a PDF is read).

A PDF of a published report has its tables as positioned text: pdfplumber gives the text
lines of each page (cells of a table row on one line, separated by spaces — the stream
reader splits them) and, where the table has ruling lines, the table cells themselves
(empty cells kept, so every cell keeps its column).  Page furniture is dropped: a page
number line (「- 3 -」, 「第3页 共9页」, 「3/9」) and a running header or footer repeated on
most pages, so a table broken over two pages reads as one.  A PDF without any text layer
is a scan: 「扫描件，无法读取文字」.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ..errors import InputError, LimitError

#: the largest PDF read (bytes) and the most pages: checked before anything is parsed
MAX_PDF_BYTES = 50 * 1024 * 1024
MAX_PDF_PAGES = 300

_PAGE_NO = re.compile(r"^(?:[-—–_\s]*\d{1,4}[-—–_\s]*|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+|[Pp]age\s*\d+(?:\s*of\s*\d+)?)$")


class PdfError(InputError):
    """The PDF cannot be read (message in Chinese)."""


def _open(path: Path):
    size = path.stat().st_size
    if size > MAX_PDF_BYTES:
        raise LimitError(f"{path.name}：PDF 文件有 {size // (1024 * 1024)} MB，超过上限（{MAX_PDF_BYTES // (1024 * 1024)} MB），未读取")
    try:
        import pdfplumber
    except ImportError as e:  # pragma: no cover - a dependency
        raise PdfError("读取 PDF 需要 pdfplumber（pip install pdfplumber）") from e
    try:
        pdf = pdfplumber.open(str(path))
        n = len(pdf.pages)
    except Exception as e:
        msg = str(e).lower()
        if "password" in msg or "encrypt" in msg:
            raise PdfError(f"{path.name}：PDF 设置了密码（已加密），请取消密码后再导入") from e
        raise PdfError(f"{path.name}：无法作为 PDF 打开，文件可能已损坏") from e
    if n > MAX_PDF_PAGES:
        pdf.close()
        raise LimitError(f"{path.name}：PDF 有 {n} 页，超过上限（{MAX_PDF_PAGES} 页），未读取")
    return pdf


def read_pdf(path: str | Path) -> tuple[list[str], list[list[list[str]]]]:
    """(text lines without page furniture, tables as rows of cell texts)."""
    path = Path(path)
    pdf = _open(path)
    pages: list[list[str]] = []
    tables: list[list[list[str]]] = []
    try:
        for page in pdf.pages:
            text = page.extract_text() or ""
            pages.append([ln.strip() for ln in text.splitlines() if ln.strip()])
            try:
                for t in page.extract_tables():
                    # None: a position covered by a merged cell (not a cell of its own)
                    tables.append([[c.replace("\n", "") for c in row if c is not None] for row in t])
            except Exception:  # a table pdfplumber cannot resolve: the text lines still have it
                pass
    except Exception as e:
        raise PdfError(f"{path.name}：PDF 内容无法解析，文件可能已损坏") from e
    finally:
        pdf.close()
    if not any(pages):
        raise PdfError(f"{path.name}：这是扫描件，无法读取文字（PDF 中只有图片，没有文字层）；"
                       "请提供文字版（.docx、.txt、网页），或先用文字识别（OCR）转换后再导入")
    return _without_furniture(pages), tables


def _without_furniture(pages: list[list[str]]) -> list[str]:
    """Lines of all pages, without page numbers and lines repeated at the top or bottom of most pages."""
    edges = Counter()
    for lines in pages:
        for ln in {*(lines[:2]), *(lines[-2:])}:
            edges[re.sub(r"\d+", "#", ln)] += 1
    repeated = {k for k, n in edges.items() if len(pages) >= 3 and n >= max(3, len(pages) * 0.6)}
    out = []
    for lines in pages:
        for i, ln in enumerate(lines):
            at_edge = i < 2 or i >= len(lines) - 2
            if at_edge and (_PAGE_NO.match(ln) or re.sub(r"\d+", "#", ln) in repeated):
                continue
            out.append(ln)
    return out


def _table_line(ln: str) -> bool:
    words = ln.split()
    if len(words) < 3:
        return False
    if re.search(r"[，。；]", ln) or ("、" in ln and re.search(r"\d\s*件", ln)):
        # prose: a PDF writer puts spaces around Latin digits (「申请 52 件，上年结转」),
        # which must not make a sentence look like a table row of numbers
        return False
    numbers = sum(1 for w in words if re.fullmatch(r"[-+]?[\d.,]+%?|/|-", w))
    return numbers >= 2 or sum(len(w) for w in words) / len(words) <= 6


_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[.、．]|第[一二三四五六七八九十]+)")


def pdf_lines(path: str | Path) -> list[str]:
    """The running text of a PDF as paragraphs (for check-text): lines wrapped by the page
    width are joined again, up to the end of a sentence or the next heading."""
    out: list[str] = []
    for ln in read_pdf(path)[0]:
        if _table_line(ln):
            continue  # a table row (cells separated by spaces): the tables are checked as tables
        if out and not re.search(r"[。！？!?：:]$", out[-1]) and not _HEADING.match(ln):
            out[-1] += ln
        else:
            out.append(ln)
    return out
